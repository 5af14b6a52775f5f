//! Helpers shared by the node's integration tests.
#![allow(dead_code)]

pub mod cluster;
pub mod procs;

use engine::state::MeetingSpec;
use engine::time::{Wall, Zone};

/// A one-hour single meeting at `start` (UTC) with required attendees and rooms.
pub fn meeting(
    id: &str,
    organizer: &str,
    attendees: &[&str],
    rooms: &[&str],
    start: Wall,
) -> MeetingSpec {
    MeetingSpec::single(id, organizer, attendees, rooms, start, Zone::Utc, 3600)
}

/// `read()` once it equals `want`, or its last value after 5 s: decisions reach the
/// other offices just after the organizer's answer, so their calendars settle shortly.
pub async fn settles<F, Fut>(want: usize, read: F) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut got = read().await;
    for _ in 0..100 {
        if got == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        got = read().await;
    }
    got
}
