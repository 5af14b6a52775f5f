//! # node: the office node, its client, and the `dms` command line
//!
//! For now this crate holds the file-based command line (the networked office node comes
//! with the node issue). Read:
//! - [`cli`]: one module per `dms` subcommand (`expand`, `freebusy`, `suggest`, `demo`).
//! - [`storage`]: the write-ahead log and snapshots behind the `Storage` trait.
//! - [`sample`]: the offices, people, rooms and calendars shipped for demos, and the
//!   loader of a directory of the same form.

#![deny(missing_docs)]

pub mod cli;
pub mod sample;
pub mod storage;
