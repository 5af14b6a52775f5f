//! # sim: the office nodes under madsim
//!
//! The production node code (`node::server`) on simulated hosts: one per office, each
//! with its own IP, talking tarpc over madsim's simulated TCP. Only built with
//! `--cfg madsim` (see `Cargo.toml`).
//!
//! - [`cluster`]: starts the sample company's offices on simulated hosts.
//! - [`workload`]: what the clients do (book, cancel, answer) and what they saw.
//! - [`check`]: the checks after quiescence.
//! - [`run`]: one seeded run: clients, a fault plan, quiescence, and the checks.

#![deny(missing_docs)]

#[cfg(madsim)]
pub mod check;
#[cfg(madsim)]
pub mod cluster;
#[cfg(madsim)]
pub mod run;
#[cfg(madsim)]
pub mod workload;
