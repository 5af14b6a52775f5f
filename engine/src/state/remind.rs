//! Reminders, each once. The office keeps a watermark: every reminder due at or before
//! it has been handed to the outbox. `Command::Remind { until, lead_secs }` (or
//! `RemindEach`, with each person's own lead: [`Leads`]) finds the ones due since the
//! watermark (an instance of a meeting a local person attends, not declined, not held,
//! not begun at `until`, starting within the lead after `until`: the meeting's own
//! lead if it has one (an `.ics` VALARM, `reminder_minutes` over HTTP, `dms book
//! --reminder`; 0 silences it), else the person's),
//! puts each in the outbox with the start in the person's own zone (`Command::SetZones`
//! records the zones), and moves the watermark. The command is deterministic, so a
//! replay gives the same reminders with the same keys; a restart neither repeats nor
//! loses one (one due while the node was down goes out when it is back, if the meeting
//! has not begun).

use super::machine::OfficeState;
use super::outbox::{Effect, NoticeKind, Notification};
use super::outcome::Outcome;
use crate::calendar::{BusyStatus, Interval};
use crate::ids::{MeetingId, ResourceId};
use crate::time::format::rfc3339_in;
use crate::time::{Instant, Zone};
use std::collections::{BTreeMap, BTreeSet};

/// How long before an instance each person is reminded, in seconds: their own lead, or
/// the default. A lead of 0 reminds no one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Leads {
    /// Anyone not in `each`.
    pub default: i64,
    /// Each person's own.
    pub each: BTreeMap<ResourceId, i64>,
}

impl Leads {
    /// The same lead for everyone.
    pub fn all(lead_secs: i64) -> Leads {
        Leads {
            default: lead_secs,
            each: BTreeMap::new(),
        }
    }

    /// `who`'s lead.
    pub fn of(&self, who: &ResourceId) -> i64 {
        self.each.get(who).copied().unwrap_or(self.default)
    }
}

impl OfficeState {
    /// The watermark: every reminder due up to it was handed to the outbox.
    pub fn reminded_until(&self) -> Option<Instant> {
        self.reminded_until
    }

    /// The zones reminders show times in.
    pub fn zones(&self) -> &BTreeMap<ResourceId, Zone> {
        &self.zones
    }

    /// The reminders `Remind` would send now with these leads: (person, meeting,
    /// instance start, lead). A meeting's own lead ([`super::MeetingSpec::reminder_minutes`])
    /// comes before the person's. None before the first `Remind` (which only sets the
    /// watermark).
    pub fn due_reminders(
        &self,
        leads: &Leads,
        until: Instant,
    ) -> Vec<(ResourceId, MeetingId, Instant, i64)> {
        let Some(from) = self.reminded_until.filter(|w| *w < until) else {
            return vec![];
        };
        // The meetings' own leads: few distinct values, each a narrow window to look in.
        let own: BTreeSet<i64> = (self.meetings.values())
            .filter_map(|m| m.reminder_minutes)
            .map(|m| i64::from(m) * 60)
            .collect();
        let mut out = Vec::new();
        for (who, cal) in &self.calendars {
            let person = leads.of(who);
            let mut windows = own.clone();
            windows.insert(person);
            for lead_secs in windows {
                // Instances starting in (from + lead, until + lead], not begun at `until`.
                let lo = Instant(
                    from.0
                        .saturating_add(lead_secs)
                        .saturating_add(1)
                        .max(until.0 + 1),
                );
                let hi = Instant(until.0.saturating_add(lead_secs).saturating_add(1));
                if lo >= hi {
                    continue;
                }
                let starts = Interval::new(lo, hi);
                for e in cal.overlapping(starts) {
                    let inside = starts.start <= e.interval.start && e.interval.start < starts.end;
                    if !inside || e.status == BusyStatus::Hold {
                        continue;
                    }
                    let Some(m) = self.meetings.get(&e.meeting) else {
                        continue;
                    };
                    let lead = m.reminder_minutes.map_or(person, |m| i64::from(m) * 60);
                    if lead == lead_secs && !m.rooms.contains(who) {
                        out.push((who.clone(), m.id.clone(), e.interval.start, lead_secs));
                    }
                }
            }
        }
        out
    }

    pub(super) fn remind(&mut self, until: Instant, leads: &Leads) -> (Outcome, Vec<MeetingId>) {
        if self.reminded_until.is_some_and(|w| until <= w) {
            return (
                Outcome::Duplicate {
                    key: format!("remind@{}", until.0),
                },
                vec![],
            );
        }
        let due = self.due_reminders(leads, until);
        self.reminded_until = Some(until);
        for (to, meeting, start, lead_secs) in &due {
            let zone = self.zones.get(to).copied().unwrap_or(Zone::Utc);
            let title = self
                .meetings
                .get(meeting)
                .map(|m| m.title.clone())
                .unwrap_or_default();
            let seq = self.next_effect;
            self.next_effect += 1;
            let n = Notification {
                key: format!("{}#{seq}", self.office),
                to: to.clone(),
                meeting: meeting.clone(),
                title,
                start: *start,
                kind: NoticeKind::Reminder {
                    local_start: rfc3339_in(*start, zone),
                    minutes_before: lead_secs / 60,
                },
            };
            self.outbox.insert(seq, Effect::Notify(n));
        }
        (Outcome::Reminded { count: due.len() }, vec![])
    }

    pub(super) fn set_zones(
        &mut self,
        zones: &BTreeMap<ResourceId, Zone>,
    ) -> (Outcome, Vec<MeetingId>) {
        self.zones = zones.clone();
        (Outcome::Registered, vec![])
    }
}
