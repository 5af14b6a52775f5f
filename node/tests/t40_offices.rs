//! Office nodes over tarpc on 127.0.0.1, in one process: atomic booking across offices,
//! two organizers racing for one room (exactly one wins), a refused booking leaving
//! nothing anywhere, garbage on the port, a node restarted from its files, and decisions
//! carried with the next prepares.

mod common;

use common::cluster::{busy_count, busy_settles, launch, meeting, spawn_office, start, Cluster};
use engine::ids::OfficeId;
use engine::state::MeetingSpec;
use node::durable::DurableOffice;
use node::rpc::{connect, BookReply};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::storage::FileStorage;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn books_across_three_offices_atomically() {
    let c = start("three").await;
    let ny = connect(c.addrs[&OfficeId::new("ny")]).await.unwrap();
    let m = meeting("x1", "alice", &["dev", "priya"], &["london-thames"], 10);
    let reply = ny
        .book(tarpc::context::current(), m.clone(), false.into())
        .await
        .unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
    for (office, who) in [
        ("ny", "alice"),
        ("london", "dev"),
        ("london", "london-thames"),
        ("bangalore", "priya"),
    ] {
        assert_eq!(busy_count(&c, office, who).await, 1, "{who} at {office}");
    }
    // The same people at an overlapping time: refused, with the conflicts, nothing booked.
    let clash = meeting("x2", "alice", &["dev", "tom"], &[], 10);
    let reply = ny
        .book(tarpc::context::current(), clash, false.into())
        .await
        .unwrap();
    let BookReply::Conflicts { conflicts, .. } = reply else {
        panic!("expected conflicts, got {reply:?}")
    };
    assert!(conflicts.iter().any(|c| c.resource.as_str() == "dev"));
    assert_eq!(
        busy_settles(&c, "sydney", "tom", 0).await,
        0,
        "a refused booking left a hold"
    );
    // Booking through another office than the organizer's is refused by name.
    let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
    let wrong = london
        .book(
            tarpc::context::current(),
            meeting("x3", "alice", &[], &[], 14),
            false.into(),
        )
        .await
        .unwrap();
    assert!(
        matches!(wrong, BookReply::Refused { ref why } if why.contains("ny")),
        "{wrong:?}"
    );
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_organizers_racing_for_one_room_exactly_one_wins() {
    let c = start("race").await;
    let mut total_wins = 0;
    for round in 0..5u32 {
        let ny = connect(c.addrs[&OfficeId::new("ny")]).await.unwrap();
        let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
        let a = meeting(
            &format!("a{round}"),
            "alice",
            &[],
            &["blr-cubbon"],
            2 + 3 * round,
        );
        let b = meeting(
            &format!("b{round}"),
            "dev",
            &[],
            &["blr-cubbon"],
            2 + 3 * round,
        );
        let (ra, rb) = tokio::join!(
            ny.book(tarpc::context::current(), a, false.into()),
            london.book(tarpc::context::current(), b, false.into())
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let wins = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, BookReply::Booked { .. }))
            .count();
        // The room's office orders the two prepares: the first holds it, the second
        // meets the hold and votes no; nothing else is shared, so the first commits.
        assert_eq!(wins, 1, "round {round}: {ra:?} / {rb:?}");
        let loser = if matches!(ra, BookReply::Booked { .. }) {
            rb
        } else {
            ra
        };
        let BookReply::Conflicts { alternatives, .. } = loser else {
            panic!("round {round}: the loser got {loser:?}");
        };
        assert!(
            alternatives.is_some_and(|a| !a.candidates.is_empty()),
            "round {round}: no alternatives"
        );
        total_wins += wins;
        assert_eq!(
            busy_settles(&c, "bangalore", "blr-cubbon", total_wins).await,
            total_wins,
            "round {round}"
        );
    }
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_frames_do_not_take_a_node_down() {
    let c = start("garbage").await;
    let addr = c.addrs[&OfficeId::new("ny")];
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"\x00\x00\x00\x10this is not bincode at all")
        .await
        .unwrap();
    let mut huge = tokio::net::TcpStream::connect(addr).await.unwrap();
    huge.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
    drop((raw, huge));
    let client = connect(addr).await.unwrap();
    let health = client.health(tarpc::context::current()).await.unwrap();
    assert_eq!(health.office, OfficeId::new("ny"));
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_keeps_every_acknowledged_booking() {
    let c = start("restart").await;
    let ny = connect(c.addrs[&OfficeId::new("ny")]).await.unwrap();
    let reply = ny
        .book(
            tarpc::context::current(),
            meeting("r1", "alice", &["dev"], &[], 9),
            false.into(),
        )
        .await
        .unwrap();
    assert!(matches!(reply, BookReply::Booked { .. }));
    // Stop London's node and start it again from its files on a new port.
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let mut tasks = c.tasks;
    let london_index = c.addrs.keys().position(|o| o.as_str() == "london").unwrap();
    tasks[london_index].abort();
    let _ = (&mut tasks[london_index]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut addrs = c.addrs.clone();
    addrs.insert(OfficeId::new("london"), listener.local_addr().unwrap());
    tasks.push(spawn_office(
        &c.root,
        &dir,
        &addrs,
        OfficeId::new("london"),
        listener,
        9,
        c.sinks[&OfficeId::new("london")].clone(),
    ));
    let c2 = Cluster {
        addrs,
        root: c.root.clone(),
        tasks: vec![],
        sinks: c.sinks.clone(),
    };
    assert_eq!(
        busy_count(&c2, "london", "dev").await,
        1,
        "the booking did not survive the restart"
    );
    for t in tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

fn meeting_at(id: &str, organizer: &str, attendees: &[&str], hour: u32) -> MeetingSpec {
    meeting(id, organizer, attendees, &[], hour)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_with_an_orphaned_hold_asks_and_the_coordinator_presumes_abort() {
    let c = start("orphan").await;
    // A prepare from "ny" that New York never made (as if its coordinator crashed before
    // preparing locally): London holds dev's time...
    let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
    let txn = engine::ids::TxnId::new("ny-1-orphan");
    let vote = london
        .prepare_many(
            tarpc::context::current(),
            vec![],
            vec![(txn, meeting_at("o1", "alice", &["dev"], 15), false)],
        )
        .await
        .unwrap()
        .remove(0);
    assert!(
        matches!(vote, engine::state::Outcome::Prepared { .. }),
        "{vote:?}"
    );
    assert_eq!(busy_count(&c, "london", "dev").await, 1);
    // ...then asks New York, which never heard of it: presumed abort, and the hold goes.
    let mut freed = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if busy_count(&c, "london", "dev").await == 0 {
            freed = true;
            break;
        }
    }
    assert!(freed, "the orphaned hold was never resolved");
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_riding_with_prepares_are_applied_before_them() {
    use engine::calendar::BusyStatus;
    use engine::ids::TxnId;
    use engine::state::Outcome;
    let c = start("ride").await;
    let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
    let ctx = tarpc::context::current;
    let (t1, t2) = (TxnId::new("ny-1-ride"), TxnId::new("ny-2-ride"));
    let first = (t1.clone(), meeting_at("r1", "alice", &["dev"], 16), false);
    let votes = london
        .prepare_many(ctx(), vec![], vec![first])
        .await
        .unwrap();
    assert!(matches!(votes[..], [Outcome::Prepared { .. }]), "{votes:?}");
    // The same hour for dev again: only possible because the abort of the first,
    // carried in the same message, is applied before the prepare. One vote comes back.
    let second = (t2.clone(), meeting_at("r2", "alice", &["dev"], 16), false);
    let votes = london
        .prepare_many(ctx(), vec![(t1, false)], vec![second])
        .await
        .unwrap();
    assert!(matches!(votes[..], [Outcome::Prepared { .. }]), "{votes:?}");
    // A commit alone, with no prepares: no votes, and the hold is a booking.
    let votes = london
        .prepare_many(ctx(), vec![(t2, true)], vec![])
        .await
        .unwrap();
    assert!(votes.is_empty(), "{votes:?}");
    let entries = london
        .entries(
            ctx(),
            engine::ids::ResourceId::new("dev"),
            common::cluster::day(),
        )
        .await
        .unwrap()
        .unwrap();
    let seen: Vec<(&str, BusyStatus)> = entries
        .iter()
        .map(|e| (e.meeting.as_str(), e.status))
        .collect();
    assert_eq!(seen, [("r2", BusyStatus::Confirmed)]);
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(c.root);
}

/// New York crashed mid-transaction with its booking of alice and dev prepared at
/// `prepared`, before deciding; restarted, it settles the transaction by fencing it at
/// every office of the meeting. Returns each one's busy count once nothing is undecided.
async fn restart_mid_transaction(name: &str, prepared: &[&str]) -> (usize, usize) {
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let root = std::env::temp_dir().join(format!("dms-offices-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let txn = engine::ids::TxnId::new("ny-2-midway");
    let m = meeting_at("mid", "alice", &["dev"], 16);
    for office in ["ny", "london"] {
        let mut s = DurableOffice::open(
            OfficeId::new(office),
            FileStorage::open(&root.join(office)).unwrap(),
        )
        .unwrap();
        s.register_directory(&dir).unwrap();
        if !prepared.contains(&office) {
            continue;
        }
        let cmd = engine::state::Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(m.clone()),
            force: false,
        };
        assert!(matches!(
            s.submit(&[cmd]).unwrap()[0],
            engine::state::Outcome::Prepared { .. }
        ));
    }
    let c = launch(root.clone()).await;
    let mut settled = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let mut pending = 0;
        for office in ["ny", "london"] {
            let h = c.client(office).await;
            pending += h.health(tarpc::context::current()).await.unwrap().pending;
        }
        if pending == 0 {
            settled = true;
            break;
        }
    }
    assert!(
        settled,
        "the transaction is still undecided after the restart"
    );
    let busy = (
        busy_count(&c, "ny", "alice").await,
        busy_count(&c, "london", "dev").await,
    );
    for t in c.tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(root);
    busy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_restarted_with_every_vote_durable_commits_everywhere() {
    // Every office's yes vote is durable: the booking is committed (parallel commits).
    let busy = restart_mid_transaction("all-prepared", &["ny", "london"]).await;
    assert_eq!(busy, (1, 1), "committed at both offices");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_restarted_before_every_vote_aborts_everywhere() {
    // London never prepared: the fence records an abort there, and the booking aborts.
    let busy = restart_mid_transaction("ny-prepared", &["ny"]).await;
    assert_eq!(busy, (0, 0), "aborted at both offices");
}

/// A weekly booking refused because one of its later instances clashes: the
/// alternatives offered are starts at which every instance works, never the time refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_series_is_offered_only_times_when_every_instance_works() {
    let c = start("series-alts").await;
    let ny = connect(c.addrs[&OfficeId::new("ny")]).await.unwrap();
    // Dev is busy at 10:00 a fortnight after the proposed series starts.
    let later = {
        let mut m = meeting("dev-later", "dev", &[], &[], 10);
        m.recurrence.dtstart = engine::time::Wall(m.recurrence.dtstart.0 + 14 * 86_400);
        m
    };
    let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
    let r = london
        .book(tarpc::context::current(), later, false.into())
        .await
        .unwrap();
    assert!(matches!(r, BookReply::Booked { .. }), "{r:?}");
    let mut weekly = meeting("weekly", "alice", &["dev"], &[], 10);
    weekly
        .recurrence
        .rrules
        .push(engine::recurrence::Rule::parse("FREQ=WEEKLY;COUNT=4").unwrap());
    let refused_start = weekly.recurrence.start();
    let reply = ny
        .book(tarpc::context::current(), weekly.clone(), false.into())
        .await
        .unwrap();
    let BookReply::Conflicts { alternatives, .. } = reply else {
        panic!("expected conflicts, got {reply:?}")
    };
    let alternatives = alternatives.expect("alternatives");
    assert!(!alternatives.candidates.is_empty(), "{alternatives:?}");
    for alt in &alternatives.candidates {
        assert_ne!(alt.start, refused_start, "the refused time offered again");
        let fit = alt
            .instances
            .as_ref()
            .expect("checked instance by instance");
        assert_eq!(fit.ok, fit.total, "{alt:?}");
    }
}

/// A refused edit of a booked series is offered times near what it tried to move: for
/// this and the following instances, series starts near the first that clashed (not the
/// series' first week); for one instance moved on its own, single times near it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_edit_is_offered_times_near_what_it_moved() {
    use engine::state::{EditScope, Retime};
    use engine::time::Instant;
    let c = start("edit-alts").await;
    let ny = connect(c.addrs[&OfficeId::new("ny")]).await.unwrap();
    let london = connect(c.addrs[&OfficeId::new("london")]).await.unwrap();
    let week = 7 * 86_400;
    let mut weekly = meeting("weekly", "alice", &["dev"], &[], 10);
    weekly
        .recurrence
        .rrules
        .push(engine::recurrence::Rule::parse("FREQ=WEEKLY;COUNT=8").unwrap());
    let first = weekly.recurrence.start();
    let r = ny
        .book(tarpc::context::current(), weekly.clone(), false.into())
        .await
        .unwrap();
    assert!(matches!(r, BookReply::Booked { .. }), "{r:?}");
    // Dev is busy at 11:00 in the series' fifth week.
    let mut busy = meeting("dev-11", "dev", &[], &[], 11);
    busy.recurrence.dtstart = engine::time::Wall(busy.recurrence.dtstart.0 + 4 * week);
    let r = london
        .book(tarpc::context::current(), busy, false.into())
        .await
        .unwrap();
    assert!(matches!(r, BookReply::Booked { .. }), "{r:?}");
    let booked = ny
        .meeting(tarpc::context::current(), weekly.id.clone())
        .await
        .unwrap()
        .expect("booked");
    let alternatives_of = |edit: MeetingSpec| {
        let ny = ny.clone();
        async move {
            let reply = ny
                .update(tarpc::context::current(), edit, false.into())
                .await
                .unwrap();
            let BookReply::Conflicts { alternatives, .. } = reply else {
                panic!("expected conflicts, got {reply:?}")
            };
            alternatives.expect("alternatives").candidates
        }
    };
    let moved_from = |at: i64| Retime {
        start: Some(Instant(at + 3600)),
        duration_secs: None,
    };
    // The fourth week and after, an hour later: the fifth clashes.
    let fourth = Instant(first.0 + 3 * week);
    let following = booked
        .retimed(
            EditScope::ThisAndFollowing(fourth),
            moved_from(fourth.0),
            Instant(0),
        )
        .unwrap();
    let alts = alternatives_of(following).await;
    assert!(!alts.is_empty());
    for a in &alts {
        assert!(
            a.start.0 >= first.0 + 4 * week - 86_400,
            "near the fifth week: {a:?}"
        );
        assert!(a.instances.is_some(), "a series start: {a:?}");
    }
    // The fifth week's instance alone, an hour later: single times near it.
    let fifth = Instant(first.0 + 4 * week);
    let one = booked
        .retimed(EditScope::Instance(fifth), moved_from(fifth.0), Instant(0))
        .unwrap();
    let alts = alternatives_of(one).await;
    assert!(!alts.is_empty());
    for a in &alts {
        assert!(a.start.0 >= fifth.0 - 86_400, "near the fifth week: {a:?}");
        assert!(a.instances.is_none(), "one time, not a series: {a:?}");
    }
}
