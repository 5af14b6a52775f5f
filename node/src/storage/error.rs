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
    /// A snapshot file that fails its checksum (the previous one is kept).
    #[error("snapshot is corrupt: {0}")]
    CorruptSnapshot(String),
}
