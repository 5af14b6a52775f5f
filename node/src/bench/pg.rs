//! The PostgreSQL side of the benchmark: one table of busy intervals whose exclusion
//! constraint (`EXCLUDE USING gist (resource WITH =, during WITH &&)`) forbids double
//! booking; each booking is one statement inserting a row per resource (a transaction
//! of its own, committed with fsync and synchronous commit, as the server is started by
//! `scripts/bench-load`); a constraint violation is a conflict.

use super::workload::Booking;
use super::{closed_loop, report::Measured, Verdict};
use anyhow::{Context, Result};
use std::sync::Arc;

const SCHEMA: &str = "
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP TABLE IF EXISTS busy;
CREATE TABLE busy (
    resource text NOT NULL,
    during tstzrange NOT NULL,
    meeting text NOT NULL,
    EXCLUDE USING gist (resource WITH =, during WITH &&)
);";

const INSERT: &str = "INSERT INTO busy (resource, during, meeting)
    SELECT r, tstzrange(to_timestamp($2::bigint), to_timestamp($3::bigint)), $4
    FROM unnest($1::text[]) AS r";

async fn connect(conn: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(conn, tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to PostgreSQL ({conn})"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The server's `fsync` and `synchronous_commit` settings, for the report.
pub async fn durability(conn: &str) -> Result<String> {
    let c = connect(conn).await?;
    let fsync: String = c.query_one("SHOW fsync", &[]).await?.get(0);
    let sync: String = c.query_one("SHOW synchronous_commit", &[]).await?.get(0);
    let version: String = c.query_one("SHOW server_version", &[]).await?.get(0);
    Ok(format!(
        "PostgreSQL {version}, fsync={fsync}, synchronous_commit={sync}"
    ))
}

/// CPU seconds the server's processes used so far (the postmaster, its live children, and
/// its exited ones), read from `/proc` on the same machine; `None` if it cannot tell.
async fn server_cpu(conn: &str) -> Option<f64> {
    let c = connect(conn).await.ok()?;
    let dir: String = c
        .query_one(
            "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
            &[],
        )
        .await
        .ok()?
        .get(0);
    drop(c);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let pid_file = std::fs::read_to_string(format!("{dir}/postmaster.pid")).ok()?;
    let postmaster: u32 = pid_file.lines().next()?.trim().parse().ok()?;
    let stat = |pid: &str| -> Option<(u32, [u64; 4])> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let f: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
        Some((n(1)? as u32, [n(11)?, n(12)?, n(13)?, n(14)?]))
    };
    let (_, own) = stat(&postmaster.to_string())?;
    let mut ticks = own.iter().sum::<u64>();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((parent, t)) = name.parse::<u32>().ok().and_then(|_| stat(&name)) {
            if parent == postmaster {
                ticks += t[0] + t[1];
            }
        }
    }
    Some(ticks as f64 / 100.0)
}

/// Creates the table afresh and books the workload with `clients` connections.
pub async fn run(conn: &str, work: Arc<Vec<Booking>>, clients: usize) -> Result<Measured> {
    connect(conn).await?.batch_execute(SCHEMA).await?;
    let before = server_cpu(conn).await;
    let mut m = book(conn, work, clients).await?;
    let after = server_cpu(conn).await;
    m.server_cpu_secs = before.zip(after).map(|(b, a)| a - b);
    Ok(m)
}

async fn book(conn: &str, work: Arc<Vec<Booking>>, clients: usize) -> Result<Measured> {
    let n = work.len();
    let conn = conn.to_string();
    let make = |_| {
        let conn = conn.clone();
        async move {
            let c = connect(&conn).await?;
            let stmt = c.prepare(INSERT).await?;
            Ok((c, stmt))
        }
    };
    let op = move |state: Arc<(tokio_postgres::Client, tokio_postgres::Statement)>, i: usize| {
        let work = work.clone();
        async move {
            let b = &work[i];
            let (c, stmt) = &*state;
            let resources = b.resources();
            let end = b.start + b.secs;
            match c.execute(stmt, &[&resources, &b.start, &end, &b.id]).await {
                Ok(_) => Verdict::Booked,
                Err(e)
                    if e.code() == Some(&tokio_postgres::error::SqlState::EXCLUSION_VIOLATION) =>
                {
                    Verdict::Conflict
                }
                Err(_) => Verdict::Error,
            }
        }
    };
    closed_loop(n, clients, make, op).await
}
