//! Wing & Gong's search with Lowe's memoization over one part of a history (see
//! [`super`] for what it decides), and the order it tries calls in.
//!
//! The order changes how soon an order of the calls is found, never what is explored:
//! every candidate of every configuration is still tried before the search says no.
//! Calls go by when they returned (a call usually takes effect near its answer); calls
//! with no answer and deliveries (which may happen any time before the quiet point) come
//! last. When the call that must go first (the earliest return not placed) cannot go,
//! the candidates that let it go right after them are tried first (a call with no answer
//! that took effect, a cancellation delivered just in time), then those touching what
//! it depends on, then the rest: a long history then needs no deep backtracking to
//! take back a call with no answer that was placed too early.

use super::model::{Model, Undo};
use super::{overlap, touches, Action, Answer, Call, Mtg, Res, Slot, Version, Violation};
use std::collections::{BTreeSet, HashSet};

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

    /// The call that must go before any call invoked after its return: the earliest
    /// return not placed.
    fn first_due(&self) -> Option<usize> {
        self.by_return.first().map(|x| x.1)
    }

    /// The earliest call that must still be placed.
    fn first_required(&self) -> Option<usize> {
        self.by_invoke
            .iter()
            .map(|x| x.1)
            .find(|&i| self.required[i])
    }
}

/// A well-spread number for `x` (splitmix64's finalizer).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Every booking's and change's holds: (meeting, resource, slots, invoked).
struct Holds<'a>(Vec<(Mtg, Res, &'a [Slot], u64)>);

impl<'a> Holds<'a> {
    fn of(calls: &'a [Call]) -> Holds<'a> {
        let all = calls
            .iter()
            .filter_map(|c| match &c.action {
                Action::Book(v) | Action::Update(v) => Some((v, c.invoked)),
                _ => None,
            })
            .flat_map(|(v, t)| {
                let slots = v.slots.as_slice();
                v.resources.iter().map(move |(r, _)| (v.id, *r, slots, t))
            });
        Holds(all.collect())
    }

    /// Whether a hold of meeting `m` on `r`, of a booking or change invoked before
    /// `call` answered, may have been in `call`'s way.
    fn excuse(&self, call: &Call, r: Res, m: Mtg) -> bool {
        let (Action::Book(v) | Action::Update(v)) = &call.action else {
            return false;
        };
        let ret = call.returned.unwrap_or(u64::MAX);
        (self.0.iter())
            .any(|&(hm, hr, hs, t)| hm == m && hr == r && t <= ret && overlap(hs, &v.slots))
    }

    /// [`Model::misfit`] for `call`, with these holds as its excuses.
    fn misfit(&self, model: &Model, call: &Call) -> usize {
        model.misfit(call, &|r, m| self.excuse(call, r, m))
    }

    /// [`Model::step`] for `call`, with these holds as its excuses.
    fn step(&self, model: &mut Model, call: &Call, undo: &mut Vec<Undo>) -> bool {
        model.step(call, &|r, m| self.excuse(call, r, m), undo)
    }
}

/// One level of the search: the calls that may go next, the next one to try, and the
/// one placed (with how to take it back).
struct Frame {
    cands: Vec<usize>,
    next: usize,
    applied: Option<usize>,
    undo: Vec<Undo>,
    /// Whether its candidates were reordered for a call that could not go first.
    reordered: bool,
}

/// How the search orders its candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By answer, redirected by what a stuck call needs (this module's documentation).
    Directed,
    /// Deliveries first, then by answer, never reordered: the first order, which some
    /// short histories with many cancellations in flight need far fewer configurations
    /// under (a simulator seed: decided at once, where the directed order gave up).
    ByAnswer,
}

/// Searches one part of the history (see [`super::check_within`]) in `order`.
pub fn search(
    initial: &[&Version],
    calls: &[Call],
    max_states: usize,
    order: Order,
) -> Result<(), Violation> {
    let directed = order == Order::Directed;
    let holds = Holds::of(calls);
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
            let mut cands: Vec<usize> = left.candidates().collect();
            if directed {
                cands.sort_by_key(|&i| (calls[i].returned.unwrap_or(u64::MAX), i));
                victims_first(&mut cands, calls, &mut model, &holds);
            } else {
                cands.sort_by_key(|&i| {
                    let deliver = matches!(calls[i].action, Action::Deliver { .. });
                    (!deliver, calls[i].returned.unwrap_or(u64::MAX), i)
                });
            }
            if count >= best.0 {
                best = (count, left.first_required());
            }
            stack.push(Frame {
                cands,
                next: 0,
                applied: None,
                undo: Vec::new(),
                reordered: false,
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
                    stuck_at: (best.1)
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
        if !holds.step(&mut model, &calls[i], &mut frame.undo) {
            if directed && !frame.reordered && left.first_due() == Some(i) {
                frame.reordered = true;
                let rest = &mut frame.cands[frame.next..];
                helpers_first(rest, calls, i, &mut model, &holds);
            }
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

/// Reorders `cands` (the order otherwise kept) for `stuck`, a call that must go before
/// them and cannot go yet: first those after which it can go, then those that bring it
/// nearer (fewer entries in its way, see [`Model::misfit`]), then those that change
/// nothing for it, and last those that take it further away or cannot go themselves.
/// Several deliveries a read needs are so placed one by one, and a call with no answer
/// that a read does not show is not placed before it.
fn helpers_first(
    cands: &mut [usize],
    calls: &[Call],
    stuck: usize,
    model: &mut Model,
    holds: &Holds,
) {
    let now = holds.misfit(model, &calls[stuck]);
    let mut rank = |i: usize| -> u8 {
        let mut undo = Vec::new();
        if !holds.step(model, &calls[i], &mut undo) {
            return 3;
        }
        let then = holds.misfit(model, &calls[stuck]);
        model.undo(&mut undo);
        match then {
            0 => 0,
            t if t < now => 1,
            t if t == now => 2,
            _ => 3,
        }
    };
    let mut ranked: Vec<(u8, usize)> = cands.iter().map(|&i| (rank(i), i)).collect();
    ranked.sort_by_key(|x| x.0);
    for (slot, (_, i)) in cands.iter_mut().zip(ranked) {
        *slot = i;
    }
}

/// Moves before the first of `cands` the calls with an answer that may go now but
/// could not after it (a read that shows what the first call changes, answered a moment
/// later): answers a few milliseconds apart often took effect in the other order.
fn victims_first(cands: &mut Vec<usize>, calls: &[Call], model: &mut Model, holds: &Holds) {
    let Some(&first) = cands.first() else {
        return;
    };
    let (res, mtg) = touches(&calls[first]);
    let related = |i: usize| {
        let (r, m) = touches(&calls[i]);
        (m.is_some() && m == mtg) || r.iter().any(|x| res.contains(x))
    };
    let others: Vec<usize> = (cands[1..].iter().copied())
        .filter(|&i| calls[i].returned.is_some() && related(i))
        .filter(|&i| holds.misfit(model, &calls[i]) == 0)
        .collect();
    if others.is_empty() {
        return;
    }
    let mut undo = Vec::new();
    if !holds.step(model, &calls[first], &mut undo) {
        return;
    }
    let victims: Vec<usize> = (others.into_iter())
        .filter(|&i| holds.misfit(model, &calls[i]) > 0)
        .collect();
    model.undo(&mut undo);
    if !victims.is_empty() {
        cands.retain(|i| !victims.contains(i));
        cands.splice(0..0, victims);
    }
}
