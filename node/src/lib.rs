//! # node: the office node, its client, and the `dms` command line
//!
//! The office node (`dms-node`) and the `dms` command line. Read, from the disk up:
//! - [`auth`]: who is calling (a node, a client with scopes) and what each may do.
//! - [`storage`]: the write-ahead log and snapshots behind the `Storage` trait, with the
//!   conformance suite every backend passes.
//! - [`durable`]: an office state machine behind its log: log, sync, then apply; replay on open.
//! - [`encoding`]: the format of log records and snapshots (a format byte, then bincode).
//! - [`rpc`]: the tarpc service between offices and its TCP transport.
//! - [`wire`]: the format of requests on the tarpc port (bincode, with the check tarpc
//!   lacks).
//! - [`server`]: an office node: durable state, directory, peers, and the coordinator.
//! - [`http`]: the HTTP/JSON API (`/v1`, API keys, problem details, OpenAPI).
//! - [`notify`]: where notifications go: the sink trait, a log-file sink, a test sink.
//! - [`smtp`]: the SMTP notification sink (a plain-text mail per notification).
//! - [`pki`]: the cluster's own CA and certificates (nodes naming their office, clients
//!   carrying a grant), made with rcgen.
//! - [`tls`]: TLS (rustls) between nodes (mutual) and on the HTTP port.
//! - [`webhook`]: the webhook notification sink (HMAC-signed, backing off), and fan-out.
//! - [`config`]: a node's configuration file, and the sample cluster's defaults.
//! - [`clock`]: the `Clock` every node is given, and the hybrid logical clock.
//! - [`sample`]: the offices, people, rooms and calendars shipped for demos, the loader
//!   of a directory of the same form, and `World`, which books across offices in-process.
//! - [`drive`]: client calls against offices, and a scenario's workload made of them
//!   (shared by the simulator and `dms scenario run`).
//! - [`check`]: the history checkers (linearizability, safety, notifications, liveness)
//!   over those calls, shared by the simulator and cluster runs.
//! - [`bench`]: the load benchmark (`dms bench`), side by side with PostgreSQL.
//! - [`testfaults`]: the clock skew and failing log writes a scenario run injects into
//!   a real node (test builds only).
//! - [`timearg`]: times as people write them (`2027-03-02T09:00`, with or without an
//!   offset), read by the CLI and the HTTP API alike.
//! - [`cli`]: one module per `dms` subcommand (`expand`, `freebusy`, `suggest`, `demo`).

#![deny(missing_docs)]

/// Every binary allocates with mimalloc: a node allocates and frees small strings and
/// vectors on every request, and glibc's malloc was a tenth of its CPU under load
/// (`dms bench`). Built without transparent huge pages: a growing heap otherwise zeroes
/// 2 MiB at a time (most of the CPU it saved, in a short run).
#[cfg(not(madsim))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod auth;
#[cfg(not(madsim))]
pub mod bench;
pub mod check;
#[cfg(not(madsim))]
pub mod cli;
pub mod clock;
pub mod config;
pub mod drive;
pub mod durable;
pub mod encoding;
#[cfg(not(madsim))]
pub mod http;
pub mod notify;
#[cfg(not(madsim))]
pub mod pki;
pub mod rpc;
pub mod sample;
pub mod server;
#[cfg(not(madsim))]
pub mod smtp;
pub mod storage;
pub mod testfaults;
#[cfg(not(madsim))]
pub mod timearg;
#[cfg(not(madsim))]
pub mod tls;
#[cfg(not(madsim))]
pub mod webhook;
pub mod wire;
