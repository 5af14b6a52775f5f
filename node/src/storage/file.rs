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

use super::record::{decode_prefix, encode, HEADER};
use super::tail::Tail;
use super::{Lsn, SnapshotWrite, Storage, StorageError, SyncWait};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A log and a snapshot in a directory.
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    /// Shared with the syncs in progress (see [`Storage::start_sync`]).
    log: Arc<File>,
    tail: Tail,
    /// Where the next record goes (the end of the valid prefix).
    end: u64,
    /// The file's length: zeros from `end` to here.
    allocated: u64,
    /// Whether a snapshot in progress left the log before it in `log.old`.
    rotated: bool,
}

/// How much zeroed space the log grows by at a time.
pub const PREALLOCATE: u64 = 4 << 20;

fn open_log(path: &Path) -> Result<File, StorageError> {
    Ok(OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(PRIVATE_FILE)
        .open(path)?)
}

/// Data files are readable by the node's user only (calendars are private).
const PRIVATE_FILE: u32 = 0o600;

/// A new (empty) file readable by the node's user only.
fn create_private(path: &Path) -> Result<File, StorageError> {
    Ok(OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(PRIVATE_FILE)
        .open(path)?)
}

/// Creates `dir` if needed and makes it the node's user's only.
fn private_dir(dir: &Path) -> Result<(), StorageError> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

fn read_snapshot(path: &Path) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => f.read_to_end(&mut bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
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

impl FileStorage {
    /// Opens (creating if needed) the storage in `dir`, recovering as described above.
    pub fn open(dir: &Path) -> Result<FileStorage, StorageError> {
        private_dir(dir)?;
        let snapshot = read_snapshot(&dir.join("snapshot"))?;
        let snapshot_lsn = snapshot.as_ref().map_or(0, |s| s.0);
        remove_if_there(&dir.join("log.next"))?;
        if dir.join("log.old").exists() {
            merge_rotated_log(dir, snapshot_lsn)?;
        }
        let mut log = open_log(&dir.join("log"))?;
        let mut bytes = Vec::new();
        log.read_to_end(&mut bytes)?;
        let (records, valid) = decode_prefix(&bytes, None);
        if valid < bytes.len() {
            // A torn or corrupt tail: cut it, durably, before appending after it.
            log.set_len(valid as u64)?;
            log.sync_all()?;
        }
        Ok(FileStorage {
            dir: dir.to_path_buf(),
            log: Arc::new(log),
            tail: Tail::recovered(records, snapshot_lsn),
            end: valid as u64,
            allocated: valid as u64,
            rotated: false,
        })
    }

    /// Where the next record will be written.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Zero-fills the log up to at least `need` bytes and syncs its new length.
    fn preallocate(&mut self, need: u64) -> Result<(), StorageError> {
        let target = need.div_ceil(PREALLOCATE) * PREALLOCATE;
        let zeros = vec![0u8; 64 << 10];
        let mut at = self.allocated;
        while at < target {
            let n = (target - at).min(zeros.len() as u64);
            self.log.write_all_at(&zeros[..n as usize], at)?;
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

    /// The encoded records appended and not yet written to the file (what a crash loses).
    pub fn unsynced_bytes(&self) -> &[u8] {
        self.tail.pending()
    }
}

impl Storage for FileStorage {
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
        self.log.write_all_at(self.tail.pending(), self.end)?;
        self.end += len;
        let upto = self.tail.mark_written();
        Ok(SyncWait::fsync(self.log.clone(), upto))
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
        create_private(&self.dir.join("log.next"))?;
        fs::rename(self.dir.join("log"), self.dir.join("log.old"))?;
        fs::rename(self.dir.join("log.next"), self.dir.join("log"))?;
        sync_dir(&self.dir)?;
        self.rotated = true;
        self.log = Arc::new(open_log(&self.dir.join("log"))?);
        (self.end, self.allocated) = (0, 0);
        Ok(SnapshotWrite::into_dir(lsn, self.dir.clone()))
    }

    /// The snapshot is in place: the old log goes.
    fn finish_snapshot(&mut self, write: SnapshotWrite) -> Result<(), StorageError> {
        if !self.rotated || !write.is_written() {
            return Err(StorageError::SnapshotNotWritten(write.lsn()));
        }
        fs::remove_file(self.dir.join("log.old"))?;
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
        write_atomically(&self.dir, "snapshot", &bytes)?;
        // Rewrite the log without the covered records, the same way.
        let kept = self.tail.cover(lsn);
        write_atomically(&self.dir, "log", &kept)?;
        self.log = Arc::new(open_log(&self.dir.join("log"))?);
        (self.end, self.allocated) = (kept.len() as u64, kept.len() as u64);
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        read_snapshot(&self.dir.join("snapshot"))
    }
}

/// Replaces `dir/name` with `bytes`: a temporary file, fsync'd, renamed over, and the
/// directory fsync'd, so a crash leaves the old file or the new one, never a mix.
pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StorageError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = create_private(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

fn remove_if_there(path: &Path) -> Result<(), StorageError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// After a crash during a snapshot: joins `log.old` and `log` into one log of the records
/// after the snapshot (written atomically), and removes `log.old`. Records are joined by
/// number, so a crash during this join (the joined `log` written, `log.old` still there)
/// is joined again to the same log.
fn merge_rotated_log(dir: &Path, snapshot_lsn: Lsn) -> Result<(), StorageError> {
    let read = |name: &str| -> Result<Vec<u8>, StorageError> {
        match fs::read(dir.join(name)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            other => Ok(other?),
        }
    };
    let mut joined = std::collections::BTreeMap::new();
    for name in ["log.old", "log"] {
        joined.extend(decode_prefix(&read(name)?, None).0);
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
    write_atomically(dir, "log", &kept)?;
    fs::remove_file(dir.join("log.old"))?;
    sync_dir(dir)
}
