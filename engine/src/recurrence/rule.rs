//! [`Rule`]: an RRULE (or RFC 2445 EXRULE) value, parsed and range-checked.
//!
//! Parsing is strict about syntax and ranges (each error names the part) and lenient
//! where real calendars are sloppy in ways with one obvious meaning, as python-dateutil is:
//! COUNT together with UNTIL stops at whichever comes first; an ordinal BYDAY below MONTHLY
//! means the plain weekday.

use super::error::RuleError;
use crate::time::{Instant, Wall, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;

/// FREQ, ordered from the longest period to the shortest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Frequency {
    /// Every year.
    Yearly = 0,
    /// Every month.
    Monthly = 1,
    /// Every week.
    Weekly = 2,
    /// Every day.
    Daily = 3,
    /// Every hour.
    Hourly = 4,
    /// Every minute.
    Minutely = 5,
    /// Every second.
    Secondly = 6,
}

impl Frequency {
    const NAMES: [&'static str; 7] = [
        "YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY",
    ];
    const ALL: [Frequency; 7] = [
        Frequency::Yearly,
        Frequency::Monthly,
        Frequency::Weekly,
        Frequency::Daily,
        Frequency::Hourly,
        Frequency::Minutely,
        Frequency::Secondly,
    ];

    /// The RFC 5545 name (`WEEKLY`).
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn parse(s: &str) -> Option<Frequency> {
        Self::NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .map(|i| Self::ALL[i])
    }
}

/// One BYDAY entry: a weekday, optionally the nth (or nth from last) in the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ByDay {
    /// `Some(3)` for `3WE`, `Some(-2)` for `-2FR`, `None` for every `WE`.
    pub nth: Option<i16>,
    /// The weekday.
    pub weekday: Weekday,
}

/// UNTIL: an instant (a UTC value) or a wall reading (a floating or DATE value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Until {
    /// `UNTIL=20281231T235959Z`.
    Utc(Instant),
    /// `UNTIL=20281231T235959` (floating), or a DATE, read as the end of that day.
    Wall(Wall),
}

/// A validated recurrence rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// FREQ.
    pub freq: Frequency,
    /// INTERVAL (at least 1).
    pub interval: u32,
    /// COUNT.
    pub count: Option<u32>,
    /// UNTIL.
    pub until: Option<Until>,
    /// WKST (Monday unless given).
    pub wkst: Weekday,
    /// BYSECOND, 0..=59.
    pub by_second: Vec<u8>,
    /// BYMINUTE, 0..=59.
    pub by_minute: Vec<u8>,
    /// BYHOUR, 0..=23.
    pub by_hour: Vec<u8>,
    /// BYDAY.
    pub by_day: Vec<ByDay>,
    /// BYMONTHDAY, ±1..=31.
    pub by_month_day: Vec<i8>,
    /// BYYEARDAY, ±1..=366.
    pub by_year_day: Vec<i16>,
    /// BYWEEKNO, ±1..=53.
    pub by_week_no: Vec<i8>,
    /// BYMONTH, 1..=12.
    pub by_month: Vec<u8>,
    /// BYSETPOS, ±1..=366.
    pub by_set_pos: Vec<i16>,
}

/// The longest rule text accepted.
pub const MAX_RULE_LEN: usize = 4096;

impl Rule {
    /// A rule of the given frequency with nothing else set.
    pub fn new(freq: Frequency) -> Rule {
        Rule {
            freq,
            interval: 1,
            count: None,
            until: None,
            wkst: Weekday::Mo,
            by_second: vec![],
            by_minute: vec![],
            by_hour: vec![],
            by_day: vec![],
            by_month_day: vec![],
            by_year_day: vec![],
            by_week_no: vec![],
            by_month: vec![],
            by_set_pos: vec![],
        }
    }

    /// Parses an RRULE value (`FREQ=MONTHLY;BYDAY=3WE`), with or without an `RRULE:` prefix.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        if text.len() > MAX_RULE_LEN {
            return Err(RuleError::BadValue {
                part: "RRULE",
                value: format!("{}...", text.chars().take(40).collect::<String>()),
                why: "rule text longer than 4096 bytes",
            });
        }
        let body = text.trim();
        let body = strip_prefix_ci(body, "RRULE:")
            .or_else(|| strip_prefix_ci(body, "EXRULE:"))
            .unwrap_or(body);
        let mut rule = Rule::new(Frequency::Yearly);
        let mut seen: Vec<String> = Vec::new();
        for part in body.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| RuleError::MalformedPart(part.to_string()))?;
            let name = name.trim().to_ascii_uppercase();
            if seen.contains(&name) {
                return Err(RuleError::DuplicatePart(name));
            }
            rule.set_part(&name, value.trim())?;
            seen.push(name);
        }
        if !seen.iter().any(|n| n == "FREQ") {
            return Err(RuleError::MissingFreq);
        }
        Ok(rule)
    }

    fn set_part(&mut self, name: &str, v: &str) -> Result<(), RuleError> {
        match name {
            "FREQ" => {
                self.freq = Frequency::parse(v).ok_or_else(|| {
                    bad(
                        "FREQ",
                        v,
                        "expected YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY or SECONDLY",
                    )
                })?;
            }
            "INTERVAL" => {
                self.interval = parse_num(v, "INTERVAL", 1, 1_000_000)? as u32;
            }
            "COUNT" => self.count = Some(parse_num(v, "COUNT", 1, i64::from(u32::MAX))? as u32),
            "UNTIL" => self.until = Some(parse_until(v)?),
            "WKST" => {
                self.wkst =
                    Weekday::from_code(v).ok_or_else(|| bad("WKST", v, "expected MO..SU"))?;
            }
            "BYSECOND" => self.by_second = list(v, "BYSECOND", 0, 59, false)?,
            "BYMINUTE" => self.by_minute = list(v, "BYMINUTE", 0, 59, false)?,
            "BYHOUR" => self.by_hour = list(v, "BYHOUR", 0, 23, false)?,
            "BYMONTHDAY" => self.by_month_day = list(v, "BYMONTHDAY", -31, 31, true)?,
            "BYYEARDAY" => self.by_year_day = list(v, "BYYEARDAY", -366, 366, true)?,
            "BYWEEKNO" => self.by_week_no = list(v, "BYWEEKNO", -53, 53, true)?,
            "BYMONTH" => self.by_month = list(v, "BYMONTH", 1, 12, false)?,
            "BYSETPOS" => self.by_set_pos = list(v, "BYSETPOS", -366, 366, true)?,
            "BYDAY" => {
                self.by_day = v
                    .split(',')
                    .map(parse_by_day)
                    .collect::<Result<Vec<_>, _>>()?
            }
            other => return Err(RuleError::UnknownPart(other.to_string())),
        }
        Ok(())
    }

    /// Whether the rule ends by itself (COUNT or UNTIL).
    pub fn is_bounded(&self) -> bool {
        self.count.is_some() || self.until.is_some()
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn bad(part: &'static str, value: &str, why: &'static str) -> RuleError {
    RuleError::BadValue {
        part,
        value: value.chars().take(40).collect(),
        why,
    }
}

fn parse_num(v: &str, part: &'static str, lo: i64, hi: i64) -> Result<i64, RuleError> {
    let n: i64 = v
        .trim_start_matches('+')
        .parse()
        .map_err(|_| bad(part, v, "expected an integer"))?;
    if n < lo || n > hi {
        return Err(bad(part, v, "out of range"));
    }
    Ok(n)
}

fn list<T: TryFrom<i64>>(
    v: &str,
    part: &'static str,
    lo: i64,
    hi: i64,
    nonzero: bool,
) -> Result<Vec<T>, RuleError> {
    let mut out = Vec::new();
    for item in v.split(',') {
        let n = parse_num(item.trim(), part, lo, hi)?;
        if nonzero && n == 0 {
            return Err(bad(part, item, "0 is not allowed"));
        }
        out.push(T::try_from(n).map_err(|_| bad(part, item, "out of range"))?);
    }
    if out.len() > 400 {
        return Err(bad(part, v, "more than 400 values"));
    }
    Ok(out)
}

fn parse_by_day(item: &str) -> Result<ByDay, RuleError> {
    let item = item.trim();
    if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
        return Err(bad("BYDAY", item, "expected [+-][n]MO..SU"));
    }
    let (num, code) = item.split_at(item.len() - 2);
    let weekday =
        Weekday::from_code(code).ok_or_else(|| bad("BYDAY", item, "expected [+-][n]MO..SU"))?;
    let nth = if num.is_empty() {
        None
    } else {
        let n = parse_num(num, "BYDAY", -53, 53)?;
        if n == 0 {
            return Err(bad("BYDAY", item, "the ordinal must not be 0"));
        }
        Some(n as i16)
    };
    Ok(ByDay { nth, weekday })
}

/// Parses an iCalendar DATE or DATE-TIME (`20260121`, `20260121T100000`, `...Z`) into a wall
/// reading and whether it was UTC. Shared with the iCalendar reader.
pub fn parse_ical_datetime(v: &str) -> Option<(Wall, bool, bool)> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = v.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (y, mo, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    if !(1..=12).contains(&mo) || d == 0 || d > crate::time::civil::days_in_month(y as i32, mo) {
        return None;
    }
    match b.len() {
        8 => Some((Wall::from_ymd_hms(y as i32, mo, d, 0, 0, 0), false, true)),
        15 | 16 => {
            if b[8] != b'T' && b[8] != b't' {
                return None;
            }
            let (h, mi, s) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
            // A leap second (:60) is read as :59, as most calendar software does.
            if h > 23 || mi > 59 || s > 60 {
                return None;
            }
            let utc = match b.get(15) {
                None => false,
                Some(b'Z') | Some(b'z') => true,
                Some(_) => return None,
            };
            Some((
                Wall::from_ymd_hms(y as i32, mo, d, h, mi, s.min(59)),
                utc,
                false,
            ))
        }
        _ => None,
    }
}

fn parse_until(v: &str) -> Result<Until, RuleError> {
    let (wall, utc, is_date) = parse_ical_datetime(v)
        .ok_or_else(|| bad("UNTIL", v, "expected YYYYMMDD or YYYYMMDDTHHMMSS[Z]"))?;
    Ok(if utc {
        Until::Utc(Instant(wall.0))
    } else if is_date {
        Until::Wall(wall.plus_secs(86_399))
    } else {
        Until::Wall(wall)
    })
}

impl fmt::Display for Rule {
    /// The RRULE value text, parts in RFC 5545's order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq.name())?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if let Some(c) = self.count {
            write!(f, ";COUNT={c}")?;
        }
        match self.until {
            Some(Until::Utc(t)) => write!(f, ";UNTIL={}", compact(t.utc_wall(), "Z"))?,
            Some(Until::Wall(w)) => write!(f, ";UNTIL={}", compact(w, ""))?,
            None => {}
        }
        fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, name: &str, v: &[T]) -> fmt::Result {
            if v.is_empty() {
                return Ok(());
            }
            write!(f, ";{name}=")?;
            for (i, x) in v.iter().enumerate() {
                write!(f, "{}{x}", if i > 0 { "," } else { "" })?;
            }
            Ok(())
        }
        join(f, "BYSECOND", &self.by_second)?;
        join(f, "BYMINUTE", &self.by_minute)?;
        join(f, "BYHOUR", &self.by_hour)?;
        let days: Vec<String> = self
            .by_day
            .iter()
            .map(|d| {
                format!(
                    "{}{}",
                    d.nth.map(|n| n.to_string()).unwrap_or_default(),
                    d.weekday.code()
                )
            })
            .collect();
        join(f, "BYDAY", &days)?;
        join(f, "BYMONTHDAY", &self.by_month_day)?;
        join(f, "BYYEARDAY", &self.by_year_day)?;
        join(f, "BYWEEKNO", &self.by_week_no)?;
        join(f, "BYMONTH", &self.by_month)?;
        join(f, "BYSETPOS", &self.by_set_pos)?;
        if self.wkst != Weekday::Mo {
            write!(f, ";WKST={}", self.wkst.code())?;
        }
        Ok(())
    }
}

/// `YYYYMMDDTHHMMSS` plus a suffix: the iCalendar DATE-TIME form.
pub fn compact(w: Wall, suffix: &str) -> String {
    let (y, mo, d) = w.ymd();
    let (h, mi, s) = w.hms();
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_headline_rule() {
        let r = Rule::parse("FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3;UNTIL=20281231T235959Z").unwrap();
        assert_eq!(r.freq, Frequency::Monthly);
        assert_eq!(
            r.by_day,
            vec![ByDay {
                nth: Some(3),
                weekday: Weekday::We
            }]
        );
        assert_eq!(r.by_month, vec![1, 2, 3]);
        assert!(matches!(r.until, Some(Until::Utc(_))));
        assert_eq!(Rule::parse(&r.to_string()).unwrap(), r);
    }

    #[test]
    fn errors_name_the_part() {
        let cases = [
            ("FREQ=FORTNIGHTLY", "FREQ"),
            ("FREQ=DAILY;BYHOUR=24", "BYHOUR"),
            ("FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY"),
            ("FREQ=DAILY;BYDAY=XX", "BYDAY"),
            ("FREQ=DAILY;FOO=1", "FOO"),
            ("FREQ=DAILY;COUNT=2;COUNT=3", "COUNT"),
            ("BYDAY=MO", "FREQ"),
            ("FREQ=DAILY;UNTIL=2026", "UNTIL"),
            ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ];
        for (text, part) in cases {
            let err = Rule::parse(text).unwrap_err().to_string();
            assert!(err.contains(part), "{text}: {err}");
        }
    }

    #[test]
    fn no_panic_on_odd_bytes() {
        for text in [
            "FREQ=DAILY;BYDAY=é",
            "FREQ=DAILY;BYDAY=1",
            ";;;",
            "=",
            "FREQ=",
        ] {
            assert!(Rule::parse(text).is_err(), "{text}");
        }
    }
}
