//! [`Directory`]: every office, person and room, and the intervals of instants in which a
//! resource works or lunches (its own hours and zone if it overrides its office's).

use super::hours::{Span, WeekHours};
use crate::calendar::interval::{merge, Interval};
use crate::ids::{OfficeId, ResourceId};
use crate::time::civil::{days_from_civil, weekday_of_days};
use crate::time::instant::DAY_SECS;
use crate::time::{Disambiguation, Instant, Wall, Zone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An office: a zone, working hours, a lunch break and holidays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Id (`ny`).
    pub id: OfficeId,
    /// Name (`New York`).
    pub name: String,
    /// Zone.
    pub zone: Zone,
    /// Working hours.
    pub hours: WeekHours,
    /// Lunch break, every working day.
    #[serde(default)]
    pub lunch: Option<Span>,
    /// Holidays, as `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: BTreeSet<String>,
}

/// A person. Zone, hours and lunch default to the office's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Id (`alice`).
    pub id: ResourceId,
    /// Name.
    pub name: String,
    /// Home office.
    pub office: OfficeId,
    /// Own zone (someone working remotely).
    #[serde(default)]
    pub zone: Option<Zone>,
    /// Own hours.
    #[serde(default)]
    pub hours: Option<WeekHours>,
    /// Own lunch.
    #[serde(default)]
    pub lunch: Option<Span>,
    /// How long before each meeting they are reminded, in minutes (default: the node's
    /// `reminder_minutes`; 0: never).
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
}

/// A meeting room, available during its office's hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Room {
    /// Id (`ny-hudson`).
    pub id: ResourceId,
    /// Name.
    pub name: String,
    /// Office.
    pub office: OfficeId,
    /// Seats.
    pub capacity: u32,
    /// Amenities (`video`, `whiteboard`).
    #[serde(default)]
    pub amenities: BTreeSet<String>,
}

/// A reference to something the directory does not know, or an inconsistency in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// No person or room by that id.
    #[error("unknown person or room {0:?}")]
    UnknownResource(String),
    /// No office by that id.
    #[error("unknown office {0:?}")]
    UnknownOffice(String),
    /// An id used twice.
    #[error("{0:?} is defined twice")]
    Duplicate(String),
    /// A holiday that is not a date.
    #[error("office {office}: bad holiday {value:?} (expected YYYY-MM-DD)")]
    BadHoliday {
        /// Office.
        office: String,
        /// Value.
        value: String,
    },
}

/// Everyone and everything that can be booked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Offices by id.
    pub offices: BTreeMap<OfficeId, Office>,
    /// People by id.
    pub people: BTreeMap<ResourceId, Person>,
    /// Rooms by id.
    pub rooms: BTreeMap<ResourceId, Room>,
}

/// What the directory knows of one resource's time.
struct Schedule<'a> {
    zone: Zone,
    hours: &'a WeekHours,
    lunch: Option<Span>,
    holidays: &'a BTreeSet<String>,
}

impl Directory {
    /// Builds a directory, checking ids are unique and references resolve.
    pub fn new(
        offices: Vec<Office>,
        people: Vec<Person>,
        rooms: Vec<Room>,
    ) -> Result<Directory, DirectoryError> {
        let mut d = Directory::default();
        for o in offices {
            for h in &o.holidays {
                if chrono::NaiveDate::parse_from_str(h, "%Y-%m-%d").is_err() {
                    return Err(DirectoryError::BadHoliday {
                        office: o.id.0.clone(),
                        value: h.clone(),
                    });
                }
            }
            if d.offices.insert(o.id.clone(), o.clone()).is_some() {
                return Err(DirectoryError::Duplicate(o.id.0));
            }
        }
        for p in people {
            d.office(&p.office)?;
            if d.people.contains_key(&p.id) || d.rooms.contains_key(&p.id) {
                return Err(DirectoryError::Duplicate(p.id.0));
            }
            d.people.insert(p.id.clone(), p);
        }
        for r in rooms {
            d.office(&r.office)?;
            if d.people.contains_key(&r.id) || d.rooms.contains_key(&r.id) {
                return Err(DirectoryError::Duplicate(r.id.0));
            }
            d.rooms.insert(r.id.clone(), r);
        }
        Ok(d)
    }

    /// The office by id.
    pub fn office(&self, id: &OfficeId) -> Result<&Office, DirectoryError> {
        self.offices
            .get(id)
            .ok_or_else(|| DirectoryError::UnknownOffice(id.0.clone()))
    }

    /// The home office of a person or room.
    pub fn home(&self, r: &ResourceId) -> Result<&OfficeId, DirectoryError> {
        if let Some(p) = self.people.get(r) {
            return Ok(&p.office);
        }
        if let Some(room) = self.rooms.get(r) {
            return Ok(&room.office);
        }
        Err(DirectoryError::UnknownResource(r.0.clone()))
    }

    /// The zone a resource lives in.
    pub fn zone_of(&self, r: &ResourceId) -> Result<Zone, DirectoryError> {
        Ok(self.schedule(r)?.zone)
    }

    /// A display name.
    pub fn name_of(&self, r: &ResourceId) -> String {
        self.people
            .get(r)
            .map(|p| p.name.clone())
            .or_else(|| self.rooms.get(r).map(|x| x.name.clone()))
            .unwrap_or_else(|| r.0.clone())
    }

    fn schedule(&self, r: &ResourceId) -> Result<Schedule<'_>, DirectoryError> {
        if let Some(p) = self.people.get(r) {
            let o = self.office(&p.office)?;
            return Ok(Schedule {
                zone: p.zone.unwrap_or(o.zone),
                hours: p.hours.as_ref().unwrap_or(&o.hours),
                lunch: p.lunch.or(o.lunch),
                holidays: &o.holidays,
            });
        }
        if let Some(room) = self.rooms.get(r) {
            let o = self.office(&room.office)?;
            return Ok(Schedule {
                zone: o.zone,
                hours: &o.hours,
                lunch: None,
                holidays: &o.holidays,
            });
        }
        Err(DirectoryError::UnknownResource(r.0.clone()))
    }

    /// A key that is equal for two resources exactly when their working hours, lunch,
    /// zone and holidays are, so callers can compute those once per key.
    pub fn schedule_key(&self, r: &ResourceId) -> Result<String, DirectoryError> {
        let office = self.home(r)?;
        let s = self.schedule(r)?;
        Ok(format!("{office}|{}|{}|{:?}", s.zone, s.hours, s.lunch))
    }

    /// The intervals within `window` in which `r` works (its hours, minus holidays).
    pub fn working(
        &self,
        r: &ResourceId,
        window: Interval,
    ) -> Result<Vec<Interval>, DirectoryError> {
        let s = self.schedule(r)?;
        Ok(daily(&s, window, |day| s.hours.on(weekday_of_days(day))))
    }

    /// The intervals within `window` in which `r` is at lunch (working days only).
    pub fn lunch(&self, r: &ResourceId, window: Interval) -> Result<Vec<Interval>, DirectoryError> {
        let s = self.schedule(r)?;
        Ok(daily(&s, window, |day| {
            s.hours.on(weekday_of_days(day)).and(s.lunch)
        }))
    }
}

/// The day number of a `YYYY-MM-DD` holiday.
fn holiday_day(h: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(h, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    Some(days_from_civil(d.year(), d.month(), d.day()))
}

/// One span a day, for the local days that touch `window`, as instants clipped to it.
fn daily(
    s: &Schedule<'_>,
    window: Interval,
    span_of: impl Fn(i64) -> Option<Span>,
) -> Vec<Interval> {
    let first = s.zone.to_wall(window.start).days() - 1;
    let last = s.zone.to_wall(window.end).days() + 1;
    let holidays: Vec<i64> = s.holidays.iter().filter_map(|h| holiday_day(h)).collect();
    let mut out = Vec::new();
    for day in first..=last {
        let Some(span) = span_of(day) else { continue };
        if holidays.contains(&day) {
            continue;
        }
        let at = |min: u16| {
            let w = Wall(day * DAY_SECS + i64::from(min) * 60);
            s.zone
                .to_instant(w, Disambiguation::Compatible)
                .unwrap_or(Instant(w.0))
        };
        let iv = Interval::new(at(span.start_min), at(span.end_min).max(at(span.start_min)));
        if let Some(clipped) = iv.intersect(&window) {
            out.push(clipped);
        }
    }
    merge(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Directory {
        let office = Office {
            id: "ny".into(),
            name: "New York".into(),
            zone: Zone::parse("America/New_York").unwrap(),
            hours: WeekHours::parse("MO-FR 09:00-17:00").unwrap(),
            lunch: Span::parse("12:00-13:00").ok(),
            holidays: ["2026-11-26".to_string()].into(),
        };
        let alice = Person {
            id: "alice".into(),
            name: "Alice".into(),
            office: "ny".into(),
            zone: None,
            hours: None,
            lunch: None,
            reminder_minutes: None,
        };
        Directory::new(vec![office], vec![alice], vec![]).unwrap()
    }

    #[test]
    fn hours_skip_weekends_and_holidays() {
        let d = dir();
        // Monday 2026-11-23 .. Monday 2026-11-30 UTC.
        let w = Interval::new(
            Instant(Wall::from_ymd_hms(2026, 11, 23, 0, 0, 0).0),
            Instant(Wall::from_ymd_hms(2026, 11, 30, 0, 0, 0).0),
        );
        let work = d.working(&"alice".into(), w).unwrap();
        assert_eq!(work.len(), 4); // Mon, Tue, Wed, Fri: Thursday is Thanksgiving
        assert_eq!(
            work[0].start,
            Instant(Wall::from_ymd_hms(2026, 11, 23, 14, 0, 0).0)
        );
        assert_eq!(d.lunch(&"alice".into(), w).unwrap().len(), 4);
        assert!(d.working(&"bob".into(), w).is_err());
    }
}
