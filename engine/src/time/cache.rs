//! [`OffsetCache`]: wall-to-instant conversion for a walk that moves forward through time,
//! as recurrence expansion does. It remembers a stretch of instants over which the zone's
//! offset is known to be constant and answers from it with one subtraction; the tz
//! database is asked only when the walk leaves the stretch.
//!
//! Why it is exact: if the offset is `o` all over `[lo, hi)` and `w - o` lies more than a
//! day (more than any offset difference) inside it, then `w` has exactly one reading in the
//! zone, `w - o`: any other offset `o'` would put the instant `w - o'` inside the stretch
//! too, where the offset is `o`, not `o'`. The stretch grows by probes a week apart, which
//! assumes no zone changes its offset and back again within a week (none has).

use super::instant::{Instant, Wall, DAY_SECS};
use super::zone::{Disambiguation, Zone};

/// More than the largest difference between two offsets of one zone.
const MARGIN: i64 = 26 * 3600;
/// Distance between probes when the stretch grows.
const PROBE: i64 = 7 * DAY_SECS;
/// Look-ups closer together than this make the walk dense enough to keep a stretch.
const DENSE: i64 = 2 * DAY_SECS;

/// Converts wall readings of one zone to instants (RFC 5545's reading of gaps and folds),
/// fast for readings that mostly increase.
#[derive(Clone, Debug)]
pub struct OffsetCache {
    zone: Zone,
    lo: i64,
    hi: i64,
    off: i64,
    last_miss: Option<i64>,
}

impl OffsetCache {
    /// An empty cache for `zone`.
    pub fn new(zone: Zone) -> OffsetCache {
        // An empty stretch: the first reading is looked up.
        OffsetCache {
            zone,
            lo: i64::MAX / 2,
            hi: i64::MIN / 2,
            off: 0,
            last_miss: None,
        }
    }

    /// The instant a wall clock in the zone reads `w`, as [`Disambiguation::Compatible`].
    pub fn to_instant(&mut self, w: Wall) -> Instant {
        let tz = match self.zone {
            Zone::Utc | Zone::Floating => return Instant(w.0),
            Zone::Iana(_) => self.zone,
        };
        let c = w.0 - self.off;
        if c >= self.lo + MARGIN {
            if c + MARGIN < self.hi {
                return Instant(c);
            }
            // Growing costs a probe a week: worth it only when it is one probe at most.
            if c + MARGIN - self.hi < PROBE && self.grow(c + MARGIN) {
                return Instant(c);
            }
        }
        let t = tz
            .to_instant(w, Disambiguation::Compatible)
            .unwrap_or(Instant(w.0));
        let dense = self.last_miss.is_some_and(|m| (t.0 - m).abs() < DENSE);
        self.last_miss = Some(t.0);
        if !dense {
            // A sparse walk (monthly rules): a stretch would cost more than it saves.
            return t;
        }
        // Start a new stretch at `t`, reaching back a margin when the offset allows, so
        // that readings just after this one are answered from it.
        self.off = i64::from(tz.offset_at(t));
        let back = t.0 - MARGIN;
        self.lo = if i64::from(tz.offset_at(Instant(back))) == self.off {
            back
        } else {
            t.0
        };
        self.hi = t.0;
        t
    }

    /// Extends the stretch to reach `target`; false if the offset changes before it.
    fn grow(&mut self, target: i64) -> bool {
        while self.hi <= target {
            let next = self.hi + PROBE;
            if i64::from(self.zone.offset_at(Instant(next))) != self.off {
                // Narrow down to the change, so the stretch ends exactly there.
                let (mut a, mut b) = (self.hi, next);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if i64::from(self.zone.offset_at(Instant(mid))) == self.off {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                self.hi = b;
                return target < self.hi;
            }
            self.hi = next;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_the_zone(start in 0i64..4_000_000_000, steps in proptest::collection::vec(0i64..3 * DAY_SECS, 1..200), tz in prop::sample::select(vec!["America/New_York", "Australia/Lord_Howe", "Europe/London", "Africa/Casablanca", "Asia/Kolkata", "America/St_Johns"])) {
            let zone = Zone::parse(tz).unwrap();
            let mut cache = OffsetCache::new(zone);
            let mut w = start;
            for s in steps {
                w += s;
                let want = zone.to_instant(Wall(w), Disambiguation::Compatible).unwrap();
                prop_assert_eq!(cache.to_instant(Wall(w)), want, "wall {}", Wall(w));
            }
        }
    }

    #[test]
    fn gap_and_fold_readings_are_exact() {
        let ny = Zone::parse("America/New_York").unwrap();
        let mut cache = OffsetCache::new(ny);
        let mut w = Wall::from_ymd_hms(2026, 3, 1, 2, 30, 0);
        for _ in 0..300 {
            assert_eq!(
                cache.to_instant(w),
                ny.to_instant(w, Disambiguation::Compatible).unwrap(),
                "{w}"
            );
            w = w.plus_secs(3600);
        }
    }
}
