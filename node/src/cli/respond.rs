//! `dms respond --id M --as PERSON accept|decline|tentative`: records an invitee's answer
//! at their office, which tells the organizer's and every other office.

use super::remote::{ClusterOpts, Remote};
use anyhow::{bail, Result};
use engine::state::{Outcome, Response};
use std::io::Write;

/// Arguments of `dms respond`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `accept`, `decline` or `tentative`.
    pub answer: String,
    /// The meeting: its id, or `ORGANIZER/NAME`.
    #[arg(long)]
    pub id: String,
    /// Who answers.
    #[arg(long = "as")]
    pub who: String,
    /// Where the cluster is.
    #[command(flatten)]
    pub cluster: ClusterOpts,
}

/// Runs `dms respond`.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let response = match args.answer.as_str() {
        "accept" => Response::Accepted,
        "decline" => Response::Declined,
        "tentative" => Response::Tentative,
        other => bail!("unknown answer {other:?}: expected accept, decline or tentative"),
    };
    let remote = Remote::new(&args.cluster)?;
    let who = remote.resource(&args.who)?;
    let home = remote.home(&who)?;
    let id = remote.meeting_id(&args.id)?;
    let outcome = remote.block_on(home.respond(
        tarpc::context::current(),
        id.clone(),
        who.clone(),
        response,
    ))?;
    match outcome {
        Outcome::Responded { .. } => {
            writeln!(out, "{who} answered {response:?} to {id}")?;
            Ok(())
        }
        Outcome::Rejected(r) => bail!("not recorded: {r}"),
        other => bail!("unexpected answer {other:?}"),
    }
}
