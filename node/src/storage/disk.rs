//! [`Disk`] and [`DiskStorage`]: a simulated disk that outlives the node using it. The
//! node gets a [`DiskStorage`] from [`Disk::open`]; whoever runs the simulation keeps the
//! [`Disk`], kills the node, and calls [`Disk::crash`]: what was synced survives, what was
//! only written is lost but for a torn prefix of it (a write cut short), which recovery
//! cuts. A storage opened before a crash can no longer write to the disk.
//! [`Disk::fail_next_sync`] makes the next sync fail, with its bytes kept or lost (after
//! a failed `fsync` the data may or may not be on the platter); [`Disk::fail_a_write`]
//! makes a later write fail halfway through its record.
//!
//! A disk may take time ([`Disk::with_latency`]): each sync then takes a seeded time
//! (now and then a stall of seconds) during which its bytes are in flight: a crash meanwhile
//! loses them (or tears them), the node goes on appending, and they land only when the
//! wait ends ([`Landing`]), as with a real `fdatasync`. Without latency a sync lands at
//! once.

use super::memory::recover_log;
use super::tail::Tail;
use super::{Lsn, Storage, StorageError, SyncWait};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a simulated disk's syncs take: uniformly between `min` and `max`, and one in
/// `stall_one_in` takes `stall` more (a disk that stops for a while).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency {
    /// The shortest sync.
    pub min: Duration,
    /// The longest sync but a stall.
    pub max: Duration,
    /// One sync in this many stalls (0: never).
    pub stall_one_in: u32,
    /// How much longer a stalled sync takes.
    pub stall: Duration,
}

impl Latency {
    /// A seeded draw of one sync's time.
    fn draw(&self, rng: &mut StdRng) -> Duration {
        let span = self.max.saturating_sub(self.min).as_micros() as u64;
        let mut d = self.min + Duration::from_micros(rng.random_range(0..=span));
        if self.stall_one_in > 0 && rng.random_range(0..self.stall_one_in) == 0 {
            d += self.stall;
        }
        d
    }
}

#[derive(Debug, Default)]
struct Platters {
    durable: Vec<u8>,
    written: Vec<u8>,
    snapshot: Option<(Lsn, Vec<u8>)>,
    generation: u64,
    /// The next sync fails; `true`: its bytes reach the platter anyway.
    fail_sync: Option<bool>,
    /// The write after this many more fails, half of its record written.
    fail_write: Option<usize>,
    /// How long syncs take, and the draws, seeded; none: syncs land at once.
    latency: Option<(Latency, StdRng)>,
    /// Bytes at the front of `written` that a sync is landing.
    in_flight: usize,
}

impl Platters {
    /// The first `n` bytes written reach the platter (or, if a failure was injected,
    /// maybe not: the sync then fails).
    fn land(&mut self, n: usize) -> Result<(), StorageError> {
        let n = n.min(self.written.len());
        let failed = self.fail_sync.take();
        if failed != Some(false) {
            let bytes: Vec<u8> = self.written.drain(..n).collect();
            self.durable.extend_from_slice(&bytes);
        } else {
            self.written.drain(..n);
        }
        self.in_flight = self.in_flight.saturating_sub(n);
        match failed {
            Some(_) => Err(StorageError::Io(std::io::Error::other(
                "injected: the disk failed this sync",
            ))),
            None => Ok(()),
        }
    }
}

/// A sync in flight on a disk with latency: after [`Landing::delay`], [`Landing::land`]
/// makes its bytes durable, unless the disk crashed meanwhile.
#[derive(Debug)]
pub struct Landing {
    disk: Disk,
    generation: u64,
    delay: Duration,
}

impl Landing {
    /// How long the disk takes.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// The bytes in flight reach the platter.
    pub fn land(self) -> Result<(), StorageError> {
        let mut p = self.disk.platters();
        if p.generation != self.generation {
            return Err(StorageError::Io(std::io::Error::other(
                "the disk crashed during this sync",
            )));
        }
        let n = p.in_flight;
        p.land(n)
    }
}

/// A disk, shared by the simulation (which crashes it) and the node's storage.
#[derive(Clone, Debug, Default)]
pub struct Disk(Arc<Mutex<Platters>>);

impl Disk {
    /// An empty disk.
    pub fn new() -> Disk {
        Disk::default()
    }

    fn platters(&self) -> MutexGuard<'_, Platters> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An empty disk whose syncs take time, drawn from `latency` with `seed`.
    pub fn with_latency(latency: Latency, seed: u64) -> Disk {
        let disk = Disk::new();
        disk.platters().latency = Some((latency, StdRng::seed_from_u64(seed)));
        disk
    }

    /// The node's storage on this disk, recovered from what is on it.
    pub fn open(&self) -> DiskStorage {
        let mut p = self.platters();
        let base = p.snapshot.as_ref().map_or(0, |s| s.0);
        let tail = recover_log(&mut p.durable, base);
        p.written.clear();
        p.in_flight = 0;
        DiskStorage {
            disk: self.clone(),
            tail,
            generation: p.generation,
        }
    }

    /// The machine died: written, unsynced bytes are lost, except their first `torn`.
    /// Storages opened before this can no longer write.
    pub fn crash(&self, torn: usize) {
        let mut p = self.platters();
        let torn = torn.min(p.written.len());
        let kept: Vec<u8> = p.written[..torn].to_vec();
        p.durable.extend_from_slice(&kept);
        p.written.clear();
        p.in_flight = 0;
        p.generation += 1;
    }

    /// The next sync fails with an I/O error; with `keep` its bytes are durable anyway,
    /// without it they are lost (the kernel dropped the dirty pages).
    pub fn fail_next_sync(&self, keep: bool) {
        self.platters().fail_sync = Some(keep);
    }

    /// The write (a record appended) after `after` more fails with an I/O error, the
    /// first half of its record written (a crash then finds it torn).
    pub fn fail_a_write(&self, after: usize) {
        self.platters().fail_write = Some(after);
    }

    /// Undoes [`Disk::fail_next_sync`] and [`Disk::fail_a_write`] if they have not struck.
    pub fn disarm(&self) {
        let mut p = self.platters();
        p.fail_sync = None;
        p.fail_write = None;
    }

    /// Appends raw bytes to the durable log, as a damaged disk might hold.
    pub fn damage(&self, garbage: &[u8]) {
        self.platters().durable.extend_from_slice(garbage);
    }

    /// Bytes synced so far (the log after the last snapshot).
    pub fn durable_len(&self) -> usize {
        self.platters().durable.len()
    }
}

/// A node's storage on a [`Disk`].
#[derive(Debug)]
pub struct DiskStorage {
    disk: Disk,
    tail: Tail,
    generation: u64,
}

impl DiskStorage {
    fn live(&self) -> Result<MutexGuard<'_, Platters>, StorageError> {
        let p = self.disk.platters();
        if p.generation != self.generation {
            return Err(StorageError::Io(std::io::Error::other(
                "the disk crashed since this storage was opened",
            )));
        }
        Ok(p)
    }

    /// The disk under this storage.
    pub fn disk(&self) -> &Disk {
        &self.disk
    }
}

impl Storage for DiskStorage {
    fn tail(&self) -> &Tail {
        &self.tail
    }

    fn tail_mut(&mut self) -> &mut Tail {
        &mut self.tail
    }

    /// Also writes the record (unsynced) to the disk, where a crash may tear it.
    fn append(&mut self, payload: &[u8]) -> Result<Lsn, StorageError> {
        let before = self.tail.pending().len();
        let lsn = self.tail.append(payload)?;
        let bytes = self.tail.pending()[before..].to_vec();
        if let Ok(mut p) = self.live() {
            match p.fail_write {
                Some(0) => {
                    p.fail_write = None;
                    p.written.extend_from_slice(&bytes[..bytes.len() / 2]);
                    return Err(StorageError::Io(std::io::Error::other(
                        "injected: the disk failed this write",
                    )));
                }
                Some(n) => p.fail_write = Some(n - 1),
                None => {}
            }
            p.written.extend_from_slice(&bytes);
        }
        Ok(lsn)
    }

    /// Makes everything written so far durable at once (a sync in flight included).
    fn sync(&mut self) -> Result<(), StorageError> {
        {
            let mut p = self.live()?;
            let all = p.written.len();
            p.land(all)?;
        }
        self.tail.mark_synced();
        Ok(())
    }

    /// On a disk with latency, the sync's bytes are in flight until its wait ends.
    fn start_sync(&mut self) -> Result<SyncWait, StorageError> {
        let delay = {
            let mut p = self.live()?;
            let delay = (p.latency.as_mut()).map(|(l, rng)| l.draw(rng));
            if delay.is_some() {
                p.in_flight = p.written.len();
            }
            delay
        };
        let Some(delay) = delay else {
            self.sync()?;
            return Ok(SyncWait::done(self.last_lsn()));
        };
        let landing = Landing {
            disk: self.disk.clone(),
            generation: self.generation,
            delay,
        };
        Ok(SyncWait::landing(landing, self.tail.mark_written()))
    }

    fn save_snapshot(&mut self, lsn: Lsn, state: &[u8]) -> Result<(), StorageError> {
        self.tail.check_snapshot(lsn)?;
        let kept = self.tail.cover(lsn);
        let mut p = self.live()?;
        p.snapshot = Some((lsn, state.to_vec()));
        p.durable = kept;
        Ok(())
    }

    fn load_snapshot(&self) -> Result<Option<(Lsn, Vec<u8>)>, StorageError> {
        Ok(self.disk.platters().snapshot.clone())
    }
}
