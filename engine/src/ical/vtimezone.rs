//! A VTIMEZONE's own rules, evaluated: its STANDARD and DAYLIGHT observances (DTSTART in
//! the local time before the change, TZOFFSETFROM, TZOFFSETTO, an RRULE or RDATEs) give
//! the instants the offset changes. Files from Outlook and Exchange name zones
//! `Customized Time Zone` or `(UTC-05:00) Eastern Time (US & Canada)` and carry such
//! rules; the zone used for them is the IANA zone whose offsets agree with the rules at
//! every change and every month over the years compared ([`Rules::matching_zone`]), so
//! that times keep following the tz database beyond what the file wrote.

use crate::recurrence::{RecurrenceSet, Rule};
use crate::time::{Instant, Wall, Zone};

/// The years compared: from the latest observance's start (not before this year) on,
/// this many years. Outlook writes its rules with DTSTART in 1601 and means the rules of
/// today, not of every year since.
const FIRST_YEAR: i32 = 2015;
const YEARS: i32 = 20;

/// One STANDARD or DAYLIGHT observance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observance {
    /// DTSTART, in the local time in force before it (TZOFFSETFROM).
    pub start: Wall,
    /// TZOFFSETFROM, in seconds east of UTC.
    pub from: i32,
    /// TZOFFSETTO, in seconds east of UTC.
    pub to: i32,
    /// RRULE, if any.
    pub rule: Option<Rule>,
    /// RDATEs, in the same local time as DTSTART.
    pub rdates: Vec<Wall>,
}

/// A VTIMEZONE's observances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules(pub Vec<Observance>);

impl Rules {
    /// The offset changes from `from` to `to`: (instant, offset after), in time order.
    fn changes(&self, from: Instant, to: Instant) -> Vec<(Instant, i32)> {
        let mut out = Vec::new();
        for o in &self.0 {
            let mut set = RecurrenceSet::single(o.start, Zone::Floating);
            set.rrules.extend(o.rule.clone());
            set.rdates = o.rdates.iter().map(|w| Instant(w.0)).collect();
            // Local readings, as floating instants, shifted by the offset before.
            let shift = i64::from(o.from);
            let window = (Instant(from.0 + shift), Instant(to.0 + shift));
            let Ok(occ) = set.between(window.0, window.1, 10_000) else {
                continue;
            };
            out.extend(occ.into_iter().map(|t| (Instant(t.start.0 - shift), o.to)));
        }
        out.sort();
        out
    }

    /// The IANA zone whose offsets agree with these rules over the years compared, or
    /// `None`. Candidates in the tz database's order; a zone that only links to another
    /// counts as that one, so the answer is stable.
    pub fn matching_zone(&self) -> Option<Zone> {
        let latest = self.0.iter().map(|o| o.start.ymd().0).max()?;
        let first = latest.max(FIRST_YEAR);
        let from = Instant(Wall::from_ymd_hms(first, 1, 1, 0, 0, 0).0);
        let to = Instant(Wall::from_ymd_hms(first + YEARS, 1, 1, 0, 0, 0).0);
        let changes = self.changes(Instant(from.0 - 366 * 86_400), to);
        // The offset before the first change in the window: the last change before it,
        // else the first observance's offset before it.
        let offset_at = |t: Instant| -> Option<i32> {
            let i = changes.partition_point(|(c, _)| *c <= t);
            match i {
                0 => self.0.first().map(|o| o.from),
                _ => Some(changes[i - 1].1),
            }
        };
        // Around every change, and the middle of every month.
        let mut samples: Vec<Instant> = (changes.iter())
            .filter(|(c, _)| *c >= from && *c < to)
            .flat_map(|(c, _)| [Instant(c.0 - 3600), Instant(c.0 + 3600)])
            .collect();
        for y in first..first + YEARS {
            for m in 1..=12 {
                samples.push(Instant(Wall::from_ymd_hms(y, m, 15, 12, 0, 0).0));
            }
        }
        let want: Vec<Option<i32>> = samples.iter().map(|&t| offset_at(t)).collect();
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| Zone::Iana(*tz))
            .find(|z| (samples.iter().zip(&want)).all(|(&t, w)| Some(z.offset_at(t)) == *w))
    }
}

/// A UTC-OFFSET value (`-0500`, `+0530`, `+001115`) in seconds east of UTC.
pub fn parse_offset(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let bad = || format!("bad UTC offset {t:?}");
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i32>().map_err(|_| bad());
    let secs = if digits.len() == 6 { n(4..6)? } else { 0 };
    let (h, m) = (n(0..2)?, n(2..4)?);
    if h > 23 || m > 59 || secs > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60 + secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us_eastern(start_year: i32) -> Rules {
        Rules(vec![
            Observance {
                start: Wall::from_ymd_hms(start_year, 11, 1, 2, 0, 0),
                from: -4 * 3600,
                to: -5 * 3600,
                rule: Some(Rule::parse("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU").unwrap()),
                rdates: vec![],
            },
            Observance {
                start: Wall::from_ymd_hms(start_year, 3, 8, 2, 0, 0),
                from: -5 * 3600,
                to: -4 * 3600,
                rule: Some(Rule::parse("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU").unwrap()),
                rdates: vec![],
            },
        ])
    }

    #[test]
    fn outlook_rules_match_the_zone_that_keeps_them() {
        // Outlook's way: the rules of today, from 1601.
        let z = us_eastern(1601).matching_zone().expect("a zone");
        let t = Instant(Wall::from_ymd_hms(2027, 7, 1, 12, 0, 0).0);
        assert_eq!(z.offset_at(t), -4 * 3600, "{}", z.name());
        let jan = Instant(Wall::from_ymd_hms(2030, 1, 1, 12, 0, 0).0);
        assert_eq!(z.offset_at(jan), -5 * 3600);
        // A rule no zone keeps (DST in the wrong month) matches nothing.
        let mut odd = us_eastern(2007);
        odd.0[1].rule = Some(Rule::parse("FREQ=YEARLY;BYMONTH=4;BYDAY=2SU").unwrap());
        assert_eq!(odd.matching_zone(), None);
        // A fixed offset of +05:30 with no changes.
        let india = Rules(vec![Observance {
            start: Wall::from_ymd_hms(1970, 1, 1, 0, 0, 0),
            from: 19_800,
            to: 19_800,
            rule: None,
            rdates: vec![],
        }]);
        assert_eq!(india.matching_zone().unwrap().offset_at(t), 19_800);
    }

    #[test]
    fn offsets_read_and_bad_ones_are_named() {
        assert_eq!(parse_offset("-0500"), Ok(-18_000));
        assert_eq!(parse_offset("+0530"), Ok(19_800));
        assert_eq!(parse_offset("+001115"), Ok(675));
        assert!(parse_offset("0500").unwrap_err().contains("0500"));
        assert!(parse_offset("+2500").is_err());
    }
}
