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
use std::collections::BTreeMap;

/// The effects waiting, by sequence number, counting the deliveries among them (so the
/// node can tell which of its workers has work without a scan). Serialized as the map
/// alone; the count is rebuilt on load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "BTreeMap<u64, Effect>", into = "BTreeMap<u64, Effect>")]
pub struct Outbox {
    effects: BTreeMap<u64, Effect>,
    sends: usize,
}

impl Outbox {
    /// Adds (or replaces) the effect with sequence number `seq`.
    pub fn insert(&mut self, seq: u64, effect: Effect) {
        self.sends += usize::from(effect.is_send());
        if let Some(old) = self.effects.insert(seq, effect) {
            self.sends -= usize::from(old.is_send());
        }
    }

    /// Takes the effect with sequence number `seq` out, if it is there.
    pub fn remove(&mut self, seq: &u64) -> Option<Effect> {
        let old = self.effects.remove(seq)?;
        self.sends -= usize::from(old.is_send());
        Some(old)
    }

    /// The effects, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Effect)> {
        self.effects.iter().map(|(seq, e)| (*seq, e))
    }

    /// How many effects wait.
    pub fn len(&self) -> usize {
        self.effects.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }

    /// How many of them are deliveries to other offices ([`Effect::Send`]).
    pub fn sends(&self) -> usize {
        self.sends
    }

    /// How many of them are notifications ([`Effect::Notify`]).
    pub fn notifications(&self) -> usize {
        self.effects.len() - self.sends
    }
}

impl From<BTreeMap<u64, Effect>> for Outbox {
    fn from(effects: BTreeMap<u64, Effect>) -> Outbox {
        let sends = effects.values().filter(|e| e.is_send()).count();
        Outbox { effects, sends }
    }
}

impl From<Outbox> for BTreeMap<u64, Effect> {
    fn from(o: Outbox) -> BTreeMap<u64, Effect> {
        o.effects
    }
}

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

impl Effect {
    /// Whether this is a delivery to another office.
    pub fn is_send(&self) -> bool {
        matches!(self, Effect::Send { .. })
    }
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
    /// An invitee proposes another time (sent to the organizer).
    Proposed {
        /// Who proposes.
        attendee: ResourceId,
        /// The instance, by its key; `None`: the series.
        instance: Option<Instant>,
        /// The proposed start.
        start: Instant,
        /// The proposed length, in seconds.
        duration_secs: i64,
    },
    /// The organizer declined the invitee's proposal (sent to the invitee).
    ProposalDeclined {
        /// The instance, by its key; `None`: the series.
        instance: Option<Instant>,
        /// The start that was proposed.
        start: Instant,
    },
    /// One instance of a meeting they are in was moved or resized on its own (the rest
    /// of the meeting is as it was).
    InstanceMoved {
        /// The instance, by its key (where the series puts it).
        instance: Instant,
        /// Its start now.
        start: Instant,
        /// Its length now, in seconds.
        duration_secs: i64,
    },
    /// The meeting they are in moved from one instance on (this and the following
    /// ones); the earlier instances are as they were.
    FollowingMoved {
        /// The first instance moved, by its start before the change.
        from: Instant,
        /// Its start now.
        start: Instant,
        /// Its length now, in seconds.
        duration_secs: i64,
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
