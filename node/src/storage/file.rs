//! [`FileStorage`]: a directory holding `log` (records, appended and fsync'd in groups) and
//! `snapshot` (written to a temporary file, fsync'd, renamed over the old one, directory
//! fsync'd). Opening recovers: it loads the snapshot, reads the log's valid prefix and cuts
//! any torn or corrupt tail off the file.

use super::record::{decode_prefix, encode, HEADER};
use super::tail::Tail;
use super::{Lsn, Storage, StorageError};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A log and a snapshot in a directory.
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    log: File,
    tail: Tail,
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
        fs::create_dir_all(dir)?;
        let snapshot = read_snapshot(&dir.join("snapshot"))?;
        let snapshot_lsn = snapshot.as_ref().map_or(0, |s| s.0);
        let mut log = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(dir.join("log"))?;
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
            log,
            tail: Tail::recovered(records, snapshot_lsn),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The encoded records appended since the last sync (what a crash would lose).
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
        self.log.write_all(self.tail.pending())?;
        self.log.sync_data()?;
        self.tail.mark_synced();
        Ok(())
    }

    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError> {
        self.tail.check_snapshot(lsn)?;
        let mut bytes = Vec::with_capacity(HEADER + state.len());
        encode(&mut bytes, lsn, state);
        write_atomically(&self.dir, "snapshot", &bytes)?;
        // Rewrite the log without the covered records, the same way.
        let kept = self.tail.cover(lsn);
        write_atomically(&self.dir, "log", &kept)?;
        self.log = OpenOptions::new()
            .read(true)
            .append(true)
            .open(self.dir.join("log"))?;
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        read_snapshot(&self.dir.join("snapshot"))
    }
}

/// Replaces `dir/name` with `bytes`: a temporary file, fsync'd, renamed over, and the
/// directory fsync'd, so a crash leaves the old file or the new one, never a mix.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StorageError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}
