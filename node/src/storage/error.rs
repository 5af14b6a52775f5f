//! [`StorageError`]: what went wrong with the disk, in words that say whether to retry.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The operating system refused a read, write or sync.
    #[error("storage I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// A record larger than [`super::MAX_RECORD_BYTES`].
    #[error("record of {0} bytes is larger than the limit")]
    TooLarge(usize),
    /// A snapshot asked for a record that is not synced.
    #[error("snapshot at record {lsn} but only {synced} are synced")]
    NotSynced {
        /// The snapshot's record.
        lsn: u64,
        /// The last synced record.
        synced: u64,
    },
    /// A snapshot finished before it was written.
    #[error("snapshot at record {0} was never written")]
    SnapshotNotWritten(u64),
    /// A snapshot begun while another is still being written.
    #[error("a snapshot is still being written; another must wait for it")]
    SnapshotInProgress,
    /// A snapshot written in the background must cover every record logged so far.
    #[error("a background snapshot at record {lsn} must cover the whole log ({last} records, all synced)")]
    SnapshotBehind {
        /// The snapshot's record.
        lsn: u64,
        /// The last record logged.
        last: u64,
    },
    /// A snapshot file that fails its checksum (the previous one is kept).
    #[error("snapshot is corrupt: {0}")]
    CorruptSnapshot(String),
}
