//! The storage conformance suite, run against every backend.

use node::storage::conformance::run_all;
use node::storage::{Disk, FileStorage, MemoryStorage};
use std::sync::atomic::{AtomicU64, Ordering};

#[test]
fn memory_storage_conforms() {
    run_all(&MemoryStorage::new);
}

#[test]
fn simulated_disk_storage_conforms() {
    run_all(&|| Disk::new().open());
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
