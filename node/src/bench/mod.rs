//! The load benchmark behind `dms bench`: one seeded workload of cross-office bookings,
//! run against a loopback cluster of `dms-node` processes (fsync on) and, side by side in
//! the same run, against PostgreSQL doing the same bookings under an exclusion
//! constraint; latencies in hdrhistogram, a Markdown report.
//!
//! - [`workload`]: the synthetic company and the seeded bookings.
//! - [`cluster`]: the `dms` side: nodes started with that company, closed-loop clients.
//! - [`pg`]: the PostgreSQL side: the table, the constraint, the same clients.
//! - [`report`]: what each run measured, and the Markdown table.

pub mod cluster;
pub mod pg;
pub mod report;
pub mod workload;

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant as Clock;

/// How one booking ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Booked everywhere.
    Booked,
    /// Refused for a conflict.
    Conflict,
    /// Failed otherwise (an error).
    Error,
}

/// Runs `n` operations with `clients` closed-loop tasks: each takes the next index, runs
/// `op(client, index)`, and records its latency. `make` builds each client's state.
pub async fn closed_loop<C, M, MF, O, OF>(
    n: usize,
    clients: usize,
    make: M,
    op: O,
) -> anyhow::Result<report::Measured>
where
    C: Send + Sync + 'static,
    M: Fn(usize) -> MF,
    MF: std::future::Future<Output = anyhow::Result<C>>,
    O: Fn(Arc<C>, usize) -> OF + Send + Sync + Clone + 'static,
    OF: std::future::Future<Output = Verdict> + Send + 'static,
{
    let mut states = Vec::with_capacity(clients);
    for i in 0..clients {
        states.push(Arc::new(make(i).await?));
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Clock::now();
    let tasks: Vec<_> = states
        .into_iter()
        .map(|state| {
            let next = next.clone();
            let op = op.clone();
            tokio::spawn(async move {
                let mut hist =
                    Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
                let mut counts = [0usize; 3];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = Clock::now();
                    let v = op(state.clone(), i).await;
                    let us = t.elapsed().as_micros().max(1) as u64;
                    hist.saturating_record(us);
                    counts[v as usize] += 1;
                }
                (hist, counts)
            })
        })
        .collect();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut counts = [0usize; 3];
    for t in tasks {
        let (h, c) = t.await?;
        hist.add(&h)?;
        for k in 0..3 {
            counts[k] += c[k];
        }
    }
    Ok(report::Measured {
        wall_secs: started.elapsed().as_secs_f64(),
        hist,
        booked: counts[0],
        conflicts: counts[1],
        errors: counts[2],
        server_cpu_secs: None,
        log: None,
    })
}
