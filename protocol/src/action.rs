//! [`Action`]: what a machine asks the node to do; [`Verdict`]: what the organizer hears.

use crate::decision::Decision;
use engine::calendar::Conflict;
use engine::ids::OfficeId;
use std::fmt;

/// One thing for the node to carry out, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send the prepare to this office (to this one too: logged and synced here like
    /// any other vote), and feed its answer back as a [`crate::Vote`].
    Prepare {
        /// The office.
        to: OfficeId,
    },
    /// Every calendar is here: log the prepare and its commit in one sync, and feed the
    /// prepare's outcome back.
    PrepareAndCommitHere,
    /// Log the decision here, with a sync of its own or not, and feed back what became
    /// of it ([`crate::Logged`]).
    Log {
        /// The decision.
        decision: Decision,
        /// Whether the answer must wait for the record to be durable.
        sync: bool,
    },
    /// Send a logged decision to this office (queued per office and retried; an office
    /// that misses it asks).
    Send {
        /// The office.
        to: OfficeId,
        /// The decision.
        decision: Decision,
    },
    /// Ask this office to fence the transaction (see [`crate::Settle`]) and feed its
    /// answer back.
    Fence {
        /// The office.
        to: OfficeId,
    },
    /// Answer the organizer. Nothing follows.
    Answer(Verdict),
    /// Leave the transaction undecided for now, for the reason given (asked again later).
    Leave(String),
}

/// What the organizer of a booking or change hears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Booked at every office; conflicts booked over, if any.
    Booked {
        /// The conflicts booked over (the warnings).
        overridden: Vec<Conflict>,
    },
    /// Not booked anywhere: every conflict the offices reported.
    Conflicts {
        /// The conflicts.
        conflicts: Vec<Conflict>,
    },
    /// Not booked anywhere: an office refused.
    Refused {
        /// Why.
        why: String,
    },
    /// Not booked anywhere, for now: an office could not answer.
    Unavailable {
        /// The office.
        office: OfficeId,
        /// Why.
        why: String,
    },
    /// This office's log failed before the outcome was durable: it may or may not have
    /// taken effect (settled when the node restarts).
    Uncertain {
        /// Why.
        why: String,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Prepare { to } => write!(f, "prepare {to}"),
            Action::PrepareAndCommitHere => f.write_str("prepare+commit here"),
            Action::Log { decision, sync } => {
                write!(
                    f,
                    "log {decision} {}",
                    if *sync { "synced" } else { "lazy" }
                )
            }
            Action::Send { to, decision } => write!(f, "send {decision} {to}"),
            Action::Fence { to } => write!(f, "fence {to}"),
            Action::Answer(v) => write!(f, "answer {v}"),
            Action::Leave(why) => write!(f, "leave: {why}"),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Booked { overridden } if overridden.is_empty() => f.write_str("booked"),
            Verdict::Booked { overridden } => write!(f, "booked over {}", names(overridden)),
            Verdict::Conflicts { conflicts } => write!(f, "conflicts {}", names(conflicts)),
            Verdict::Refused { why } => write!(f, "refused: {why}"),
            Verdict::Unavailable { office, why } => write!(f, "unavailable {office}: {why}"),
            Verdict::Uncertain { why } => write!(f, "uncertain: {why}"),
        }
    }
}

/// The resources of some conflicts, comma-separated (for scripts and logs).
fn names(conflicts: &[Conflict]) -> String {
    let v: Vec<&str> = conflicts.iter().map(|c| c.resource.as_str()).collect();
    v.join(",")
}
