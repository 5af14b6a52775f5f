//! A node whose disk fails a sync: the booking in that sync is answered "uncertain"
//! (storage failed, it may or may not have taken effect), the node takes no change after
//! it (a later sync could otherwise make the failed records durable behind their callers'
//! backs), reads and health go on and say why; reopened from what the disk holds, it has
//! every acknowledged booking and nothing that was refused after the failure. A node that
//! cannot log a presumed abort does not answer "aborted".

mod common;

use common::cluster::meeting;
use engine::ids::{MeetingId, OfficeId, TxnId};
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::rpc::{connect, BookReply};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{run, OfficeServer};
use node::storage::tail::Tail;
use node::storage::{FileStorage, Storage, StorageError, SyncWait};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// How a [`Flaky`] disk behaves now.
#[derive(Clone, Default)]
struct Switch(Arc<AtomicU8>);

const HEALTHY: u8 = 0;
/// Syncs fail (a disk error on `fdatasync`).
const FAILING: u8 = 1;
/// A sync panics (a bug in the code under the group commit's leader).
const PANICKING: u8 = 2;

impl Switch {
    fn set(&self, mode: u8) {
        self.0.store(mode, Ordering::SeqCst);
    }
}

/// File storage that fails or panics as its [`Switch`] says.
struct Flaky {
    inner: FileStorage,
    fail: Switch,
}

impl Flaky {
    fn check(&self) -> Result<(), StorageError> {
        match self.fail.0.load(Ordering::SeqCst) {
            FAILING => Err(StorageError::Io(std::io::Error::other(
                "injected: fdatasync failed",
            ))),
            PANICKING => panic!("injected: a bug under the group commit"),
            _ => Ok(()),
        }
    }
}

impl Storage for Flaky {
    fn tail(&self) -> &Tail {
        self.inner.tail()
    }
    fn tail_mut(&mut self) -> &mut Tail {
        self.inner.tail_mut()
    }
    fn sync(&mut self) -> Result<(), StorageError> {
        self.check()?;
        self.inner.sync()
    }
    fn start_sync(&mut self) -> Result<SyncWait, StorageError> {
        self.check()?;
        self.inner.start_sync()
    }
    fn save_snapshot(&mut self, lsn: u64, state: &[u8]) -> Result<(), StorageError> {
        self.check()?;
        self.inner.save_snapshot(lsn, state)
    }
    fn load_snapshot(&self) -> Result<Option<(u64, Vec<u8>)>, StorageError> {
        self.inner.load_snapshot()
    }
}

/// New York's node on a [`Flaky`] storage in `root`: its client, the switch that makes
/// its syncs fail, and its task.
async fn start(
    root: &std::path::Path,
) -> (
    node::rpc::OfficeRpcClient,
    Switch,
    tokio::task::JoinHandle<()>,
) {
    let _ = std::fs::remove_dir_all(root);
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let ny = OfficeId::new("ny");
    let fail = Switch::default();
    let storage = Flaky {
        inner: FileStorage::open(root).unwrap(),
        fail: fail.clone(),
    };
    let mut state = DurableOffice::open(ny.clone(), storage).unwrap();
    state.register_directory(&dir).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peers = BTreeMap::from([(ny.clone(), addr)]);
    let server = OfficeServer::new(
        ny.clone(),
        state,
        dir,
        peers,
        Arc::new(SystemClock::new()),
        0,
    );
    let task = tokio::spawn(run(listener, server));
    (connect(addr).await.unwrap(), fail, task)
}

/// Books a meeting of Alice's with Bob in the Hudson room (all New York's) at `hour`.
async fn book_at_ny(client: &node::rpc::OfficeRpcClient, id: &str, hour: u32) -> BookReply {
    let m = meeting(id, "alice", &["bob"], &["ny-hudson"], hour);
    let ctx = tarpc::context::current();
    client.book(ctx, m, false.into()).await.unwrap()
}

/// Asserts that the node's health says its changes stopped, for a reason naming `why`.
async fn stopped_because(client: &node::rpc::OfficeRpcClient, why: &str) {
    let health = client.health(tarpc::context::current()).await.unwrap();
    let failed = health.failed.as_deref();
    assert!(failed.is_some_and(|w| w.contains(why)), "{health:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_stops_changes_and_loses_nothing_acknowledged() {
    let root = std::env::temp_dir().join(format!("dms-logfail-{}", std::process::id()));
    let ny = OfficeId::new("ny");
    let (client, fail, task) = start(&root).await;
    let ctx = tarpc::context::current;
    // Everyone in New York: one office, one sync per booking.
    let first = book_at_ny(&client, "kept", 14).await;
    assert!(matches!(first, BookReply::Booked { .. }), "{first:?}");

    fail.set(FAILING);
    let failed = book_at_ny(&client, "in-doubt", 15).await;
    assert!(
        matches!(&failed, BookReply::Uncertain { why } if why.contains("log failed") && why.contains("may or may not")),
        "{failed:?}"
    );
    // The disk works again, but the node does not trust its log's tail any more.
    fail.set(HEALTHY);
    let after = book_at_ny(&client, "after", 16).await;
    assert!(
        matches!(&after, BookReply::Unavailable { office, why } if *office == ny && why.contains("takes no changes until it restarts")),
        "{after:?}"
    );
    // Asked about a transaction it never heard of, it cannot log the presumed abort that
    // answer needs: no answer (the asker asks again after the restart).
    let unknown = TxnId::new("ny-1.0-7");
    assert_eq!(client.decision(ctx(), unknown).await.unwrap(), None);
    stopped_because(&client, "fdatasync failed").await;
    // Reads go on: the acknowledged booking, and neither refused one, is on the calendar.
    let busy = common::busy_periods(&client, "bob", common::cluster::day()).await;
    assert_eq!(busy, 1);
    task.abort();
    let _ = task.await;

    // Reopened from the disk: the acknowledged booking is there, the later one is not.
    let reopened = DurableOffice::open(ny, FileStorage::open(&root).unwrap()).unwrap();
    let has = |id: &str| reopened.state().meeting(&MeetingId::new(id)).is_some();
    assert!(has("kept"));
    assert!(!has("after"));
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presumed_abort_the_log_fails_to_take_is_not_answered() {
    let root = std::env::temp_dir().join(format!("dms-logfail-abort-{}", std::process::id()));
    let (client, fail, task) = start(&root).await;
    let ctx = tarpc::context::current;
    // Healthy, it records the presumed abort and says so.
    let seen = client
        .decision(ctx(), TxnId::new("ny-1.0-1"))
        .await
        .unwrap();
    assert_eq!(seen, Some(false));
    // The sync of the next one fails: "aborted" would be a promise the disk may not
    // keep (the transaction could still commit), so there is no answer.
    fail.set(FAILING);
    let failed = client
        .decision(ctx(), TxnId::new("ny-1.0-2"))
        .await
        .unwrap();
    assert_eq!(failed, None);
    let health = client.health(ctx()).await.unwrap();
    assert!(health.failed.is_some(), "{health:?}");
    task.abort();
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&root);
}

/// A panic under the group commit's leader (in the log, the sync or `apply`) stops the
/// node's changes, as a failed log does, instead of leaving the leader's flag set and
/// every later command waiting forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_under_the_group_commit_stops_changes_and_hangs_nothing() {
    let root = std::env::temp_dir().join(format!("dms-logpanic-{}", std::process::id()));
    let (client, fail, task) = start(&root).await;
    assert!(matches!(
        book_at_ny(&client, "kept", 14).await,
        BookReply::Booked { .. }
    ));
    fail.set(PANICKING);
    let panicked = book_at_ny(&client, "in-doubt", 15).await;
    assert!(
        matches!(&panicked, BookReply::Uncertain { .. }),
        "{panicked:?}"
    );
    fail.set(HEALTHY);
    // Before the fix this waited forever: the bound only tells a hang from an answer.
    let after = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        book_at_ny(&client, "after", 16),
    )
    .await
    .expect("a command after the panic was never answered");
    assert!(
        matches!(&after, BookReply::Unavailable { why, .. } if why.contains("panicked")),
        "{after:?}"
    );
    stopped_because(&client, "panicked").await;
    task.abort();
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&root);
}
