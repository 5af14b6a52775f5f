//! [`SimFs`]: a file system in memory that loses what was not synced when its machine
//! dies, for running [`super::FileStorage`] itself (not a second backend) under crashes
//! at any call: mid-write, mid-sync, mid-rotation, mid-snapshot, mid-recovery.
//!
//! Files hold the bytes written and the bytes last synced; names (creations, renames,
//! removals) are durable once their directory is synced. [`SimFs::crash_at`] arms a
//! crash at a later call that changes something: that call fails, and every call after
//! it, until [`SimFs::restart`] brings the machine back with the names last synced and
//! each file's synced bytes, plus (a torn write) a prefix of what it held beyond them.
//! Handles opened before a restart fail.

use super::fs::{Fs, FsFile};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a simulated file system's syncs take: uniformly between `min` and `max`, and one in
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
    pub(super) fn draw(&self, rng: &mut StdRng) -> Duration {
        let span = self.max.saturating_sub(self.min).as_micros() as u64;
        let mut d = self.min + Duration::from_micros(rng.random_range(0..=span));
        if self.stall_one_in > 0 && rng.random_range(0..self.stall_one_in) == 0 {
            d += self.stall;
        }
        d
    }
}

/// One file's contents.
#[derive(Clone, Debug, Default)]
struct Inode {
    /// What was last synced.
    durable: Vec<u8>,
    /// What was written since (the whole file as reads see it).
    now: Vec<u8>,
    /// The bytes written since the last sync lie in this range (a sync copies only it:
    /// a preallocated log is megabytes, a group commit a few hundred bytes).
    dirty: Option<(usize, usize)>,
}

impl Inode {
    fn touch(&mut self, from: usize, to: usize) {
        self.dirty = Some(match self.dirty {
            Some((a, b)) => (a.min(from), b.max(to)),
            None => (from, to),
        });
    }

    fn sync(&mut self) {
        self.durable.resize(self.now.len(), 0);
        if let Some((a, b)) = self.dirty.take() {
            let b = b.min(self.now.len());
            if a < b {
                self.durable[a..b].copy_from_slice(&self.now[a..b]);
            }
        }
    }

    /// After a crash: the synced bytes and the first `torn` bytes written after them.
    fn crash(&mut self, torn: usize) {
        let mut kept = std::mem::take(&mut self.durable);
        if let Some((a, b)) = self.dirty.take() {
            let upto = b.min(self.now.len()).min(a.saturating_add(torn));
            if a < upto {
                if kept.len() < upto {
                    kept.resize(upto, 0);
                }
                kept[a..upto].copy_from_slice(&self.now[a..upto]);
            }
        }
        self.now = kept.clone();
        self.durable = kept;
    }
}

#[derive(Debug, Default)]
struct State {
    dirs: BTreeSet<PathBuf>,
    /// Names as reads see them.
    names: BTreeMap<PathBuf, u64>,
    /// Names as of the last sync of their directory (what a crash leaves).
    durable_names: BTreeMap<PathBuf, u64>,
    inodes: BTreeMap<u64, Inode>,
    next_inode: u64,
    /// Calls that changed something (or would have).
    calls: u64,
    /// The machine dies at this call.
    crash_at: Option<u64>,
    down: bool,
    /// Bumped by every restart: older handles fail.
    generation: u64,
    /// The next sync fails; `true`: its bytes are durable anyway.
    fail_sync: Option<bool>,
    /// The next write fails, half of it written.
    fail_write: Option<()>,
    /// How long syncs take, drawn from a seeded generator; none: no time.
    latency: Option<(Latency, StdRng)>,
}

/// A simulated file system, shared by the storage on it and whoever crashes it.
#[derive(Clone, Debug, Default)]
pub struct SimFs(Arc<Mutex<State>>);

fn crashed() -> io::Error {
    io::Error::other("the machine crashed (simulated)")
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file", path.display()),
    )
}

impl State {
    /// Counts a call that changes something; fails if the machine is down or dies now.
    fn change(&mut self) -> io::Result<()> {
        if self.down {
            return Err(crashed());
        }
        self.calls += 1;
        if self.crash_at.is_some_and(|n| self.calls >= n) {
            self.down = true;
            self.crash_at = None;
            return Err(crashed());
        }
        Ok(())
    }

    fn up(&self) -> io::Result<()> {
        if self.down {
            Err(crashed())
        } else {
            Ok(())
        }
    }

    /// Forgets the files no name (now or durable) refers to any more: a removed log's
    /// megabytes go with it, as its blocks would once its last handle closed.
    fn collect(&mut self) {
        let named: BTreeSet<u64> = (self.names.values())
            .chain(self.durable_names.values())
            .copied()
            .collect();
        self.inodes.retain(|id, _| named.contains(id));
    }

    fn new_inode(&mut self) -> u64 {
        self.next_inode += 1;
        self.inodes.insert(self.next_inode, Inode::default());
        self.next_inode
    }
}

impl SimFs {
    /// An empty file system.
    pub fn new() -> SimFs {
        SimFs::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The calls that changed something so far.
    pub fn calls(&self) -> u64 {
        self.state().calls
    }

    /// The machine dies at the `n`-th call from now that changes something (1: the
    /// next): that call fails, and every call after it, until [`SimFs::restart`].
    pub fn crash_at(&self, n: u64) {
        let mut s = self.state();
        s.crash_at = Some(s.calls + n.max(1));
    }

    /// Takes back a crash armed by [`SimFs::crash_at`], and a failure armed by
    /// [`SimFs::fail_next_sync`] or [`SimFs::fail_next_write`], that have not struck.
    pub fn disarm(&self) {
        let mut s = self.state();
        s.crash_at = None;
        s.fail_sync = None;
        s.fail_write = None;
    }

    /// A file system whose syncs take time, drawn from `latency` with `seed`
    /// ([`Fs::sync_delay`]; the storage waits it out before the sync).
    pub fn with_latency(latency: Latency, seed: u64) -> SimFs {
        let fs = SimFs::new();
        fs.state().latency = Some((latency, StdRng::seed_from_u64(seed)));
        fs
    }

    /// The next sync fails with an I/O error; with `keep` its bytes are durable anyway,
    /// without it they are lost (the kernel dropped the dirty pages).
    pub fn fail_next_sync(&self, keep: bool) {
        self.state().fail_sync = Some(keep);
    }

    /// The next write fails with an I/O error, half of it written (a crash then finds it
    /// torn).
    pub fn fail_next_write(&self) {
        self.state().fail_write = Some(());
    }

    /// Forgets every file and name (the run that used it is over).
    pub fn wipe(&self) {
        let mut s = self.state();
        s.names.clear();
        s.durable_names.clear();
        s.inodes.clear();
    }

    /// Whether the machine is down (a crash struck and no restart yet).
    pub fn is_down(&self) -> bool {
        self.state().down
    }

    /// The machine comes back after dying (now, if it had not): the names last synced,
    /// each file's synced bytes and the first `torn` bytes of what it held beyond
    /// them. Handles opened before fail from now on.
    pub fn restart(&self, torn: usize) {
        let mut s = self.state();
        s.names = s.durable_names.clone();
        for inode in s.inodes.values_mut() {
            inode.crash(torn);
        }
        s.collect();
        s.down = false;
        s.crash_at = None;
        s.generation += 1;
    }

    /// The files there are now and their lengths (for tests and reports).
    pub fn listing(&self) -> Vec<(PathBuf, usize)> {
        let s = self.state();
        (s.names.iter())
            .map(|(p, id)| (p.clone(), s.inodes.get(id).map_or(0, |i| i.now.len())))
            .collect()
    }

    fn handle(&self, s: &State, inode: u64) -> SimFile {
        SimFile {
            fs: self.clone(),
            inode,
            generation: s.generation,
        }
    }
}

/// An open file of a [`SimFs`].
#[derive(Debug)]
pub struct SimFile {
    fs: SimFs,
    inode: u64,
    generation: u64,
}

impl SimFile {
    /// The file system's state, if this handle is still good (no restart since).
    fn live(&self) -> io::Result<MutexGuard<'_, State>> {
        let s = self.fs.state();
        if s.generation != self.generation {
            return Err(io::Error::other(
                "the machine restarted since this file was opened",
            ));
        }
        Ok(s)
    }

    fn with<T>(&self, change: bool, f: impl FnOnce(&mut Inode) -> T) -> io::Result<T> {
        let mut s = self.live()?;
        if change {
            s.change()?;
        } else {
            s.up()?;
        }
        // A file no name refers to any more (removed, its blocks gone) reads as empty.
        let inode = s.inodes.entry(self.inode).or_default();
        Ok(f(inode))
    }
}

impl FsFile for SimFile {
    fn read_all(&self) -> io::Result<Vec<u8>> {
        self.with(false, |i| i.now.clone())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        let at = offset as usize;
        let failing = {
            let mut s = self.live()?;
            s.change()?;
            s.fail_write.take()
        };
        // An injected failure writes the first half, then fails.
        let n = if failing.is_some() {
            buf.len() / 2
        } else {
            buf.len()
        };
        self.with(false, |i| {
            if i.now.len() < at + n {
                i.now.resize(at + n, 0);
            }
            i.now[at..at + n].copy_from_slice(&buf[..n]);
            i.touch(at, at + n);
        })?;
        match failing {
            Some(()) => Err(io::Error::other("injected: the disk failed this write")),
            None => Ok(()),
        }
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.with(true, |i| {
            let (old, new) = (i.now.len(), len as usize);
            i.now.resize(new, 0);
            i.touch(old.min(new), old.max(new));
        })
    }

    fn sync_all(&self) -> io::Result<()> {
        let failing = {
            let mut s = self.live()?;
            s.change()?;
            s.fail_sync.take()
        };
        self.with(false, |i| match failing {
            Some(false) => {
                // The kernel dropped the dirty pages: what the sync was for is gone.
                let durable = i.durable.clone();
                i.dirty = None;
                i.now = durable;
            }
            _ => i.sync(),
        })?;
        match failing {
            Some(_) => Err(io::Error::other("injected: the disk failed this sync")),
            None => Ok(()),
        }
    }

    fn sync_data(&self) -> io::Result<()> {
        self.sync_all()
    }
}

impl Fs for SimFs {
    type File = SimFile;

    fn sync_delay(&self) -> Option<Duration> {
        let mut s = self.state();
        (s.latency.as_mut()).map(|(l, rng)| l.draw(rng))
    }

    fn private_dir(&self, dir: &Path) -> io::Result<()> {
        let mut s = self.state();
        s.up()?;
        s.dirs.insert(dir.to_path_buf());
        Ok(())
    }

    fn open(&self, path: &Path) -> io::Result<SimFile> {
        let mut s = self.state();
        let id = match s.names.get(path) {
            Some(id) => {
                s.up()?;
                *id
            }
            None => {
                s.change()?;
                let id = s.new_inode();
                s.names.insert(path.to_path_buf(), id);
                id
            }
        };
        Ok(self.handle(&s, id))
    }

    fn create(&self, path: &Path) -> io::Result<SimFile> {
        let mut s = self.state();
        s.change()?;
        let id = s.new_inode();
        s.names.insert(path.to_path_buf(), id);
        s.collect();
        Ok(self.handle(&s, id))
    }

    fn read(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        let s = self.state();
        s.up()?;
        Ok((s.names.get(path))
            .and_then(|id| s.inodes.get(id))
            .map(|i| i.now.clone()))
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        let s = self.state();
        s.up()?;
        Ok(s.names.contains_key(path) || s.dirs.contains(path))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut s = self.state();
        s.change()?;
        let id = s.names.remove(from).ok_or_else(|| not_found(from))?;
        s.names.insert(to.to_path_buf(), id);
        s.collect();
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut s = self.state();
        s.change()?;
        s.names.remove(path);
        s.collect();
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut s = self.state();
        s.change()?;
        let inside = |p: &PathBuf| p.parent() == Some(dir);
        s.durable_names.retain(|p, _| !inside(p));
        let now: Vec<(PathBuf, u64)> = (s.names.iter())
            .filter(|(p, _)| inside(p))
            .map(|(p, id)| (p.clone(), *id))
            .collect();
        s.durable_names.extend(now);
        s.collect();
        Ok(())
    }
}
