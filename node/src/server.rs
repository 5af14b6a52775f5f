//! [`OfficeServer`]: one office's node: its durable state machine, the directory, the
//! addresses of the other offices, and the coordinator of its organizers' bookings.
//!
//! Booking (two-phase commit, coordinated by the organizer's home office): prepare at every
//! office the meeting touches, in parallel, each vote bounded by a deadline; the decision
//! is the coordinator's own commit or abort, logged durably before any other office hears
//! it (the organizer's calendar is always here); then the decision goes to every other
//! office, retried. Contention is no-wait: a prepare that meets a hold or a booking votes
//! no at once, so nothing waits on anything (no deadlock) and nothing retries by itself
//! (no livelock); the organizer gets the conflicts.

use crate::clock::{Clock, Hlc};
use crate::durable::DurableOffice;
use crate::rpc::{connect, BookReply, Health, OfficeRpc};
use crate::storage::Storage;
use engine::calendar::{FreeBusy, Interval};
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::office::Directory;
use engine::state::{Command, MeetingSpec, Outcome};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tarpc::context::Context;

/// How long a coordinator waits for one office's vote.
pub const PREPARE_DEADLINE: Duration = Duration::from_secs(5);
/// How often a decision is sent to an office before it is left for the office to ask.
pub const DECISION_ATTEMPTS: u32 = 5;
/// How long a participant holds a prepared transaction before asking its coordinator.
pub const ASK_AFTER_MS: i64 = 3_000;
/// How often a node looks for prepared transactions to ask about.
pub const RESOLVE_EVERY: Duration = Duration::from_millis(500);

struct Shared<S: Storage> {
    office: OfficeId,
    state: Mutex<DurableOffice<S>>,
    dir: Directory,
    peers: BTreeMap<OfficeId, SocketAddr>,
    hlc: Mutex<Hlc>,
    clock: Arc<dyn Clock>,
    next: Mutex<u64>,
    /// When this node first saw each undecided transaction it takes part in (monotonic ms).
    seen: Mutex<BTreeMap<TxnId, i64>>,
}

/// One office's node.
pub struct OfficeServer<S: Storage> {
    shared: Arc<Shared<S>>,
}

impl<S: Storage> Clone for OfficeServer<S> {
    fn clone(&self) -> Self {
        OfficeServer {
            shared: self.shared.clone(),
        }
    }
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// A node for `office` over its durable state, knowing every office's address.
    pub fn new(
        office: OfficeId,
        state: DurableOffice<S>,
        dir: Directory,
        peers: BTreeMap<OfficeId, SocketAddr>,
        clock: Arc<dyn Clock>,
        node_number: u32,
    ) -> OfficeServer<S> {
        OfficeServer {
            shared: Arc::new(Shared {
                office,
                state: Mutex::new(state),
                dir,
                peers,
                hlc: Mutex::new(Hlc::new(node_number)),
                clock,
                next: Mutex::new(0),
                seen: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    /// The office that coordinates `txn` (transaction ids start with it).
    fn coordinator_of(&self, txn: &TxnId) -> Option<OfficeId> {
        let s = txn.as_str();
        self.shared
            .peers
            .keys()
            .filter(|o| s.starts_with(&format!("{o}-")))
            .max_by_key(|o| o.as_str().len())
            .cloned()
    }

    /// After a restart: transactions this office coordinated and never decided are aborted
    /// (presumed abort) and the other offices told; it returns once they are.
    pub async fn recover(&self) {
        let mine: Vec<(TxnId, MeetingSpec)> = {
            let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let st = state.state();
            st.pending_txns()
                .filter(|t| self.coordinator_of(t).as_ref() == Some(&self.shared.office))
                .filter_map(|t| st.pending_meeting(t).map(|m| (t.clone(), m.clone())))
                .collect()
        };
        for (txn, meeting) in mine {
            let offices = self.offices_of(&meeting).unwrap_or_default();
            tracing::warn!(txn = %txn, "undecided after restart: aborting");
            self.decide(&offices, &txn, false).await;
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
            let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let pending: Vec<TxnId> = state.state().pending_txns().cloned().collect();
            let mut seen = self.shared.seen.lock().unwrap_or_else(|e| e.into_inner());
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
            let Some(addr) = self.shared.peers.get(&coordinator).copied() else {
                continue;
            };
            let Ok(client) = connect(addr).await else {
                continue;
            };
            match client
                .decision(tarpc::context::current(), txn.clone())
                .await
            {
                Ok(Some(true)) => drop(self.apply(Command::Commit { txn })),
                Ok(Some(false)) => drop(self.apply(Command::Abort { txn })),
                _ => {}
            }
        }
    }

    fn offices_of(&self, meeting: &MeetingSpec) -> Result<Vec<OfficeId>, String> {
        let mut offices: Vec<OfficeId> = meeting
            .resources()
            .iter()
            .map(|r| self.shared.dir.home(r).cloned())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        offices.sort();
        offices.dedup();
        Ok(offices)
    }

    /// Logs and applies one command here.
    fn apply(&self, cmd: Command) -> Outcome {
        let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.submit(std::slice::from_ref(&cmd)) {
            Ok(mut outcomes) => {
                outcomes
                    .pop()
                    .unwrap_or(Outcome::Rejected(engine::state::Rejection::BadMeeting(
                        "no outcome".into(),
                    )))
            }
            Err(e) => Outcome::Rejected(engine::state::Rejection::BadMeeting(format!(
                "storage failed: {e}"
            ))),
        }
    }

    fn new_txn(&self) -> TxnId {
        let ts = self
            .shared
            .hlc
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .now(self.shared.clock.wall_ms());
        let mut next = self.shared.next.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        TxnId::new(format!(
            "{}-{}.{}-{}",
            self.shared.office, ts.wall_ms, ts.logical, *next
        ))
    }

    /// Sends one command to `office` (here, or over the network).
    async fn call(&self, office: &OfficeId, cmd: Command) -> Result<Outcome, String> {
        if office == &self.shared.office {
            return Ok(self.apply(cmd));
        }
        let addr = *self
            .shared
            .peers
            .get(office)
            .ok_or_else(|| format!("no address for office {office}"))?;
        let client = connect(addr)
            .await
            .map_err(|e| format!("office {office} unreachable: {e}"))?;
        let mut ctx = tarpc::context::current();
        ctx.deadline = std::time::Instant::now() + PREPARE_DEADLINE;
        let reply = match cmd {
            Command::Prepare {
                txn,
                meeting,
                force,
            } => client.prepare(ctx, txn, *meeting, force).await,
            Command::Commit { txn } => client.commit(ctx, txn).await,
            Command::Abort { txn } => client.abort(ctx, txn).await,
            other => return Err(format!("not sent between offices: {other:?}")),
        };
        reply.map_err(|e| format!("office {office}: {e}"))
    }

    async fn coordinate(&self, meeting: MeetingSpec, force: bool) -> BookReply {
        let dir = &self.shared.dir;
        match dir.home(&meeting.organizer) {
            Ok(home) if home == &self.shared.office => {}
            Ok(home) => {
                return BookReply::Refused {
                    why: format!("{} books through office {home}", meeting.organizer),
                }
            }
            Err(e) => return BookReply::Refused { why: e.to_string() },
        }
        let offices = match self.offices_of(&meeting) {
            Ok(v) => v,
            Err(why) => return BookReply::Refused { why },
        };
        let txn = self.new_txn();
        let prepare = |o: OfficeId| {
            let cmd = Command::Prepare {
                txn: txn.clone(),
                meeting: Box::new(meeting.clone()),
                force,
            };
            async move {
                let vote = self.call(&o, cmd).await;
                (o, vote)
            }
        };
        // Here first: a participant that later asks about the transaction always finds it.
        let mut votes = vec![prepare(self.shared.office.clone()).await];
        let others = offices
            .iter()
            .filter(|o| **o != self.shared.office)
            .cloned();
        votes.extend(futures::future::join_all(others.map(prepare)).await);
        let mut conflicts = Vec::new();
        let mut overridden = Vec::new();
        let mut refusal = None;
        for (o, vote) in votes {
            match vote {
                Ok(Outcome::Prepared { overridden: ov, .. }) => overridden.extend(ov),
                Ok(Outcome::Conflicts { conflicts: c }) => conflicts.extend(c),
                Ok(Outcome::Rejected(r)) => refusal = Some(format!("office {o}: {r}")),
                Ok(other) => refusal = Some(format!("office {o}: unexpected {other:?}")),
                Err(e) => refusal = Some(e),
            }
        }
        let commit = conflicts.is_empty() && refusal.is_none();
        self.decide(&offices, &txn, commit).await;
        match (commit, refusal) {
            (true, _) => BookReply::Booked { txn, overridden },
            (false, Some(why)) => BookReply::Refused { why },
            (false, None) => BookReply::Conflicts { conflicts },
        }
    }

    /// Logs the decision here first, then tells every other office, retrying.
    async fn decide(&self, offices: &[OfficeId], txn: &TxnId, commit: bool) {
        let cmd = || {
            if commit {
                Command::Commit { txn: txn.clone() }
            } else {
                Command::Abort { txn: txn.clone() }
            }
        };
        self.apply(cmd());
        let others = offices.iter().filter(|o| **o != self.shared.office);
        futures::future::join_all(others.map(|o| async move {
            for attempt in 0..DECISION_ATTEMPTS {
                if self.call(o, cmd()).await.is_ok() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }))
        .await;
    }
}

impl<S: Storage + Send + 'static> OfficeRpc for OfficeServer<S> {
    async fn prepare(self, _: Context, txn: TxnId, meeting: MeetingSpec, force: bool) -> Outcome {
        self.apply(Command::Prepare {
            txn,
            meeting: Box::new(meeting),
            force,
        })
    }

    async fn commit(self, _: Context, txn: TxnId) -> Outcome {
        self.apply(Command::Commit { txn })
    }

    async fn abort(self, _: Context, txn: TxnId) -> Outcome {
        self.apply(Command::Abort { txn })
    }

    async fn decision(self, _: Context, txn: TxnId) -> Option<bool> {
        let known = {
            let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let st = state.state();
            match st.decision(&txn) {
                Some(d) => return Some(d),
                None => st.pending_txns().any(|t| *t == txn),
            }
        };
        if known {
            return None;
        }
        // Never heard of it: presumed abort, recorded so that it can never commit.
        self.apply(Command::Abort { txn });
        Some(false)
    }

    async fn free_busy(
        self,
        _: Context,
        resources: Vec<ResourceId>,
        window: Interval,
    ) -> Result<Vec<FreeBusy>, String> {
        let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        resources
            .iter()
            .map(|r| {
                state.state().free_busy(r, window).ok_or_else(|| {
                    format!("{r} is not on office {}'s calendars", self.shared.office)
                })
            })
            .collect()
    }

    async fn book(self, _: Context, meeting: MeetingSpec, force: bool) -> BookReply {
        self.coordinate(meeting, force).await
    }

    async fn health(self, _: Context) -> Health {
        let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        Health {
            office: self.shared.office.clone(),
            applied: state.applied(),
            pending: state.state().pending_txns().count(),
        }
    }
}

/// Serves `server` on `listener` until the task is dropped. A connection sending garbage
/// or oversized frames is closed; the others go on.
pub async fn serve<S: Storage + Send + 'static>(
    listener: tokio::net::TcpListener,
    server: OfficeServer<S>,
) {
    use futures::StreamExt;
    use tarpc::server::{BaseChannel, Channel};
    loop {
        let Ok((conn, _)) = listener.accept().await else {
            continue;
        };
        let framed = tokio_util::codec::Framed::new(conn, crate::rpc::codec());
        let transport =
            tarpc::serde_transport::new(framed, tarpc::tokio_serde::formats::Bincode::default());
        let channel = BaseChannel::with_defaults(transport)
            .execute(server.clone().serve())
            .for_each(|f| async {
                tokio::spawn(f);
            });
        tokio::spawn(channel);
    }
}

/// Runs a node: finishes what a crash left undecided, keeps asking coordinators about old
/// prepared transactions, and serves `listener`, until the task is dropped.
pub async fn run<S: Storage + Send + 'static>(
    listener: tokio::net::TcpListener,
    server: OfficeServer<S>,
) {
    let recovering = server.clone();
    let resolver = tokio::spawn(server.clone().resolve_forever());
    let recovery = tokio::spawn(async move { recovering.recover().await });
    serve(listener, server).await;
    resolver.abort();
    recovery.abort();
}
