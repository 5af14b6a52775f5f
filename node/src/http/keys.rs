//! API keys: each a client's, for one office (and optionally acting as one person), with
//! scopes. The key file (JSON, shared by the nodes of a cluster) keeps only an argon2id
//! hash of each key; the key itself (`dms_{id}_{secret}`) is shown once, when created.
//! Nodes re-read the file when it changes, so a revocation takes effect on the next
//! request; a key verified once is remembered by its SHA-256 until then (argon2 is slow on
//! purpose).

use anyhow::{bail, Context, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use engine::ids::{OfficeId, ResourceId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the directory, free/busy and suggestions (and, within its office, meetings).
    Freebusy,
    /// Book, change, cancel and answer meetings of its office's people.
    Book,
    /// Everything, for every office.
    Admin,
}

impl Scope {
    /// Parses `freebusy`, `book` or `admin`.
    pub fn parse(s: &str) -> Result<Scope> {
        match s.trim() {
            "freebusy" => Ok(Scope::Freebusy),
            "book" => Ok(Scope::Book),
            "admin" => Ok(Scope::Admin),
            other => bail!("unknown scope {other:?}: expected freebusy, book or admin"),
        }
    }
}

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
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
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

    /// Writes `path` whole (a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
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
    let mut file = KeyFile::load(path)?;
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
    file.version = 1;
    file.keys.push(record.clone());
    file.save(path)?;
    Ok((key, record))
}

/// Revokes the key `id` in the file at `path`.
pub fn revoke(path: &Path, id: &str) -> Result<()> {
    let mut file = KeyFile::load(path)?;
    let Some(k) = file.keys.iter_mut().find(|k| k.id == id) else {
        bail!("no key {id:?} in {}", path.display());
    };
    k.revoked = true;
    file.save(path)
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
    /// The key file cannot be read.
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
}

impl KeyStore {
    /// The keys of the file at `path`.
    pub fn new(path: PathBuf) -> KeyStore {
        KeyStore {
            path,
            loaded: Mutex::new(None),
        }
    }

    /// The record of `key` if it is a valid, unrevoked key.
    pub fn verify(&self, key: &str) -> Result<KeyRecord, KeyError> {
        let id = key
            .strip_prefix("dms_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(id, _)| id.to_string())
            .ok_or(KeyError::Malformed)?;
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut guard = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_none_or(|l| l.modified != modified) {
            let file = KeyFile::load(&self.path).map_err(|e| KeyError::Store(format!("{e:#}")))?;
            *guard = Some(Loaded {
                modified,
                file,
                verified: BTreeMap::new(),
            });
        }
        let loaded = guard.as_mut().ok_or(KeyError::Unknown)?;
        let record = loaded
            .file
            .keys
            .iter()
            .find(|k| k.id == id)
            .cloned()
            .ok_or(KeyError::Unknown)?;
        if record.revoked {
            return Err(KeyError::Revoked(record.id));
        }
        if loaded.verified.get(&digest) == Some(&record.id) {
            return Ok(record);
        }
        let hash = PasswordHash::new(&record.hash).map_err(|_| KeyError::Unknown)?;
        Argon2::default()
            .verify_password(key.as_bytes(), &hash)
            .map_err(|_| KeyError::Unknown)?;
        loaded.verified.insert(digest, record.id.clone());
        Ok(record)
    }
}
