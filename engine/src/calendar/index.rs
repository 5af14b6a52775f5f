//! [`IntervalIndex`]: the busy intervals of one resource, answering "what overlaps this
//! span?" in O(d·log n + k), where k is the answer's size and d the deepest overlap on
//! the resource (how many entries cover one instant at most).
//!
//! Why layers: a resource's confirmed and held bookings never overlap each other (that is
//! the scheduler's invariant), and within a set of disjoint intervals sorted by start the
//! ends are sorted too, so the ones overlapping a span are one predecessor plus a
//! contiguous run: two B-tree look-ups and a walk. Entries that do overlap (tentative
//! ones, organizer overrides) go to the next layer where they fit, so d stays 1 for a
//! calendar without overlaps and small for real ones. Insert and remove are O(d·log n).

use super::interval::Interval;
use crate::time::Instant;
use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

/// An entry's id within an index.
pub type EntryId = u64;

/// The layer number of empty intervals, which live in no layer.
const EMPTY: usize = usize::MAX;

/// Disjoint-layer interval index; each entry has a caller-chosen unique id.
#[derive(Clone, Debug, Default)]
pub struct IntervalIndex {
    layers: Vec<BTreeMap<(Instant, EntryId), Instant>>,
    where_is: BTreeMap<EntryId, (usize, Instant)>,
}

impl IntervalIndex {
    /// An empty index.
    pub fn new() -> IntervalIndex {
        IntervalIndex::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.where_is.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.where_is.is_empty()
    }

    /// Number of layers (the deepest overlap seen, after removals at most that).
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// Adds an entry; an id already present is a programmer error.
    pub fn insert(&mut self, iv: Interval, id: EntryId) {
        let layer = if iv.is_empty() {
            // An empty interval overlaps nothing; it is kept only so that it can be removed.
            EMPTY
        } else {
            (0..self.layers.len())
                .find(|&l| self.fits(l, iv))
                .unwrap_or(self.layers.len())
        };
        let before = self.where_is.insert(id, (layer, iv.start));
        assert!(before.is_none(), "entry {id} inserted twice");
        if layer == self.layers.len() {
            self.layers.push(BTreeMap::new());
        }
        if layer != EMPTY {
            self.layers[layer].insert((iv.start, id), iv.end);
        }
    }

    /// Whether `iv` overlaps nothing in layer `l`.
    fn fits(&self, l: usize, iv: Interval) -> bool {
        let layer = &self.layers[l];
        let before_ok = layer
            .range(..(iv.start, EntryId::MAX))
            .next_back()
            .is_none_or(|(_, &end)| end <= iv.start);
        let after_ok = layer
            .range((Excluded((iv.start, EntryId::MAX)), Unbounded))
            .next()
            .is_none_or(|(&(s, _), _)| s >= iv.end);
        before_ok && after_ok
    }

    /// Removes an entry; returns its interval if it was present.
    pub fn remove(&mut self, id: EntryId) -> Option<Interval> {
        let (layer, start) = self.where_is.remove(&id)?;
        if layer == EMPTY {
            return Some(Interval::new(start, start));
        }
        let end = self.layers[layer].remove(&(start, id))?;
        while self.layers.last().is_some_and(BTreeMap::is_empty) {
            self.layers.pop();
        }
        Some(Interval::new(start, end))
    }

    /// Every entry overlapping `q`, as `(interval, id)`, sorted by start then id.
    pub fn overlapping(&self, q: Interval) -> Vec<(Interval, EntryId)> {
        let mut out: Vec<(Interval, EntryId)> = self.overlapping_unordered(q).collect();
        out.sort_unstable_by_key(|&(iv, id)| (iv.start, id));
        out
    }

    /// Every entry overlapping `q`, layer by layer (by start within a layer).
    pub fn overlapping_unordered(
        &self,
        q: Interval,
    ) -> impl Iterator<Item = (Interval, EntryId)> + '_ {
        let layers = if q.is_empty() {
            &[][..]
        } else {
            &self.layers[..]
        };
        layers.iter().flat_map(move |layer| {
            // In a layer the entries are disjoint: one may start before q and reach into it;
            // the rest start inside q.
            let before = layer
                .range(..=(q.start, EntryId::MAX))
                .next_back()
                .filter(|(_, &end)| end > q.start);
            let inside = layer.range((Excluded((q.start, EntryId::MAX)), Excluded((q.end, 0))));
            before
                .into_iter()
                .chain(inside)
                .map(|(&(s, id), &e)| (Interval::new(s, e), id))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iv(s: i64, e: i64) -> Interval {
        Interval::new(Instant(s), Instant(e))
    }

    #[test]
    fn disjoint_entries_stay_in_one_layer() {
        let mut ix = IntervalIndex::new();
        for k in 0..100 {
            ix.insert(iv(k * 10, k * 10 + 10), k as u64);
        }
        assert_eq!(ix.depth(), 1);
        let hits: Vec<u64> = ix
            .overlapping(iv(25, 45))
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(hits, vec![2, 3, 4]);
        ix.insert(iv(5, 15), 1000);
        assert_eq!(ix.depth(), 2);
    }

    proptest! {
        #[test]
        fn agrees_with_a_linear_scan(
            entries in proptest::collection::vec((0i64..500, 0i64..60), 0..60),
            removals in proptest::collection::vec(0usize..60, 0..20),
            queries in proptest::collection::vec((0i64..560, 0i64..80), 1..20),
        ) {
            let mut ix = IntervalIndex::new();
            let mut model: Vec<(Interval, u64)> = Vec::new();
            for (k, (s, l)) in entries.iter().enumerate() {
                ix.insert(iv(*s, s + l), k as u64);
                model.push((iv(*s, s + l), k as u64));
            }
            for r in removals {
                if r < model.len() {
                    let id = model[r].1;
                    let had = model.iter().position(|m| m.1 == id);
                    let got = ix.remove(id);
                    prop_assert_eq!(got.is_some(), had.is_some());
                    model.retain(|m| m.1 != id);
                }
            }
            for (s, l) in queries {
                let q = iv(s, s + l);
                let mut want: Vec<(Interval, u64)> = model.iter().copied().filter(|(i, _)| i.overlaps(&q)).collect();
                want.sort_unstable_by_key(|&(i, id)| (i.start, id));
                prop_assert_eq!(ix.overlapping(q), want);
            }
        }
    }
}
