//! Property values: DATE and DATE-TIME (with TZID), DURATION, and the lists RDATE and
//! EXDATE carry. Each parser returns `None`/`Err(String)` and the caller adds the line.

use crate::recurrence::rule::parse_ical_datetime;
use crate::time::{Disambiguation, Instant, Wall, Zone};

/// A DATE or DATE-TIME value and how to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeValue {
    /// The wall reading (midnight for a DATE).
    pub wall: Wall,
    /// UTC for `...Z`, the TZID's zone, or floating.
    pub zone: Zone,
    /// Whether the value was a DATE (all-day).
    pub is_date: bool,
}

impl TimeValue {
    /// Parses `text` given the TZID parameter's zone, if any.
    pub fn parse(text: &str, tzid: Option<Zone>) -> Result<TimeValue, String> {
        let (wall, utc, is_date) = parse_ical_datetime(text.trim()).ok_or_else(|| {
            format!(
                "bad date-time {:?} (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])",
                text.chars().take(40).collect::<String>()
            )
        })?;
        let zone = if utc {
            Zone::Utc
        } else if is_date {
            Zone::Floating
        } else {
            tzid.unwrap_or(Zone::Floating)
        };
        Ok(TimeValue {
            wall,
            zone,
            is_date,
        })
    }

    /// The instant (RFC 5545 reading of DST gaps and folds); floating values read as UTC.
    pub fn instant(&self) -> Instant {
        self.zone
            .to_instant(self.wall, Disambiguation::Compatible)
            .unwrap_or(Instant(self.wall.0))
    }

    /// The wall reading of this value in `zone` (the event's zone), so that RDATEs and
    /// EXDATEs written in another zone line up with the rule's instances.
    pub fn in_zone(&self, zone: Zone) -> Wall {
        match (self.zone, zone) {
            (a, b) if a == b => self.wall,
            (Zone::Floating, _) | (_, Zone::Floating) => self.wall,
            (_, z) => z.to_wall(self.instant()),
        }
    }
}

/// Parses an RFC 5545 DURATION (`PT1H30M`, `P1D`, `P2W`, `-PT15M`) into seconds. Days and
/// weeks count as 24 hours each.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "bad duration {:?} (expected e.g. PT1H30M or P1D)",
            text.chars().take(40).collect::<String>()
        )
    };
    let t = text.trim();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let mut total: i64 = 0;
    let mut num: Option<i64> = None;
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            d @ '0'..='9' => {
                let v = num
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(d as u8 - b'0')));
                num = Some(v.filter(|&v| v < 1_000_000_000).ok_or_else(bad)?);
            }
            'T' if !in_time && num.is_none() => in_time = true,
            unit => {
                let n = num.take().ok_or_else(bad)?;
                let secs = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(bad()),
                };
                total = total.checked_add(n * secs).ok_or_else(bad)?;
                any = true;
            }
        }
    }
    if num.is_some() || !any {
        return Err(bad());
    }
    Ok(sign * total)
}

/// The start of each value in an RDATE/EXDATE list (PERIOD values give their start).
pub fn parse_date_list(text: &str, tzid: Option<Zone>) -> Result<Vec<TimeValue>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let start = item.split('/').next().unwrap_or(item);
            TimeValue::parse(start, tzid)
        })
        .collect()
}

/// Formats seconds as an RFC 5545 DURATION.
pub fn format_duration(secs: i64) -> String {
    let (sign, mut s) = if secs < 0 { ("-", -secs) } else { ("", secs) };
    if s == 0 {
        return "PT0S".into();
    }
    let mut out = format!("{sign}P");
    let days = s / 86_400;
    s %= 86_400;
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if s > 0 {
        out.push('T');
        for (unit, len) in [('H', 3600), ('M', 60), ('S', 1)] {
            if s >= len {
                out.push_str(&format!("{}{unit}", s / len));
                s %= len;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Ok(5400));
        assert_eq!(parse_duration("P1W"), Ok(604_800));
        assert_eq!(parse_duration("-PT15M"), Ok(-900));
        assert_eq!(parse_duration("P1DT2H"), Ok(93_600));
        for bad in ["", "P", "PT", "1H", "PT1", "P1H", "PTxM", "P99999999999D"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(93_600), "P1DT2H");
    }

    proptest! {
        #[test]
        fn duration_round_trip(secs in -10_000_000i64..10_000_000) {
            prop_assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }
    }
}
