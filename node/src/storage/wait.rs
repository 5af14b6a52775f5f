//! [`SyncWait`]: the disk's half of a group commit, split off so that whoever holds the
//! storage can let go of it while the disk works (see [`Storage::start_sync`]).
//!
//! [`Storage::start_sync`]: super::Storage::start_sync

use super::{Lsn, StorageError};
use std::fs::File;
use std::sync::Arc;

/// What is left of a sync once its bytes are written: nothing (the backend finished it),
/// or an `fdatasync` of the log file. Either way, waiting makes durable every record up to
/// [`SyncWait::upto`].
#[derive(Debug)]
pub struct SyncWait {
    upto: Lsn,
    file: Option<Arc<File>>,
}

impl SyncWait {
    /// A sync already finished: records up to `upto` are durable.
    pub fn done(upto: Lsn) -> SyncWait {
        SyncWait { upto, file: None }
    }

    /// A sync that needs `file`'s data flushed to the disk.
    pub fn fsync(file: Arc<File>, upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            file: Some(file),
        }
    }

    /// Whether waiting would not block (nothing is left for the disk to do).
    pub fn is_done(&self) -> bool {
        self.file.is_none()
    }

    /// The last record this sync makes durable.
    pub fn upto(&self) -> Lsn {
        self.upto
    }

    /// Waits for the disk (blocking); then records up to the returned lsn are durable.
    pub fn wait(self) -> Result<Lsn, StorageError> {
        if let Some(file) = &self.file {
            file.sync_data()?;
        }
        Ok(self.upto)
    }
}
