//! `dms`: the command line of the distributed meeting scheduler.

use clap::{Parser, Subcommand};
use node::cli;
use std::process::ExitCode;

/// The distributed meeting scheduler's command line.
#[derive(Parser)]
#[command(name = "dms", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print every instance of every event in an .ics file.
    Expand(cli::expand::Args),
    /// Show free/busy of people and rooms.
    Freebusy(cli::freebusy::Args),
    /// Suggest meeting times, ranked and explained.
    Suggest(cli::suggest::Args),
    /// Run the demo on the shipped sample data.
    Demo(cli::demo::Args),
    /// Start, stop or inspect a local cluster of office nodes.
    Cluster(cli::cluster::Args),
    /// Book a meeting on a running cluster.
    Book(cli::book::Args),
    /// Change a booked meeting (move it, add or remove attendees, change rooms).
    Update(cli::update::Args),
    /// Cancel a meeting, one instance, or an instance and the following ones.
    Cancel(cli::cancel::Args),
    /// Answer an invitation (accept, decline, tentative).
    Respond(cli::respond::Args),
    /// An invitee proposes another time; with --decline, the organizer declines it.
    Counter(cli::counter::Args),
    /// Show a person's or room's meetings, or export them as .ics.
    Calendar(cli::calendar::Args),
    /// Book every event of an .ics file, with a person as organizer.
    Import(cli::calendar::ImportArgs),
    /// The load benchmark (optionally side by side with PostgreSQL).
    Bench(cli::bench::Args),
    /// List the shipped scenarios, check scenario files, or run one (simulator or cluster).
    Scenario(cli::scenario::Args),
    /// Compare two scenario runs' reports.
    Report(cli::report::Args),
    /// Administer the HTTP API: `dms admin key create|revoke|list`.
    Admin(cli::admin::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    let result = match &cli.command {
        Command::Expand(a) => cli::expand::run(a, &mut out),
        Command::Freebusy(a) => cli::freebusy::run(a, &mut out),
        Command::Suggest(a) => cli::suggest::run(a, &mut out),
        Command::Demo(a) => cli::demo::run(a, &mut out),
        Command::Cluster(a) => cli::cluster::run(a, &mut out),
        Command::Book(a) => cli::book::run(a, &mut out),
        Command::Update(a) => cli::update::run(a, &mut out),
        Command::Cancel(a) => cli::cancel::run(a, &mut out),
        Command::Respond(a) => cli::respond::run(a, &mut out),
        Command::Counter(a) => cli::counter::run(a, &mut out),
        Command::Calendar(a) => cli::calendar::run(a, &mut out),
        Command::Import(a) => cli::calendar::import(a, &mut out),
        Command::Bench(a) => cli::bench::run(a, &mut out),
        Command::Scenario(a) => cli::scenario::run(a, &mut out),
        Command::Report(a) => cli::report::run(a, &mut out),
        Command::Admin(a) => cli::admin::run(a, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dms: error: {e:#}");
            // A TLS node's handshake bytes read as a plain client's frame header.
            if format!("{e:#}").contains("frame size too big") {
                eprintln!(
                    "dms: hint: if the nodes have a [tls] table, give --tls-cert, --tls-key and --tls-ca"
                );
            }
            ExitCode::from(2)
        }
    }
}
