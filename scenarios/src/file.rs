//! The scenario file as written: serde types for TOML, every table closed to unknown
//! fields (a misspelt field is an error, not a silent default). Format version 1:
//!
//! ```toml
//! version = 1
//! name = "short-name"
//! description = "what the scenario shows"
//! seed = 42                       # the run's seed (the simulator's, the workload's)
//!
//! [[office]]                      # one per office
//! id = "ny"
//! zone = "America/New_York"       # an IANA zone
//! hours = "09:00-17:00"           # working hours, local
//! lunch = "12:00-13:00"           # inside the working hours
//! holidays = ["2027-01-18"]
//! people = 2000                   # how many people, or their ids: ["ana", "raj"]
//! rooms = 40                      # how many rooms, or a list:
//!                                 #   [{ id = "hudson", seats = 12, amenities = ["video"] }]
//! busy = 0.3                      # share of working time booked when the run starts,
//!                                 # or a range each person and room draws from:
//!                                 #   { min = 0.1, max = 0.6 }
//!
//! [network]
//! latency_ms = 40                 # between any two offices...
//! links = [{ from = "ny", to = "sydney", latency_ms = 110 }]   # ...unless listed
//!
//! [workload]
//! clients = 64                    # closed-loop clients, or
//! rate_per_s = 0                  # an open-loop rate (exactly one of the two)
//! duration_s = 600
//! operations = 10000              # at most this many calls
//! start = "2027-01-11"            # optional: the first day meetings fall on
//! days = 5                        # optional: how many days from start (default 5)
//! [workload.mix]                  # shares of calls, summing to 1
//! book = 0.5
//! book_recurring = 0.1
//! change = 0.1
//! cancel = 0.05
//! respond = 0.1
//! free_busy = 0.1
//! suggest = 0.05
//! [workload.bookings]
//! cross_office = 0.4              # share of bookings with people from other offices
//! attendees = [1, 4]              # attendees per meeting, inclusive
//! with_room = 0.5
//! duration_min = [30, 60]
//! [workload.hotspot]              # optional: many clients racing for a few rooms
//! rooms = 2
//! share = 0.3                     # share of bookings aimed at them
//!
//! [faults]
//! per_minute = 2                  # random faults of these kinds, or none
//! kinds = ["partition", "one-way", "loss", "crash", "skew", "disk"]
//! [[faults.event]]                # and/or a timeline
//! at_s = 60
//! kind = "partition"
//! office = "london"
//! for_s = 20
//!
//! [slo]
//! success_rate_min = 0.9          # bookings booked or refused for conflicts
//! conflict_rate_max = 0.3
//! checkers = ["linearizability", "safety", "notifications", "liveness"]
//! [[slo.latency]]
//! op = "book"
//! p50_ms = 50
//! p99_ms = 300
//! p999_ms = 1000
//! ```

pub use crate::roster::{Load, People, RoomSpec, Rooms};
use serde::Deserialize;

/// The first day meetings fall on when a workload does not say (a Monday).
pub const DEFAULT_START: &str = "2027-01-11";
/// How many days meetings fall on when a workload does not say.
pub const DEFAULT_DAYS: u32 = 5;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The format version (1).
    pub version: u32,
    /// A short name (used for report directories).
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// The run's seed.
    pub seed: u64,
    /// The offices.
    pub office: Vec<OfficeSpec>,
    /// Latency between offices.
    #[serde(default)]
    pub network: NetworkSpec,
    /// What the clients do.
    pub workload: WorkloadSpec,
    /// What goes wrong.
    #[serde(default)]
    pub faults: FaultSpec,
    /// What the run must achieve.
    pub slo: SloSpec,
}

/// One office.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSpec {
    /// Its id.
    pub id: String,
    /// Its IANA time zone.
    pub zone: String,
    /// Working hours, local, `HH:MM-HH:MM`.
    pub hours: String,
    /// Lunch, local, `HH:MM-HH:MM`, inside the working hours.
    pub lunch: Option<String>,
    /// Holidays, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Its people: a count or a list of ids ([`People`]).
    pub people: People,
    /// Its rooms: a count or a list ([`Rooms`]).
    #[serde(default)]
    pub rooms: Rooms,
    /// Share of working time already booked when the run starts ([`Load`]).
    #[serde(default)]
    pub busy: Load,
}

/// Network latency between offices.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Between any two offices not listed in `links`.
    #[serde(default)]
    pub latency_ms: u32,
    /// Particular links (both ways).
    #[serde(default)]
    pub links: Vec<LinkSpec>,
}

/// The latency between two offices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One office.
    pub from: String,
    /// The other.
    pub to: String,
    /// One way, in milliseconds.
    pub latency_ms: u32,
}

/// What the clients do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Closed-loop clients (or 0 with a rate).
    #[serde(default)]
    pub clients: u32,
    /// Calls per second, open loop (or 0 with clients).
    #[serde(default)]
    pub rate_per_s: u32,
    /// How long the run lasts.
    pub duration_s: u32,
    /// At most this many calls.
    pub operations: u32,
    /// The first day meetings fall on, `YYYY-MM-DD` (default [`DEFAULT_START`]).
    #[serde(default)]
    pub start: Option<String>,
    /// How many days from `start` meetings fall on (default [`DEFAULT_DAYS`]).
    #[serde(default)]
    pub days: Option<u32>,
    /// Shares of calls.
    pub mix: MixSpec,
    /// What bookings look like.
    pub bookings: BookingSpec,
    /// Clients racing for a few rooms.
    pub hotspot: Option<HotspotSpec>,
}

/// Shares of the calls, summing to 1.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixSpec {
    /// Single meetings booked.
    #[serde(default)]
    pub book: f64,
    /// Recurring meetings booked.
    #[serde(default)]
    pub book_recurring: f64,
    /// Meetings moved or their attendees changed.
    #[serde(default)]
    pub change: f64,
    /// Meetings cancelled.
    #[serde(default)]
    pub cancel: f64,
    /// Invitations answered.
    #[serde(default)]
    pub respond: f64,
    /// Free/busy queries.
    #[serde(default)]
    pub free_busy: f64,
    /// Suggestion queries.
    #[serde(default)]
    pub suggest: f64,
}

impl MixSpec {
    /// The shares in the order of [`crate::validate::OPERATIONS`].
    pub fn shares(&self) -> [f64; 7] {
        [
            self.book,
            self.book_recurring,
            self.change,
            self.cancel,
            self.respond,
            self.free_busy,
            self.suggest,
        ]
    }
}

/// What bookings look like.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingSpec {
    /// Share with people from other offices than the organizer's.
    pub cross_office: f64,
    /// Attendees per meeting, inclusive range.
    pub attendees: [u32; 2],
    /// Share with a room.
    pub with_room: f64,
    /// Meeting length in minutes, inclusive range.
    pub duration_min: [u32; 2],
}

/// Clients racing for a few rooms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotspotSpec {
    /// How many rooms are hot.
    pub rooms: u32,
    /// Share of bookings aimed at them.
    pub share: f64,
}

/// What goes wrong: random faults at a rate, and/or a timeline.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Random faults per minute (0: none).
    #[serde(default)]
    pub per_minute: f64,
    /// The kinds the random faults are drawn from.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Faults at given times.
    #[serde(default)]
    pub event: Vec<FaultEvent>,
}

/// One fault on the timeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultEvent {
    /// When, from the start of the run.
    pub at_s: u32,
    /// Which kind.
    pub kind: String,
    /// Which office (every office, one after another, if `"*"`).
    pub office: String,
    /// For how long.
    pub for_s: u32,
}

/// What the run must achieve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// Bookings booked or refused for conflicts, at least.
    pub success_rate_min: f64,
    /// Bookings refused for conflicts, at most.
    pub conflict_rate_max: f64,
    /// Checkers that must pass.
    #[serde(default)]
    pub checkers: Vec<String>,
    /// Latency targets per operation.
    #[serde(default)]
    pub latency: Vec<LatencySlo>,
}

/// Latency targets of one operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySlo {
    /// The operation (a `workload.mix` name).
    pub op: String,
    /// Median, at most.
    pub p50_ms: Option<f64>,
    /// 99th percentile, at most.
    pub p99_ms: Option<f64>,
    /// 99.9th percentile, at most.
    pub p999_ms: Option<f64>,
}
