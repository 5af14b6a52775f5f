//! What one request may ask for, and how often a key may ask: a token bucket per key
//! (`rate_per_s` tokens a second, at most `burst` saved up), answered with 429 and
//! `Retry-After` when empty.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// The largest request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most people and rooms one free/busy or suggestion request names.
pub const MAX_WHO: usize = 100;
/// The widest window a read covers, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;
/// The most events one `.ics` import books.
pub const MAX_IMPORT_EVENTS: usize = 200;
/// The most candidates a suggestion request returns.
pub const MAX_CANDIDATES: usize = 50;

/// The default average rate per key.
pub fn default_rate() -> f64 {
    20.0
}

/// The default burst per key.
pub fn default_burst() -> f64 {
    40.0
}

/// Token buckets, by key id.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<BTreeMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Buckets of `burst` tokens refilled at `rate` a second.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate: rate.max(0.001),
            burst: burst.max(1.0),
            buckets: Mutex::new(BTreeMap::new()),
        }
    }

    /// Takes a token of `key`'s bucket, or says how many seconds until one is there.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, at) = b.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}
