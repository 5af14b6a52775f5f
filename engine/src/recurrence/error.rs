//! Errors of rule parsing and expansion; each names the offending part.

/// A rule's text could not be read or makes no sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A `NAME=VALUE` part is missing its `=`.
    #[error("rule part {0:?} is not of the form NAME=VALUE")]
    MalformedPart(String),
    /// The part's name is not an RFC 5545 rule part.
    #[error("unknown rule part {0:?}")]
    UnknownPart(String),
    /// A part appears twice.
    #[error("rule part {0} is given twice")]
    DuplicatePart(String),
    /// FREQ is missing.
    #[error("rule has no FREQ")]
    MissingFreq,
    /// A value does not parse or is out of its range.
    #[error("bad value {value:?} for {part}: {why}")]
    BadValue {
        /// The rule part.
        part: &'static str,
        /// The offending value.
        value: String,
        /// What is expected.
        why: &'static str,
    },
    /// The parts cannot produce any instance.
    #[error("impossible rule: {0}")]
    Impossible(String),
}

/// Expansion stopped on a limit or on a rule that produces nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// More instances than the caller's or the project's limit allows.
    #[error("expansion limit reached: more than {limit} instances (narrow the window or set COUNT/UNTIL)")]
    TooManyInstances {
        /// The limit in force.
        limit: usize,
    },
    /// The rule went through a whole calendar cycle (or the sub-daily period limit) without
    /// producing any instance.
    #[error(
        "rule {rule} produced no instance in {periods} consecutive periods: it can never match"
    )]
    NeverMatches {
        /// The rule's text.
        rule: String,
        /// Periods scanned.
        periods: u64,
    },
    /// The rule examined more candidate times than any expansion may ([`super::limits::MAX_STEPS`]):
    /// it costs too much to expand, whatever it would produce.
    #[error("rule {rule} is too costly to expand: more than {steps} candidate times examined (make it coarser, or narrow it with COUNT/UNTIL)")]
    TooMuchWork {
        /// The rule's text.
        rule: String,
        /// The budget in periods.
        steps: u64,
    },
    /// The rule has no end and the caller gave no end either.
    #[error("the recurrence repeats forever: give an end (--to or --limit)")]
    Unbounded,
    /// The rule is impossible given its DTSTART.
    #[error(transparent)]
    Rule(#[from] RuleError),
}
