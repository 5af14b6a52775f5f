//! In-process office nodes of the sample company on ephemeral 127.0.0.1 ports, each with
//! file storage under one root and a memory notification sink, for tests.
#![allow(dead_code)]

use engine::calendar::Interval;
use engine::ids::OfficeId;
use engine::office::Directory;
use engine::state::MeetingSpec;
use engine::time::{Instant, Wall};
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::notify::{MemorySink, NotificationSink};
use node::rpc::{connect, OfficeRpcClient};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{run, NodeOptions, OfficeServer};
use node::storage::FileStorage;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// In-process office nodes: their addresses, data, tasks and notification sinks.
pub struct Cluster {
    pub addrs: BTreeMap<OfficeId, SocketAddr>,
    pub root: PathBuf,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    pub sinks: BTreeMap<OfficeId, Arc<MemorySink>>,
}

impl Cluster {
    /// A client of `office`'s node.
    pub async fn client(&self, office: &str) -> OfficeRpcClient {
        connect(self.addrs[&OfficeId::new(office)]).await.unwrap()
    }

    /// Stops every node and removes the data.
    pub fn stop(self) {
        for t in self.tasks {
            t.abort();
        }
        let _ = std::fs::remove_dir_all(self.root);
    }
}

/// Starts every sample office with fresh data named after the test.
pub async fn start(name: &str) -> Cluster {
    let root = std::env::temp_dir().join(format!("dms-offices-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    launch(root).await
}

/// Starts every sample office on an ephemeral port, over whatever data `root` holds.
pub async fn launch(root: PathBuf) -> Cluster {
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let mut listeners = BTreeMap::new();
    for office in dir.offices.keys() {
        listeners.insert(
            office.clone(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        );
    }
    let addrs: BTreeMap<OfficeId, SocketAddr> = listeners
        .iter()
        .map(|(o, l)| (o.clone(), l.local_addr().unwrap()))
        .collect();
    let mut tasks = Vec::new();
    let mut sinks = BTreeMap::new();
    for (n, (office, listener)) in listeners.into_iter().enumerate() {
        let sink = Arc::new(MemorySink::default());
        sinks.insert(office.clone(), sink.clone());
        tasks.push(spawn_office(
            &root, &dir, &addrs, office, listener, n as u32, sink,
        ));
    }
    Cluster {
        addrs,
        root,
        tasks,
        sinks,
    }
}

/// Starts one office's node over its files under `root`.
pub fn spawn_office(
    root: &Path,
    dir: &Directory,
    addrs: &BTreeMap<OfficeId, SocketAddr>,
    office: OfficeId,
    listener: tokio::net::TcpListener,
    n: u32,
    sink: Arc<dyn NotificationSink>,
) -> tokio::task::JoinHandle<()> {
    let storage = FileStorage::open(&root.join(office.as_str())).unwrap();
    let mut state = DurableOffice::open(office.clone(), storage).unwrap();
    state.register_directory(dir).unwrap();
    let options = NodeOptions::new(sink, None);
    let server = OfficeServer::with_options(
        office,
        state,
        dir.clone(),
        addrs.clone(),
        Arc::new(SystemClock::new()),
        n,
        options,
    );
    tokio::spawn(run(listener, server))
}

/// A one-hour meeting on 2027-01-12 at `hour` UTC.
pub fn meeting(
    id: &str,
    organizer: &str,
    attendees: &[&str],
    rooms: &[&str],
    hour: u32,
) -> MeetingSpec {
    super::meeting(
        id,
        organizer,
        attendees,
        rooms,
        Wall::from_ymd_hms(2027, 1, 12, hour, 0, 0),
    )
}

/// The day of [`meeting`].
pub fn day() -> Interval {
    Interval::new(
        Instant(Wall::from_ymd_hms(2027, 1, 12, 0, 0, 0).0),
        Instant(Wall::from_ymd_hms(2027, 1, 13, 0, 0, 0).0),
    )
}

/// How many busy periods `who` has that day, asked of `office`'s node.
pub async fn busy_count(c: &Cluster, office: &str, who: &str) -> usize {
    super::busy_periods(&c.client(office).await, who, day()).await
}

/// [`busy_count`] once it equals `want` (see [`super::settles`]).
pub async fn busy_settles(c: &Cluster, office: &str, who: &str, want: usize) -> usize {
    super::settles(want, || busy_count(c, office, who)).await
}
