//! [`SimCluster`]: a company's offices (the sample's by default), one simulated host each (10.0.0.1 and
//! up, in office-id order, port 7000), each with its own seeded clock error (up to 30 s
//! of skew and 500 ppm of drift: madsim gives all hosts one clock, so the node's `Clock`
//! carries it), every node the production `OfficeServer` over a
//! production file backend (`FileStorage`) on a simulated file system ([`SimFs`], syncs
//! taking [`DISK`] time) that outlives it: [`SimCluster::crash`] kills a host, crashes
//! its file system (unsynced writes and names lost, the last write maybe torn) and
//! restarts it from what is left.
//! Each office's notifications go to a [`MemorySink`] that outlives its crashes. Offices
//! snapshot every [`SNAPSHOT_EVERY`] records (more in a large company: [`snapshot_every`]).

use engine::ids::OfficeId;
use engine::office::Directory;
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::Handle;
use node::auth::{Caller, Grant, Scope};
use node::clock::{SkewedClock, SystemClock};
use node::durable::DurableOffice;
use node::notify::MemorySink;
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{run_with, Admission, NodeOptions, OfficeServer, Planted};
use node::storage::{FileStorage, Latency, SimFs};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// The port every office node listens on.
pub const PORT: u16 = 7000;

/// How many log records a simulated office lets accumulate before it snapshots: small,
/// so that every run snapshots in the background several times amid its faults.
pub const SNAPSHOT_EVERY: u64 = 16;

/// How many records between snapshots for a company as large as `dir`: [`SNAPSHOT_EVERY`],
/// or one per four people and rooms if that is more. A snapshot copies and writes the
/// whole state, so taking one every 16 records of a 7,000-person company spent four
/// fifths of a scenario's run on snapshots (perf, `global-company`); in proportion to
/// the state, they cost the same per record as in the sample company, and still happen
/// many times in every run.
pub fn snapshot_every(dir: &Directory) -> u64 {
    SNAPSHOT_EVERY.max((dir.people.len() + dir.rooms.len()) as u64 / 4)
}

/// The simulated cluster.
pub struct SimCluster {
    /// Each office's address.
    pub addrs: BTreeMap<OfficeId, SocketAddr>,
    /// Each office's host.
    pub nodes: BTreeMap<OfficeId, madsim::runtime::NodeHandle>,
    /// Each office's file system.
    pub disks: BTreeMap<OfficeId, SimFs>,
    /// Each office's clock error: skew (ms) and drift (ppm).
    pub clocks: BTreeMap<OfficeId, (i64, i64)>,
    /// Each office's notifications, every send recorded (outlives crashes).
    pub sinks: BTreeMap<OfficeId, Arc<MemorySink>>,
    /// Each office's clock skew right now, in ms (a clock-jump fault changes it).
    pub skews: BTreeMap<OfficeId, Arc<AtomicI64>>,
    /// Which office last voted yes on another office's prepare (crashes aim at it).
    pub votes: Arc<crate::faults::Acks>,
    /// Which office last began a background snapshot (crashes aim at it).
    pub snapshots: Arc<crate::faults::Acks>,
}

/// How long each office's disk takes to sync: 1-20 ms, and one sync in 5,000 stalls a
/// second more, so group commit meets what it meets on real disks (reads and requests
/// arriving during a sync, records appended behind it, crashes while one is in flight).
pub const DISK: Latency = Latency {
    min: std::time::Duration::from_millis(1),
    max: std::time::Duration::from_millis(20),
    stall_one_in: 5_000,
    stall: std::time::Duration::from_secs(1),
};

/// How much a simulated office's log grows by at a time (production: 4 MiB): small
/// enough that the thousands of hosts a soak starts stay in memory, large enough that
/// runs preallocate many times.
pub const LOG_GROWTH: u64 = 64 << 10;

/// Where each office keeps its log and snapshot on its file system.
pub const DATA_DIR: &str = "/var/lib/dms";

/// Who each simulated host is, as mutual TLS would tell the nodes: every office's host is
/// that office's node; the client hosts (10.0.1.x) and the checker (10.0.2.1) are
/// operators' clients (admin grants: they book for anyone). Any other host is refused.
pub fn address_book(
    offices: &BTreeMap<OfficeId, SocketAddr>,
) -> Arc<BTreeMap<std::net::IpAddr, Caller>> {
    let operator = Caller::Client(Grant {
        office: offices.keys().next().cloned().unwrap_or_default(),
        person: None,
        scopes: vec![Scope::Admin],
    });
    let mut book: BTreeMap<std::net::IpAddr, Caller> = offices
        .iter()
        .map(|(o, a)| (a.ip(), Caller::Node(o.clone())))
        .collect();
    for c in 1..=u8::MAX {
        book.insert([10, 0, 1, c].into(), operator.clone());
    }
    book.insert([10, 0, 2, 1].into(), operator);
    Arc::new(book)
}

/// The checker's host (10.0.2.1) and the fault plan's host, beside a cluster.
pub fn helper_hosts() -> (madsim::runtime::NodeHandle, madsim::runtime::NodeHandle) {
    let handle = Handle::current();
    let checker = (handle.create_node())
        .name("checker")
        .ip([10, 0, 2, 1].into())
        .build();
    let faults = handle.create_node().name("faults").build();
    (checker, faults)
}

impl SimCluster {
    /// Starts every sample office on its own host, with a planted bug if asked.
    pub fn start(planted: Option<Planted>) -> SimCluster {
        let dir = parse_directory(SAMPLE_OFFICES).expect("the sample directory parses");
        SimCluster::start_with(dir, planted)
    }

    /// Starts every office of `dir` on its own host, with a planted bug if asked.
    pub fn start_with(dir: Directory, planted: Option<Planted>) -> SimCluster {
        let addrs: BTreeMap<OfficeId, SocketAddr> = dir
            .offices
            .keys()
            .enumerate()
            .map(|(i, o)| (o.clone(), SocketAddr::from(([10, 0, 0, i as u8 + 1], PORT))))
            .collect();
        let book = address_book(&addrs);
        let handle = Handle::current();
        let mut nodes = BTreeMap::new();
        let mut disks = BTreeMap::new();
        let mut clocks = BTreeMap::new();
        let mut sinks = BTreeMap::new();
        let mut skews = BTreeMap::new();
        let every = snapshot_every(&dir);
        let votes = Arc::new(crate::faults::Acks::default());
        let snapshots = Arc::new(crate::faults::Acks::default());
        for (n, (office, addr)) in addrs.iter().enumerate() {
            let disk = SimFs::with_latency(DISK, thread_rng().gen());
            let error = (
                thread_rng().gen_range(-30_000..=30_000),
                thread_rng().gen_range(-500..=500),
            );
            clocks.insert(office.clone(), error);
            let skew = Arc::new(AtomicI64::new(error.0));
            skews.insert(office.clone(), skew.clone());
            disks.insert(office.clone(), disk.clone());
            let sink = Arc::new(MemorySink::default());
            sinks.insert(office.clone(), sink.clone());
            let started = Arc::new(AtomicBool::new(false));
            let (office2, dir2, addrs2, addr2) =
                (office.clone(), dir.clone(), addrs.clone(), *addr);
            let book = book.clone();
            let votes = votes.clone();
            let snapshots = snapshots.clone();
            let node = handle
                .create_node()
                .name(office.as_str())
                .ip(addr.ip())
                .init(move || {
                    let (office, dir, addrs) = (office2.clone(), dir2.clone(), addrs2.clone());
                    let skew = skew.clone();
                    let again = started.swap(true, Ordering::Relaxed);
                    let fs = if again && planted == Some(Planted::ForgetLogOnRestart) {
                        SimFs::new()
                    } else {
                        disk.clone()
                    };
                    let storage = FileStorage::open_on(fs, std::path::Path::new(DATA_DIR))
                        .expect("the file system is up after a restart")
                        .growing_by(LOG_GROWTH);
                    let mut options = NodeOptions::new(sink.clone(), None);
                    options.planted = planted;
                    let (voter, who) = (votes.clone(), office.clone());
                    options.on_voted = Some(Arc::new(move || voter.answered(&who)));
                    let (snapper, who) = (snapshots.clone(), office.clone());
                    options.on_snapshot = Some(Arc::new(move || snapper.answered(&who)));
                    let admission = Admission::ByAddress(book.clone());
                    async move {
                        let mut state = DurableOffice::open(office.clone(), storage)
                            .expect("the disk's log decodes");
                        state.set_snapshot_every(every);
                        state.register_directory(&dir).expect("registers");
                        let server = OfficeServer::with_options(
                            office,
                            state,
                            dir,
                            addrs,
                            Arc::new(SkewedClock::shared(
                                Arc::new(SystemClock::new()),
                                skew,
                                error.1,
                            )),
                            n as u32,
                            options,
                        );
                        let listener = tokio::net::TcpListener::bind(addr2).await.expect("binds");
                        run_with(listener, server, admission).await;
                    }
                })
                .build();
            nodes.insert(office.clone(), node);
        }
        SimCluster {
            addrs,
            nodes,
            disks,
            clocks,
            sinks,
            skews,
            votes,
            snapshots,
        }
    }

    /// Makes `office`'s disk fail (seeded: its next sync, the batch's bytes kept or lost,
    /// or a write a few records on, torn); after `within`, disarms it if it has not
    /// struck, and restarts the node as a supervisor would (what it wrote and did not
    /// sync is still in the page cache). What failed, for the fault log.
    pub async fn disk_failure(&self, office: &OfficeId, within: std::time::Duration) -> String {
        let disk = &self.disks[office];
        let failed = if thread_rng().gen_bool(0.5) {
            let keep = thread_rng().gen_bool(0.5);
            disk.fail_next_sync(keep);
            let kept = if keep { "kept" } else { "lost" };
            format!("a sync (bytes {kept})")
        } else {
            disk.fail_next_write();
            "a write (half written)".to_string()
        };
        madsim::time::sleep(within).await;
        disk.disarm();
        let down = std::time::Duration::from_millis(thread_rng().gen_range(50..1_000));
        self.crash(office, down, usize::MAX).await;
        format!("{office}'s disk failed {failed}; restarted after {within:?}")
    }

    /// Empties every office's file system once a run is over: the runtime may keep its
    /// hosts (and so their file systems) after it is dropped, and a soak runs thousands.
    pub fn wipe_disks(&self) {
        for fs in self.disks.values() {
            fs.wipe();
        }
    }

    /// Kills `office`'s host, keeps it down for `down`, crashes its file system (unsynced
    /// writes lost but for `torn` bytes; one time in four its recovery crashes too), and
    /// restarts it from what is left.
    pub async fn crash(&self, office: &OfficeId, down: std::time::Duration, torn: usize) {
        let handle = Handle::current();
        let id = self.nodes[office].id();
        handle.kill(id);
        let fs = &self.disks[office];
        fs.restart(torn);
        // One restart in four dies again while recovering: the same recovery the node
        // runs (the join of rotated logs, the cut of a torn tail), cut short at one of
        // its first calls, before the node comes back for good.
        if thread_rng().gen_bool(0.25) {
            fs.crash_at(thread_rng().gen_range(1..8));
            let _ = FileStorage::open_on(fs.clone(), std::path::Path::new(DATA_DIR));
            fs.disarm();
            fs.restart(thread_rng().gen_range(0..64));
        }
        madsim::time::sleep(down).await;
        handle.restart(id);
    }
}
