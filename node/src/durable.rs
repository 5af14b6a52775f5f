//! [`DurableOffice`]: an office's state machine behind its write-ahead log. Commands are
//! logged and synced (one fsync per batch: group commit) before they are applied, so an
//! outcome is only ever returned for a command that is durable; on restart the snapshot is
//! loaded and the log after it replayed through the same deterministic `apply`, which
//! rebuilds exactly the state that was acknowledged. Snapshots are taken all at once
//! ([`DurableOffice::snapshot`]) or begun, written elsewhere and finished
//! ([`DurableOffice::begin_snapshot`]), so a node need not stop while one is written.

use crate::storage::{Lsn, SnapshotWrite, Storage, StorageError, SyncWait};
use engine::ids::OfficeId;
use engine::state::{Command, OfficeState, Outcome};

/// Why a durable office could not open or go on.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The disk failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A logged record or the snapshot does not decode (a bug or a foreign file).
    #[error("record {lsn} does not decode: {why}")]
    Decode {
        /// Which record (0 for the snapshot).
        lsn: Lsn,
        /// The decoder's complaint.
        why: String,
    },
}

/// How many log records a durable office lets accumulate before it snapshots its state
/// and truncates the log (bounding both the log file and the records kept in memory).
pub const SNAPSHOT_EVERY: u64 = 50_000;

/// An office's state, kept durable by its storage.
pub struct DurableOffice<S: Storage> {
    state: OfficeState,
    storage: S,
    applied: Lsn,
    snapshot_lsn: Lsn,
    snapshot_every: u64,
    /// Whether a snapshot begun by [`DurableOffice::begin_snapshot`] is not finished.
    snapshotting: bool,
}

impl<S: Storage> DurableOffice<S> {
    /// Opens the office from its storage: the snapshot, then every logged command after it.
    pub fn open(office: OfficeId, storage: S) -> Result<DurableOffice<S>, DurableError> {
        let (mut state, snapshot_lsn) = match storage.load_snapshot()? {
            Some((lsn, bytes)) => {
                let state = crate::encoding::decode(&bytes)
                    .map_err(|why| DurableError::Decode { lsn: 0, why })?;
                (state, lsn)
            }
            None => (OfficeState::new(office), 0),
        };
        let mut applied = snapshot_lsn;
        for (lsn, bytes) in storage.read_from(applied + 1)? {
            let cmd: Command =
                crate::encoding::decode(&bytes).map_err(|why| DurableError::Decode { lsn, why })?;
            state.apply(&cmd);
            applied = lsn;
        }
        Ok(DurableOffice {
            state,
            storage,
            applied,
            snapshot_lsn,
            snapshot_every: SNAPSHOT_EVERY,
            snapshotting: false,
        })
    }

    /// Logs a batch of commands, syncs once, then applies them in order; the outcomes are
    /// those of durable commands only.
    pub fn submit(&mut self, batch: &[Command]) -> Result<Vec<Outcome>, DurableError> {
        self.submit_with(batch, true)
    }

    /// [`DurableOffice::submit`], with the sync left to the next batch that syncs when
    /// `sync` is false: for commands whose loss in a crash is repaired by redoing them
    /// (an outbox `Done`; a participant's commit or abort, which it asks its coordinator
    /// about again). The log is sequential, so a later sync makes them durable too.
    pub fn submit_with(
        &mut self,
        batch: &[Command],
        sync: bool,
    ) -> Result<Vec<Outcome>, DurableError> {
        let synced = match self.log_batch(batch, sync)? {
            Some(wait) => Some(wait.wait()?),
            None => None,
        };
        let outcomes = self.apply_batch(batch, synced)?;
        if self.snapshot_due() {
            self.snapshot()?;
        }
        Ok(outcomes)
    }

    /// The first half of [`DurableOffice::submit_with`], for a caller that lets go of the
    /// office while the disk works: logs `batch` and, with `sync`, starts the log's sync.
    /// Wait for it, then call [`DurableOffice::apply_batch`] with the same batch before
    /// logging anything else.
    pub fn log_batch(
        &mut self,
        batch: &[Command],
        sync: bool,
    ) -> Result<Option<SyncWait>, DurableError> {
        for cmd in batch {
            let bytes = crate::encoding::encode(cmd).map_err(|why| DurableError::Decode {
                lsn: self.storage.last_lsn() + 1,
                why,
            })?;
            self.storage.append(&bytes)?;
        }
        Ok(if sync {
            Some(self.storage.start_sync()?)
        } else {
            None
        })
    }

    /// The second half: records the sync finished (through `synced`, what the wait
    /// returned) and applies the batch; the outcomes are those of durable commands.
    pub fn apply_batch(
        &mut self,
        batch: &[Command],
        synced: Option<Lsn>,
    ) -> Result<Vec<Outcome>, DurableError> {
        if let Some(upto) = synced {
            self.storage.finish_sync(upto);
        }
        let outcomes = batch.iter().map(|c| self.state.apply(c)).collect();
        self.applied = self.storage.last_lsn();
        Ok(outcomes)
    }

    /// Whether [`SNAPSHOT_EVERY`] records have been logged since the last snapshot and
    /// none is being written.
    pub fn snapshot_due(&self) -> bool {
        !self.snapshotting && self.applied - self.snapshot_lsn >= self.snapshot_every
    }

    /// Writes a snapshot of the state and drops the log it covers, all at once.
    pub fn snapshot(&mut self) -> Result<(), DurableError> {
        if self.snapshotting {
            return Err(StorageError::SnapshotInProgress.into());
        }
        // The state includes records not synced yet: they must be durable first.
        self.storage.sync()?;
        let mut write = self.storage.start_snapshot(self.applied)?;
        write_snapshot(&mut write, &self.state)?;
        self.finish_snapshot(write)
    }

    /// When a snapshot is due and everything applied is synced: begins one and returns it
    /// with a copy of the state, to be written without holding the office
    /// ([`write_snapshot`]) and then finished ([`DurableOffice::finish_snapshot`]); the
    /// office goes on logging and applying meanwhile.
    pub fn begin_snapshot(&mut self) -> Result<Option<(SnapshotWrite, OfficeState)>, DurableError> {
        if !self.snapshot_due() || !self.applied_synced() {
            return Ok(None);
        }
        let write = self.storage.start_snapshot(self.applied)?;
        self.snapshotting = true;
        Ok(Some((write, self.state.clone())))
    }

    /// Finishes a snapshot that was written: the log it covers goes.
    pub fn finish_snapshot(&mut self, write: SnapshotWrite) -> Result<(), DurableError> {
        let lsn = write.lsn();
        self.storage.finish_snapshot(write)?;
        self.snapshot_lsn = lsn;
        self.snapshotting = false;
        Ok(())
    }

    /// Registers every person and room the directory places in this office (idempotent:
    /// registering twice changes nothing).
    pub fn register_directory(
        &mut self,
        dir: &engine::office::Directory,
    ) -> Result<(), DurableError> {
        let office = self.state.office().clone();
        let mine = dir
            .people
            .iter()
            .map(|(id, p)| (id, &p.office))
            .chain(dir.rooms.iter().map(|(id, r)| (id, &r.office)));
        let cmds: Vec<Command> = mine
            .filter(|(id, o)| **o == office && !self.state.owns(id))
            .map(|(id, _)| Command::Register {
                resource: id.clone(),
            })
            .collect();
        if !cmds.is_empty() {
            self.submit(&cmds)?;
        }
        let zones: std::collections::BTreeMap<_, _> = (dir.people.iter())
            .filter(|(_, p)| p.office == office)
            .filter_map(|(id, _)| Some((id.clone(), dir.zone_of(id).ok()?)))
            .collect();
        if &zones != self.state.zones() {
            self.submit(&[Command::SetZones { zones }])?;
        }
        Ok(())
    }

    /// Snapshots after every `n` log records instead of [`SNAPSHOT_EVERY`].
    pub fn set_snapshot_every(&mut self, n: u64) {
        self.snapshot_every = n.max(1);
    }

    /// The state.
    pub fn state(&self) -> &OfficeState {
        &self.state
    }

    /// Switches a planted bug of the state machine on (test-only).
    #[cfg(any(feature = "planted-bugs", debug_assertions))]
    #[doc(hidden)]
    pub fn plant(&mut self, bug: Option<engine::state::Bug>) {
        self.state.plant(bug);
    }

    /// Whether every command applied is also synced (none waits for a later sync), so
    /// whatever the state shows, its outbox included, survives a crash.
    pub fn applied_synced(&self) -> bool {
        self.storage.synced_lsn() >= self.applied
    }

    /// The last command applied.
    pub fn applied(&self) -> Lsn {
        self.applied
    }

    /// Gives the storage back (to crash it in tests and simulations).
    pub fn into_storage(self) -> S {
        self.storage
    }
}

/// Serializes `state` into a begun snapshot (blocking: files are written and synced).
pub fn write_snapshot(write: &mut SnapshotWrite, state: &OfficeState) -> Result<(), DurableError> {
    let bytes =
        crate::encoding::encode(state).map_err(|why| DurableError::Decode { lsn: 0, why })?;
    Ok(write.write(bytes)?)
}
