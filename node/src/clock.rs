//! Time as the node sees it, always through a [`Clock`] it is given, so that the simulator
//! can give each node its own skew and drift (madsim gives every host the same clock).
//!
//! - [`Clock`]: wall time (for display and hybrid timestamps) and monotonic time (for
//!   leases and timeouts, never compared across nodes).
//! - [`SystemClock`]: the real clocks.
//! - [`ManualClock`]: a clock tests and the simulator move by hand, with a skew.
//! - [`SkewedClock`]: another clock, off by a fixed skew and running fast or slow (drift).
//! - [`Hlc`]: a hybrid logical clock: timestamps that order causally related events
//!   across nodes whatever their wall clocks say, and stay close to wall time.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The time sources of a node.
pub trait Clock: Send + Sync {
    /// Wall time, milliseconds since the Unix epoch (may jump, may be skewed).
    fn wall_ms(&self) -> i64;
    /// Monotonic time, milliseconds since an arbitrary start (never goes back).
    fn monotonic_ms(&self) -> i64;
}

/// The machine's clocks.
#[derive(Debug)]
pub struct SystemClock {
    start: std::time::Instant,
}

impl SystemClock {
    /// The machine's clocks, monotonic time counted from now.
    pub fn new() -> SystemClock {
        SystemClock {
            start: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn wall_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
    fn monotonic_ms(&self) -> i64 {
        self.start.elapsed().as_millis() as i64
    }
}

/// A clock moved by hand: true time plus a per-node skew.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now_ms: Arc<AtomicI64>,
    skew_ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock reading `now_ms` with no skew.
    pub fn new(now_ms: i64) -> ManualClock {
        let c = ManualClock::default();
        c.now_ms.store(now_ms, Ordering::SeqCst);
        c
    }
    /// Moves true time forward.
    pub fn advance(&self, ms: i64) {
        self.now_ms.fetch_add(ms.max(0), Ordering::SeqCst);
    }
    /// Sets this node's wall-clock error.
    pub fn set_skew(&self, ms: i64) {
        self.skew_ms.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn wall_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst) + self.skew_ms.load(Ordering::SeqCst)
    }
    fn monotonic_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// Another clock, off by `skew_ms` and running `drift_ppm` parts per million fast (or
/// slow, if negative): how the simulator gives each node its own wrong clock.
pub struct SkewedClock {
    inner: Arc<dyn Clock>,
    skew_ms: Arc<AtomicI64>,
    drift_ppm: i64,
}

impl SkewedClock {
    /// `inner`, skewed and drifting.
    pub fn new(inner: Arc<dyn Clock>, skew_ms: i64, drift_ppm: i64) -> SkewedClock {
        SkewedClock::shared(inner, Arc::new(AtomicI64::new(skew_ms)), drift_ppm)
    }

    /// `inner`, drifting, and skewed by whatever `skew_ms` holds when read (the
    /// simulator's clock-jump faults change it).
    pub fn shared(inner: Arc<dyn Clock>, skew_ms: Arc<AtomicI64>, drift_ppm: i64) -> SkewedClock {
        SkewedClock {
            inner,
            skew_ms,
            drift_ppm,
        }
    }

    fn drifted(&self, ms: i64) -> i64 {
        ms + ms * self.drift_ppm / 1_000_000
    }
}

impl Clock for SkewedClock {
    fn wall_ms(&self) -> i64 {
        let since_start = self.inner.monotonic_ms();
        self.inner.wall_ms() + self.skew_ms.load(Ordering::Relaxed) + self.drifted(since_start)
            - since_start
    }
    fn monotonic_ms(&self) -> i64 {
        self.drifted(self.inner.monotonic_ms())
    }
}

/// A hybrid logical timestamp: wall milliseconds, then a counter, then the node that made
/// it, compared in that order. Unique per node, totally ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp {
    /// Wall-clock part, milliseconds.
    pub wall_ms: i64,
    /// Logical part: events within one millisecond.
    pub logical: u32,
    /// The node that made it (ties between nodes).
    pub node: u32,
}

/// A hybrid logical clock (Kulkarni et al., 2014): `now` is always after every timestamp
/// this node made or received, and equals wall time when clocks agree.
#[derive(Debug)]
pub struct Hlc {
    last: Timestamp,
}

/// How far ahead of our wall clock a received timestamp may be before it is refused (a
/// peer with a clock this wrong would drag every timestamp forward).
pub const MAX_AHEAD_MS: i64 = 60_000;

impl Hlc {
    /// A clock for node `node`.
    pub fn new(node: u32) -> Hlc {
        Hlc {
            last: Timestamp {
                wall_ms: i64::MIN,
                logical: 0,
                node,
            },
        }
    }

    /// A timestamp for a local event.
    pub fn now(&mut self, wall_ms: i64) -> Timestamp {
        self.last = if wall_ms > self.last.wall_ms {
            Timestamp {
                wall_ms,
                logical: 0,
                node: self.last.node,
            }
        } else {
            Timestamp {
                logical: self.last.logical + 1,
                ..self.last
            }
        };
        self.last
    }

    /// Takes in a timestamp from a message; returns the timestamp of the receipt, or an
    /// error if the sender's clock is more than [`MAX_AHEAD_MS`] ahead of ours.
    pub fn update(&mut self, wall_ms: i64, seen: Timestamp) -> Result<Timestamp, i64> {
        if seen.wall_ms - wall_ms > MAX_AHEAD_MS {
            return Err(seen.wall_ms - wall_ms);
        }
        let top = wall_ms.max(self.last.wall_ms).max(seen.wall_ms);
        let logical = match (top == self.last.wall_ms, top == seen.wall_ms) {
            (true, true) => self.last.logical.max(seen.logical) + 1,
            (true, false) => self.last.logical + 1,
            (false, true) => seen.logical + 1,
            (false, false) => 0,
        };
        self.last = Timestamp {
            wall_ms: top,
            logical,
            node: self.last.node,
        };
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn manual_clock_skews_wall_not_monotonic() {
        let c = ManualClock::new(1_000);
        c.set_skew(-500);
        c.advance(10);
        assert_eq!((c.wall_ms(), c.monotonic_ms()), (510, 1_010));
    }

    #[test]
    fn a_skewed_clock_is_off_by_its_skew_and_drifts() {
        let true_time = ManualClock::new(0);
        let base = true_time.clone();
        true_time.advance(1_000); // the inner clock's monotonic start is 0 here
        let c = SkewedClock::new(Arc::new(base), 250, 1_000); // 0.1% fast
        assert_eq!((c.wall_ms(), c.monotonic_ms()), (1_000 + 250 + 1, 1_001));
        true_time.advance(1_000_000);
        assert_eq!(c.monotonic_ms(), 1_001_000 + 1_001);
        assert_eq!(c.wall_ms(), 1_001_000 + 250 + 1_001);
    }

    #[test]
    fn refuses_a_clock_far_ahead() {
        let mut h = Hlc::new(1);
        let far = Timestamp {
            wall_ms: 10_000_000,
            logical: 0,
            node: 2,
        };
        assert_eq!(h.update(0, far), Err(10_000_000));
    }

    proptest! {
        /// Whatever the skews, every timestamp is after everything seen before it.
        #[test]
        fn timestamps_respect_causality(events in proptest::collection::vec((0usize..3, -5_000i64..5_000, any::<bool>()), 1..200)) {
            let mut clocks = [Hlc::new(0), Hlc::new(1), Hlc::new(2)];
            let mut true_ms = 1_000_000i64;
            let mut last_sent: Option<Timestamp> = None;
            let mut last_of = [None::<Timestamp>; 3];
            for (node, skew, receive) in events {
                true_ms += 3;
                let wall = true_ms + skew;
                let t = match (receive, last_sent) {
                    (true, Some(m)) => {
                        let t = clocks[node].update(wall, m).unwrap();
                        prop_assert!(t > m);
                        t
                    }
                    _ => clocks[node].now(wall),
                };
                if let Some(prev) = last_of[node] {
                    prop_assert!(t > prev);
                }
                last_of[node] = Some(t);
                last_sent = Some(t);
            }
        }
    }
}
