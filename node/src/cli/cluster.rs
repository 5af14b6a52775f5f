//! `dms cluster up|down|status`: a local cluster of office nodes on 127.0.0.1 (one
//! `dms-node` process per office, consecutive ports from 7101 in office id order), their
//! data and logs under `--root` (default `dms-cluster/`): the sample company, or with
//! `--company DIR` a company of its own (`DIR/offices.toml`, copied to the root). The
//! other `dms` commands learn the company from the nodes.

use crate::config::{sample_peers, DEFAULT_BASE_PORT};
use crate::rpc::connect;
use crate::sample::{parse_directory, SAMPLE_OFFICES};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `dms cluster`: `up` starts the nodes and books the sample calendars
/// through them (unless `--empty`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `up`, `down` or `status`.
    pub action: String,
    /// How many of the sample offices to start (in id order).
    #[arg(long, default_value_t = 4)]
    pub offices: usize,
    /// Where the nodes keep data, logs and pids.
    #[arg(long, default_value = "dms-cluster")]
    pub root: PathBuf,
    /// The first port.
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    pub base_port: u16,
    /// With `up`: start with empty calendars instead of the sample ones.
    #[arg(long)]
    pub empty: bool,
    /// With `up`: plain tarpc between the nodes, no certificates (any local process may
    /// then make any call; for experiments only).
    #[arg(long)]
    pub plain: bool,
    /// With `up`: the company of `DIR/offices.toml` (format: node/sample/offices.toml)
    /// instead of the sample company, with empty calendars (`dms import` fills them).
    #[arg(long)]
    pub company: Option<PathBuf>,
}

/// How long `up` waits for every node to answer.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `dms cluster`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    match args.action.as_str() {
        "up" => up(args, out),
        "down" => down(&args.root, out),
        "status" => status(args, out),
        other => bail!("unknown action {other:?}: expected up, down or status"),
    }
}

/// The `dms-node` binary beside this one.
pub fn node_binary() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name(format!("dms-node{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        bail!(
            "{} not found: build it with `cargo build --release --bins`",
            path.display()
        );
    }
    Ok(path)
}

/// Waits until `office`'s node at `addr` answers `health`, or fails at `deadline`
/// naming its log.
pub async fn wait_healthy(
    office: &engine::ids::OfficeId,
    addr: std::net::SocketAddr,
    deadline: Instant,
    log: &Path,
) -> Result<()> {
    loop {
        if let Ok(c) = connect(addr).await {
            if c.health(tarpc::context::current()).await.is_ok() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!(
                "office {office} did not answer within {START_TIMEOUT:?}; see {}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn up(args: &Args, out: &mut dyn Write) -> Result<()> {
    crate::pki::make_private_dir(&args.root)?;
    // A company of its own: its directory copied under the root, for every node to read.
    let company = match &args.company {
        Some(dir) => {
            let from = dir.join("offices.toml");
            let text = std::fs::read_to_string(&from)
                .with_context(|| format!("reading {}", from.display()))?;
            parse_directory(&text).with_context(|| from.display().to_string())?;
            let to = args.root.join("offices.toml");
            std::fs::write(&to, text)?;
            Some(to)
        }
        None => None,
    };
    let dir = match &company {
        Some(p) => parse_directory(&std::fs::read_to_string(p)?)?,
        None => parse_directory(SAMPLE_OFFICES)?,
    };
    let offices: Vec<_> = dir.offices.keys().take(args.offices).cloned().collect();
    if offices.is_empty() {
        bail!("--offices must be at least 1");
    }
    let binary = node_binary()?;
    let peers = sample_peers(&dir, args.base_port);
    let certs = args.root.join("tls");
    if args.plain {
        // A leftover CA would turn TLS back on in the nodes' sample configs.
        let _ = std::fs::remove_dir_all(&certs);
    } else {
        let every: Vec<_> = dir.offices.keys().cloned().collect();
        if crate::pki::ensure_cluster(&certs, &every)? {
            writeln!(
                out,
                "made the cluster's CA and certificates in {}",
                certs.display()
            )?;
        }
        super::remote::use_certificates(&crate::pki::operator_files(&certs))?;
    }
    for office in &offices {
        let log = std::fs::File::create(args.root.join(format!("{office}.log")))?;
        let mut command = Command::new(&binary);
        if let Some(p) = &company {
            command.arg("--directory").arg(p);
        }
        let child = command
            .args(["--office", office.as_str(), "--data-root"])
            .arg(&args.root)
            .args(["--base-port", &args.base_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        std::fs::write(
            args.root.join(format!("{office}.pid")),
            child.id().to_string(),
        )?;
        writeln!(
            out,
            "started {office} (pid {}) on {}",
            child.id(),
            peers[office]
        )?;
    }
    let rt = tokio::runtime::Runtime::new()?;
    let deadline = Instant::now() + START_TIMEOUT;
    for office in &offices {
        let log = args.root.join(format!("{office}.log"));
        rt.block_on(wait_healthy(office, peers[office], deadline, &log))?;
    }
    if !args.empty && company.is_none() && offices.len() == dir.offices.len() {
        let booked = rt.block_on(seed(&peers))?;
        writeln!(
            out,
            "booked the sample calendars through the organizers' offices: {booked} meetings"
        )?;
    }
    let how = if args.plain {
        "plain tarpc (no TLS)"
    } else {
        "mutual TLS between nodes; `dms` uses the operator certificate in ROOT/tls"
    };
    writeln!(
        out,
        "cluster up: {} offices, {how}; `dms cluster down --root {}` stops it",
        offices.len(),
        args.root.display()
    )?;
    Ok(())
}

/// Books every meeting of the sample calendars through its organizer's office node; on a
/// cluster restarted over the same data, the meetings already there are left as they are.
async fn seed(
    peers: &std::collections::BTreeMap<engine::ids::OfficeId, std::net::SocketAddr>,
) -> Result<usize> {
    let world = crate::sample::World::new(parse_directory(SAMPLE_OFFICES)?);
    let mut booked = 0;
    for (name, text) in crate::sample::SAMPLE_CALENDARS {
        for series in engine::ical::parse_series(text).with_context(|| name.to_string())? {
            let spec = world.spec_of(&series)?;
            let home = world.dir.home(&spec.organizer)?.clone();
            let client = connect(peers[&home]).await?;
            let ctx = tarpc::context::current;
            if client.meeting(ctx(), spec.id.clone()).await?.is_some() {
                booked += 1;
                continue;
            }
            match client.book(ctx(), spec.clone(), false.into()).await? {
                crate::rpc::BookReply::Booked { .. } => booked += 1,
                crate::rpc::BookReply::Conflicts { conflicts, .. } => bail!(
                    "sample meeting {} conflicts: {:?}",
                    spec.id,
                    conflicts.first()
                ),
                crate::rpc::BookReply::Refused { why }
                | crate::rpc::BookReply::Unavailable { why, .. }
                | crate::rpc::BookReply::Uncertain { why } => {
                    bail!("sample meeting {} not booked: {why}", spec.id)
                }
            }
        }
    }
    Ok(booked)
}

fn down(root: &Path, out: &mut dyn Write) -> Result<()> {
    let mut stopped = 0;
    for entry in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pid") {
            let pid = std::fs::read_to_string(&path)?.trim().to_string();
            let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
            std::fs::remove_file(&path)?;
            stopped += 1;
        }
    }
    writeln!(out, "stopped {stopped} node(s)")?;
    Ok(())
}

fn status(args: &Args, out: &mut dyn Write) -> Result<()> {
    let operator = crate::pki::operator_files(&args.root.join("tls"));
    if operator.cert.exists() {
        super::remote::use_certificates(&operator)?;
    }
    let rt = tokio::runtime::Runtime::new()?;
    let dir = match rt.block_on(super::remote::learn_directory(args.base_port)) {
        Some(dir) => dir,
        None => parse_directory(SAMPLE_OFFICES)?,
    };
    let peers = sample_peers(&dir, args.base_port);
    for (office, addr) in peers.iter().take(args.offices) {
        let health = rt.block_on(async {
            let c = connect(*addr).await.ok()?;
            c.health(tarpc::context::current()).await.ok()
        });
        match health {
            Some(h) => {
                if let Some(why) = &h.failed {
                    writeln!(
                        out,
                        "{office} {addr}: LOG FAILED ({why}), taking no changes"
                    )?;
                }
                let m = &h.metrics;
                writeln!(
                    out,
                    "{office} {addr}: up, {} log records, {} pending, outbox {}; \
                     coordinated {} booked / {} conflicts / {} refused; \
                     {} commands in {} syncs; {} delivered, {} notified; \
                     free/busy cache {} hits / {} revalidated / {} fetched",
                    h.applied,
                    h.pending,
                    h.outbox,
                    m.booked,
                    m.conflicts,
                    m.refused,
                    m.commands,
                    m.syncs,
                    m.delivered,
                    m.notified,
                    m.cache_hits,
                    m.cache_revalidated,
                    m.cache_misses
                )?
            }
            None => writeln!(out, "{office} {addr}: down")?,
        }
    }
    Ok(())
}
