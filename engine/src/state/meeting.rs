//! [`MeetingSpec`]: a meeting as booked: organizer, attendees with their responses, rooms,
//! when it starts and how it repeats, which instances were cancelled or moved on their
//! own ([`Moved`], RFC 5545's RECURRENCE-ID overrides; edits in `edit.rs`), and the starts its
//! recurrence expanded to ([`Expansion`]: computed once, where the meeting is admitted,
//! then carried in prepares, the log and snapshots, so that neither the state machine
//! under its lock, nor a replay, nor a read expands a rule again).

use crate::calendar::Interval;
use crate::ids::{MeetingId, ResourceId};
use crate::recurrence::{ExpandError, RecurrenceSet};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How far ahead a recurring meeting is booked: instances starting within two years of
/// its first are placed on calendars (and checked for conflicts); a series that goes on
/// is extended by a later change.
pub const BOOKING_HORIZON_SECS: i64 = 2 * 366 * 86_400;
/// The most instances one meeting may place on calendars.
pub const MAX_BOOKED_INSTANCES: usize = 1_000;
/// The most attendees and rooms one meeting may have.
pub const MAX_MEETING_RESOURCES: usize = 500;
/// The longest meeting: one week.
pub const MAX_DURATION_SECS: i64 = 7 * 86_400;
/// The longest a meeting's own reminder may lead its instances: one week, in minutes.
pub const MAX_REMINDER_MINUTES: u32 = 7 * 24 * 60;

/// An attendee's answer to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Response {
    /// Not answered yet: the time is held as busy.
    NeedsAction,
    /// Accepted: busy.
    Accepted,
    /// Declined: the time is free again.
    Declined,
    /// Tentative: shown as tentative, does not block.
    Tentative,
}

/// An invited person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// Who.
    pub resource: ResourceId,
    /// Whether required (an optional attendee's conflicts do not stop a booking).
    pub required: bool,
    /// Their answer.
    pub response: Response,
}

/// Where one instance of a series went when it was changed on its own (an override,
/// RFC 5545's RECURRENCE-ID): its start and length. Keyed in
/// [`MeetingSpec::overrides`] by the start the recurrence gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    /// When this instance starts.
    pub start: Instant,
    /// How long it lasts, in seconds.
    pub duration_secs: i64,
}

/// A meeting as booked.
///
/// Serialized through [`legacy`]'s switch: records of older binary formats (before
/// `overrides`, before `reminder_minutes`) are read in their own shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct MeetingSpec {
    /// Id.
    pub id: MeetingId,
    /// Organizer (also an attendee, accepted).
    pub organizer: ResourceId,
    /// Title: seen by attendees and the owner's office only.
    pub title: String,
    /// Invited people.
    pub attendees: Vec<Attendee>,
    /// Rooms.
    pub rooms: Vec<ResourceId>,
    /// Length of each instance.
    pub duration_secs: i64,
    /// First start, zone and recurrence.
    pub recurrence: RecurrenceSet,
    /// Instances cancelled one by one (by original start).
    #[serde(default)]
    pub cancelled: BTreeSet<Instant>,
    /// The starts `recurrence` expands to within the booking horizon, once known.
    #[serde(default)]
    pub expansion: Expansion,
    /// The UID an `.ics` file gave the event, kept beside the id the server made from it
    /// (never a routing key); exported again as the event's UID.
    #[serde(default)]
    pub uid: Option<String>,
    /// The `.ics` event's SEQUENCE (0 otherwise): a later import of the same UID with a
    /// higher one is a change of the meeting, a lower one is ignored.
    #[serde(default)]
    pub sequence: u32,
    /// Instances changed on their own, by the start the recurrence gives them (their
    /// RECURRENCE-ID): moved, or made longer or shorter. Every key is an instance of the
    /// recurrence that is not cancelled.
    #[serde(default)]
    pub overrides: BTreeMap<Instant, Moved>,
    /// How many minutes before each instance its attendees are reminded (an `.ics`
    /// VALARM, or the organizer's choice); 0: no reminder; `None`: each person's own
    /// lead, else the office's. At most [`MAX_REMINDER_MINUTES`].
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
}

impl Serialize for MeetingSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MeetingSpec::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for MeetingSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MeetingSpec, D::Error> {
        match legacy::reading() {
            Some(1) => legacy::MeetingSpecV1::deserialize(d).map(MeetingSpec::from),
            Some(2) => legacy::MeetingSpecV2::deserialize(d).map(MeetingSpec::from),
            _ => MeetingSpec::deserialize(d),
        }
    }
}

/// Meetings as older records hold them. Bincode has no field names to tell shapes apart,
/// so a decoder of records written in an older binary format reads them inside
/// [`legacy::read_in`] with that format's number: format 1 wrote meetings without
/// `overrides` ([`legacy::MeetingSpecV1`]), format 2 without `reminder_minutes`
/// ([`legacy::MeetingSpecV2`]).
pub mod legacy {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static FORMAT: Cell<u8> = const { Cell::new(0) };
    }

    /// The older binary format meetings are being read in on this thread, if any.
    pub fn reading() -> Option<u8> {
        Some(FORMAT.with(Cell::get)).filter(|&f| f != 0)
    }

    /// Runs `read` with meetings read in the shape binary format `format` wrote them in
    /// (restored afterwards, also if `read` panics).
    pub fn read_in<T>(format: u8, read: impl FnOnce() -> T) -> T {
        struct Restore(u8);
        impl Drop for Restore {
            fn drop(&mut self) {
                FORMAT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(FORMAT.with(|c| c.replace(format)));
        read()
    }

    /// A meeting as binary format 1 wrote it: [`MeetingSpec`] without `overrides` and
    /// `reminder_minutes`.
    #[derive(Serialize, Deserialize)]
    #[allow(missing_docs)]
    pub struct MeetingSpecV1 {
        pub id: MeetingId,
        pub organizer: ResourceId,
        pub title: String,
        pub attendees: Vec<Attendee>,
        pub rooms: Vec<ResourceId>,
        pub duration_secs: i64,
        pub recurrence: RecurrenceSet,
        pub cancelled: BTreeSet<Instant>,
        pub expansion: Expansion,
        pub uid: Option<String>,
        pub sequence: u32,
    }

    /// A meeting as binary format 2 wrote it: format 1's fields, then `overrides`
    /// (bincode writes a nested struct's fields in line, as if they were this one's).
    #[derive(Serialize, Deserialize)]
    #[allow(missing_docs)]
    pub struct MeetingSpecV2 {
        pub v1: MeetingSpecV1,
        pub overrides: BTreeMap<Instant, Moved>,
    }

    impl From<MeetingSpecV1> for MeetingSpec {
        fn from(m: MeetingSpecV1) -> MeetingSpec {
            MeetingSpec {
                id: m.id,
                organizer: m.organizer,
                title: m.title,
                attendees: m.attendees,
                rooms: m.rooms,
                duration_secs: m.duration_secs,
                recurrence: m.recurrence,
                cancelled: m.cancelled,
                expansion: m.expansion,
                uid: m.uid,
                sequence: m.sequence,
                overrides: BTreeMap::new(),
                reminder_minutes: None,
            }
        }
    }

    impl From<MeetingSpecV2> for MeetingSpec {
        fn from(m: MeetingSpecV2) -> MeetingSpec {
            MeetingSpec {
                overrides: m.overrides,
                ..MeetingSpec::from(m.v1)
            }
        }
    }

    impl From<&MeetingSpec> for MeetingSpecV1 {
        fn from(m: &MeetingSpec) -> MeetingSpecV1 {
            MeetingSpecV1 {
                id: m.id.clone(),
                organizer: m.organizer.clone(),
                title: m.title.clone(),
                attendees: m.attendees.clone(),
                rooms: m.rooms.clone(),
                duration_secs: m.duration_secs,
                recurrence: m.recurrence.clone(),
                cancelled: m.cancelled.clone(),
                expansion: m.expansion.clone(),
                uid: m.uid.clone(),
                sequence: m.sequence,
            }
        }
    }

    impl From<&MeetingSpec> for MeetingSpecV2 {
        fn from(m: &MeetingSpec) -> MeetingSpecV2 {
            MeetingSpecV2 {
                v1: MeetingSpecV1::from(m),
                overrides: m.overrides.clone(),
            }
        }
    }
}

/// The instance starts of a meeting's recurrence within the booking horizon (cancelled
/// ones included), or nothing yet. A cache of what `recurrence` determines: it takes no
/// part in equality, and whoever changes `recurrence` must keep it in step (the state
/// machine trims it when a series is cut) or clear it. Whoever admits a meeting from a
/// client fills it afresh ([`MeetingSpec::expand_once`]); nodes pass it on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Expansion(Option<Arc<Vec<Instant>>>);

impl PartialEq for Expansion {
    fn eq(&self, _: &Expansion) -> bool {
        true
    }
}

impl Eq for Expansion {}

impl Expansion {
    /// Whether the starts are known.
    pub fn is_known(&self) -> bool {
        self.0.is_some()
    }

    /// Keeps only the starts `keep` holds for (a series cut short).
    pub fn retain(&mut self, keep: impl Fn(Instant) -> bool) {
        if let Some(starts) = &mut self.0 {
            Arc::make_mut(starts).retain(|s| keep(*s));
        }
    }
}

/// The invitees of a meeting from the people named as required and as optional: each
/// once, the first mention counting, and never the organizer (who attends anyway).
pub fn invitees(
    organizer: &ResourceId,
    required: impl IntoIterator<Item = ResourceId>,
    optional: impl IntoIterator<Item = ResourceId>,
) -> Vec<Attendee> {
    let named =
        (required.into_iter().map(|r| (r, true))).chain(optional.into_iter().map(|r| (r, false)));
    let mut out: Vec<Attendee> = Vec::new();
    for (resource, required) in named {
        if &resource != organizer && !out.iter().any(|a| a.resource == resource) {
            out.push(Attendee {
                resource,
                required,
                response: Response::NeedsAction,
            });
        }
    }
    out
}

/// The longest meeting id (ids come from clients' UIDs and `.ics` files).
pub const MAX_ID_BYTES: usize = 255;
/// The earliest year a meeting may start in.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a meeting may start in.
pub const MAX_BOOKING_YEAR: i32 = 2200;

impl MeetingSpec {
    /// One instance of `duration_secs` at `start` (read in `zone`), organized by
    /// `organizer` with required `attendees` who have not answered and `rooms`, titled by
    /// its id. Add rules to `recurrence` for a series.
    pub fn single(
        id: &str,
        organizer: &str,
        attendees: &[&str],
        rooms: &[&str],
        start: crate::time::Wall,
        zone: crate::time::Zone,
        duration_secs: i64,
    ) -> MeetingSpec {
        MeetingSpec {
            id: MeetingId::new(id),
            organizer: ResourceId::new(organizer),
            title: id.to_string(),
            attendees: attendees
                .iter()
                .map(|a| Attendee {
                    resource: ResourceId::new(*a),
                    required: true,
                    response: Response::NeedsAction,
                })
                .collect(),
            rooms: rooms.iter().map(|r| ResourceId::new(*r)).collect(),
            duration_secs,
            recurrence: RecurrenceSet::single(start, zone),
            cancelled: BTreeSet::new(),
            expansion: Expansion::default(),
            uid: None,
            sequence: 0,
            overrides: BTreeMap::new(),
            reminder_minutes: None,
        }
    }

    /// Names the meeting `uid` (kept beside its id) and gives it the id the server makes
    /// from its organizer and that name ([`MeetingId::made`]).
    pub fn name(&mut self, uid: impl Into<String>) {
        let uid = uid.into();
        self.id = MeetingId::made(&self.organizer, &uid);
        self.uid = Some(uid);
    }

    /// This meeting under the name `uid` (see [`Self::name`]).
    pub fn named(mut self, uid: impl Into<String>) -> Self {
        self.name(uid);
        self
    }

    /// The meeting for people to read: its name (UID) and id, or the id alone.
    pub fn label(&self) -> String {
        match &self.uid {
            Some(uid) => format!("{uid} ({})", self.id),
            None => self.id.to_string(),
        }
    }

    /// What a server does to a meeting a client asks it to create: the client's UID, or
    /// else the id the client sent, becomes the meeting's name, and the id is made from
    /// it. Whatever id the client wrote is never the meeting's id.
    pub fn take_server_id(&mut self) {
        let uid = self.uid.take().unwrap_or_else(|| self.id.0.clone());
        self.name(uid);
    }

    /// Every resource the meeting takes: organizer, attendees, rooms, sorted, without
    /// repeats.
    pub fn resources(&self) -> Vec<ResourceId> {
        self.resource_refs().into_iter().cloned().collect()
    }

    /// [`MeetingSpec::resources`], borrowed.
    pub fn resource_refs(&self) -> Vec<&ResourceId> {
        let mut v: Vec<&ResourceId> = std::iter::once(&self.organizer)
            .chain(self.attendees.iter().map(|a| &a.resource))
            .chain(self.rooms.iter())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The response of `r` (the organizer and rooms have accepted).
    pub fn response_of(&self, r: &ResourceId) -> Response {
        self.attendees
            .iter()
            .find(|a| &a.resource == r)
            .map_or(Response::Accepted, |a| a.response)
    }

    /// Whether `r` must be free for the meeting to be booked without an override.
    pub fn is_required(&self, r: &ResourceId) -> bool {
        self.attendees
            .iter()
            .find(|a| &a.resource == r)
            .is_none_or(|a| a.required)
    }

    /// The instances placed on calendars: within the booking horizon, minus cancelled
    /// ones, each as its key (the start the recurrence gives it, what cancellations and
    /// overrides name) and its time (moved, if [`Self::overrides`] says so). From the
    /// [`Expansion`] when it is known; else the rule is expanded (a meeting from before
    /// expansions were kept, or one not admitted yet).
    pub fn instances(&self) -> Result<Vec<(Instant, Interval)>, ExpandError> {
        let fresh;
        let starts: &[Instant] = match &self.expansion.0 {
            Some(s) => s,
            None => {
                fresh = self.expand_starts()?;
                &fresh
            }
        };
        Ok((starts.iter())
            .filter(|s| !self.cancelled.contains(s))
            .map(|&s| (s, self.time_of(s)))
            .collect())
    }

    /// When the meeting first takes place: its earliest instance as it stands (moved or
    /// not, cancelled ones left out), else its DTSTART. What people are shown as "first
    /// at" (the rule's DTSTART may have moved on while earlier instances stayed).
    pub fn first_start(&self) -> Instant {
        (self.instances().ok().into_iter().flatten())
            .map(|(_, iv)| iv.start)
            .min()
            .unwrap_or_else(|| self.recurrence.start())
    }

    /// The time of the instance keyed `key`: where an override moved it, else `key` for
    /// the meeting's length.
    pub fn time_of(&self, key: Instant) -> Interval {
        match self.overrides.get(&key) {
            Some(m) => Interval::from_len(m.start, m.duration_secs),
            None => Interval::from_len(key, self.duration_secs),
        }
    }

    /// The key of the instance a person means by `at`: the instance that starts at `at`
    /// now (moved there or not), else the one the recurrence puts at `at` (its
    /// RECURRENCE-ID, wherever it was moved). `None` if neither is a booked instance.
    pub fn instance_key(&self, at: Instant) -> Option<Instant> {
        let instances = self.instances().ok()?;
        (instances.iter().find(|(_, iv)| iv.start == at))
            .or_else(|| instances.iter().find(|(k, _)| *k == at))
            .map(|(k, _)| *k)
    }

    fn expand_starts(&self) -> Result<Vec<Instant>, ExpandError> {
        let start = self.recurrence.start();
        let horizon = start.plus_secs(BOOKING_HORIZON_SECS);
        let occ = self
            .recurrence
            .between(start, horizon, MAX_BOOKED_INSTANCES)?;
        Ok(occ.into_iter().map(|o| o.start).collect())
    }

    /// Expands the recurrence afresh (whatever expansion the meeting came with: a client's
    /// is not trusted) and keeps the starts; the error names the rule that failed.
    /// Where a meeting enters from a client, before any lock is taken.
    pub fn expand_once(&mut self) -> Result<(), ExpandError> {
        self.expansion = Expansion(Some(Arc::new(self.expand_starts()?)));
        Ok(())
    }

    /// Takes `existing`'s identity if this meeting, read from a file, is `existing` as
    /// an export wrote it: a meeting with no UID of its own goes out with its id as
    /// UID. Only a meeting of the same organizer: a file cannot name someone else's.
    /// Whether it did.
    pub fn adopt_exported(&mut self, existing: &MeetingSpec) -> bool {
        let ours = existing.uid.is_none()
            && existing.organizer == self.organizer
            && self.uid.as_deref() == Some(existing.id.as_str());
        if ours {
            self.id = existing.id.clone();
            self.uid = None;
        }
        ours
    }

    /// Whether `other` describes this meeting (answers given since aside): the same
    /// organizer, title, people with their roles, rooms, reminder, and instances at the same times
    /// (however the recurrence writes them: an EXDATE or a cancelled instance, an RDATE
    /// or a moved one). How a repeated request or a re-imported file is recognized.
    pub fn same_as(&self, other: &MeetingSpec) -> bool {
        let people = |m: &MeetingSpec| -> Vec<(ResourceId, bool)> {
            (m.attendees.iter())
                .map(|a| (a.resource.clone(), a.required))
                .collect()
        };
        let times = |m: &MeetingSpec| -> Option<Vec<Interval>> {
            let mut t: Vec<Interval> = (m.instances().ok()?.into_iter())
                .map(|(_, iv)| iv)
                .collect();
            t.sort();
            Some(t)
        };
        self.organizer == other.organizer
            && self.title == other.title
            && people(self) == people(other)
            && self.rooms == other.rooms
            && self.reminder_minutes == other.reminder_minutes
            && times(self).is_some_and(|t| Some(t) == times(other))
    }

    /// Keeps `old`'s cancelled instances and overrides whose keys this version's
    /// recurrence still has (a new version written in full, as `PUT` sends it, does not
    /// bring back what was cancelled, nor put back what was moved).
    pub fn carry_edits(&mut self, old: &MeetingSpec) {
        let Ok(keys) = self.expand_starts() else {
            return;
        };
        let has = |k: &Instant| keys.binary_search(k).is_ok();
        self.cancelled
            .extend(old.cancelled.iter().copied().filter(|k| has(k)));
        for (k, m) in &old.overrides {
            if has(k) && !self.cancelled.contains(k) {
                self.overrides.entry(*k).or_insert(*m);
            }
        }
    }

    /// Checks the limits; the error says which.
    pub fn validate(&self) -> Result<(), String> {
        if self.duration_secs <= 0 || self.duration_secs > MAX_DURATION_SECS {
            return Err(format!(
                "duration must be between 1 second and {MAX_DURATION_SECS} seconds"
            ));
        }
        if self.resource_refs().len() > MAX_MEETING_RESOURCES {
            return Err(format!(
                "more than {MAX_MEETING_RESOURCES} attendees and rooms"
            ));
        }
        if let Some(m) = self.reminder_minutes.filter(|&m| m > MAX_REMINDER_MINUTES) {
            return Err(format!(
                "a reminder {m} minutes ahead; at most {MAX_REMINDER_MINUTES} (one week)"
            ));
        }
        if self.title.len() > 1_000 {
            return Err("title longer than 1000 bytes".into());
        }
        if self.overrides.len() > MAX_BOOKED_INSTANCES {
            return Err(format!(
                "more than {MAX_BOOKED_INSTANCES} instances changed on their own"
            ));
        }
        if let Some(m) = (self.overrides.values())
            .find(|m| m.duration_secs <= 0 || m.duration_secs > MAX_DURATION_SECS)
        {
            return Err(format!(
                "the instance moved to {} lasts {} seconds; 1 to {MAX_DURATION_SECS} only",
                m.start, m.duration_secs
            ));
        }
        Ok(())
    }

    /// The checks a new meeting or a new version passes where it enters the system (a
    /// node's `book` and `update`, the HTTP API, imports), on top of [`Self::validate`]:
    /// an id of 1 to [`MAX_ID_BYTES`] bytes with no control characters, nobody named
    /// twice, a start between [`MIN_YEAR`] and [`MAX_BOOKING_YEAR`]. Not part of
    /// `validate`, which the state machine also runs when it replays its log: a meeting
    /// admitted before these checks existed must replay as it was admitted.
    pub fn admissible(&self) -> Result<(), String> {
        self.validate()?;
        let id = self.id.as_str();
        if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
            return Err(format!(
                "meeting id must be 1 to {MAX_ID_BYTES} bytes with no control characters"
            ));
        }
        if let Some(uid) = &self.uid {
            if uid.is_empty() || uid.len() > MAX_ID_BYTES || uid.chars().any(char::is_control) {
                return Err(format!(
                    "UID must be 1 to {MAX_ID_BYTES} bytes with no control characters"
                ));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        let named = std::iter::once(&self.organizer)
            .chain(self.attendees.iter().map(|a| &a.resource))
            .chain(self.rooms.iter());
        if let Some(twice) = named.into_iter().find(|r| !seen.insert(*r)) {
            return Err(format!("{twice} is named twice in the meeting"));
        }
        let (first, _, _) = self.recurrence.dtstart.ymd();
        if !(MIN_YEAR..=MAX_BOOKING_YEAR).contains(&first) {
            return Err(format!(
                "the meeting starts in year {first}; dates from {MIN_YEAR} to {MAX_BOOKING_YEAR} only"
            ));
        }
        if !self.overrides.is_empty() {
            let starts = match &self.expansion.0 {
                Some(s) => s.clone(),
                None => Arc::new(self.expand_starts().map_err(|e| e.to_string())?),
            };
            for (key, moved) in &self.overrides {
                if self.cancelled.contains(key) || starts.binary_search(key).is_err() {
                    return Err(format!(
                        "{key} is not an instance of the meeting: no override can name it"
                    ));
                }
                let (year, _, _) = moved.start.utc_wall().ymd();
                if !(MIN_YEAR..=MAX_BOOKING_YEAR).contains(&year) {
                    return Err(format!(
                        "an instance moved to year {year}; dates from {MIN_YEAR} to {MAX_BOOKING_YEAR} only"
                    ));
                }
            }
        }
        Ok(())
    }
}
