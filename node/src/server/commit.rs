//! Two-phase commit for bookings and changes, coordinated by the organizer's office, with
//! parallel commits.
//!
//! Prepare at every office in parallel, this one included, each vote bounded by a
//! deadline; every prepare, the coordinator's own too, is durable before its vote. A
//! transaction every office voted yes for is committed: the durable yes votes are the
//! commit (as in CockroachDB's parallel commits), so the organizer gets "booked" as soon
//! as they are in, and the decision is logged here without a sync of its own and sent to
//! the other offices in the background, retried (an office that misses it asks). A
//! coordinator that crashes before its decision is durable settles each transaction it
//! finds prepared and undecided by asking every office of the meeting to fence it (see
//! `resolve`): all prepared means committed; any not prepared records an abort there (so
//! a late prepare fails) and the transaction aborts. An abort for conflicts needs no sync
//! (an office voted no, so it can never look all-yes); one for a failed call (every vote
//! may have been yes) is synced before the organizer hears "refused". If this office's
//! log fails before the outcome is durable (its own vote, or an abort that had to be
//! synced), the organizer hears "uncertain": the node stops, and settles it on restart.
//!
//! Contention is no-wait: a prepare that meets a hold or a booking votes no at once, so
//! nothing waits on anything (no deadlock) and nothing retries by itself (no livelock);
//! the organizer gets the conflicts and the best alternatives. A meeting whose calendars
//! are all here is prepared and committed in one log sync.

use super::{bump, lock, Failpoint, OfficeServer};
use crate::auth::Force;
use crate::rpc::BookReply;
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use engine::state::{Command, MeetingSpec, Outcome, Rejection};
use protocol::{Action, Coordinator, Decision, Logged, Verdict, Vote};

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// `office`'s answer to a prepare (here: logged and synced like any other vote;
    /// elsewhere: batched with other prepares for that office, see `prepares`).
    async fn prepare_at_office(&self, office: &OfficeId, cmd: Command) -> Result<Outcome, String> {
        if office == &self.shared.office {
            #[cfg(any(feature = "planted-bugs", debug_assertions))]
            if self.shared.options.planted == Some(super::Planted::AnswerBeforeDurable) {
                return Ok(self.apply_lazy(cmd).await);
            }
            return Ok(self.apply(cmd).await);
        }
        match cmd {
            Command::Prepare {
                txn,
                meeting,
                force,
            } => self.prepare_at(office, (txn, *meeting, force)).await,
            other => Err(format!("not a prepare: {other:?}")),
        }
    }

    /// Books `meeting` (new, or with `update` a new version of a booked one).
    pub(super) async fn coordinate(
        &self,
        meeting: MeetingSpec,
        force: Force,
        update: bool,
    ) -> BookReply {
        // The meeting's turn until this is decided here (see `serial`).
        let _turn = match self.planted(super::Planted::StaleForward) {
            false => Some(self.shared.turns.take(&meeting.id).await),
            true => None,
        };
        let reply = self.coordinate_inner(meeting, force, update).await;
        let c = &self.shared.counters;
        match &reply {
            BookReply::Booked { .. } => bump(&c.booked, 1),
            BookReply::Conflicts { .. } => bump(&c.conflicts, 1),
            BookReply::Refused { .. }
            | BookReply::Unavailable { .. }
            | BookReply::Uncertain { .. } => bump(&c.refused, 1),
        }
        reply
    }

    async fn coordinate_inner(
        &self,
        mut meeting: MeetingSpec,
        force: Force,
        update: bool,
    ) -> BookReply {
        let refuse = |why: String| BookReply::Refused { why };
        if let Err(why) = meeting.admissible() {
            return refuse(why);
        }
        // The one expansion of the rule, before any lock: the prepares, the log and the
        // snapshots carry its starts (the caller's own, if it sent any, are not trusted).
        if let Err(e) = meeting.expand_once() {
            return refuse(format!("bad meeting: {e}"));
        }
        match self.shared.dir.home(&meeting.organizer) {
            Ok(home) if home == &self.shared.office => {}
            Ok(home) => {
                return refuse(format!("{} books through office {home}", meeting.organizer))
            }
            Err(e) => return refuse(e.to_string()),
        }
        let previous = lock(&self.shared.state)
            .state()
            .meeting(&meeting.id)
            .cloned();
        let mut offices = match self.offices_of(&meeting) {
            Ok(v) => v,
            Err(why) => return refuse(why),
        };
        match (&previous, update) {
            (Some(_), false) => {
                return refuse(format!(
                    "meeting {} exists; change it with an update",
                    meeting.id
                ))
            }
            (None, true) => return refuse(format!("no meeting {} to change", meeting.id)),
            (Some(old), true) if old.organizer != meeting.organizer => {
                return refuse(format!("meeting {} has another organizer", meeting.id))
            }
            (Some(old), true) => {
                // The offices of the old version take part too, to drop what it held.
                offices.extend(self.offices_of(old).unwrap_or_default());
                offices.sort();
                offices.dedup();
            }
            (None, false) => {}
        }
        let txn = TxnId::new(self.new_id());
        // Until this call decides (or is dropped), the resolver leaves the txn alone.
        let _coordinating = Coordinating::new(self, &txn);
        // Each office's prepare may book over its conflicts only where `force` reaches.
        let prepare = |o: &OfficeId| Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(meeting.clone()),
            force: force.at(o),
        };
        let here = self.shared.office.clone();
        let failpoint = self.shared.options.failpoint;
        let (mut machine, mut actions) = Coordinator::start(here.clone(), &offices);
        // The protocol's rules are the machine's (see `protocol::coordinator`); this
        // carries out its actions and feeds it what came of them.
        loop {
            let mut prepares = Vec::new();
            let mut next = Vec::new();
            for action in std::mem::take(&mut actions) {
                match action {
                    Action::Prepare { to } => prepares.push(to),
                    Action::PrepareAndCommitHere => {
                        let cmds = vec![prepare(&here), Command::Commit { txn: txn.clone() }];
                        let first = self.apply_all(cmds).await.into_iter().next();
                        let outcome = first.unwrap_or(Outcome::Rejected(Rejection::StorageFailed(
                            "no outcome".into(),
                        )));
                        next.extend(machine.on_local(outcome));
                    }
                    Action::Log { decision, sync } => {
                        let sync = sync && !self.planted(super::Planted::UnsyncedAbort);
                        if decision.is_commit() && failpoint == Some(Failpoint::CrashAfterPrepare) {
                            tracing::error!(txn = %txn, "failpoint crash-after-prepare");
                            std::process::abort();
                        }
                        let logged = Logged::of(&self.log_decision(&txn, decision, sync).await);
                        next.extend(machine.on_logged(logged));
                        if committed(&next) && failpoint == Some(Failpoint::CrashAfterDecision) {
                            tracing::error!(txn = %txn, "failpoint crash-after-decision");
                            std::process::abort();
                        }
                    }
                    Action::Send { to, decision } => self.post(&[to], &txn, decision),
                    Action::Answer(verdict) => {
                        return self.answer(&meeting, machine.offices(), txn, verdict).await
                    }
                    Action::Fence { .. } | Action::Leave(_) => {}
                }
            }
            // Every office at once, this one included. A participant that asks about the
            // transaction before this office's own prepare is logged gets "never heard of
            // it": a presumed abort, recorded here, which then makes the local prepare
            // fail (already decided) and the booking abort: safe either way.
            let vote = |o: OfficeId| {
                let cmd = prepare(&o);
                async move {
                    let vote = self.prepare_at_office(&o, cmd).await;
                    (o, vote)
                }
            };
            let votes = futures::future::join_all(prepares.into_iter().map(vote)).await;
            for (o, vote) in votes {
                next.extend(machine.on_vote(&o, Vote::of(&o, vote)));
            }
            if next.is_empty() {
                return BookReply::Refused {
                    why: format!("transaction {txn} stopped without an answer"),
                };
            }
            actions = next;
        }
    }

    /// The organizer's answer, with alternatives to a time that conflicts.
    async fn answer(
        &self,
        meeting: &MeetingSpec,
        offices: &[OfficeId],
        txn: TxnId,
        verdict: Verdict,
    ) -> BookReply {
        // Whatever came of it, the cached free/busy of these offices is suspect now.
        {
            let mut cache = lock(&self.shared.cache);
            for o in offices {
                cache.invalidate(o);
            }
        }
        match verdict {
            Verdict::Booked { overridden } => BookReply::Booked { txn, overridden },
            Verdict::Conflicts { conflicts } => {
                // The version booked now, if this was a change of it.
                let before = lock(&self.shared.state)
                    .state()
                    .meeting(&meeting.id)
                    .cloned();
                let alternatives = (self.alternatives(meeting, &conflicts, before.as_ref()))
                    .await
                    .ok();
                BookReply::Conflicts {
                    conflicts,
                    alternatives,
                }
            }
            Verdict::Refused { why } => BookReply::Refused { why },
            Verdict::Unavailable { office, why } => BookReply::Unavailable { office, why },
            Verdict::Uncertain { why } => BookReply::Uncertain { why },
        }
    }

    /// Logs a decision, synced only if asked: a lost commit is found again from the
    /// durable yes votes, a lost abort for conflicts from the no vote (see the module).
    pub(super) async fn log_decision(&self, txn: &TxnId, d: Decision, sync: bool) -> Outcome {
        if sync {
            self.apply(d.command(txn)).await
        } else {
            self.apply_lazy(d.command(txn)).await
        }
    }
}

/// Whether the actions that followed a logged decision carry out a commit.
fn committed(actions: &[Action]) -> bool {
    actions.iter().any(|a| match a {
        Action::Answer(v) => matches!(v, Verdict::Booked { .. }),
        Action::Send { decision, .. } => decision.is_commit(),
        _ => false,
    })
}

/// Marks a transaction as being coordinated for as long as it lives (a dropped request
/// unmarks it, and the resolver settles what it left).
struct Coordinating<'a, S: Storage> {
    server: &'a OfficeServer<S>,
    txn: TxnId,
}

impl<'a, S: Storage> Coordinating<'a, S> {
    fn new(server: &'a OfficeServer<S>, txn: &TxnId) -> Self {
        lock(&server.shared.coordinating).insert(txn.clone());
        Coordinating {
            server,
            txn: txn.clone(),
        }
    }
}

impl<S: Storage> Drop for Coordinating<'_, S> {
    fn drop(&mut self) {
        lock(&self.server.shared.coordinating).remove(&self.txn);
    }
}
