//! The [`OfficeRpc`] calls of an office node.

use super::{lock, OfficeServer};
use crate::auth::Force;
use crate::rpc::{BookReply, FreeBusyReply, Health, OfficeRpc, MAX_IMPORT};
use crate::storage::Storage;
use engine::calendar::{BusyEntry, Interval};
use engine::ids::{MeetingId, ResourceId, TxnId};
use engine::office::Directory;
use engine::state::{CancelScope, Command, MeetingSpec, Outcome, Rejection, Response};
use engine::suggest::{SuggestRequest, Suggestions};
use protocol::termination::participant::{self, Known, Query, Reply};
use protocol::{Decision, Logged};
use tarpc::context::Context;

/// The widest window `meetings_of` and `entries` answer for.
pub const MAX_LIST_WINDOW_SECS: i64 = 3 * 366 * 86_400;

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// What this office knows of `txn`.
    pub(super) fn known(&self, txn: &TxnId) -> Known {
        if self.storage_failure().is_some() {
            return Known::LogFailed;
        }
        let state = lock(&self.shared.state);
        let st = state.state();
        match st.decision(txn) {
            Some(d) => Known::Decided(Decision::of(d)),
            None if st.pending_txns().any(|t| t == txn) => Known::Prepared,
            None => Known::Unknown,
        }
    }

    /// The answer to `query` about `txn` (the rules are `protocol::termination`'s): a
    /// transaction never seen here gets a presumed abort, durable before the answer (a
    /// prepare that got in meanwhile is aborted by it all the same).
    async fn answer_about(&self, query: Query, txn: TxnId) -> Option<bool> {
        match participant::answer(query, self.known(&txn)) {
            Reply::Now(answer) => answer,
            Reply::PresumeAbort => {
                let logged = Logged::of(&self.apply(Command::Abort { txn }).await);
                participant::after_presumed_abort(&logged)
            }
        }
    }

    /// The busy entries of one of this office's resources in `window` (at most
    /// [`MAX_LIST_WINDOW_SECS`] long).
    fn entries_in(
        &self,
        resource: &ResourceId,
        window: Interval,
    ) -> Result<Vec<BusyEntry>, String> {
        if window.len_secs() > MAX_LIST_WINDOW_SECS {
            return Err(format!(
                "window longer than {} days",
                MAX_LIST_WINDOW_SECS / 86_400
            ));
        }
        let state = lock(&self.shared.state);
        state.state().entries_in(resource, window).ok_or_else(|| {
            format!(
                "{resource} is not on office {}'s calendars",
                self.shared.office
            )
        })
    }

    /// Applies the command `make` returns for the meeting's current version here, and
    /// promises it to every other office of that version. The command carries the
    /// version (the transaction that committed it here), so that a copy at another
    /// version, this one included, refuses it as stale: the offices told are always
    /// those of the version it applies to (issue 21, bug 1).
    async fn originate(
        &self,
        meeting: &MeetingId,
        make: impl FnOnce(Option<TxnId>) -> Command,
    ) -> Outcome {
        // No change of the meeting is under way here meanwhile (see `serial`).
        let racing = self.planted(super::Planted::StaleForward);
        let _turn = match racing {
            false => Some(self.shared.turns.take(meeting).await),
            true => None,
        };
        let (copy, version) = {
            let state = lock(&self.shared.state);
            let st = state.state();
            let version = st.committed_by(meeting).filter(|_| !racing).cloned();
            (st.meeting(meeting).cloned(), version)
        };
        let Some(copy) = copy else {
            return Outcome::Rejected(Rejection::UnknownMeeting(meeting.clone()));
        };
        let forward = match self.offices_of(&copy) {
            Ok(v) => v,
            Err(why) => return Outcome::Rejected(Rejection::BadMeeting(why)),
        };
        let key = self.new_id();
        self.apply(Command::Originate {
            key,
            command: Box::new(make(version)),
            forward,
        })
        .await
    }

    fn wrong_office(&self, who: &ResourceId, what: &str) -> Option<Outcome> {
        match self.shared.dir.home(who) {
            Ok(home) if *home == self.shared.office => None,
            Ok(home) => Some(Outcome::Rejected(Rejection::BadMeeting(format!(
                "{what} through office {home}, {who}'s"
            )))),
            Err(e) => Some(Outcome::Rejected(Rejection::BadMeeting(e.to_string()))),
        }
    }
}

impl<S: Storage + Send + 'static> OfficeRpc for OfficeServer<S> {
    /// The decisions and the prepares in one batch of the log (the decisions first, so a
    /// prepare finds the holds they release gone); the votes only are answered.
    async fn prepare_many(
        self,
        _: Context,
        decisions: Vec<(TxnId, bool)>,
        prepares: Vec<(TxnId, MeetingSpec, bool)>,
    ) -> Vec<Outcome> {
        let carried = decisions.len();
        let cmds = decisions
            .iter()
            .map(|(txn, commit)| Decision::of(*commit).command(txn))
            .chain(
                prepares
                    .into_iter()
                    .map(|(txn, meeting, force)| Command::Prepare {
                        txn,
                        meeting: Box::new(meeting),
                        force,
                    }),
            )
            .collect();
        let mut outcomes = self.apply_all(cmds).await;
        let votes = outcomes.split_off(carried.min(outcomes.len()));
        let yes = votes.iter().any(|o| matches!(o, Outcome::Prepared { .. }));
        if let (true, Some(hook)) = (yes, &self.shared.options.on_voted) {
            hook();
        }
        votes
    }

    /// Logged as one group without a sync of its own: if a crash loses it, the holds are
    /// still prepared here and this office asks the coordinator, which keeps every
    /// decision.
    async fn decide_many(self, _: Context, decisions: Vec<(TxnId, bool)>) -> Vec<Outcome> {
        let cmds = decisions
            .iter()
            .map(|(txn, commit)| Decision::of(*commit).command(txn))
            .collect();
        self.apply_all_lazy(cmds).await
    }

    async fn decision(self, _: Context, txn: TxnId) -> Option<bool> {
        self.answer_about(Query::Decision, txn).await
    }

    async fn fence(self, _: Context, txn: TxnId) -> Option<bool> {
        self.answer_about(Query::Fence, txn).await
    }

    async fn deliver(self, _: Context, key: String, command: Command) -> Outcome {
        self.apply(Command::Deliver {
            key,
            command: Box::new(command),
        })
        .await
    }

    async fn free_busy(
        self,
        _: Context,
        resources: Vec<ResourceId>,
        window: Interval,
        known: Option<u64>,
    ) -> Result<FreeBusyReply, String> {
        if known.is_some_and(|v| v == lock(&self.shared.state).state().version()) {
            let version = known.unwrap_or_default();
            return Ok(FreeBusyReply::Unchanged { version });
        }
        let (version, answer) = self.local_free_busy(&resources, window)?;
        Ok(FreeBusyReply::Fresh { version, answer })
    }

    // The two-phase commit's future is large: boxed, it does not make every request's
    // task (sized for the largest call) as large, to be moved on each spawn.
    async fn book(self, _: Context, meeting: MeetingSpec, force: Force) -> BookReply {
        Box::pin(self.coordinate(meeting, force, false)).await
    }

    async fn update(self, _: Context, meeting: MeetingSpec, force: Force) -> BookReply {
        Box::pin(self.coordinate(meeting, force, true)).await
    }

    async fn cancel(self, _: Context, meeting: MeetingId, scope: CancelScope) -> Outcome {
        let found = lock(&self.shared.state).state().meeting(&meeting).cloned();
        let Some(m) = found else {
            return Outcome::Rejected(Rejection::UnknownMeeting(meeting));
        };
        if let Some(wrong) = self.wrong_office(&m.organizer, "cancel") {
            return wrong;
        }
        // Checked where the cancellation enters, outside the lock: one instance must be
        // one (or one cancelled before: nothing to do again), named by its start now or
        // its RECURRENCE-ID (the scope carries the latter); "this and the following"
        // with none left from there changes nothing and tells nobody.
        let scope = match scope {
            CancelScope::Instance(t) => CancelScope::Instance(m.instance_key(t).unwrap_or(t)),
            CancelScope::ThisAndFollowing(t) => {
                CancelScope::ThisAndFollowing(m.instance_key(t).unwrap_or(t))
            }
            CancelScope::Series => CancelScope::Series,
        };
        let starts: Vec<_> = m
            .instances()
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        match scope {
            CancelScope::Instance(t) if !starts.contains(&t) && !m.cancelled.contains(&t) => {
                return Outcome::Rejected(Rejection::NoSuchInstance { meeting, at: t });
            }
            CancelScope::ThisAndFollowing(t) if !starts.iter().any(|s| *s >= t) => {
                return Outcome::Cancelled {
                    meeting,
                    removed: 0,
                };
            }
            _ => {}
        }
        let cancel = |version| Command::Cancel {
            meeting: meeting.clone(),
            scope,
            version,
        };
        self.originate(&meeting, cancel).await
    }

    async fn respond(
        self,
        _: Context,
        meeting: MeetingId,
        attendee: ResourceId,
        response: Response,
    ) -> Outcome {
        if let Some(wrong) = self.wrong_office(&attendee, "answer") {
            return wrong;
        }
        let respond = |version| Command::Respond {
            meeting: meeting.clone(),
            attendee,
            response,
            version,
        };
        self.originate(&meeting, respond).await
    }

    async fn counter(self, _: Context, p: crate::rpc::Counter) -> Outcome {
        let found = lock(&self.shared.state)
            .state()
            .meeting(&p.meeting)
            .cloned();
        let Some(m) = found else {
            return Outcome::Rejected(Rejection::UnknownMeeting(p.meeting));
        };
        // A proposal leaves from the invitee's office, a decline from the organizer's.
        let (who, what) = match p.declined {
            true => (&m.organizer, "decline a proposal"),
            false => (&p.attendee, "propose a time"),
        };
        if let Some(wrong) = self.wrong_office(who, what) {
            return wrong;
        }
        // The instance as its key, named by its start now or its RECURRENCE-ID.
        let instance = p.instance.map(|t| m.instance_key(t).unwrap_or(t));
        let counter = |_| Command::Counter {
            meeting: p.meeting.clone(),
            attendee: p.attendee.clone(),
            instance,
            start: p.start,
            duration_secs: p.duration_secs,
            declined: p.declined,
        };
        self.originate(&p.meeting, counter).await
    }

    async fn import(self, _: Context, mut meetings: Vec<MeetingSpec>) -> Outcome {
        if meetings.len() > MAX_IMPORT {
            return Outcome::Rejected(Rejection::BadMeeting(format!(
                "{} meetings in one import; at most {MAX_IMPORT}",
                meetings.len()
            )));
        }
        // Each rule expanded once, here, before the state's lock (see `coordinate`).
        for m in &mut meetings {
            if let Err(e) = m.expand_once() {
                return Outcome::Rejected(Rejection::BadMeeting(format!("{}: {e}", m.id)));
            }
        }
        self.apply(Command::Import { meetings }).await
    }

    async fn meeting(self, _: Context, id: MeetingId) -> Option<MeetingSpec> {
        lock(&self.shared.state).state().meeting(&id).cloned()
    }

    async fn meetings_of(
        self,
        _: Context,
        resource: ResourceId,
        window: Interval,
    ) -> Result<Vec<MeetingSpec>, String> {
        let mut ids: Vec<MeetingId> = self
            .entries_in(&resource, window)?
            .into_iter()
            .map(|e| e.meeting)
            .collect();
        ids.sort();
        ids.dedup();
        let state = lock(&self.shared.state);
        Ok(ids
            .iter()
            .filter_map(|id| state.state().meeting(id).cloned())
            .collect())
    }

    async fn entries(
        self,
        _: Context,
        resource: ResourceId,
        window: Interval,
    ) -> Result<Vec<BusyEntry>, String> {
        self.entries_in(&resource, window)
    }

    async fn suggest(self, _: Context, request: SuggestRequest) -> Result<Suggestions, String> {
        Box::pin(self.suggest_for(&request)).await
    }

    async fn directory(self, _: Context) -> Directory {
        self.shared.dir.clone()
    }

    async fn health(self, _: Context) -> Health {
        OfficeServer::health(&self)
    }
}
