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
//! cannot constrain each other) and each part searched alone.
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

use model::{Model, Undo};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A resource (person or room), numbered.
pub type Res = u32;
/// A meeting, numbered.
pub type Mtg = u32;
/// An office, numbered.
pub type Office = u32;
/// `[start, end)` in seconds.
pub type Slot = (i64, i64);

/// One version of a meeting: when, and on which resources (with their offices).
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
/// build, or a history with a violation, whose search must exhaust them).
pub fn check_within(
    initial: &[Version],
    history: &[Call],
    quiet: Option<u64>,
    max_states: usize,
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
        search(&start, &sub, max_states)?;
    }
    Ok(parts.len())
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

/// The calls placed so far (by a hash: part of the memoization key), and those not
/// placed yet, ordered by invocation and by return.
struct Left {
    /// A hash of the set placed: the XOR of one number per call placed.
    placed: u64,
    by_invoke: BTreeSet<(u64, usize)>,
    by_return: BTreeSet<(u64, usize)>,
    required: Vec<bool>,
    required_left: usize,
}

impl Left {
    fn new(calls: &[Call]) -> Left {
        // A call with no answer need not be placed; one acknowledged must.
        let required: Vec<bool> = calls
            .iter()
            .map(|c| c.returned.is_some() || c.answer == Answer::Ok)
            .collect();
        Left {
            placed: 0,
            by_invoke: calls
                .iter()
                .enumerate()
                .map(|(i, c)| (c.invoked, i))
                .collect(),
            by_return: calls
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.returned.map(|r| (r, i)))
                .collect(),
            required_left: required.iter().filter(|r| **r).count(),
            required,
        }
    }

    fn set(&mut self, i: usize, calls: &[Call], placed: bool) {
        let c = &calls[i];
        self.placed ^= mix(i as u64);
        if placed {
            self.by_invoke.remove(&(c.invoked, i));
            c.returned.map(|r| self.by_return.remove(&(r, i)));
            self.required_left -= usize::from(self.required[i]);
        } else {
            self.by_invoke.insert((c.invoked, i));
            c.returned.map(|r| self.by_return.insert((r, i)));
            self.required_left += usize::from(self.required[i]);
        }
    }

    /// The calls that may go next: invoked before the earliest return not placed.
    fn candidates(&self) -> impl Iterator<Item = usize> + '_ {
        let frontier = self.by_return.first().map(|x| x.0).unwrap_or(u64::MAX);
        self.by_invoke.range(..=(frontier, usize::MAX)).map(|x| x.1)
    }

    /// The earliest call that must still be placed.
    fn first_required(&self) -> Option<usize> {
        self.by_invoke
            .iter()
            .map(|x| x.1)
            .find(|&i| self.required[i])
    }
}

/// Whether any slot of `a` overlaps any of `b`.
pub fn overlap(a: &[Slot], b: &[Slot]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.0 < y.1 && y.0 < x.1))
}

/// A well-spread number for `x` (splitmix64's finalizer).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Wing & Gong's search with Lowe's memoization over one part of the history.
fn search(initial: &[&Version], calls: &[Call], max_states: usize) -> Result<(), Violation> {
    // Conflicts with a hold of a booking or change invoked before the answer.
    let holds: Vec<(Mtg, Res, &[Slot], u64)> = calls
        .iter()
        .filter_map(|c| match &c.action {
            Action::Book(v) | Action::Update(v) => Some((v, c.invoked)),
            _ => None,
        })
        .flat_map(|(v, t)| {
            let slots = v.slots.as_slice();
            v.resources.iter().map(move |(r, _)| (v.id, *r, slots, t))
        })
        .collect();
    let mut left = Left::new(calls);
    let mut count = 0;
    let mut model = Model::with(initial);
    // Configurations (calls placed, model) already explored; the model by its hash.
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut best: (usize, Option<usize>) = (0, None);
    loop {
        if left.required_left == 0 {
            return Ok(());
        }
        if stack.len() == count {
            // Deliveries first: a cancellation usually reaches the other offices soon,
            // so trying that first finds an order sooner (any order is still tried).
            let mut cands: Vec<usize> = left.candidates().collect();
            // Then by when the call returned: a call usually takes effect near its
            // answer, so that order is most often right (calls with no answer last).
            cands.sort_by_key(|&i| {
                let c = &calls[i];
                let deliver = matches!(c.action, Action::Deliver { .. });
                (!deliver, c.returned.unwrap_or(u64::MAX))
            });
            if count >= best.0 {
                best = (count, left.first_required());
            }
            stack.push(Frame {
                cands,
                next: 0,
                applied: None,
                undo: Vec::new(),
            });
        }
        let frame = stack.last_mut().expect("a frame");
        let Some(&i) = frame.cands.get(frame.next) else {
            // A dead end: back to the level before, taking back the call placed there.
            stack.pop();
            let Some(parent) = stack.last_mut() else {
                return Err(Violation {
                    calls: calls.len(),
                    placed: best.0,
                    stuck_at: best
                        .1
                        .map(|i| format!("{:?}", calls[i]))
                        .unwrap_or_default(),
                    gave_up: false,
                });
            };
            if let Some(i) = parent.applied.take() {
                model.undo(&mut parent.undo);
                left.set(i, calls, false);
                count -= 1;
            }
            continue;
        };
        frame.next += 1;
        let call = &calls[i];
        let excused = |r: Res, m: Mtg| {
            let (Action::Book(v) | Action::Update(v)) = &call.action else {
                return false;
            };
            let ret = call.returned.unwrap_or(u64::MAX);
            holds
                .iter()
                .any(|&(hm, hr, hs, t)| hm == m && hr == r && t <= ret && overlap(hs, &v.slots))
        };
        if !model.step(call, &excused, &mut frame.undo) {
            continue;
        }
        left.set(i, calls, true);
        if !seen.insert((left.placed, model.hash())) {
            model.undo(&mut frame.undo);
            left.set(i, calls, false);
            continue;
        }
        frame.applied = Some(i);
        count += 1;
        if seen.len() > max_states {
            return Err(Violation {
                calls: calls.len(),
                placed: best.0,
                stuck_at: String::new(),
                gave_up: true,
            });
        }
    }
}

/// One level of the search: the calls that may go next, the next one to try, and the
/// one placed (with how to take it back).
struct Frame {
    cands: Vec<usize>,
    next: usize,
    applied: Option<usize>,
    undo: Vec<Undo>,
}
