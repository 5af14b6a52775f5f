//! [`SyncWait`]: the disk's half of a group commit, split off so that whoever holds the
//! storage can let go of it while the disk works (see [`Storage::start_sync`]).
//!
//! [`Storage::start_sync`]: super::Storage::start_sync

use super::fs::FsFile;
use super::{Lsn, StorageError};
use std::sync::Arc;
use std::time::Duration;

/// What is left of a sync once its bytes are written: nothing (the backend finished it),
/// or an `fdatasync` of the log file (on a simulated file system, after a delay the
/// caller waits out in the simulation's time). Either way, waiting makes durable every record up to [`SyncWait::upto`].
#[derive(Debug)]
pub struct SyncWait {
    upto: Lsn,
    work: Work,
    /// Time to wait out before the work (a simulated file system's sync latency).
    before: Option<Duration>,
}

#[derive(Debug)]
enum Work {
    Done,
    Fsync(Arc<dyn FsFile>),
}

impl SyncWait {
    /// A sync already finished: records up to `upto` are durable.
    pub fn done(upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            work: Work::Done,
            before: None,
        }
    }

    /// A sync that needs `file`'s data flushed to the disk.
    pub fn fsync(file: Arc<dyn FsFile>, upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            work: Work::Fsync(file),
            before: None,
        }
    }

    /// How long a simulated file system takes before [`SyncWait::wait`] (slept by the caller, in
    /// the simulation's time); none for a real disk, whose wait blocks instead.
    pub fn delay(&self) -> Option<Duration> {
        self.before
    }

    /// The same wait, with `delay` (if any) to wait out before it (see
    /// [`SyncWait::delay`]).
    pub fn after(mut self, delay: Option<Duration>) -> SyncWait {
        self.before = delay;
        self
    }

    /// Whether waiting would not block (nothing is left for the disk to do).
    pub fn is_done(&self) -> bool {
        matches!(self.work, Work::Done)
    }

    /// The last record this sync makes durable.
    pub fn upto(&self) -> Lsn {
        self.upto
    }

    /// Waits for the disk (blocking); then records up to the returned lsn are durable.
    pub fn wait(self) -> Result<Lsn, StorageError> {
        match self.work {
            Work::Done => {}
            Work::Fsync(file) => file.sync_data()?,
        }
        Ok(self.upto)
    }
}
