//! [`suggest`]: score every start on the grid, keep the feasible ones, rank them, and
//! return the best few that do not overlap each other (distinct options, not the same gap
//! shifted by a quarter hour), each explained.

use super::answer::{AttendeeStatus, Availability, Candidate, InstanceFit, Suggestions};
use super::grid::{Grid, Lane, BUSY, IN_HOURS, LUNCH, TENTATIVE};
use super::request::{
    RoomRequest, SuggestError, SuggestRequest, MAX_RECURRING_INSTANCES, RECURRING_SHORTLIST,
};
use super::score::{Rank, ScoreParts};
use super::source::BusySource;
use crate::calendar::Interval;
use crate::ids::ResourceId;
use crate::office::Directory;
use crate::recurrence::RecurrenceSet;
use crate::time::format::rfc3339_in;
use crate::time::Zone;
use std::collections::BTreeMap;

/// A feasible start and how it ranks.
struct Feasible {
    k: usize,
    rank: Rank,
    room: Option<usize>,
    fit: Option<InstanceFit>,
}

/// Per-slot sums over all lanes, built lane by lane (contiguous, cache-friendly loops) so
/// that scoring a slot reads a handful of numbers instead of every lane.
#[derive(Default)]
struct Totals {
    req_free: Vec<u16>,
    /// Required people free and inside their working hours.
    req_free_in_hours: Vec<u16>,
    opt_free: Vec<u16>,
    in_hours: Vec<u16>,
    not_lunch: Vec<u16>,
    tentative: Vec<u16>,
    /// Per zone group: the seconds its lanes spend inside working hours, per slot.
    zone_in_secs: Vec<Vec<u32>>,
    zone_size: Vec<u32>,
}

impl Totals {
    fn new(
        grid: &Grid,
        lanes: &[Lane],
        required: &[bool],
        zone_group: &[usize],
        n_zones: usize,
    ) -> Totals {
        let n = grid.n;
        let mut t = Totals {
            req_free: vec![0; n],
            req_free_in_hours: vec![0; n],
            opt_free: vec![0; n],
            in_hours: vec![0; n],
            not_lunch: vec![0; n],
            tentative: vec![0; n],
            zone_in_secs: vec![vec![0; n]; n_zones],
            zone_size: vec![0; n_zones],
        };
        for (i, lane) in lanes.iter().enumerate() {
            let (free, hours) = if required[i] {
                (&mut t.req_free, Some(&mut t.req_free_in_hours))
            } else {
                (&mut t.opt_free, None)
            };
            for (k, f) in lane.flags.iter().enumerate() {
                free[k] += u16::from(f & BUSY == 0);
            }
            if let Some(h) = hours {
                for (k, f) in lane.flags.iter().enumerate() {
                    h[k] += u16::from(f & IN_HOURS != 0 && f & BUSY == 0);
                }
            }
            let z = zone_group[i];
            t.zone_size[z] += 1;
            for k in 0..n {
                let f = lane.flags[k];
                t.in_hours[k] += u16::from(f & IN_HOURS != 0);
                t.not_lunch[k] += u16::from(f & LUNCH == 0);
                t.tentative[k] += u16::from(f & (TENTATIVE | BUSY) == TENTATIVE);
            }
            for (sum, secs) in t.zone_in_secs[z].iter_mut().zip(&lane.in_hours_secs) {
                *sum += secs;
            }
        }
        t
    }
}

/// Everything the scan needs, built once per request.
struct Scan<'a> {
    req: &'a SuggestRequest,
    grid: Grid,
    lanes: Vec<Lane>,
    required: Vec<bool>,
    rooms: Vec<(Lane, u32)>,
    n_required: usize,
    need_required: usize,
    totals: Totals,
}

/// Suggests times for `req`, reading busy time from `src`.
pub fn suggest(
    req: &SuggestRequest,
    dir: &Directory,
    src: &dyn BusySource,
) -> Result<Suggestions, SuggestError> {
    req.validate()?;
    let scan = Scan::new(req, dir, src)?;
    if scan.grid.n == 0 {
        return Ok(empty(
            0,
            format!(
                "the search window ({} min) is shorter than the meeting ({} min)",
                req.window.len_secs() / 60,
                req.duration_secs / 60
            ),
        ));
    }
    let mut misses = Misses::default();
    let mut feasible: Vec<Feasible> = (0..scan.grid.n)
        .filter_map(|k| scan.evaluate(k, &mut misses))
        .collect();
    if feasible.is_empty() {
        return Ok(empty(scan.grid.n, misses.explain(&scan, dir)));
    }
    feasible.sort_by(|a, b| Rank::better_first(&a.rank, &b.rank));
    if let Some(rule) = &req.recurrence {
        feasible.truncate(RECURRING_SHORTLIST);
        for f in &mut feasible {
            let fit = scan.instance_fit(f, rule, src, dir)?;
            f.rank.instances_ok = fit.ok;
            f.fit = Some(fit);
        }
        feasible.sort_by(|a, b| Rank::better_first(&a.rank, &b.rank));
    }
    let mut picked: Vec<Feasible> = Vec::new();
    for f in feasible {
        if picked.len() == req.max_candidates {
            break;
        }
        let slot = scan.grid.slot(f.k);
        if picked.iter().all(|p| !scan.grid.slot(p.k).overlaps(&slot)) {
            picked.push(f);
        }
    }
    let candidates = picked.into_iter().map(|f| scan.describe(f, dir)).collect();
    Ok(Suggestions {
        unavailable: vec![],
        candidates,
        empty_reason: None,
        slots_considered: scan.grid.n,
    })
}

fn empty(slots: usize, why: String) -> Suggestions {
    Suggestions {
        unavailable: vec![],
        candidates: vec![],
        empty_reason: Some(why),
        slots_considered: slots,
    }
}

/// Why slots were rejected, for the empty answer.
#[derive(Default)]
struct Misses {
    attendees: usize,
    hours: usize,
    room: usize,
}

impl Misses {
    fn explain(&self, scan: &Scan<'_>, dir: &Directory) -> String {
        if self.attendees == scan.grid.n {
            let mut busiest: Vec<(usize, &ResourceId)> = scan
                .lanes
                .iter()
                .zip(&scan.required)
                .filter(|(_, r)| **r)
                .map(|(l, _)| {
                    (
                        l.flags.iter().filter(|f| **f & BUSY != 0).count(),
                        &l.resource,
                    )
                })
                .collect();
            busiest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let names: Vec<String> = busiest
                .iter()
                .take(3)
                .map(|(n, r)| {
                    format!(
                        "{} busy in {}% of them",
                        dir.name_of(r),
                        n * 100 / scan.grid.n
                    )
                })
                .collect();
            return format!(
                "attendees unavailable: no candidate time has enough required attendees free ({} needed; {})",
                scan.need_required,
                names.join(", ")
            );
        }
        if self.hours > 0 && self.room == 0 {
            return "outside working hours: no time with the required attendees free is inside all their working hours".into();
        }
        format!(
            "room unavailable: {} times had the attendees free but no suitable room",
            self.room
        )
    }
}

impl<'a> Scan<'a> {
    fn new(
        req: &'a SuggestRequest,
        dir: &Directory,
        src: &dyn BusySource,
    ) -> Result<Scan<'a>, SuggestError> {
        let grid = Grid::new(req.window, req.granularity_secs, req.duration_secs);
        // Pad the window by a day so that lanes see intervals reaching into it.
        let pad = Interval::new(
            req.window.start.plus_secs(-86_400),
            req.window.end.plus_secs(86_400),
        );
        let mut people: Vec<(ResourceId, bool)> = Vec::new();
        let listed = req
            .required
            .iter()
            .map(|r| (r, true))
            .chain(req.optional.iter().map(|r| (r, false)));
        for (r, required) in listed {
            if !people.iter().any(|(p, _)| p == r) {
                people.push((r.clone(), required));
            }
        }
        let mut lanes = Vec::with_capacity(people.len());
        let mut zones: BTreeMap<&'static str, usize> = BTreeMap::new();
        // People of one office share hours: compute them once per schedule.
        let mut schedules: BTreeMap<String, (Vec<Interval>, Vec<Interval>)> = BTreeMap::new();
        for (r, _) in &people {
            let zone = dir.zone_of(r)?;
            let key = dir.schedule_key(r)?;
            if !schedules.contains_key(&key) {
                schedules.insert(key.clone(), (dir.working(r, pad)?, dir.lunch(r, pad)?));
            }
            let (working, lunch) = &schedules[&key];
            let lane = Lane::build(&grid, r.clone(), zone, &src.busy(r, pad), working, lunch);
            let next = zones.len();
            zones.entry(zone.name()).or_insert(next);
            lanes.push(lane);
        }
        let zone_group: Vec<usize> = lanes.iter().map(|l| zones[l.zone.name()]).collect();
        let rooms = Self::room_lanes(req, dir, src, &grid, pad, people.len())?;
        let n_req = people.iter().filter(|(_, r)| *r).count();
        let need_required = ((req.min_attendance * n_req as f64).ceil() as usize).min(n_req);
        let required: Vec<bool> = people.iter().map(|(_, r)| *r).collect();
        let totals = Totals::new(&grid, &lanes, &required, &zone_group, zones.len());
        Ok(Scan {
            req,
            grid,
            required,
            lanes,
            rooms,
            n_required: n_req,
            need_required,
            totals,
        })
    }

    fn room_lanes(
        req: &SuggestRequest,
        dir: &Directory,
        src: &dyn BusySource,
        grid: &Grid,
        pad: Interval,
        attendees: usize,
    ) -> Result<Vec<(Lane, u32)>, SuggestError> {
        let rooms: Vec<&crate::office::Room> = match &req.room {
            None => return Ok(vec![]),
            Some(RoomRequest::Specific(id)) => vec![dir
                .rooms
                .get(id)
                .ok_or_else(|| crate::office::DirectoryError::UnknownResource(id.0.clone()))?],
            Some(RoomRequest::Any {
                min_capacity,
                amenities,
                office,
            }) => {
                let seats = min_capacity.unwrap_or(attendees as u32);
                let mut v: Vec<_> = dir
                    .rooms
                    .values()
                    .filter(|r| r.capacity >= seats && amenities.is_subset(&r.amenities))
                    .filter(|r| office.as_ref().is_none_or(|o| &r.office == o))
                    .collect();
                v.sort_by(|a, b| a.capacity.cmp(&b.capacity).then(a.id.cmp(&b.id)));
                v
            }
        };
        // A room keeps its office's hours: with `working_hours_only`, a time outside them
        // (09:15 in Sydney is Sunday night in a London room) does not fit.
        rooms
            .into_iter()
            .map(|r| {
                let zone = dir.zone_of(&r.id).unwrap_or(Zone::Utc);
                let working = match req.working_hours_only {
                    true => dir.working(&r.id, pad)?,
                    false => vec![],
                };
                let busy = src.busy(&r.id, pad);
                let lane = Lane::build(grid, r.id.clone(), zone, &busy, &working, &[]);
                Ok((lane, r.capacity))
            })
            .collect()
    }

    /// Scores slot `k`, or says why it is not feasible.
    fn evaluate(&self, k: usize, misses: &mut Misses) -> Option<Feasible> {
        let t = &self.totals;
        let req_free = usize::from(t.req_free[k]);
        // Those who come must be inside their hours: with a minimum attendance, enough
        // of the required people free and in hours (the others may be neither).
        let req_out_of_hours = usize::from(t.req_free_in_hours[k]) < self.need_required;
        if req_free < self.need_required {
            misses.attendees += 1;
            return None;
        }
        if self.req.working_hours_only && req_out_of_hours {
            misses.hours += 1;
            return None;
        }
        let room = if self.req.room.is_some() {
            let open = |l: &Lane| !self.req.working_hours_only || l.flags[k] & IN_HOURS != 0;
            match (self.rooms.iter()).position(|(l, _)| l.flags[k] & BUSY == 0 && open(l)) {
                Some(i) => Some(i),
                None => {
                    misses.room += 1;
                    return None;
                }
            }
        } else {
            None
        };
        let score = self.parts(k, room).total();
        Some(Feasible {
            k,
            rank: Rank {
                required_free: req_free,
                instances_ok: 0,
                score,
                start: self.grid.start(k).0,
            },
            room,
            fit: None,
        })
    }

    fn parts(&self, k: usize, room: Option<usize>) -> ScoreParts {
        let t = &self.totals;
        let n = self.lanes.len() as f64;
        let opt_n = self.lanes.len() - self.n_required;
        let dur = self.grid.dur.max(1) as f64;
        let worst = t
            .zone_in_secs
            .iter()
            .zip(&t.zone_size)
            .filter(|(_, &size)| size > 0)
            .map(|(secs, &size)| 1.0 - f64::from(secs[k]) / (dur * f64::from(size)))
            .fold(0.0, f64::max);
        let start = self.grid.start(k);
        let distance = self.req.preferred.map_or(0.0, |p| {
            (start.0 - p.0).abs() as f64 / self.req.window.len_secs().max(1) as f64
        });
        ScoreParts {
            optional_free: if opt_n == 0 {
                1.0
            } else {
                f64::from(t.opt_free[k]) / opt_n as f64
            },
            in_hours: f64::from(t.in_hours[k]) / n,
            not_lunch: f64::from(t.not_lunch[k]) / n,
            worst_zone_off_hours: worst,
            tentative: f64::from(t.tentative[k]) / n,
            distance: distance.min(1.0),
            room_fit: room.map_or(0.0, |r| (n / f64::from(self.rooms[r].1.max(1))).min(1.0)),
        }
    }

    /// Checks every instance of a recurring proposal starting at candidate `f`: enough
    /// required people free and, with `working_hours_only`, inside their working hours at
    /// that instance (the hours move against each other across DST changes), and the room.
    fn instance_fit(
        &self,
        f: &Feasible,
        rule: &crate::recurrence::Rule,
        src: &dyn BusySource,
        dir: &Directory,
    ) -> Result<InstanceFit, SuggestError> {
        let zone = self
            .req
            .zone
            .unwrap_or_else(|| self.lanes.first().map_or(Zone::Utc, |l| l.zone));
        let start = self.grid.start(f.k);
        let set = RecurrenceSet::with_rule(zone.to_wall(start), zone, rule.clone());
        let starts = set.first_n(None, MAX_RECURRING_INSTANCES)?;
        let mut fit = InstanceFit {
            ok: 0,
            total: starts.len(),
            failing: vec![],
        };
        for o in starts {
            let iv = Interval::from_len(o.start, self.req.duration_secs);
            let free = |r: &ResourceId| {
                src.busy(r, iv)
                    .iter()
                    .all(|(b, s)| !s.blocks() || !b.overlaps(&iv))
            };
            let in_hours = |r: &ResourceId| {
                !self.req.working_hours_only
                    || (dir.working(r, iv).ok().into_iter().flatten())
                        .any(|h| h.start <= iv.start && iv.end <= h.end)
            };
            let req_free = self
                .lanes
                .iter()
                .zip(&self.required)
                .filter(|(l, r)| **r && free(&l.resource) && in_hours(&l.resource))
                .count();
            let room_ok = (f.room).is_none_or(|r| {
                let room = &self.rooms[r].0.resource;
                free(room) && in_hours(room)
            });
            if req_free >= self.need_required && room_ok {
                fit.ok += 1;
            } else if fit.failing.len() < 20 {
                fit.failing.push(o.start);
            }
        }
        Ok(fit)
    }

    fn describe(&self, f: Feasible, dir: &Directory) -> Candidate {
        let slot = self.grid.slot(f.k);
        let attendees: Vec<AttendeeStatus> = self
            .lanes
            .iter()
            .zip(&self.required)
            .map(|(l, &required)| {
                let flags = l.flags[f.k];
                AttendeeStatus {
                    resource: l.resource.clone(),
                    required,
                    availability: if flags & BUSY != 0 {
                        Availability::Busy
                    } else if flags & TENTATIVE != 0 {
                        Availability::Tentative
                    } else {
                        Availability::Free
                    },
                    local_start: rfc3339_in(slot.start, l.zone),
                    in_working_hours: flags & IN_HOURS != 0,
                    at_lunch: flags & LUNCH != 0,
                }
            })
            .collect();
        let room = f.room.map(|r| self.rooms[r].0.resource.clone());
        let reasons = reasons(
            &attendees,
            room.as_ref()
                .map(|r| (r, self.rooms[f.room.unwrap_or(0)].1)),
            f.fit.as_ref(),
            dir,
        );
        Candidate {
            start: slot.start,
            end: slot.end,
            score: (f.rank.score * 100.0).round() / 100.0,
            parts: self.parts(f.k, f.room),
            required_free: f.rank.required_free,
            room,
            attendees,
            instances: f.fit,
            reasons,
        }
    }
}

/// The reasons a candidate gives, in words.
fn reasons(
    attendees: &[AttendeeStatus],
    room: Option<(&ResourceId, u32)>,
    fit: Option<&InstanceFit>,
    dir: &Directory,
) -> Vec<String> {
    let mut out = Vec::new();
    let count = |req: bool| attendees.iter().filter(|a| a.required == req).count();
    let free = |req: bool| {
        attendees
            .iter()
            .filter(|a| a.required == req && a.availability != Availability::Busy)
            .count()
    };
    let names = |pick: &dyn Fn(&AttendeeStatus) -> bool| -> Vec<String> {
        attendees
            .iter()
            .filter(|a| pick(a))
            .map(|a| dir.name_of(&a.resource))
            .collect()
    };
    let (nr, fr) = (count(true), free(true));
    if fr == nr {
        out.push(format!("all {nr} required attendees free"));
    } else {
        out.push(format!(
            "{fr} of {nr} required attendees free; busy: {}",
            names(&|a| a.required && a.availability == Availability::Busy).join(", ")
        ));
    }
    let no = count(false);
    if no > 0 {
        out.push(format!("{} of {no} optional attendees free", free(false)));
    }
    let outside: Vec<String> = attendees
        .iter()
        .filter(|a| !a.in_working_hours)
        .map(|a| {
            format!(
                "{} ({})",
                dir.name_of(&a.resource),
                a.local_start.get(11..16).unwrap_or("")
            )
        })
        .collect();
    if outside.is_empty() {
        out.push("inside everyone's working hours".into());
    } else {
        out.push(format!("outside working hours for {}", outside.join(", ")));
    }
    let lunch = names(&|a| a.at_lunch);
    if !lunch.is_empty() {
        out.push(format!("over lunch for {}", lunch.join(", ")));
    }
    let tentative = names(&|a| a.availability == Availability::Tentative);
    if !tentative.is_empty() {
        out.push(format!("tentatively busy: {}", tentative.join(", ")));
    }
    if let Some((r, seats)) = room {
        out.push(format!(
            "room {} ({seats} seats for {})",
            dir.name_of(r),
            attendees.len()
        ));
    }
    if let Some(fit) = fit {
        if fit.ok == fit.total {
            out.push(format!("every one of {} instances works", fit.total));
        } else {
            let days: Vec<String> = fit
                .failing
                .iter()
                .take(3)
                .map(|t| rfc3339_in(*t, Zone::Utc)[..10].to_string())
                .collect();
            out.push(format!(
                "{} of {} instances work; conflicts on {}",
                fit.ok,
                fit.total,
                days.join(", ")
            ));
        }
    }
    out
}
