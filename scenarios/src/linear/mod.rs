//! The linearizability checker: is there one order of the client calls, respecting
//! real time (a call that returned before another was invoked comes first), in which a
//! sequential model of the calendars gives every call the answer it got?
//!
//! The search is Wing & Gong's: take the calls that may go next (invoked before the
//! earliest return among those not placed), try each one the model accepts, backtrack on
//! a dead end; with Lowe's memoization (a set of (calls placed, model state) already
//! explored, so no configuration is explored twice; both by 64-bit hashes kept up to
//! date as they change, so a collision could only make the search give up on an order,
//! never accept a wrong history). The history is first split into
//! independent parts (union-find over meetings and resources: calls that share none
//! cannot constrain each other) and each part searched alone. The order the search tries
//! calls in (the `search` module) lets it place a call with no answer, or a delivery,
//! just when a later call needs it, so a long run's history (one part of thousands of
//! calls) is decided without deep backtracking. A part the search cannot decide within
//! a first budget is searched resource by resource for a violation (a weaker history
//! each: a violation there is one of the whole), then whole again with the full bound.
//!
//! The model is the system's specification, office by office:
//! - a booking or change is atomic across offices (two-phase commit): at one point
//!   every office's copy appears (or moves), and it must not overlap a blocking entry
//!   of another meeting on any of its resources;
//! - a cancellation takes effect at the organizer's office at one point, and at every
//!   other office at a later point of its own (the outbox delivers it asynchronously):
//!   each such delivery is a call of its own, invoked with the cancellation, that must
//!   be placed before the history ends if the cancellation was acknowledged, and before
//!   the quiet point when the history has one (every fault healed and every outbox
//!   drained: the final reads must see it);
//! - from the quiet point on nothing is undecided: an entry still held then is judged
//!   as a plain entry (so a hold a refused booking left behind is caught);
//! - an answer takes effect at the attendee's office (declining frees the time;
//!   accepting over a conflict is the attendee's recorded override);
//! - a read of a resource at its office returns every entry there: an entry *held* by
//!   an undecided transaction makes its meeting in doubt at that read (may be either
//!   way); every other entry must be exactly the model's, and everything the model has
//!   must show;
//! - "conflicts" is a legal answer if one of the conflicts it names is in the model at
//!   that point, or is a hold of another booking of that meeting invoked before the
//!   answer (holds exist before their decision, and linger until the abort reaches
//!   them);
//! - a refusal (an office unreachable, a meeting being changed) has no effect and is
//!   always legal; a call with no answer (timeout) may have taken effect at any point
//!   after it was invoked, or never (as Jepsen treats them).
//!
//! A booking across several resources is one call on one model of all of them: the
//! decomposition only separates calls that share no resource and no meeting, so
//! multi-resource atomicity is part of what is checked, not assumed.

mod model;
mod search;

use search::{search, Order};
use std::collections::{BTreeMap, BTreeSet};

/// A resource (person or room), numbered.
pub type Res = u32;
/// A meeting, numbered.
pub type Mtg = u32;
/// An office, numbered.
pub type Office = u32;
/// `[start, end)` in seconds.
pub type Slot = (i64, i64);

/// One version of a meeting: when, and on which resources (with their offices).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Version {
    /// The meeting.
    pub id: Mtg,
    /// When: every instance.
    pub slots: Vec<Slot>,
    /// Its resources and their offices.
    pub resources: Vec<(Res, Office)>,
    /// The organizer's office (which coordinates it, and cancels it first).
    pub home: Office,
}

/// What a call asked for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    /// Book a new meeting.
    Book(Version),
    /// Replace a booked meeting by this version.
    Update(Version),
    /// Cancel a meeting (takes effect at its organizer's office).
    Cancel {
        /// The meeting.
        id: Mtg,
        /// The organizer's office.
        home: Office,
    },
    /// A cancellation reaching another office (added by the checker, see the module).
    Deliver {
        /// The meeting.
        id: Mtg,
        /// Where.
        office: Office,
    },
    /// An attendee answers, at the attendee's office.
    Respond {
        /// The meeting.
        id: Mtg,
        /// Who.
        who: Res,
        /// Their office.
        office: Office,
        /// Declined (else accepted).
        declined: bool,
    },
    /// Ask one resource's office for its free/busy: every busy period (any status),
    /// merged, without meetings. Only a necessary condition can be checked: all the
    /// model has there must show as busy.
    FreeBusy {
        /// Whose.
        res: Res,
        /// Its office.
        office: Office,
        /// The busy periods.
        busy: Vec<Slot>,
    },
    /// Read one resource's entries at its office.
    Read {
        /// Whose.
        res: Res,
        /// Its office.
        office: Office,
        /// What came back: meeting, time, held by an undecided transaction.
        entries: Vec<(Mtg, Slot, bool)>,
    },
}

/// What the call came to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Answer {
    /// Done (booked, changed, cancelled, answered, read).
    Ok,
    /// Refused for these conflicts: (resource, meeting in the way).
    Conflicts(Vec<(Res, Mtg)>),
    /// Refused otherwise: no effect.
    Refused,
    /// No answer: may or may not have taken effect.
    Unknown,
}

/// One call: invoked and returned at simulated instants (nanoseconds).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    /// What it asked.
    pub action: Action,
    /// What it came to.
    pub answer: Answer,
    /// When it was invoked.
    pub invoked: u64,
    /// When it returned (`None`: never, for calls with no answer).
    pub returned: Option<u64>,
}

/// How a history failed to linearize.
#[derive(Debug)]
pub struct Violation {
    /// The part of the history (its calls) that has no linearization.
    pub calls: usize,
    /// The most calls any order placed.
    pub placed: usize,
    /// A call that could not be placed next at that point.
    pub stuck_at: String,
    /// The search gave up after its bound of configurations ([`MAX_STATES`] unless told) without finding an
    /// order or proving there is none (the history is neither passed nor failed).
    pub gave_up: bool,
}

/// Configurations one part's search may explore before it gives up (histories with
/// many calls that may or may not have happened can take exponential time).
pub const MAX_STATES: usize = 30_000_000;

/// A recorded history with what it starts from: what a cluster run writes
/// (`history.json` in its report directory) so its check can be run again.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Recorded {
    /// Meetings booked before the history began.
    pub initial: Vec<Version>,
    /// The calls, in the checker's terms.
    pub calls: Vec<Call>,
    /// The instant the system was quiet from (the final reads), if it was.
    pub quiet: Option<u64>,
}

/// Configurations a part's first search may explore before the search looks for a
/// violation resource by resource (see [`check_within`]).
const FIRST_TRY: usize = 100_000;

/// Checks a history; `Ok(n)` gives the number of parts searched.
pub fn check(history: &[Call]) -> Result<usize, Violation> {
    check_from(&[], history, None)
}

/// The same, from calendars that already hold `initial` (meetings booked before the
/// history began, each before any of its calls): each part starts with those on its
/// resources. `quiet`, if given, is the instant from which the system was quiet (the
/// final reads are invoked after it): acknowledged cancellations have reached every
/// office by then.
pub fn check_from(
    initial: &[Version],
    history: &[Call],
    quiet: Option<u64>,
) -> Result<usize, Violation> {
    check_within(initial, history, quiet, MAX_STATES)
}

/// [`check_from`], giving up on a part after `max_states` configurations (a slower
/// build, or a history with a violation, whose search must exhaust them). A part not
/// decided after 100,000 configurations is first checked resource by resource (each
/// resource's calls alone): a violation found there is returned as the part's.
pub fn check_within(
    initial: &[Version],
    history: &[Call],
    quiet: Option<u64>,
    max_states: usize,
) -> Result<usize, Violation> {
    parts_within(initial, history, quiet, max_states, true)
}

/// [`check_within`]; with `refute`, a part the search gives up on is searched again
/// resource by resource (see [`refute`]).
fn parts_within(
    initial: &[Version],
    history: &[Call],
    quiet: Option<u64>,
    max_states: usize,
    refute_too: bool,
) -> Result<usize, Violation> {
    let calls = with_deliveries(history, quiet);
    let parts = split(&calls);
    for part in &parts {
        let sub: Vec<Call> = part.iter().map(|&i| calls[i].clone()).collect();
        let mut res: BTreeSet<Res> = BTreeSet::new();
        for c in &sub {
            res.extend(touches(c).0);
            if let Answer::Conflicts(list) = &c.answer {
                res.extend(list.iter().map(|(r, _)| *r));
            }
        }
        let start: Vec<&Version> = (initial.iter())
            .filter(|v| v.resources.iter().any(|(r, _)| res.contains(r)))
            .collect();
        // Each order in turn: where one gives up the other may decide at once.
        let both = |bound: usize| match search(&start, &sub, bound, Order::Directed) {
            Err(v) if v.gave_up => search(&start, &sub, bound, Order::ByAnswer),
            decided => decided,
        };
        if !refute_too {
            both(max_states)?;
            continue;
        }
        // Short searches first; if they cannot decide, a violation on one resource's
        // calls, which is quick to find; then the whole searches.
        match both(max_states.min(FIRST_TRY)) {
            Err(v) if v.gave_up && max_states > FIRST_TRY => {
                if let Some(found) = refute(initial, &sub, &res, quiet, max_states) {
                    return Err(found);
                }
                both(max_states)?;
            }
            Err(v) if v.gave_up => {
                return Err(refute(initial, &sub, &res, quiet, max_states).unwrap_or(v))
            }
            found => found?,
        }
    }
    Ok(parts.len())
}

/// Looks for a violation in a part too large to search whole: its calls on one
/// resource at a time (bookings and changes reduced to that resource, reads of others
/// and answers by others left out, a refusal for conflicts elsewhere). That is a weaker
/// history (any order of the whole is an order of it), so a violation found there is
/// one of the whole; finding none decides nothing.
fn refute(
    initial: &[Version],
    part: &[Call],
    resources: &BTreeSet<Res>,
    quiet: Option<u64>,
    max_states: usize,
) -> Option<Violation> {
    for &r in resources {
        let keep = |x: &Res| *x == r;
        let meetings: BTreeSet<Mtg> = (part.iter())
            .filter_map(|c| match &c.action {
                Action::Book(v) | Action::Update(v) => Some(v),
                _ => None,
            })
            .filter(|v| v.resources.iter().any(|(x, _)| keep(x)))
            .map(|v| v.id)
            .collect();
        let calls: Vec<Call> = (part.iter())
            .filter_map(|c| project(c, &keep, &meetings))
            .collect();
        let start: Vec<Version> = (initial.iter())
            .filter(|v| v.resources.iter().any(|(x, _)| keep(x)))
            .map(|v| Version {
                resources: v
                    .resources
                    .iter()
                    .copied()
                    .filter(|(x, _)| keep(x))
                    .collect(),
                ..v.clone()
            })
            .collect();
        if let Err(mut v) = parts_within(&start, &calls, quiet, max_states, false) {
            if !v.gave_up {
                v.stuck_at = format!(
                    "{} (found on the calls of resource {r} alone: the whole part was too large to search)",
                    v.stuck_at
                );
                return Some(v);
            }
        }
    }
    None
}

/// `c` reduced to the resources `keep` holds, if it concerns one of them or one of
/// their `meetings`.
fn project(c: &Call, keep: &dyn Fn(&Res) -> bool, meetings: &BTreeSet<Mtg>) -> Option<Call> {
    let mut c = c.clone();
    match &mut c.action {
        Action::Book(v) | Action::Update(v) => {
            if !meetings.contains(&v.id) {
                return None;
            }
            v.resources.retain(|(r, _)| keep(r));
            if let Answer::Conflicts(list) = &c.answer {
                if !list.iter().all(|(r, _)| keep(r)) {
                    c.answer = Answer::Refused;
                }
            }
        }
        Action::Cancel { id, .. } if meetings.contains(id) => {}
        Action::Respond { who: r, .. }
        | Action::Read { res: r, .. }
        | Action::FreeBusy { res: r, .. }
            if keep(r) => {}
        _ => return None,
    }
    Some(c)
}

/// The history with one `Deliver` per other office of every cancelled meeting; those of
/// an acknowledged cancellation return by `quiet` (if given), the others may never
/// happen. Reads from `quiet` on have nothing in doubt.
fn with_deliveries(history: &[Call], quiet: Option<u64>) -> Vec<Call> {
    let mut offices: BTreeMap<Mtg, BTreeSet<Office>> = BTreeMap::new();
    for c in history {
        if let Action::Book(v) | Action::Update(v) = &c.action {
            let set = offices.entry(v.id).or_default();
            set.extend(v.resources.iter().map(|(_, o)| *o));
        }
    }
    let mut out = history.to_vec();
    // Nothing is undecided once the system is quiet: no entry read then is in doubt.
    for c in out
        .iter_mut()
        .filter(|c| quiet.is_some_and(|q| c.invoked >= q))
    {
        if let Action::Read { entries, .. } = &mut c.action {
            entries.iter_mut().for_each(|e| e.2 = false);
        }
    }
    for c in history {
        let Action::Cancel { id, home } = c.action else {
            continue;
        };
        if matches!(c.answer, Answer::Refused | Answer::Conflicts(_)) {
            continue;
        }
        for &office in offices.get(&id).into_iter().flatten() {
            if office != home {
                out.push(Call {
                    action: Action::Deliver { id, office },
                    answer: c.answer.clone(),
                    invoked: c.invoked,
                    returned: (quiet.filter(|_| c.answer == Answer::Ok)).map(|q| q.max(c.invoked)),
                });
            }
        }
    }
    out
}

/// What a call touches, for the split.
fn touches(c: &Call) -> (Vec<Res>, Option<Mtg>) {
    match &c.action {
        Action::Book(v) | Action::Update(v) => {
            (v.resources.iter().map(|(r, _)| *r).collect(), Some(v.id))
        }
        Action::Cancel { id, .. } | Action::Deliver { id, .. } => (vec![], Some(*id)),
        Action::Respond { id, who, .. } => (vec![*who], Some(*id)),
        Action::Read { res, .. } | Action::FreeBusy { res, .. } => (vec![*res], None),
    }
}

/// Splits the calls into parts that share no resource and no meeting.
fn split(calls: &[Call]) -> Vec<Vec<usize>> {
    // Union-find over nodes: resources, then meetings.
    let mut node: BTreeMap<(bool, u32), usize> = BTreeMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut id = |key: (bool, u32), parent: &mut Vec<usize>| {
        *node.entry(key).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    let mut first = Vec::with_capacity(calls.len());
    for c in calls {
        let (res, mtg) = touches(c);
        let mut nodes: Vec<usize> = res.iter().map(|r| id((false, *r), &mut parent)).collect();
        nodes.extend(mtg.map(|m| id((true, m), &mut parent)));
        if let Answer::Conflicts(list) = &c.answer {
            nodes.extend(list.iter().map(|(_, m)| id((true, *m), &mut parent)));
        }
        for w in nodes.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a] = b;
        }
        first.push(nodes.first().copied());
    }
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in first.into_iter().enumerate() {
        let root = n.map(|n| find(&mut parent, n)).unwrap_or(usize::MAX);
        parts.entry(root).or_default().push(i);
    }
    parts.into_values().collect()
}

/// Whether any slot of `a` overlaps any of `b`.
pub fn overlap(a: &[Slot], b: &[Slot]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.0 < y.1 && y.0 < x.1))
}
