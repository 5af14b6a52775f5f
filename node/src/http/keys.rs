//! API keys: each a client's, for one office (and optionally acting as one person), with
//! scopes. The key file (JSON, shared by the nodes of a cluster) keeps only an argon2id
//! hash of each key; the key itself (`dms_{id}_{secret}`) is shown once, when created.
//! Nodes re-read the file when it changes, so a revocation takes effect on the next
//! request; a key verified once is remembered by its SHA-256 until then (argon2 is slow on
//! purpose).
//!
//! argon2 is the costly part of a request, so it is bounded: it runs only for a key not
//! verified before, after a token is taken from two buckets (the caller's address and the
//! key id: [`MISS_RATE_PER_S`], [`MISS_BURST`]), on the blocking pool, at most
//! [`ARGON2_AT_ONCE`] at a time; an unknown id is hashed against a dummy hash, so it
//! costs what a known one costs and ids cannot be probed by timing. Admin writes take a
//! lock file, write a unique temporary file (0600) and rename it over the key file; a
//! file that cannot be read is never written over. A node that finds the file corrupt
//! keeps the last good copy it read, or answers 503 (without paths) if it has none.

use anyhow::{bail, Context, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use engine::ids::{OfficeId, ResourceId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

pub use crate::auth::Scope;

/// Verifications that need argon2 (a key not verified before), per caller address and
/// per key id, per second on average.
pub const MISS_RATE_PER_S: f64 = 10.0;
/// ... and at once after a quiet spell.
pub const MISS_BURST: f64 = 20.0;
/// argon2 hashes running at once (each takes a core for tens of milliseconds).
pub const ARGON2_AT_ONCE: usize = 1;

/// One key, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    /// The key's public id (part of the key).
    pub id: String,
    /// The office the client belongs to.
    pub office: OfficeId,
    /// The person the client acts as, if any (they see the meetings they attend).
    #[serde(default)]
    pub person: Option<ResourceId>,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// argon2id PHC string of the whole key.
    pub hash: String,
    /// A note (who it is for).
    #[serde(default)]
    pub label: String,
    /// Revoked keys are refused.
    #[serde(default)]
    pub revoked: bool,
}

impl KeyRecord {
    /// Whether the key has `scope` (admin has every scope).
    pub fn has(&self, scope: Scope) -> bool {
        self.grant().has(scope)
    }

    /// What the key may do, as the node's guard reads it.
    pub fn grant(&self) -> crate::auth::Grant {
        crate::auth::Grant {
            office: self.office.clone(),
            person: self.person.clone(),
            scopes: self.scopes.clone(),
        }
    }
}

/// The key file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Format version (1).
    pub version: u32,
    /// Every key, revoked ones included.
    pub keys: Vec<KeyRecord>,
}

impl KeyFile {
    /// Reads `path` (an absent file is an empty one).
    pub fn load(path: &Path) -> Result<KeyFile> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyFile {
                version: 1,
                keys: vec![],
            }),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes `path` whole: a unique temporary file (readable by its owner only),
    /// synced, then renamed over it. Callers hold the file's lock ([`KeyFile::update`]).
    fn save(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let dir = directory_of(path);
        let mut tmp = tempfile::Builder::new()
            .prefix(".api-keys.")
            .permissions(private())
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        tmp.write_all(&serde_json::to_vec_pretty(self)?)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path)
            .with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    }

    /// Reads the file at `path`, changes it with `change` and writes it back, holding an
    /// exclusive lock (`PATH.lock`) throughout, so concurrent admin commands each see the
    /// other's change. A file that cannot be read is left alone (the error says why).
    pub fn update<T>(path: &Path, change: impl FnOnce(&mut KeyFile) -> Result<T>) -> Result<T> {
        let dir = directory_of(path);
        std::fs::create_dir_all(dir)?;
        let lock_path = path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening {}", lock_path.display()))?;
        lock.lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
        let mut file = KeyFile::load(path)?;
        let out = change(&mut file)?;
        file.version = 1;
        file.save(path)?;
        Ok(out)
    }
}

fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Owner read and write only.
fn private() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o600)
}

fn random_hex(bytes: usize) -> String {
    use argon2::password_hash::rand_core::RngCore;
    let mut b = vec![0u8; bytes];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Creates a key in the file at `path`; returns the key (shown once) and its record.
pub fn create(
    path: &Path,
    office: OfficeId,
    person: Option<ResourceId>,
    scopes: Vec<Scope>,
    label: &str,
) -> Result<(String, KeyRecord)> {
    if scopes.is_empty() {
        bail!("a key needs at least one scope");
    }
    let id = random_hex(6);
    let key = format!("dms_{id}_{}", random_hex(16));
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(key.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the key: {e}"))?
        .to_string();
    let record = KeyRecord {
        id,
        office,
        person,
        scopes,
        hash,
        label: label.into(),
        revoked: false,
    };
    KeyFile::update(path, |file| {
        file.keys.push(record.clone());
        Ok(())
    })?;
    Ok((key, record))
}

/// Revokes the key `id` in the file at `path`.
pub fn revoke(path: &Path, id: &str) -> Result<()> {
    KeyFile::update(path, |file| {
        let Some(k) = file.keys.iter_mut().find(|k| k.id == id) else {
            bail!("no key {id:?} in {}", path.display());
        };
        k.revoked = true;
        Ok(())
    })
}

/// Why a key was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not of the form `dms_{id}_{secret}`.
    #[error("the key is not of the form dms_ID_SECRET")]
    Malformed,
    /// No key with that id, or the secret does not match.
    #[error("unknown key")]
    Unknown,
    /// Revoked.
    #[error("the key {0} is revoked")]
    Revoked(String),
    /// Too many keys to verify from this address or for this id: retry after that many
    /// seconds.
    #[error("too many keys to verify; retry in {0} s")]
    TooMany(u64),
    /// The key file cannot be read, and no good copy was read before (the detail is for
    /// the node's log, not for callers).
    #[error("the key file cannot be read: {0}")]
    Store(String),
}

struct Loaded {
    modified: Option<SystemTime>,
    file: KeyFile,
    verified: BTreeMap<[u8; 32], String>,
}

/// A node's view of the key file.
pub struct KeyStore {
    path: PathBuf,
    loaded: Mutex<Option<Loaded>>,
    misses: super::limits::RateLimiter,
    hashing: tokio::sync::Semaphore,
    dummy: String,
}

impl KeyStore {
    /// The keys of the file at `path`.
    pub fn new(path: PathBuf) -> KeyStore {
        let salt = SaltString::generate(&mut OsRng);
        let dummy = Argon2::default()
            .hash_password(b"dms_000000000000_not-a-key", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        KeyStore {
            path,
            loaded: Mutex::new(None),
            misses: super::limits::RateLimiter::new(MISS_RATE_PER_S, MISS_BURST),
            hashing: tokio::sync::Semaphore::new(ARGON2_AT_ONCE),
            dummy,
        }
    }

    /// The record of key `id`, re-reading the file if it changed; a file that no longer
    /// reads keeps the last good copy (the failure is logged).
    fn record(&self, id: &str, digest: &[u8; 32]) -> Result<(Option<KeyRecord>, bool), KeyError> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut guard = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_none_or(|l| l.modified != modified) {
            match KeyFile::load(&self.path) {
                Ok(file) => {
                    *guard = Some(Loaded {
                        modified,
                        file,
                        verified: BTreeMap::new(),
                    })
                }
                Err(e) if guard.is_some() => {
                    tracing::error!(
                        "the key file no longer reads ({e:#}); keeping the last good copy"
                    )
                }
                Err(e) => {
                    tracing::error!("the key file cannot be read: {e:#}");
                    return Err(KeyError::Store(format!("{e:#}")));
                }
            }
        }
        let loaded = guard.as_ref().ok_or(KeyError::Unknown)?;
        let record = loaded.file.keys.iter().find(|k| k.id == id).cloned();
        let known = loaded.verified.get(digest).map(String::as_str) == Some(id);
        Ok((record, known))
    }

    /// The record of `key` if it is a valid, unrevoked key; `from` is the caller's
    /// address (for the rate limit on verifications that need argon2).
    pub async fn verify(&self, key: &str, from: Option<IpAddr>) -> Result<KeyRecord, KeyError> {
        let id = key
            .strip_prefix("dms_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(id, _)| id.to_string())
            .filter(|id| id.len() <= 64)
            .ok_or(KeyError::Malformed)?;
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let (record, known) = self.record(&id, &digest)?;
        if let (Some(record), true) = (&record, known) {
            return match record.revoked {
                true => Err(KeyError::Revoked(record.id.clone())),
                false => Ok(record.clone()),
            };
        }
        // argon2 from here: first both buckets, so no address and no id can make a node
        // hash more than its share.
        if let Some(ip) = from {
            self.misses
                .take(&format!("address {ip}"))
                .map_err(KeyError::TooMany)?;
        }
        self.misses
            .take(&format!("id {id}"))
            .map_err(KeyError::TooMany)?;
        let hash = record
            .as_ref()
            .map(|r| r.hash.clone())
            .unwrap_or_else(|| self.dummy.clone());
        let _turn = self
            .hashing
            .acquire()
            .await
            .map_err(|_| KeyError::Unknown)?;
        let secret = key.to_string();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|h| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &h)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        let record = record.filter(|_| matches).ok_or(KeyError::Unknown)?;
        if let Some(loaded) = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            loaded.verified.insert(digest, record.id.clone());
        }
        match record.revoked {
            true => Err(KeyError::Revoked(record.id)),
            false => Ok(record),
        }
    }
}
