//! [`IcalError`]: what went wrong, and on which line of the input.

/// A problem in iCalendar input, located on a physical line (1-based) of the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct IcalError {
    /// The physical line, 1-based (0 when the problem is the input as a whole).
    pub line: usize,
    /// What is wrong, in words.
    pub problem: String,
}

impl IcalError {
    /// An error at `line`.
    pub fn at(line: usize, problem: impl Into<String>) -> IcalError {
        IcalError {
            line,
            problem: problem.into(),
        }
    }
}
