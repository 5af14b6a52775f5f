//! Helpers shared by the node's integration tests.
#![allow(dead_code)]

pub mod cluster;
pub mod http;
pub mod lone;
pub mod procs;

use engine::ids::ResourceId;
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
    settles_within(want, 5, read).await
}

/// [`settles`], waiting up to `secs` seconds.
pub async fn settles_within<F, Fut>(want: usize, secs: u64, read: F) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut got = read().await;
    for _ in 0..secs * 20 {
        if got == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        got = read().await;
    }
    got
}

/// How many busy periods `who` has in `window`, asked of `client` (their office's node).
pub async fn busy_periods(
    client: &node::rpc::OfficeRpcClient,
    who: &str,
    window: engine::calendar::Interval,
) -> usize {
    let reply = client
        .free_busy(
            tarpc::context::current(),
            vec![ResourceId::new(who)],
            window,
            None,
        )
        .await
        .unwrap()
        .unwrap();
    match reply {
        node::rpc::FreeBusyReply::Fresh { answer, .. } => answer[0].busy.len(),
        other => panic!("{other:?}"),
    }
}

/// A notification to Dev about meeting m1 ("Planning"), under `key`.
pub fn notice(key: &str, kind: engine::state::NoticeKind) -> engine::state::Notification {
    engine::state::Notification {
        key: key.into(),
        to: ResourceId::new("dev"),
        meeting: engine::ids::MeetingId::new("m1"),
        title: "Planning".into(),
        start: engine::time::Instant(1_800_000_000),
        kind,
    }
}
