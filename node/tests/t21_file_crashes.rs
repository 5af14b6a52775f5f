//! The file backend itself (`FileStorage`: preallocation, group commit, background
//! snapshots with log rotation, the join on recovery, torn tails) on a simulated file
//! system that crashes at every call that changes something, in turn: mid-write,
//! mid-sync, mid-rotation, mid-snapshot, and again mid-recovery. After each crash the
//! storage must open, and hold every record and snapshot it acknowledged, in order.

use node::storage::{FileStorage, SimFs, Storage};
use std::path::Path;

fn payload(lsn: u64) -> Vec<u8> {
    format!("record {lsn} {}", "x".repeat((lsn % 5) as usize * 40)).into_bytes()
}

fn state(lsn: u64) -> Vec<u8> {
    format!("the state after record {lsn}").into_bytes()
}

/// What the storage acknowledged before the crash.
#[derive(Debug, Default)]
struct Acked {
    /// Records synced (an `Ok` from the sync).
    synced: u64,
    /// The last snapshot finished.
    snapshot: u64,
}

fn open(fs: &SimFs) -> Result<FileStorage<SimFs>, node::storage::StorageError> {
    Ok(FileStorage::open_on(fs.clone(), Path::new("/office"))?.growing_by(512))
}

/// Appends records `from..=to` and syncs them.
fn logged(
    s: &mut FileStorage<SimFs>,
    acked: &mut Acked,
    from: u64,
    to: u64,
) -> Result<(), node::storage::StorageError> {
    for lsn in from..=to {
        assert_eq!(s.append(&payload(lsn))?, lsn);
    }
    s.sync()?;
    acked.synced = to;
    Ok(())
}

/// A node's life on the storage: group commits growing the log several times, a
/// snapshot written in the background while records go on, a second one, and one
/// stored in place. Stops at the first error (the crash).
fn life(fs: &SimFs, acked: &mut Acked) -> Result<(), node::storage::StorageError> {
    let mut s = open(fs)?;
    logged(&mut s, acked, 1, 3)?;
    logged(&mut s, acked, 4, 6)?;
    let mut write = s.start_snapshot(6)?;
    logged(&mut s, acked, 7, 8)?;
    write.write(state(6))?;
    s.finish_snapshot(write)?;
    acked.snapshot = 6;
    logged(&mut s, acked, 9, 12)?;
    let mut write = s.start_snapshot(12)?;
    write.write(state(12))?;
    logged(&mut s, acked, 13, 13)?;
    s.finish_snapshot(write)?;
    acked.snapshot = 12;
    logged(&mut s, acked, 14, 15)?;
    s.save_snapshot(15, &state(15))?;
    acked.snapshot = 15;
    logged(&mut s, acked, 16, 18)?;
    Ok(())
}

/// The storage holds every record acknowledged, in order and intact, after a snapshot
/// of a state it was given, and nothing it never appended.
fn holds(s: &FileStorage<SimFs>, acked: &Acked, why: &str) {
    let snap = s.load_snapshot().unwrap();
    let base = snap.as_ref().map_or(0, |x| x.0);
    if let Some((lsn, bytes)) = &snap {
        assert_eq!(bytes, &state(*lsn), "{why}: snapshot {lsn}");
    }
    assert!(
        base >= acked.snapshot.min(acked.synced),
        "{why}: snapshot {base} lost"
    );
    let records = s.read_from(0).unwrap();
    for (i, (lsn, bytes)) in records.iter().enumerate() {
        assert_eq!(*lsn, base + 1 + i as u64, "{why}: records out of sequence");
        assert_eq!(bytes, &payload(*lsn), "{why}: record {lsn}");
    }
    let last = base + records.len() as u64;
    assert!(
        last >= acked.synced,
        "{why}: synced {} but only {last} kept",
        acked.synced
    );
    assert_eq!(s.last_lsn(), last, "{why}");
}

#[test]
fn a_crash_at_any_call_loses_nothing_acknowledged() {
    // How many calls a life makes without a crash.
    let whole = SimFs::new();
    life(&whole, &mut Acked::default()).unwrap();
    let calls = whole.calls();
    assert!(calls > 40, "only {calls} calls");
    let mut recoveries = 0;
    for at in 1..=calls {
        for torn in [0, 5, 300] {
            let fs = SimFs::new();
            fs.crash_at(at);
            let mut acked = Acked::default();
            assert!(life(&fs, &mut acked).is_err(), "call {at}: no crash");
            assert!(fs.is_down());
            fs.restart(torn);
            // The recovery itself crashes at each of its calls in turn, then runs whole.
            let mut during = 1;
            loop {
                fs.crash_at(during);
                match open(&fs) {
                    Ok(s) => {
                        fs.disarm();
                        holds(&s, &acked, &format!("crash at {at}, torn {torn}"));
                        break;
                    }
                    Err(_) => {
                        recoveries += 1;
                        fs.restart(torn);
                        during += 1;
                    }
                }
            }
            let s = open(&fs).unwrap();
            let why = format!("crash at {at}, torn {torn}, {during} recoveries");
            holds(&s, &acked, &why);
            // And the recovered storage goes on.
            let mut s = s;
            let next = s.last_lsn() + 1;
            s.append(&payload(next)).unwrap();
            s.sync().unwrap();
            let s = open(&fs).unwrap();
            assert_eq!(s.last_lsn(), next, "{why}: appending after recovery");
        }
    }
    // Some crashes hit a recovery with something to do (a rotated log to join, a torn
    // tail to cut), not only ones that find a clean directory.
    assert!(
        recoveries > calls as usize,
        "{recoveries} recoveries crashed"
    );
}

#[test]
fn the_simulated_file_system_loses_what_was_not_synced() {
    use node::storage::{Fs, FsFile};
    let fs = SimFs::new();
    let dir = Path::new("/d");
    fs.private_dir(dir).unwrap();
    let a = fs.create(&dir.join("a")).unwrap();
    a.write_at(b"synced", 0).unwrap();
    a.sync_all().unwrap();
    fs.sync_dir(dir).unwrap();
    a.write_at(b" and not", 6).unwrap();
    let b = fs.create(&dir.join("b")).unwrap();
    b.write_at(b"never named durably", 0).unwrap();
    b.sync_all().unwrap();
    fs.restart(4);
    assert_eq!(fs.read(&dir.join("a")).unwrap().unwrap(), b"synced and");
    assert_eq!(fs.read(&dir.join("b")).unwrap(), None);
    // A handle from before the restart no longer works.
    assert!(a.write_at(b"x", 0).is_err());
    // A crash armed for the next change strikes it and everything after.
    fs.crash_at(1);
    assert!(fs.rename(&dir.join("a"), &dir.join("c")).is_err());
    assert!(fs.read(&dir.join("a")).is_err());
    fs.restart(0);
    assert!(fs.read(&dir.join("a")).unwrap().is_some());
}

#[test]
fn injected_sync_and_write_failures_act_as_a_disk_would() {
    use node::storage::{Fs, FsFile};
    let fs = SimFs::new();
    let dir = Path::new("/d");
    let f = fs.create(&dir.join("f")).unwrap();
    fs.sync_dir(dir).unwrap();
    f.write_at(b"first", 0).unwrap();
    f.sync_all().unwrap();
    // A failed sync whose pages were dropped: the bytes are gone even before a crash.
    f.write_at(b" second", 5).unwrap();
    fs.fail_next_sync(false);
    assert!(f.sync_all().is_err());
    assert_eq!(f.read_all().unwrap(), b"first");
    // A failed sync whose bytes reached the platter anyway: they survive a crash.
    f.write_at(b" third", 5).unwrap();
    fs.fail_next_sync(true);
    assert!(f.sync_all().is_err());
    fs.restart(0);
    let f = fs.open(&dir.join("f")).unwrap();
    assert_eq!(f.read_all().unwrap(), b"first third");
    // A failed write leaves half of it, which a crash keeps only if torn that far.
    fs.fail_next_write();
    assert!(f.write_at(b" fourth!", 11).is_err());
    assert_eq!(f.read_all().unwrap(), b"first third fou");
    fs.restart(2);
    assert_eq!(fs.read(&dir.join("f")).unwrap().unwrap(), b"first third f");
    // Syncs of a file system with latency are waited out before they are made.
    let slow = SimFs::with_latency(
        node::storage::Latency {
            min: std::time::Duration::from_millis(1),
            max: std::time::Duration::from_millis(20),
            stall_one_in: 0,
            stall: std::time::Duration::ZERO,
        },
        7,
    );
    let delay = slow.sync_delay().unwrap();
    assert!(
        delay >= std::time::Duration::from_millis(1)
            && delay <= std::time::Duration::from_millis(20)
    );
    assert_eq!(SimFs::new().sync_delay(), None);
}
