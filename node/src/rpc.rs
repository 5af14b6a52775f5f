//! The tarpc service between offices and for Rust clients, and its transport: TCP,
//! length-delimited frames (at most [`MAX_FRAME_BYTES`]), bincode.
//!
//! Every call is idempotent by transaction id (prepare, commit, abort) or read-only, so a
//! caller may retry any of them after a timeout.

use crate::auth::Force;
use engine::calendar::{BusyEntry, Conflict, FreeBusy, Interval};
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::office::Directory;
use engine::state::{CancelScope, Command, MeetingSpec, Outcome, Response};
use engine::suggest::{SuggestRequest, Suggestions};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tarpc::serde_transport;
use tarpc::tokio_serde::formats::Bincode;
use tarpc::tokio_util::codec::length_delimited::LengthDelimitedCodec;

/// The largest frame accepted on the wire; a larger one closes the connection.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// What a booking (or a change) came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum BookReply {
    /// Booked at every office; conflicts overridden by force, if any.
    Booked {
        /// The transaction.
        txn: TxnId,
        /// Conflicts booked over (the warnings).
        overridden: Vec<Conflict>,
    },
    /// Not booked anywhere: the conflicts every office reported.
    Conflicts {
        /// Every conflict.
        conflicts: Vec<Conflict>,
        /// The best alternative times, from (cached) free/busy of every office involved;
        /// `None` if they could not be computed.
        alternatives: Option<Suggestions>,
    },
    /// Not booked anywhere: an office refused or could not be reached.
    Refused {
        /// Why.
        why: String,
    },
    /// Not booked anywhere, for now: an office involved could not be reached, or takes
    /// no changes until it restarts (its log failed). The same request may succeed later.
    Unavailable {
        /// The office.
        office: OfficeId,
        /// Why.
        why: String,
    },
    /// The coordinator's log failed before the outcome was durable: the booking may or
    /// may not have taken effect (the node restarts, settles it, and a read then tells).
    Uncertain {
        /// Why.
        why: String,
    },
}

/// A node's view of itself: liveness and counters since it started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The office.
    pub office: OfficeId,
    /// Log records applied (the last LSN).
    pub applied: u64,
    /// Transactions prepared here and not yet decided.
    pub pending: usize,
    /// Effects (deliveries, notifications) not yet carried out.
    pub outbox: usize,
    /// The calendars' version.
    pub version: u64,
    /// Why the log failed, if it did: the node then takes no more changes until it
    /// restarts (and `dms-node` stops).
    pub failed: Option<String>,
    /// Counters since start.
    pub metrics: Metrics,
}

/// Counters a node keeps since it started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// Log syncs (group commits).
    pub syncs: u64,
    /// Commands logged (so `commands / syncs` is the mean group size).
    pub commands: u64,
    /// Bookings and changes this node coordinated that committed.
    pub booked: u64,
    /// ... that were refused for conflicts.
    pub conflicts: u64,
    /// ... that were refused for another reason.
    pub refused: u64,
    /// Free/busy answers served from the cache without asking.
    pub cache_hits: u64,
    /// Free/busy revalidated as unchanged by version.
    pub cache_revalidated: u64,
    /// Free/busy fetched.
    pub cache_misses: u64,
    /// Deliveries acknowledged by other offices.
    pub delivered: u64,
    /// Notifications handed to the sink.
    pub notified: u64,
}

/// A free/busy answer, or word that the caller's copy is current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FreeBusyReply {
    /// The office's calendars are still at the version the caller has.
    Unchanged {
        /// The version.
        version: u64,
    },
    /// The answer, at this version.
    Fresh {
        /// The office's version.
        version: u64,
        /// One per resource asked for, in order.
        answer: Vec<FreeBusy>,
    },
}

/// A counter-proposal, as `counter` takes it (the fields of `Command::Counter`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Meeting.
    pub meeting: MeetingId,
    /// The invitee who proposes (or whose proposal is declined).
    pub attendee: ResourceId,
    /// The instance, by its start (as it is, or its RECURRENCE-ID); `None`: the series.
    pub instance: Option<engine::time::Instant>,
    /// The proposed start.
    pub start: engine::time::Instant,
    /// The proposed length, in seconds.
    pub duration_secs: i64,
    /// The organizer declines it.
    pub declined: bool,
}

/// The most meetings one `import` call takes.
pub const MAX_IMPORT: usize = 5_000;

/// An office node's calls: between offices (prepare_many, decide_many, decision, fence,
/// deliver, free_busy) and for clients (the rest). Client calls for a meeting go to the office
/// that owns the acting person: the organizer's for book, update and cancel; the
/// attendee's for respond.
#[tarpc::service]
pub trait OfficeRpc {
    /// Phase one: hold this office's resources for each meeting, or vote no with
    /// conflicts, for many transactions at once (one log sync), votes in order; first
    /// applies `decisions`, phase two of earlier transactions (commit if `true`), carried
    /// along instead of sent in a message of their own.
    async fn prepare_many(
        decisions: Vec<(TxnId, bool)>,
        prepares: Vec<(TxnId, MeetingSpec, bool)>,
    ) -> Vec<Outcome>;
    /// Phase two for many transactions at once, in order: commit if `true` (the holds
    /// become bookings), else abort (the holds go; also for a transaction never seen:
    /// presumed abort).
    async fn decide_many(decisions: Vec<(TxnId, bool)>) -> Vec<Outcome>;
    /// How a transaction this office coordinates ended: `Some(true)` committed,
    /// `Some(false)` aborted (also for one it never heard of: presumed abort), `None` not
    /// decided yet.
    async fn decision(txn: TxnId) -> Option<bool>;
    /// For a restarted coordinator settling a transaction: `Some(true)` if it is prepared
    /// (durably) or committed here, `Some(false)` if aborted here or never seen (then an
    /// abort is recorded, so a late prepare fails), `None` if this office cannot say.
    async fn fence(txn: TxnId) -> Option<bool>;
    /// A cancellation or answer another office originated; applied once per key.
    async fn deliver(key: String, command: Command) -> Outcome;
    /// Free/busy of this office's people and rooms; `Unchanged` if `known` is current.
    async fn free_busy(
        resources: Vec<ResourceId>,
        window: Interval,
        known: Option<u64>,
    ) -> Result<FreeBusyReply, String>;
    /// Books a new meeting whose organizer is this office's, across every office it
    /// touches; over conflicts where `force` reaches (a client's only with its override
    /// scope, on its own office's resources).
    async fn book(meeting: MeetingSpec, force: Force) -> BookReply;
    /// Replaces a booked meeting with a new version (moved, attendees or rooms changed),
    /// atomically at every office of either version.
    async fn update(meeting: MeetingSpec, force: Force) -> BookReply;
    /// Cancels a meeting this office's organizer booked, at every office it touches.
    async fn cancel(meeting: MeetingId, scope: CancelScope) -> Outcome;
    /// Records an answer of one of this office's people, and tells the other offices.
    async fn respond(meeting: MeetingId, attendee: ResourceId, response: Response) -> Outcome;
    /// A counter-proposal (`Command::Counter`): made through the attendee's office (one of
    /// its people proposes), declined through the organizer's; the other side is told.
    async fn counter(proposal: Counter) -> Outcome;
    /// Books existing meetings that touch only this office's people and rooms, each on
    /// its own (`Command::Import`: booked if free, refused with the reason otherwise),
    /// at most [`MAX_IMPORT`] per call. How calendars are loaded.
    async fn import(meetings: Vec<MeetingSpec>) -> Outcome;
    /// This office's copy of a meeting.
    async fn meeting(id: MeetingId) -> Option<MeetingSpec>;
    /// Meetings of one of this office's people or rooms with an instance in `window`.
    async fn meetings_of(
        resource: ResourceId,
        window: Interval,
    ) -> Result<Vec<MeetingSpec>, String>;
    /// The busy entries (meeting, instance, time, status: held, confirmed or tentative)
    /// of one of this office's people or rooms in `window`: the office's own view.
    async fn entries(resource: ResourceId, window: Interval) -> Result<Vec<BusyEntry>, String>;
    /// Ranked, explained times, from every office's (cached) free/busy.
    async fn suggest(request: SuggestRequest) -> Result<Suggestions, String>;
    /// The company: offices, people, rooms.
    async fn directory() -> Directory;
    /// Liveness and metrics.
    async fn health() -> Health;
}

/// The frame codec both ends use.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}

/// What a node reads from `bytes` on its tarpc port, frame by frame, with the codec and
/// format its server uses: each request, or why its frame was refused. It stops at a
/// framing error (the connection closes there) or a partial frame (it waits for more).
/// The `tarpc_frames` fuzz target and the wire tests drive it with arbitrary bytes.
pub fn decode_requests(bytes: &[u8]) -> Vec<Decoded> {
    use tarpc::tokio_serde::Deserializer;
    use tokio_util::codec::Decoder;
    let mut frames = codec();
    let mut buf = tokio_util::bytes::BytesMut::from(bytes);
    let mut format = crate::wire::Wire::<tarpc::ClientMessage<OfficeRpcRequest>, ()>::default();
    let mut out = Vec::new();
    loop {
        match frames.decode(&mut buf) {
            Ok(Some(frame)) => out.push(std::pin::Pin::new(&mut format).deserialize(&frame)),
            Ok(None) => return out,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
}

/// One frame as [`decode_requests`] reads it: a request, or why it was refused.
pub type Decoded = std::io::Result<tarpc::ClientMessage<OfficeRpcRequest>>;

/// Connects a client to the node at `addr` (over TLS once [`crate::tls::use_between_nodes`]
/// was called).
pub async fn connect(addr: SocketAddr) -> std::io::Result<OfficeRpcClient> {
    let conn = tokio::net::TcpStream::connect(addr).await?;
    // Small request/response frames: send each at once (no Nagle delay).
    conn.set_nodelay(true)?;
    #[cfg(not(madsim))]
    if let Some(tls) = crate::tls::between_nodes() {
        let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
        let connector = tokio_rustls::TlsConnector::from(tls.client.clone());
        return Ok(client_over(connector.connect(name, conn).await?));
    }
    Ok(client_over(conn))
}

/// Connects a client to the node at `addr` over mutual TLS with `tls` (a certificate of
/// this caller's own), whatever the process-wide setting: how one process speaks as
/// several callers (tests, tools holding more than one certificate).
#[cfg(not(madsim))]
pub async fn connect_with(
    addr: SocketAddr,
    tls: std::sync::Arc<rustls::ClientConfig>,
) -> std::io::Result<OfficeRpcClient> {
    let conn = tokio::net::TcpStream::connect(addr).await?;
    conn.set_nodelay(true)?;
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let stream = tokio_rustls::TlsConnector::from(tls)
        .connect(name, conn)
        .await?;
    Ok(client_over(stream))
}

/// A client over any byte stream.
fn client_over<T>(io: T) -> OfficeRpcClient
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    let transport = serde_transport::new(
        tokio_util::codec::Framed::new(io, codec()),
        Bincode::default(),
    );
    OfficeRpcClient::new(tarpc::client::Config::default(), transport).spawn()
}
