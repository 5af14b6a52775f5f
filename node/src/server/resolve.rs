//! Ending what a crash or a partition left open. A restarted coordinator aborts the
//! transactions it prepared and never decided (presumed abort) and tells the other
//! offices; a participant holding a transaction for longer than [`ASK_AFTER_MS`] asks its
//! coordinator and applies the answer.

use super::{lock, OfficeServer, ASK_AFTER_MS, RESOLVE_EVERY};
use crate::storage::Storage;
use engine::ids::TxnId;
use engine::state::Command;

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// After a restart: transactions this office coordinated and never decided are aborted
    /// (presumed abort) and the other offices told; it returns once they are.
    pub async fn recover(&self) {
        let mine: Vec<TxnId> = {
            let state = lock(&self.shared.state);
            state
                .state()
                .pending_txns()
                .filter(|t| self.coordinator_of(t).as_ref() == Some(&self.shared.office))
                .cloned()
                .collect()
        };
        // Every office is told: a change's old version may involve offices the new one
        // does not, and an abort at an office that never prepared only records it there.
        let all: Vec<_> = self.shared.peers.offices().cloned().collect();
        for txn in mine {
            tracing::warn!(txn = %txn, "undecided after restart: aborting");
            self.decide(&all, &txn, false).await;
        }
    }

    /// Asks coordinators about transactions prepared here long ago, and applies their
    /// decisions. Runs until the task is dropped.
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
            pending
                .into_iter()
                .filter(|t| now - *seen.entry(t.clone()).or_insert(now) >= ASK_AFTER_MS)
                .filter(|t| {
                    self.coordinator_of(t)
                        .is_some_and(|c| c != self.shared.office)
                })
                .collect()
        };
        for txn in old {
            let Some(coordinator) = self.coordinator_of(&txn) else {
                continue;
            };
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
