//! [`FileStorage`]: a directory holding `log` (records, appended and fsync'd in groups) and
//! `snapshot` (written to a temporary file, fsync'd, renamed over the old one, directory
//! fsync'd). Opening recovers: it loads the snapshot, reads the log's valid prefix and cuts
//! any torn or corrupt tail off the file.

use super::record::{decode_prefix, encode, HEADER};
use super::{Lsn, Storage, StorageError, MAX_RECORD_BYTES};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A log and a snapshot in a directory.
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    log: File,
    pending: Vec<u8>,
    records: Vec<(Lsn, Vec<u8>)>,
    synced: Lsn,
    snapshot_lsn: Lsn,
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
        let records: Vec<(Lsn, Vec<u8>)> = records
            .into_iter()
            .filter(|(l, _)| *l > snapshot_lsn)
            .collect();
        let synced = records.last().map_or(snapshot_lsn, |r| r.0);
        Ok(FileStorage {
            dir: dir.to_path_buf(),
            log,
            pending: Vec::new(),
            records,
            synced,
            snapshot_lsn,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The encoded records appended since the last sync (what a crash would lose).
    pub fn unsynced_bytes(&self) -> &[u8] {
        &self.pending
    }
}

impl Storage for FileStorage {
    fn append(&mut self, payload: &[u8]) -> Result<Lsn, StorageError> {
        if payload.len() > MAX_RECORD_BYTES {
            return Err(StorageError::TooLarge(payload.len()));
        }
        let lsn = self.last_lsn() + 1;
        encode(&mut self.pending, lsn, payload);
        self.records.push((lsn, payload.to_vec()));
        Ok(lsn)
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        if !self.pending.is_empty() {
            self.log.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.log.sync_data()?;
        self.synced = self.last_lsn();
        Ok(())
    }

    fn last_lsn(&self) -> Lsn {
        self.records.last().map_or(self.snapshot_lsn, |r| r.0)
    }

    fn synced_lsn(&self) -> Lsn {
        self.synced
    }

    fn read_from(&self, from: Lsn) -> Result<Vec<(Lsn, Vec<u8>)>, StorageError> {
        Ok(self
            .records
            .iter()
            .filter(|(l, _)| *l >= from)
            .cloned()
            .collect())
    }

    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError> {
        if lsn > self.synced {
            return Err(StorageError::NotSynced {
                lsn,
                synced: self.synced,
            });
        }
        let mut bytes = Vec::with_capacity(HEADER + state.len());
        encode(&mut bytes, lsn, state);
        let tmp = self.dir.join("snapshot.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, self.dir.join("snapshot"))?;
        sync_dir(&self.dir)?;
        self.snapshot_lsn = lsn;
        // Rewrite the log without the covered records, the same way.
        self.records.retain(|(l, _)| *l > lsn);
        let mut kept = Vec::new();
        for (l, p) in &self.records {
            if *l <= self.synced {
                encode(&mut kept, *l, p);
            }
        }
        let tmp = self.dir.join("log.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&kept)?;
        f.sync_all()?;
        fs::rename(&tmp, self.dir.join("log"))?;
        sync_dir(&self.dir)?;
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
