//! Free/busy across offices for suggestions: this office's calendars read directly, the
//! others' through the [`cache`](super::cache), and the engine's ranked suggestions over
//! them (alternatives for a refused booking, and the `suggest` call).

use super::cache::Lookup;
use super::{bump, lock, OfficeServer};
use crate::rpc::FreeBusyReply;
use crate::storage::Storage;
use engine::calendar::{BusyStatus, FreeBusy, Interval};
use engine::ids::{OfficeId, ResourceId};
use engine::state::MeetingSpec;
use engine::suggest::{suggest, BusySource, RoomRequest, SuggestRequest, Suggestions};
use std::collections::BTreeMap;

/// Busy time gathered from the offices, and, in words, the offices that did not answer
/// and what stood in for their people's calendars.
pub struct Gathered(
    pub BTreeMap<ResourceId, Vec<(Interval, BusyStatus)>>,
    pub Vec<String>,
);

impl BusySource for Gathered {
    fn busy(&self, r: &ResourceId, window: Interval) -> Vec<(Interval, BusyStatus)> {
        self.0
            .get(r)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|(iv, _)| iv.overlaps(&window))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Free/busy of this office's `resources` (an error names one that is not here).
    pub(super) fn local_free_busy(
        &self,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<(u64, Vec<FreeBusy>), String> {
        let state = lock(&self.shared.state);
        let answer = resources
            .iter()
            .map(|r| {
                state.state().free_busy(r, window).ok_or_else(|| {
                    format!("{r} is not on office {}'s calendars", self.shared.office)
                })
            })
            .collect::<Result<_, _>>()?;
        Ok((state.state().version(), answer))
    }

    /// Free/busy of any office's resources: here directly, elsewhere through the cache.
    async fn office_free_busy(
        &self,
        office: &OfficeId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<FreeBusy>, String> {
        if *office == self.shared.office {
            return self.local_free_busy(resources, window).map(|(_, a)| a);
        }
        let c = &self.shared.counters;
        let now = self.shared.clock.monotonic_ms();
        let known = match lock(&self.shared.cache).lookup(office, resources, window, now) {
            Lookup::Hit(answer) => {
                bump(&c.cache_hits, 1);
                return Ok(answer);
            }
            Lookup::Stale(v) => Some(v),
            Lookup::Miss => None,
        };
        let reply = self
            .shared
            .peers
            .call(office, |cl| {
                let resources = resources.to_vec();
                async move {
                    cl.free_busy(tarpc::context::current(), resources, window, known)
                        .await
                }
            })
            .await??;
        let mut cache = lock(&self.shared.cache);
        match reply {
            FreeBusyReply::Unchanged { version } => {
                bump(&c.cache_revalidated, 1);
                cache.confirm(office, version, now);
                match cache.lookup(office, resources, window, now) {
                    Lookup::Hit(answer) => Ok(answer),
                    _ => Err(format!("office {office}: cache lost its entries")),
                }
            }
            FreeBusyReply::Fresh { version, answer } => {
                bump(&c.cache_misses, 1);
                cache.store(office, version, window, &answer, now);
                Ok(answer)
            }
        }
    }

    /// Busy time of `resources`, from whichever offices own them.
    pub(super) async fn gather(
        &self,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Gathered, String> {
        let mut by_office: BTreeMap<OfficeId, Vec<ResourceId>> = BTreeMap::new();
        for r in resources {
            let home = self.shared.dir.home(r).map_err(|e| e.to_string())?;
            by_office.entry(home.clone()).or_default().push(r.clone());
        }
        // Every office at once: across continents, one round trip instead of one each.
        let asked =
            (by_office.iter()).map(|(office, rs)| self.office_free_busy(office, rs, window));
        let answers = futures::future::join_all(asked).await;
        let mut busy = BTreeMap::new();
        let mut missing = Vec::new();
        for ((office, rs), answer) in by_office.iter().zip(answers) {
            let answer = match answer {
                Ok(a) => a,
                // Another office that does not answer: what was last known of its people
                // stands in (its age said), or nothing (said too); suggestions still come.
                Err(why) if *office != self.shared.office => {
                    let names: Vec<&str> = rs.iter().map(|r| r.as_str()).collect();
                    let known = lock(&self.shared.cache).last_known(office, rs, window);
                    let now = self.shared.clock.monotonic_ms();
                    missing.push(match &known {
                        Some((_, at)) => format!(
                            "office {office} did not answer ({why}): the free/busy of {} is as it was {} s ago",
                            names.join(", "),
                            (now - at).max(0) / 1000
                        ),
                        None => format!(
                            "office {office} did not answer ({why}): the calendars of {} are not known, and taken as free",
                            names.join(", ")
                        ),
                    });
                    known.map(|(a, _)| a).unwrap_or_default()
                }
                Err(why) => return Err(why),
            };
            for fb in answer {
                let periods = fb.busy.iter().map(|p| (p.interval, p.status)).collect();
                busy.insert(fb.resource, periods);
            }
        }
        Ok(Gathered(busy, missing))
    }

    /// Ranked suggestions for `req`, over every office's free/busy.
    pub(super) async fn suggest_for(&self, req: &SuggestRequest) -> Result<Suggestions, String> {
        req.validate().map_err(|e| e.to_string())?;
        let dir = &self.shared.dir;
        let mut resources: Vec<ResourceId> =
            req.required.iter().chain(&req.optional).cloned().collect();
        match &req.room {
            Some(RoomRequest::Specific(r)) => resources.push(r.clone()),
            Some(RoomRequest::Any { office, .. }) => resources.extend(
                dir.rooms
                    .iter()
                    .filter(|(_, room)| office.as_ref().is_none_or(|o| *o == room.office))
                    .map(|(id, _)| id.clone()),
            ),
            None => {}
        }
        resources.sort();
        resources.dedup();
        // A day either side: zones and working hours reach past the window's edges; a
        // recurring proposal needs its later instances' weeks too.
        let span = match &req.recurrence {
            Some(_) => engine::state::meeting::BOOKING_HORIZON_SECS,
            None => 0,
        };
        let pad = Interval::new(
            req.window.start.plus_secs(-86_400),
            req.window.end.plus_secs(86_400 + span),
        );
        let busy = self.gather(&resources, pad).await?;
        let mut found = suggest(req, dir, &busy).map_err(|e| e.to_string())?;
        found.unavailable = busy.1;
        Ok(found)
    }

    /// The best three times near a refused meeting's start (a day before to four after);
    /// for a series, only starts at which every instance of its (first) rule works. A
    /// refused change of a meeting booked already (`before`, its booked version) is
    /// offered times near its first conflicting instance instead (an edit of this and the
    /// following instances leaves the earlier ones where they were), and, when the change
    /// moves one instance alone, single times for that instance.
    pub(super) async fn alternatives(
        &self,
        m: &MeetingSpec,
        conflicts: &[engine::calendar::Conflict],
        before: Option<&MeetingSpec>,
    ) -> Result<Suggestions, String> {
        let first_conflict = conflicts.iter().map(|c| c.proposed).min();
        let (start, duration_secs, one) = match (first_conflict, before) {
            (Some(iv), Some(old)) => (iv.start, iv.len_secs(), moves_one(old, m)),
            _ => (m.recurrence.start(), m.duration_secs, false),
        };
        let window = Interval::new(start.plus_secs(-86_400), start.plus_secs(4 * 86_400));
        let required: Vec<ResourceId> = std::iter::once(m.organizer.clone())
            .chain(
                m.attendees
                    .iter()
                    .filter(|a| a.required)
                    .map(|a| a.resource.clone()),
            )
            .collect();
        let mut req = SuggestRequest::new(required, duration_secs, window);
        req.optional = m
            .attendees
            .iter()
            .filter(|a| !a.required)
            .map(|a| a.resource.clone())
            .collect();
        req.room = m.rooms.first().cloned().map(RoomRequest::Specific);
        req.preferred = Some(start);
        req.max_candidates = 3;
        req.recurrence = (!one)
            .then(|| m.recurrence.rrules.first().cloned())
            .flatten();
        req.zone = Some(m.recurrence.zone);
        let mut found = self.suggest_for(&req).await?;
        found
            .candidates
            .retain(|c| c.instances.as_ref().is_none_or(|f| f.ok == f.total));
        Ok(found)
    }
}

/// Whether `new` differs from `old` in the time of one instance only.
fn moves_one(old: &MeetingSpec, new: &MeetingSpec) -> bool {
    let times = |m: &MeetingSpec| -> std::collections::BTreeSet<Interval> {
        (m.instances().ok().into_iter().flatten())
            .map(|(_, iv)| iv)
            .collect()
    };
    let (a, b) = (times(old), times(new));
    a.len() == b.len() && a.difference(&b).count() == 1
}
