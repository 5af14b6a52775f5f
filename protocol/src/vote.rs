//! [`Vote`]: one office's answer to a prepare, as the coordinator counts it.

use engine::calendar::Conflict;
use engine::ids::OfficeId;
use engine::state::{Outcome, Rejection};

/// One office's answer to a prepare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Vote {
    /// Holds are in place and durable; `overridden` lists conflicts booked over by force.
    Yes {
        /// Conflicts booked over.
        overridden: Vec<Conflict>,
    },
    /// No: these instances collide with bookings there. Nothing was held.
    No {
        /// The conflicts.
        conflicts: Vec<Conflict>,
    },
    /// The office refused the meeting (a final answer: the same request fails again).
    Refused(String),
    /// The office could not answer now (unreachable, its log failed, or it takes no
    /// changes until it restarts); the same request may succeed later.
    Unavailable {
        /// Why, naming the office.
        why: String,
        /// The prepare was certainly not logged there (the office had stopped taking
        /// changes before it).
        unlogged: bool,
    },
}

impl Vote {
    /// Reads `office`'s answer: its outcome, or why the call failed.
    pub fn of(office: &OfficeId, answer: Result<Outcome, String>) -> Vote {
        match answer {
            Ok(Outcome::Prepared { overridden, .. }) => Vote::Yes { overridden },
            Ok(Outcome::Conflicts { conflicts }) => Vote::No { conflicts },
            Ok(Outcome::Rejected(Rejection::StorageFailed(w))) => Vote::Unavailable {
                why: format!("office {office}: its log failed ({w})"),
                unlogged: false,
            },
            Ok(Outcome::Rejected(r @ Rejection::Stopped(_))) => Vote::Unavailable {
                why: format!("office {office}: {r}"),
                unlogged: true,
            },
            Ok(Outcome::Rejected(r)) => Vote::Refused(format!("office {office}: {r}")),
            Ok(other) => Vote::Refused(format!("office {office}: unexpected {other:?}")),
            Err(why) => Vote::Unavailable {
                why,
                unlogged: false,
            },
        }
    }
}
