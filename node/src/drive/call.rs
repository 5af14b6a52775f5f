//! One client call against the offices, and what came of it: [`Op`] (what was asked),
//! [`Seen`] (what the client saw), [`Call`] (both, with the instants it was invoked and
//! returned), and [`perform`], which makes it at the office that owns the acting person.
//! The simulator's workloads and checkers and `dms scenario run` share these.

use crate::rpc::{connect, BookReply, FreeBusyReply};
use engine::calendar::{BusyEntry, Interval};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::office::Directory;
use engine::state::{CancelScope, MeetingSpec, Outcome, Rejection, Response};
use engine::suggest::SuggestRequest;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// How long a client waits for an answer.
pub const CALL_DEADLINE: Duration = Duration::from_secs(20);

/// One client call.
#[derive(Clone, Debug)]
pub enum Op {
    /// Book a new meeting.
    Book(MeetingSpec),
    /// Replace a booked meeting by this version (moved).
    Update(MeetingSpec),
    /// Cancel a booked meeting, whole.
    Cancel(MeetingSpec),
    /// An invitee answers.
    Respond(MeetingSpec, ResourceId, Response),
    /// Read a person's calendar entries at their office.
    Read(ResourceId),
    /// Ask a person's office for their free/busy (merged busy periods, no meetings).
    FreeBusy(ResourceId),
    /// Ask the first required attendee's office for suggested times (changes nothing).
    Suggest(Box<SuggestRequest>),
}

impl Op {
    /// The meeting the call is about (none for reads and queries).
    pub fn meeting(&self) -> Option<&MeetingSpec> {
        match self {
            Op::Book(m) | Op::Update(m) | Op::Cancel(m) | Op::Respond(m, _, _) => Some(m),
            Op::Read(_) | Op::FreeBusy(_) | Op::Suggest(_) => None,
        }
    }

    /// The person (or room) acting: their office serves the call.
    pub fn actor(&self) -> Option<&ResourceId> {
        match self {
            Op::Book(m) | Op::Update(m) | Op::Cancel(m) => Some(&m.organizer),
            Op::Respond(_, who, _) | Op::Read(who) | Op::FreeBusy(who) => Some(who),
            Op::Suggest(r) => r.required.first(),
        }
    }

    /// The operation's name, as scenario files and reports name it.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Book(m) if m.recurrence.rrules.is_empty() && m.recurrence.rdates.is_empty() => {
                "book"
            }
            Op::Book(_) => "book_recurring",
            Op::Update(_) => "change",
            Op::Cancel(_) => "cancel",
            Op::Respond(..) => "respond",
            Op::Read(_) => "read",
            Op::FreeBusy(_) => "free_busy",
            Op::Suggest(_) => "suggest",
        }
    }
}

/// What a call came to, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// Booked, changed, cancelled, answered, read.
    Done,
    /// Refused for conflicts.
    Conflicts,
    /// Refused otherwise (an office unreachable, a meeting being changed).
    Refused,
    /// No answer (the call failed): it may or may not have happened.
    Unknown,
}

impl Seen {
    /// The same, as scenario records count it.
    pub fn outcome(self) -> scenarios::record::Outcome {
        use scenarios::record::Outcome;
        match self {
            Seen::Done => Outcome::Done,
            Seen::Conflicts => Outcome::Conflicts,
            Seen::Refused => Outcome::Refused,
            Seen::Unknown => Outcome::Failed,
        }
    }
}

/// One call and what came of it.
#[derive(Clone, Debug)]
pub struct Call {
    /// What was asked.
    pub op: Op,
    /// The office that served it.
    pub office: OfficeId,
    /// What it came to.
    pub seen: Seen,
    /// The conflicts named by a "conflicts" answer: (resource, meeting in the way).
    pub conflicts: Vec<(ResourceId, MeetingId)>,
    /// What a read returned.
    pub entries: Vec<BusyEntry>,
    /// What a free/busy query returned: every busy period, whatever its status.
    pub busy: Vec<Interval>,
    /// Why it was refused, or how it failed.
    pub why: String,
    /// Nanoseconds since the run began, when it was invoked.
    pub invoked: u64,
    /// And when it returned.
    pub returned: u64,
}

/// Every person and room the calls name (whose calendars checks read), in id order.
pub fn touched(calls: &[Call]) -> Vec<ResourceId> {
    let mut all = std::collections::BTreeSet::new();
    for c in calls {
        if let Some(m) = c.op.meeting() {
            all.extend(m.resources());
        }
        if let Op::Read(r) | Op::FreeBusy(r) = &c.op {
            all.insert(r.clone());
        }
    }
    all.into_iter().collect()
}

/// Where calls go: every office's address, the directory that says whose office is
/// whose, the run's start and the window reads cover.
#[derive(Clone, Debug)]
pub struct Target {
    /// Each office's address.
    pub addrs: BTreeMap<OfficeId, SocketAddr>,
    /// The company.
    pub dir: Directory,
    /// When the run began (simulated time in the simulator).
    pub epoch: tokio::time::Instant,
    /// What reads and free/busy queries cover.
    pub window: Interval,
}

impl Target {
    /// Nanoseconds since the run began.
    pub fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

fn ctx() -> tarpc::context::Context {
    let mut ctx = tarpc::context::current();
    ctx.deadline = std::time::Instant::now() + CALL_DEADLINE;
    ctx
}

fn booked(r: Result<BookReply, tarpc::client::RpcError>, call: &mut Call) -> Seen {
    match r {
        Ok(BookReply::Booked { .. }) => Seen::Done,
        Ok(BookReply::Conflicts { conflicts, .. }) => {
            call.conflicts = conflicts
                .into_iter()
                .map(|c| (c.resource, c.with_meeting))
                .collect();
            Seen::Conflicts
        }
        Ok(BookReply::Refused { why } | BookReply::Unavailable { why, .. }) => {
            call.why = why;
            Seen::Refused
        }
        Ok(BookReply::Uncertain { why }) => {
            call.why = why;
            Seen::Unknown
        }
        Err(e) => {
            call.why = e.to_string();
            Seen::Unknown
        }
    }
}

fn outcome(reply: Result<Outcome, tarpc::client::RpcError>, why: &mut String) -> Seen {
    match reply {
        Ok(Outcome::Cancelled { .. } | Outcome::Responded { .. }) => Seen::Done,
        Ok(Outcome::Rejected(r @ Rejection::StorageFailed(_))) => {
            *why = r.to_string();
            Seen::Unknown
        }
        Ok(other) => {
            *why = format!("{other:?}");
            Seen::Refused
        }
        Err(e) => {
            *why = e.to_string();
            Seen::Unknown
        }
    }
}

/// Makes one call at the office that owns the acting person, and records it. A person
/// the directory does not know is refused without a call.
pub async fn perform(op: Op, t: &Target) -> Call {
    let home = op.actor().and_then(|a| t.dir.home(a).ok()).cloned();
    let invoked = t.now();
    let mut call = Call {
        op,
        office: home.clone().unwrap_or_else(|| OfficeId::new("?")),
        seen: Seen::Unknown,
        conflicts: vec![],
        entries: vec![],
        busy: vec![],
        why: String::new(),
        invoked,
        returned: invoked,
    };
    let Some(addr) = home.and_then(|h| t.addrs.get(&h).copied()) else {
        call.seen = Seen::Refused;
        call.why = "no office for the acting person".into();
        return call;
    };
    match connect(addr).await {
        Ok(client) => {
            call.seen = match call.op.clone() {
                Op::Book(m) => booked(client.book(ctx(), m, false.into()).await, &mut call),
                Op::Update(m) => booked(client.update(ctx(), m, false.into()).await, &mut call),
                Op::Cancel(m) => {
                    let reply = client.cancel(ctx(), m.id, CancelScope::Series).await;
                    outcome(reply, &mut call.why)
                }
                Op::Respond(m, who, r) => {
                    outcome(client.respond(ctx(), m.id, who, r).await, &mut call.why)
                }
                Op::FreeBusy(who) => {
                    match client.free_busy(ctx(), vec![who], t.window, None).await {
                        Ok(Ok(FreeBusyReply::Fresh { answer, .. })) if answer.len() == 1 => {
                            call.busy = answer[0].busy.iter().map(|p| p.interval).collect();
                            Seen::Done
                        }
                        other => {
                            call.why = format!("{other:?}");
                            Seen::Unknown
                        }
                    }
                }
                Op::Read(who) => match client.entries(ctx(), who, t.window).await {
                    Ok(Ok(entries)) => {
                        call.entries = entries;
                        Seen::Done
                    }
                    other => {
                        call.why = format!("{other:?}");
                        Seen::Unknown
                    }
                },
                Op::Suggest(request) => match client.suggest(ctx(), *request).await {
                    Ok(Ok(_)) => Seen::Done,
                    Ok(Err(why)) => {
                        call.why = why;
                        Seen::Refused
                    }
                    Err(e) => {
                        call.why = e.to_string();
                        Seen::Unknown
                    }
                },
            };
        }
        // Nothing was sent: the call surely had no effect.
        Err(e) => {
            call.seen = Seen::Refused;
            call.why = format!("connect: {e}");
        }
    }
    call.returned = t.now();
    call
}
