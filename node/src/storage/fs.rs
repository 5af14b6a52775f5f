//! [`Fs`] and [`FsFile`]: the file-system calls [`super::FileStorage`] makes, behind a
//! trait so that the same backend (rotation, join, preallocation, torn tails) runs on
//! the real file system ([`RealFs`]) and on a simulated one that crashes at any call
//! ([`super::simfs::SimFs`]).

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// An open file: positioned reads and writes, its length, and its syncs.
pub trait FsFile: Debug + Send + Sync + 'static {
    /// The whole file.
    fn read_all(&self) -> io::Result<Vec<u8>>;
    /// Writes `buf` at `offset` (the file grows if needed).
    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Cuts or extends the file to `len` bytes.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Makes the file's bytes and length durable (`fsync`).
    fn sync_all(&self) -> io::Result<()>;
    /// Makes the file's bytes durable (`fdatasync`; the length too where the bytes
    /// need it).
    fn sync_data(&self) -> io::Result<()>;
}

/// A file system: files in directories, renamed atomically, made durable by syncs.
pub trait Fs: Clone + Debug + Send + Sync + 'static {
    /// Its open files.
    type File: FsFile;
    /// Creates `dir` (and its parents) if needed, readable by the node's user only.
    fn private_dir(&self, dir: &Path) -> io::Result<()>;
    /// Opens `path` to read and write, creating it empty (private) if it is not there.
    fn open(&self, path: &Path) -> io::Result<Self::File>;
    /// Creates `path` empty (private), replacing what was there.
    fn create(&self, path: &Path) -> io::Result<Self::File>;
    /// The bytes of `path`; `None` if there is no such file.
    fn read(&self, path: &Path) -> io::Result<Option<Vec<u8>>>;
    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// Renames `from` to `to`, replacing `to` (atomic; durable after [`Fs::sync_dir`]).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes `path`; nothing if there is no such file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Makes the names in `dir` durable (creations, renames and removals).
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// How long the next sync of a log takes, to be waited out (without holding the
    /// storage) before it is made: a simulated disk's latency. `None` (the real file
    /// system): the sync itself takes the time.
    fn sync_delay(&self) -> Option<std::time::Duration> {
        None
    }
}

/// Data files are readable by the node's user only (calendars are private).
const PRIVATE_FILE: u32 = 0o600;

/// The operating system's file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl FsFile for File {
    fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut f = self;
        f.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        FileExt::write_all_at(self, buf, offset)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }

    fn sync_all(&self) -> io::Result<()> {
        File::sync_all(self)
    }

    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
}

impl Fs for RealFs {
    type File = File;

    fn private_dir(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
    }

    fn open(&self, path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(PRIVATE_FILE)
            .open(path)
    }

    fn create(&self, path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(PRIVATE_FILE)
            .open(path)
    }

    fn read(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        match fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
}
