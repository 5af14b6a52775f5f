//! [`OfficeState`] and `apply`: the calendars of one office and every change to them.

use super::command::{CancelScope, Command};
use super::invariant::{check_calendar, Violation};
use super::meeting::{MeetingSpec, Response};
use super::outbox::{NoticeKind, Outbox};
use super::outcome::{Outcome, Rejection};
use super::remind::Leads;
use crate::calendar::conflict::find_conflicts;
use crate::calendar::freebusy::free_busy;
use crate::calendar::{BusyEntry, BusyStatus, Conflict, FreeBusy, Interval, ResourceCalendar};
use crate::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use crate::recurrence::Until;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A prepared, undecided transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    meeting: MeetingSpec,
    overridden: Vec<Conflict>,
}

/// An override: a booking made over a conflict, on purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRecord {
    /// The meeting booked over the conflict.
    pub meeting: MeetingId,
    /// The conflict it was booked over.
    pub conflict: Conflict,
}

/// The calendars of the people and rooms one office owns.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OfficeState {
    pub(super) office: OfficeId,
    pub(super) calendars: BTreeMap<ResourceId, ResourceCalendar>,
    pub(super) meetings: BTreeMap<MeetingId, MeetingSpec>,
    pending: BTreeMap<TxnId, Pending>,
    pub(super) in_flight: BTreeMap<MeetingId, TxnId>,
    decided: BTreeMap<TxnId, bool>,
    pub(super) cancelled: BTreeSet<MeetingId>,
    pub(super) overrides: Vec<OverrideRecord>,
    /// Effects waiting for the node, by sequence number.
    #[serde(default)]
    pub(super) outbox: Outbox,
    /// The next outbox sequence number.
    #[serde(default)]
    pub(super) next_effect: u64,
    /// Keys of deliveries applied here.
    #[serde(default)]
    pub(super) inbox: BTreeSet<String>,
    /// Bumped by every command that changed something.
    #[serde(default)]
    pub(super) version: u64,
    /// The transaction that committed each meeting's current version here.
    #[serde(default)]
    pub(super) committed_by: BTreeMap<MeetingId, TxnId>,
    /// Every reminder due up to this instant is in the outbox (or was sent).
    #[serde(default)]
    pub(super) reminded_until: Option<Instant>,
    /// The zones of this office's people, for reminders.
    #[serde(default)]
    pub(super) zones: BTreeMap<ResourceId, crate::time::Zone>,
    /// How many times the node started on this state (see [`Command::Boot`]).
    #[serde(default)]
    pub(super) boots: u64,
    /// A planted bug (test-only) the simulator's checkers must catch.
    #[cfg(any(feature = "planted-bugs", debug_assertions))]
    #[serde(skip)]
    planted: Option<Bug>,
}

/// A deliberate bug of the state machine (test-only: builds with debug assertions or the
/// feature `planted-bugs`; never a release build).
#[cfg(any(feature = "planted-bugs", debug_assertions))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// A prepare votes yes without looking at the calendars.
    SkipHoldCheck,
    /// An abort of a change takes away the meeting's committed entries too, not only
    /// the ones the change placed.
    AbortDropsCommitted,
    /// A cancellation does not wait for a transaction in flight on its meeting.
    CancelIgnoresInFlight,
}

impl OfficeState {
    /// An office with no calendars yet.
    pub fn new(office: OfficeId) -> OfficeState {
        OfficeState {
            office,
            ..Default::default()
        }
    }

    /// The office.
    pub fn office(&self) -> &OfficeId {
        &self.office
    }

    /// Switches a planted bug on (test-only builds; not part of the API).
    #[cfg(any(feature = "planted-bugs", debug_assertions))]
    #[doc(hidden)]
    pub fn plant(&mut self, bug: Option<Bug>) {
        self.planted = bug;
    }

    /// How many times the node started on this state: the boot number of this run.
    pub fn boots(&self) -> u64 {
        self.boots
    }

    /// Whether `r`'s calendar is here.
    pub fn owns(&self, r: &ResourceId) -> bool {
        self.calendars.contains_key(r)
    }

    /// The calendars, by resource.
    pub fn calendars(&self) -> &BTreeMap<ResourceId, ResourceCalendar> {
        &self.calendars
    }

    /// A committed meeting.
    pub fn meeting(&self, id: &MeetingId) -> Option<&MeetingSpec> {
        self.meetings.get(id)
    }

    /// The undecided transaction changing a meeting here, if one is.
    pub fn changing(&self, id: &MeetingId) -> Option<&TxnId> {
        self.in_flight.get(id)
    }

    /// `r`'s entries overlapping `window`, as a reader should see them: an entry of a
    /// meeting that an undecided transaction is changing carries that transaction (its
    /// time may move or go), not only the holds the transaction placed.
    pub fn entries_in(&self, r: &ResourceId, window: Interval) -> Option<Vec<BusyEntry>> {
        let cal = self.calendars.get(r)?;
        let mut entries: Vec<BusyEntry> = cal.overlapping(window).into_iter().cloned().collect();
        for e in &mut entries {
            if e.txn.is_none() {
                e.txn = self.in_flight.get(&e.meeting).cloned();
            }
        }
        Some(entries)
    }

    /// Every committed meeting.
    pub fn meetings(&self) -> &BTreeMap<MeetingId, MeetingSpec> {
        &self.meetings
    }

    /// Overrides recorded so far.
    pub fn overrides(&self) -> &[OverrideRecord] {
        &self.overrides
    }

    /// Undecided transactions.
    pub fn pending_txns(&self) -> impl Iterator<Item = &TxnId> {
        self.pending.keys()
    }

    /// The meeting an undecided transaction would book.
    pub fn pending_meeting(&self, txn: &TxnId) -> Option<&MeetingSpec> {
        self.pending.get(txn).map(|p| &p.meeting)
    }

    /// The transaction that committed a meeting's current version here.
    pub fn committed_by(&self, id: &MeetingId) -> Option<&TxnId> {
        self.committed_by.get(id)
    }

    /// How a transaction ended here, if it did: `Some(true)` committed.
    pub fn decision(&self, txn: &TxnId) -> Option<bool> {
        self.decided.get(txn).copied()
    }

    /// Free/busy of an owned resource.
    pub fn free_busy(&self, r: &ResourceId, window: Interval) -> Option<FreeBusy> {
        self.calendars.get(r).map(|c| free_busy(c, r, window))
    }

    /// The conflicts a meeting would meet on this office's resources (declined attendees
    /// excepted), without changing anything.
    pub fn conflicts(&self, m: &MeetingSpec) -> Result<Vec<Conflict>, Rejection> {
        let instances: Vec<Interval> = m
            .instances()
            .map_err(|e| Rejection::BadMeeting(e.to_string()))?
            .into_iter()
            .map(|(_, iv)| iv)
            .collect();
        let mut out = Vec::new();
        for r in self.local(m) {
            if m.response_of(r) != Response::Declined {
                out.extend(find_conflicts(
                    &self.calendars[r],
                    r,
                    &instances,
                    Some(&m.id),
                ));
            }
        }
        Ok(out)
    }

    /// The meeting's resources that are this office's.
    pub(super) fn local<'m>(&self, m: &'m MeetingSpec) -> Vec<&'m ResourceId> {
        m.resource_refs()
            .into_iter()
            .filter(|r| self.owns(r))
            .collect()
    }

    /// Applies a command. Deterministic: the same commands in the same order give the same
    /// state and outcomes everywhere. Checks the invariant on the entries of the meetings
    /// it placed or changed (removing entries cannot break it), and panics only if it
    /// breaks (a bug).
    pub fn apply(&mut self, cmd: &Command) -> Outcome {
        let (outcome, touched) = self.dispatch(cmd);
        let placed = touched.len();
        #[cfg(any(feature = "planted-bugs", debug_assertions))]
        let touched = if self.planted == Some(Bug::SkipHoldCheck) {
            vec![]
        } else {
            touched
        };
        // Only entries of the meetings a command placed or changed can break it.
        if !touched.is_empty() {
            if let Err(v) = self.check(&touched) {
                panic!("office {}: invariant broken by {cmd:?}: {v}", self.office);
            }
        }
        let unchanged = matches!(
            outcome,
            Outcome::Rejected(_)
                | Outcome::Duplicate { .. }
                | Outcome::Done { .. }
                | Outcome::Booted { .. }
                | Outcome::Reminded { .. }
        ) || matches!(&outcome, Outcome::Imported { .. } if placed == 0);
        if !unchanged {
            self.version += 1;
        }
        outcome
    }

    /// Applies a command without the checks: the outcome and the meetings it touched.
    pub(super) fn dispatch(&mut self, cmd: &Command) -> (Outcome, Vec<MeetingId>) {
        match cmd {
            Command::Register { resource } => {
                self.calendars.entry(resource.clone()).or_default();
                (Outcome::Registered, vec![])
            }
            Command::Prepare {
                txn,
                meeting,
                force,
            } => self.prepare(txn, meeting, *force),
            Command::Commit { txn } => self.commit(txn),
            Command::Abort { txn } => self.abort(txn),
            Command::Cancel {
                meeting,
                scope,
                version,
            } => self.cancel(meeting, *scope, version.as_ref()),
            Command::Respond {
                meeting,
                attendee,
                response,
                version,
            } => self.respond(meeting, attendee, *response, version.as_ref()),
            Command::Originate {
                key,
                command,
                forward,
            } => self.originate(key, command, forward),
            Command::Deliver { key, command } => self.deliver(key, command),
            Command::Import { meetings } => self.import(meetings),
            Command::Remind { until, lead_secs } => self.remind(*until, &Leads::all(*lead_secs)),
            Command::RemindEach {
                until,
                lead_secs,
                leads,
            } => self.remind(
                *until,
                &Leads {
                    default: *lead_secs,
                    each: leads.clone(),
                },
            ),
            Command::SetZones { zones } => self.set_zones(zones),
            Command::Done { seqs } => self.done(seqs),
            Command::Boot => {
                self.boots += 1;
                (Outcome::Booted { boot: self.boots }, vec![])
            }
            Command::Counter {
                meeting,
                attendee,
                instance,
                start,
                duration_secs,
                declined,
            } => self.counter(
                meeting,
                attendee,
                *instance,
                (*start, *duration_secs),
                *declined,
            ),
        }
    }

    /// Checks the invariant on the entries of the given meetings (every entry if empty).
    pub fn check(&self, meetings: &[MeetingId]) -> Result<(), Box<Violation>> {
        if meetings.is_empty() {
            for (r, cal) in &self.calendars {
                check_calendar(r, cal, None)?;
            }
            return Ok(());
        }
        // Only the calendars of the meetings' own resources can hold their entries.
        let mut resources: Vec<&ResourceId> = Vec::new();
        for id in meetings {
            let pending = self
                .in_flight
                .get(id)
                .and_then(|t| self.pending.get(t))
                .map(|p| &p.meeting);
            for m in self.meetings.get(id).into_iter().chain(pending) {
                resources.extend(self.local(m));
            }
        }
        resources.sort();
        resources.dedup();
        for r in resources {
            check_calendar(r, &self.calendars[r], Some(meetings))?;
        }
        Ok(())
    }

    pub(super) fn prepare(
        &mut self,
        txn: &TxnId,
        m: &MeetingSpec,
        force: bool,
    ) -> (Outcome, Vec<MeetingId>) {
        match self.decided.get(txn) {
            Some(true) => {
                return (
                    Outcome::Prepared {
                        txn: txn.clone(),
                        overridden: vec![],
                    },
                    vec![],
                )
            }
            Some(false) => return reject(Rejection::AlreadyDecided(txn.clone())),
            None => {}
        }
        if let Some(p) = self.pending.get(txn) {
            return (
                Outcome::Prepared {
                    txn: txn.clone(),
                    overridden: p.overridden.clone(),
                },
                vec![],
            );
        }
        if let Err(e) = m.validate() {
            return reject(Rejection::BadMeeting(e));
        }
        if self.cancelled.contains(&m.id) {
            return reject(Rejection::BadMeeting(format!(
                "meeting {} was cancelled; a new booking needs a new id",
                m.id
            )));
        }
        if let Some(old) = self.meetings.get(&m.id) {
            if old.organizer != m.organizer {
                // Who organizes the other meeting is not the caller's to know.
                return reject(Rejection::BadMeeting(format!(
                    "meeting id {} is taken by another organizer's meeting",
                    m.id
                )));
            }
        }
        if let Some(other) = self.in_flight.get(&m.id) {
            return reject(Rejection::InProgress {
                meeting: m.id.clone(),
                txn: other.clone(),
            });
        }
        let local = self.local(m);
        // An office may have nothing left in a changed meeting (its people were taken
        // off): it still takes part, to drop its old entries at commit.
        if local.is_empty() && !self.meetings.contains_key(&m.id) {
            return reject(Rejection::NotOwned(m.organizer.clone()));
        }
        let instances = match m.instances() {
            Ok(i) => i,
            Err(e) => return reject(Rejection::BadMeeting(e.to_string())),
        };
        let ivs: Vec<Interval> = instances.iter().map(|(_, iv)| *iv).collect();
        let mut blocking = Vec::new();
        let mut optional_busy: BTreeSet<&ResourceId> = BTreeSet::new();
        for &r in &local {
            if m.response_of(r) == Response::Declined {
                continue;
            }
            let c = find_conflicts(&self.calendars[r], r, &ivs, Some(&m.id));
            #[cfg(any(feature = "planted-bugs", debug_assertions))]
            if self.planted == Some(Bug::SkipHoldCheck) {
                continue;
            }
            if c.is_empty() {
                continue;
            }
            if m.is_required(r) {
                blocking.extend(c);
            } else {
                optional_busy.insert(r);
            }
        }
        if !blocking.is_empty() && !force {
            return (
                Outcome::Conflicts {
                    conflicts: blocking,
                },
                vec![],
            );
        }
        for &r in &local {
            let response = m.response_of(r);
            if response == Response::Declined {
                continue;
            }
            // An optional attendee who is busy is invited as tentative: it never blocks.
            let status = if optional_busy.contains(r) || response == Response::Tentative {
                BusyStatus::Tentative
            } else {
                BusyStatus::Hold
            };
            for &(instance, interval) in &instances {
                let overridden = blocking
                    .iter()
                    .any(|c| &c.resource == r && c.proposed == interval);
                self.calendars.get_mut(r).expect("local").add(BusyEntry {
                    interval,
                    meeting: m.id.clone(),
                    instance,
                    status,
                    overridden,
                    txn: Some(txn.clone()),
                });
            }
        }
        self.pending.insert(
            txn.clone(),
            Pending {
                meeting: m.clone(),
                overridden: blocking.clone(),
            },
        );
        self.in_flight.insert(m.id.clone(), txn.clone());
        (
            Outcome::Prepared {
                txn: txn.clone(),
                overridden: blocking,
            },
            vec![m.id.clone()],
        )
    }

    pub(super) fn commit(&mut self, txn: &TxnId) -> (Outcome, Vec<MeetingId>) {
        // A pending transaction is undecided, so the usual case needs one look-up.
        let Some(p) = self.pending.remove(txn) else {
            return match self.decided.get(txn) {
                Some(true) => (Outcome::Committed { txn: txn.clone() }, vec![]),
                Some(false) => reject(Rejection::AlreadyDecided(txn.clone())),
                None => reject(Rejection::UnknownTxn(txn.clone())),
            };
        };
        let m = p.meeting;
        let previous = self.meetings.get(&m.id).cloned();
        let mut here = self.local(&m);
        if let Some(old) = &previous {
            here.extend(self.local(old));
            here.sort();
            here.dedup();
        }
        for r in here {
            let cal = self.calendars.get_mut(r).expect("local");
            // The meeting's previous version, if this was a change, goes.
            cal.remove_where(&m.id, |e| e.txn.as_ref() != Some(txn));
            let response = m.response_of(r);
            cal.update_meeting(&m.id, |e| {
                e.txn = None;
                if e.status == BusyStatus::Hold {
                    e.status = if response == Response::Tentative {
                        BusyStatus::Tentative
                    } else {
                        BusyStatus::Confirmed
                    };
                }
            });
        }
        for c in p.overridden {
            self.overrides.push(OverrideRecord {
                meeting: m.id.clone(),
                conflict: c,
            });
        }
        self.in_flight.remove(&m.id);
        self.decided.insert(txn.clone(), true);
        let id = m.id.clone();
        self.notify_commit(previous.as_ref(), &m);
        if self.local(&m).is_empty() {
            self.meetings.remove(&id);
            self.committed_by.remove(&id);
        } else {
            self.meetings.insert(id.clone(), m);
            self.committed_by.insert(id.clone(), txn.clone());
        }
        // Nothing to check: a commit only removes entries (the meeting's previous version)
        // and turns holds into bookings or tentative entries, and neither makes two
        // blocking entries overlap that did not already (the prepare was checked).
        (Outcome::Committed { txn: txn.clone() }, vec![])
    }

    fn abort(&mut self, txn: &TxnId) -> (Outcome, Vec<MeetingId>) {
        match self.decided.get(txn) {
            Some(false) => return (Outcome::Aborted { txn: txn.clone() }, vec![]),
            Some(true) => return reject(Rejection::AlreadyDecided(txn.clone())),
            None => {}
        }
        if let Some(p) = self.pending.remove(txn) {
            #[cfg(any(feature = "planted-bugs", debug_assertions))]
            let all = self.planted == Some(Bug::AbortDropsCommitted);
            #[cfg(not(any(feature = "planted-bugs", debug_assertions)))]
            let all = false;
            for r in self.local(&p.meeting) {
                self.calendars
                    .get_mut(r)
                    .expect("local")
                    .remove_where(&p.meeting.id, |e| all || e.txn.as_ref() == Some(txn));
            }
            self.in_flight.remove(&p.meeting.id);
        }
        self.decided.insert(txn.clone(), false);
        (Outcome::Aborted { txn: txn.clone() }, vec![])
    }

    fn cancel(
        &mut self,
        id: &MeetingId,
        scope: CancelScope,
        version: Option<&TxnId>,
    ) -> (Outcome, Vec<MeetingId>) {
        if self.cancelled.contains(id) {
            return (
                Outcome::Cancelled {
                    meeting: id.clone(),
                    removed: 0,
                },
                vec![],
            );
        }
        // In flight first: a cancellation that reaches an office before the commit of the
        // meeting's booking (the decision travels separately) must wait for it, not be
        // spent on a meeting that is not there yet.
        #[cfg(any(feature = "planted-bugs", debug_assertions))]
        let waits = self.planted != Some(Bug::CancelIgnoresInFlight);
        #[cfg(not(any(feature = "planted-bugs", debug_assertions)))]
        let waits = true;
        if let Some(txn) = self.in_flight.get(id).filter(|_| waits) {
            return reject(Rejection::InProgress {
                meeting: id.clone(),
                txn: txn.clone(),
            });
        }
        let Some(m) = self.meetings.get(id).cloned() else {
            return reject(Rejection::UnknownMeeting(id.clone()));
        };
        if version.is_some_and(|v| self.committed_by.get(id) != Some(v)) {
            return reject(Rejection::StaleCancel(id.clone()));
        }
        if let CancelScope::Instance(t) = scope {
            if m.cancelled.contains(&t) {
                let meeting = id.clone();
                return (
                    Outcome::Cancelled {
                        meeting,
                        removed: 0,
                    },
                    vec![],
                );
            }
        }
        let pick = |e: &BusyEntry| match scope {
            CancelScope::Series => true,
            CancelScope::Instance(t) => e.instance == t,
            CancelScope::ThisAndFollowing(t) => e.instance >= t,
        };
        let people: Vec<ResourceId> = self
            .local_people(&m)
            .into_iter()
            .filter(|p| *p != m.organizer)
            .collect();
        self.notify(&m, people, NoticeKind::Cancelled(scope));
        let mut removed = 0;
        for r in self.local(&m) {
            removed += self
                .calendars
                .get_mut(r)
                .expect("local")
                .remove_where(id, pick)
                .len();
        }
        match scope {
            CancelScope::Series => {
                self.meetings.remove(id);
                self.committed_by.remove(id);
                self.cancelled.insert(id.clone());
            }
            CancelScope::Instance(t) => {
                let spec = self.meetings.get_mut(id).expect("present");
                spec.cancelled.insert(t);
                spec.overrides.remove(&t);
            }
            CancelScope::ThisAndFollowing(t) => {
                let spec = self.meetings.get_mut(id).expect("present");
                // COUNT stays: with UNTIL too, the series stops at whichever comes first,
                // so no instance is added by the change.
                for rule in &mut spec.recurrence.rrules {
                    let cut = Until::Utc(Instant(t.0 - 1));
                    rule.until = Some(match rule.until {
                        Some(Until::Utc(u)) if u.0 < t.0 - 1 => Until::Utc(u),
                        _ => cut,
                    });
                }
                spec.recurrence.rdates.retain(|&d| d < t);
                spec.overrides.retain(|&k, _| k < t);
                // The instances before `t` are those the cut series has: no new expansion.
                spec.expansion.retain(|s| s < t);
                if spec.recurrence.start() >= t {
                    self.meetings.remove(id);
                    self.committed_by.remove(id);
                    self.cancelled.insert(id.clone());
                }
            }
        }
        (
            Outcome::Cancelled {
                meeting: id.clone(),
                removed,
            },
            vec![],
        )
    }

    fn respond(
        &mut self,
        id: &MeetingId,
        who: &ResourceId,
        response: Response,
        version: Option<&TxnId>,
    ) -> (Outcome, Vec<MeetingId>) {
        // In flight first, as for a cancellation.
        if let Some(txn) = self.in_flight.get(id) {
            return reject(Rejection::InProgress {
                meeting: id.clone(),
                txn: txn.clone(),
            });
        }
        let Some(m) = self.meetings.get(id) else {
            return reject(Rejection::UnknownMeeting(id.clone()));
        };
        if !m.attendees.iter().any(|a| &a.resource == who) {
            return reject(Rejection::NotInvited(who.clone()));
        }
        // An answer to a version changed since (its delivery overtaken by the change,
        // which reset every answer everywhere) would leave this copy unlike the others.
        if version.is_some_and(|v| self.committed_by.get(id) != Some(v)) {
            return reject(Rejection::StaleAnswer(id.clone()));
        }
        if let Some(held_by) = self.held_in_the_way(id, who, response) {
            return reject(Rejection::TimeHeld {
                meeting: id.clone(),
                held_by,
            });
        }
        let m = self.meetings.get_mut(id).expect("present");
        for a in m.attendees.iter_mut().filter(|a| &a.resource == who) {
            a.response = response;
        }
        let m = m.clone();
        if self.owns(&m.organizer) && m.organizer != *who {
            let kind = NoticeKind::Responded {
                attendee: who.clone(),
                response,
            };
            self.notify(&m, [m.organizer.clone()], kind);
        }
        if !self.owns(who) {
            // Another office's attendee: only this office's copy of the meeting changes.
            return (
                Outcome::Responded {
                    meeting: id.clone(),
                },
                vec![],
            );
        }
        let instances = m.instances().unwrap_or_default();
        let cal = self.calendars.get_mut(who).expect("owned");
        cal.remove_meeting(id);
        if response != Response::Declined {
            let status = if response == Response::Tentative {
                BusyStatus::Tentative
            } else {
                BusyStatus::Confirmed
            };
            for (instance, interval) in instances {
                // Accepting over one's own other meetings is the attendee's override.
                let clash = find_conflicts(cal, who, &[interval], Some(id));
                let overridden = status.blocks() && !clash.is_empty();
                for c in clash.into_iter().filter(|_| overridden) {
                    self.overrides.push(OverrideRecord {
                        meeting: id.clone(),
                        conflict: c,
                    });
                }
                cal.add(BusyEntry {
                    interval,
                    meeting: id.clone(),
                    instance,
                    status,
                    overridden,
                    txn: None,
                });
            }
        }
        (
            Outcome::Responded {
                meeting: id.clone(),
            },
            vec![id.clone()],
        )
    }
}

impl OfficeState {
    /// The meeting whose hold (a booking being decided) is in the way of `who` accepting
    /// meeting `id` here, if any. Accepting over one's own booked meetings is allowed
    /// (the attendee's override); over a hold it is not yet, since the hold's booking
    /// may commit after a read that showed the time free.
    fn held_in_the_way(&self, id: &MeetingId, who: &ResourceId, r: Response) -> Option<MeetingId> {
        if r != Response::Accepted && r != Response::NeedsAction {
            return None;
        }
        let cal = self.calendars.get(who)?;
        let m = self.meetings.get(id)?;
        let instances = m.instances().unwrap_or_default();
        let slots: Vec<Interval> = instances.into_iter().map(|(_, i)| i).collect();
        find_conflicts(cal, who, &slots, Some(id))
            .into_iter()
            .find(|c| c.with_status == BusyStatus::Hold)
            .map(|c| c.with_meeting)
    }
}

fn reject(r: Rejection) -> (Outcome, Vec<MeetingId>) {
    (Outcome::Rejected(r), vec![])
}
