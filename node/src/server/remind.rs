//! The reminder worker: every [`REMIND_EVERY`] it asks the state which reminders are due
//! and, if any are (or the watermark has not moved for [`IDLE_MARK`]), logs
//! `Command::RemindEach` up to the node's wall clock (the node's lead, and each person's
//! own from the directory's `reminder_minutes`); the state machine recomputes them at
//! apply time, puts them in the outbox and moves the watermark, so each goes out once,
//! across restarts. The first pass after the state has no watermark only sets one.

use super::{lock, OfficeServer};
use crate::storage::Storage;
use engine::state::Command;
use engine::time::Instant;
use std::time::Duration;

/// How often the worker looks.
pub const REMIND_EVERY: Duration = Duration::from_secs(1);
/// How long the watermark may stand still when nothing is due.
pub const IDLE_MARK: Duration = Duration::from_secs(60);

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Runs the reminder worker until the task is dropped (at once if reminders are off).
    pub async fn remind_forever(self) {
        let Some(lead) = self.shared.options.reminder_lead else {
            return;
        };
        let lead_secs = lead.as_secs() as i64;
        // Each of this office's people with a lead of their own.
        let office = &self.shared.office;
        let leads = engine::state::remind::Leads {
            default: lead_secs,
            each: (self.shared.dir.people.values())
                .filter(|p| p.office == *office)
                .filter_map(|p| Some((p.id.clone(), i64::from(p.reminder_minutes?) * 60)))
                .collect(),
        };
        loop {
            tokio::time::sleep(REMIND_EVERY).await;
            let now = Instant(self.shared.clock.wall_ms().div_euclid(1000));
            let (due, mark) = {
                let state = lock(&self.shared.state);
                let s = state.state();
                (s.due_reminders(&leads, now).len(), s.reminded_until())
            };
            let idle = mark.is_some_and(|m| now.0 - m.0 < IDLE_MARK.as_secs() as i64);
            if due == 0 && idle {
                continue;
            }
            self.apply(Command::RemindEach {
                until: now,
                lead_secs,
                leads: leads.each.clone(),
            })
            .await;
            self.wake_outbox();
        }
    }
}
