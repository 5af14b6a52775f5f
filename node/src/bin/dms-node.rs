//! `dms-node`: one office's node. `dms-node --config office.toml`, or with no config the
//! New York node of the sample cluster (`--office` picks another sample office).

use anyhow::{Context, Result};
use clap::Parser;
use node::clock::{SkewedClock, SystemClock};
use node::config::{NodeConfig, DEFAULT_BASE_PORT};
use node::durable::DurableOffice;
use node::http::keys::KeyStore;
use node::http::limits::RateLimiter;
use node::http::{serve, serve_tls, Api};
use node::notify::{FanOut, LogSink, NotificationSink};
use node::server::{run_with, Admission, Failpoint, NodeOptions, OfficeServer};
use node::smtp::SmtpSink;
use node::storage::FileStorage;
use node::webhook::WebhookSink;
use std::path::PathBuf;
use std::sync::Arc;

/// One office's node of the distributed meeting scheduler.
#[derive(Parser)]
#[command(name = "dms-node", version, about)]
struct Args {
    /// A config file (see node/src/config.rs); without it, a sample-cluster node.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Without --config: which sample office.
    #[arg(long, default_value = "ny")]
    office: String,
    /// Without --config: the directory holding each office's data.
    #[arg(long, default_value = "dms-data")]
    data_root: PathBuf,
    /// Without --config: the first port of the sample cluster.
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    base_port: u16,
    /// Without --config: the company's `offices.toml` instead of the sample company.
    #[arg(long)]
    directory: Option<PathBuf>,
    /// Serve plain tarpc (no TLS: every caller may make every call) on an address that is
    /// not loopback. Without a `[tls]` table and without this, such a node refuses to start.
    #[arg(long)]
    insecure: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let config = match &args.config {
        Some(p) => NodeConfig::load(p)?,
        None => NodeConfig::local(
            &args.office,
            &args.data_root,
            args.base_port,
            args.directory.as_deref(),
        )?,
    };
    let tls = match &config.tls {
        Some(t) => Some((
            node::tls::load(&t.cert, &t.key, &t.ca).map_err(anyhow::Error::msg)?,
            t,
        )),
        None => None,
    };
    let admission = match &tls {
        Some((tls, t)) if t.peers => {
            tracing::info!("mutual TLS between nodes: callers are who their certificates name");
            node::tls::use_between_nodes(tls.clone());
            Admission::Tls(tls.server.clone())
        }
        _ if config.listen.ip().is_loopback() || args.insecure => {
            tracing::warn!(
                listen = %config.listen,
                "plain tarpc (no [tls] table): every caller that can connect may make every call"
            );
            Admission::Open
        }
        _ => anyhow::bail!(
            "refusing plain tarpc on {}, which is not loopback: give the config a [tls] table \
             (dms cluster up makes certificates), or pass --insecure",
            config.listen
        ),
    };
    raise_descriptor_limit();
    let dir = config.directory()?;
    let storage = FileStorage::open(&config.data_dir)
        .with_context(|| format!("opening {}", config.data_dir.display()))?;
    let mut state = DurableOffice::open(config.office.clone(), storage)?;
    state.register_directory(&dir)?;
    tracing::info!(office = %config.office, applied = state.applied(), data = %config.data_dir.display(), "recovered");
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let node_number = config
        .peers
        .keys()
        .position(|o| *o == config.office)
        .unwrap_or(0) as u32;
    let notifications = config
        .notifications
        .clone()
        .unwrap_or_else(|| config.data_dir.join("notifications.jsonl"));
    // Notifications in each person's own time and words.
    let zones = node::notify::Zones::of(&config.directory()?);
    let sink = LogSink::open(&notifications)
        .with_context(|| format!("opening {}", notifications.display()))?
        .with_zones(zones.clone());
    let mut sinks: Vec<Arc<dyn NotificationSink>> = vec![Arc::new(sink)];
    if let Some(w) = &config.webhook {
        tracing::info!(url = %w.url, "notifications also go to a webhook");
        sinks.push(Arc::new(WebhookSink::new(&w.url, &w.secret)));
    }
    if let Some(m) = &config.smtp {
        tracing::info!(relay = %m.host, port = m.port, "notifications also go by mail");
        let smtp = SmtpSink::new(&m.host, m.port, &m.from, &m.domain)
            .map_err(anyhow::Error::msg)?
            .with_zones(zones.clone());
        sinks.push(Arc::new(smtp));
    }
    let sink: Arc<dyn NotificationSink> = Arc::new(FanOut(sinks));
    let mut options = NodeOptions::new(sink, Failpoint::from_env());
    // Always on: with a default of 0, meetings and people with a lead of their own are
    // still reminded.
    let lead = std::time::Duration::from_secs(u64::from(config.reminder_minutes) * 60);
    options.reminder_lead = Some(lead);
    if let Some(fp) = options.failpoint {
        tracing::warn!(?fp, "test failpoint armed (DMS_FAILPOINT)");
    }
    if let Ok(name) = std::env::var("DMS_PLANTED_BUG") {
        let bug = node::server::Planted::named(&name)
            .with_context(|| format!("DMS_PLANTED_BUG: no planted bug {name:?}"))?;
        #[cfg(any(feature = "planted-bugs", debug_assertions))]
        {
            tracing::warn!(?bug, "planted bug (DMS_PLANTED_BUG): a test build only");
            options.planted = Some(bug);
        }
        #[cfg(not(any(feature = "planted-bugs", debug_assertions)))]
        anyhow::bail!("DMS_PLANTED_BUG={name}: a release build plants no bug ({bug:?})");
    }
    // The clock, off and drifting as the config says (test and scenario options), and
    // as a scenario run's test faults move it.
    let skew = Arc::new(std::sync::atomic::AtomicI64::new(config.clock_skew_ms));
    let clock = SkewedClock::shared(
        Arc::new(SystemClock::new()),
        skew.clone(),
        config.clock_drift_ppm,
    );
    if let Some(path) = std::env::var_os(node::testfaults::ENV) {
        if node::testfaults::ENABLED {
            tracing::warn!(file = ?path, "test faults followed ({})", node::testfaults::ENV);
            node::testfaults::watch(path.into(), skew, config.clock_skew_ms);
        } else {
            tracing::warn!(
                "{} ignored: a release build takes no test faults",
                node::testfaults::ENV
            );
        }
    }
    let server = OfficeServer::with_options(
        config.office.clone(),
        state,
        dir,
        config.peers.clone(),
        Arc::new(clock),
        node_number,
        options,
    );
    tracing::info!(office = %config.office, listen = %config.listen, "serving");
    if let Some(http) = &config.http {
        let api = Arc::new(Api {
            dir: config.directory()?,
            peers: config.peers.clone(),
            keys: KeyStore::new(http.keys.clone()),
            limiter: RateLimiter::new(http.rate_per_s, http.burst),
            years: http.years()?,
        });
        let listener = tokio::net::TcpListener::bind(http.listen)
            .await
            .with_context(|| format!("binding the HTTP API to {}", http.listen))?;
        tracing::info!(office = %config.office, http = %http.listen, keys = %http.keys.display(), "serving the HTTP API");
        let http_tls = tls
            .as_ref()
            .filter(|(_, t)| t.http)
            .map(|(tls, _)| tls.http.clone());
        tokio::spawn(async move {
            let served = match http_tls {
                Some(config) => serve_tls(listener, api, config).await,
                None => serve(listener, api).await,
            };
            if let Err(e) = served {
                tracing::error!(error = %e, "the HTTP API stopped");
            }
        });
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let watched = server.clone();
    // A failed log takes no more changes: stop, so a supervisor restarts the node, which
    // recovers from what the disk holds (as PostgreSQL does after a failed fsync).
    let log_failed = async move {
        loop {
            if let Some(why) = watched.storage_failure() {
                return why;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    };
    tokio::select! {
        _ = run_with(listener, server, admission) => {}
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
        why = log_failed => anyhow::bail!("the log failed ({why}): stopping; restart to recover"),
    }
    // Every acknowledged command is already synced: stopping needs no flush.
    Ok(())
}

/// Raises the open-file limit to its hard maximum: every connection takes a descriptor,
/// and the connection caps (`node::server::listen`) are meant to bind before it does.
fn raise_descriptor_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::info!(limit = n, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
}
