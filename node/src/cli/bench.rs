//! `dms bench [--bookings N] [--clients C] [--seed S] [--pg CONN] [--report FILE]`: the
//! load benchmark. Books a seeded workload on a 3-office loopback cluster of `dms-node`
//! processes and, with `--pg`, the same bookings on PostgreSQL (see `scripts/bench-load`,
//! which installs and starts it), and prints both side by side.

use crate::bench::{cluster, pg, report, workload};
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `dms bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many bookings.
    #[arg(long, default_value_t = 12_000)]
    pub bookings: usize,
    /// Concurrent closed-loop clients, one run per value (each system gets the same).
    #[arg(long, value_delimiter = ',', default_value = "16,32,96,192")]
    pub clients: Vec<usize>,
    /// dms: pooled connections to each office, shared by the clients.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// People per office.
    #[arg(long, default_value_t = 500)]
    pub people: usize,
    /// The workload's seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A PostgreSQL connection string; without it only `dms` runs.
    #[arg(long)]
    pub pg: Option<String>,
    /// The nodes' first port.
    #[arg(long, default_value_t = 7301)]
    pub base_port: u16,
    /// Where the nodes keep their data.
    #[arg(long, default_value = "target/dms-bench")]
    pub root: PathBuf,
    /// Also write the report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// dms: how the nodes talk, one run per value at each client count, side by side:
    /// `plain` tarpc, `tls` (mutual TLS between the nodes and to the clients).
    #[arg(long, value_delimiter = ',', default_value = "plain")]
    pub links: Vec<LinkArg>,
}

/// A value of `--links`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum LinkArg {
    /// Plain tarpc.
    Plain,
    /// Mutual TLS.
    Tls,
}

/// Runs `dms bench`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    anyhow::ensure!(args.bookings > 0, "--bookings must be positive");
    anyhow::ensure!(args.bookings <= 1_000_000, "--bookings is at most 1000000");
    anyhow::ensure!(
        !args.clients.is_empty() && args.clients.iter().all(|c| (1..=1_000).contains(c)),
        "--clients takes numbers from 1 to 1000"
    );
    let work = Arc::new(workload::bookings(args.seed, args.bookings, args.people));
    let rt = tokio::runtime::Runtime::new()?;
    let company = workload::company(args.people);
    let mut runs: Vec<(String, report::Measured)> = Vec::new();
    let mut settings = String::new();
    anyhow::ensure!(!args.links.is_empty(), "--links takes plain, tls or both");
    for &clients in &args.clients {
        // TLS first, so that a pair's ratio reads "TLS / plain".
        for tls in [true, false] {
            let wanted = if tls { LinkArg::Tls } else { LinkArg::Plain };
            if !args.links.contains(&wanted) {
                continue;
            }
            let (nodes, link) = cluster::start(&args.root, &company, args.base_port, tls)?;
            let dms = rt.block_on(async {
                cluster::wait_up(args.base_port, &link).await?;
                cluster::run(
                    work.clone(),
                    clients,
                    args.connections,
                    args.base_port,
                    &link,
                )
                .await
            });
            let node_cpu = nodes.cpu_secs();
            drop(nodes);
            let mut dms = dms?;
            dms.server_cpu_secs = node_cpu;
            let name = match (args.links.len(), tls) {
                (1, _) => "dms",
                (_, true) => "dms TLS",
                (_, false) => "dms plain",
            };
            runs.push((format!("{name}, {clients} clients"), dms));
        }
        if let Some(conn) = &args.pg {
            let (pg, s) = rt.block_on(async {
                let s = pg::durability(conn).await?;
                let m = pg::run(conn, work.clone(), clients).await?;
                Ok::<_, anyhow::Error>((m, s))
            })?;
            settings = s;
            runs.push((format!("PostgreSQL, {clients} clients"), pg));
        }
    }
    let mut setup = format!(
        "Seed {}, {} bookings (1-3 attendees from any of 3 offices, a room half the time, \
         on half-hour slots in 8 weeks), {} people and {} rooms per office, closed-loop \
         clients (the same number for each system), everything on 127.0.0.1 on this machine \
         ({} cores). dms: 3 `dms-node` processes, file storage, fsync on every group commit, \
         {} pooled connections to each office shared by the clients; PostgreSQL: one \
         connection per client.",
        args.seed,
        args.bookings,
        args.people,
        workload::ROOMS_PER_OFFICE,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.connections
    );
    if args.links.contains(&LinkArg::Tls) {
        setup.push_str(
            " dms TLS: mutual TLS (rustls; certificates made by rcgen, as `dms cluster up` \
             does) between the nodes and from the clients, on a fresh cluster per run.",
        );
    }
    if !settings.is_empty() {
        setup.push_str(&format!(" {settings}, one statement per booking."));
    }
    let rows: Vec<(&str, &report::Measured)> = runs.iter().map(|(n, m)| (n.as_str(), m)).collect();
    // Ratios of pairs at each client count: dms / PostgreSQL, or TLS / plain.
    let per_count = args.links.len() + usize::from(args.pg.is_some());
    let text = report::markdown(&setup, &rows, per_count == 2);
    write!(out, "{text}")?;
    if let Some(path) = &args.report {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &text)?;
    }
    Ok(())
}
