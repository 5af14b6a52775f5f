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

use super::{bump, lock, Failpoint, OfficeServer, DECISION_ATTEMPTS, PREPARE_DEADLINE};
use crate::auth::Force;
use crate::rpc::{BookReply, OfficeRpcClient};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use engine::state::{Command, MeetingSpec, Outcome, Rejection};
use std::time::Duration;

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Sends one command of the protocol to `office` (here, or over the network).
    pub(super) async fn call(&self, office: &OfficeId, cmd: Command) -> Result<Outcome, String> {
        if office == &self.shared.office {
            // The coordinator's own prepare is a yes vote like any other: durable first.
            #[cfg(feature = "planted-bugs")]
            if self.shared.options.planted == Some(super::Planted::AnswerBeforeDurable) {
                return Ok(self.apply_lazy(cmd).await);
            }
            return Ok(self.apply(cmd).await);
        }
        let ctx = || {
            let mut ctx = tarpc::context::current();
            ctx.deadline = std::time::Instant::now() + PREPARE_DEADLINE;
            ctx
        };
        let peers = &self.shared.peers;
        match cmd {
            Command::Prepare {
                txn,
                meeting,
                force,
            } => self.prepare_at(office, (txn, *meeting, force)).await,
            Command::Commit { txn } => {
                let call = |c: OfficeRpcClient| {
                    let txn = txn.clone();
                    async move { c.commit(ctx(), txn).await }
                };
                peers.call(office, call).await
            }
            Command::Abort { txn } => {
                let call = |c: OfficeRpcClient| {
                    let txn = txn.clone();
                    async move { c.abort(ctx(), txn).await }
                };
                peers.call(office, call).await
            }
            other => Err(format!("not sent between offices: {other:?}")),
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
        let _turn = self.shared.turns.take(&meeting.id).await;
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
        if offices == [self.shared.office.clone()] {
            let here = prepare(&self.shared.office);
            return self.book_here(&meeting, txn, here).await;
        }
        let vote = |o: OfficeId| {
            let cmd = prepare(&o);
            async move {
                let vote = self.call(&o, cmd).await;
                (o, vote)
            }
        };
        // Every office at once, this one included. A participant that asks about the
        // transaction before this office's own prepare is logged gets "never heard of
        // it": a presumed abort, recorded here, which then makes the local prepare fail
        // (already decided) and the booking abort: safe either way.
        let votes = futures::future::join_all(offices.iter().cloned().map(vote)).await;
        let mut conflicts = Vec::new();
        let mut overridden = Vec::new();
        let mut refusal = None;
        let mut unavailable = None;
        let mut own_unlogged = false;
        for (o, vote) in votes {
            own_unlogged |= o == self.shared.office
                && matches!(vote, Ok(Outcome::Rejected(Rejection::Stopped(_))));
            let refused = |why: String| Some(BookReply::Refused { why });
            let away = |why: String| BookReply::Unavailable {
                office: o.clone(),
                why,
            };
            match vote {
                Ok(Outcome::Prepared { overridden: ov, .. }) => overridden.extend(ov),
                Ok(Outcome::Conflicts { conflicts: c }) => conflicts.extend(c),
                Ok(Outcome::Rejected(Rejection::StorageFailed(w))) => {
                    unavailable = Some(away(format!("office {o}: its log failed ({w})")))
                }
                Ok(Outcome::Rejected(Rejection::Stopped(w))) => {
                    unavailable = Some(away(format!("office {o}: {}", Rejection::Stopped(w))))
                }
                Ok(Outcome::Rejected(r)) => refusal = refused(format!("office {o}: {r}")),
                Ok(other) => refusal = refused(format!("office {o}: unexpected {other:?}")),
                Err(e) => unavailable = Some(away(e)),
            }
        }
        // A refusal is final; an office that could not answer may later.
        let refusal = refusal.or(unavailable);
        let commit = conflicts.is_empty() && refusal.is_none();
        if commit && self.shared.options.failpoint == Some(Failpoint::CrashAfterPrepare) {
            tracing::error!(txn = %txn, "failpoint crash-after-prepare");
            std::process::abort();
        }
        // Every yes vote is durable: committed. The other offices are told in the
        // background, and ask if they miss it.
        let sync = !commit && conflicts.is_empty();
        let logged = self.log_decision(&txn, commit, sync).await;
        // An abort that had to be durable is not (this office's log failed), and this
        // office's own yes vote may be on its disk: every vote may have been yes, so the
        // outcome is whatever the office settles when it restarts.
        if let (true, false, Some(why)) = (sync, own_unlogged, log_failure(&logged)) {
            return BookReply::Uncertain {
                why: self.uncertain(why),
            };
        }
        // One case undoes a commit: an office that asked about the transaction while this
        // office's own yes vote was queued, not yet applied, was told "never heard of it"
        // and an abort was recorded here after the vote (see `fence_unknown`). The commit
        // is then refused here, that office aborts, and so must every other.
        let (commit, refusal) = match logged {
            Outcome::Rejected(Rejection::AlreadyDecided(_)) if commit => (
                false,
                Some(BookReply::Refused {
                    why: format!(
                        "office {}: the booking was aborted meanwhile (an office asked \
                         about it before this office's vote was in); nothing was booked",
                        self.shared.office
                    ),
                }),
            ),
            _ => (commit, refusal),
        };
        if commit && self.shared.options.failpoint == Some(Failpoint::CrashAfterDecision) {
            tracing::error!(txn = %txn, "failpoint crash-after-decision");
            std::process::abort();
        }
        self.post(&offices, &txn, commit);
        self.answer(
            &meeting, &offices, txn, commit, refusal, conflicts, overridden,
        )
        .await
    }

    /// Prepare and commit in one sync: every calendar the meeting touches is here.
    async fn book_here(&self, meeting: &MeetingSpec, txn: TxnId, prepare: Command) -> BookReply {
        let commit = Command::Commit { txn: txn.clone() };
        let outcomes = self.apply_all(vec![prepare, commit]).await;
        let offices = [self.shared.office.clone()];
        match outcomes.first() {
            Some(Outcome::Prepared { overridden, .. }) => {
                self.answer(
                    meeting,
                    &offices,
                    txn,
                    true,
                    None,
                    vec![],
                    overridden.clone(),
                )
                .await
            }
            Some(Outcome::Conflicts { conflicts }) => {
                self.answer(
                    meeting,
                    &offices,
                    txn,
                    false,
                    None,
                    conflicts.clone(),
                    vec![],
                )
                .await
            }
            Some(Outcome::Rejected(Rejection::StorageFailed(why))) => BookReply::Uncertain {
                why: self.uncertain(why),
            },
            Some(Outcome::Rejected(r @ Rejection::Stopped(_))) => BookReply::Unavailable {
                office: self.shared.office.clone(),
                why: format!("office {}: {r}", self.shared.office),
            },
            Some(Outcome::Rejected(r)) => BookReply::Refused {
                why: format!("office {}: {r}", self.shared.office),
            },
            other => BookReply::Refused {
                why: format!("unexpected {other:?}"),
            },
        }
    }

    /// Why a booking is uncertain: this office's log failed with `why`.
    fn uncertain(&self, why: &str) -> String {
        format!(
            "office {}: its log failed ({why}), so the booking may or may not have taken \
             effect; the office settles it when it restarts",
            self.shared.office
        )
    }

    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        meeting: &MeetingSpec,
        offices: &[OfficeId],
        txn: TxnId,
        commit: bool,
        refusal: Option<BookReply>,
        conflicts: Vec<engine::calendar::Conflict>,
        overridden: Vec<engine::calendar::Conflict>,
    ) -> BookReply {
        // Whatever came of it, the cached free/busy of these offices is suspect now.
        {
            let mut cache = lock(&self.shared.cache);
            for o in offices {
                cache.invalidate(o);
            }
        }
        match (commit, refusal) {
            (true, _) => BookReply::Booked { txn, overridden },
            (false, Some(not_booked)) => not_booked,
            (false, None) => BookReply::Conflicts {
                conflicts,
                alternatives: self.alternatives(meeting).await.ok(),
            },
        }
    }

    /// Logs the decision here first, then tells every other office, retrying; an office
    /// that stays unreachable asks later (see `resolve`).
    pub(super) async fn decide(&self, offices: &[OfficeId], txn: &TxnId, commit: bool) {
        self.log_decision(txn, commit, false).await;
        self.tell(offices, txn, commit).await;
    }

    /// Logs a decision, synced only if asked: a lost commit is found again from the
    /// durable yes votes, a lost abort for conflicts from the no vote (see the module).
    async fn log_decision(&self, txn: &TxnId, commit: bool, sync: bool) -> Outcome {
        if sync {
            self.apply(decision(txn, commit)).await
        } else {
            self.apply_lazy(decision(txn, commit)).await
        }
    }

    /// Sends a logged decision to every other office, retrying a few times.
    async fn tell(&self, offices: &[OfficeId], txn: &TxnId, commit: bool) {
        let others = offices.iter().filter(|o| **o != self.shared.office);
        futures::future::join_all(others.map(|o| async move {
            for attempt in 0..DECISION_ATTEMPTS {
                if self.call(o, decision(txn, commit)).await.is_ok() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }))
        .await;
    }
}

/// Why the log failed, if `logged` says it did.
fn log_failure(logged: &Outcome) -> Option<&str> {
    match logged {
        Outcome::Rejected(Rejection::StorageFailed(why) | Rejection::Stopped(why)) => Some(why),
        _ => None,
    }
}

/// The command of a decision: commit if `commit`, else abort.
pub(super) fn decision(txn: &TxnId, commit: bool) -> Command {
    if commit {
        Command::Commit { txn: txn.clone() }
    } else {
        Command::Abort { txn: txn.clone() }
    }
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
