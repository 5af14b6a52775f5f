//! A webhook notification sink: each batch is one `POST` of JSON
//! (`{"notifications": [...]}`, each with its `key`) to the configured URL, signed with
//! HMAC-SHA256 over `"{timestamp}.{body}"` (headers `X-DMS-Timestamp` and
//! `X-DMS-Signature: sha256=HEX`), so a receiver can check it came from the cluster and
//! is fresh. Any 2xx answer sends the batch; anything else fails it, the node retries,
//! and the sink backs off (doubling from `first_backoff` to `max_backoff`) so a receiver
//! that is down is not hammered. Receivers drop repeats by `key` (a crash between a send
//! and its `Done` resends it), which makes delivery exactly-once in effect.

use crate::notify::NotificationSink;
use engine::state::Notification;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one `POST` may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Signs `body` sent at `timestamp` with `secret`: the `X-DMS-Signature` value.
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The sink.
pub struct WebhookSink {
    url: String,
    secret: Vec<u8>,
    agent: ureq::Agent,
    first_backoff: Duration,
    max_backoff: Duration,
    /// After a failure: when the next try may go, and the wait after that.
    backoff: Mutex<Option<(Instant, Duration)>>,
}

impl WebhookSink {
    /// Posts to `url`, signing with `secret`, backing off from 1 s to 5 min.
    pub fn new(url: &str, secret: &str) -> WebhookSink {
        WebhookSink::with_backoff(
            url,
            secret,
            Duration::from_secs(1),
            Duration::from_secs(300),
        )
    }

    /// The same with the given backoff bounds.
    pub fn with_backoff(url: &str, secret: &str, first: Duration, max: Duration) -> WebhookSink {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build();
        WebhookSink {
            url: url.into(),
            secret: secret.as_bytes().to_vec(),
            agent: config.into(),
            first_backoff: first,
            max_backoff: max,
            backoff: Mutex::new(None),
        }
    }

    fn post(&self, ns: &[&Notification]) -> Result<(), String> {
        let body = serde_json::to_vec(&serde_json::json!({ "notifications": ns }))
            .map_err(|e| e.to_string())?;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let reply = (self.agent.post(&self.url))
            .header("X-DMS-Timestamp", &timestamp.to_string())
            .header(
                "X-DMS-Signature",
                &signature(&self.secret, timestamp, &body),
            )
            .content_type("application/json")
            .send(&body[..])
            .map_err(|e| format!("{}: {e}", self.url))?;
        let status = reply.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("{} answered {status}", self.url))
        }
    }
}

impl NotificationSink for WebhookSink {
    fn send(&self, n: &Notification) -> Result<(), String> {
        self.send_all(&[n]).pop().unwrap_or(Ok(()))
    }

    fn send_all(&self, ns: &[&Notification]) -> Vec<Result<(), String>> {
        if ns.is_empty() {
            return vec![];
        }
        let mut backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((until, _)) = *backoff {
            if Instant::now() < until {
                let why = format!("{} failed; backing off", self.url);
                return vec![Err(why); ns.len()];
            }
        }
        match self.post(ns) {
            Ok(()) => {
                *backoff = None;
                vec![Ok(()); ns.len()]
            }
            Err(e) => {
                let wait =
                    backoff.map_or(self.first_backoff, |(_, w)| (w * 2).min(self.max_backoff));
                *backoff = Some((Instant::now() + wait, wait));
                vec![Err(e); ns.len()]
            }
        }
    }
}
