//! `dms admin key create|revoke|list`: the HTTP API's keys, in the key file the cluster's
//! nodes share (default `dms-cluster/api-keys.json`, where `dms cluster up` points them).
//! `create` prints the key once; only its argon2id hash is kept.

use crate::http::keys::{self, KeyFile, Scope};
use anyhow::{bail, Result};
use engine::ids::{OfficeId, ResourceId};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `dms admin`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `key`.
    pub what: String,
    /// `create`, `revoke ID` or `list`.
    pub action: String,
    /// For `revoke`: the key's id.
    pub id: Option<String>,
    /// The key file.
    #[arg(long, default_value = "dms-cluster/api-keys.json")]
    pub keys: PathBuf,
    /// For `create`: the client's office.
    #[arg(long)]
    pub office: Option<String>,
    /// For `create`: the person the client acts as (sees the meetings they attend).
    #[arg(long)]
    pub person: Option<String>,
    /// For `create`: comma-separated scopes: freebusy, book, override, admin.
    #[arg(long, default_value = "freebusy")]
    pub scopes: String,
    /// For `create`: who the key is for.
    #[arg(long, default_value = "")]
    pub label: String,
    /// For `create`: print only the key.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `dms admin`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    if args.what != "key" {
        bail!("unknown admin object {:?}: expected `key`", args.what);
    }
    match args.action.as_str() {
        "create" => {
            let Some(office) = &args.office else {
                bail!("dms admin key create needs --office");
            };
            let scopes = args
                .scopes
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(Scope::parse)
                .collect::<Result<Vec<_>, String>>()
                .map_err(anyhow::Error::msg)?;
            let person = args.person.as_deref().map(ResourceId::new);
            let (key, record) = keys::create(
                &args.keys,
                OfficeId::new(office),
                person,
                scopes,
                &args.label,
            )?;
            if args.quiet {
                writeln!(out, "{key}")?;
            } else {
                writeln!(
                    out,
                    "key {} for office {} with scopes {:?}:",
                    record.id, record.office, record.scopes
                )?;
                writeln!(out, "{key}")?;
                writeln!(
                    out,
                    "(shown once; {} keeps only its hash)",
                    args.keys.display()
                )?;
            }
        }
        "revoke" => {
            let Some(id) = &args.id else {
                bail!("dms admin key revoke needs the key's id");
            };
            keys::revoke(&args.keys, id)?;
            writeln!(out, "revoked key {id}")?;
        }
        "list" => {
            for k in KeyFile::load(&args.keys)?.keys {
                let state = if k.revoked { "revoked" } else { "active" };
                let person = k.person.map(|p| format!(" as {p}")).unwrap_or_default();
                writeln!(
                    out,
                    "{} {state} office {}{person} scopes {:?} {}",
                    k.id, k.office, k.scopes, k.label
                )?;
            }
        }
        other => bail!("unknown action {other:?}: expected create, revoke or list"),
    }
    Ok(())
}
