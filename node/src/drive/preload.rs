//! Before a run's workload: each office's standing calendars ([`World::standing`]) are
//! imported at that office (`import`, in batches), so the run starts from the load the
//! file describes. Every block must be booked: a refusal or an office that does not
//! answer (after a few tries; importing twice books once) stops the run.

use super::call::{Target, CALL_DEADLINE};
use crate::rpc::connect;
use engine::state::{MeetingSpec, Outcome};
use scenarios::world::World;
use std::time::Duration;

/// Meetings per `import` call.
pub const BATCH: usize = 1_000;
/// Tries per batch.
pub const TRIES: u32 = 5;

/// Imports `world`'s standing blocks at their offices; the meetings booked.
pub async fn load(world: &World, t: &Target) -> Result<Vec<MeetingSpec>, String> {
    let mut all = Vec::new();
    for (office, meetings) in world.standing_meetings() {
        let addr = (t.addrs.get(&office)).ok_or(format!("no address for office {office}"))?;
        for batch in meetings.chunks(BATCH) {
            let mut last = String::new();
            let mut done = false;
            for attempt in 0..TRIES {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                let client = match connect(*addr).await {
                    Ok(c) => c,
                    Err(e) => {
                        last = format!("connect: {e}");
                        continue;
                    }
                };
                let mut ctx = tarpc::context::current();
                ctx.deadline = std::time::Instant::now() + CALL_DEADLINE;
                match client.import(ctx, batch.to_vec()).await {
                    Ok(Outcome::Imported { refused, .. }) if refused.is_empty() => {
                        done = true;
                        break;
                    }
                    Ok(Outcome::Imported { refused, .. }) => {
                        let (id, why) = &refused[0];
                        return Err(format!(
                            "office {office} refused {} standing meeting(s), the first {id}: {why}",
                            refused.len()
                        ));
                    }
                    Ok(other) => return Err(format!("office {office}: import: {other:?}")),
                    Err(e) => last = e.to_string(),
                }
            }
            if !done {
                return Err(format!(
                    "office {office} did not take its standing calendars: {last}"
                ));
            }
            all.extend_from_slice(batch);
        }
    }
    Ok(all)
}
