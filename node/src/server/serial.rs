//! One change of a meeting at a time at its organizer's office. A booking, a change and
//! a cancellation each read the meeting as it stands and work out the offices to reach
//! from it; two at once could each start from the same version, and the one decided
//! second would reach only the offices of a version that is no longer current (a change
//! that added an office, overtaken by another that did not know of it, leaves that
//! office on the older version for good). So each takes the meeting's turn first and
//! keeps it until its decision is applied here: the next reads the version it left.

use engine::ids::MeetingId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The meetings being changed here, each with its turn.
#[derive(Default)]
pub(super) struct Turns {
    map: Mutex<BTreeMap<MeetingId, Arc<tokio::sync::Mutex<()>>>>,
}

/// A meeting's turn, held until dropped.
pub(super) struct Turn<'a> {
    turns: &'a Turns,
    id: MeetingId,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Turns {
    /// Waits for `id`'s turn.
    pub(super) async fn take(&self, id: &MeetingId) -> Turn<'_> {
        let lock = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(id.clone()).or_default().clone()
        };
        Turn {
            turns: self,
            id: id.clone(),
            _held: lock.lock_owned().await,
        }
    }
}

impl Drop for Turn<'_> {
    /// The last holder or waiter gone, the meeting's entry goes too.
    fn drop(&mut self) {
        let mut map = self.turns.map.lock().unwrap_or_else(|e| e.into_inner());
        // The map's handle, and this turn's guard keeps one more while it lives.
        if map.get(&self.id).is_some_and(|l| Arc::strong_count(l) <= 2) {
            map.remove(&self.id);
        }
    }
}
