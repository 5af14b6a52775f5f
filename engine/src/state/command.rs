//! [`Command`]: every change an office's state can be asked for. Commands are what the
//! durable log records, so they are serializable and carry everything they need.

use super::meeting::{MeetingSpec, Response};
use crate::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Which instances a cancellation removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelScope {
    /// The whole series.
    Series,
    /// One instance, by its original start.
    Instance(Instant),
    /// This instance and every later one.
    ThisAndFollowing(Instant),
}

/// A change to an office's calendars.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Take ownership of a person's or room's calendar.
    Register {
        /// The resource.
        resource: ResourceId,
    },
    /// Phase one: hold this office's resources for the meeting (a new one, or a new
    /// version of an existing one). With `force`, conflicts are overridden and recorded.
    Prepare {
        /// Transaction.
        txn: TxnId,
        /// The meeting as it should be.
        meeting: Box<MeetingSpec>,
        /// Book over conflicts.
        force: bool,
    },
    /// Phase two: the transaction committed; holds become bookings.
    Commit {
        /// Transaction.
        txn: TxnId,
    },
    /// Phase two: the transaction aborted; holds go.
    Abort {
        /// Transaction.
        txn: TxnId,
    },
    /// Cancel a meeting, one instance, or this and the following ones.
    Cancel {
        /// Meeting.
        meeting: MeetingId,
        /// Which instances.
        scope: CancelScope,
        /// The version cancelled: the transaction that committed it, as the organizer's
        /// office had it when it chose the offices to tell. A copy at another version
        /// refuses the cancellation as stale (`Rejection::StaleCancel`), at the origin
        /// too, so a cancellation never applies to a version whose offices it was not
        /// sent to. `None`: no check (a meeting loaded by import).
        #[serde(default)]
        version: Option<TxnId>,
    },
    /// An attendee answers.
    Respond {
        /// Meeting.
        meeting: MeetingId,
        /// Who answers.
        attendee: ResourceId,
        /// The answer.
        response: Response,
        /// The version answered: the transaction that committed it, at the attendee's
        /// office. A copy at another version (changed since) drops the answer as stale.
        #[serde(default)]
        version: Option<TxnId>,
    },
    /// Apply `command` here and, if it is not rejected, have it delivered to every
    /// office in `forward` (through the outbox, deduplicated there by `key`). One log
    /// record, so the local change and the promise to tell the others are atomic.
    Originate {
        /// The deduplication key, unique per origin.
        key: String,
        /// The command (a cancellation or an answer).
        command: Box<Command>,
        /// The offices that must apply it too.
        forward: Vec<OfficeId>,
    },
    /// A command another office originated: applied once per `key`.
    Deliver {
        /// The deduplication key.
        key: String,
        /// The command.
        command: Box<Command>,
    },
    /// Bring in meetings that touch only this office's people and rooms, each on its
    /// own: booked if valid and free (no commit protocol: nothing else is involved),
    /// refused with the reason otherwise. How existing calendars are loaded.
    Import {
        /// The meetings, booked in this order.
        meetings: Vec<MeetingSpec>,
    },
    /// Send the reminders due after the watermark and up to `until`, `lead_secs` before
    /// each instance (see `remind.rs`), and move the watermark to `until`. Ignored if
    /// `until` is not past the watermark.
    Remind {
        /// The new watermark.
        until: Instant,
        /// How long before an instance its reminder goes, in seconds.
        lead_secs: i64,
    },
    /// The zones of this office's people (reminders show times in them).
    SetZones {
        /// Person to zone.
        zones: std::collections::BTreeMap<ResourceId, crate::time::Zone>,
    },
    /// The node started: its boot number goes up by one. Logged (and synced) before the
    /// node makes any id, so that ids made in different runs never repeat, whatever the
    /// wall clock did across the restart.
    Boot,
    /// The node carried out these outbox effects; they leave the outbox.
    Done {
        /// Outbox sequence numbers.
        seqs: Vec<u64>,
    },
    /// An invitee proposes another time for the meeting or one instance (iTIP COUNTER),
    /// or the organizer declines such a proposal (DECLINECOUNTER). Nothing is booked:
    /// the organizer is told of a proposal, the invitee of a decline; accepting one is a
    /// change of the meeting like any other. Travels between offices as answers do.
    Counter {
        /// Meeting.
        meeting: MeetingId,
        /// The invitee who proposes (or whose proposal is declined).
        attendee: ResourceId,
        /// The instance, by its key; `None`: the whole series, from its next instance.
        instance: Option<Instant>,
        /// The proposed start.
        start: Instant,
        /// The proposed length, in seconds.
        duration_secs: i64,
        /// The organizer declines the proposal.
        declined: bool,
    },
    /// `Remind` with a lead per person: those in `leads` are reminded that many seconds
    /// before each instance (0: never), everyone else `lead_secs` before.
    RemindEach {
        /// The new watermark.
        until: Instant,
        /// The lead of anyone not in `leads`, in seconds.
        lead_secs: i64,
        /// Each person's own lead, in seconds.
        leads: std::collections::BTreeMap<ResourceId, i64>,
    },
}
