//! The checkers, one file each:
//! - [`linear`]: linearizability of the client history against a sequential model of
//!   the calendars (Wing & Gong with Lowe's memoization), and [`history`], which turns
//!   the recorded calls into its terms, and [`model`], the sequential model;
//! - [`invariants`]: safety at every quiescent point (atomicity, durability, no double
//!   booking but recorded overrides, answers in every copy);
//! - [`notifications`]: every notification effect exactly once;
//! - [`liveness`]: after healing, everything resolves within a bound and new bookings
//!   succeed.

pub mod history;
pub mod invariants;
pub mod linear;
pub mod liveness;
pub mod model;
pub mod notifications;

use engine::ids::OfficeId;
use node::rpc::{connect, OfficeRpcClient};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// A client of every office, or the sentences saying which could not be reached.
pub async fn connect_all(
    addrs: &BTreeMap<OfficeId, SocketAddr>,
) -> Result<BTreeMap<OfficeId, OfficeRpcClient>, Vec<String>> {
    let mut clients = BTreeMap::new();
    let mut errors = Vec::new();
    for (o, a) in addrs {
        match connect(*a).await {
            Ok(c) => drop(clients.insert(o.clone(), c)),
            Err(e) => errors.push(format!("office {o} unreachable after healing: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(clients)
    } else {
        Err(errors)
    }
}
