//! The tarpc service between offices and for Rust clients, and its transport: TCP,
//! length-delimited frames (at most [`MAX_FRAME_BYTES`]), bincode.
//!
//! Every call is idempotent by transaction id (prepare, commit, abort) or read-only, so a
//! caller may retry any of them after a timeout.

use engine::calendar::{Conflict, FreeBusy, Interval};
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::state::{MeetingSpec, Outcome};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tarpc::serde_transport;
use tarpc::tokio_serde::formats::Bincode;
use tarpc::tokio_util::codec::length_delimited::LengthDelimitedCodec;

/// The largest frame accepted on the wire; a larger one closes the connection.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// What a booking request came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    },
    /// Not booked anywhere: an office refused or could not be reached.
    Refused {
        /// Why.
        why: String,
    },
}

/// A node's view of itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The office.
    pub office: OfficeId,
    /// Commands applied.
    pub applied: u64,
    /// Transactions prepared here and not yet decided.
    pub pending: usize,
}

/// An office node's calls.
#[tarpc::service]
pub trait OfficeRpc {
    /// Phase one: hold this office's resources for the meeting, or vote no with conflicts.
    async fn prepare(txn: TxnId, meeting: MeetingSpec, force: bool) -> Outcome;
    /// Phase two: make the holds bookings.
    async fn commit(txn: TxnId) -> Outcome;
    /// Phase two: release the holds (also for a transaction never seen: presumed abort).
    async fn abort(txn: TxnId) -> Outcome;
    /// How a transaction this office coordinates ended: `Some(true)` committed,
    /// `Some(false)` aborted (also for one it never heard of: presumed abort), `None` not
    /// decided yet.
    async fn decision(txn: TxnId) -> Option<bool>;
    /// Free/busy of this office's people and rooms.
    async fn free_busy(
        resources: Vec<ResourceId>,
        window: Interval,
    ) -> Result<Vec<FreeBusy>, String>;
    /// Books a meeting whose organizer is this office's, across every office it touches.
    async fn book(meeting: MeetingSpec, force: bool) -> BookReply;
    /// Liveness and basic metrics.
    async fn health() -> Health;
}

/// The frame codec both ends use.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}

/// Connects a client to the node at `addr`.
pub async fn connect(addr: SocketAddr) -> std::io::Result<OfficeRpcClient> {
    let conn = tokio::net::TcpStream::connect(addr).await?;
    let transport = serde_transport::new(
        tokio_util::codec::Framed::new(conn, codec()),
        Bincode::default(),
    );
    Ok(OfficeRpcClient::new(tarpc::client::Config::default(), transport).spawn())
}
