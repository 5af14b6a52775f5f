//! Offset tables: for each zone, the instants at which its offset changes, read once from
//! the tz database (chrono-tz, extended past 2099 by the zone's current rules) and kept
//! for the life of the process, in chunks of about a year built when first needed.
//!
//! Why: converting between wall readings and instants is the inner loop of recurrence
//! expansion and of working-hour computation. A chunk holds a handful of spans, so a
//! conversion is a short scan instead of a tz-database search. The tables are a cache of a
//! pure function: every process, simulated or real, computes the same ones.
//!
//! How a chunk is read from the database: offsets are probed a week apart and each change
//! is narrowed to the second by bisection. That assumes no zone changes its offset and
//! back again within a week; none has (the shortest DST interruption, Morocco's Ramadan
//! pause, lasts about a month). The property test checks the tables against chrono-tz.

use super::instant::{Instant, Wall, DAY_SECS};
use chrono_tz::Tz;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Length of a chunk: 2^25 seconds, about 388 days.
const CHUNK_SECS: i64 = 1 << 25;
/// Each chunk reaches this far past its ends, so readings near an end (within any offset)
/// are answered by one chunk.
const PAD: i64 = 2 * DAY_SECS;
/// Distance between probes.
const PROBE: i64 = 7 * DAY_SECS;

/// The spans of one zone over one chunk: `(first instant, offset)`, sorted; each span runs
/// to the next one's start, the last to the chunk's end.
struct Chunk {
    spans: Vec<(i64, i32)>,
    end: i64,
}

impl Chunk {
    fn build(tz: Tz, index: i64, offset: impl Fn(Tz, i64) -> i32) -> Chunk {
        let lo = index * CHUNK_SECS - PAD;
        let end = (index + 1) * CHUNK_SECS + PAD;
        let mut off = offset(tz, lo);
        let mut spans = vec![(lo, off)];
        let mut t = lo;
        while t < end {
            let next = (t + PROBE).min(end);
            let o = offset(tz, next);
            if o != off {
                let (mut a, mut b) = (t, next);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if offset(tz, mid) == off {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                spans.push((b, o));
                off = o;
            }
            t = next;
        }
        Chunk { spans, end }
    }

    fn offset_at(&self, t: i64) -> i32 {
        let i = self.spans.partition_point(|&(s, _)| s <= t);
        self.spans[i.saturating_sub(1)].1
    }

    fn span_end(&self, i: usize) -> i64 {
        self.spans.get(i + 1).map_or(self.end, |s| s.0)
    }
}

/// The readings a wall time has in a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readings {
    /// Exactly one instant.
    One(Instant),
    /// Two instants (an autumn fold), earlier first.
    Two(Instant, Instant),
    /// None (a spring gap): `forward` reads the wall with the offset before the gap (so
    /// lands after it), `back` with the offset after (lands before it).
    Gap {
        /// The instant `wall - offset before the gap`.
        forward: Instant,
        /// The instant `wall - offset after the gap`.
        back: Instant,
    },
}

/// A zone (its number in chrono-tz's list) and a chunk index.
type Key = (u32, i64);

fn global() -> &'static Mutex<BTreeMap<Key, Arc<Chunk>>> {
    static TABLES: OnceLock<Mutex<BTreeMap<Key, Arc<Chunk>>>> = OnceLock::new();
    TABLES.get_or_init(Default::default)
}

thread_local! {
    /// The chunks this thread used last, to skip the lock on the hot path.
    static RECENT: RefCell<Vec<(Key, Arc<Chunk>)>> = const { RefCell::new(Vec::new()) };
}

/// How many recently used chunks each thread keeps at hand.
const RECENT_MAX: usize = 8;

/// Runs `f` on the chunk of `tz` numbered `index`, building it if no one has yet.
fn with_chunk<R>(tz: Tz, index: i64, offset: fn(Tz, i64) -> i32, f: impl FnOnce(&Chunk) -> R) -> R {
    let key = (tz as u32, index);
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if let Some((_, c)) = recent.iter().find(|(k, _)| *k == key) {
            return f(c);
        }
        let c = {
            let mut map = global().lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key)
                .or_insert_with(|| Arc::new(Chunk::build(tz, index, offset)))
                .clone()
        };
        if recent.len() == RECENT_MAX {
            recent.remove(0);
        }
        recent.push((key, c));
        f(&recent.last().expect("just pushed").1)
    })
}

/// The offset of `tz` at `t`, from the table; `reference` reads the tz database.
pub fn offset_at(tz: Tz, t: Instant, reference: fn(Tz, i64) -> i32) -> i32 {
    with_chunk(tz, t.0.div_euclid(CHUNK_SECS), reference, |c| {
        c.offset_at(t.0)
    })
}

/// Every reading of the wall time `w` in `tz`.
pub fn readings(tz: Tz, w: Wall, reference: fn(Tz, i64) -> i32) -> Readings {
    with_chunk(tz, w.0.div_euclid(CHUNK_SECS), reference, |c| {
        readings_in(c, w)
    })
}

fn readings_in(c: &Chunk, w: Wall) -> Readings {
    let mut found: [i64; 2] = [0; 2];
    let mut n = 0;
    for (i, &(start, off)) in c.spans.iter().enumerate() {
        let t = w.0 - i64::from(off);
        if start <= t && t < c.span_end(i) && n < 2 {
            found[n] = t;
            n += 1;
        }
    }
    match n {
        1 => Readings::One(Instant(found[0])),
        2 => Readings::Two(
            Instant(found[0].min(found[1])),
            Instant(found[0].max(found[1])),
        ),
        _ => {
            // In a gap: the span whose end the reading overshoots, and the next one.
            let i = c
                .spans
                .iter()
                .enumerate()
                .rposition(|(i, &(_, off))| w.0 - i64::from(off) >= c.span_end(i))
                .unwrap_or(0);
            let before = i64::from(c.spans[i].1);
            let after = i64::from(c.spans.get(i + 1).map_or(c.spans[i].1, |s| s.1));
            Readings::Gap {
                forward: Instant(w.0 - before),
                back: Instant(w.0 - after),
            }
        }
    }
}
