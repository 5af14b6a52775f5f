//! [`FreeBusyCache`]: other offices' free/busy as this node last saw it, with the version
//! of each office's calendars it was read at. An entry is used as is while it is younger
//! than [`TRUST_MS`] and nothing invalidated it (this node deciding a transaction at the
//! office does); after that it is revalidated by version (the office answers `Unchanged`,
//! without the data, if nothing changed). The cache feeds suggestions only: a booking is
//! always checked by the offices themselves when they prepare.

use engine::calendar::{FreeBusy, Interval};
use engine::ids::{OfficeId, ResourceId};
use std::collections::BTreeMap;

/// How long a cached answer is used without asking the office.
pub const TRUST_MS: i64 = 2_000;
/// The most resources the cache keeps per office (beyond that, it starts over).
pub const MAX_PER_OFFICE: usize = 10_000;

struct Entry {
    window: Interval,
    fb: FreeBusy,
}

struct OfficeCache {
    version: u64,
    checked_ms: i64,
    fresh: bool,
    entries: BTreeMap<ResourceId, Entry>,
}

/// What the cache can say about a set of one office's resources.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    /// Current: use it.
    Hit(Vec<FreeBusy>),
    /// Held at this version but too old or invalidated: ask with it.
    Stale(u64),
    /// Not held (or not for that window).
    Miss,
}

/// Cached free/busy, by office.
#[derive(Default)]
pub struct FreeBusyCache {
    offices: BTreeMap<OfficeId, OfficeCache>,
}

impl FreeBusyCache {
    /// What the cache holds for `resources` of `office` over `window`, at `now_ms`.
    pub fn lookup(
        &self,
        office: &OfficeId,
        resources: &[ResourceId],
        window: Interval,
        now_ms: i64,
    ) -> Lookup {
        let Some(oc) = self.offices.get(office) else {
            return Lookup::Miss;
        };
        let mut out = Vec::with_capacity(resources.len());
        for r in resources {
            match oc.entries.get(r) {
                Some(e) if e.window.start <= window.start && window.end <= e.window.end => {
                    out.push(clip(&e.fb, window))
                }
                _ => return Lookup::Miss,
            }
        }
        if oc.fresh && now_ms - oc.checked_ms < TRUST_MS {
            Lookup::Hit(out)
        } else {
            Lookup::Stale(oc.version)
        }
    }

    /// What was last known of `resources` at `office` over `window`, however old, and
    /// when it was last confirmed (monotonic ms): what suggestions use when the office
    /// does not answer. `None` if any of them is not known over the whole window.
    pub fn last_known(
        &self,
        office: &OfficeId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Option<(Vec<FreeBusy>, i64)> {
        let oc = self.offices.get(office)?;
        let answer = (resources.iter())
            .map(|r| {
                let e = oc.entries.get(r)?;
                (e.window.start <= window.start && window.end <= e.window.end)
                    .then(|| clip(&e.fb, window))
            })
            .collect::<Option<Vec<_>>>()?;
        Some((answer, oc.checked_ms))
    }

    /// The office said its calendars are still at `version`: the entries are current.
    pub fn confirm(&mut self, office: &OfficeId, version: u64, now_ms: i64) {
        if let Some(oc) = self.offices.get_mut(office) {
            if oc.version == version {
                oc.checked_ms = now_ms;
                oc.fresh = true;
            }
        }
    }

    /// Stores an answer read at `version`; entries of an older version are dropped.
    pub fn store(
        &mut self,
        office: &OfficeId,
        version: u64,
        window: Interval,
        answer: &[FreeBusy],
        now_ms: i64,
    ) {
        let oc = self
            .offices
            .entry(office.clone())
            .or_insert_with(|| OfficeCache {
                version,
                checked_ms: now_ms,
                fresh: true,
                entries: BTreeMap::new(),
            });
        if oc.version != version || oc.entries.len() >= MAX_PER_OFFICE {
            oc.entries.clear();
            oc.version = version;
        }
        oc.checked_ms = now_ms;
        oc.fresh = true;
        for fb in answer {
            oc.entries.insert(
                fb.resource.clone(),
                Entry {
                    window,
                    fb: fb.clone(),
                },
            );
        }
    }

    /// Something changed at `office`: its entries must be revalidated before use.
    pub fn invalidate(&mut self, office: &OfficeId) {
        if let Some(oc) = self.offices.get_mut(office) {
            oc.fresh = false;
        }
    }
}

fn clip(fb: &FreeBusy, window: Interval) -> FreeBusy {
    let mut out = fb.clone();
    out.window = window;
    out.busy = fb
        .busy
        .iter()
        .filter_map(|p| {
            let mut p = *p;
            p.interval = p.interval.intersect(&window)?;
            Some(p)
        })
        .collect();
    out.free = fb
        .free
        .iter()
        .filter_map(|f| f.intersect(&window))
        .collect();
    out
}
