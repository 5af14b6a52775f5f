//! The storage conformance suite, run against every backend.

use node::storage::conformance::run_all;
use node::storage::{FileStorage, Latency, MemoryStorage, SimFs, Storage};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[test]
fn memory_storage_conforms() {
    run_all(&MemoryStorage::new);
}

/// Syncs of 1-20 ms, one in ten stalling a second more.
const SLOW: Latency = Latency {
    min: Duration::from_millis(1),
    max: Duration::from_millis(20),
    stall_one_in: 10,
    stall: Duration::from_secs(1),
};

fn on(fs: &SimFs) -> FileStorage<SimFs> {
    FileStorage::open_on(fs.clone(), std::path::Path::new("/office")).unwrap()
}

#[test]
fn file_storage_on_a_slow_simulated_file_system_conforms() {
    run_all(&|| on(&SimFs::with_latency(SLOW, 7)));
}

/// On a file system with latency a sync's records are written but not durable until
/// its wait ends: a crash before then loses them (the earlier, synced ones stay);
/// records appended while one is in flight wait for the next sync; the delays are the
/// seed's, and vary.
#[test]
fn a_sync_in_flight_is_durable_only_when_its_wait_ends() {
    let fs = SimFs::with_latency(SLOW, 7);
    let mut s = on(&fs);
    s.append(b"one").unwrap();
    let first = s.start_sync().unwrap();
    let delay = first
        .delay()
        .expect("a file system with latency takes time");
    assert!(
        delay >= SLOW.min && delay <= SLOW.max + SLOW.stall,
        "{delay:?}"
    );
    s.finish_sync(first.wait().unwrap());
    s.append(b"two").unwrap();
    let second = s.start_sync().unwrap();
    s.append(b"three").unwrap();
    drop(s);
    fs.restart(0);
    assert!(second.wait().is_err(), "a sync the crash cut short fails");
    let records: Vec<Vec<u8>> = (on(&fs).read_from(0).unwrap())
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(records, vec![b"one".to_vec()]);

    let delays: Vec<Duration> = (0..50)
        .map(|_| {
            let mut s = on(&fs);
            s.append(b"x").unwrap();
            s.start_sync().unwrap().delay().unwrap()
        })
        .collect();
    let again = SimFs::with_latency(SLOW, 7);
    let mut s = on(&again);
    s.append(b"one").unwrap();
    assert_eq!(s.start_sync().unwrap().delay(), Some(delay), "seeded");
    assert!(delays.windows(2).any(|w| w[0] != w[1]), "{delays:?}");
    assert!(
        delays.iter().any(|d| *d >= SLOW.stall),
        "one in ten stalls: {delays:?}"
    );
}

#[test]
fn file_storage_conforms() {
    static N: AtomicU64 = AtomicU64::new(0);
    let root = std::env::temp_dir().join(format!("dms-storage-{}", std::process::id()));
    let fresh = || {
        let dir = root.join(N.fetch_add(1, Ordering::SeqCst).to_string());
        let _ = std::fs::remove_dir_all(&dir);
        FileStorage::open(&dir).unwrap()
    };
    run_all(&fresh);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn file_storage_on_a_simulated_file_system_conforms() {
    run_all(&|| on(&SimFs::new()));
}

#[test]
fn the_file_log_is_preallocated_and_its_zeros_are_not_records() {
    use node::storage::{Storage, PREALLOCATE};
    let dir = std::env::temp_dir().join(format!("dms-prealloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = FileStorage::open(&dir).unwrap();
    for i in 0..3u8 {
        s.append(&[i; 10]).unwrap();
        s.sync().unwrap();
    }
    let len = std::fs::metadata(dir.join("log")).unwrap().len();
    assert_eq!(len, PREALLOCATE, "zeros ahead of the records");
    assert_eq!(s.end(), 3 * (16 + 10));
    drop(s);
    let s = FileStorage::open(&dir).unwrap();
    let got: Vec<_> = s.read_from(1).unwrap().into_iter().map(|r| r.1).collect();
    assert_eq!(got, vec![vec![0u8; 10], vec![1u8; 10], vec![2u8; 10]]);
    assert_eq!(
        s.end(),
        3 * (16 + 10),
        "the next record goes after the last one"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A crash while recovery joins `log.old` and `log` (the joined log written, `log.old`
/// not yet removed) is recovered again to the same records.
#[test]
fn a_crash_while_joining_the_rotated_logs_loses_nothing() {
    use node::storage::Storage;
    let dir = std::env::temp_dir().join(format!("dms-rotated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = FileStorage::open(&dir).unwrap();
    for i in 1..=3u8 {
        s.append(&[i; 8]).unwrap();
    }
    s.sync().unwrap();
    let _never_written = s.start_snapshot(3).unwrap();
    for i in 4..=5u8 {
        s.append(&[i; 8]).unwrap();
    }
    s.sync().unwrap();
    drop(s);
    let old = std::fs::read(dir.join("log.old")).unwrap();
    let records = |s: &FileStorage| -> Vec<u8> {
        s.read_from(1)
            .unwrap()
            .into_iter()
            .map(|r| r.1[0])
            .collect()
    };
    let s = FileStorage::open(&dir).unwrap();
    assert_eq!(records(&s), vec![1, 2, 3, 4, 5]);
    assert!(!dir.join("log.old").exists());
    drop(s);
    // As if the crash came after the joined log was written but before log.old went.
    std::fs::write(dir.join("log.old"), &old).unwrap();
    let mut s = FileStorage::open(&dir).unwrap();
    assert_eq!(records(&s), vec![1, 2, 3, 4, 5]);
    assert_eq!(s.last_lsn(), 5);
    s.append(&[6; 8]).unwrap();
    s.sync().unwrap();
    drop(s);
    let s = FileStorage::open(&dir).unwrap();
    assert_eq!(records(&s), vec![1, 2, 3, 4, 5, 6]);
    let _ = std::fs::remove_dir_all(&dir);
}
