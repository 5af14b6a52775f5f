//! [`SnapshotWrite`]: a snapshot written without holding the storage (see
//! [`Storage::start_snapshot`]), so that a node goes on logging while its state is
//! serialized and written.
//!
//! [`Storage::start_snapshot`]: super::Storage::start_snapshot

use super::record::{encode, HEADER};
use super::{Lsn, StorageError};

/// A snapshot of the state after record [`SnapshotWrite::lsn`], begun by
/// [`super::Storage::start_snapshot`]: [`SnapshotWrite::write`] it (blocking, with the
/// storage free), then hand it to [`super::Storage::finish_snapshot`].
#[derive(Debug)]
pub struct SnapshotWrite {
    lsn: Lsn,
    place: Place,
    written: bool,
}

/// Where the bytes go.
#[derive(Debug)]
enum Place {
    /// Kept here, for the storage to take when the snapshot finishes.
    Held(Vec<u8>),
    /// Written atomically into a file (see [`Place::Stored`]).
    Stored(Box<dyn SnapshotFile>),
}

/// Where a backend stores a snapshot's encoded bytes, atomically (a file written, synced
/// and renamed over the old one).
pub trait SnapshotFile: std::fmt::Debug + Send {
    /// Replaces the stored snapshot with `bytes`.
    fn store(&self, bytes: &[u8]) -> Result<(), StorageError>;
}

impl SnapshotWrite {
    /// A snapshot whose bytes the storage itself stores when it finishes.
    pub fn held(lsn: Lsn) -> SnapshotWrite {
        SnapshotWrite {
            lsn,
            place: Place::Held(Vec::new()),
            written: false,
        }
    }

    /// A snapshot written (encoded as one record) into `file`.
    pub fn into_file(lsn: Lsn, file: Box<dyn SnapshotFile>) -> SnapshotWrite {
        SnapshotWrite {
            lsn,
            place: Place::Stored(file),
            written: false,
        }
    }

    /// The last record the snapshot covers.
    pub fn lsn(&self) -> Lsn {
        self.lsn
    }

    /// Whether [`SnapshotWrite::write`] succeeded.
    pub fn is_written(&self) -> bool {
        self.written
    }

    /// Stores the state's bytes (blocking: for files, a temporary file, fsync'd, renamed
    /// over the old snapshot, the directory fsync'd).
    pub fn write(&mut self, state: Vec<u8>) -> Result<(), StorageError> {
        match &mut self.place {
            Place::Held(bytes) => *bytes = state,
            Place::Stored(file) => {
                let mut bytes = Vec::with_capacity(HEADER + state.len());
                encode(&mut bytes, self.lsn, &state);
                file.store(&bytes)?;
            }
        }
        self.written = true;
        Ok(())
    }

    /// The bytes of a held snapshot that was written.
    pub fn take_held(&mut self) -> Option<Vec<u8>> {
        match &mut self.place {
            Place::Held(bytes) if self.written => Some(std::mem::take(bytes)),
            _ => None,
        }
    }
}
