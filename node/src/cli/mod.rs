//! The `dms` subcommands that work on files. Each module has an `Args` (clap) and a
//! `run(args, out) -> anyhow::Result<()>` that writes to `out`, so tests drive them
//! without a process.
//!
//! - [`admin`]: `dms admin key create|revoke|list`, the HTTP API's keys.
//! - [`timearg`] (the crate's): the time arguments (`--from`, `--to`, `--at`) every command reads.
//! - [`expand`]: `dms expand`, the recurrence expansion contract.
//! - [`freebusy`]: `dms freebusy` over the sample (or a given) directory.
//! - [`suggest`]: `dms suggest`, ranked and explained meeting times.
//! - [`remote`]: reaching a running cluster (options, directory, the owning office's node).
//! - [`book`]: `dms book`, a booking on a running cluster, with conflicts and alternatives.
//! - [`update`]: `dms update`, moving a meeting or changing its attendees or rooms.
//! - [`cancel`]: `dms cancel`, a whole meeting, one instance, or this and the following.
//! - [`respond`]: `dms respond`, an invitee's answer.
//! - [`counter`]: `dms counter`, an invitee's proposal of another time, or its decline.
//! - [`calendar`]: `dms calendar` (a person's meetings, or their .ics) and `dms import`.
//! - [`cluster`]: `dms cluster up|down|status`, a local cluster of office nodes.
//! - [`bench`]: `dms bench`, the load benchmark.
//! - [`scenario`]: `dms scenario list|check|run`, the scenario files.
//! - [`scenario_cluster`]: `dms scenario run --cluster`: processes behind the fault
//!   proxy, faults on them, every checker.
//! - [`scenario_run`]: `dms scenario run`, in the simulator or on a local cluster, with
//!   its report.
//! - [`report`]: `dms report compare A B`, two runs side by side.
//! - [`demo`]: `dms demo`, the main job of the README's first command.
//! - [`demo_http`]: the demo's HTTP API session against its cluster.
//! - [`table`]: plain-text tables for human-readable output.
//! - [`world`]: the options data-reading commands share (`--data`, `--from`, `--tz`, `--json`).

pub mod admin;
pub mod bench;
pub mod book;
pub mod calendar;
pub mod cancel;
pub mod cluster;
pub mod counter;
pub mod demo;
pub mod demo_http;
pub mod expand;
pub mod freebusy;
pub mod remote;
pub mod report;
pub mod respond;
pub mod scenario;
pub mod scenario_cluster;
pub mod scenario_run;
pub mod suggest;
pub mod table;
pub use crate::timearg;
pub mod update;
pub mod world;
