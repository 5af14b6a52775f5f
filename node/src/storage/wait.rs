//! [`SyncWait`]: the disk's half of a group commit, split off so that whoever holds the
//! storage can let go of it while the disk works (see [`Storage::start_sync`]).
//!
//! [`Storage::start_sync`]: super::Storage::start_sync

use super::disk::Landing;
use super::{Lsn, StorageError};
use std::fs::File;
use std::sync::Arc;
use std::time::Duration;

/// What is left of a sync once its bytes are written: nothing (the backend finished it),
/// an `fdatasync` of the log file, or a simulated disk's landing after its delay. Either
/// way, waiting makes durable every record up to [`SyncWait::upto`].
#[derive(Debug)]
pub struct SyncWait {
    upto: Lsn,
    work: Work,
}

#[derive(Debug)]
enum Work {
    Done,
    Fsync(Arc<File>),
    Land(Landing),
}

impl SyncWait {
    /// A sync already finished: records up to `upto` are durable.
    pub fn done(upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            work: Work::Done,
        }
    }

    /// A sync that needs `file`'s data flushed to the disk.
    pub fn fsync(file: Arc<File>, upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            work: Work::Fsync(file),
        }
    }

    /// A simulated disk's sync, which lands after its delay.
    pub fn landing(landing: Landing, upto: Lsn) -> SyncWait {
        SyncWait {
            upto,
            work: Work::Land(landing),
        }
    }

    /// How long a simulated disk takes before [`SyncWait::wait`] (slept by the caller, in
    /// the simulation's time); none for a real disk, whose wait blocks instead.
    pub fn delay(&self) -> Option<Duration> {
        match &self.work {
            Work::Land(l) => Some(l.delay()),
            _ => None,
        }
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
            Work::Land(landing) => landing.land()?,
        }
        Ok(self.upto)
    }
}
