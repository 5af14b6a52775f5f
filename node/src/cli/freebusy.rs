//! `dms freebusy --who alice,priya [--from T] [--to T] [--tz Z] [--json]`: busy periods
//! of people and rooms in any office, merged per status, shown in one zone. Titles are
//! never shown: free/busy is what other offices may see. With `--cluster`, read from the
//! running nodes.

use super::table::Table;
use super::world::{resources, short, Common};
use crate::rpc::FreeBusyReply;
use anyhow::Result;
use engine::time::format::rfc3339_in;
use serde_json::json;
use std::io::Write;

/// Arguments of `dms freebusy`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// People and rooms, comma-separated ids.
    #[arg(long)]
    pub who: String,
    /// Window, zone, data and output options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `dms freebusy`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let w = args.common.world()?;
    let who = resources(&w, &args.who)?;
    let zone = args.common.zone(&w, who.first())?;
    let window = args.common.window(zone)?;
    let mut all = Vec::new();
    // With --cluster, an office that cannot be reached is named after the others' answers
    // (and the command fails), instead of failing the whole answer.
    let mut unreachable: Vec<String> = Vec::new();
    let remote = args.common.remote()?;
    for r in &who {
        let fb = match &remote {
            Some(remote) => {
                let asked = remote.home(r).and_then(|home| {
                    let ctx = tarpc::context::current();
                    Ok(remote.block_on(home.free_busy(ctx, vec![r.clone()], window, None))?)
                });
                let reply = match asked {
                    Ok(reply) => reply.map_err(anyhow::Error::msg)?,
                    Err(e) => {
                        let office = w.dir.home(r).map(|o| o.to_string()).unwrap_or_default();
                        unreachable.push(format!("{r} (office {office}: {e:#})"));
                        continue;
                    }
                };
                match reply {
                    FreeBusyReply::Fresh { mut answer, .. } if answer.len() == 1 => {
                        answer.remove(0)
                    }
                    other => anyhow::bail!("unexpected answer for {r}: {other:?}"),
                }
            }
            None => w
                .home_state(r)
                .and_then(|s| s.free_busy(r, window))
                .ok_or_else(|| anyhow::anyhow!("no calendar for {r}"))?,
        };
        all.push(fb);
    }
    if args.common.json {
        let v: Vec<_> = all
            .iter()
            .map(|fb| {
                json!({
                    "resource": fb.resource,
                    "office": w.dir.home(&fb.resource).ok(),
                    "busy": fb.busy.iter().map(|p| json!({
                        "start": rfc3339_in(p.interval.start, zone),
                        "end": rfc3339_in(p.interval.end, zone),
                        "status": format!("{:?}", p.status).to_lowercase(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({
                "zone": zone.name(),
                "from": rfc3339_in(window.start, zone),
                "to": rfc3339_in(window.end, zone),
                "resources": v,
                "unreachable": unreachable,
            }))?
        )?;
        anyhow::ensure!(
            unreachable.is_empty(),
            "not answered: {}",
            unreachable.join("; ")
        );
        return Ok(());
    }
    writeln!(
        out,
        "Free/busy from {} to {} (times in {})",
        short(window.start, zone),
        short(window.end, zone),
        zone
    )?;
    let mut t = Table::new(&["who", "office", "status", "start", "end"]);
    for fb in &all {
        let office = w
            .dir
            .home(&fb.resource)
            .map(|o| o.to_string())
            .unwrap_or_default();
        if fb.busy.is_empty() {
            t.row(vec![
                w.dir.name_of(&fb.resource),
                office.clone(),
                "free".into(),
                String::new(),
                String::new(),
            ]);
        }
        for p in &fb.busy {
            t.row(vec![
                w.dir.name_of(&fb.resource),
                office.clone(),
                format!("{:?}", p.status).to_lowercase(),
                short(p.interval.start, zone),
                short(p.interval.end, zone),
            ]);
        }
    }
    write!(out, "{}", t.render())?;
    anyhow::ensure!(
        unreachable.is_empty(),
        "not answered: {}",
        unreachable.join("; ")
    );
    Ok(())
}
