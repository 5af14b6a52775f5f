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
//! - [`roster`]: an office's people and rooms (counts or lists) and calendar load.
//! - [`validate`]: checks everything the types cannot, turning a [`file::ScenarioFile`]
//!   into a [`Scenario`]; every error names the field and the problem ([`error`]).
//! - [`world`]: the company a scenario describes, as a directory of offices, people
//!   and rooms, with the days meetings fall on and the latency of each link.
//! - [`standing`]: the calendars a run starts with (each office's `busy` share), as
//!   standing blocks imported before the workload.
//! - [`faults`]: a scenario's fault plan (its timeline and its random faults), seeded.
//! - [`record`]: what a run did ([`record::RunRecord`], JSON) and the recorder that
//!   builds it from calls as they complete.
//! - [`slo`]: a record against the scenario's SLOs, row by row, and the breaches.
//! - [`report`]: a run's report directory (Markdown, self-contained HTML, SVG plots)
//!   and two runs compared.
//! - [`shipped`]: the scenarios that come with the project (`scenarios/files/`).
//! - [`linear`]: the linearizability checker of a run's history (Wing & Gong's search
//!   with Lowe's memoization over a sequential model of the calendars), pure; kept here,
//!   built optimized in tests, because simulator and cluster runs both search with it.

#![deny(missing_docs)]

pub mod error;
pub mod faults;
pub mod file;
pub mod linear;
pub mod record;
pub mod report;
pub mod roster;
pub mod shipped;
pub mod slo;
pub mod standing;
pub mod validate;
pub mod world;

pub use error::ScenarioError;
pub use validate::{parse, Scenario};
