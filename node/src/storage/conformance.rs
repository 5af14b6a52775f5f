//! The conformance suite every [`Storage`] backend must pass: the same checks for files
//! (on the real and on a simulated file system) and memory. A backend says how to crash it.

use super::{Lsn, Storage, StorageError};

/// A backend under test: a [`Storage`] that can crash.
pub trait Backend: Storage + Sized {
    /// Crashes and restarts: unsynced records are lost, except that the first `torn`
    /// bytes of them may reach the disk (a write cut short). Then recovers.
    fn crash(self, torn: usize) -> Self;
    /// Appends garbage to the durable log (a damaged disk), then recovers.
    fn damage(self, garbage: &[u8]) -> Self;
}

fn payloads(s: &impl Storage) -> Vec<Vec<u8>> {
    s.read_from(0)
        .expect("read")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

fn lsns(s: &impl Storage) -> Vec<Lsn> {
    s.read_from(0).expect("read").iter().map(|r| r.0).collect()
}

fn rec(i: u64) -> Vec<u8> {
    format!("record {i} {}", "x".repeat((i % 7) as usize * 13)).into_bytes()
}

/// Runs every check on fresh backends from `fresh`.
pub fn run_all<B: Backend>(fresh: &dyn Fn() -> B) {
    appends_read_back_in_order(fresh());
    synced_records_survive_a_crash_unsynced_do_not(fresh());
    torn_tails_are_cut_and_appends_continue(fresh());
    garbage_after_the_log_is_cut(fresh());
    snapshots_truncate_and_survive(fresh());
    refusals_change_nothing(fresh());
    group_commit_makes_a_batch_durable(fresh());
    a_split_sync_covers_what_was_appended_before_it(fresh());
    a_background_snapshot_lets_the_log_go_on(fresh());
    a_crash_during_a_background_snapshot_loses_nothing(fresh());
}

/// A snapshot begun, written while records go on, then finished drops exactly the
/// records it covers; the later ones and the snapshot survive a crash.
pub fn a_background_snapshot_lets_the_log_go_on<B: Backend>(mut s: B) {
    for i in 1..=4 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    let write = snapshot_4_amid_5_and_6(&mut s);
    s.finish_snapshot(write).unwrap();
    assert_eq!(lsns(&s), vec![5, 6]);
    s.append(&rec(7)).unwrap();
    let s = s.crash(0);
    assert_eq!(
        s.load_snapshot().unwrap(),
        Some((4, b"state after 4".to_vec()))
    );
    assert_eq!(payloads(&s), (5..=6).map(rec).collect::<Vec<_>>());
}

/// Begins a snapshot after record 4, logs and syncs record 5, writes the snapshot, logs
/// and syncs record 6: the snapshot, written, not finished.
fn snapshot_4_amid_5_and_6<B: Backend>(s: &mut B) -> super::SnapshotWrite {
    let mut write = s.start_snapshot(4).unwrap();
    s.append(&rec(5)).unwrap();
    s.sync().unwrap();
    write.write(b"state after 4".to_vec()).unwrap();
    s.append(&rec(6)).unwrap();
    s.sync().unwrap();
    write
}

/// A crash before a background snapshot finishes (written or not) keeps every synced
/// record after whichever snapshot is on the disk, and snapshots work again after it.
pub fn a_crash_during_a_background_snapshot_loses_nothing<B: Backend>(mut s: B) {
    for i in 1..=3 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    s.save_snapshot(2, b"state after 2").unwrap();
    let _never_written = s.start_snapshot(3).unwrap();
    s.append(&rec(4)).unwrap();
    s.sync().unwrap();
    let mut s = s.crash(0);
    assert_eq!(s.load_snapshot().unwrap().map(|x| x.0), Some(2));
    assert_eq!(payloads(&s), (3..=4).map(rec).collect::<Vec<_>>());

    let _unfinished = snapshot_4_amid_5_and_6(&mut s);
    let mut s = s.crash(0);
    let at = s.load_snapshot().unwrap().map_or(0, |x| x.0);
    assert!(at == 2 || at == 4, "snapshot at {at}");
    assert_eq!(lsns(&s), (at + 1..=6).collect::<Vec<_>>());
    assert_eq!(s.last_lsn(), 6);

    let mut write = s.start_snapshot(6).unwrap();
    write.write(b"state after 6".to_vec()).unwrap();
    s.finish_snapshot(write).unwrap();
    let s = s.crash(0);
    assert_eq!(
        s.load_snapshot().unwrap(),
        Some((6, b"state after 6".to_vec()))
    );
    assert!(s.read_from(0).unwrap().is_empty());
}

/// A sync started, waited for without the storage, then finished makes durable exactly
/// the records appended before it started; one appended meanwhile waits for the next.
pub fn a_split_sync_covers_what_was_appended_before_it<B: Backend>(mut s: B) {
    for i in 1..=3 {
        s.append(&rec(i)).unwrap();
    }
    let wait = s.start_sync().unwrap();
    assert_eq!(wait.upto(), 3);
    s.append(&rec(4)).unwrap();
    let upto = wait.wait().unwrap();
    s.finish_sync(upto);
    assert_eq!((s.synced_lsn(), s.last_lsn()), (3, 4));
    let mut s = s.crash(0);
    assert_eq!(
        lsns(&s),
        vec![1, 2, 3],
        "the record after the sync's start is not durable"
    );
    s.append(&rec(4)).unwrap();
    let upto = s.start_sync().unwrap().wait().unwrap();
    s.finish_sync(upto);
    let s = s.crash(0);
    assert_eq!(payloads(&s), (1..=4).map(rec).collect::<Vec<_>>());
}

/// Records come back in order with lsns 1, 2, 3...
pub fn appends_read_back_in_order<B: Backend>(mut s: B) {
    for i in 1..=10 {
        assert_eq!(s.append(&rec(i)).unwrap(), i);
    }
    s.sync().unwrap();
    assert_eq!(s.last_lsn(), 10);
    assert_eq!(s.synced_lsn(), 10);
    assert_eq!(payloads(&s), (1..=10).map(rec).collect::<Vec<_>>());
    assert_eq!(
        s.read_from(8)
            .unwrap()
            .iter()
            .map(|r| r.0)
            .collect::<Vec<Lsn>>(),
        vec![8, 9, 10]
    );
}

/// A crash keeps exactly the synced records (an unsynced write is lost whole) and the
/// next append takes the next lsn.
pub fn synced_records_survive_a_crash_unsynced_do_not<B: Backend>(mut s: B) {
    for i in 1..=5 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    for i in 6..=8 {
        s.append(&rec(i)).unwrap();
    }
    let mut s = s.crash(0);
    assert_eq!(payloads(&s), (1..=5).map(rec).collect::<Vec<_>>());
    assert_eq!(s.append(&rec(6)).unwrap(), 6);
    s.sync().unwrap();
    let s = s.crash(0);
    assert_eq!(s.last_lsn(), 6);
}

/// A write torn anywhere is cut at the last whole record; later appends survive.
pub fn torn_tails_are_cut_and_appends_continue<B: Backend>(mut s: B) {
    s.append(&rec(1)).unwrap();
    s.sync().unwrap();
    s.append(&rec(2)).unwrap();
    s.append(&rec(3)).unwrap();
    // Tear inside the second unsynced record: record 2 may survive whole, 3 may not.
    let mut s = s.crash(rec(2).len() + 16 + 5);
    let kept = payloads(&s);
    assert!(
        kept == vec![rec(1)] || kept == vec![rec(1), rec(2)],
        "kept {} records",
        kept.len()
    );
    let next = s.append(&rec(9)).unwrap();
    assert_eq!(next, kept.len() as Lsn + 1);
    s.sync().unwrap();
    let s = s.crash(0);
    assert_eq!(payloads(&s).last(), Some(&rec(9)));
}

/// Garbage (a corrupt sector) after the last record is cut.
pub fn garbage_after_the_log_is_cut<B: Backend>(mut s: B) {
    for i in 1..=3 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    let mut s = s.damage(&[
        0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    ]);
    assert_eq!(payloads(&s), (1..=3).map(rec).collect::<Vec<_>>());
    assert_eq!(s.append(&rec(4)).unwrap(), 4);
    s.sync().unwrap();
    assert_eq!(payloads(&s.crash(0)).len(), 4);
}

/// A snapshot drops the records it covers; both survive a crash; lsns go on.
pub fn snapshots_truncate_and_survive<B: Backend>(mut s: B) {
    for i in 1..=6 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    s.save_snapshot(4, b"state after 4").unwrap();
    assert_eq!(lsns(&s), vec![5, 6]);
    s.append(&rec(7)).unwrap();
    let mut s = s.crash(0);
    assert_eq!(
        s.load_snapshot().unwrap(),
        Some((4, b"state after 4".to_vec()))
    );
    assert_eq!(lsns(&s), vec![5, 6]);
    assert_eq!(s.append(&rec(7)).unwrap(), 7);
    s.sync().unwrap();
    s.save_snapshot(7, b"state after 7").unwrap();
    let mut s = s.crash(0);
    assert!(s.read_from(0).unwrap().is_empty());
    assert_eq!(s.append(&rec(8)).unwrap(), 8);
}

/// An oversized record and a snapshot past the synced records are refused and change
/// nothing.
pub fn refusals_change_nothing<B: Backend>(mut s: B) {
    s.append(&rec(1)).unwrap();
    s.sync().unwrap();
    s.append(&rec(2)).unwrap();
    assert!(matches!(
        s.append(&vec![0u8; super::MAX_RECORD_BYTES + 1]),
        Err(StorageError::TooLarge(_))
    ));
    assert!(matches!(
        s.save_snapshot(2, b"x"),
        Err(StorageError::NotSynced { .. })
    ));
    assert_eq!(s.last_lsn(), 2);
    s.sync().unwrap();
    assert_eq!(payloads(&s.crash(0)), vec![rec(1), rec(2)]);
}

/// One sync makes a whole batch durable.
pub fn group_commit_makes_a_batch_durable<B: Backend>(mut s: B) {
    for i in 1..=500 {
        s.append(&rec(i)).unwrap();
    }
    s.sync().unwrap();
    let s = s.crash(0);
    assert_eq!(s.last_lsn(), 500);
    assert_eq!(payloads(&s)[499], rec(500));
}

impl Backend for super::MemoryStorage {
    fn crash(mut self, torn: usize) -> Self {
        super::MemoryStorage::crash(&mut self, torn);
        self
    }
    fn damage(mut self, garbage: &[u8]) -> Self {
        self.damage_tail(garbage);
        self
    }
}

impl Backend for super::FileStorage {
    fn crash(self, torn: usize) -> Self {
        let (dir, end) = (self.dir().to_path_buf(), self.end());
        let torn_bytes = self.unsynced_bytes()[..torn.min(self.unsynced_bytes().len())].to_vec();
        drop(self);
        write_raw(&dir, end, &torn_bytes);
        super::FileStorage::open(&dir).expect("reopen")
    }
    fn damage(self, garbage: &[u8]) -> Self {
        let (dir, end) = (self.dir().to_path_buf(), self.end());
        drop(self);
        write_raw(&dir, end, garbage);
        super::FileStorage::open(&dir).expect("reopen")
    }
}

impl Backend for super::FileStorage<super::SimFs> {
    fn crash(self, torn: usize) -> Self {
        let torn_bytes = self.unsynced_bytes()[..torn.min(self.unsynced_bytes().len())].to_vec();
        self.damage(&torn_bytes)
    }
    fn damage(self, garbage: &[u8]) -> Self {
        use super::{Fs, FsFile};
        let (fs, dir, end) = (self.fs().clone(), self.dir().to_path_buf(), self.end());
        drop(self);
        // The bytes reach the platter; then the machine dies and comes back.
        let log = fs.open(&dir.join("log")).expect("log");
        log.write_at(garbage, end).expect("write");
        log.sync_all().expect("sync");
        fs.restart(0);
        super::FileStorage::open_on(fs, &dir).expect("reopen")
    }
}

/// Writes `bytes` into the log at `at` (its end: over the preallocated zeros).
fn write_raw(dir: &std::path::Path, at: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("log"))
        .expect("log");
    f.write_all_at(bytes, at).expect("write");
}
