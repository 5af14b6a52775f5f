//! The HTTP port: one accept loop for plain HTTP and HTTPS, with the same bounds as the
//! tarpc port (connection caps in total and per address, back-off on accept errors, a
//! TLS handshake timeout) and HTTP's own: a request's headers must arrive within
//! [`HEADER_READ_TIMEOUT`] (also the longest a kept-alive connection waits idle for its
//! next request), so slow-header ("slowloris") connections are closed, not held.
//! Each request runs with its caller's address in [`PEER`], for the rate limits that
//! apply before a key is verified.

use super::problem::Problem;
use super::{router, Shared};
use crate::server::listen::{accept_patiently, Slots, HANDSHAKE_TIMEOUT};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a request's headers may take to arrive (and an idle connection may wait).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most HTTP connections a node serves at once.
pub const MAX_HTTP_CONNECTIONS: usize = 4_096;
/// The most HTTP connections one address may hold at once.
pub const MAX_HTTP_CONNECTIONS_PER_ADDRESS: usize = 1_024;
/// The most headers one request may carry (more: 431 with a problem body).
pub const MAX_HEADERS: usize = 64;
/// The most bytes of headers one request may carry (more: 431 with a problem body).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Past these, hyper itself answers a bare 431 (or closes): a request head it would not
/// even buffer.
pub const HYPER_MAX_HEADERS: usize = 1_024;
/// See [`HYPER_MAX_HEADERS`].
pub const HYPER_MAX_HEAD_BYTES: usize = 64 * 1024;

tokio::task_local! {
    /// The address of the request's caller.
    pub static PEER: IpAddr;
}

/// Serves the API on `listener` over plain HTTP until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, api: Shared) -> std::io::Result<()> {
    accept_loop(listener, api, None).await
}

/// Serves the API over TLS (`config`: the node's HTTP TLS configuration) until the process
/// ends; a failed or slow handshake closes that connection only.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    api: Shared,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    accept_loop(listener, api, Some(tokio_rustls::TlsAcceptor::from(config))).await
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    api: Shared,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let app = router(api);
    let slots = Slots::default();
    let mut backoff = Duration::ZERO;
    loop {
        let (conn, peer) = accept_patiently(&listener, &mut backoff).await;
        let Some(slot) = slots.take(
            peer.ip(),
            MAX_HTTP_CONNECTIONS,
            MAX_HTTP_CONNECTIONS_PER_ADDRESS,
        ) else {
            tracing::warn!(%peer, "HTTP connection refused: over the connection caps");
            continue;
        };
        let (app, tls) = (app.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => serve_connection(conn, app, peer.ip()).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(conn));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, app, peer.ip()).await;
                    }
                }
            }
            drop(slot);
        });
    }
}

async fn serve_connection<T>(io: T, app: axum::Router, peer: IpAddr)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt;
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let app = app.clone();
        PEER.scope(peer, async move {
            let head: usize = (req.headers().iter())
                .map(|(n, v)| n.as_str().len() + v.len() + 4)
                .sum();
            if req.headers().len() > MAX_HEADERS || head > MAX_HEADER_BYTES {
                use axum::response::IntoResponse;
                return Ok(
                    Problem::headers_too_large(MAX_HEADERS, MAX_HEADER_BYTES).into_response()
                );
            }
            app.oneshot(req.map(axum::body::Body::new)).await
        })
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(HYPER_MAX_HEAD_BYTES)
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await;
}
