//! [`MemoryStorage`]: the log and snapshot in memory, with a disk's crash semantics, for
//! tests and (behind the simulator's fault plan) for simulated disks: `crash` drops every
//! unsynced record and may tear the last write.

use super::record::{decode_prefix, encode};
use super::{Lsn, Storage, StorageError, MAX_RECORD_BYTES};

/// An in-memory disk holding one log and one snapshot.
#[derive(Clone, Debug, Default)]
pub struct MemoryStorage {
    durable: Vec<u8>,
    pending: Vec<u8>,
    records: Vec<(Lsn, Vec<u8>)>,
    synced: Lsn,
    snapshot: Option<(Lsn, Vec<u8>)>,
}

impl MemoryStorage {
    /// An empty disk.
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// A crash and restart: unsynced records are lost, and the first `torn` bytes of them
    /// (a write cut short) stay on the disk as garbage, which recovery must cut.
    pub fn crash(&mut self, torn: usize) {
        let torn = torn.min(self.pending.len());
        self.durable.extend_from_slice(&self.pending[..torn]);
        self.pending.clear();
        self.recover();
    }

    /// Appends raw bytes to the durable log, as a damaged disk might hold.
    pub fn damage_tail(&mut self, garbage: &[u8]) {
        self.durable.extend_from_slice(garbage);
        self.recover();
    }

    fn recover(&mut self) {
        let snap = self.snapshot.as_ref().map_or(0, |s| s.0);
        let (records, valid) = decode_prefix(&self.durable, None);
        self.durable.truncate(valid);
        self.records = records.into_iter().filter(|(l, _)| *l > snap).collect();
        self.synced = self.records.last().map_or(snap, |r| r.0);
    }
}

impl Storage for MemoryStorage {
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
        self.durable.append(&mut self.pending);
        self.synced = self.last_lsn();
        Ok(())
    }

    fn last_lsn(&self) -> Lsn {
        self.records
            .last()
            .map_or(self.snapshot.as_ref().map_or(0, |s| s.0), |r| r.0)
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
        self.snapshot = Some((lsn, state.to_vec()));
        // Rewrite the durable log without the records the snapshot covers.
        let keep: Vec<(Lsn, Vec<u8>)> = decode_prefix(&self.durable, None)
            .0
            .into_iter()
            .filter(|(l, _)| *l > lsn)
            .collect();
        self.durable.clear();
        for (l, p) in &keep {
            encode(&mut self.durable, *l, p);
        }
        self.records.retain(|(l, _)| *l > lsn);
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        Ok(self.snapshot.clone())
    }
}
