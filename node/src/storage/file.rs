//! [`FileStorage`]: a directory holding `log` (records, appended and fsync'd in groups) and
//! `snapshot` (written to a temporary file, fsync'd, renamed over the old one, directory
//! fsync'd). Opening recovers: it loads the snapshot, reads the log's valid prefix and cuts
//! any torn or corrupt tail off the file.
//!
//! A snapshot written in the background ([`Storage::start_snapshot`]) first moves the log
//! aside to `log.old` and starts a new `log`, so records go on meanwhile; finishing it
//! removes `log.old`. A crash in between leaves both logs, and opening joins them (the
//! records after whichever snapshot is on the disk), so nothing is lost either way.
//!
//! The log is preallocated: zeros are written (and the file's new size synced) ahead of
//! the records, [`PREALLOCATE`] bytes at a time, so that a group commit overwrites
//! allocated space and `fdatasync` has no file size to record (as PostgreSQL does with
//! its WAL segments; about twice as fast on this machine's ext4). Zeros end the valid
//! prefix (an all-zero header fails its checksum), and recovery cuts them with any torn
//! tail, so stale bytes never follow a record.
//!
//! Every file-system call goes through an [`Fs`]: the operating system's ([`RealFs`],
//! the default) or a simulated one that crashes at any call
//! ([`super::simfs::SimFs`]), so this same code is what crash tests exercise.

use super::fs::{Fs, FsFile, RealFs};
use super::record::{decode_prefix, encode, HEADER};
use super::snapshot::SnapshotFile;
use super::tail::Tail;
use super::{Lsn, SnapshotWrite, Storage, StorageError, SyncWait};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A log and a snapshot in a directory of a file system.
#[derive(Debug)]
pub struct FileStorage<F: Fs = RealFs> {
    fs: F,
    dir: PathBuf,
    /// Shared with the syncs in progress (see [`Storage::start_sync`]).
    log: Arc<F::File>,
    tail: Tail,
    /// Where the next record goes (the end of the valid prefix).
    end: u64,
    /// The file's length: zeros from `end` to here.
    allocated: u64,
    /// Whether a snapshot in progress left the log before it in `log.old`.
    rotated: bool,
    /// How much zeroed space the log grows by at a time.
    grow: u64,
}

/// How much zeroed space the log grows by at a time.
pub const PREALLOCATE: u64 = 4 << 20;

fn read_snapshot<F: Fs>(fs: &F, path: &Path) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
    let Some(bytes) = fs.read(path)? else {
        return Ok(None);
    };
    // A snapshot is one record: its lsn is the record it covers up to.
    let (mut records, valid) = decode_prefix(&bytes, None);
    if records.len() != 1 || valid != bytes.len() {
        return Err(StorageError::CorruptSnapshot(format!(
            "{} ({} bytes)",
            path.display(),
            bytes.len()
        )));
    }
    Ok(records.pop())
}

impl FileStorage<RealFs> {
    /// Opens (creating if needed) the storage in `dir`, recovering as described above.
    pub fn open(dir: &Path) -> Result<FileStorage, StorageError> {
        FileStorage::open_on(RealFs, dir)
    }
}

impl<F: Fs> FileStorage<F> {
    /// Opens (creating if needed) the storage in `dir` of `fs`, recovering as described
    /// above.
    pub fn open_on(fs: F, dir: &Path) -> Result<FileStorage<F>, StorageError> {
        fs.private_dir(dir)?;
        let snapshot = read_snapshot(&fs, &dir.join("snapshot"))?;
        let snapshot_lsn = snapshot.as_ref().map_or(0, |s| s.0);
        fs.remove(&dir.join("log.next"))?;
        if fs.exists(&dir.join("log.old"))? {
            merge_rotated_log(&fs, dir, snapshot_lsn)?;
        }
        let log = fs.open(&dir.join("log"))?;
        // A log just created is there after a crash only once its name is synced (the
        // simulated file system's crash tests found a fresh office losing its first
        // records without this).
        fs.sync_dir(dir)?;
        let bytes = log.read_all()?;
        let (records, valid) = decode_prefix(&bytes, None);
        if valid < bytes.len() {
            // A torn or corrupt tail: cut it, durably, before appending after it.
            log.set_len(valid as u64)?;
            log.sync_all()?;
        }
        Ok(FileStorage {
            fs,
            dir: dir.to_path_buf(),
            log: Arc::new(log),
            tail: Tail::recovered(records, snapshot_lsn),
            end: valid as u64,
            allocated: valid as u64,
            rotated: false,
            grow: PREALLOCATE,
        })
    }

    /// The same storage, growing its log `bytes` at a time instead of [`PREALLOCATE`]
    /// (crash tests, which crash at every write, use a few hundred bytes).
    pub fn growing_by(mut self, bytes: u64) -> FileStorage<F> {
        self.grow = bytes.max(1);
        self
    }

    /// Where the next record will be written.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Zero-fills the log up to at least `need` bytes and syncs its new length.
    fn preallocate(&mut self, need: u64) -> Result<(), StorageError> {
        let target = need.div_ceil(self.grow) * self.grow;
        let zeros = vec![0u8; 64 << 10];
        let mut at = self.allocated;
        while at < target {
            let n = (target - at).min(zeros.len() as u64);
            self.log.write_at(&zeros[..n as usize], at)?;
            at += n;
        }
        self.log.sync_all()?;
        self.allocated = target;
        Ok(())
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file system.
    pub fn fs(&self) -> &F {
        &self.fs
    }

    /// The encoded records appended and not yet written to the file (what a crash loses).
    pub fn unsynced_bytes(&self) -> &[u8] {
        self.tail.pending()
    }
}

impl<F: Fs> Storage for FileStorage<F> {
    fn tail(&self) -> &Tail {
        &self.tail
    }

    fn tail_mut(&mut self) -> &mut Tail {
        &mut self.tail
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        let upto = self.start_sync()?.wait()?;
        self.finish_sync(upto);
        Ok(())
    }

    /// Writes the pending records into the preallocated log; the wait is their
    /// `fdatasync`.
    fn start_sync(&mut self) -> Result<SyncWait, StorageError> {
        if crate::testfaults::take_log_failure() {
            return Err(StorageError::Io(std::io::Error::other(
                "the log write failed (a test fault)",
            )));
        }
        let len = self.tail.pending().len() as u64;
        if self.end + len > self.allocated {
            self.preallocate(self.end + len)?;
        }
        self.log.write_at(self.tail.pending(), self.end)?;
        self.end += len;
        let upto = self.tail.mark_written();
        let file: Arc<dyn FsFile> = self.log.clone();
        Ok(SyncWait::fsync(file, upto).after(self.fs.sync_delay()))
    }

    /// Moves the log to `log.old` and starts a new one, so records go on while the
    /// snapshot is written; recovery reads both until the snapshot finishes.
    fn start_snapshot(&mut self, lsn: Lsn) -> Result<SnapshotWrite, StorageError> {
        if self.rotated {
            return Err(StorageError::SnapshotInProgress);
        }
        self.tail.check_snapshot(lsn)?;
        let last = self.tail.last_lsn();
        if lsn != last || !self.tail.pending().is_empty() {
            return Err(StorageError::SnapshotBehind { lsn, last });
        }
        let (fs, dir) = (&self.fs, &self.dir);
        fs.create(&dir.join("log.next"))?;
        fs.rename(&dir.join("log"), &dir.join("log.old"))?;
        fs.rename(&dir.join("log.next"), &dir.join("log"))?;
        fs.sync_dir(dir)?;
        self.rotated = true;
        self.log = Arc::new(fs.open(&dir.join("log"))?);
        (self.end, self.allocated) = (0, 0);
        let file = SnapshotIn {
            fs: self.fs.clone(),
            dir: self.dir.clone(),
        };
        Ok(SnapshotWrite::into_file(lsn, Box::new(file)))
    }

    /// The snapshot is in place: the old log goes.
    fn finish_snapshot(&mut self, write: SnapshotWrite) -> Result<(), StorageError> {
        if !self.rotated || !write.is_written() {
            return Err(StorageError::SnapshotNotWritten(write.lsn()));
        }
        self.fs.remove(&self.dir.join("log.old"))?;
        self.rotated = false;
        self.tail.forget_through(write.lsn());
        Ok(())
    }

    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError> {
        if self.rotated {
            return Err(StorageError::SnapshotInProgress);
        }
        self.tail.check_snapshot(lsn)?;
        let mut bytes = Vec::with_capacity(HEADER + state.len());
        encode(&mut bytes, lsn, state);
        write_atomically(&self.fs, &self.dir, "snapshot", &bytes)?;
        // Rewrite the log without the covered records, the same way.
        let kept = self.tail.cover(lsn);
        write_atomically(&self.fs, &self.dir, "log", &kept)?;
        self.log = Arc::new(self.fs.open(&self.dir.join("log"))?);
        (self.end, self.allocated) = (kept.len() as u64, kept.len() as u64);
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        read_snapshot(&self.fs, &self.dir.join("snapshot"))
    }
}

/// The `snapshot` file of a storage's directory, for a snapshot written in the
/// background.
#[derive(Debug)]
struct SnapshotIn<F: Fs> {
    fs: F,
    dir: PathBuf,
}

impl<F: Fs> SnapshotFile for SnapshotIn<F> {
    fn store(&self, bytes: &[u8]) -> Result<(), StorageError> {
        write_atomically(&self.fs, &self.dir, "snapshot", bytes)
    }
}

/// Replaces `dir/name` with `bytes`: a temporary file, fsync'd, renamed over, and the
/// directory fsync'd, so a crash leaves the old file or the new one, never a mix.
fn write_atomically<F: Fs>(
    fs: &F,
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), StorageError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let f = fs.create(&tmp)?;
    f.write_at(bytes, 0)?;
    f.sync_all()?;
    fs.rename(&tmp, &dir.join(name))?;
    Ok(fs.sync_dir(dir)?)
}

/// After a crash during a snapshot: joins `log.old` and `log` into one log of the records
/// after the snapshot (written atomically), and removes `log.old`. Records are joined by
/// number, so a crash during this join (the joined `log` written, `log.old` still there)
/// is joined again to the same log.
fn merge_rotated_log<F: Fs>(fs: &F, dir: &Path, snapshot_lsn: Lsn) -> Result<(), StorageError> {
    let mut joined = std::collections::BTreeMap::new();
    for name in ["log.old", "log"] {
        let bytes = fs.read(&dir.join(name))?.unwrap_or_default();
        joined.extend(decode_prefix(&bytes, None).0);
    }
    let mut kept = Vec::new();
    let mut next = None;
    for (lsn, payload) in joined.range(snapshot_lsn + 1..) {
        if next.is_some_and(|n| n != *lsn) {
            break;
        }
        encode(&mut kept, *lsn, payload);
        next = Some(lsn + 1);
    }
    write_atomically(fs, dir, "log", &kept)?;
    fs.remove(&dir.join("log.old"))?;
    Ok(fs.sync_dir(dir)?)
}
