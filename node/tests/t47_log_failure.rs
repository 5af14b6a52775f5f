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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// File storage whose syncs fail while `fail` is set (a disk error on `fdatasync`).
struct Flaky {
    inner: FileStorage,
    fail: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), StorageError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StorageError::Io(std::io::Error::other(
                "injected: fdatasync failed",
            )));
        }
        Ok(())
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
    Arc<AtomicBool>,
    tokio::task::JoinHandle<()>,
) {
    let _ = std::fs::remove_dir_all(root);
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let ny = OfficeId::new("ny");
    let fail = Arc::new(AtomicBool::new(false));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_stops_changes_and_loses_nothing_acknowledged() {
    let root = std::env::temp_dir().join(format!("dms-logfail-{}", std::process::id()));
    let ny = OfficeId::new("ny");
    let (client, fail, task) = start(&root).await;
    let ctx = tarpc::context::current;
    // Everyone in New York: one office, one sync per booking.
    let book = |id: &str, hour: u32| {
        let m = meeting(id, "alice", &["bob"], &["ny-hudson"], hour);
        let client = client.clone();
        async move { client.book(ctx(), m, false.into()).await.unwrap() }
    };
    let first = book("kept", 14).await;
    assert!(matches!(first, BookReply::Booked { .. }), "{first:?}");

    fail.store(true, Ordering::SeqCst);
    let failed = book("in-doubt", 15).await;
    assert!(
        matches!(&failed, BookReply::Uncertain { why } if why.contains("log failed") && why.contains("may or may not")),
        "{failed:?}"
    );
    // The disk works again, but the node does not trust its log's tail any more.
    fail.store(false, Ordering::SeqCst);
    let after = book("after", 16).await;
    assert!(
        matches!(&after, BookReply::Unavailable { office, why } if *office == ny && why.contains("takes no changes until it restarts")),
        "{after:?}"
    );
    // Asked about a transaction it never heard of, it cannot log the presumed abort that
    // answer needs: no answer (the asker asks again after the restart).
    let unknown = TxnId::new("ny-1.0-7");
    assert_eq!(client.decision(ctx(), unknown).await.unwrap(), None);
    let health = client.health(ctx()).await.unwrap();
    assert!(
        health
            .failed
            .as_deref()
            .is_some_and(|w| w.contains("fdatasync failed")),
        "{health:?}"
    );
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
    fail.store(true, Ordering::SeqCst);
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
