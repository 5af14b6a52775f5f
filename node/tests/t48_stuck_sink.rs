//! A notification sink that hangs (a webhook receiver that never answers) holds up only
//! the notifications: the outbox's deliveries have a worker of their own, so a
//! cancellation reaches the other offices while the organizer's office's sink is stuck,
//! and once the sink is freed its notifications go out. A backlog of more than a pass's
//! batch goes out in batches of at most that many.

mod common;

use common::cluster::{busy_count, meeting, spawn_office, Cluster};
use common::settles_within;
use engine::ids::{MeetingId, OfficeId};
use engine::state::{CancelScope, Notification, Outcome};
use node::notify::{MemorySink, NotificationSink};
use node::rpc::BookReply;
use node::sample::{parse_directory, SAMPLE_OFFICES};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A sink whose every call blocks until the gate opens (at most a minute), then records.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    entered: AtomicBool,
    largest_batch: AtomicUsize,
    inner: MemorySink,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl NotificationSink for Gate {
    fn send(&self, n: &Notification) -> Result<(), String> {
        self.send_all(&[n]).pop().unwrap_or(Ok(()))
    }

    fn send_all(&self, ns: &[&Notification]) -> Vec<Result<(), String>> {
        self.entered.store(true, Ordering::SeqCst);
        self.largest_batch.fetch_max(ns.len(), Ordering::SeqCst);
        let shut = self.open.lock().unwrap();
        let (open, _) = self
            .opened
            .wait_timeout_while(shut, Duration::from_secs(60), |open| !*open)
            .unwrap();
        if !*open {
            return vec![Err("the gate stayed shut".into()); ns.len()];
        }
        drop(open);
        self.inner.send_all(ns)
    }
}

/// The sample company's offices, New York's with the gated sink.
async fn gated(name: &str) -> (Cluster, Arc<Gate>) {
    let root = std::env::temp_dir().join(format!("dms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let mut listeners = BTreeMap::new();
    for office in dir.offices.keys() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listeners.insert(office.clone(), l);
    }
    let addrs: BTreeMap<OfficeId, _> = listeners
        .iter()
        .map(|(o, l)| (o.clone(), l.local_addr().unwrap()))
        .collect();
    let gate = Arc::new(Gate::default());
    let (mut tasks, mut sinks) = (Vec::new(), BTreeMap::new());
    for (n, (office, listener)) in listeners.into_iter().enumerate() {
        let sink: Arc<dyn NotificationSink> = if office.as_str() == "ny" {
            gate.clone()
        } else {
            let memory = Arc::new(MemorySink::default());
            sinks.insert(office.clone(), memory.clone());
            memory
        };
        tasks.push(spawn_office(
            &root, &dir, &addrs, office, listener, n as u32, sink,
        ));
    }
    let c = Cluster {
        addrs,
        root,
        tasks,
        sinks,
    };
    (c, gate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_sink_does_not_hold_up_deliveries() {
    let (c, gate) = gated("stuck-sink").await;
    let ctx = tarpc::context::current;
    let ny = c.client("ny").await;
    // Alice (New York) invites Bob (New York) and Dev (London): Bob's invitation goes to
    // New York's sink, which hangs from then on.
    let m = meeting("stuck", "alice", &["bob", "dev"], &[], 10);
    let reply = ny.book(ctx(), m, false.into()).await.unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    let dev_busy = || busy_count(&c, "london", "dev");
    assert_eq!(settles_within(1, 20, dev_busy).await, 1);
    let entered = || async { usize::from(gate.entered.load(Ordering::SeqCst)) };
    assert_eq!(
        settles_within(1, 20, entered).await,
        1,
        "the sink was never called"
    );

    // The cancellation still reaches London while New York's sink hangs.
    let out = ny
        .cancel(ctx(), MeetingId::new("stuck"), CancelScope::Series)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Cancelled { .. }), "{out:?}");
    assert_eq!(
        settles_within(0, 20, dev_busy).await,
        0,
        "the cancellation waited for the stuck sink"
    );
    assert!(
        gate.inner.sent().is_empty(),
        "the gate let something through"
    );

    // Freed, the sink gets Bob's invitation and cancellation.
    gate.open();
    let bob_told = || async {
        let sent = gate.inner.sent();
        sent.iter().filter(|n| n.to.as_str() == "bob").count()
    };
    assert_eq!(settles_within(2, 20, bob_told).await, 2);
    c.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_goes_out_in_bounded_batches() {
    let (c, gate) = gated("sink-backlog").await;
    let ctx = tarpc::context::current;
    let ny = c.client("ny").await;
    // Alice invites Bob and Carmen (both New York) to 600 meetings an hour apart while the
    // sink hangs: 1,200 invitations wait, more than one pass takes.
    let meetings = 600;
    let first = engine::time::Wall::from_ymd_hms(2027, 1, 4, 0, 0, 0);
    for i in 0..meetings {
        let start = first.plus_secs(i64::from(i) * 3600);
        let m = common::meeting(&format!("b{i}"), "alice", &["bob", "carmen"], &[], start);
        let reply = ny.book(ctx(), m, false.into()).await.unwrap();
        assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    }
    let want = 2 * meetings as usize;
    assert!(want > node::server::OUTBOX_BATCH);
    gate.open();
    let sent = || async { gate.inner.sent().len() };
    assert_eq!(settles_within(want, 60, sent).await, want);
    let largest = gate.largest_batch.load(Ordering::SeqCst);
    assert!(
        largest <= node::server::OUTBOX_BATCH,
        "one sink call took {largest} notifications"
    );
    c.stop();
}
