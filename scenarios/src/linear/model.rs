//! The sequential model of the calendars the linearizability checker replays calls on
//! (its rules are in [`super`]'s documentation): every office's copy of every
//! meeting, and the meetings cancelled at their organizer's office. Steps change it in
//! place and leave an undo record, and it keeps a hash of itself up to date (the XOR of
//! one hash per entry), so the search neither copies nor rehashes it.

use super::{overlap, Action, Answer, Call, Mtg, Office, Res, Slot, Version};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

/// One office's copy of a meeting.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Copy {
    slots: Vec<Slot>,
    res: Vec<Res>,
    declined: BTreeSet<Res>,
}

/// How to take one change back.
#[derive(Debug)]
pub enum Undo {
    /// Put this copy back (or remove it if `None`).
    Copy((Mtg, Office), Option<Copy>),
    /// Forget that this meeting was cancelled.
    Cancelled(Mtg),
}

/// The model.
#[derive(Debug, Default)]
pub struct Model {
    copies: BTreeMap<(Mtg, Office), Copy>,
    cancelled: BTreeSet<Mtg>,
    hash: u64,
    /// The meetings with a copy on each (office, resource): derived, not hashed.
    on: BTreeMap<(Office, Res), BTreeSet<Mtg>>,
}

fn entry_hash<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

impl Model {
    /// The hash of the whole state.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    fn set(&mut self, key: (Mtg, Office), copy: Option<Copy>, undo: &mut Vec<Undo>) {
        let old = match copy {
            Some(c) => {
                self.hash ^= entry_hash(&(key, &c));
                for r in &c.res {
                    self.on.entry((key.1, *r)).or_default().insert(key.0);
                }
                self.copies.insert(key, c)
            }
            None => self.copies.remove(&key),
        };
        if let Some(o) = &old {
            self.hash ^= entry_hash(&(key, o));
            let now = self
                .copies
                .get(&key)
                .map(|c| c.res.clone())
                .unwrap_or_default();
            for r in o.res.iter().filter(|r| !now.contains(r)) {
                if let Some(set) = self.on.get_mut(&(key.1, *r)) {
                    set.remove(&key.0);
                }
            }
        }
        undo.push(Undo::Copy(key, old));
    }

    /// The copies at office `o` that include `r`.
    fn copies_on(&self, o: Office, r: Res) -> impl Iterator<Item = (Mtg, &Copy)> + '_ {
        self.on
            .get(&(o, r))
            .into_iter()
            .flatten()
            .filter_map(move |m| self.copies.get(&(*m, o)).map(|c| (*m, c)))
    }

    fn cancel(&mut self, id: Mtg, undo: &mut Vec<Undo>) {
        if self.cancelled.insert(id) {
            self.hash ^= entry_hash(&("cancelled", id));
            undo.push(Undo::Cancelled(id));
        }
    }

    /// Takes back the changes recorded in `undo`, newest first.
    pub fn undo(&mut self, undo: &mut Vec<Undo>) {
        while let Some(u) = undo.pop() {
            match u {
                Undo::Copy(key, old) => {
                    let mut ignore = Vec::new();
                    self.set(key, old, &mut ignore);
                }
                Undo::Cancelled(id) => {
                    self.cancelled.remove(&id);
                    self.hash ^= entry_hash(&("cancelled", id));
                }
            }
        }
    }

    /// Meetings with a blocking entry on `r` (at office `o`) overlapping `slot`, but `but`.
    fn blocking<'a>(
        &'a self,
        r: Res,
        o: Office,
        slots: &'a [Slot],
        but: Mtg,
    ) -> impl Iterator<Item = Mtg> + 'a {
        self.copies_on(o, r)
            .filter(move |(m, c)| *m != but && !c.declined.contains(&r) && overlap(&c.slots, slots))
            .map(|(m, _)| m)
    }

    /// A model that starts with these meetings booked (calendars loaded before the
    /// history began).
    pub fn with(initial: &[&Version]) -> Model {
        let mut m = Model::default();
        for v in initial {
            m.put(v, &mut Vec::new());
        }
        m
    }

    fn put(&mut self, v: &Version, undo: &mut Vec<Undo>) {
        let mut by_office: BTreeMap<Office, Vec<Res>> = BTreeMap::new();
        // The organizer's office holds a copy even with none of the resources (a
        // history reduced to other resources' calls: see `super::refute`).
        by_office.entry(v.home).or_default();
        for &(r, o) in &v.resources {
            by_office.entry(o).or_default().push(r);
        }
        for (o, res) in by_office {
            let copy = Copy {
                slots: v.slots.clone(),
                res,
                declined: BTreeSet::new(),
            };
            self.set((v.id, o), Some(copy), undo);
        }
    }

    /// Applies `call` if the model allows its answer (recording how to take it back in
    /// `undo`); `false`, and nothing changed, if it does not. `excused(r, m)`: a hold of
    /// meeting `m` on `r` may have been in the call's way.
    pub fn step(
        &mut self,
        call: &Call,
        excused: &dyn Fn(Res, Mtg) -> bool,
        undo: &mut Vec<Undo>,
    ) -> bool {
        if self.misfit(call, excused) > 0 {
            return false;
        }
        self.apply(call, undo);
        true
    }

    /// How far the model is from allowing `call`'s answer: 0 if it allows it, else
    /// roughly how many entries are in the way (a meeting blocking a booking, an entry
    /// a read shows that the model lacks or the other way round), so the search can
    /// tell a call that brings another nearer to being allowed.
    pub fn misfit(&self, call: &Call, excused: &dyn Fn(Res, Mtg) -> bool) -> usize {
        let effect = matches!(call.answer, Answer::Ok | Answer::Unknown);
        let missing = |has: bool| usize::from(!has);
        match (&call.action, &call.answer) {
            (_, Answer::Refused) => 0,
            (Action::Book(v) | Action::Update(v), Answer::Conflicts(list)) => {
                let real = |&(r, m): &(Res, Mtg)| {
                    let o = v.resources.iter().find(|(x, _)| *x == r).map(|(_, o)| *o);
                    o.is_some_and(|o| self.blocking(r, o, &v.slots, v.id).any(|b| b == m))
                };
                missing(list.iter().any(|c| real(c) || excused(c.0, c.1)))
            }
            (Action::Book(v), _) if effect => {
                usize::from(self.copies.contains_key(&(v.id, v.home))) + self.blockers(v)
            }
            (Action::Update(v), _) if effect => {
                missing(self.copies.contains_key(&(v.id, v.home))) + self.blockers(v)
            }
            (Action::Cancel { id, home }, _) if effect => {
                missing(self.copies.contains_key(&(*id, *home)))
            }
            (Action::Deliver { id, .. }, _) if effect => missing(self.cancelled.contains(id)),
            (
                Action::Respond {
                    id, who, office, ..
                },
                _,
            ) if effect => {
                let copy = self.copies.get(&(*id, *office));
                missing(copy.is_some_and(|c| c.res.contains(who)))
            }
            (
                Action::Read {
                    res,
                    office,
                    entries,
                },
                Answer::Ok,
            ) => self.read_misfit(*res, *office, entries),
            (Action::FreeBusy { res, office, busy }, Answer::Ok) => {
                self.busy_misfit(*res, *office, busy)
            }
            _ => 1,
        }
    }

    /// The entries of other meetings in `v`'s way, each weighed by [`Model::to_remove`].
    fn blockers(&self, v: &Version) -> usize {
        (v.resources.iter())
            .flat_map(|&(r, o)| self.blocking(r, o, &v.slots, v.id))
            .map(|m| self.to_remove(m))
            .sum()
    }

    /// How many steps would take meeting `m`'s copy away from an office: a
    /// cancellation, then its delivery (one step if already cancelled).
    fn to_remove(&self, m: Mtg) -> usize {
        if self.cancelled.contains(&m) {
            1
        } else {
            2
        }
    }

    /// Applies the effect of `call`, which [`Model::misfit`] allows.
    fn apply(&mut self, call: &Call, undo: &mut Vec<Undo>) {
        if !matches!(call.answer, Answer::Ok | Answer::Unknown) {
            return;
        }
        match &call.action {
            Action::Book(v) => self.put(v, undo),
            Action::Update(v) => {
                let old: Vec<(Mtg, Office)> = (self.copies)
                    .range((v.id, 0)..=(v.id, Office::MAX))
                    .map(|(k, _)| *k)
                    .collect();
                for k in old {
                    self.set(k, None, undo);
                }
                self.put(v, undo);
            }
            Action::Cancel { id, home } => {
                self.set((*id, *home), None, undo);
                self.cancel(*id, undo);
            }
            Action::Deliver { id, office } => {
                if self.copies.contains_key(&(*id, *office)) {
                    self.set((*id, *office), None, undo);
                }
            }
            Action::Respond {
                id,
                who,
                office,
                declined,
            } => {
                let Some(copy) = self.copies.get(&(*id, *office)) else {
                    return;
                };
                let mut copy = copy.clone();
                if *declined {
                    copy.declined.insert(*who);
                } else {
                    copy.declined.remove(who);
                }
                self.set((*id, *office), Some(copy), undo);
            }
            Action::Read { .. } | Action::FreeBusy { .. } => {}
        }
    }

    /// How many instances the model has on `r` at `o` that lie outside the busy periods
    /// shown.
    fn busy_misfit(&self, r: Res, o: Office, busy: &[Slot]) -> usize {
        let mut merged: Vec<Slot> = Vec::new();
        let mut sorted = busy.to_vec();
        sorted.sort();
        for (a, b) in sorted {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.copies_on(o, r)
            .filter(|(_, c)| !c.declined.contains(&r))
            .flat_map(|(m, c)| c.slots.iter().map(move |s| (m, s)))
            .filter(|(_, s)| !merged.iter().any(|m| m.0 <= s.0 && s.1 <= m.1))
            .map(|(m, _)| self.to_remove(m))
            .sum()
    }

    /// How many entries differ between a read of `r` at `o` and the model (entries in
    /// doubt differ from nothing).
    fn read_misfit(&self, r: Res, o: Office, entries: &[(Mtg, Slot, bool)]) -> usize {
        let doubt: BTreeSet<Mtg> = entries.iter().filter(|e| e.2).map(|e| e.0).collect();
        let seen: BTreeSet<(Mtg, Slot)> = entries
            .iter()
            .filter(|e| !doubt.contains(&e.0))
            .map(|e| (e.0, e.1))
            .collect();
        let model: BTreeSet<(Mtg, Slot)> = self
            .copies_on(o, r)
            .filter(|(_, c)| !c.declined.contains(&r))
            .flat_map(|(m, c)| c.slots.iter().map(move |s| (m, *s)))
            .collect();
        let unseen: usize = (model.iter())
            .filter(|e| !seen.contains(e) && !doubt.contains(&e.0))
            .map(|e| self.to_remove(e.0))
            .sum();
        unseen + seen.iter().filter(|e| !model.contains(e)).count()
    }
}
