//! [`ScenarioError`]: what is wrong with a scenario file, naming the field.

/// A scenario file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// Not TOML, or not the shape of a scenario (an unknown field, a wrong type, a
    /// missing field): the TOML parser's message, with the line.
    #[error("{0}")]
    Syntax(String),
    /// A field whose value is not allowed.
    #[error("{field}: {problem}")]
    Invalid {
        /// Where, as a path (`office[2].zone`, `workload.mix`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl ScenarioError {
    /// An invalid value at `field`.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
