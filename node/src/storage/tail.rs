//! [`Tail`]: what every backend keeps in memory about its log — the records after the
//! snapshot, the encoded bytes appended since the last sync, and how far it is synced —
//! so backends differ only in where bytes go.

use super::record::encode;
use super::{Lsn, StorageError, MAX_RECORD_BYTES};

/// The in-memory side of a log.
#[derive(Clone, Debug, Default)]
pub struct Tail {
    records: Vec<(Lsn, Vec<u8>)>,
    pending: Vec<u8>,
    synced: Lsn,
    base: Lsn,
}

impl Tail {
    /// The tail of a recovered log: `records` as read back, `base` the snapshot's lsn.
    pub fn recovered(records: Vec<(Lsn, Vec<u8>)>, base: Lsn) -> Tail {
        let records: Vec<(Lsn, Vec<u8>)> = records.into_iter().filter(|(l, _)| *l > base).collect();
        let synced = records.last().map_or(base, |r| r.0);
        Tail {
            records,
            pending: Vec::new(),
            synced,
            base,
        }
    }

    /// Appends a record (encoded into the pending bytes); returns its lsn.
    pub fn append(&mut self, payload: &[u8]) -> Result<Lsn, StorageError> {
        if payload.len() > MAX_RECORD_BYTES {
            return Err(StorageError::TooLarge(payload.len()));
        }
        let lsn = self.last_lsn() + 1;
        encode(&mut self.pending, lsn, payload);
        self.records.push((lsn, payload.to_vec()));
        Ok(lsn)
    }

    /// The bytes appended since the last sync.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Records that the pending bytes reached the disk durably.
    pub fn mark_synced(&mut self) {
        let upto = self.mark_written();
        self.mark_synced_to(upto);
    }

    /// Records that the pending bytes were written (not yet synced); returns the last
    /// record they hold.
    pub fn mark_written(&mut self) -> Lsn {
        self.pending.clear();
        self.last_lsn()
    }

    /// Records that every record up to `upto` is durable.
    pub fn mark_synced_to(&mut self, upto: Lsn) {
        self.synced = self.synced.max(upto.min(self.last_lsn()));
    }

    /// The last record appended.
    pub fn last_lsn(&self) -> Lsn {
        self.records.last().map_or(self.base, |r| r.0)
    }

    /// The last record synced.
    pub fn synced_lsn(&self) -> Lsn {
        self.synced
    }

    /// The records from `from` on.
    pub fn read_from(&self, from: Lsn) -> Vec<(Lsn, Vec<u8>)> {
        self.records
            .iter()
            .filter(|(l, _)| *l >= from)
            .cloned()
            .collect()
    }

    /// Checks that a snapshot at `lsn` covers only synced records.
    pub fn check_snapshot(&self, lsn: Lsn) -> Result<(), StorageError> {
        if lsn > self.synced {
            return Err(StorageError::NotSynced {
                lsn,
                synced: self.synced,
            });
        }
        Ok(())
    }

    /// Drops the records a snapshot at `lsn` covers; returns the encoding of the synced
    /// records that remain, for rewriting the durable log.
    pub fn cover(&mut self, lsn: Lsn) -> Vec<u8> {
        self.forget_through(lsn);
        let mut kept = Vec::new();
        for (l, p) in self.records.iter().filter(|(l, _)| *l <= self.synced) {
            encode(&mut kept, *l, p);
        }
        kept
    }

    /// Drops the records a snapshot at `lsn` covers from memory.
    pub fn forget_through(&mut self, lsn: Lsn) {
        self.base = self.base.max(lsn);
        self.records.retain(|(l, _)| *l > lsn);
    }
}
