//! # protocol: the cross-office commit protocol as pure state machines
//!
//! Events in, actions out: no I/O, no clock, no locks, no tasks. The node feeds each
//! machine what happened (a vote arrived, a record became durable, an office answered a
//! fence) and carries out the actions it returns (log this decision, synced or not; send
//! this decision to that office; answer the organizer). Every rule of DESIGN §9-§10 lives
//! here once, and `tests/golden/*.txt` pins each one as a script of events and the
//! actions expected (see `tests/golden.rs`).
//!
//! - [`decision`]: [`Decision`], commit or abort: the one outcome of a transaction.
//! - [`vote`]: [`Vote`], an office's answer to a prepare, classified from what it said.
//! - [`action`]: [`Action`] (what the node must do) and [`Verdict`] (what the organizer
//!   hears).
//! - [`coordinator`]: [`Coordinator`], one booking or change from its prepares to its
//!   answer (parallel commits: the durable yes votes are the commit).
//! - [`termination`]: [`Settle`], ending a transaction its coordinator left undecided
//!   (presumed abort, fencing), and [`termination::participant`], what an office answers
//!   when asked about a transaction and when it asks about an old hold.
//! - [`ids`]: transaction ids and delivery keys that are unique across restarts (the
//!   office, its boot number from the log, a counter).

#![deny(missing_docs)]

pub mod action;
pub mod coordinator;
pub mod decision;
pub mod ids;
pub mod termination;
pub mod vote;

pub use action::{Action, Verdict};
pub use coordinator::Coordinator;
pub use decision::{Decision, Logged};
pub use termination::Settle;
pub use vote::Vote;
