//! [`OfficeServer`]: one office's node: its durable state machine, the directory, the
//! other offices, and the coordinator of its organizers' bookings.
//!
//! - [`group`]: every command goes through one group commit: concurrent callers' commands
//!   share one log sync.
//! - [`peers`]: one pooled connection per other office, reopened when it breaks.
//! - [`commit`]: two-phase commit for bookings and changes, coordinated here.
//! - [`prepares`]: prepares for other offices, batched per office.
//! - `decisions`: decisions for other offices, batched per office.
//! - [`resolve`]: recovery after a restart, and asking coordinators about old holds.
//! - `serial`: one booking, change or cancellation of a meeting at a time here.
//! - [`outbox`]: carrying out the outbox: deliveries to other offices, notifications.
//! - [`cache`]: other offices' free/busy, cached by version, for suggestions only.
//! - `busy`: free/busy across offices (through the cache) and suggestions over it.
//! - [`listen`]: the tarpc port: who each connection is, connection caps, back-off.
//! - [`stall`]: a connection that stops in the middle of a frame is closed.
//! - `guard`: what each caller may call, checked before the call runs.
//! - [`handlers`]: the [`OfficeRpc`](crate::rpc::OfficeRpc) calls.

mod busy;
pub mod cache;
mod commit;
mod decisions;
mod group;
mod guard;
mod handlers;
pub mod listen;
mod outbox;
pub mod peers;
pub mod prepares;
mod remind;
mod resolve;
mod serial;
pub mod stall;

use crate::clock::{Clock, Hlc};
use crate::durable::DurableOffice;
use crate::notify::{NotificationSink, TracingSink};
use crate::rpc::{Health, Metrics};
use crate::storage::Storage;
use cache::FreeBusyCache;
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::office::Directory;
use engine::state::{Command, MeetingSpec};
use group::Queue;
use peers::Peers;
use protocol::ids::IdMaker;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use listen::{serve, Admission};
pub use outbox::{OUTBOX_BATCH, OUTBOX_EVERY, OUTBOX_GAP};

/// How long a coordinator waits for one office's vote.
pub const PREPARE_DEADLINE: Duration = Duration::from_secs(5);
/// How often a decision is sent to an office before it is left for the office to ask.
pub const DECISION_ATTEMPTS: u32 = 5;
/// How long a participant holds a prepared transaction before asking its coordinator.
pub use protocol::termination::participant::ASK_AFTER_MS;
/// How often a node looks for prepared transactions to ask about.
pub const RESOLVE_EVERY: Duration = Duration::from_millis(500);

/// A test-only crash point: the node aborts its process there, as `kill -9` would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failpoint {
    /// The coordinator dies once every office voted yes (committed), before it logs its
    /// decision or answers.
    CrashAfterPrepare,
    /// The coordinator dies right after logging a commit, before any office hears it.
    CrashAfterDecision,
}

impl Failpoint {
    /// Reads `DMS_FAILPOINT` (`crash-after-prepare`, `crash-after-decision`).
    pub fn from_env() -> Option<Failpoint> {
        match std::env::var("DMS_FAILPOINT").ok()?.as_str() {
            "crash-after-prepare" => Some(Failpoint::CrashAfterPrepare),
            "crash-after-decision" => Some(Failpoint::CrashAfterDecision),
            _ => None,
        }
    }
}

/// A deliberate bug the checkers must catch, in the simulator and on a local cluster
/// (test-only: planted only in builds with debug assertions or the feature
/// `planted-bugs`, never in a release build).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planted {
    /// Every prepare here votes yes without looking at the calendars.
    SkipHoldCheck,
    /// The coordinator answers "booked" before its own yes vote is durable.
    AnswerBeforeDurable,
    /// The node comes back from a crash with an empty log (the harness opens a blank
    /// disk; the node code is unchanged).
    ForgetLogOnRestart,
    /// An abort of a change takes away the meeting's committed entries too.
    AbortDropsCommitted,
    /// A cancellation does not wait for a transaction in flight on its meeting.
    CancelIgnoresInFlight,
    /// The coordinator logs the abort of a refused booking (an office refused or did not
    /// answer, so every vote may have been yes) without a sync before answering.
    UnsyncedAbort,
    /// Bookings, changes and cancellations of one meeting do not wait for each other's
    /// turn at its organizer's office, and cancellations carry no version: the
    /// stale-forward race of issue 21 (bug 1), with both of its fixes taken out.
    StaleForward,
}

impl Planted {
    /// The bugs a real node can be started with (`DMS_PLANTED_BUG`), by name.
    pub const NAMED: [(&'static str, Planted); 6] = [
        ("skip-hold-check", Planted::SkipHoldCheck),
        ("answer-before-durable", Planted::AnswerBeforeDurable),
        ("abort-drops-committed", Planted::AbortDropsCommitted),
        ("cancel-ignores-in-flight", Planted::CancelIgnoresInFlight),
        ("unsynced-abort", Planted::UnsyncedAbort),
        ("stale-forward", Planted::StaleForward),
    ];

    /// The bug named `name` (one of [`Self::NAMED`]).
    pub fn named(name: &str) -> Option<Planted> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
    }
}

/// What a node is given besides its state: where notifications go, and crash points.
pub struct NodeOptions {
    /// The notification sink.
    pub sink: Arc<dyn NotificationSink>,
    /// A crash point (tests only).
    pub failpoint: Option<Failpoint>,
    /// How long before each instance its attendees are reminded by default (a meeting's or
    /// person's own lead comes first; zero: only those); none: no reminder worker.
    pub reminder_lead: Option<std::time::Duration>,
    /// Called each time this office has voted yes on another office's prepare (its
    /// vote durable, the answer about to leave): the simulator aims crashes with it.
    pub on_voted: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Called each time this office begins a background snapshot (its log rotated, the
    /// snapshot about to be written): the simulator aims crashes with it.
    pub on_snapshot: Option<Arc<dyn Fn() + Send + Sync>>,
    /// A planted bug (tests only).
    #[cfg(any(feature = "planted-bugs", debug_assertions))]
    pub planted: Option<Planted>,
}

impl NodeOptions {
    /// Options with this sink and crash point (and no planted bug).
    pub fn new(sink: Arc<dyn NotificationSink>, failpoint: Option<Failpoint>) -> NodeOptions {
        NodeOptions {
            sink,
            failpoint,
            reminder_lead: None,
            on_voted: None,
            on_snapshot: None,
            #[cfg(any(feature = "planted-bugs", debug_assertions))]
            planted: None,
        }
    }
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions::new(Arc::new(TracingSink), None)
    }
}

#[derive(Default)]
struct Counters {
    syncs: AtomicU64,
    commands: AtomicU64,
    booked: AtomicU64,
    conflicts: AtomicU64,
    refused: AtomicU64,
    cache_hits: AtomicU64,
    cache_revalidated: AtomicU64,
    cache_misses: AtomicU64,
    delivered: AtomicU64,
    notified: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

struct Shared<S: Storage> {
    office: OfficeId,
    state: Mutex<DurableOffice<S>>,
    queue: Mutex<Queue>,
    mailboxes: Mutex<decisions::Mailboxes>,
    prepares: Mutex<prepares::PrepareQueues>,
    dir: Directory,
    peers: Peers,
    hlc: Mutex<Hlc>,
    clock: Arc<dyn Clock>,
    /// This run's ids (see `protocol::ids`).
    ids: Mutex<IdMaker>,
    /// When this node first saw each undecided transaction it takes part in (monotonic ms).
    seen: Mutex<BTreeMap<TxnId, i64>>,
    /// Transactions this office is coordinating right now (not for the resolver).
    coordinating: Mutex<std::collections::BTreeSet<TxnId>>,
    /// Each meeting's turn to be booked, changed or cancelled here.
    turns: serial::Turns,
    cache: Mutex<FreeBusyCache>,
    options: NodeOptions,
    counters: Counters,
    /// Wakes the outbox's workers, one per lane (`outbox::Lane` as the index).
    wake: [tokio::sync::Notify; 2],
    /// Why the log failed, once it has (see `group`).
    failed: Mutex<Option<String>>,
}

/// One office's node.
pub struct OfficeServer<S: Storage> {
    shared: Arc<Shared<S>>,
}

impl<S: Storage> Clone for OfficeServer<S> {
    fn clone(&self) -> Self {
        OfficeServer {
            shared: self.shared.clone(),
        }
    }
}

/// Runs blocking work (a disk sync, a sink's I/O) on a blocking thread, so that no runtime
/// worker waits on it; inline in the simulator, whose disks and sinks never block.
/// `None` if the work panicked.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    #[cfg(not(madsim))]
    {
        tokio::task::spawn_blocking(work).await.ok()
    }
    #[cfg(madsim)]
    {
        Some(work())
    }
}

/// Locks a mutex, also after a panic elsewhere (the data is a log-backed state machine
/// whose every change is complete or absent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// A node for `office` over its durable state, knowing every office's address, with
    /// default options (notifications to the tracing log).
    pub fn new(
        office: OfficeId,
        state: DurableOffice<S>,
        dir: Directory,
        peers: BTreeMap<OfficeId, SocketAddr>,
        clock: Arc<dyn Clock>,
        node_number: u32,
    ) -> OfficeServer<S> {
        Self::with_options(
            office,
            state,
            dir,
            peers,
            clock,
            node_number,
            NodeOptions::default(),
        )
    }

    /// [`OfficeServer::new`] with options.
    pub fn with_options(
        office: OfficeId,
        state: DurableOffice<S>,
        dir: Directory,
        peers: BTreeMap<OfficeId, SocketAddr>,
        clock: Arc<dyn Clock>,
        node_number: u32,
        options: NodeOptions,
    ) -> OfficeServer<S> {
        #[cfg(any(feature = "planted-bugs", debug_assertions))]
        let state = {
            let mut state = state;
            use engine::state::Bug;
            state.plant(match options.planted {
                Some(Planted::SkipHoldCheck) => Some(Bug::SkipHoldCheck),
                Some(Planted::AbortDropsCommitted) => Some(Bug::AbortDropsCommitted),
                Some(Planted::CancelIgnoresInFlight) => Some(Bug::CancelIgnoresInFlight),
                _ => None,
            });
            state
        };
        // A boot record, durable before any id is made: ids never repeat across runs.
        let mut state = state;
        let booted = state.submit(&[Command::Boot]);
        let ids = IdMaker::new(office.clone(), state.state().boots());
        let failed = match booted {
            Ok(_) => None,
            Err(e) => Some(format!("logging the boot record: {e}")),
        };
        OfficeServer {
            shared: Arc::new(Shared {
                office,
                state: Mutex::new(state),
                queue: Mutex::new(Queue::default()),
                mailboxes: Mutex::new(decisions::Mailboxes::default()),
                prepares: Mutex::new(prepares::PrepareQueues::default()),
                dir,
                peers: Peers::new(peers),
                hlc: Mutex::new(Hlc::new(node_number)),
                clock,
                ids: Mutex::new(ids),
                seen: Mutex::new(BTreeMap::new()),
                coordinating: Mutex::new(Default::default()),
                turns: Default::default(),
                cache: Mutex::new(FreeBusyCache::default()),
                options,
                counters: Counters::default(),
                wake: Default::default(),
                failed: Mutex::new(failed),
            }),
        }
    }

    /// Why the log failed, if it did. A failed write or `fdatasync` leaves the log's
    /// tail in doubt (the records may or may not be on the disk: PostgreSQL's "fsyncgate"),
    /// so from then on the node refuses every change and only a restart, which recovers
    /// from what the disk holds, makes it whole again. `dms-node` stops when this is set.
    pub fn storage_failure(&self) -> Option<String> {
        lock(&self.shared.failed).clone()
    }

    /// Whether `bug` is planted here (always false outside test builds).
    fn planted(&self, bug: Planted) -> bool {
        #[cfg(any(feature = "planted-bugs", debug_assertions))]
        return self.shared.options.planted == Some(bug);
        #[cfg(not(any(feature = "planted-bugs", debug_assertions)))]
        {
            let _ = bug;
            false
        }
    }

    /// The office that coordinates `txn` (transaction ids start with it).
    fn coordinator_of(&self, txn: &TxnId) -> Option<OfficeId> {
        crate::auth::origin_office(txn.as_str(), self.shared.peers.offices()).cloned()
    }

    /// The offices whose calendars a meeting touches, in id order.
    fn offices_of(&self, meeting: &MeetingSpec) -> Result<Vec<OfficeId>, String> {
        self.home_offices(&meeting.resources())
    }

    fn home_offices(&self, resources: &[ResourceId]) -> Result<Vec<OfficeId>, String> {
        let mut offices: Vec<OfficeId> = resources
            .iter()
            .map(|r| self.shared.dir.home(r).cloned())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        offices.sort();
        offices.dedup();
        Ok(offices)
    }

    /// A new id, unique across the company and across restarts (see `protocol::ids`).
    /// Transactions and cancellation keys use it.
    fn new_id(&self) -> String {
        let ts = lock(&self.shared.hlc).now(self.shared.clock.wall_ms());
        lock(&self.shared.ids).make(ts.wall_ms, ts.logical)
    }

    fn health(&self) -> Health {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let state = lock(&self.shared.state);
        Health {
            office: self.shared.office.clone(),
            applied: state.applied(),
            pending: state.state().pending_txns().count(),
            outbox: state.state().waiting().len(),
            version: state.state().version(),
            failed: self.storage_failure(),
            metrics: Metrics {
                syncs: get(&c.syncs),
                commands: get(&c.commands),
                booked: get(&c.booked),
                conflicts: get(&c.conflicts),
                refused: get(&c.refused),
                cache_hits: get(&c.cache_hits),
                cache_revalidated: get(&c.cache_revalidated),
                cache_misses: get(&c.cache_misses),
                delivered: get(&c.delivered),
                notified: get(&c.notified),
            },
        }
    }
}

/// Runs a node: finishes what a crash left undecided, keeps asking coordinators about old
/// prepared transactions, carries out its outbox, and serves `listener`, until the task
/// is dropped.
pub async fn run<S: Storage + Send + 'static>(
    listener: tokio::net::TcpListener,
    server: OfficeServer<S>,
) {
    run_with(listener, server, Admission::Open).await
}

/// [`run`], admitting callers as `admission` says (see [`listen`]).
pub async fn run_with<S: Storage + Send + 'static>(
    listener: tokio::net::TcpListener,
    server: OfficeServer<S>,
    admission: Admission,
) {
    let recovering = server.clone();
    let _workers = AbortOnDrop(vec![
        tokio::spawn(server.clone().resolve_forever()),
        tokio::spawn(server.clone().outbox_forever()),
        tokio::spawn(server.clone().remind_forever()),
        tokio::spawn(async move { recovering.recover().await }),
    ]);
    listen::serve(listener, server, admission).await;
}

/// Stops a node's background tasks when the node's task ends or is dropped.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}
