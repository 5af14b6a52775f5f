//! Limits on expansion. Every expansion is bounded; hitting a bound is an error that says
//! which bound, never a silent truncation.

/// The most instances one expansion call may produce.
pub const MAX_INSTANCES: usize = 1_000_000;

/// Empty periods in a row after which a YEARLY rule is known never to match: the Gregorian
/// calendar repeats every 400 years, so 400 periods see every reachable year.
pub const MAX_EMPTY_YEARLY: u64 = 400;
/// The same bound for MONTHLY rules: 4,800 months are 400 years.
pub const MAX_EMPTY_MONTHLY: u64 = 4_800;
/// The same bound for WEEKLY rules: 20,871 weeks are exactly 400 years.
pub const MAX_EMPTY_WEEKLY: u64 = 20_871;
/// The same bound for DAILY rules: 146,097 days are 400 years.
pub const MAX_EMPTY_DAILY: u64 = 146_097;
/// A bound for HOURLY, MINUTELY and SECONDLY rules, which skip filtered days whole: a
/// limit, not a proof, and the error says so.
pub const MAX_EMPTY_SUBDAILY: u64 = 4_000_000;

/// The most candidates (periods, and the grid steps a sub-daily rule takes within one)
/// one rule's expansion may examine: the bound on the work a rule can cause, whatever
/// it produces. A rule over it is refused, naming the rule. Every case
/// of the shared oracle corpus and every booking horizon (two years) of an ordinary rule
/// stay far below it; a rule that walks seconds through years of days it can never match
/// meets it in milliseconds.
pub const MAX_STEPS: u64 = 200_000;

/// The last year any expansion reaches (as python-dateutil's `MAXYEAR`).
pub const MAX_YEAR: i32 = 9999;
