//! [`Interval`]: a half-open span `[start, end)` of instants, and set operations on sorted
//! lists of them. Half-open means back-to-back meetings (10:00-11:00, 11:00-12:00) do not
//! overlap.

use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The span `[start, end)`. `start <= end` always holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    /// First instant inside.
    pub start: Instant,
    /// First instant after.
    pub end: Instant,
}

impl Interval {
    /// `[start, end)`; an end before the start is a programmer error.
    pub fn new(start: Instant, end: Instant) -> Interval {
        assert!(start <= end, "interval ends before it starts");
        Interval { start, end }
    }

    /// `[start, start + secs)`.
    pub fn from_len(start: Instant, secs: i64) -> Interval {
        Interval::new(start, start.plus_secs(secs.max(0)))
    }

    /// Length in seconds.
    pub fn len_secs(&self) -> i64 {
        self.end.0 - self.start.0
    }

    /// Whether the interval holds no instant.
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Whether the two share at least one instant (an empty interval shares none).
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end && !self.is_empty() && !other.is_empty()
    }

    /// Whether `other` lies wholly inside.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The common part, if any.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let s = self.start.max(other.start);
        let e = self.end.min(other.end);
        (s < e).then(|| Interval::new(s, e))
    }

    /// Seconds the two have in common.
    pub fn overlap_secs(&self, other: &Interval) -> i64 {
        self.intersect(other).map_or(0, |i| i.len_secs())
    }
}

/// Sorts and merges overlapping or touching intervals; drops empty ones.
pub fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.retain(|i| !i.is_empty());
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// `a` minus `b`, both merged (sorted, disjoint); the result is merged.
pub fn subtract(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0;
    for &x in a {
        let mut cur = x.start;
        while j < b.len() && b[j].end <= cur {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start < x.end {
            if b[k].start > cur {
                out.push(Interval::new(cur, b[k].start));
            }
            cur = cur.max(b[k].end);
            k += 1;
        }
        if cur < x.end {
            out.push(Interval::new(cur, x.end));
        }
    }
    out
}

/// `a` intersected with `b`, both merged; the result is merged.
pub fn intersect_all(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        if let Some(x) = a[i].intersect(&b[j]) {
            out.push(x);
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Total seconds covered by a merged list.
pub fn total_secs(v: &[Interval]) -> i64 {
    v.iter().map(Interval::len_secs).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(s: i64, e: i64) -> Interval {
        Interval::new(Instant(s), Instant(e))
    }

    fn arb_list() -> impl Strategy<Value = Vec<Interval>> {
        proptest::collection::vec((0i64..200, 0i64..30), 0..20)
            .prop_map(|v| v.into_iter().map(|(s, l)| iv(s, s + l)).collect())
    }

    fn covers(v: &[Interval], t: i64) -> bool {
        v.iter().any(|i| i.start.0 <= t && t < i.end.0)
    }

    #[test]
    fn back_to_back_do_not_overlap() {
        assert!(!iv(0, 10).overlaps(&iv(10, 20)));
        assert!(iv(0, 11).overlaps(&iv(10, 20)));
        assert_eq!(merge(vec![iv(10, 20), iv(0, 10)]), vec![iv(0, 20)]);
    }

    proptest! {
        #[test]
        fn merge_is_pointwise_union(v in arb_list()) {
            let m = merge(v.clone());
            for w in m.windows(2) {
                prop_assert!(w[0].end < w[1].start);
            }
            for t in 0..240 {
                prop_assert_eq!(covers(&m, t), covers(&v, t));
            }
        }

        #[test]
        fn subtract_and_intersect_are_pointwise(a in arb_list(), b in arb_list()) {
            let (ma, mb) = (merge(a), merge(b));
            let d = subtract(&ma, &mb);
            let x = intersect_all(&ma, &mb);
            for t in 0..240 {
                prop_assert_eq!(covers(&d, t), covers(&ma, t) && !covers(&mb, t));
                prop_assert_eq!(covers(&x, t), covers(&ma, t) && covers(&mb, t));
            }
            prop_assert_eq!(total_secs(&d) + total_secs(&x), total_secs(&ma));
        }
    }
}
