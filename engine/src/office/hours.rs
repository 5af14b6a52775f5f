//! Working hours and spans of the day, written the way people write them:
//! `MO-FR 09:00-17:30, SA 10:00-13:00` and `12:00-13:00`.

use crate::time::Weekday;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A span of the day in minutes after midnight, `[start, end)`; `end` may be 24:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Minutes after midnight.
    pub start_min: u16,
    /// Minutes after midnight, after `start_min`, at most 1440.
    pub end_min: u16,
}

impl Span {
    /// Parses `09:00-17:30`.
    pub fn parse(s: &str) -> Result<Span, String> {
        let (a, b) = s
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("bad span {s:?}: expected HH:MM-HH:MM"))?;
        let (start_min, end_min) = (minutes(a)?, minutes(b)?);
        if start_min >= end_min {
            return Err(format!("bad span {s:?}: it ends before it starts"));
        }
        Ok(Span { start_min, end_min })
    }
}

fn minutes(s: &str) -> Result<u16, String> {
    let s = s.trim();
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("bad time {s:?}: expected HH:MM"))?;
    let (h, m): (u16, u16) = (
        h.parse().map_err(|_| format!("bad hour in {s:?}"))?,
        m.parse().map_err(|_| format!("bad minute in {s:?}"))?,
    );
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(format!("bad time {s:?}: out of range"));
    }
    Ok(h * 60 + m)
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start_min), hm(self.end_min))
    }
}

/// Working hours for each weekday (Monday first); a day without hours is a day off.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WeekHours {
    /// Hours of each weekday, Monday first.
    pub days: [Option<Span>; 7],
}

impl WeekHours {
    /// Parses `MO-FR 09:00-17:30, SA 10:00-13:00` (day ranges wrap: `SU-TH`).
    pub fn parse(s: &str) -> Result<WeekHours, String> {
        let mut out = WeekHours::default();
        for group in s.split(',').map(str::trim).filter(|g| !g.is_empty()) {
            let (days, span) = group
                .split_once(' ')
                .ok_or_else(|| format!("bad hours {group:?}: expected e.g. MO-FR 09:00-17:30"))?;
            let span = Span::parse(span)?;
            let day = |c: &str| {
                Weekday::from_code(c.trim())
                    .ok_or_else(|| format!("bad weekday {c:?}: expected MO..SU"))
            };
            let (first, last) = match days.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => (day(days)?, day(days)?),
            };
            let mut d = first.index();
            loop {
                out.days[d as usize] = Some(span);
                if d == last.index() {
                    break;
                }
                d = (d + 1) % 7;
            }
        }
        Ok(out)
    }

    /// The hours of `day`.
    pub fn on(&self, day: Weekday) -> Option<Span> {
        self.days[day.index() as usize]
    }
}

impl fmt::Display for WeekHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Weekday::ALL
            .iter()
            .filter_map(|d| self.on(*d).map(|s| format!("{} {s}", d.code())))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

macro_rules! serde_via_text {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_text!(Span);
serde_via_text!(WeekHours);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let h = WeekHours::parse("MO-FR 09:00-17:30, SA 10:00-13:00").unwrap();
        assert_eq!(h.on(Weekday::We), Span::parse("09:00-17:30").ok());
        assert_eq!(h.on(Weekday::Su), None);
        assert_eq!(WeekHours::parse(&h.to_string()).unwrap(), h);
        let wrap = WeekHours::parse("SU-TH 08:00-16:00").unwrap();
        assert!(wrap.on(Weekday::Su).is_some() && wrap.on(Weekday::Fr).is_none());
        for bad in [
            "MO-FR",
            "XX 09:00-10:00",
            "MO 10:00-09:00",
            "MO 25:00-26:00",
            "MO 9-5",
        ] {
            assert!(WeekHours::parse(bad).is_err(), "{bad}");
        }
    }
}
