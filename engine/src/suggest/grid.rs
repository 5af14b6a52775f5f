//! Candidate starts on a grid, and one [`Lane`] of flags per resource: for each candidate
//! start, whether the resource is busy, tentative, inside its working hours, at lunch.
//! Marking walks each interval's slots once, so building a lane costs O(intervals +
//! marked slots), and reading a flag is O(1).

use crate::calendar::interval::Interval;
use crate::calendar::BusyStatus;
use crate::ids::ResourceId;
use crate::time::{Instant, Zone};
use std::ops::Range;

/// The resource has a blocking booking overlapping the slot.
pub const BUSY: u8 = 1;
/// The resource has a tentative booking overlapping the slot.
pub const TENTATIVE: u8 = 2;
/// The slot lies wholly inside the resource's working hours.
pub const IN_HOURS: u8 = 4;
/// The slot overlaps the resource's lunch.
pub const LUNCH: u8 = 8;

/// Candidate starts `first + k·step` for `k < n`, each `dur` long, all inside the window.
#[derive(Clone, Copy, Debug)]
pub struct Grid {
    /// First start, seconds since the epoch (aligned to `step`).
    pub first: i64,
    /// Seconds between starts.
    pub step: i64,
    /// Meeting length in seconds.
    pub dur: i64,
    /// Number of starts.
    pub n: usize,
}

impl Grid {
    /// The grid of starts in `window` for meetings `dur` long, `step` apart.
    pub fn new(window: Interval, step: i64, dur: i64) -> Grid {
        let first = window.start.0.div_euclid(step) * step
            + if window.start.0.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        let last_start = window.end.0 - dur;
        let n = if last_start < first {
            0
        } else {
            ((last_start - first) / step + 1) as usize
        };
        Grid {
            first,
            step,
            dur,
            n,
        }
    }

    /// The k-th start.
    pub fn start(&self, k: usize) -> Instant {
        Instant(self.first + k as i64 * self.step)
    }

    /// The k-th slot.
    pub fn slot(&self, k: usize) -> Interval {
        Interval::from_len(self.start(k), self.dur)
    }

    fn clamp(&self, lo: i64, hi: i64) -> Range<usize> {
        let lo = lo.clamp(0, self.n as i64) as usize;
        let hi = hi.clamp(0, self.n as i64) as usize;
        lo..hi.max(lo)
    }

    /// Slots that overlap `iv`: start < iv.end and start + dur > iv.start.
    pub fn overlapping(&self, iv: Interval) -> Range<usize> {
        if iv.is_empty() {
            return 0..0;
        }
        let lo = (iv.start.0 - self.dur - self.first).div_euclid(self.step) + 1;
        let hi = (iv.end.0 - self.first + self.step - 1).div_euclid(self.step);
        self.clamp(lo, hi)
    }

    /// Slots wholly inside `iv`: start >= iv.start and start + dur <= iv.end.
    pub fn within(&self, iv: Interval) -> Range<usize> {
        let lo = (iv.start.0 - self.first + self.step - 1).div_euclid(self.step);
        let hi = (iv.end.0 - self.dur - self.first).div_euclid(self.step) + 1;
        self.clamp(lo, hi)
    }
}

/// One resource's flags on the grid, with what is needed to explain them.
pub struct Lane {
    /// The resource.
    pub resource: ResourceId,
    /// Its zone.
    pub zone: Zone,
    /// Flags per slot.
    pub flags: Vec<u8>,
    /// Seconds of each slot inside working hours.
    pub in_hours_secs: Vec<u32>,
}

impl Lane {
    /// Builds a lane from busy entries, working and lunch intervals.
    pub fn build(
        grid: &Grid,
        resource: ResourceId,
        zone: Zone,
        busy: &[(Interval, BusyStatus)],
        working: &[Interval],
        lunch: &[Interval],
    ) -> Lane {
        let mut flags = vec![0u8; grid.n];
        let mut in_hours_secs = vec![0u32; grid.n];
        for &(iv, status) in busy {
            let bit = if status.blocks() { BUSY } else { TENTATIVE };
            for k in grid.overlapping(iv) {
                flags[k] |= bit;
            }
        }
        for &iv in working {
            for k in grid.within(iv) {
                flags[k] |= IN_HOURS;
            }
            for k in grid.overlapping(iv) {
                in_hours_secs[k] += grid.slot(k).overlap_secs(&iv) as u32;
            }
        }
        for &iv in lunch {
            for k in grid.overlapping(iv) {
                flags[k] |= LUNCH;
            }
        }
        Lane {
            resource,
            zone,
            flags,
            in_hours_secs,
        }
    }

    /// The share of slot `k` (`dur` seconds long) outside working hours, 0..=1.
    pub fn off_hours(&self, k: usize, dur: i64) -> f64 {
        1.0 - f64::from(self.in_hours_secs[k]) / dur.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ranges_agree_with_definitions(ws in 0i64..1000, wl in 0i64..5000, step in 1i64..200, dur in 1i64..400, s in -500i64..6000, l in 0i64..800) {
            let g = Grid::new(Interval::new(Instant(ws), Instant(ws + wl)), step, dur);
            let iv = Interval::new(Instant(s), Instant(s + l));
            let over = g.overlapping(iv);
            let within = g.within(iv);
            for k in 0..g.n {
                prop_assert!(g.slot(k).start.0 >= ws && g.slot(k).end.0 <= ws + wl);
                prop_assert_eq!(over.contains(&k), g.slot(k).overlaps(&iv), "overlap k={}", k);
                prop_assert_eq!(within.contains(&k), iv.contains(&g.slot(k)), "within k={}", k);
            }
        }
    }
}
