//! Ending what a crash, a partition or a dropped request left open. A coordinator settles
//! the transactions it prepared and never decided (after a restart, all of them; later,
//! those older than [`ASK_AFTER_MS`](super::ASK_AFTER_MS) that no request is coordinating) by asking every
//! office of the meeting to fence them: prepared everywhere means committed (the durable
//! yes votes are the commit); anywhere not prepared, the fence records an abort there
//! and the transaction aborts. A participant holding a transaction for longer than
//! [`ASK_AFTER_MS`](super::ASK_AFTER_MS) asks its coordinator and applies the answer.

use super::{lock, OfficeServer, PREPARE_DEADLINE, RESOLVE_EVERY};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use protocol::termination::participant::{self, Query, Reply};
use protocol::{Action, Logged, Settle};

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// After a restart: settles every transaction this office coordinated and never
    /// decided; those it cannot settle yet (an office unreachable) are left to
    /// [`OfficeServer::resolve_forever`].
    pub async fn recover(&self) {
        let mine: Vec<TxnId> = {
            let state = lock(&self.shared.state);
            let st = state.state();
            st.pending_txns()
                .filter(|t| self.coordinator_of(t).as_ref() == Some(&self.shared.office))
                .cloned()
                .collect()
        };
        for txn in mine {
            self.settle(&txn).await;
        }
    }

    /// The offices of an undecided transaction's meeting: of the version it would book,
    /// and of the version it would replace. `None` if they cannot be named (no longer
    /// pending here, or a resource no office owns).
    fn txn_offices(&self, txn: &TxnId) -> Option<Vec<OfficeId>> {
        let state = lock(&self.shared.state);
        let st = state.state();
        let m = st.pending_meeting(txn)?;
        let mut offices = self.offices_of(m).ok()?;
        if let Some(old) = st.meeting(&m.id) {
            offices.extend(self.offices_of(old).ok()?);
        }
        Some(offices)
    }

    /// Settles one undecided transaction this office coordinated, if every office of it
    /// answers (the rules are `protocol::termination`'s).
    async fn settle(&self, txn: &TxnId) {
        let here = self.shared.office.clone();
        let (mut machine, first) = Settle::start(here, self.txn_offices(txn));
        let mut fences: Vec<OfficeId> = Vec::new();
        for action in first {
            match action {
                Action::Fence { to } => fences.push(to),
                Action::Leave(why) => tracing::debug!(txn = %txn, %why, "left undecided"),
                _ => {}
            }
        }
        let answers = futures::future::join_all(fences.iter().map(|o| self.fence_at(o, txn))).await;
        // The fences are carried out; what the machine says after them is next.
        let mut actions = Vec::new();
        for (o, answer) in fences.iter().zip(answers) {
            actions.extend(machine.on_fenced(o, answer));
        }
        while !actions.is_empty() {
            let mut next = Vec::new();
            for action in actions {
                match action {
                    Action::Log { decision, sync } => {
                        tracing::warn!(txn = %txn, %decision, "settling an undecided transaction");
                        let logged = self.log_decision(txn, decision, sync).await;
                        next.extend(machine.on_logged(Logged::of(&logged)));
                    }
                    Action::Send { to, decision } => self.post(&[to], txn, decision),
                    Action::Leave(why) => {
                        tracing::debug!(txn = %txn, %why, "left undecided for now")
                    }
                    Action::Fence { .. }
                    | Action::Prepare { .. }
                    | Action::PrepareAndCommitHere
                    | Action::Answer(_) => {}
                }
            }
            actions = next;
        }
    }

    async fn fence_at(&self, office: &OfficeId, txn: &TxnId) -> Option<bool> {
        if office == &self.shared.office {
            return match participant::answer(Query::Fence, self.known(txn)) {
                Reply::Now(answer) => answer,
                // Pending here a moment ago; gone since: decided meanwhile, or never
                // logged. Not settled by this pass.
                Reply::PresumeAbort => None,
            };
        }
        let answer = self
            .shared
            .peers
            .call(office, |c| {
                let txn = txn.clone();
                async move {
                    let mut ctx = tarpc::context::current();
                    ctx.deadline = std::time::Instant::now() + PREPARE_DEADLINE;
                    c.fence(ctx, txn).await
                }
            })
            .await;
        answer.ok().flatten()
    }

    /// Settles old undecided transactions: asks coordinators about those prepared here
    /// for another office, and settles this office's own. Runs until the task is dropped.
    pub async fn resolve_forever(self) {
        loop {
            tokio::time::sleep(RESOLVE_EVERY).await;
            self.resolve_once().await;
        }
    }

    /// One pass of [`OfficeServer::resolve_forever`].
    pub async fn resolve_once(&self) {
        let now = self.shared.clock.monotonic_ms();
        let old: Vec<TxnId> = {
            let state = lock(&self.shared.state);
            let pending: Vec<TxnId> = state.state().pending_txns().cloned().collect();
            let mut seen = lock(&self.shared.seen);
            seen.retain(|t, _| pending.contains(t));
            let coordinating = lock(&self.shared.coordinating);
            pending
                .into_iter()
                .filter(|t| {
                    let first = *seen.entry((*t).clone()).or_insert(now);
                    participant::ask_due(first, now, coordinating.contains(t))
                })
                .collect()
        };
        for txn in old {
            let Some(coordinator) = self.coordinator_of(&txn) else {
                continue;
            };
            if coordinator == self.shared.office {
                self.settle(&txn).await;
                continue;
            }
            let answer = self
                .shared
                .peers
                .call(&coordinator, |c| {
                    let txn = txn.clone();
                    async move { c.decision(tarpc::context::current(), txn).await }
                })
                .await;
            if let Some(d) = participant::on_coordinator_answer(answer.ok().flatten()) {
                drop(self.apply(d.command(&txn)).await);
            }
        }
    }
}
