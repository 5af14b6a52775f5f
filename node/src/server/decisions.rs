//! Decisions for other offices, sent in batches: one mailbox per office; the first
//! decision posted to an idle mailbox starts a sender that sends everything waiting in
//! one `decide_many` call, and again until the mailbox is empty. Under load many
//! transactions' commits share one message. A batch that cannot be sent after a few
//! tries is dropped: the offices ask about their old holds (see `resolve`).

use super::{lock, OfficeServer, DECISION_ATTEMPTS};
use crate::storage::Storage;
use engine::ids::{OfficeId, TxnId};
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
    pub(super) fn post(&self, offices: &[OfficeId], txn: &TxnId, commit: bool) {
        for office in offices.iter().filter(|o| **o != self.shared.office) {
            let start = {
                let mut boxes = lock(&self.shared.mailboxes);
                let mailbox = boxes.0.entry(office.clone()).or_default();
                mailbox.waiting.push((txn.clone(), commit));
                !std::mem::replace(&mut mailbox.sending, true)
            };
            if start {
                tokio::spawn(self.clone().drain(office.clone()));
            }
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
