//! [`Coordinator`]: one booking or change, coordinated by the organizer's office, from
//! its prepares to the organizer's answer.
//!
//! The rules, each pinned by `tests/golden/coordinator*.txt`:
//! - A meeting whose calendars are all here is prepared and committed in one sync.
//! - Otherwise every office prepares at once, this one included; each yes vote is
//!   durable before it is cast.
//! - Every office voted yes: committed (parallel commits: the durable yes votes are the
//!   commit). The decision is logged here with no sync of its own, the organizer hears
//!   "booked", and the other offices are sent the decision; a lost commit record is
//!   found again from the votes.
//! - An office voted no: abort, logged with no sync (a no vote is durable evidence that
//!   the transaction can never look all-yes); the organizer hears every conflict.
//! - An office refused or could not answer (every vote may yet have been yes): the abort
//!   is synced before the organizer hears "refused" or "unavailable". A refusal is final
//!   and named before an office that could not answer.
//! - If that synced abort fails to log, the organizer hears "uncertain" (the node stops
//!   and settles it on restart), unless this office's own prepare was certainly never
//!   logged.
//! - A commit that finds the transaction already aborted here (an office asked about it
//!   before this office's own yes vote was applied, and the presumed abort was recorded)
//!   is undone: every office aborts, and the organizer hears why.

use crate::action::{Action, Verdict};
use crate::decision::{Decision, Logged};
use crate::vote::Vote;
use engine::calendar::Conflict;
use engine::ids::OfficeId;
use engine::state::{Outcome, Rejection};
use std::collections::BTreeMap;

/// One transaction, as its coordinator sees it.
#[derive(Debug)]
pub struct Coordinator {
    here: OfficeId,
    offices: Vec<OfficeId>,
    votes: BTreeMap<OfficeId, Vote>,
    state: Phase,
}

#[derive(Debug, PartialEq)]
enum Phase {
    /// Waiting for votes (or, for a meeting all here, the one local outcome).
    Preparing,
    /// The decision is being logged.
    Logging { decision: Decision, sync: bool },
    /// The organizer has its answer.
    Answered,
}

impl Coordinator {
    /// Starts a transaction at `here` over `offices` (every office whose calendars the
    /// meeting touches, in either version; `here` among them). Returns the machine and
    /// its first actions.
    pub fn start(here: OfficeId, offices: &[OfficeId]) -> (Coordinator, Vec<Action>) {
        let mut offices = offices.to_vec();
        offices.sort();
        offices.dedup();
        let actions = if offices == [here.clone()] {
            vec![Action::PrepareAndCommitHere]
        } else {
            (offices.iter())
                .map(|o| Action::Prepare { to: o.clone() })
                .collect()
        };
        let machine = Coordinator {
            here,
            offices,
            votes: BTreeMap::new(),
            state: Phase::Preparing,
        };
        (machine, actions)
    }

    /// The offices taking part, in id order.
    pub fn offices(&self) -> &[OfficeId] {
        &self.offices
    }

    /// The decision, once there is one.
    pub fn decision(&self) -> Option<Decision> {
        match self.state {
            Phase::Logging { decision, .. } => Some(decision),
            _ => None,
        }
    }

    /// The outcome of [`Action::PrepareAndCommitHere`].
    pub fn on_local(&mut self, outcome: Outcome) -> Vec<Action> {
        if self.state != Phase::Preparing {
            return vec![];
        }
        self.state = Phase::Answered;
        let here = &self.here;
        let verdict = match outcome {
            Outcome::Prepared { overridden, .. } => Verdict::Booked { overridden },
            Outcome::Conflicts { conflicts } => Verdict::Conflicts { conflicts },
            Outcome::Rejected(Rejection::StorageFailed(why)) => Verdict::Uncertain {
                why: uncertain(here, &why),
            },
            Outcome::Rejected(r @ Rejection::Stopped(_)) => Verdict::Unavailable {
                office: here.clone(),
                why: format!("office {here}: {r}"),
            },
            Outcome::Rejected(r) => Verdict::Refused {
                why: format!("office {here}: {r}"),
            },
            other => Verdict::Refused {
                why: format!("unexpected {other:?}"),
            },
        };
        vec![Action::Answer(verdict)]
    }

    /// `office`'s vote. Once every office has voted, the decision is logged.
    pub fn on_vote(&mut self, office: &OfficeId, vote: Vote) -> Vec<Action> {
        if self.state != Phase::Preparing || !self.offices.contains(office) {
            return vec![];
        }
        self.votes.entry(office.clone()).or_insert(vote);
        if self.votes.len() < self.offices.len() {
            return vec![];
        }
        let (conflicts, refusal) = self.tally();
        let commit = conflicts.is_empty() && refusal.is_none();
        // An abort for conflicts needs no sync (an office voted no); one for a refusal
        // or a silence does (every vote may have been yes).
        let sync = !commit && conflicts.is_empty();
        let decision = Decision::of(commit);
        self.state = Phase::Logging { decision, sync };
        vec![Action::Log { decision, sync }]
    }

    /// What became of the decision's record here.
    pub fn on_logged(&mut self, logged: Logged) -> Vec<Action> {
        let Phase::Logging { decision, sync } = self.state else {
            return vec![];
        };
        self.state = Phase::Answered;
        let (conflicts, refusal) = self.tally();
        if let (true, Logged::Failed(why)) = (sync, &logged) {
            if !self.own_unlogged() {
                let why = uncertain(&self.here, why);
                return vec![Action::Answer(Verdict::Uncertain { why })];
            }
        }
        let (decision, refusal) = match (decision, logged) {
            (Decision::Commit, Logged::AlreadyDecided) => {
                let why = format!(
                    "office {}: the booking was aborted meanwhile (an office asked about it \
                     before this office's vote was in); nothing was booked",
                    self.here
                );
                (Decision::Abort, Some(Verdict::Refused { why }))
            }
            (d, _) => (d, refusal),
        };
        let mut actions: Vec<Action> = (self.offices.iter())
            .filter(|o| **o != self.here)
            .map(|o| Action::Send {
                to: o.clone(),
                decision,
            })
            .collect();
        let verdict = match (decision, refusal) {
            (Decision::Commit, _) => Verdict::Booked {
                overridden: self.overridden(),
            },
            (Decision::Abort, Some(v)) => v,
            (Decision::Abort, None) => Verdict::Conflicts { conflicts },
        };
        actions.push(Action::Answer(verdict));
        actions
    }

    /// Every conflict, and the verdict a refusal or a silence makes (a refusal is final,
    /// so it is named first; the last of each kind, in office order).
    fn tally(&self) -> (Vec<Conflict>, Option<Verdict>) {
        let mut conflicts = Vec::new();
        let mut refused = None;
        let mut unavailable = None;
        for (office, vote) in &self.votes {
            match vote {
                Vote::Yes { .. } => {}
                Vote::No { conflicts: c } => conflicts.extend(c.iter().cloned()),
                Vote::Refused(why) => refused = Some(Verdict::Refused { why: why.clone() }),
                Vote::Unavailable { why, .. } => {
                    unavailable = Some(Verdict::Unavailable {
                        office: office.clone(),
                        why: why.clone(),
                    })
                }
            }
        }
        (conflicts, refused.or(unavailable))
    }

    fn overridden(&self) -> Vec<Conflict> {
        let yes = self.votes.values().filter_map(|v| match v {
            Vote::Yes { overridden } => Some(overridden.iter().cloned()),
            _ => None,
        });
        yes.flatten().collect()
    }

    /// Whether this office's own prepare was certainly never logged.
    fn own_unlogged(&self) -> bool {
        matches!(
            self.votes.get(&self.here),
            Some(Vote::Unavailable { unlogged: true, .. })
        )
    }
}

/// Why a booking is uncertain: `here`'s log failed with `why`.
fn uncertain(here: &OfficeId, why: &str) -> String {
    format!(
        "office {here}: its log failed ({why}), so the booking may or may not have taken \
         effect; the office settles it when it restarts"
    )
}
