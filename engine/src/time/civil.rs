//! Calendar arithmetic on day numbers: days since 1970-01-01 in the proleptic Gregorian
//! calendar. These are the hot leaf functions of recurrence expansion, so they are pure
//! integer code (Howard Hinnant's civil-from-days algorithms).

use serde::{Deserialize, Serialize};

/// A day of the week, Monday first as in ISO 8601 and RFC 5545's default WKST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Weekday {
    /// Monday.
    Mo = 0,
    /// Tuesday.
    Tu = 1,
    /// Wednesday.
    We = 2,
    /// Thursday.
    Th = 3,
    /// Friday.
    Fr = 4,
    /// Saturday.
    Sa = 5,
    /// Sunday.
    Su = 6,
}

impl Weekday {
    /// All weekdays, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mo,
        Weekday::Tu,
        Weekday::We,
        Weekday::Th,
        Weekday::Fr,
        Weekday::Sa,
        Weekday::Su,
    ];

    /// The weekday numbered `n` (0 = Monday), taken modulo 7.
    pub fn from_index(n: u32) -> Weekday {
        Self::ALL[(n % 7) as usize]
    }

    /// The number of this weekday, 0 = Monday.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// The RFC 5545 two-letter code (`MO` ... `SU`).
    pub fn code(self) -> &'static str {
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][self as usize]
    }

    /// Parses an RFC 5545 two-letter code, case-insensitively.
    pub fn from_code(code: &str) -> Option<Weekday> {
        Self::ALL
            .iter()
            .copied()
            .find(|d| d.code().eq_ignore_ascii_case(code))
    }
}

/// Whether `year` is a leap year.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1-12) of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of the date `year-month-day`. The day may run past the month's end
/// (it then counts on into the next months), which the expander never relies on.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day number.
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// The weekday of a day number.
pub fn weekday_of_days(days: i64) -> Weekday {
    // 1970-01-01 was a Thursday (index 3).
    Weekday::from_index((days + 3).rem_euclid(7) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(weekday_of_days(days_from_civil(2026, 11, 23)), Weekday::Mo);
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
    }

    proptest! {
        #[test]
        fn civil_round_trip(days in -1_000_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            prop_assert!(d >= 1 && d <= days_in_month(y, m));
        }

        #[test]
        fn agrees_with_chrono(days in -700_000i64..2_900_000) {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                + chrono::Duration::days(days);
            use chrono::Datelike;
            prop_assert_eq!(civil_from_days(days), (date.year(), date.month(), date.day()));
            prop_assert_eq!(weekday_of_days(days).index(), date.weekday().num_days_from_monday());
        }
    }
}
