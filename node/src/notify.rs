//! Where notifications go: the [`NotificationSink`] trait, a [`LogSink`] (JSON lines in a
//! file, one per notification, deduplicated by key so a notification resent after a crash
//! is written once), a [`TracingSink`] (the node's log) and a [`MemorySink`] for tests.
//! [`render`] puts a notification in words, in the recipient's zone ([`Zones`]), for the
//! log sink and the mail sink.

use engine::ids::ResourceId;
use engine::office::Directory;
use engine::state::{CancelScope, NoticeKind, Notification, Response};
use engine::time::format::rfc3339_in;
use engine::time::Zone;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Something that tells people. `send` may be called again for a key it has seen (the
/// node resends what it cannot prove was sent); a sink drops such repeats.
pub trait NotificationSink: Send + Sync {
    /// Delivers one notification; an error makes the node retry later.
    fn send(&self, n: &Notification) -> Result<(), String>;

    /// Delivers several; one result each, in order. Sinks that can share work across a
    /// batch (one file sync, one connection) override it.
    fn send_all(&self, ns: &[&Notification]) -> Vec<Result<(), String>> {
        ns.iter().map(|n| self.send(n)).collect()
    }
}

/// Notifications as lines in the node's tracing log.
pub struct TracingSink;

impl NotificationSink for TracingSink {
    fn send(&self, n: &Notification) -> Result<(), String> {
        tracing::info!(key = %n.key, to = %n.to, meeting = %n.meeting, kind = ?n.kind, "notification");
        Ok(())
    }
}

/// Each person's zone, for notifications in their own local time (UTC for anyone else).
#[derive(Clone, Debug, Default)]
pub struct Zones(BTreeMap<ResourceId, Zone>);

impl Zones {
    /// Every person's and room's zone in the directory.
    pub fn of(dir: &Directory) -> Zones {
        let all = (dir.people.keys()).chain(dir.rooms.keys());
        Zones(
            all.filter_map(|r| Some((r.clone(), dir.zone_of(r).ok()?)))
                .collect(),
        )
    }

    /// `r`'s zone.
    pub fn zone(&self, r: &ResourceId) -> Zone {
        self.0.get(r).copied().unwrap_or(Zone::Utc)
    }
}

/// A notification in words, times in `zone` (the recipient's): a subject line and a
/// sentence (mails, the log sink's `text`).
pub fn render(n: &Notification, zone: Zone) -> (String, String) {
    let start = rfc3339_in(n.start, zone);
    match &n.kind {
        NoticeKind::Invited => (
            format!("Invitation: {}", n.title),
            format!(
                "You are invited to {:?} ({}), first at {start}.",
                n.title, n.meeting
            ),
        ),
        NoticeKind::Changed => (
            format!("Changed: {}", n.title),
            format!(
                "{:?} ({}) changed; it now starts at {start}.",
                n.title, n.meeting
            ),
        ),
        NoticeKind::Cancelled(scope) => {
            let what = match scope {
                CancelScope::Series => "is cancelled".to_string(),
                CancelScope::Instance(t) => {
                    format!("is cancelled on {}", rfc3339_in(*t, zone))
                }
                CancelScope::ThisAndFollowing(t) => {
                    format!("is cancelled from {} on", rfc3339_in(*t, zone))
                }
            };
            (
                format!("Cancelled: {}", n.title),
                format!("{:?} ({}) {what}.", n.title, n.meeting),
            )
        }
        NoticeKind::Reminder {
            local_start,
            minutes_before,
        } => (
            format!("Reminder: {} at {local_start}", n.title),
            format!(
                "{:?} ({}) starts in {minutes_before} minutes, at {local_start}.",
                n.title, n.meeting
            ),
        ),
        NoticeKind::Proposed {
            attendee,
            instance,
            start,
            duration_secs,
        } => {
            let which = match instance {
                Some(t) => format!("the instance of {}", rfc3339_in(*t, zone)),
                None => "the series".to_string(),
            };
            let at = rfc3339_in(*start, zone);
            (
                format!("{attendee} proposes a new time: {}", n.title),
                format!(
                    "{attendee} proposes {at} for {} minutes for {which} of {:?} ({}).",
                    duration_secs / 60,
                    n.title,
                    n.meeting
                ),
            )
        }
        NoticeKind::FollowingMoved {
            from,
            start,
            duration_secs,
        } => (
            format!("Moved from {} on: {}", rfc3339_in(*from, zone), n.title),
            format!(
                "{:?} ({}) moves from the instance of {} on: that one now starts at {} and lasts {} minutes, and the later ones move with it.",
                n.title,
                n.meeting,
                rfc3339_in(*from, zone),
                rfc3339_in(*start, zone),
                duration_secs / 60
            ),
        ),
        NoticeKind::InstanceMoved {
            instance,
            start,
            duration_secs,
        } => (
            format!("Moved: {}", n.title),
            format!(
                "The instance of {} of {:?} ({}) now starts at {} and lasts {} minutes.",
                rfc3339_in(*instance, zone),
                n.title,
                n.meeting,
                rfc3339_in(*start, zone),
                duration_secs / 60
            ),
        ),
        NoticeKind::ProposalDeclined { instance, start } => {
            let which = match instance {
                Some(t) => format!(" for the instance of {}", rfc3339_in(*t, zone)),
                None => String::new(),
            };
            (
                format!("Proposal declined: {}", n.title),
                format!(
                    "Your proposal of {}{which} for {:?} ({}) was declined.",
                    rfc3339_in(*start, zone),
                    n.title,
                    n.meeting
                ),
            )
        }
        NoticeKind::Responded { attendee, response } => {
            let word = match response {
                Response::Accepted => "accepted",
                Response::Declined => "declined",
                Response::Tentative => "tentatively accepted",
                Response::NeedsAction => "has not answered",
            };
            (
                format!("{attendee} {word}: {}", n.title),
                format!("{attendee} {word} {:?} ({}).", n.title, n.meeting),
            )
        }
    }
}

/// Notifications appended to a file as JSON lines, each key once: the notification's
/// fields, and (with zones) `local_start` and `text` in the recipient's own time.
pub struct LogSink {
    path: PathBuf,
    seen: Mutex<BTreeSet<String>>,
    zones: Option<Zones>,
}

impl LogSink {
    /// Opens (or creates) the file, remembering the keys already in it.
    pub fn open(path: &Path) -> std::io::Result<LogSink> {
        let mut seen = BTreeSet::new();
        if let Ok(f) = std::fs::File::open(path) {
            for line in std::io::BufReader::new(f).lines() {
                let line = line?;
                if let Ok(n) = serde_json::from_str::<Notification>(&line) {
                    seen.insert(n.key);
                }
            }
        }
        Ok(LogSink {
            path: path.to_path_buf(),
            seen: Mutex::new(seen),
            zones: None,
        })
    }

    /// Also writes each notification's start and a sentence in the recipient's zone.
    pub fn with_zones(mut self, zones: Zones) -> LogSink {
        self.zones = Some(zones);
        self
    }

    fn line(&self, n: &Notification) -> serde_json::Result<String> {
        let mut v = serde_json::to_value(n)?;
        if let (Some(zones), Some(fields)) = (&self.zones, v.as_object_mut()) {
            let zone = zones.zone(&n.to);
            let (_, text) = render(n, zone);
            fields.insert("local_start".into(), rfc3339_in(n.start, zone).into());
            fields.insert("text".into(), text.into());
        }
        serde_json::to_string(&v)
    }
}

impl NotificationSink for LogSink {
    fn send(&self, n: &Notification) -> Result<(), String> {
        self.send_all(&[n]).pop().unwrap_or(Ok(()))
    }

    /// Appends the new ones and syncs the file once.
    fn send_all(&self, ns: &[&Notification]) -> Vec<Result<(), String>> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::new();
        let mut fresh = Vec::new();
        for n in ns {
            if seen.contains(&n.key) || fresh.contains(&&n.key) {
                continue;
            }
            match self.line(n) {
                Ok(line) => {
                    text.push_str(&line);
                    text.push('\n');
                    fresh.push(&n.key);
                }
                Err(e) => return vec![Err(e.to_string()); ns.len()],
            }
        }
        if text.is_empty() {
            return vec![Ok(()); ns.len()];
        }
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_data()));
        match written {
            Ok(()) => {
                seen.extend(fresh.into_iter().cloned());
                vec![Ok(()); ns.len()]
            }
            Err(e) => vec![Err(format!("{}: {e}", self.path.display())); ns.len()],
        }
    }
}

/// Notifications kept in memory, every call recorded (repeats included), for tests.
#[derive(Default)]
pub struct MemorySink {
    sent: Mutex<Vec<Notification>>,
}

impl MemorySink {
    /// Everything sent so far.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl NotificationSink for MemorySink {
    fn send(&self, n: &Notification) -> Result<(), String> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(n.clone());
        Ok(())
    }
}

/// Several sinks: a notification is sent once every one of them took it (each drops
/// the repeats a retry sends it).
pub struct FanOut(pub Vec<std::sync::Arc<dyn NotificationSink>>);

impl NotificationSink for FanOut {
    fn send(&self, n: &Notification) -> Result<(), String> {
        self.send_all(&[n]).pop().unwrap_or(Ok(()))
    }

    fn send_all(&self, ns: &[&Notification]) -> Vec<Result<(), String>> {
        let mut out: Vec<Result<(), String>> = vec![Ok(()); ns.len()];
        for sink in &self.0 {
            for (slot, r) in out.iter_mut().zip(sink.send_all(ns)) {
                if slot.is_ok() {
                    *slot = r;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::ids::MeetingId;
    use engine::time::{Instant, Wall};

    /// Times are the recipient's own, and a cancellation says which instances.
    #[test]
    fn a_notification_reads_in_the_recipient_s_time() {
        let ny = Zone::parse("America/New_York").unwrap();
        let nine = ny
            .to_instant(
                Wall::from_ymd_hms(2027, 3, 16, 9, 0, 0),
                engine::time::Disambiguation::Compatible,
            )
            .unwrap();
        let n = |kind| Notification {
            key: "ny#1".into(),
            to: ResourceId::new("alice"),
            meeting: MeetingId::new("m-1"),
            title: "Weekly sync".into(),
            // Two weeks before, across New York's clock change: 08:00 then.
            start: Instant(nine.0 - 14 * 86_400),
            kind,
        };
        let (subject, text) = render(&n(NoticeKind::Cancelled(CancelScope::Instance(nine))), ny);
        assert_eq!(subject, "Cancelled: Weekly sync");
        assert_eq!(
            text,
            "\"Weekly sync\" (m-1) is cancelled on 2027-03-16T09:00:00-04:00."
        );
        let (_, text) = render(
            &n(NoticeKind::Cancelled(CancelScope::ThisAndFollowing(nine))),
            Zone::parse("Europe/London").unwrap(),
        );
        assert!(
            text.ends_with("is cancelled from 2027-03-16T13:00:00+00:00 on."),
            "{text}"
        );
        let (_, text) = render(&n(NoticeKind::Invited), ny);
        assert!(
            text.contains("first at 2027-03-02T08:00:00-05:00"),
            "{text}"
        );
    }
}
