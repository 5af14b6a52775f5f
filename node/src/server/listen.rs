//! The tarpc port: accepting connections, knowing who each one is, and keeping every
//! caller within bounds.
//!
//! Who a connection is comes from its [`Admission`]: the certificate a peer presented
//! over mutual TLS (its identity URI, see [`crate::auth`]), the simulator's address book
//! (the harness names each simulated host), or nobody checked on a plain port (every
//! caller `Open`, which `dms-node` allows on loopback or with `--insecure` only). Every
//! call then passes the guard (`guard.rs`) with that identity.
//!
//! Bounds: at most [`MAX_CONNECTIONS`] connections at once and
//! [`MAX_CONNECTIONS_PER_ADDRESS`] from one address (past them a new connection is
//! closed at once, never the node); a TLS handshake has [`HANDSHAKE_TIMEOUT`]; an accept
//! error (descriptors exhausted) backs off instead of spinning.

use super::OfficeServer;
use crate::auth::Caller;
use crate::storage::Storage;
use engine::ids::OfficeId;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most connections a node serves at once.
pub const MAX_CONNECTIONS: usize = 8_192;
/// The most connections one peer address may hold at once (loopback clients share one
/// address, so this is generous; a remote attacker meets it long before the total).
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 2_048;
/// How long a TLS handshake may take before the connection is closed.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest pause after failed accepts (descriptors exhausted), doubling from 10 ms.
pub const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// How a node learns who is calling.
#[derive(Clone)]
pub enum Admission {
    /// Plain connections, nobody checked: every caller is [`Caller::Open`].
    Open,
    /// Mutual TLS: a peer's certificate (signed by the cluster's CA) names it; a node's
    /// certificate must name an office of the cluster.
    #[cfg(not(madsim))]
    Tls(Arc<rustls::ServerConfig>),
    /// The simulator: the harness gives each host's address its identity; any other
    /// address is refused.
    ByAddress(Arc<BTreeMap<IpAddr, Caller>>),
}

/// Counts connections, in total and per address, and refuses past the caps.
#[derive(Clone, Default)]
pub struct Slots(Arc<Mutex<(usize, BTreeMap<IpAddr, usize>)>>);

/// A connection's place, given back when it is dropped.
pub struct Slot {
    slots: Slots,
    ip: IpAddr,
}

impl Slots {
    /// A place for a connection from `ip`, or `None` past a cap.
    pub fn take(&self, ip: IpAddr, total: usize, per_address: usize) -> Option<Slot> {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let here = g.1.get(&ip).copied().unwrap_or(0);
        if g.0 >= total || here >= per_address {
            return None;
        }
        g.0 += 1;
        g.1.insert(ip, here + 1);
        Some(Slot {
            slots: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut g = self.slots.0.lock().unwrap_or_else(|e| e.into_inner());
        g.0 -= 1;
        if let Some(n) = g.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                g.1.remove(&self.ip);
            }
        }
    }
}

/// Accepts one connection, backing off while accepting fails (a full descriptor table
/// fails every accept at once: retrying at once would spin a core).
pub async fn accept_patiently(
    listener: &tokio::net::TcpListener,
    backoff: &mut Duration,
) -> (tokio::net::TcpStream, std::net::SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(c) => {
                *backoff = Duration::ZERO;
                return c;
            }
            Err(e) => {
                *backoff = (*backoff * 2)
                    .max(Duration::from_millis(10))
                    .min(ACCEPT_BACKOFF_MAX);
                tracing::warn!(error = %e, pause = ?*backoff, "accept failed; pausing");
                tokio::time::sleep(*backoff).await;
            }
        }
    }
}

/// Serves `server` on `listener` until the task is dropped, admitting callers as
/// `admission` says. A connection sending garbage or oversized frames, or over a cap,
/// is closed; the others go on.
pub async fn serve<S: Storage + Send + 'static>(
    listener: tokio::net::TcpListener,
    server: OfficeServer<S>,
    admission: Admission,
) {
    let slots = Slots::default();
    let mut backoff = Duration::ZERO;
    loop {
        let (conn, peer) = accept_patiently(&listener, &mut backoff).await;
        let Some(slot) = slots.take(peer.ip(), MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS) else {
            tracing::warn!(%peer, "connection refused: over the connection caps");
            continue;
        };
        let _ = conn.set_nodelay(true);
        let server = server.clone();
        match &admission {
            Admission::Open => {
                tokio::spawn(serve_connection(conn, server, Caller::Open, slot));
            }
            Admission::ByAddress(book) => match book.get(&peer.ip()) {
                Some(caller) => {
                    tokio::spawn(serve_connection(conn, server, caller.clone(), slot));
                }
                None => tracing::warn!(%peer, "connection refused: an unknown host"),
            },
            #[cfg(not(madsim))]
            Admission::Tls(config) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
                // The handshake in its own task: a slow or hostile peer holds up no one.
                tokio::spawn(async move {
                    let stream = match tokio::time::timeout(
                        HANDSHAKE_TIMEOUT,
                        acceptor.accept(conn),
                    )
                    .await
                    {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => return tracing::warn!(%peer, "a TLS handshake failed: {e}"),
                        Err(_) => return tracing::warn!(%peer, "a TLS handshake timed out"),
                    };
                    let caller = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .ok_or_else(|| "no client certificate".to_string())
                        .and_then(|c| crate::tls::identity_of(c.as_ref()))
                        .and_then(|c| server.known_caller(c));
                    match caller {
                        Ok(caller) => serve_connection(stream, server, caller, slot).await,
                        Err(why) => tracing::warn!(%peer, "connection refused: {why}"),
                    }
                });
            }
        }
    }
}

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// `caller` if it may connect: a node only for an office of the cluster.
    pub fn known_caller(&self, caller: Caller) -> Result<Caller, String> {
        match &caller {
            Caller::Node(o) if !self.is_office(o) => Err(format!(
                "the certificate names office {o}, which is not in the cluster"
            )),
            _ => Ok(caller),
        }
    }

    fn is_office(&self, o: &OfficeId) -> bool {
        self.shared.peers.offices().any(|p| p == o)
    }
}

/// Serves one connection's calls, each through the guard, until it closes.
async fn serve_connection<S, T>(io: T, server: OfficeServer<S>, caller: Caller, slot: Slot)
where
    S: Storage + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use futures::StreamExt;
    use tarpc::server::{BaseChannel, Channel};
    let io = super::stall::Stall::new(io);
    let framed = tokio_util::codec::Framed::new(io, crate::rpc::codec());
    let transport = tarpc::serde_transport::new(framed, crate::wire::Wire::default());
    let guarded = Guarded {
        server,
        caller: Arc::new(caller),
    };
    BaseChannel::with_defaults(transport)
        .execute(guarded)
        .for_each(|f| async {
            tokio::spawn(f);
        })
        .await;
    drop(slot);
}

/// A tarpc dispatcher that admits each call through the guard and runs it boxed: the
/// generated dispatcher's future is as large as its largest call (kilobytes), and every
/// request's future is moved several times on its way into its task; a box moves as a
/// pointer.
struct Guarded<S: Storage> {
    server: OfficeServer<S>,
    caller: Arc<Caller>,
}

impl<S: Storage> Clone for Guarded<S> {
    fn clone(&self) -> Self {
        Guarded {
            server: self.server.clone(),
            caller: self.caller.clone(),
        }
    }
}

impl<S: Storage + Send + 'static> tarpc::server::Serve for Guarded<S> {
    type Req = crate::rpc::OfficeRpcRequest;
    type Resp = crate::rpc::OfficeRpcResponse;

    async fn serve(
        self,
        ctx: tarpc::context::Context,
        mut req: Self::Req,
    ) -> Result<Self::Resp, tarpc::ServerError> {
        use crate::rpc::OfficeRpc;
        if let Err(why) = self.server.admit_call(&self.caller, &mut req) {
            tracing::warn!(caller = ?self.caller, "call refused: {why}");
            return Err(tarpc::ServerError::new(
                std::io::ErrorKind::PermissionDenied,
                why,
            ));
        }
        let dispatch = tarpc::server::Serve::serve(self.server.clone().serve(), ctx, req);
        let resp = Box::pin(dispatch).await?;
        Ok(self.server.filter_answer(&self.caller, resp))
    }
}
