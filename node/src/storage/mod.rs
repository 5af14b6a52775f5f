//! Durable storage of an office's log: a write-ahead log of checksummed records, fsync'd in
//! groups, with snapshots and truncation, behind the [`Storage`] trait so that the real
//! node (files) and the simulator (the same files on a simulated file system that loses
//! unsynced writes) run the same code, and tests may use memory. A replica group can later use this log as its Raft log.
//!
//! Read in this order:
//! - [`record`]: the on-disk record format and how a torn or corrupt tail is found.
//! - [`error`]: [`StorageError`], the one error type.
//! - [`tail`]: [`tail::Tail`], the in-memory side every backend shares.
//! - [`memory`]: [`MemoryStorage`], with crash semantics (unsynced records are lost).
//! - [`fs`]: [`Fs`], the file-system calls the file backend makes ([`RealFs`]).
//! - [`file`]: [`FileStorage`], a log file plus a snapshot file in a directory.
//! - [`simfs`]: [`SimFs`], a file system in memory that crashes at any call, under
//!   the same [`FileStorage`].
//! - [`wait`]: [`SyncWait`], a sync's wait for the disk, run without holding the storage.
//! - [`snapshot`]: [`SnapshotWrite`], a snapshot written without holding the storage.
//! - [`conformance`]: the suite every backend must pass.
//!
//! Contract: `append` buffers, `sync` makes everything appended so far durable (one fsync
//! for the whole group), and only synced records survive a crash. Recovery reads records
//! in order and stops at the first that is short, fails its checksum or is out of
//! sequence, and cuts the log there: nothing synced is ever lost, nothing half-written is
//! ever read.

pub mod conformance;
pub mod error;
pub mod file;
pub mod fs;
pub mod memory;
pub mod record;
pub mod simfs;
pub mod snapshot;
pub mod tail;
pub mod wait;

pub use error::StorageError;
pub use file::{FileStorage, PREALLOCATE};
pub use fs::{Fs, FsFile, RealFs};
pub use memory::MemoryStorage;
pub use simfs::{Latency, SimFs};
pub use snapshot::SnapshotWrite;
pub use wait::SyncWait;

/// A log sequence number: the position of a record, counting from 1.
pub type Lsn = u64;

/// The most bytes one record may hold.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Where an office keeps its log and its snapshot. A backend says where bytes go
/// (`sync`, snapshots) and hands over its [`tail::Tail`]; appending and reading are the
/// same for every backend and provided here.
pub trait Storage {
    /// The in-memory side of the log.
    fn tail(&self) -> &tail::Tail;
    /// The in-memory side of the log, to change.
    fn tail_mut(&mut self) -> &mut tail::Tail;
    /// Makes every record appended so far durable (the group commit).
    fn sync(&mut self) -> Result<(), StorageError>;
    /// Begins a sync of every record appended so far and returns the wait for the disk,
    /// to run without holding the storage (appending meanwhile is allowed; those records
    /// wait for the next sync); then [`Storage::finish_sync`]. The default syncs at once.
    fn start_sync(&mut self) -> Result<SyncWait, StorageError> {
        self.sync()?;
        Ok(SyncWait::done(self.last_lsn()))
    }
    /// Records that the records up to `upto` are durable (a finished [`SyncWait`]).
    fn finish_sync(&mut self, upto: Lsn) {
        self.tail_mut().mark_synced_to(upto);
    }
    /// Durably stores a snapshot of the state after record `lsn`, then drops the records
    /// up to `lsn` from the log. `lsn` must be synced.
    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError>;
    /// Begins a snapshot of the state after record `lsn`, to be written without holding
    /// the storage ([`SnapshotWrite::write`]) and then finished
    /// ([`Storage::finish_snapshot`]); appending and syncing may go on meanwhile, and a
    /// crash before the finish loses nothing. `lsn` must be synced. The default holds the
    /// bytes and stores them with [`Storage::save_snapshot`] at the finish.
    fn start_snapshot(&mut self, lsn: Lsn) -> Result<SnapshotWrite, StorageError> {
        self.tail().check_snapshot(lsn)?;
        Ok(SnapshotWrite::held(lsn))
    }
    /// Finishes a snapshot begun by [`Storage::start_snapshot`] and written: drops the
    /// records it covers from the log.
    fn finish_snapshot(&mut self, mut write: SnapshotWrite) -> Result<(), StorageError> {
        match write.take_held() {
            Some(bytes) => self.save_snapshot(write.lsn(), &bytes),
            None => Err(StorageError::SnapshotNotWritten(write.lsn())),
        }
    }
    /// The last snapshot, if any: the record it covers up to, and its bytes.
    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError>;

    /// Appends a record after the last one; it is durable only after [`Storage::sync`].
    fn append(&mut self, payload: &[u8]) -> Result<Lsn, StorageError> {
        self.tail_mut().append(payload)
    }
    /// The last record appended (synced or not); 0 when empty.
    fn last_lsn(&self) -> Lsn {
        self.tail().last_lsn()
    }
    /// The last record known durable; 0 when none.
    fn synced_lsn(&self) -> Lsn {
        self.tail().synced_lsn()
    }
    /// The records from `from` on (those not truncated away), in order.
    fn read_from(&self, from: Lsn) -> Result<Vec<(Lsn, Vec<u8>)>, StorageError> {
        Ok(self.tail().read_from(from))
    }
}
