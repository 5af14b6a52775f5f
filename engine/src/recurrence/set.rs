//! [`RecurrenceSet`]: the instances of an event, RFC 5545 §3.8.5: DTSTART, the RRULEs'
//! instances and the RDATEs, minus the EXRULEs' instances and the EXDATEs. An instant that
//! two sources produce appears once; RDATEs count even past an RRULE's UNTIL or COUNT.

use super::error::{ExpandError, RuleError};
use super::iter::{Occ, RuleIter};
use super::limits::MAX_INSTANCES;
use super::rule::Rule;
use crate::time::{Instant, Wall, Zone};
use serde::{Deserialize, Serialize};

/// The recurrence of one event, in the event's own zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurrenceSet {
    /// The event's zone (floating for floating times).
    pub zone: Zone,
    /// DTSTART as a wall reading in `zone`: the first instance.
    pub dtstart: Wall,
    /// RRULEs.
    pub rrules: Vec<Rule>,
    /// EXRULEs (RFC 2445; still written by some software).
    pub exrules: Vec<Rule>,
    /// RDATEs as instants.
    pub rdates: Vec<Instant>,
    /// EXDATEs as instants.
    pub exdates: Vec<Instant>,
}

/// One instance of a recurrence set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Occurrence {
    /// When it starts.
    pub start: Instant,
}

impl RecurrenceSet {
    /// A set with one instance at `dtstart` and nothing else.
    pub fn single(dtstart: Wall, zone: Zone) -> RecurrenceSet {
        RecurrenceSet {
            zone,
            dtstart,
            rrules: vec![],
            exrules: vec![],
            rdates: vec![],
            exdates: vec![],
        }
    }

    /// A set with one rule.
    pub fn with_rule(dtstart: Wall, zone: Zone, rule: Rule) -> RecurrenceSet {
        let mut s = Self::single(dtstart, zone);
        s.rrules.push(rule);
        s
    }

    /// DTSTART as an instant.
    pub fn start(&self) -> Instant {
        self.zone
            .to_instant(self.dtstart, crate::time::Disambiguation::Compatible)
            .unwrap_or(Instant(self.dtstart.0))
    }

    /// Whether the set ends by itself: every RRULE has COUNT or UNTIL.
    pub fn is_bounded(&self) -> bool {
        self.rrules.iter().all(Rule::is_bounded)
    }

    /// Whether the set has more than one possible instance.
    pub fn is_recurring(&self) -> bool {
        !self.rrules.is_empty() || !self.rdates.is_empty()
    }

    /// Iterates every instance from the start, in time order.
    pub fn iter(&self) -> Result<SetIter, RuleError> {
        SetIter::new(self, None)
    }

    /// Iterates the instances from about `from` on: rules without COUNT skip whole periods
    /// before it; a few instances before `from` may still come out, and callers drop them.
    pub fn iter_from(&self, from: Instant) -> Result<SetIter, RuleError> {
        SetIter::new(self, Some(from))
    }

    /// The instances starting in `[from, to)`, at most `limit` of them (capped by
    /// [`MAX_INSTANCES`]); more is an error, never a silent cut.
    pub fn between(
        &self,
        from: Instant,
        to: Instant,
        limit: usize,
    ) -> Result<Vec<Occurrence>, ExpandError> {
        let limit = limit.min(MAX_INSTANCES);
        let mut it = SetIter::new(self, Some(from))?;
        let mut out = Vec::new();
        while let Some(o) = it.next_occurrence()? {
            if o.start >= to {
                break;
            }
            if o.start < from {
                continue;
            }
            if out.len() == limit {
                return Err(ExpandError::TooManyInstances { limit });
            }
            out.push(o);
        }
        Ok(out)
    }

    /// The first `n` instances from `from` on (all of them when fewer).
    pub fn first_n(&self, from: Option<Instant>, n: usize) -> Result<Vec<Occurrence>, ExpandError> {
        let mut it = SetIter::new(self, from)?;
        let mut out = Vec::new();
        while out.len() < n.min(MAX_INSTANCES) {
            match it.next_occurrence()? {
                Some(o) if from.is_some_and(|f| o.start < f) => continue,
                Some(o) => out.push(o),
                None => break,
            }
        }
        Ok(out)
    }
}

/// A rule iterator with its next instance looked at.
struct Peeked {
    it: RuleIter,
    next: Option<Occ>,
}

impl Peeked {
    fn new(mut it: RuleIter) -> Result<Peeked, ExpandError> {
        let next = it.next_occ()?;
        Ok(Peeked { it, next })
    }
    fn advance(&mut self) -> Result<(), ExpandError> {
        self.next = self.it.next_occ()?;
        Ok(())
    }
}

/// The merged, de-duplicated, exclusion-filtered instances of a [`RecurrenceSet`].
pub struct SetIter {
    rules: Vec<Peeked>,
    exrules: Vec<Peeked>,
    rdates: Vec<Instant>,
    rdate_pos: usize,
    exdates: Vec<Instant>,
    exdate_pos: usize,
    last: Option<Instant>,
    started: bool,
    pending: Vec<RuleIter>,
    pending_ex: Vec<RuleIter>,
}

impl SetIter {
    fn new(set: &RecurrenceSet, from: Option<Instant>) -> Result<SetIter, RuleError> {
        let seek = from.map(|f| match set.zone {
            Zone::Floating => Wall(f.0),
            z => z.to_wall(f),
        });
        let make = |rules: &[Rule]| -> Result<Vec<RuleIter>, RuleError> {
            rules
                .iter()
                .map(|r| {
                    let mut it = RuleIter::new(r, set.dtstart, set.zone)?;
                    if let Some(w) = seek {
                        it.seek(w);
                    }
                    Ok(it)
                })
                .collect()
        };
        let mut rdates = set.rdates.clone();
        rdates.push(set.start());
        rdates.sort_unstable();
        let mut exdates = set.exdates.clone();
        exdates.sort_unstable();
        Ok(SetIter {
            pending: make(&set.rrules)?,
            pending_ex: make(&set.exrules)?,
            rules: vec![],
            exrules: vec![],
            rdates,
            rdate_pos: 0,
            exdates,
            exdate_pos: 0,
            last: None,
            started: false,
        })
    }

    fn start(&mut self) -> Result<(), ExpandError> {
        self.started = true;
        for it in std::mem::take(&mut self.pending) {
            self.rules.push(Peeked::new(it)?);
        }
        for it in std::mem::take(&mut self.pending_ex) {
            self.exrules.push(Peeked::new(it)?);
        }
        Ok(())
    }

    /// The next instance in time order, `Ok(None)` at the end.
    pub fn next_occurrence(&mut self) -> Result<Option<Occurrence>, ExpandError> {
        if !self.started {
            self.start()?;
        }
        loop {
            let Some(t) = self.take_min()? else {
                return Ok(None);
            };
            if self.last == Some(t) {
                continue;
            }
            self.last = Some(t);
            if !self.excluded(t)? {
                return Ok(Some(Occurrence { start: t }));
            }
        }
    }

    /// Takes the earliest instant among the rules and the RDATEs.
    fn take_min(&mut self) -> Result<Option<Instant>, ExpandError> {
        let mut best: Option<(Instant, usize)> =
            self.rdates.get(self.rdate_pos).map(|&t| (t, usize::MAX));
        for (k, p) in self.rules.iter().enumerate() {
            if let Some(o) = p.next {
                if best.is_none_or(|(b, _)| o.at < b) {
                    best = Some((o.at, k));
                }
            }
        }
        match best {
            None => Ok(None),
            Some((t, usize::MAX)) => {
                self.rdate_pos += 1;
                Ok(Some(t))
            }
            Some((t, k)) => {
                self.rules[k].advance()?;
                Ok(Some(t))
            }
        }
    }

    fn excluded(&mut self, t: Instant) -> Result<bool, ExpandError> {
        while self.exdates.get(self.exdate_pos).is_some_and(|&e| e < t) {
            self.exdate_pos += 1;
        }
        let mut out = self.exdates.get(self.exdate_pos) == Some(&t);
        for p in &mut self.exrules {
            while p.next.is_some_and(|o| o.at < t) {
                p.advance()?;
            }
            out |= p.next.is_some_and(|o| o.at == t);
        }
        Ok(out)
    }
}

impl Iterator for SetIter {
    type Item = Result<Occurrence, ExpandError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_occurrence().transpose()
    }
}
