//! The `dms` side of the benchmark: writes the company and one config per office under a
//! root, starts one `dms-node` process per office (file storage, fsync on every group
//! commit), books the workload through each organizer's office with closed-loop clients
//! (one connection per office each), and stops the nodes. With TLS the nodes speak mutual
//! TLS to each other and to the clients (certificates made under the root, as `dms
//! cluster up` does), so its cost shows against the same run in plain tarpc.

use super::workload::{Booking, OFFICES};
use super::{closed_loop, report::Measured, Verdict};
use crate::rpc::{BookReply, OfficeRpcClient};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Node processes, killed when dropped.
pub struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Nodes {
    /// CPU seconds (user + system) the nodes used so far, where `/proc` tells (Linux,
    /// 100 ticks a second); `None` elsewhere.
    pub fn cpu_secs(&self) -> Option<f64> {
        let mut ticks = 0u64;
        for c in &self.0 {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", c.id())).ok()?;
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            ticks += fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        }
        Some(ticks as f64 / 100.0)
    }
}

fn addr(base_port: u16, i: usize) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], base_port + i as u16))
}

/// How the benchmark's clients reach the nodes: plain tarpc, or mutual TLS with the
/// operator's certificate.
#[derive(Clone)]
pub enum Link {
    /// Plain tarpc.
    Plain,
    /// Mutual TLS.
    Tls(Arc<rustls::ClientConfig>),
}

impl Link {
    async fn connect(&self, addr: SocketAddr) -> std::io::Result<OfficeRpcClient> {
        match self {
            Link::Plain => crate::rpc::connect(addr).await,
            Link::Tls(config) => crate::rpc::connect_with(addr, config.clone()).await,
        }
    }
}

/// Starts the three offices' nodes over fresh data under `root`, with TLS between them
/// when `tls`; returns how clients reach them.
pub fn start(root: &Path, company: &str, base_port: u16, tls: bool) -> Result<(Nodes, Link)> {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root)?;
    let certs = root.join("tls");
    let link = if tls {
        let offices: Vec<_> = OFFICES
            .iter()
            .map(|(o, _)| engine::ids::OfficeId::new(*o))
            .collect();
        crate::pki::ensure_cluster(&certs, &offices)?;
        let op = crate::pki::operator_files(&certs);
        let loaded = crate::tls::load(&op.cert, &op.key, &op.ca).map_err(anyhow::Error::msg)?;
        Link::Tls(loaded.client.clone())
    } else {
        Link::Plain
    };
    let offices = root.join("offices.toml");
    std::fs::write(&offices, company)?;
    let bin = std::env::current_exe()?.with_file_name("dms-node");
    if !bin.exists() {
        bail!("{} not found: cargo build --release --bins", bin.display());
    }
    let mut peers = String::from("[peers]\n");
    for (i, (o, _)) in OFFICES.iter().enumerate() {
        peers.push_str(&format!("{o} = \"{}\"\n", addr(base_port, i)));
    }
    let mut children = Vec::new();
    for (i, (o, _)) in OFFICES.iter().enumerate() {
        let config: PathBuf = root.join(format!("{o}.toml"));
        let files = crate::pki::node_files(&certs, &engine::ids::OfficeId::new(*o));
        let tls_table = if tls {
            format!(
                "[tls]\ncert = \"{}\"\nkey = \"{}\"\nca = \"{}\"\nhttp = false\n",
                files.cert.display(),
                files.key.display(),
                files.ca.display()
            )
        } else {
            String::new()
        };
        std::fs::write(
            &config,
            format!(
                "office = \"{o}\"\nlisten = \"{}\"\ndata_dir = \"{}\"\ndirectory = \"{}\"\n{tls_table}{peers}",
                addr(base_port, i),
                root.join(o).display(),
                offices.display()
            ),
        )?;
        let log = std::fs::File::create(root.join(format!("{o}.log")))?;
        children.push(
            Command::new(&bin)
                .arg("--config")
                .arg(&config)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?,
        );
    }
    Ok((Nodes(children), link))
}

/// Waits until every node answers.
pub async fn wait_up(base_port: u16, link: &Link) -> Result<()> {
    for (i, (office, _)) in OFFICES.iter().enumerate() {
        let mut up = false;
        for _ in 0..400 {
            if let Ok(c) = link.connect(addr(base_port, i)).await {
                if c.health(tarpc::context::current()).await.is_ok() {
                    up = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !up {
            bail!("node {office} did not come up");
        }
    }
    Ok(())
}

/// Books the workload with `clients` closed-loop clients sharing `connections` pooled
/// connections to each office (tarpc multiplexes calls on a connection, as an
/// application server's client pool would).
pub async fn run(
    work: Arc<Vec<Booking>>,
    clients: usize,
    connections: usize,
    base_port: u16,
    link: &Link,
) -> Result<Measured> {
    let n = work.len();
    let mut pools: Vec<BTreeMap<String, OfficeRpcClient>> = Vec::new();
    for _ in 0..connections.clamp(1, clients) {
        let mut conns = BTreeMap::new();
        for (i, (o, _)) in OFFICES.iter().enumerate() {
            conns.insert(o.to_string(), link.connect(addr(base_port, i)).await?);
        }
        pools.push(conns);
    }
    let pools = &pools;
    let make = |i: usize| async move { Ok::<_, anyhow::Error>(pools[i % pools.len()].clone()) };
    let op = move |conns: Arc<BTreeMap<String, OfficeRpcClient>>, i: usize| {
        let work = work.clone();
        async move {
            let b = &work[i];
            let Some(client) = conns.get(b.office()) else {
                return Verdict::Error;
            };
            match client
                .book(tarpc::context::current(), b.spec(), false.into())
                .await
            {
                Ok(BookReply::Booked { .. }) => Verdict::Booked,
                Ok(BookReply::Conflicts { .. }) => Verdict::Conflict,
                _ => Verdict::Error,
            }
        }
    };
    let mut measured = closed_loop(n, clients, make, op).await?;
    // The offices' own count of syncs and records, for the group commit's effect.
    let mut log = (0, 0);
    for client in pools[0].values() {
        let h = client.health(tarpc::context::current()).await?;
        log.0 += h.metrics.syncs;
        log.1 += h.metrics.commands;
    }
    measured.log = Some(log);
    Ok(measured)
}
