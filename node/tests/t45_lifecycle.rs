//! A meeting's life across in-process office nodes: booked across three offices (each
//! invitee notified once, by their own office), answered (the organizer's office sees it
//! and tells the organizer), changed (a person taken off loses it and is told), cancelled
//! (every office applies it once, through the outbox), suggestions from cached free/busy
//! (hits, then revalidation by version after a change), and concurrent bookings sharing
//! log syncs.

mod common;

use common::cluster::{busy_count, meeting, start, Cluster};
use engine::calendar::Interval;
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::state::{CancelScope, NoticeKind, Outcome, Response};
use engine::suggest::SuggestRequest;
use node::rpc::{BookReply, Health};
use std::time::Duration;

/// Waits until `done` holds (the outbox works in the background), up to 10 s.
async fn eventually<F, Fut>(what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

fn notices(c: &Cluster, office: &str) -> Vec<(String, NoticeKind)> {
    c.sinks[&OfficeId::new(office)]
        .sent()
        .into_iter()
        .map(|n| (n.to.to_string(), n.kind))
        .collect()
}

async fn health(c: &Cluster, office: &str) -> Health {
    let client = c.client(office).await;
    client.health(tarpc::context::current()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_is_booked_answered_changed_and_cancelled_everywhere_once() {
    let c = start("life").await;
    let ctx = tarpc::context::current;
    let ny = c.client("ny").await;
    let m = meeting("life1", "alice", &["dev", "priya", "tom"], &[], 10);
    let reply = ny.book(ctx(), m.clone(), false.into()).await.unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    eventually("invitations", || async {
        notices(&c, "london").len() == 1 && notices(&c, "bangalore").len() == 1
    })
    .await;
    assert_eq!(
        notices(&c, "london"),
        vec![("dev".into(), NoticeKind::Invited)]
    );
    assert!(notices(&c, "ny").is_empty(), "the organizer is not invited");

    // priya declines at her office; New York's copy and alice hear of it.
    let blr = c.client("bangalore").await;
    let id = MeetingId::new("life1");
    let priya = ResourceId::new("priya");
    let out = blr
        .respond(ctx(), id.clone(), priya.clone(), Response::Declined)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Responded { .. }), "{out:?}");
    assert_eq!(busy_count(&c, "bangalore", "priya").await, 0);
    eventually("the answer reaches New York", || async {
        let copy = ny.meeting(ctx(), id.clone()).await.unwrap().unwrap();
        copy.response_of(&priya) == Response::Declined
    })
    .await;
    eventually("alice is told", || async { !notices(&c, "ny").is_empty() }).await;
    assert_eq!(
        notices(&c, "ny"),
        vec![(
            "alice".into(),
            NoticeKind::Responded {
                attendee: priya.clone(),
                response: Response::Declined
            }
        )]
    );
    // Answering for someone of another office is refused by name.
    let wrong = ny
        .respond(
            ctx(),
            id.clone(),
            ResourceId::new("dev"),
            Response::Accepted,
        )
        .await
        .unwrap();
    assert!(matches!(wrong, Outcome::Rejected(_)), "{wrong:?}");

    // alice takes tom (Sydney) off and moves the meeting: Sydney drops it and tells tom.
    let mut changed = ny.meeting(ctx(), id.clone()).await.unwrap().unwrap();
    changed.attendees.retain(|a| a.resource.as_str() != "tom");
    changed.duration_secs = 1800;
    let reply = ny.update(ctx(), changed, false.into()).await.unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    // The other offices hear the decision just after the answer.
    eventually("tom is off it, dev has the new version only", || async {
        busy_count(&c, "sydney", "tom").await == 0 && busy_count(&c, "london", "dev").await == 1
    })
    .await;
    eventually("tom and dev are told", || async {
        notices(&c, "sydney").len() == 2 && notices(&c, "london").len() == 2
    })
    .await;
    assert_eq!(
        notices(&c, "sydney")[1],
        ("tom".into(), NoticeKind::Cancelled(CancelScope::Series))
    );
    assert_eq!(
        notices(&c, "london")[1],
        ("dev".into(), NoticeKind::Changed)
    );
    // A second booking with the same id is refused; updating an unknown one too.
    let again = ny.book(ctx(), m.clone(), false.into()).await.unwrap();
    assert!(matches!(again, BookReply::Refused { .. }), "{again:?}");

    // Cancelling through a participant's office is refused; through the organizer's, it
    // reaches every office, once.
    let london = c.client("london").await;
    let wrong = london
        .cancel(ctx(), id.clone(), CancelScope::Series)
        .await
        .unwrap();
    assert!(matches!(wrong, Outcome::Rejected(_)), "{wrong:?}");
    let out = ny
        .cancel(ctx(), id.clone(), CancelScope::Series)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Cancelled { .. }), "{out:?}");
    eventually("every office drops it", || async {
        busy_count(&c, "london", "dev").await == 0
            && london.meeting(ctx(), id.clone()).await.unwrap().is_none()
            && blr.meeting(ctx(), id.clone()).await.unwrap().is_none()
    })
    .await;
    eventually("outboxes drain", || async {
        let mut empty = true;
        for o in ["ny", "london", "bangalore", "sydney"] {
            empty &= health(&c, o).await.outbox == 0;
        }
        empty
    })
    .await;
    assert_eq!(
        notices(&c, "london"),
        vec![
            ("dev".into(), NoticeKind::Invited),
            ("dev".into(), NoticeKind::Changed),
            ("dev".into(), NoticeKind::Cancelled(CancelScope::Series)),
        ]
    );
    for office in ["ny", "london", "bangalore", "sydney"] {
        let keys: Vec<String> = c.sinks[&OfficeId::new(office)]
            .sent()
            .into_iter()
            .map(|n| n.key)
            .collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            keys.len(),
            unique.len(),
            "{office} notified twice: {keys:?}"
        );
    }
    // New York delivered the cancellation to London and Bangalore; Bangalore the answer
    // to New York, London and Sydney (tom was still invited then).
    assert_eq!(health(&c, "ny").await.metrics.delivered, 2);
    assert_eq!(health(&c, "bangalore").await.metrics.delivered, 3);
    c.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_use_cached_free_busy_revalidated_by_version() {
    let c = start("cache").await;
    let ctx = tarpc::context::current;
    let ny = c.client("ny").await;
    let day = Interval::new(
        meeting("x", "alice", &[], &[], 0).recurrence.start(),
        meeting("x", "alice", &[], &[], 23).recurrence.start(),
    );
    let req = SuggestRequest::new(
        ["alice", "dev"]
            .iter()
            .map(|r| ResourceId::new(*r))
            .collect(),
        3600,
        day,
    );
    let first = ny.suggest(ctx(), req.clone()).await.unwrap().unwrap();
    let again = ny.suggest(ctx(), req.clone()).await.unwrap().unwrap();
    assert_eq!(first, again);
    let m = health(&c, "ny").await.metrics;
    assert_eq!((m.cache_misses, m.cache_hits), (1, 1), "{m:?}");
    // dev gets busy at the first suggested time, booked by London's own organizer.
    let best = first.candidates[0].start;
    let mut block = meeting("block", "dev", &[], &[], 0);
    block.recurrence = engine::recurrence::RecurrenceSet::single(
        engine::time::Zone::Utc.to_wall(best),
        engine::time::Zone::Utc,
    );
    let london = c.client("london").await;
    let reply = london.book(ctx(), block, false.into()).await.unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    // After the trust period the cache asks again with its version: changed, so fetched.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let after = ny.suggest(ctx(), req.clone()).await.unwrap().unwrap();
    assert_ne!(after.candidates[0].start, best, "stale free/busy used");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    ny.suggest(ctx(), req).await.unwrap().unwrap();
    let m = health(&c, "ny").await.metrics;
    assert_eq!(m.cache_misses, 2, "{m:?}");
    assert_eq!(
        m.cache_revalidated, 1,
        "unchanged: revalidated, not fetched: {m:?}"
    );
    c.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_bookings_share_log_syncs() {
    let c = start("group").await;
    let ny = c.client("ny").await;
    let people = ["alice", "bob", "carmen"];
    let before = health(&c, "ny").await.metrics;
    let calls = (0..40u32).map(|i| {
        let ny = ny.clone();
        let who = people[(i % 3) as usize];
        let m = meeting(&format!("g{i}"), who, &[], &[], i / 3);
        async move {
            ny.book(tarpc::context::current(), m, false.into())
                .await
                .unwrap()
        }
    });
    let replies = futures::future::join_all(calls).await;
    let booked = replies
        .iter()
        .filter(|r| matches!(r, BookReply::Booked { .. }))
        .count();
    assert_eq!(booked, 40, "{replies:?}");
    let m = health(&c, "ny").await.metrics;
    let (cmds, syncs) = (m.commands - before.commands, m.syncs - before.syncs);
    assert_eq!(cmds, 80, "prepare and commit per booking");
    assert!(syncs < 40, "{syncs} syncs for {cmds} commands: no grouping");
    c.stop();
}
