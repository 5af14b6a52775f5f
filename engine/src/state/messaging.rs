//! Commands between offices and the outbox: `Originate` (apply here, promise delivery to
//! the others), `Deliver` (apply once per key), `Done` (effects carried out), and the
//! notifications that commits, cancellations and answers leave for this office's people.

use super::command::Command;
use super::machine::OfficeState;
use super::meeting::MeetingSpec;
use super::outbox::{Effect, NoticeKind, Notification, Outbox};
use super::outcome::{Outcome, Rejection};
use crate::ids::{MeetingId, OfficeId, ResourceId};
use crate::time::Instant;

impl OfficeState {
    /// Effects waiting for the node, oldest first.
    pub fn outbox(&self) -> impl Iterator<Item = (u64, &Effect)> {
        self.outbox.iter()
    }

    /// The effects waiting, with their counts by kind.
    pub fn waiting(&self) -> &Outbox {
        &self.outbox
    }

    /// A number that grows whenever a command changes anything here (calendars included):
    /// readers cache free/busy against it.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether a delivery with this key was applied here.
    pub fn delivered(&self, key: &str) -> bool {
        self.inbox.contains(key)
    }

    pub(super) fn originate(
        &mut self,
        key: &str,
        cmd: &Command,
        forward: &[OfficeId],
    ) -> (Outcome, Vec<MeetingId>) {
        if !forwardable(cmd) {
            return not_forwardable(cmd);
        }
        let (outcome, touched) = self.dispatch(cmd);
        if matches!(outcome, Outcome::Rejected(_)) {
            return (outcome, touched);
        }
        let here = self.office.clone();
        for to in forward.iter().filter(|o| **o != here) {
            self.push(Effect::Send {
                to: to.clone(),
                key: key.to_string(),
                command: cmd.clone(),
            });
        }
        (outcome, touched)
    }

    pub(super) fn deliver(&mut self, key: &str, cmd: &Command) -> (Outcome, Vec<MeetingId>) {
        if !forwardable(cmd) {
            return not_forwardable(cmd);
        }
        if self.inbox.contains(key) {
            let key = key.to_string();
            return (Outcome::Duplicate { key }, vec![]);
        }
        let (outcome, touched) = self.dispatch(cmd);
        // A meeting in the middle of a change is not a final answer: the sender retries,
        // so the key is not spent.
        if !matches!(outcome, Outcome::Rejected(Rejection::InProgress { .. })) {
            self.inbox.insert(key.to_string());
        }
        (outcome, touched)
    }

    pub(super) fn done(&mut self, seqs: &[u64]) -> (Outcome, Vec<MeetingId>) {
        let removed = seqs
            .iter()
            .filter(|s| self.outbox.remove(s).is_some())
            .count();
        (Outcome::Done { removed }, vec![])
    }

    fn push(&mut self, effect: Effect) -> u64 {
        let seq = self.next_effect;
        self.next_effect += 1;
        self.outbox.insert(seq, effect);
        seq
    }

    /// The meeting's people (organizer and attendees, not rooms) whose calendars are here.
    pub(super) fn local_people(&self, m: &MeetingSpec) -> Vec<ResourceId> {
        let mut v: Vec<ResourceId> = std::iter::once(&m.organizer)
            .chain(m.attendees.iter().map(|a| &a.resource))
            .filter(|r| self.owns(r))
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Queues one notification per person.
    pub(super) fn notify(
        &mut self,
        m: &MeetingSpec,
        people: impl IntoIterator<Item = ResourceId>,
        kind: NoticeKind,
    ) {
        for to in people {
            let seq = self.next_effect;
            self.push(Effect::Notify(Notification {
                key: format!("{}#{seq}", self.office),
                to,
                meeting: m.id.clone(),
                title: m.title.clone(),
                start: m.first_start(),
                kind: kind.clone(),
            }));
        }
    }

    /// The notifications a commit leaves: invited (new meeting, or people a change
    /// added), changed (the people of both versions), and cancelled for the people a
    /// change took off. The organizer is not told.
    pub(super) fn notify_commit(&mut self, previous: Option<&MeetingSpec>, m: &MeetingSpec) {
        let now: Vec<ResourceId> = self
            .local_people(m)
            .into_iter()
            .filter(|p| *p != m.organizer)
            .collect();
        let Some(old) = previous else {
            self.notify(m, now, NoticeKind::Invited);
            return;
        };
        let before = self.local_people(old);
        let dropped: Vec<ResourceId> = (before.iter())
            .filter(|p| **p != m.organizer && !now.contains(p))
            .cloned()
            .collect();
        let (stayed, added): (Vec<ResourceId>, Vec<ResourceId>) =
            now.into_iter().partition(|p| before.contains(p));
        let changed = match one_instance_moved(old, m) {
            Some((instance, start, duration_secs)) => NoticeKind::InstanceMoved {
                instance,
                start,
                duration_secs,
            },
            None => match following_moved(old, m) {
                Some((from, start, duration_secs)) => NoticeKind::FollowingMoved {
                    from,
                    start,
                    duration_secs,
                },
                None => NoticeKind::Changed,
            },
        };
        self.notify(m, stayed, changed);
        self.notify(m, added, NoticeKind::Invited);
        let scope = super::command::CancelScope::Series;
        self.notify(old, dropped, NoticeKind::Cancelled(scope));
    }
}

/// When the only difference between two versions is one instance changed on its own
/// (moved, resized, or put back): its key, and its start and length now.
fn one_instance_moved(old: &MeetingSpec, new: &MeetingSpec) -> Option<(Instant, Instant, i64)> {
    let same_rest = old.recurrence == new.recurrence
        && old.duration_secs == new.duration_secs
        && old.cancelled == new.cancelled
        && old.title == new.title
        && old.rooms == new.rooms
        && old.resources() == new.resources();
    if !same_rest {
        return None;
    }
    let keys: std::collections::BTreeSet<&Instant> =
        (old.overrides.keys()).chain(new.overrides.keys()).collect();
    let mut differ = keys
        .into_iter()
        .filter(|k| old.overrides.get(*k) != new.overrides.get(*k));
    let key = *differ.next()?;
    if differ.next().is_some() {
        return None;
    }
    let now = new.time_of(key);
    Some((key, now.start, now.len_secs()))
}

/// When a change kept the people, rooms and title and moved the meeting from one
/// instance on (every earlier instance where it was, every later one somewhere else, the
/// same number of them): the first one moved, by its start before, and its start and
/// length now.
fn following_moved(old: &MeetingSpec, new: &MeetingSpec) -> Option<(Instant, Instant, i64)> {
    if old.title != new.title || old.rooms != new.rooms || old.resources() != new.resources() {
        return None;
    }
    let times = |m: &MeetingSpec| -> Option<Vec<crate::calendar::Interval>> {
        let mut t: Vec<_> = m.instances().ok()?.into_iter().map(|(_, iv)| iv).collect();
        t.sort();
        Some(t)
    };
    let (before, after) = (times(old)?, times(new)?);
    if before.len() != after.len() {
        return None;
    }
    let first = before.iter().zip(&after).position(|(a, b)| a != b)?;
    // Not the first: that is the whole series moved, a plain change.
    let all_later_moved = (before[first..].iter().zip(&after[first..])).all(|(a, b)| a != b);
    (first > 0 && all_later_moved).then(|| {
        let now = after[first];
        (before[first].start, now.start, now.len_secs())
    })
}

fn forwardable(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Cancel { .. } | Command::Respond { .. } | Command::Counter { .. }
    )
}

fn not_forwardable(cmd: &Command) -> (Outcome, Vec<MeetingId>) {
    let why = format!(
        "only cancellations, answers and counter-proposals travel between offices, not {cmd:?}"
    );
    (Outcome::Rejected(Rejection::NotForwardable(why)), vec![])
}
