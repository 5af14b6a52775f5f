//! [`MemoryStorage`]: the log and snapshot in memory, with a disk's crash semantics, for
//! tests: `crash` drops every unsynced record and may tear the last write.

use super::record::decode_prefix;
use super::tail::Tail;
use super::{Lsn, Storage, StorageError};

/// An in-memory disk holding one log and one snapshot.
#[derive(Clone, Debug, Default)]
pub struct MemoryStorage {
    durable: Vec<u8>,
    tail: Tail,
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
        let pending = self.tail.pending();
        let torn = torn.min(pending.len());
        self.durable.extend_from_slice(&pending[..torn]);
        self.recover();
    }

    /// Appends raw bytes to the durable log, as a damaged disk might hold.
    pub fn damage_tail(&mut self, garbage: &[u8]) {
        self.durable.extend_from_slice(garbage);
        self.recover();
    }

    fn recover(&mut self) {
        self.tail = recover_log(&mut self.durable, self.snapshot.as_ref().map_or(0, |s| s.0));
    }
}

/// Reads the valid prefix of a log's bytes, cuts the rest off, and returns the tail of the
/// records after the snapshot at `base`.
fn recover_log(durable: &mut Vec<u8>, base: Lsn) -> Tail {
    let (records, valid) = decode_prefix(durable, None);
    durable.truncate(valid);
    Tail::recovered(records, base)
}

impl Storage for MemoryStorage {
    fn tail(&self) -> &Tail {
        &self.tail
    }

    fn tail_mut(&mut self) -> &mut Tail {
        &mut self.tail
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        self.durable.extend_from_slice(self.tail.pending());
        self.tail.mark_synced();
        Ok(())
    }

    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError> {
        self.tail.check_snapshot(lsn)?;
        self.snapshot = Some((lsn, state.to_vec()));
        self.durable = self.tail.cover(lsn);
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        Ok(self.snapshot.clone())
    }
}
