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
