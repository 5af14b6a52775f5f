//! Two-phase commit for bookings and changes, coordinated by the organizer's office.
//!
//! Prepare here first (so a participant that later asks about the transaction always finds
//! it), then at every other office in parallel, each vote bounded by a deadline. The
//! decision is this office's own commit or abort, logged before any other office hears
//! it; then it goes to every other office, retried. Contention is no-wait: a prepare that
//! meets a hold or a booking votes no at once, so nothing waits on anything (no deadlock)
//! and nothing retries by itself (no livelock); the organizer gets the conflicts and the
//! best alternatives. A meeting whose calendars are all here is prepared and committed in
//! one log sync.

use super::{bump, lock, Failpoint, OfficeServer, DECISION_ATTEMPTS, PREPARE_DEADLINE};
use crate::rpc::{BookReply, OfficeRpcClient};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use engine::state::{Command, MeetingSpec, Outcome};
use std::time::Duration;

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Sends one command of the protocol to `office` (here, or over the network).
    pub(super) async fn call(&self, office: &OfficeId, cmd: Command) -> Result<Outcome, String> {
        if office == &self.shared.office {
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
            } => {
                let call = |c: OfficeRpcClient| {
                    let (txn, meeting) = (txn.clone(), (*meeting).clone());
                    async move { c.prepare(ctx(), txn, meeting, force).await }
                };
                peers.call(office, call).await
            }
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
        force: bool,
        update: bool,
    ) -> BookReply {
        let reply = self.coordinate_inner(meeting, force, update).await;
        let c = &self.shared.counters;
        match &reply {
            BookReply::Booked { .. } => bump(&c.booked, 1),
            BookReply::Conflicts { .. } => bump(&c.conflicts, 1),
            BookReply::Refused { .. } => bump(&c.refused, 1),
        }
        reply
    }

    async fn coordinate_inner(&self, meeting: MeetingSpec, force: bool, update: bool) -> BookReply {
        let refuse = |why: String| BookReply::Refused { why };
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
        let prepare = Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(meeting.clone()),
            force,
        };
        if offices == [self.shared.office.clone()] {
            return self.book_here(&meeting, txn, prepare).await;
        }
        let vote = |o: OfficeId| {
            let cmd = prepare.clone();
            async move {
                let vote = self.call(&o, cmd).await;
                (o, vote)
            }
        };
        let mut votes = vec![vote(self.shared.office.clone()).await];
        let others = offices.iter().filter(|o| **o != self.shared.office);
        votes.extend(futures::future::join_all(others.cloned().map(vote)).await);
        let mut conflicts = Vec::new();
        let mut overridden = Vec::new();
        let mut refusal = None;
        for (o, vote) in votes {
            match vote {
                Ok(Outcome::Prepared { overridden: ov, .. }) => overridden.extend(ov),
                Ok(Outcome::Conflicts { conflicts: c }) => conflicts.extend(c),
                Ok(Outcome::Rejected(r)) => refusal = Some(format!("office {o}: {r}")),
                Ok(other) => refusal = Some(format!("office {o}: unexpected {other:?}")),
                Err(e) => refusal = Some(e),
            }
        }
        let commit = conflicts.is_empty() && refusal.is_none();
        if commit && self.shared.options.failpoint == Some(Failpoint::CrashAfterPrepare) {
            tracing::error!(txn = %txn, "failpoint crash-after-prepare");
            std::process::abort();
        }
        self.decide(&offices, &txn, commit).await;
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
            Some(Outcome::Rejected(r)) => BookReply::Refused {
                why: format!("office {}: {r}", self.shared.office),
            },
            other => BookReply::Refused {
                why: format!("unexpected {other:?}"),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        meeting: &MeetingSpec,
        offices: &[OfficeId],
        txn: TxnId,
        commit: bool,
        refusal: Option<String>,
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
            (false, Some(why)) => BookReply::Refused { why },
            (false, None) => BookReply::Conflicts {
                conflicts,
                alternatives: self.alternatives(meeting).await.ok(),
            },
        }
    }

    /// Logs the decision here first, then tells every other office, retrying; an office
    /// that stays unreachable asks later (see `resolve`).
    pub(super) async fn decide(&self, offices: &[OfficeId], txn: &TxnId, commit: bool) {
        let cmd = || {
            if commit {
                Command::Commit { txn: txn.clone() }
            } else {
                Command::Abort { txn: txn.clone() }
            }
        };
        self.apply(cmd()).await;
        if commit && self.shared.options.failpoint == Some(Failpoint::CrashAfterDecision) {
            tracing::error!(txn = %txn, "failpoint crash-after-decision");
            std::process::abort();
        }
        let others = offices.iter().filter(|o| **o != self.shared.office);
        futures::future::join_all(others.map(|o| async move {
            for attempt in 0..DECISION_ATTEMPTS {
                if self.call(o, cmd()).await.is_ok() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }))
        .await;
    }
}
