//! A scenario's fault plan ([`scenarios::faults`]) injected in the simulator. Kinds:
//! `partition` (cut off both ways), `one-way` (its messages out dropped), `loss` (20%
//! of packets on every link), `crash` (killed, unsynced writes lost, restarted after the
//! fault), `disk` (half the time the same with the last write torn, half the time a
//! failed log sync or write: the node stops taking changes and a supervisor restarts it
//! after the fault), `skew` (its clock jumps by up to a minute and back).

use crate::cluster::SimCluster;
use engine::ids::OfficeId;
use madsim::net::NetSim;
use madsim::rand::{thread_rng, Rng};
pub use scenarios::faults::{plan, Down, Planned};
use scenarios::record::FaultMark;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Injects `plan` (each fault a task of its own, so they may overlap) until `over` is
/// set; returns the marks of every fault injected or skipped.
pub async fn inject(
    cluster: Arc<SimCluster>,
    plan: Vec<Planned>,
    over: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<FaultMark> {
    let marks = Arc::new(Mutex::new(Vec::new()));
    let down: Arc<Down> = Arc::default();
    let start = madsim::time::Instant::now();
    let mut tasks = Vec::new();
    for p in plan {
        let at = Duration::from_secs_f64(p.at_s);
        while start.elapsed() < at && !over.load(Ordering::Relaxed) {
            let wait = at.saturating_sub(start.elapsed());
            madsim::time::sleep(wait.min(Duration::from_millis(100))).await;
        }
        if over.load(Ordering::Relaxed) {
            break;
        }
        let (cluster, marks, down) = (cluster.clone(), marks.clone(), down.clone());
        tasks.push(madsim::task::spawn(async move {
            let at_s = start.elapsed().as_secs_f64();
            let (what, injected) = one(&cluster, &p, &down).await;
            let mark = FaultMark {
                at_s,
                for_s: p.for_s,
                kind: p.kind.clone(),
                what,
                injected,
            };
            marks.lock().unwrap_or_else(|e| e.into_inner()).push(mark);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut marks = std::mem::take(&mut *marks.lock().unwrap_or_else(|e| e.into_inner()));
    marks.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    marks
}

async fn one(cluster: &SimCluster, p: &Planned, down: &Down) -> (String, bool) {
    let net = NetSim::current();
    let office = OfficeId::new(&p.office);
    let Some(node) = cluster.nodes.get(&office) else {
        return (format!("{}: no such office", p.office), false);
    };
    let id = node.id();
    let d = Duration::from_secs_f64(p.for_s);
    let o = &office;
    match p.kind.as_str() {
        "partition" => {
            net.clog_node(id);
            madsim::time::sleep(d).await;
            net.unclog_node(id);
            (format!("{o} cut off"), true)
        }
        "one-way" => {
            net.clog_node_out(id);
            madsim::time::sleep(d).await;
            net.unclog_node_out(id);
            (format!("{o}'s messages out dropped"), true)
        }
        "loss" => {
            net.update_config(|c| c.packet_loss_rate = 0.2);
            madsim::time::sleep(d).await;
            net.update_config(|c| c.packet_loss_rate = 0.0);
            ("20% packet loss on every link".into(), true)
        }
        "skew" => {
            let jump = thread_rng().gen_range(5_000..60_000)
                * if thread_rng().gen_bool(0.5) { 1 } else { -1 };
            let skew = &cluster.skews[o];
            skew.fetch_add(jump, Ordering::Relaxed);
            madsim::time::sleep(d).await;
            skew.fetch_sub(jump, Ordering::Relaxed);
            (format!("{o}'s clock jumped {jump} ms"), true)
        }
        "crash" | "disk" => {
            if !down.take(o.as_str()) {
                return (format!("{o} already down"), false);
            }
            let disk_failure = p.kind == "disk" && thread_rng().gen_bool(0.5);
            let what = if disk_failure {
                cluster.disk_failure(o, d).await
            } else {
                let torn = if p.kind == "disk" {
                    thread_rng().gen_range(1..64)
                } else {
                    0
                };
                cluster.crash(o, d, torn).await;
                format!("{o} crashed (torn {torn} bytes) and restarted")
            };
            down.back(o.as_str());
            (what, true)
        }
        other => (format!("unknown kind {other}"), false),
    }
}
