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
//! - [`check`]: the checkers (linearizability, safety invariants, notifications exactly
//!   once, liveness): `node::check`, shared with cluster runs; [`STRAGGLERS`] and
//!   [`sample_scope`] are what this harness gives them.
//! - [`run`]: one seeded run: rounds of calls under faults, healing, the checks.
//! - [`scenario`]: a scenario file run seed by seed: its company, workload and faults,
//!   every checker, and what the record of the run needs.
//! - [`summary`]: what many runs add up to, as the report each test run prints.

#![deny(missing_docs)]

#[cfg(madsim)]
pub use node::check;

/// How long after the faults heal a message sent into one may still arrive: madsim's
/// longest retry backoff on a blocked link (10 s), and a round trip.
pub const STRAGGLERS: std::time::Duration = std::time::Duration::from_secs(11);

/// What the state checks read in the sample company's workload: every person and room
/// it books, over its week.
#[cfg(madsim)]
pub fn sample_scope() -> check::Scope {
    let names = workload::PEOPLE.iter().chain(workload::ROOMS.iter());
    check::Scope {
        resources: names.map(|r| engine::ids::ResourceId::new(*r)).collect(),
        window: workload::window(),
    }
}
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
