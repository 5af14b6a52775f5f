//! A node's configuration: `office.toml`, or embedded defaults for the sample company.
//!
//! ```toml
//! office = "ny"                     # which office this node is
//! listen = "127.0.0.1:7103"         # where it serves
//! data_dir = "dms-data/ny"          # its log and snapshot
//! directory = "offices.toml"        # optional: the company (default: the embedded sample)
//! notifications = "notes.jsonl"     # optional: the log sink's file (default: in data_dir)
//! reminder_minutes = 15             # optional: reminders this long before (0: none)
//! clock_skew_ms = 0                 # test and scenario option: the clock this far off
//! clock_drift_ppm = 0               # test and scenario option: and running this fast
//! [http]                            # optional: the HTTP/JSON API
//! listen = "127.0.0.1:8103"
//! keys = "api-keys.json"            # the key file (`dms admin key create`)
//! rate_per_s = 20                   # per key, on average (default 20)
//! burst = 40                        # per key, at once (default 40)
//! [webhook]                         # optional: notifications also posted here
//! url = "http://127.0.0.1:9000/dms"
//! secret = "shared secret"          # HMAC-SHA256 signatures (see node/src/webhook.rs)
//! [tls]                             # rustls, PEM files (`dms cluster up` makes them);
//!                                   # without it the node serves plain tarpc, which
//!                                   # dms-node allows on loopback or with --insecure only
//! cert = "certs/ny.pem"             # this node's certificate (SANs: its IP address and
//!                                   # urn:dms:node:ny, see node/src/pki.rs)
//! key = "certs/ny-key.pem"
//! ca = "certs/ca.pem"               # the CA that signed every node's certificate
//! http = true                       # the HTTP API over TLS (default true)
//! peers = true                      # mutual TLS between nodes (default true)
//! [smtp]                            # optional: notifications also mailed
//! host = "127.0.0.1"
//! port = 25
//! from = "Scheduler <dms@example.com>"
//! domain = "example.com"            # people get mail at ID@example.com
//! [peers]                           # every office's address, this one's included
//! bangalore = "127.0.0.1:7101"
//! london = "127.0.0.1:7102"
//! ny = "127.0.0.1:7103"
//! sydney = "127.0.0.1:7104"
//! ```

use crate::sample::{parse_directory, SAMPLE_OFFICES};
use anyhow::{bail, Context, Result};
use engine::ids::OfficeId;
use engine::office::Directory;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The `[http]` table of a node's config.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Where the API listens.
    pub listen: SocketAddr,
    /// The key file (shared by the cluster's nodes).
    pub keys: PathBuf,
    /// Requests per second each key may make, on average.
    #[serde(default = "default_rate")]
    pub rate_per_s: f64,
    /// Requests a key may make at once after a quiet spell.
    #[serde(default = "default_burst")]
    pub burst: f64,
    /// The years dates may fall in, first and last (default, and widest: the engine's
    /// 1900 to 2200); a date outside is refused with 400.
    #[serde(default = "default_years")]
    pub years: [i32; 2],
}

fn default_years() -> [i32; 2] {
    [
        engine::state::meeting::MIN_YEAR,
        engine::state::meeting::MAX_BOOKING_YEAR,
    ]
}

impl HttpConfig {
    /// The configured years, checked against the engine's own bounds.
    pub fn years(&self) -> Result<std::ops::RangeInclusive<i32>> {
        let [first, last] = self.years;
        let [min, max] = default_years();
        if first > last || first < min || last > max {
            bail!("[http] years = [{first}, {last}]: a range within [{min}, {max}]");
        }
        Ok(first..=last)
    }
}

fn default_rate() -> f64 {
    20.0
}

fn default_burst() -> f64 {
    40.0
}

/// The first HTTP port of the default cluster (offices in id order, like the tarpc ports).
pub const DEFAULT_HTTP_OFFSET: u16 = 1000;

/// The first port of the default cluster; offices take consecutive ports in id order.
pub const DEFAULT_BASE_PORT: u16 = 7101;

/// A node's configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// This node's office.
    pub office: OfficeId,
    /// Where to serve.
    pub listen: SocketAddr,
    /// Where to keep the log and snapshot.
    pub data_dir: PathBuf,
    /// The company's `offices.toml` (default: the embedded sample).
    #[serde(default)]
    pub directory: Option<PathBuf>,
    /// Where the log sink writes notifications (default: `notifications.jsonl` in the
    /// data directory).
    #[serde(default)]
    pub notifications: Option<PathBuf>,
    /// Every office's address.
    #[serde(default)]
    pub peers: BTreeMap<OfficeId, SocketAddr>,
    /// The HTTP API, if it is served.
    #[serde(default)]
    pub http: Option<HttpConfig>,
    /// A webhook notifications are also posted to, if any.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
    /// TLS for the HTTP port and between nodes, if any.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// A mail relay notifications are also sent through, if any.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// How many minutes before each instance attendees are reminded by default (0: only
    /// meetings and people with a lead of their own are).
    #[serde(default = "default_reminder")]
    pub reminder_minutes: u32,
    /// How far off this node's wall clock runs, in milliseconds (a test and scenario
    /// option: a cluster run gives each office the skew its scenario file says).
    #[serde(default)]
    pub clock_skew_ms: i64,
    /// How fast (or, negative, slow) this node's clock runs, in parts per million (a
    /// test and scenario option).
    #[serde(default)]
    pub clock_drift_ppm: i64,
}

/// The `[tls]` table: PEM files, and where TLS is used.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// This node's certificate chain.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// The CA that signed every node's certificate.
    pub ca: PathBuf,
    /// Serve the HTTP API over TLS.
    #[serde(default = "yes")]
    pub http: bool,
    /// Talk to other nodes over mutual TLS (every node of the cluster must agree).
    #[serde(default = "yes")]
    pub peers: bool,
}

fn yes() -> bool {
    true
}

/// The `[smtp]` table: the relay, the sender, and the people's mail domain.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The relay's host.
    pub host: String,
    /// Its port.
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender (`Scheduler <dms@example.com>`).
    pub from: String,
    /// People get mail at `{id}@{domain}`.
    pub domain: String,
}

fn default_smtp_port() -> u16 {
    25
}

/// Reminders go this many minutes before an instance unless the config says otherwise.
pub const DEFAULT_REMINDER_MINUTES: u32 = 15;

fn default_reminder() -> u32 {
    DEFAULT_REMINDER_MINUTES
}

/// The `[webhook]` table: where notifications are posted, and the HMAC secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The receiver's URL (`http://`).
    pub url: String,
    /// The shared secret the signatures are made with.
    pub secret: String,
}

impl NodeConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> Result<NodeConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The default node of `office` in the sample cluster under `root` (over mutual TLS
    /// when `root/tls/` holds the office's certificate).
    pub fn sample(office: &str, root: &Path, base_port: u16) -> Result<NodeConfig> {
        Self::local(office, root, base_port, None)
    }

    /// The node of `office` in a local cluster under `root` of the company in
    /// `directory` (an `offices.toml`; `None`: the sample company), its offices on
    /// consecutive ports from `base_port` in id order, as [`Self::sample`].
    pub fn local(
        office: &str,
        root: &Path,
        base_port: u16,
        directory: Option<&Path>,
    ) -> Result<NodeConfig> {
        let dir = match directory {
            Some(p) => parse_directory(
                &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            )?,
            None => parse_directory(SAMPLE_OFFICES)?,
        };
        let peers = sample_peers(&dir, base_port);
        let office = OfficeId::new(office);
        let Some(listen) = peers.get(&office).copied() else {
            bail!("office {office} is not in the company");
        };
        let http = HttpConfig {
            listen: SocketAddr::new(listen.ip(), listen.port() + DEFAULT_HTTP_OFFSET),
            keys: root.join("api-keys.json"),
            rate_per_s: default_rate(),
            burst: default_burst(),
            years: default_years(),
        };
        // `dms cluster up` makes the cluster's certificates in ROOT/tls: with them, the
        // nodes speak mutual TLS (the HTTP port stays plain on loopback: API keys
        // authenticate its callers).
        let certs = root.join("tls");
        let tls = (certs.join(format!("node-{office}.pem")).exists()).then(|| TlsConfig {
            cert: certs.join(format!("node-{office}.pem")),
            key: certs.join(format!("node-{office}-key.pem")),
            ca: certs.join("ca.pem"),
            http: false,
            peers: true,
        });
        Ok(NodeConfig {
            data_dir: root.join(office.as_str()),
            office,
            listen,
            directory: directory.map(Path::to_path_buf),
            notifications: None,
            peers,
            http: Some(http),
            webhook: None,
            smtp: None,
            tls,
            reminder_minutes: DEFAULT_REMINDER_MINUTES,
            clock_skew_ms: 0,
            clock_drift_ppm: 0,
        })
    }

    /// The company directory this node serves.
    pub fn directory(&self) -> Result<Directory> {
        match &self.directory {
            Some(p) => parse_directory(
                &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            ),
            None => parse_directory(SAMPLE_OFFICES),
        }
    }
}

/// Every sample office on consecutive loopback ports from `base_port`, in id order.
pub fn sample_peers(dir: &Directory, base_port: u16) -> BTreeMap<OfficeId, SocketAddr> {
    dir.offices
        .keys()
        .enumerate()
        .map(|(i, o)| {
            (
                o.clone(),
                SocketAddr::from(([127, 0, 0, 1], base_port + i as u16)),
            )
        })
        .collect()
}
