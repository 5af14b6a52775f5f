//! Ending what a crash, a partition or a dropped request left open. A coordinator settles
//! the transactions it prepared and never decided (after a restart, all of them; later,
//! those older than [`ASK_AFTER_MS`] that no request is coordinating) by asking every
//! office of the meeting to fence them: prepared everywhere means committed (the durable
//! yes votes are the commit); anywhere not prepared, the fence records an abort there
//! and the transaction aborts. A participant holding a transaction for longer than
//! [`ASK_AFTER_MS`] asks its coordinator and applies the answer.

use super::{lock, OfficeServer, ASK_AFTER_MS, PREPARE_DEADLINE, RESOLVE_EVERY};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use engine::state::Command;

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
    /// and of the version it would replace.
    fn txn_offices(&self, txn: &TxnId) -> Vec<OfficeId> {
        let state = lock(&self.shared.state);
        let st = state.state();
        let Some(m) = st.pending_meeting(txn) else {
            return vec![];
        };
        let mut offices = self.offices_of(m).unwrap_or_default();
        if let Some(old) = st.meeting(&m.id) {
            offices.extend(self.offices_of(old).unwrap_or_default());
        }
        offices.sort();
        offices.dedup();
        offices
    }

    /// Settles one undecided transaction this office coordinated, if every office of it
    /// answers (see the module).
    async fn settle(&self, txn: &TxnId) {
        let offices = self.txn_offices(txn);
        let fenced = futures::future::join_all(offices.iter().map(|o| self.fence_at(o, txn))).await;
        let commit = if fenced.contains(&Some(false)) {
            false
        } else if fenced.iter().all(|f| *f == Some(true)) {
            true
        } else {
            return;
        };
        tracing::warn!(txn = %txn, commit, "settling an undecided transaction");
        self.decide(&offices, txn, commit).await;
    }

    async fn fence_at(&self, office: &OfficeId, txn: &TxnId) -> Option<bool> {
        if office == &self.shared.office {
            // Still undecided here, so prepared here.
            return lock(&self.shared.state)
                .state()
                .decision(txn)
                .or(Some(true));
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
                .filter(|t| now - *seen.entry(t.clone()).or_insert(now) >= ASK_AFTER_MS)
                .filter(|t| !coordinating.contains(t))
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
            match answer {
                Ok(Some(true)) => drop(self.apply(Command::Commit { txn }).await),
                Ok(Some(false)) => drop(self.apply(Command::Abort { txn }).await),
                _ => {}
            }
        }
    }
}
