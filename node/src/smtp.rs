//! An SMTP notification sink: each notification a plain-text mail to `{person}@{domain}`
//! from the configured sender, through the configured relay (plain SMTP, as to a local
//! relay that does the rest). The notification's key is the mail's `Message-ID`, so a
//! resend after a crash carries the same id and mail systems can drop it; within a run
//! the sink remembers the keys it sent and drops repeats itself.

use crate::notify::NotificationSink;
use crate::notify::{render, Zones};
use engine::state::Notification;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

/// How long one mail may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The sink.
pub struct SmtpSink {
    transport: SmtpTransport,
    from: Mailbox,
    domain: String,
    sent: Mutex<BTreeSet<String>>,
    zones: Zones,
}

impl SmtpSink {
    /// Mails through the relay at `host:port`, from `from`, to `{person}@{domain}`.
    pub fn new(host: &str, port: u16, from: &str, domain: &str) -> Result<SmtpSink, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("smtp.from {from:?}: {e}"))?;
        let transport = SmtpTransport::builder_dangerous(host)
            .port(port)
            .timeout(Some(TIMEOUT))
            .build();
        Ok(SmtpSink {
            transport,
            from,
            domain: domain.into(),
            sent: Mutex::new(BTreeSet::new()),
            zones: Zones::default(),
        })
    }

    /// Writes times in each recipient's own zone (UTC without it).
    pub fn with_zones(mut self, zones: Zones) -> SmtpSink {
        self.zones = zones;
        self
    }

    fn mail(&self, n: &Notification) -> Result<(), String> {
        let to: Mailbox = format!("{}@{}", n.to, self.domain)
            .parse()
            .map_err(|e| format!("address of {}: {e}", n.to))?;
        let (subject, body) = render(n, self.zones.zone(&n.to));
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!(
                "<{}@{}>",
                n.key.replace('#', "."),
                self.domain
            )))
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl NotificationSink for SmtpSink {
    fn send(&self, n: &Notification) -> Result<(), String> {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if sent.contains(&n.key) {
            return Ok(());
        }
        self.mail(n)?;
        sent.insert(n.key.clone());
        Ok(())
    }
}
