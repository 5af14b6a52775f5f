//! Decisions for other offices, sent in batches: one mailbox per office. While prepares
//! are on their way to an office, its decisions ride along with the next batch of them
//! (see `prepares`): under load a decision costs no message of its own. Otherwise the
//! first decision posted to an idle mailbox starts a sender that sends everything
//! waiting in one `decide_many` call, and again until the mailbox is empty; so does a
//! prepare sender that stops with decisions left, or whose call failed. A batch that
//! cannot be sent after a few tries is dropped: the offices ask about their old holds
//! (see `resolve`).

use super::{lock, OfficeServer, DECISION_ATTEMPTS};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
use protocol::Decision;
use std::collections::BTreeMap;
use std::time::Duration;

/// The most decisions one message carries.
pub const MAX_DECISIONS_PER_CALL: usize = 1_000;

#[derive(Default)]
struct Mailbox {
    waiting: Vec<(TxnId, bool)>,
    sending: bool,
}

/// Decisions waiting, by office.
#[derive(Default)]
pub(super) struct Mailboxes(BTreeMap<OfficeId, Mailbox>);

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Queues a logged decision for every office in `offices` but this one.
    pub(super) fn post(&self, offices: &[OfficeId], txn: &TxnId, decision: Decision) {
        let commit = decision.is_commit();
        for office in offices.iter().filter(|o| **o != self.shared.office) {
            let start = {
                // Lock order: mailboxes, then prepares (a prepare sender never holds its
                // queue while it takes the mailbox), so that either a prepare sender
                // still running sees this decision when it stops, or this sees none.
                let mut boxes = lock(&self.shared.mailboxes);
                let mailbox = boxes.0.entry(office.clone()).or_default();
                mailbox.waiting.push((txn.clone(), commit));
                !mailbox.sending
                    && !self.prepares_under_way(office)
                    && !std::mem::replace(&mut mailbox.sending, true)
            };
            if start {
                tokio::spawn(self.clone().drain(office.clone()));
            }
        }
    }

    /// Takes what waits for `office`, to ride along with a batch of prepares.
    pub(super) fn take_decisions(&self, office: &OfficeId) -> Vec<(TxnId, bool)> {
        let mut boxes = lock(&self.shared.mailboxes);
        match boxes.0.get_mut(office) {
            Some(mailbox) => {
                let n = mailbox.waiting.len().min(MAX_DECISIONS_PER_CALL);
                mailbox.waiting.drain(..n).collect()
            }
            None => Vec::new(),
        }
    }

    /// Puts decisions back (their prepare call failed; a repeat is harmless) and, like a
    /// prepare sender that stops, starts a sender if decisions wait and none runs.
    pub(super) fn hand_back(&self, office: &OfficeId, decisions: Vec<(TxnId, bool)>) {
        let start = {
            let mut boxes = lock(&self.shared.mailboxes);
            let mailbox = boxes.0.entry(office.clone()).or_default();
            mailbox.waiting.extend(decisions);
            !mailbox.waiting.is_empty() && !std::mem::replace(&mut mailbox.sending, true)
        };
        if start {
            tokio::spawn(self.clone().drain(office.clone()));
        }
    }

    async fn drain(self, office: OfficeId) {
        loop {
            let batch: Vec<(TxnId, bool)> = {
                let mut boxes = lock(&self.shared.mailboxes);
                let mailbox = boxes.0.entry(office.clone()).or_default();
                if mailbox.waiting.is_empty() {
                    mailbox.sending = false;
                    return;
                }
                let n = mailbox.waiting.len().min(MAX_DECISIONS_PER_CALL);
                mailbox.waiting.drain(..n).collect()
            };
            for attempt in 0..DECISION_ATTEMPTS {
                let sent = self
                    .shared
                    .peers
                    .call(&office, |c| {
                        let batch = batch.clone();
                        async move { c.decide_many(tarpc::context::current(), batch).await }
                    })
                    .await;
                if sent.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
    }
}
