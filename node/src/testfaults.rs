//! Faults a scenario run injects into a real `dms-node` process: its clock's skew, and
//! log writes that fail. Test builds only: they work where the node was built with debug
//! assertions (`cargo build`, every `cargo test`), and a release build ignores them.
//!
//! The runner writes a small JSON file ([`Injected`], [`write`]) and starts the node with
//! [`ENV`] naming it; the node ([`watch`]) reads it every [`POLL`]: `skew_ms` puts its
//! wall clock that far off (on top of its configured skew), and each time
//! `log_failures` grows, that many more log writes fail ([`take_log_failure`], which
//! the file storage asks before each write): the node then takes no more changes, as on
//! a disk that failed, until the runner restarts it.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The environment variable naming the file.
pub const ENV: &str = "DMS_TEST_FAULTS";

/// How often the node reads the file.
pub const POLL: Duration = Duration::from_millis(50);

/// Whether this build takes test faults.
pub const ENABLED: bool = cfg!(debug_assertions);

/// What the runner asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    /// How far off the node's wall clock is, in milliseconds.
    #[serde(default)]
    pub skew_ms: i64,
    /// How many log writes were asked to fail since the file was made (a count, so a
    /// repeated read arms nothing twice).
    #[serde(default)]
    pub log_failures: u64,
}

/// Log writes armed to fail, process-wide.
static ARMED: AtomicU64 = AtomicU64::new(0);

/// Whether this log write must fail (using up one armed failure). Always `false` in a
/// release build.
pub fn take_log_failure() -> bool {
    ENABLED
        && ARMED
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
}

/// Writes `faults` to `path` at once (a file beside it, renamed over it), so the node
/// never reads half of it.
pub fn write(path: &Path, faults: &Injected) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec(faults).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, path)
}

/// Follows the file at `path` on a thread of its own for the life of the process,
/// putting its skew into `skew` (over `base_ms`) and arming its log failures. Nothing in
/// a release build.
pub fn watch(path: PathBuf, skew: Arc<AtomicI64>, base_ms: i64) {
    if !ENABLED {
        return;
    }
    std::thread::spawn(move || {
        // Failures asked for before this process first read the file were meant for an
        // earlier one (the runner restarts a node after its disk fault).
        let mut seen: Option<u64> = None;
        loop {
            let read = std::fs::read(&path).ok();
            if let Some(f) = read.and_then(|b| serde_json::from_slice::<Injected>(&b).ok()) {
                skew.store(base_ms + f.skew_ms, Ordering::SeqCst);
                let before = *seen.get_or_insert(f.log_failures);
                if f.log_failures > before {
                    ARMED.fetch_add(f.log_failures - before, Ordering::SeqCst);
                }
                seen = Some(f.log_failures);
            }
            std::thread::sleep(POLL);
        }
    });
}
