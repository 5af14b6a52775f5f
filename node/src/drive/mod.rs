//! Driving offices with client calls, in the simulator and against a real cluster:
//! - [`call`]: one call ([`call::Op`]), what the client saw ([`call::Seen`]), the record
//!   of both ([`call::Call`]) and [`call::perform`], which makes it;
//! - [`floor`]: a booking's floor on the scenario's network, to report its latency
//!   against;
//! - [`checks`]: checks of a quiescent cluster through its API (settled; no holds, no
//!   double booking), shared by the simulator and cluster runs;
//! - [`plan`]: a scenario's clients' calls, drawn from its workload with a seeded
//!   generator;
//! - [`preload`]: the calendars a run starts with, imported before the workload;
//! - [`clients`]: closed-loop clients (or an open-loop rate) running plans until the
//!   operation budget or the duration is spent;
//! - [`proxy`]: the fault proxy a local cluster's links go through (cuts, one-way cuts,
//!   delay, loss, resets), which the scenario runner controls.

pub mod call;
pub mod checks;
pub mod clients;
pub mod floor;
pub mod plan;
pub mod preload;
#[cfg(not(madsim))]
pub mod proxy;
