//! Who an office has and how full their calendars are, as a file may say it: people
//! as a count (`people = 2000`, ids `{office}-p00001`...) or a list of ids
//! (`people = ["ana", "raj"]`); rooms as a count (`{office}-r001`..., 8 seats) or a list
//! of tables (`rooms = [{ id = "hudson", seats = 12, amenities = ["video"] }]`); and the
//! calendar load, `busy`: one share of the working day for everyone (`busy = 0.3`) or a
//! range each person and room draws its own share from (`busy = { min = 0.1, max = 0.6 }`).

use crate::error::ScenarioError;
use crate::file::OfficeSpec;
use engine::ids::ResourceId;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Seats of a room when the file does not say.
pub const DEFAULT_SEATS: u32 = 8;

/// An office's people.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a count of people or a list of their ids")]
pub enum People {
    /// This many, with generated ids.
    Count(u32),
    /// These, by id.
    Named(Vec<String>),
}

/// An office's rooms.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a count of rooms or a list of tables { id, seats, amenities }"
)]
pub enum Rooms {
    /// This many, with generated ids and [`DEFAULT_SEATS`] seats.
    Count(u32),
    /// These.
    Listed(Vec<RoomSpec>),
}

impl Default for Rooms {
    fn default() -> Rooms {
        Rooms::Count(0)
    }
}

/// One listed room.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomSpec {
    /// Its id.
    pub id: String,
    /// Seats.
    #[serde(default = "default_seats")]
    pub seats: u32,
    /// Amenities (`video`, `whiteboard`).
    #[serde(default)]
    pub amenities: Vec<String>,
}

fn default_seats() -> u32 {
    DEFAULT_SEATS
}

/// How much of the working day calendars are booked when a run starts.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(
    untagged,
    expecting = "a share between 0 and 1, or a range { min, max } of shares"
)]
pub enum Load {
    /// Everyone the same.
    Share(f64),
    /// Each person and room draws a share uniformly from the range.
    Range(LoadRange),
}

impl Default for Load {
    fn default() -> Load {
        Load::Share(0.0)
    }
}

/// A range of shares.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadRange {
    /// The least share.
    pub min: f64,
    /// The greatest share.
    pub max: f64,
}

impl Load {
    /// The range shares are drawn from (`(x, x)` for one share).
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Load::Share(x) => (x, x),
            Load::Range(r) => (r.min, r.max),
        }
    }
}

/// The id of person `n` (from 1) of `office`.
pub fn person_id(office: &str, n: u32) -> ResourceId {
    ResourceId::new(format!("{office}-p{n:05}"))
}

/// The id of room `n` (from 1) of `office`.
pub fn room_id(office: &str, n: u32) -> ResourceId {
    ResourceId::new(format!("{office}-r{n:03}"))
}

impl People {
    /// The people's ids, in the file's order.
    pub fn ids(&self, office: &str) -> Vec<ResourceId> {
        match self {
            People::Count(n) => (1..=*n).map(|k| person_id(office, k)).collect(),
            People::Named(ids) => ids.iter().map(ResourceId::new).collect(),
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self {
            People::Count(n) => *n as usize,
            People::Named(ids) => ids.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Rooms {
    /// The rooms as listed (generated ones with default seats and no amenities).
    pub fn specs(&self, office: &str) -> Vec<RoomSpec> {
        match self {
            Rooms::Count(n) => (1..=*n)
                .map(|k| RoomSpec {
                    id: room_id(office, k).as_str().to_string(),
                    seats: DEFAULT_SEATS,
                    amenities: vec![],
                })
                .collect(),
            Rooms::Listed(list) => list.clone(),
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self {
            Rooms::Count(n) => *n as usize,
            Rooms::Listed(list) => list.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks one office's people, rooms and load (`at` names a field of the office):
/// counts within `1..=max` people and `0..=max` rooms, listed ids valid and not used
/// twice in the company (`taken` collects every id so far), seats at least one.
pub fn check(
    at: &dyn Fn(&str) -> String,
    o: &OfficeSpec,
    max: u32,
    taken: &mut BTreeSet<String>,
) -> Result<(), ScenarioError> {
    let bad = ScenarioError::invalid;
    let (office, people, rooms, busy) = (o.id.as_str(), &o.people, &o.rooms, o.busy);
    for (f, n, min) in [("people", people.len(), 1), ("rooms", rooms.len(), 0)] {
        if n < min || n > max as usize {
            return Err(bad(at(f), format!("{n}; {min} to {max} allowed")));
        }
    }
    let people_ids = people.ids(office);
    let room_specs = rooms.specs(office);
    let named = (people_ids.iter().map(|p| p.as_str().to_string()))
        .map(|id| ("people", id))
        .chain(room_specs.iter().map(|r| ("rooms", r.id.clone())));
    for (f, id) in named {
        crate::validate::name(&at(f), &id)?;
        if !taken.insert(id.clone()) {
            return Err(bad(at(f), format!("{id:?} is used twice in the company")));
        }
    }
    if let Some(r) = room_specs.iter().find(|r| r.seats == 0) {
        return Err(bad(at("rooms"), format!("room {:?} has no seats", r.id)));
    }
    let (lo, hi) = busy.bounds();
    for x in [lo, hi] {
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
            return Err(bad(
                at("busy"),
                format!("{x} is not a share between 0 and 1"),
            ));
        }
    }
    if lo > hi {
        return Err(bad(at("busy"), format!("min {lo} is above max {hi}")));
    }
    Ok(())
}
