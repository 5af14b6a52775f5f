//! A scenario's workload run against offices: closed-loop clients (each makes its next
//! call when the last one returns, but not before its share of the budget is due: the
//! calls spread over the duration, so the fault timeline meets them), or an open-loop
//! rate (a call starts every `1/rate` seconds whatever the others do), until the
//! operation budget or the duration is spent. [`Progress`] counts completed calls for a progress bar.

use super::call::{perform, Call, Target};
use super::plan::Planner;
use scenarios::world::World;
use scenarios::Scenario;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Planners behind an open-loop rate (calls in flight share them).
pub const OPEN_LOOP_PLANNERS: usize = 32;

/// The operation budget and how much of it is done.
#[derive(Debug, Default)]
pub struct Progress {
    started: AtomicU64,
    completed: AtomicU64,
    /// Calls the run may make.
    pub budget: u64,
}

impl Progress {
    /// A budget of `budget` calls.
    pub fn new(budget: u64) -> Progress {
        Progress {
            budget,
            ..Progress::default()
        }
    }

    /// Takes one call from the budget; false when it is spent.
    fn take(&self) -> bool {
        self.started.fetch_add(1, Ordering::Relaxed) < self.budget
    }

    /// Calls completed so far.
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }
}

/// Runs the workload of `s` (its operations and duration divided by `scale_down`)
/// against `target`, seeded `seed`; returns every call, ordered by invocation.
pub async fn run(
    s: &Scenario,
    world: Arc<World>,
    target: Arc<Target>,
    seed: u64,
    progress: Arc<Progress>,
    duration: Duration,
) -> Vec<Call> {
    let w = &s.file.workload;
    let mut tasks = Vec::new();
    if w.clients > 0 {
        // Each client's k-th call is due k pacing intervals after the start.
        let pace = duration.mul_f64(f64::from(w.clients) / progress.budget.max(1) as f64);
        for c in 0..w.clients as usize {
            let mut plan = Planner::new(s, world.clone(), seed, c);
            let (target, progress) = (target.clone(), progress.clone());
            tasks.push(tokio::spawn(async move {
                let mut calls = Vec::new();
                let start = tokio::time::Instant::now();
                for k in 0u32.. {
                    tokio::time::sleep_until(start + pace * k).await;
                    if target.epoch.elapsed() >= duration || !progress.take() {
                        break;
                    }
                    let call = perform(plan.next_op(), &target).await;
                    plan.done(&call);
                    calls.push(call);
                    progress.completed.fetch_add(1, Ordering::Relaxed);
                }
                calls
            }));
        }
    } else {
        let planners: Vec<Arc<Mutex<Planner>>> = (0..OPEN_LOOP_PLANNERS)
            .map(|c| Arc::new(Mutex::new(Planner::new(s, world.clone(), seed, c))))
            .collect();
        let every = Duration::from_nanos(1_000_000_000 / u64::from(w.rate_per_s.max(1)));
        let mut k = 0;
        while target.epoch.elapsed() < duration && progress.take() {
            let plan = planners[k % planners.len()].clone();
            k += 1;
            let (target, progress) = (target.clone(), progress.clone());
            tasks.push(tokio::spawn(async move {
                let op = plan.lock().unwrap_or_else(|e| e.into_inner()).next_op();
                let call = perform(op, &target).await;
                plan.lock().unwrap_or_else(|e| e.into_inner()).done(&call);
                progress.completed.fetch_add(1, Ordering::Relaxed);
                vec![call]
            }));
            tokio::time::sleep(every).await;
        }
    }
    let mut calls = Vec::new();
    for t in tasks {
        if let Ok(mine) = t.await {
            calls.extend(mine);
        }
    }
    calls.sort_by_key(|c| c.invoked);
    calls
}
