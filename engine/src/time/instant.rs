//! [`Instant`] is a point on the UTC time line; [`Wall`] is what a wall clock reads in some
//! zone. Both count whole seconds from 1970-01-01T00:00:00 (UTC for an instant, local for a
//! wall reading); scheduling never needs finer than a second.

use super::civil::{civil_from_days, days_from_civil, weekday_of_days, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Seconds in a day.
pub const DAY_SECS: i64 = 86_400;

/// A point in time: whole seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub i64);

/// A wall-clock reading with no zone: whole seconds since 1970-01-01T00:00:00 local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Wall(pub i64);

impl Instant {
    /// The instant `secs` seconds after this one.
    pub fn plus_secs(self, secs: i64) -> Instant {
        Instant(self.0 + secs)
    }

    /// This instant read on a UTC wall clock.
    pub fn utc_wall(self) -> Wall {
        Wall(self.0)
    }

    /// Converts to chrono, for display and interchange.
    pub fn to_chrono(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(self.0, 0).unwrap_or(chrono::DateTime::UNIX_EPOCH)
    }

    /// Converts from chrono, dropping sub-second precision.
    pub fn from_chrono(t: chrono::DateTime<chrono::Utc>) -> Instant {
        Instant(t.timestamp())
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC with a `Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Z", self.utc_wall())
    }
}

impl Wall {
    /// The wall reading at `hour:minute:second` on the given date.
    pub fn from_ymd_hms(year: i32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Wall {
        let days = days_from_civil(year, month, day);
        Wall(days * DAY_SECS + i64::from(hour * 3600 + min * 60 + sec))
    }

    /// Day number (days since 1970-01-01) of this reading's date.
    pub fn days(self) -> i64 {
        self.0.div_euclid(DAY_SECS)
    }

    /// Seconds since local midnight.
    pub fn secs_of_day(self) -> u32 {
        self.0.rem_euclid(DAY_SECS) as u32
    }

    /// `(year, month, day)` of this reading.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days())
    }

    /// `(hour, minute, second)` of this reading.
    pub fn hms(self) -> (u32, u32, u32) {
        let s = self.secs_of_day();
        (s / 3600, s / 60 % 60, s % 60)
    }

    /// Weekday of this reading's date.
    pub fn weekday(self) -> Weekday {
        weekday_of_days(self.days())
    }

    /// Converts to chrono's naive date-time.
    pub fn to_naive(self) -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp(self.0, 0)
            .unwrap_or(chrono::DateTime::UNIX_EPOCH)
            .naive_utc()
    }

    /// Converts from chrono's naive date-time, dropping sub-second precision.
    pub fn from_naive(t: chrono::NaiveDateTime) -> Wall {
        Wall(t.and_utc().timestamp())
    }

    /// The reading `secs` seconds later on the same wall clock.
    pub fn plus_secs(self, secs: i64) -> Wall {
        Wall(self.0 + secs)
    }
}

impl fmt::Display for Wall {
    /// `YYYY-MM-DDTHH:MM:SS`, no offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = self.ymd();
        let (h, mi, s) = self.hms();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_parts() {
        let w = Wall::from_ymd_hms(2026, 3, 8, 2, 30, 5);
        assert_eq!(w.ymd(), (2026, 3, 8));
        assert_eq!(w.hms(), (2, 30, 5));
        assert_eq!(w.weekday(), Weekday::Su);
        assert_eq!(w.to_string(), "2026-03-08T02:30:05");
        assert_eq!(Wall::from_naive(w.to_naive()), w);
        assert_eq!(Instant(0).to_string(), "1970-01-01T00:00:00Z");
    }
}
