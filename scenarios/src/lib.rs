//! # scenarios: what a run is asked to do, and what it must achieve
//!
//! A scenario file (TOML, `version = 1`) describes a company and a run: its offices
//! (zone, working hours, lunch, holidays, people and rooms, network latency between
//! them), the workload (closed-loop clients or a rate, duration, the mix of operations,
//! hot spots), the faults (a timeline and/or a rate) and the SLOs the run must meet.
//! The same file is meant to drive the simulator and a real local cluster.
//!
//! Read in this order:
//! - [`file`]: the file as written (serde types; unknown fields are errors).
//! - [`validate`]: checks everything the types cannot, turning a [`file::ScenarioFile`]
//!   into a [`Scenario`]; every error names the field and the problem ([`error`]).
//! - [`shipped`]: the scenarios that come with the project (`scenarios/files/`).

#![deny(missing_docs)]

pub mod error;
pub mod file;
pub mod shipped;
pub mod validate;

pub use error::ScenarioError;
pub use validate::{parse, Scenario};
