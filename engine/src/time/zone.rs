//! Zones: UTC, floating (no zone, RFC 5545 "floating time") and IANA zones from chrono-tz.
//!
//! Turning a wall-clock reading into an instant is where DST bites: in a spring-forward
//! gap the reading never happens, in an autumn fold it happens twice. The caller says what
//! it wants with a [`Disambiguation`]; RFC 5545's rule is [`Disambiguation::Compatible`].

use super::instant::{Instant, Wall, DAY_SECS};
use super::table::Readings;
#[cfg(test)]
use chrono::LocalResult;
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What to do with a wall-clock reading that a zone skips (gap) or repeats (fold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Disambiguation {
    /// RFC 5545 §3.3.5: a skipped reading moves forward by the gap's length (it is read with
    /// the offset before the gap); a repeated reading takes its first occurrence.
    #[default]
    Compatible,
    /// The earlier of the two candidate instants, for gaps and folds alike.
    Earlier,
    /// The later of the two candidate instants, for gaps and folds alike.
    Later,
    /// Refuse skipped and repeated readings with an error.
    Reject,
}

/// Errors of zone look-up and conversion.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// The name is not an IANA zone known to this build's tz database.
    #[error("unknown time zone {0:?} (expected an IANA name such as Europe/London)")]
    Unknown(String),
    /// The reading falls in a DST gap and the disambiguation was `Reject`.
    #[error("{wall} does not exist in {zone} (skipped by a DST change)")]
    Nonexistent {
        /// The reading.
        wall: Wall,
        /// The zone's name.
        zone: String,
    },
    /// The reading falls in a DST fold and the disambiguation was `Reject`.
    #[error("{wall} is ambiguous in {zone} (repeated by a DST change)")]
    Ambiguous {
        /// The reading.
        wall: Wall,
        /// The zone's name.
        zone: String,
    },
}

/// A time zone as iCalendar knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Zone {
    /// UTC, written with a `Z`.
    Utc,
    /// No zone: the same wall reading everywhere. Treated as UTC where an instant is needed;
    /// a booking binds floating times to its owner's zone first.
    Floating,
    /// An IANA zone.
    Iana(Tz),
}

impl Zone {
    /// Looks up an IANA zone by name (`UTC` and `Z` give [`Zone::Utc`]).
    pub fn parse(name: &str) -> Result<Zone, ZoneError> {
        match name {
            "Z" | "UTC" => Ok(Zone::Utc),
            _ => name
                .parse::<Tz>()
                .map(Zone::Iana)
                .map_err(|_| ZoneError::Unknown(name.to_string())),
        }
    }

    /// The zone's name: `UTC`, `floating` or the IANA name.
    pub fn name(&self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Floating => "floating",
            Zone::Iana(tz) => tz.name(),
        }
    }

    /// Seconds east of UTC in force at `t` (0 for UTC and floating).
    pub fn offset_at(&self, t: Instant) -> i32 {
        match self {
            Zone::Utc | Zone::Floating => 0,
            Zone::Iana(tz) => super::table::offset_at(*tz, t, reference_offset),
        }
    }

    /// What a wall clock in this zone reads at `t`.
    pub fn to_wall(&self, t: Instant) -> Wall {
        Wall(t.0 + i64::from(self.offset_at(t)))
    }

    /// The instant at which a wall clock in this zone reads `w`.
    pub fn to_instant(&self, w: Wall, how: Disambiguation) -> Result<Instant, ZoneError> {
        let tz = match self {
            Zone::Utc | Zone::Floating => return Ok(Instant(w.0)),
            Zone::Iana(tz) => tz,
        };
        let name = || tz.name().to_string();
        match super::table::readings(*tz, w, reference_offset) {
            Readings::One(t) => Ok(t),
            Readings::Two(early, late) => match how {
                Disambiguation::Compatible | Disambiguation::Earlier => Ok(early),
                Disambiguation::Later => Ok(late),
                Disambiguation::Reject => Err(ZoneError::Ambiguous {
                    wall: w,
                    zone: name(),
                }),
            },
            Readings::Gap { forward, back } => match how {
                Disambiguation::Compatible => Ok(forward),
                Disambiguation::Earlier => Ok(forward.min(back)),
                Disambiguation::Later => Ok(forward.max(back)),
                Disambiguation::Reject => Err(ZoneError::Nonexistent {
                    wall: w,
                    zone: name(),
                }),
            },
        }
    }

    /// The reference conversion, straight from chrono-tz (tests compare the tables to it).
    #[cfg(test)]
    fn reference_to_instant(&self, w: Wall, how: Disambiguation) -> Result<Instant, ZoneError> {
        let tz = match self {
            Zone::Utc | Zone::Floating => return Ok(Instant(w.0)),
            Zone::Iana(tz) => tz,
        };
        match far_future(tz, w) {
            FarFuture::Table => {}
            FarFuture::Fixed(off) => return Ok(Instant(w.0 - i64::from(off))),
            FarFuture::Shift(secs) => {
                let t = self.reference_to_instant(Wall(w.0 - secs), how)?;
                return Ok(Instant(t.0 + secs));
            }
        }
        let naive = w.to_naive();
        match tz.offset_from_local_datetime(&naive) {
            LocalResult::Single(o) => Ok(Instant(w.0 - i64::from(o.fix().local_minus_utc()))),
            LocalResult::Ambiguous(first, second) => {
                let a = Instant(w.0 - i64::from(first.fix().local_minus_utc()));
                let b = Instant(w.0 - i64::from(second.fix().local_minus_utc()));
                Ok(if how == Disambiguation::Later {
                    a.max(b)
                } else {
                    a.min(b)
                })
            }
            LocalResult::None => {
                let before = self.any_offset(tz, Wall(w.0 - DAY_SECS));
                let after = self.any_offset(tz, Wall(w.0 + DAY_SECS));
                let (fwd, back) = (
                    Instant(w.0 - i64::from(before)),
                    Instant(w.0 - i64::from(after)),
                );
                Ok(match how {
                    Disambiguation::Earlier => fwd.min(back),
                    Disambiguation::Later => fwd.max(back),
                    _ => fwd,
                })
            }
        }
    }

    /// An offset in force at a wall reading that is assumed not to be in a gap.
    #[cfg(test)]
    fn any_offset(&self, tz: &Tz, w: Wall) -> i32 {
        match tz.offset_from_local_datetime(&w.to_naive()) {
            LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix().local_minus_utc(),
            LocalResult::None => 0,
        }
    }
}

/// The last year chrono-tz's tables cover; later years follow the zone's current rules.
const TABLE_LAST_YEAR: i32 = 2099;

/// How to read a zone in a year past its table.
enum FarFuture {
    /// Within the table.
    Table,
    /// The zone no longer changes offset: this one holds for ever.
    Fixed(i32),
    /// Read the zone this many seconds earlier, in a year of the table with the same
    /// calendar (same weekday of January 1st, same leapness), where its current rules
    /// ("last Sunday of March") fall on the same dates. This is how the POSIX TZ rule at
    /// the end of a tz file extends a zone for ever.
    Shift(i64),
}

/// The offset of `tz` at `t` seconds, from the tz database (extended past its end by the
/// zone's current rules): what the offset tables are built from.
fn reference_offset(tz: Tz, t: i64) -> i32 {
    let t = Instant(t);
    match far_future(&tz, t.utc_wall()) {
        FarFuture::Table => table_offset(&tz, t),
        FarFuture::Fixed(off) => off,
        FarFuture::Shift(secs) => table_offset(&tz, Instant(t.0 - secs)),
    }
}

fn table_offset(tz: &Tz, t: Instant) -> i32 {
    tz.offset_from_utc_datetime(&t.utc_wall().to_naive())
        .fix()
        .local_minus_utc()
}

/// 2100-01-01T00:00:00 in seconds: readings before it are always in the table.
const TABLE_END_SECS: i64 = 4_102_444_800;

fn far_future(tz: &Tz, w: Wall) -> FarFuture {
    use super::civil::{days_from_civil, is_leap};
    if w.0 < TABLE_END_SECS - DAY_SECS {
        return FarFuture::Table;
    }
    let (year, _, _) = w.ymd();
    if year <= TABLE_LAST_YEAR {
        return FarFuture::Table;
    }
    // Zones without DST in the table's last twelve years keep their last offset.
    let probe =
        |y: i32, m: u32| table_offset(tz, Instant(Wall::from_ymd_hms(y, m, 15, 12, 0, 0).0));
    let last = probe(TABLE_LAST_YEAR, 12);
    if (TABLE_LAST_YEAR - 11..=TABLE_LAST_YEAR).all(|y| probe(y, 1) == last && probe(y, 7) == last)
    {
        return FarFuture::Fixed(last);
    }
    let jan1 = days_from_civil(year, 1, 1);
    let weekday = (jan1 + 3).rem_euclid(7);
    let leap = is_leap(year);
    for y in TABLE_LAST_YEAR - 27..=TABLE_LAST_YEAR {
        let d = days_from_civil(y, 1, 1);
        if (d + 3).rem_euclid(7) == weekday && is_leap(y) == leap {
            return FarFuture::Shift((jan1 - d) * DAY_SECS);
        }
    }
    FarFuture::Table
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name == "floating" {
            return Ok(Zone::Floating);
        }
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Zone {
        Zone::parse("America/New_York").unwrap()
    }

    #[test]
    fn gap_moves_forward_by_default() {
        let w = Wall::from_ymd_hms(2026, 3, 8, 2, 30, 0);
        let t = ny().to_instant(w, Disambiguation::Compatible).unwrap();
        assert_eq!(ny().to_wall(t), Wall::from_ymd_hms(2026, 3, 8, 3, 30, 0));
        let early = ny().to_instant(w, Disambiguation::Earlier).unwrap();
        assert_eq!(
            ny().to_wall(early),
            Wall::from_ymd_hms(2026, 3, 8, 1, 30, 0)
        );
        assert!(matches!(
            ny().to_instant(w, Disambiguation::Reject),
            Err(ZoneError::Nonexistent { .. })
        ));
    }

    #[test]
    fn fold_takes_first_by_default() {
        let w = Wall::from_ymd_hms(2026, 11, 1, 1, 30, 0);
        let first = ny().to_instant(w, Disambiguation::Compatible).unwrap();
        let second = ny().to_instant(w, Disambiguation::Later).unwrap();
        assert_eq!(second.0 - first.0, 3600);
        assert_eq!(ny().offset_at(first), -4 * 3600);
        assert_eq!(ny().offset_at(second), -5 * 3600);
        assert!(ny().to_instant(w, Disambiguation::Reject).is_err());
    }

    #[test]
    fn far_future_follows_current_rules() {
        let london = Zone::parse("Europe/London").unwrap();
        let summer = london
            .to_instant(
                Wall::from_ymd_hms(2329, 7, 3, 10, 30, 0),
                Disambiguation::Compatible,
            )
            .unwrap();
        assert_eq!(london.offset_at(summer), 3600);
        assert_eq!(
            london.to_wall(summer),
            Wall::from_ymd_hms(2329, 7, 3, 10, 30, 0)
        );
        let winter = Instant(Wall::from_ymd_hms(2329, 12, 3, 10, 30, 0).0);
        assert_eq!(london.offset_at(winter), 0);
        let casablanca = Zone::parse("Africa/Casablanca").unwrap();
        assert_eq!(casablanca.offset_at(summer), 3600);
    }

    use proptest::prelude::*;

    proptest! {
        /// The offset tables agree with chrono-tz on every reading, gaps and folds included.
        #[test]
        fn tables_agree_with_the_tz_database(
            w in -2_000_000_000i64..4_200_000_000,
            tz in prop::sample::select(vec!["America/New_York", "Australia/Lord_Howe", "Europe/London", "Africa/Casablanca", "Asia/Kolkata", "America/St_Johns", "Pacific/Auckland", "America/Sao_Paulo", "Asia/Kathmandu", "Europe/Dublin"]),
            how in prop::sample::select(vec![Disambiguation::Compatible, Disambiguation::Earlier, Disambiguation::Later]),
        ) {
            let zone = Zone::parse(tz).unwrap();
            let fast = zone.to_instant(Wall(w), how).unwrap();
            prop_assert_eq!(fast, zone.reference_to_instant(Wall(w), how).unwrap(), "{} {}", tz, Wall(w));
            let Zone::Iana(t) = zone else { unreachable!() };
            prop_assert_eq!(zone.offset_at(Instant(w)), reference_offset(t, w));
        }
    }

    #[test]
    fn transitions_land_exactly() {
        // Every DST change of New York 2026, a second before and at the change.
        let ny = ny();
        for (y, m, d, h) in [(2026, 3, 8, 7), (2026, 11, 1, 6)] {
            let change = Instant(Wall::from_ymd_hms(y, m, d, h, 0, 0).0);
            let Zone::Iana(t) = ny else { unreachable!() };
            assert_eq!(ny.offset_at(change), reference_offset(t, change.0));
            assert_eq!(
                ny.offset_at(Instant(change.0 - 1)),
                reference_offset(t, change.0 - 1)
            );
            assert_ne!(ny.offset_at(change), ny.offset_at(Instant(change.0 - 1)));
        }
    }

    #[test]
    fn unknown_zone_is_named() {
        let err = Zone::parse("Mars/Olympus_Mons").unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus_Mons"));
    }
}
