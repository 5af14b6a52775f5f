//! Availability: a call that no fault could have touched gets an answer. A call counts
//! as untouched when no fault window (from the fault's start to [`GRACE_NS`] after its
//! end: what a fault held up is through by then) overlaps the call on any
//! office it involves (the office that served it, and every office of any version of
//! its meeting); packet loss and a blocked office's every link touch all offices. Such
//! a call must not be refused for want of an office, nor go unanswered. Refusals that
//! are about the meeting itself (another call on it under way, or already cancelled or
//! changed by a racing call, an answer from someone a change took off) are answers,
//! not unavailability. The liveness probes are left to the liveness checker (they are
//! retried until a connection in TCP backoff after a fault comes back).

use crate::drive::call::{Call, Op, Seen};
use engine::ids::{MeetingId, OfficeId};
use engine::office::Directory;
use std::collections::{BTreeMap, BTreeSet};

/// How long after a fault ends its effects may last: a message the fault held up is
/// retried by madsim's link with a backoff that doubles up to 10 s, and the messages
/// sent on that connection after it wait behind it; a call waits up to 5 s for an
/// office's vote; participants ask about an old hold after 3 s, and a restarted office
/// replays its log and resolves what it had prepared.
pub const GRACE_NS: u64 = 20_000_000_000;

/// A fault: from, to (nanoseconds since the run began), and the offices it touched
/// (none named: every office).
pub type Window = (u64, u64, Vec<OfficeId>);

/// Whether a refusal is about the meeting's own state, not about reaching an office.
fn about_the_meeting(why: &str) -> bool {
    const WORDS: [&str; 10] = [
        "InProgress",
        "is being changed",
        "UnknownMeeting",
        "no meeting",
        "exists; change it",
        "was cancelled; a new booking needs a new id",
        // An answer from someone a racing change took off, or given on a version a
        // change replaced.
        "NotInvited",
        "StaleAnswer",
        "StaleCancel",
        // An acceptance over a hold whose booking is being decided.
        "TimeHeld",
    ];
    WORDS.iter().any(|w| why.contains(w))
}

/// The calls no fault touched that were refused for want of an office or got no
/// answer, as sentences.
pub fn check(calls: &[Call], faults: &[Window], dir: &Directory) -> Vec<String> {
    let mut offices_of: BTreeMap<&MeetingId, BTreeSet<OfficeId>> = BTreeMap::new();
    for c in calls {
        if let Some(m) = c.op.meeting() {
            let set = offices_of.entry(&m.id).or_default();
            set.extend(
                m.resources()
                    .iter()
                    .filter_map(|r| dir.home(r).ok().cloned()),
            );
        }
    }
    let mut v = Vec::new();
    for c in calls {
        let failed = match c.seen {
            Seen::Unknown => true,
            Seen::Refused => !about_the_meeting(&c.why),
            Seen::Done | Seen::Conflicts => false,
        };
        let probe = (c.op.meeting()).is_some_and(|m| {
            (m.uid.as_deref()).is_some_and(|u| u.starts_with(crate::check::liveness::PROBE))
        });
        if !failed || probe || matches!(c.op, Op::Suggest(_)) {
            continue;
        }
        let mut involved: BTreeSet<OfficeId> = BTreeSet::from([c.office.clone()]);
        if let Some(m) = c.op.meeting() {
            involved.extend(offices_of.get(&m.id).into_iter().flatten().cloned());
        }
        let touched = faults.iter().any(|(from, to, which)| {
            let overlaps = *from < c.returned && c.invoked < to.saturating_add(GRACE_NS);
            overlaps && (which.is_empty() || which.iter().any(|o| involved.contains(o)))
        });
        if !touched {
            v.push(format!(
                "{} at {} ms ({:?} offices, no fault near them) came to {:?}: {}",
                c.op.name(),
                c.invoked / 1_000_000,
                involved,
                c.seen,
                c.why
            ));
        }
    }
    v
}
