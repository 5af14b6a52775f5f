//! # sim: the office nodes under madsim
//!
//! The production node code (`node::server`) on simulated hosts: one per office, each
//! with its own IP, talking tarpc over madsim's simulated TCP. Only built with
//! `--cfg madsim` (see `Cargo.toml`).
//!
//! - [`cluster`]: starts the sample company's offices on simulated hosts (with a planted
//!   bug, for the tests that show the checkers catch them).
//! - [`workload`]: what the clients do (book, change, cancel, answer, read) and the
//!   history of calls with their simulated times.
//! - [`faults`]: the seeded fault plan (partitions both ways and one way, packet loss,
//!   crashes with torn disks).
//! - [`check`]: the checkers: linearizability, safety invariants, notifications exactly
//!   once, liveness.
//! - [`run`]: one seeded run: rounds of calls under faults, healing, the checks.
//! - [`scenario`]: a scenario file run seed by seed: its company, workload and faults,
//!   every checker, and what the record of the run needs.
//! - [`summary`]: what many runs add up to, as the report each test run prints.

#![deny(missing_docs)]

#[cfg(madsim)]
pub mod check;
#[cfg(madsim)]
pub mod cluster;
#[cfg(madsim)]
pub mod faults;
#[cfg(madsim)]
pub mod run;
#[cfg(madsim)]
pub mod scenario;
#[cfg(madsim)]
pub mod summary;
#[cfg(madsim)]
pub mod workload;
