//! [`Outcome`]: what a command did. A rejection changes nothing.

use crate::calendar::Conflict;
use crate::ids::{MeetingId, ResourceId, TxnId};
use serde::{Deserialize, Serialize};

/// What a command did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The resource is now this office's.
    Registered,
    /// Holds are in place (votes yes). `overridden` lists conflicts booked over by force.
    Prepared {
        /// Transaction.
        txn: TxnId,
        /// Conflicts overridden.
        overridden: Vec<Conflict>,
    },
    /// Votes no: these instances collide with bookings here. Nothing changed.
    Conflicts {
        /// Every conflict.
        conflicts: Vec<Conflict>,
    },
    /// Holds became bookings.
    Committed {
        /// Transaction.
        txn: TxnId,
    },
    /// Holds removed (also for a transaction never seen: presumed abort).
    Aborted {
        /// Transaction.
        txn: TxnId,
    },
    /// Instances removed from calendars.
    Cancelled {
        /// Meeting.
        meeting: MeetingId,
        /// Busy entries removed.
        removed: usize,
    },
    /// The answer is recorded.
    Responded {
        /// Meeting.
        meeting: MeetingId,
    },
    /// A delivery whose key was applied before: nothing changed.
    Duplicate {
        /// The key.
        key: String,
    },
    /// What an import did with each meeting.
    Imported {
        /// Booked now, or already booked exactly so before.
        booked: Vec<MeetingId>,
        /// Not booked, with the reason (a conflict, another office's resource...).
        refused: Vec<(MeetingId, String)>,
    },
    /// Reminders put in the outbox, the watermark moved.
    Reminded {
        /// How many.
        count: usize,
    },
    /// The boot number is now `boot`.
    Booted {
        /// This run's boot number (1 for the first).
        boot: u64,
    },
    /// Outbox effects removed.
    Done {
        /// How many were still there.
        removed: usize,
    },
    /// Nothing changed, for the reason given.
    Rejected(Rejection),
    /// A counter-proposal (or its decline) is recorded and its notification queued.
    Countered {
        /// Meeting.
        meeting: MeetingId,
    },
}

/// Why a command was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Rejection {
    /// The meeting is not known here.
    #[error("unknown meeting {0}")]
    UnknownMeeting(MeetingId),
    /// The person or room is not this office's.
    #[error("{0} is not on this office's calendars")]
    NotOwned(ResourceId),
    /// The transaction is not prepared here (commit of an unknown transaction).
    #[error("transaction {0} is not prepared here")]
    UnknownTxn(TxnId),
    /// Another transaction is changing the meeting; retry after it ends.
    #[error("meeting {meeting} is being changed by transaction {txn}")]
    InProgress {
        /// Meeting.
        meeting: MeetingId,
        /// The transaction in the way.
        txn: TxnId,
    },
    /// The transaction already ended the other way (commit after abort, or abort after commit).
    #[error("transaction {0} already ended the other way")]
    AlreadyDecided(TxnId),
    /// The meeting breaks a limit or its recurrence cannot be expanded.
    #[error("bad meeting: {0}")]
    BadMeeting(String),
    /// A command that cannot be originated or delivered (a nested delivery, say).
    #[error("cannot forward: {0}")]
    NotForwardable(String),
    /// An answer to a version of the meeting that has been changed since.
    #[error("an answer to an older version of meeting {0}")]
    StaleAnswer(MeetingId),
    /// An acceptance that would confirm time another meeting holds while its booking is
    /// being decided: accepted over it, it could end up booked over a booking made
    /// meanwhile, unlike any order of the two. Answer again once it is decided.
    #[error(
        "cannot accept meeting {meeting} yet: the time is held by meeting {held_by}, whose \
         booking is being decided; answer again in a moment"
    )]
    TimeHeld {
        /// The meeting being accepted.
        meeting: MeetingId,
        /// The meeting holding the time.
        held_by: MeetingId,
    },
    /// A cancellation of a version of the meeting that has been changed since (or that
    /// this copy never had): the offices it was sent to are not this version's.
    #[error("a cancellation of another version of meeting {0}")]
    StaleCancel(MeetingId),
    /// The attendee is not invited.
    #[error("{0} is not invited")]
    NotInvited(ResourceId),
    /// A cancellation of one instance names a time that is no instance of the meeting.
    #[error("meeting {meeting} has no instance starting at {at:?}")]
    NoSuchInstance {
        /// Meeting.
        meeting: MeetingId,
        /// The time named.
        at: crate::time::Instant,
    },
    /// The node's log failed to take the change (a failed write or sync): the change may
    /// or may not have taken effect, and the node takes no more until it restarts.
    #[error(
        "storage failed ({0}): this change may or may not have taken effect, and the node \
         takes no more until it restarts"
    )]
    StorageFailed(String),
    /// The node's log failed earlier, so it takes no changes until it restarts; this one
    /// was not logged.
    #[error("the node takes no changes until it restarts: its log failed ({0})")]
    Stopped(String),
}
