//! Per-year day masks, indexed by day of the year (0 = January 1st). Each mask runs seven
//! days past the year's end so that a week starting in late December can be filtered
//! without rebuilding (the days past the end read as the next January).

use crate::time::civil::{days_from_civil, is_leap, weekday_of_days};

/// Month (1-12) of each day of a common year and seven days after.
static MMASK_365: [u8; 373] = month_mask(false);
/// Month of each day of a leap year and seven days after.
static MMASK_366: [u8; 373] = month_mask(true);
/// Day of month (1-31) of each day of a common year and seven days after.
static MDAY_365: [i8; 373] = mday_mask(false, false);
/// Day of month of each day of a leap year and seven days after.
static MDAY_366: [i8; 373] = mday_mask(true, false);
/// Day of month counted from the month's end (-1 = last) of each day, common year.
static NMDAY_365: [i8; 373] = mday_mask(false, true);
/// Day of month counted from the month's end, leap year.
static NMDAY_366: [i8; 373] = mday_mask(true, true);

const fn month_lengths(leap: bool) -> [u16; 12] {
    [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
}

const fn month_mask(leap: bool) -> [u8; 373] {
    let lens = month_lengths(leap);
    let mut out = [1u8; 373];
    let (mut i, mut m) = (0usize, 0usize);
    while m < 12 {
        let mut d = 0;
        while d < lens[m] {
            out[i] = (m + 1) as u8;
            i += 1;
            d += 1;
        }
        m += 1;
    }
    out
}

const fn mday_mask(leap: bool, negative: bool) -> [i8; 373] {
    let lens = month_lengths(leap);
    let mut out = [0i8; 373];
    let (mut i, mut m) = (0usize, 0usize);
    while m < 12 {
        let mut d = 0;
        while d < lens[m] {
            out[i] = if negative {
                d as i8 - lens[m] as i8
            } else {
                d as i8 + 1
            };
            i += 1;
            d += 1;
        }
        m += 1;
    }
    // The seven days after: January 1st..7th of the next year.
    let mut k = 0;
    while k < 7 {
        out[i + k] = if negative { k as i8 - 31 } else { k as i8 + 1 };
        k += 1;
    }
    out
}

const fn month_ranges(leap: bool) -> [u16; 13] {
    let lens = month_lengths(leap);
    let mut out = [0u16; 13];
    let mut m = 0;
    while m < 12 {
        out[m + 1] = out[m] + lens[m];
        m += 1;
    }
    out
}

static MRANGE_365: [u16; 13] = month_ranges(false);
static MRANGE_366: [u16; 13] = month_ranges(true);

/// A small fixed bitset over days of the year (and the seven after).
#[derive(Clone, Debug, Default)]
pub struct DayBits([u64; 6]);

impl DayBits {
    /// Clears every bit.
    pub fn clear(&mut self) {
        self.0 = [0; 6];
    }
    /// Sets day `i`.
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    /// Whether day `i` is set.
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

/// What the masks of one year need to know of the rule.
pub struct MaskSpec<'a> {
    /// WKST, 0 = Monday.
    pub wkst: u32,
    /// BYWEEKNO values.
    pub by_week_no: &'a [i32],
    /// BYDAY entries with an ordinal, as (weekday, n).
    pub by_nth_weekday: &'a [(u32, i32)],
    /// Whether ordinals count within each month of the year (YEARLY with BYMONTH) or the
    /// whole year (YEARLY without); `None` below YEARLY.
    pub nth_in_months: Option<&'a [u32]>,
    /// Whether the rule is MONTHLY (ordinals count within the current month).
    pub monthly: bool,
}

/// The masks of one year, rebuilt when the expansion crosses into another year or month.
pub struct YearInfo {
    /// The year.
    pub year: i32,
    /// 365 or 366.
    pub len: usize,
    /// Length of the next year.
    pub next_len: usize,
    /// Day number (days since 1970-01-01) of January 1st.
    pub day0: i64,
    /// Weekday of January 1st, 0 = Monday.
    pub weekday0: u32,
    /// Month of each day.
    pub mmask: &'static [u8; 373],
    /// Day of month of each day.
    pub mday: &'static [i8; 373],
    /// Day of month from the end of each day.
    pub nmday: &'static [i8; 373],
    /// Start day of each month, and the year's length at the end.
    pub mrange: &'static [u16; 13],
    /// Days in the BYWEEKNO weeks (valid when the rule has BYWEEKNO).
    pub wno: DayBits,
    /// Days that are a wanted nth weekday (valid when `has_nth`).
    pub nth: DayBits,
    /// Whether `nth` is in force.
    pub has_nth: bool,
    last: Option<(i32, u32)>,
}

impl YearInfo {
    /// Masks for nothing yet; call [`YearInfo::rebuild`] before use.
    pub fn new() -> YearInfo {
        YearInfo {
            year: i32::MIN,
            len: 365,
            next_len: 365,
            day0: 0,
            weekday0: 0,
            mmask: &MMASK_365,
            mday: &MDAY_365,
            nmday: &NMDAY_365,
            mrange: &MRANGE_365,
            wno: DayBits::default(),
            nth: DayBits::default(),
            has_nth: false,
            last: None,
        }
    }

    /// Weekday (0 = Monday) of day `i` of the year.
    #[inline]
    pub fn weekday(&self, i: usize) -> u32 {
        (self.weekday0 + i as u32) % 7
    }

    /// Rebuilds the masks for `year`, with nth-weekday ranges for `month`.
    pub fn rebuild(&mut self, year: i32, month: u32, spec: &MaskSpec<'_>) {
        let same_year = self.last.map(|(y, _)| y) == Some(year);
        if !same_year {
            let leap = is_leap(year);
            self.year = year;
            self.len = if leap { 366 } else { 365 };
            self.next_len = if is_leap(year + 1) { 366 } else { 365 };
            self.day0 = days_from_civil(year, 1, 1);
            self.weekday0 = weekday_of_days(self.day0).index();
            (self.mmask, self.mday, self.nmday, self.mrange) = if leap {
                (&MMASK_366, &MDAY_366, &NMDAY_366, &MRANGE_366)
            } else {
                (&MMASK_365, &MDAY_365, &NMDAY_365, &MRANGE_365)
            };
            if !spec.by_week_no.is_empty() {
                self.build_week_numbers(spec);
            }
        }
        if !spec.by_nth_weekday.is_empty() && self.last != Some((year, month)) {
            self.build_nth_weekdays(month, spec);
        }
        self.last = Some((year, month));
    }

    /// Marks the days of the wanted ISO-style week numbers (weeks start on WKST; week 1 is
    /// the first with at least four days in the year). Weeks that straddle the year's ends
    /// are marked on both sides, as RFC 5545 §3.3.10 describes.
    fn build_week_numbers(&mut self, spec: &MaskSpec<'_>) {
        self.wno.clear();
        let wkst = spec.wkst as i64;
        let len = self.len as i64;
        let first_wkst = (7 - self.weekday0 as i64 + wkst).rem_euclid(7);
        let (no1, wyearlen) = if first_wkst >= 4 {
            (0, len + (self.weekday0 as i64 - wkst).rem_euclid(7))
        } else {
            (first_wkst, len - first_wkst)
        };
        let weeks = wyearlen / 7 + (wyearlen % 7) / 4;
        for &n0 in spec.by_week_no {
            let n = if n0 < 0 {
                i64::from(n0) + weeks + 1
            } else {
                i64::from(n0)
            };
            if !(0 < n && n <= weeks) {
                continue;
            }
            let mut i = if n > 1 {
                let i = no1 + (n - 1) * 7;
                if no1 != first_wkst {
                    i - (7 - first_wkst)
                } else {
                    i
                }
            } else {
                no1
            };
            self.mark_week(&mut i, wkst);
        }
        if spec.by_week_no.contains(&1) {
            // Week 1 of the next year may start in this year's last days.
            let mut i = no1 + weeks * 7;
            if no1 != first_wkst {
                i -= 7 - first_wkst;
            }
            if i < len {
                self.mark_week(&mut i, wkst);
            }
        }
        if no1 > 0 {
            // The days before week 1 belong to the previous year's last week.
            let last_weeks = if !spec.by_week_no.contains(&-1) {
                let lwd = weekday_of_days(days_from_civil(self.year - 1, 1, 1)).index() as i64;
                let lno1 = (7 - lwd + wkst).rem_euclid(7);
                let llen = if is_leap(self.year - 1) { 366 } else { 365 };
                if lno1 >= 4 {
                    52 + (llen + (lwd - wkst).rem_euclid(7)) % 7 / 4
                } else {
                    // This reads this year's length, as python-dateutil does; the oracle
                    // corpus was produced with that reading.
                    52 + (len - no1) % 7 / 4
                }
            } else {
                -1
            };
            if spec.by_week_no.iter().any(|&n| i64::from(n) == last_weeks) {
                for i in 0..no1 {
                    self.wno.set(i as usize);
                }
            }
        }
    }

    fn mark_week(&mut self, i: &mut i64, wkst: i64) {
        for _ in 0..7 {
            if *i < 0 || *i as usize >= 373 {
                return;
            }
            self.wno.set(*i as usize);
            *i += 1;
            if self.weekday(*i as usize) as i64 == wkst {
                return;
            }
        }
    }

    /// Marks the nth (or nth-from-last) weekdays of the periods the ordinals count in.
    fn build_nth_weekdays(&mut self, month: u32, spec: &MaskSpec<'_>) {
        self.nth.clear();
        let mut ranges: [(usize, usize); 12] = [(0, 0); 12];
        let mut n_ranges = 0;
        let range_of = |m: u32| {
            (
                self.mrange[m as usize - 1] as usize,
                self.mrange[m as usize] as usize,
            )
        };
        if let Some(months) = spec.nth_in_months {
            if months.is_empty() {
                ranges[0] = (0, self.len);
                n_ranges = 1;
            } else {
                for &m in months.iter().take(12) {
                    ranges[n_ranges] = range_of(m);
                    n_ranges += 1;
                }
            }
        } else if spec.monthly {
            ranges[0] = range_of(month);
            n_ranges = 1;
        }
        self.has_nth = n_ranges > 0;
        for &(first, end) in &ranges[..n_ranges] {
            let (first, last) = (first as i64, end as i64 - 1);
            for &(wday, n) in spec.by_nth_weekday {
                let i = if n < 0 {
                    let i = last + (i64::from(n) + 1) * 7;
                    i - (self.weekday_i(i) - i64::from(wday)).rem_euclid(7)
                } else {
                    let i = first + (i64::from(n) - 1) * 7;
                    i + (7 - self.weekday_i(i) + i64::from(wday)).rem_euclid(7)
                };
                if first <= i && i <= last {
                    self.nth.set(i as usize);
                }
            }
        }
    }

    fn weekday_i(&self, i: i64) -> i64 {
        (i64::from(self.weekday0) + i).rem_euclid(7)
    }
}

impl Default for YearInfo {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_line_up() {
        assert_eq!(MMASK_365[58], 2); // February 28th
        assert_eq!(MMASK_365[59], 3); // March 1st
        assert_eq!(MMASK_366[59], 2); // February 29th
        assert_eq!(MDAY_366[59], 29);
        assert_eq!(NMDAY_366[59], -1);
        assert_eq!(NMDAY_365[364], -1);
        assert_eq!(MDAY_365[365], 1); // next January 1st
        assert_eq!(MRANGE_366[12], 366);
    }

    #[test]
    fn iso_week_one_of_2026_starts_in_december_2025() {
        // ISO week 1 of 2026 runs Monday 2025-12-29 .. Sunday 2026-01-04.
        let mut info = YearInfo::new();
        let spec = MaskSpec {
            wkst: 0,
            by_week_no: &[1],
            by_nth_weekday: &[],
            nth_in_months: None,
            monthly: false,
        };
        info.rebuild(2025, 1, &spec);
        assert!(info.wno.get(362)); // 2025-12-29
        assert!(!info.wno.get(361));
        info.rebuild(2026, 1, &spec);
        assert!(info.wno.get(0) && info.wno.get(3) && !info.wno.get(4));
    }
}
