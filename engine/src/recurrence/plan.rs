//! A [`Plan`] is a [`Rule`] bound to its DTSTART: the parts RFC 5545 leaves implicit are
//! filled in from DTSTART (a MONTHLY rule without BYxxx repeats on DTSTART's day of the
//! month; BYHOUR defaults to DTSTART's hour below HOURLY, and so on), and lists become
//! bit masks for the filter loop.

use super::error::RuleError;
use super::rule::{Frequency, Rule};
use crate::time::Wall;

/// The effective parts of a rule for one DTSTART.
#[derive(Clone, Debug)]
pub struct Plan {
    /// FREQ.
    pub freq: Frequency,
    /// INTERVAL.
    pub interval: i64,
    /// WKST, 0 = Monday.
    pub wkst: u32,
    /// BYMONTH as bits 1..=12 (0: no filter).
    pub by_month: u16,
    /// BYMONTH as a list, for ordinals counted within months.
    pub months: Vec<u32>,
    /// BYWEEKNO.
    pub by_week_no: Vec<i32>,
    /// BYYEARDAY.
    pub by_year_day: Vec<i32>,
    /// Positive BYMONTHDAY as bits 1..=31.
    pub by_month_day: u32,
    /// Negative BYMONTHDAY as bits 1..=31 (bit n for -n).
    pub by_nmonth_day: u32,
    /// Plain BYDAY weekdays as bits 0..=6 (0: no filter).
    pub by_weekday: u8,
    /// BYDAY entries with ordinals (MONTHLY and YEARLY only).
    pub by_nth_weekday: Vec<(u32, i32)>,
    /// BYSETPOS.
    pub by_set_pos: Vec<i32>,
    /// BYHOUR, sorted (empty: no filter at HOURLY and above).
    pub by_hour: Vec<u32>,
    /// BYMINUTE, sorted.
    pub by_minute: Vec<u32>,
    /// BYSECOND, sorted.
    pub by_second: Vec<u32>,
    /// Seconds of the day of each instance in a day (below HOURLY), sorted.
    pub day_times: Vec<u32>,
}

fn sorted_unique<T: Copy + Ord + Into<i64>>(v: &[T]) -> Vec<i64> {
    let mut out: Vec<i64> = v.iter().map(|&x| x.into()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Plan {
    /// Binds `rule` to `dtstart`.
    pub fn new(rule: &Rule, dtstart: Wall) -> Result<Plan, RuleError> {
        let (_, start_month, start_day) = dtstart.ymd();
        let (start_h, start_m, start_s) = dtstart.hms();
        let freq = rule.freq;
        let interval = i64::from(rule.interval.max(1));
        let mut months: Vec<u32> = sorted_unique(&rule.by_month)
            .iter()
            .map(|&m| m as u32)
            .collect();
        let mut month_days: Vec<i64> = sorted_unique(&rule.by_month_day);
        let mut weekdays = 0u8;
        let mut nth = Vec::new();
        let no_day_parts = rule.by_week_no.is_empty()
            && rule.by_year_day.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_day.is_empty();
        if no_day_parts {
            match freq {
                Frequency::Yearly => {
                    if months.is_empty() {
                        months.push(start_month);
                    }
                    month_days.push(i64::from(start_day));
                }
                Frequency::Monthly => month_days.push(i64::from(start_day)),
                Frequency::Weekly => weekdays |= 1 << dtstart.weekday().index(),
                _ => {}
            }
        }
        for d in &rule.by_day {
            match d.nth {
                Some(n) if freq <= Frequency::Monthly => {
                    nth.push((d.weekday.index(), i32::from(n)))
                }
                _ => weekdays |= 1 << d.weekday.index(),
            }
        }
        nth.sort_unstable();
        nth.dedup();
        let by_hour = Self::time_part(
            &rule.by_hour,
            freq,
            Frequency::Hourly,
            start_h,
            interval,
            24,
            "BYHOUR",
        )?;
        let by_minute = Self::time_part(
            &rule.by_minute,
            freq,
            Frequency::Minutely,
            start_m,
            interval,
            60,
            "BYMINUTE",
        )?;
        let by_second = Self::time_part(
            &rule.by_second,
            freq,
            Frequency::Secondly,
            start_s,
            interval,
            60,
            "BYSECOND",
        )?;
        let mut day_times = Vec::new();
        if freq < Frequency::Hourly {
            for &h in &by_hour {
                for &m in &by_minute {
                    for &s in &by_second {
                        day_times.push(h * 3600 + m * 60 + s);
                    }
                }
            }
            day_times.sort_unstable();
        }
        let mut pos_days = 0u32;
        let mut neg_days = 0u32;
        for d in month_days {
            if d > 0 {
                pos_days |= 1 << d;
            } else {
                neg_days |= 1 << (-d);
            }
        }
        Ok(Plan {
            freq,
            interval,
            wkst: rule.wkst.index(),
            by_month: months.iter().fold(0u16, |acc, &m| acc | 1 << m),
            months,
            by_week_no: sorted_unique(&rule.by_week_no)
                .iter()
                .map(|&x| x as i32)
                .collect(),
            by_year_day: sorted_unique(&rule.by_year_day)
                .iter()
                .map(|&x| x as i32)
                .collect(),
            by_month_day: pos_days,
            by_nmonth_day: neg_days,
            by_weekday: weekdays,
            by_nth_weekday: nth,
            by_set_pos: rule.by_set_pos.iter().map(|&p| i32::from(p)).collect(),
            by_hour,
            by_minute,
            by_second,
            day_times,
        })
    }

    /// One of BYHOUR/BYMINUTE/BYSECOND: DTSTART's value below its own frequency when not
    /// given; at its own frequency only the values that INTERVAL steps can reach.
    #[allow(clippy::too_many_arguments)]
    fn time_part(
        given: &[u8],
        freq: Frequency,
        own: Frequency,
        start: u32,
        interval: i64,
        base: i64,
        name: &str,
    ) -> Result<Vec<u32>, RuleError> {
        if given.is_empty() {
            return Ok(if freq < own { vec![start] } else { vec![] });
        }
        let mut values: Vec<u32> = sorted_unique(given).iter().map(|&v| v as u32).collect();
        if freq == own {
            let g = gcd(interval, base);
            values.retain(|&v| g == 1 || (i64::from(v) - i64::from(start)).rem_euclid(g) == 0);
            if values.is_empty() {
                return Err(RuleError::Impossible(format!(
                    "no {name} value can be reached from DTSTART in steps of INTERVAL={interval}"
                )));
            }
        }
        Ok(values)
    }

    /// Whether the rule filters by plain weekday.
    pub fn has_weekday(&self) -> bool {
        self.by_weekday != 0
    }

    /// Whether the rule filters by day of month.
    pub fn has_month_day(&self) -> bool {
        self.by_month_day != 0 || self.by_nmonth_day != 0
    }
}
