//! A node snapshots in the background while it goes on booking: with a snapshot every
//! 20 records, 40 bookings take several, the log is truncated behind them, and the
//! office reopened from a copy of its directory has every booking.

mod common;

use common::meeting;
use engine::ids::{MeetingId, OfficeId};
use engine::time::Wall;
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::notify::MemorySink;
use node::rpc::{BookReply, OfficeRpc};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{NodeOptions, OfficeServer};
use node::storage::{FileStorage, Storage};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const BOOKINGS: u32 = 40;

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_go_on_while_snapshots_are_written_and_all_survive() {
    let root = std::env::temp_dir().join(format!("dms-t31-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (live, copy) = (root.join("live"), root.join("copy"));
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let london = OfficeId::new("london");
    let mut state = DurableOffice::open(london.clone(), FileStorage::open(&live).unwrap()).unwrap();
    state.register_directory(&dir).unwrap();
    state.set_snapshot_every(20);
    let server = OfficeServer::with_options(
        london.clone(),
        state,
        dir,
        BTreeMap::new(),
        Arc::new(SystemClock::new()),
        1,
        NodeOptions::new(Arc::new(MemorySink::default()), None),
    );
    let ctx = tarpc::context::current;
    for k in 0..BOOKINGS {
        let start = Wall::from_ymd_hms(2027, 2, 1 + k / 8, 9 + k % 8, 0, 0);
        let m = meeting(&format!("m-{k}"), "emma", &["farid"], &[], start);
        let reply = server.clone().book(ctx(), m, true.into()).await;
        assert!(matches!(reply, BookReply::Booked { .. }), "{k}: {reply:?}");
    }
    // The last snapshot begun is written by a task of its own: wait for it to finish.
    for _ in 0..500 {
        if !live.join("log.old").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!live.join("log.old").exists(), "a snapshot never finished");
    copy_dir(&live, &copy);

    let storage = FileStorage::open(&copy).unwrap();
    let (lsn, _) = storage
        .load_snapshot()
        .unwrap()
        .expect("a snapshot was taken");
    let kept = storage.read_from(0).unwrap().len() as u64;
    assert!(lsn >= 60, "the last snapshot covers record {lsn}");
    assert!(kept < 40, "the log was truncated: {kept} records kept");
    let reopened = DurableOffice::open(london, storage).unwrap();
    for k in 0..BOOKINGS {
        let id = MeetingId::new(format!("m-{k}"));
        assert!(reopened.state().meeting(&id).is_some(), "m-{k} lost");
    }
    let _ = std::fs::remove_dir_all(&root);
}
