//! The outbox: effects a command leaves for the node to carry out after it is durable.
//! They sit in the office's state (so in its log and snapshots) until the node reports
//! them done, which makes them survive crashes; a receiver deduplicates by key, which
//! makes a retried delivery take effect once.
//!
//! - [`Effect::Send`]: a command for another office (a cancellation or an answer that
//!   every invitee's office must see), delivered with `Command::Deliver`.
//! - [`Effect::Notify`]: a [`Notification`] for one of this office's people.

use super::command::{CancelScope, Command};
use super::meeting::Response;
use crate::ids::{MeetingId, OfficeId, ResourceId};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Something the node must do once the command that made it is durable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Deliver `command` to office `to`; it applies it once per `key`.
    Send {
        /// The receiving office.
        to: OfficeId,
        /// The deduplication key (the same at every receiver of one origin).
        key: String,
        /// What it applies.
        command: Command,
    },
    /// Tell a person.
    Notify(Notification),
}

/// What happened, from one invitee's point of view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// Invited to a new meeting.
    Invited,
    /// A meeting they are in changed (time, attendees or rooms).
    Changed,
    /// The meeting, or some of its instances, was cancelled (or they were taken off it).
    Cancelled(CancelScope),
    /// A reminder: the instance starting at the notification's `start` begins soon.
    Reminder {
        /// The start in the person's own zone.
        local_start: String,
        /// How long before the start it was sent, in minutes.
        minutes_before: i64,
    },
    /// An attendee answered (sent to the organizer).
    Responded {
        /// Who answered.
        attendee: ResourceId,
        /// The answer.
        response: Response,
    },
}

/// One notification for one person. The key is unique and stable across replays, so a
/// sink that sees a key twice (a crash between sending and recording it) can drop it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique key: the office and the outbox sequence number.
    pub key: String,
    /// Who is told.
    pub to: ResourceId,
    /// The meeting.
    pub meeting: MeetingId,
    /// Its title.
    pub title: String,
    /// Its first start.
    pub start: Instant,
    /// What happened.
    pub kind: NoticeKind,
}
