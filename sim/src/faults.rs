//! The seeded fault plan: faults of random kinds at random times while the clients run,
//! most one after another, a third of them overlapping those before. Kinds: an office
//! cut off both ways (a symmetric partition); a one-way partition (one link, or
//! everything into or out of an office); packet loss on every link (madsim's TCP
//! retransmits, so calls slow down and time out); a crash (the host killed, its file
//! system losing unsynced writes and maybe tearing the last one, one time in four its
//! recovery crashing too, then restarted from what is left), half of them aimed at the
//! office that just answered a booking, change or cancellation, a quarter at one that
//! just voted yes on another office's prepare and an eighth at one that just began a
//! background snapshot; and a disk failure (the office's file system fails its next
//! `fdatasync`, the failed batch's bytes kept or lost at random, or its next write,
//! halfway; the node stops taking changes, and a supervisor restarts it a
//! little later, its page cache intact). Message delay and reordering across
//! connections, and every node's clock skew and drift, are on for the whole run.

use crate::cluster::SimCluster;
use engine::ids::OfficeId;
use madsim::net::NetSim;
use madsim::rand::{thread_rng, Rng};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

/// The kinds of fault, as counted in reports.
pub const KINDS: [&str; 5] = ["partition", "one-way", "loss", "crash", "disk-failure"];

/// Where clients report answered bookings, changes and cancellations, so that a crash
/// can target the office that just answered one (the window where an answer given
/// before its decision is durable would be lost: a booking acknowledged, or refused
/// for an abort not yet on disk).
#[derive(Default)]
pub struct Acks {
    last: std::sync::Mutex<Option<OfficeId>>,
    wake: tokio::sync::Notify,
}

impl Acks {
    /// A client saw `office` answer a booking, change or cancellation.
    pub fn answered(&self, office: &OfficeId) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(office.clone());
        self.wake.notify_waiters();
    }

    /// The next office to answer one, if any does within `within`.
    async fn next(&self, within: Duration) -> Option<OfficeId> {
        madsim::time::timeout(within, self.wake.notified())
            .await
            .ok()?;
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What a fault plan did.
#[derive(Debug, Default, Clone)]
pub struct Injected {
    /// Faults by kind.
    pub by_kind: BTreeMap<&'static str, usize>,
    /// One line per fault, with its simulated time.
    pub log: String,
    /// When each fault began and ended (nanoseconds since the run began), and the
    /// offices it touched (none named: every office).
    pub windows: Vec<(u64, u64, Vec<OfficeId>)>,
}

fn ms(lo: u64, hi: u64) -> Duration {
    Duration::from_millis(thread_rng().gen_range(lo..hi))
}

/// Runs `faults` faults, then heals everything. Each starts a seeded 0-2.5 s after the
/// one before it started; two in three wait for those running to end first, the others
/// run while they last (a partition during a crash, loss while a disk fails). One office is
/// crashed by one fault at a time. `epoch` is when the run began.
pub async fn inject(
    cluster: Arc<SimCluster>,
    acks: Arc<Acks>,
    faults: usize,
    epoch: madsim::time::Instant,
) -> Injected {
    let start = madsim::time::Instant::now();
    let one_at_a_time: Arc<BTreeMap<OfficeId, tokio::sync::Mutex<()>>> = Arc::new(
        (cluster.addrs.keys())
            .map(|o| (o.clone(), tokio::sync::Mutex::new(())))
            .collect(),
    );
    let mut all: Vec<Fault> = Vec::new();
    let mut running: Vec<madsim::task::JoinHandle<Fault>> = Vec::new();
    for _ in 0..faults {
        madsim::time::sleep(ms(0, 2_500)).await;
        if !thread_rng().gen_bool(1.0 / 3.0) {
            // Let those running end first.
            for r in running.drain(..) {
                all.push(r.await.expect("a fault ended"));
            }
        }
        let f = one(
            cluster.clone(),
            acks.clone(),
            one_at_a_time.clone(),
            start,
            epoch,
        );
        running.push(madsim::task::spawn(f));
    }
    for r in running {
        all.push(r.await.expect("a fault ended"));
    }
    let mut done = Injected::default();
    all.sort_by_key(|f| f.began);
    for f in all {
        done.windows.push((f.began, f.ended, f.touched));
        *done.by_kind.entry(f.kind).or_default() += 1;
        let _ = writeln!(done.log, "fault at {}ms: {}: {}", f.at, f.kind, f.what);
    }
    heal(&cluster);
    done
}

/// One fault as it happened.
struct Fault {
    kind: &'static str,
    /// Milliseconds since the plan began, for the log.
    at: u128,
    what: String,
    /// Nanoseconds since the run began.
    began: u64,
    ended: u64,
    touched: Vec<OfficeId>,
}

/// Runs one fault of a seeded kind.
async fn one(
    cluster: Arc<SimCluster>,
    acks: Arc<Acks>,
    one_at_a_time: Arc<BTreeMap<OfficeId, tokio::sync::Mutex<()>>>,
    start: madsim::time::Instant,
    epoch: madsim::time::Instant,
) -> Fault {
    let net = NetSim::current();
    let offices: Vec<OfficeId> = cluster.addrs.keys().cloned().collect();
    let ids: Vec<_> = offices.iter().map(|o| cluster.nodes[o].id()).collect();
    let since = || epoch.elapsed().as_nanos() as u64;
    let kind = KINDS[thread_rng().gen_range(0..KINDS.len())];
    let v = thread_rng().gen_range(0..ids.len());
    let at = start.elapsed().as_millis();
    let began = since();
    let mut touched = vec![offices[v].clone()];
    let what = match kind {
        "partition" => {
            let d = ms(500, 8_000);
            net.clog_node(ids[v]);
            madsim::time::sleep(d).await;
            net.unclog_node(ids[v]);
            format!("{} cut off for {d:?}", offices[v])
        }
        "one-way" => {
            let d = ms(500, 8_000);
            let w = (v + thread_rng().gen_range(1..ids.len())) % ids.len();
            let how = thread_rng().gen_range(0..3);
            match how {
                0 => net.clog_link(ids[v], ids[w]),
                1 => net.clog_node_in(ids[v]),
                _ => net.clog_node_out(ids[v]),
            }
            madsim::time::sleep(d).await;
            match how {
                0 => net.unclog_link(ids[v], ids[w]),
                1 => net.unclog_node_in(ids[v]),
                _ => net.unclog_node_out(ids[v]),
            }
            // Blocking everything into or out of one office touches its every link.
            touched = if how == 0 {
                vec![offices[v].clone(), offices[w].clone()]
            } else {
                vec![]
            };
            let dir = [
                "-> ".to_string() + offices[w].as_str(),
                "in".into(),
                "out".into(),
            ];
            format!("{} {} blocked for {d:?}", offices[v], dir[how])
        }
        "loss" => {
            let d = ms(500, 6_000);
            let rate = thread_rng().gen_range(0.05..0.4);
            net.update_config(|c| c.packet_loss_rate = rate);
            madsim::time::sleep(d).await;
            net.update_config(|c| c.packet_loss_rate = 0.0);
            touched.clear();
            format!("{:.0}% packet loss for {d:?}", rate * 100.0)
        }
        "disk-failure" => {
            let _alone = one_at_a_time[&offices[v]].lock().await;
            cluster.disk_failure(&offices[v], ms(100, 3_000)).await
        }
        _ => {
            let down = ms(100, 5_000);
            let torn = thread_rng().gen_range(0..64);
            // Half the crashes hit the office that just answered a booking, change or
            // cancellation, a quarter one that just voted yes on another's prepare (a
            // participant between its vote and the decision), an eighth one that just
            // began a background snapshot (its log rotated, the snapshot being written).
            let mut victim = offices[v].clone();
            let mut why = "";
            let aim: f64 = thread_rng().gen_range(0.0..1.0);
            let (next, said) = match aim {
                a if a < 0.5 => (Some(&acks), " right after answering"),
                a if a < 0.75 => (Some(&cluster.votes), " right after voting yes"),
                a if a < 0.875 => (Some(&cluster.snapshots), " mid snapshot"),
                _ => (None, ""),
            };
            if let Some(watch) = next {
                if let Some(o) = watch.next(Duration::from_secs(3)).await {
                    (victim, why) = (o, said);
                }
            }
            let _alone = one_at_a_time[&victim].lock().await;
            cluster.crash(&victim, down, torn).await;
            touched = vec![victim.clone()];
            format!("{victim} crashed{why} (torn {torn} bytes), down {down:?}")
        }
    };
    Fault {
        kind,
        at,
        what,
        began,
        ended: since(),
        touched,
    }
}

/// Ends every partition and all packet loss.
pub fn heal(cluster: &SimCluster) {
    let net = NetSim::current();
    net.update_config(|c| c.packet_loss_rate = 0.0);
    for n in cluster.nodes.values() {
        net.unclog_node(n.id());
    }
    for a in cluster.nodes.values() {
        for b in cluster.nodes.values() {
            net.unclog_link(a.id(), b.id());
        }
    }
}
