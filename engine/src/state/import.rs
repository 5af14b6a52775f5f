//! `Import`: bringing existing calendars in. Each meeting must touch only this office's
//! people and rooms; it is booked on its own (a prepare and a commit under the
//! transaction `import:{id}`, so answers to it work like any other) if it is valid and
//! free, and refused with the reason otherwise. Importing the same meeting twice books it
//! once.

use super::machine::OfficeState;
use super::meeting::MeetingSpec;
use super::outcome::Outcome;
use crate::ids::{MeetingId, TxnId};

/// The transaction an imported meeting is booked under.
pub fn import_txn(id: &MeetingId) -> TxnId {
    TxnId::new(format!("import:{id}"))
}

impl OfficeState {
    pub(super) fn import(&mut self, meetings: &[MeetingSpec]) -> (Outcome, Vec<MeetingId>) {
        let mut booked = Vec::new();
        let mut refused = Vec::new();
        let mut touched = Vec::new();
        for m in meetings {
            match self.import_one(m) {
                Ok(placed) => {
                    booked.push(m.id.clone());
                    touched.extend(placed);
                }
                Err(why) => refused.push((m.id.clone(), why)),
            }
        }
        (Outcome::Imported { booked, refused }, touched)
    }

    /// Books one meeting: the meetings it placed (none if it was there already).
    fn import_one(&mut self, m: &MeetingSpec) -> Result<Vec<MeetingId>, String> {
        if let Some(r) = m.resources().into_iter().find(|r| !self.owns(r)) {
            return Err(format!("{r} is not on this office's calendars"));
        }
        if self.cancelled.contains(&m.id) {
            return Err(format!("meeting {} was cancelled", m.id));
        }
        match self.meetings.get(&m.id) {
            Some(old) if old == m => return Ok(vec![]),
            Some(_) => return Err(format!("meeting id {} is taken", m.id)),
            None => {}
        }
        let txn = import_txn(&m.id);
        match self.prepare(&txn, m, false).0 {
            Outcome::Prepared { .. } => {}
            Outcome::Conflicts { conflicts } => {
                let first = conflicts.first().map_or(String::new(), |c| {
                    format!(
                        ", the first with meeting {} on {}",
                        c.with_meeting, c.resource
                    )
                });
                return Err(format!("{} conflict(s){first}", conflicts.len()));
            }
            Outcome::Rejected(r) => return Err(r.to_string()),
            other => return Err(format!("unexpected outcome {other:?}")),
        }
        match self.commit(&txn) {
            (Outcome::Committed { .. }, placed) => Ok(placed),
            (other, _) => Err(format!("unexpected outcome {other:?}")),
        }
    }
}
