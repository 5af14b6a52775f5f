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

    fn free_for(&self, v: &Version) -> bool {
        v.resources
            .iter()
            .all(|&(r, o)| self.blocking(r, o, &v.slots, v.id).next().is_none())
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
        let effect = matches!(call.answer, Answer::Ok | Answer::Unknown);
        match (&call.action, &call.answer) {
            (_, Answer::Refused) => true,
            (Action::Book(v) | Action::Update(v), Answer::Conflicts(list)) => {
                let real = |&(r, m): &(Res, Mtg)| {
                    let o = v.resources.iter().find(|(x, _)| *x == r).map(|(_, o)| *o);
                    o.is_some_and(|o| self.blocking(r, o, &v.slots, v.id).any(|b| b == m))
                };
                list.iter().any(|c| real(c) || excused(c.0, c.1))
            }
            (_, Answer::Conflicts(_)) => false,
            (Action::Book(v), _) if effect => {
                let ok = !self.copies.contains_key(&(v.id, v.home)) && self.free_for(v);
                if ok {
                    self.put(v, undo);
                }
                ok
            }
            (Action::Update(v), _) if effect => {
                let ok = self.copies.contains_key(&(v.id, v.home)) && self.free_for(v);
                if ok {
                    let old: Vec<(Mtg, Office)> = self
                        .copies
                        .range((v.id, 0)..=(v.id, Office::MAX))
                        .map(|(k, _)| *k)
                        .collect();
                    for k in old {
                        self.set(k, None, undo);
                    }
                    self.put(v, undo);
                }
                ok
            }
            (Action::Cancel { id, home }, _) if effect => {
                let ok = self.copies.contains_key(&(*id, *home));
                if ok {
                    self.set((*id, *home), None, undo);
                    self.cancel(*id, undo);
                }
                ok
            }
            (Action::Deliver { id, office }, _) if effect => {
                let ok = self.cancelled.contains(id);
                if ok && self.copies.contains_key(&(*id, *office)) {
                    self.set((*id, *office), None, undo);
                }
                ok
            }
            (
                Action::Respond {
                    id,
                    who,
                    office,
                    declined,
                },
                _,
            ) if effect => {
                let Some(copy) = self.copies.get(&(*id, *office)) else {
                    return false;
                };
                if !copy.res.contains(who) {
                    return false;
                }
                let mut copy = copy.clone();
                if *declined {
                    copy.declined.insert(*who);
                } else {
                    copy.declined.remove(who);
                }
                self.set((*id, *office), Some(copy), undo);
                true
            }
            (
                Action::Read {
                    res,
                    office,
                    entries,
                },
                Answer::Ok,
            ) => self.read_ok(*res, *office, entries),
            (Action::FreeBusy { res, office, busy }, Answer::Ok) => {
                self.busy_shown(*res, *office, busy)
            }
            _ => false,
        }
    }

    /// Every instance the model has on `r` at `o` lies within the busy periods shown.
    fn busy_shown(&self, r: Res, o: Office, busy: &[Slot]) -> bool {
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
            .flat_map(|(_, c)| c.slots.iter())
            .all(|s| merged.iter().any(|m| m.0 <= s.0 && s.1 <= m.1))
    }

    fn read_ok(&self, r: Res, o: Office, entries: &[(Mtg, Slot, bool)]) -> bool {
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
        model
            .iter()
            .all(|e| seen.contains(e) || doubt.contains(&e.0))
            && seen.iter().all(|e| model.contains(e))
    }
}
