//! The test faults a cluster run injects into real nodes (`node::testfaults`): on a
//! `dms-node` process, a log write asked to fail fails the next booking, the node stops
//! taking changes and exits saying why, and after a restart what was booked before is
//! there and nothing is failed again; in this process, the file's skew reaches the clock
//! and failures are armed only as the count grows after the first reading.

mod common;

use common::lone::Lone;
use engine::state::MeetingSpec;
use engine::time::{Wall, Zone};
use node::testfaults::{self, Injected};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn meeting(id: &str, hour: u32) -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 5, 4, hour, 0, 0);
    let z = Zone::parse("Europe/London").unwrap();
    MeetingSpec::single(id, "dev", &["emma"], &[], start, z, 1800)
}

#[test]
fn a_failed_log_write_stops_the_node_and_loses_nothing_stored() {
    let mut node = Lone::new("t87", 7802, "");
    let faults = node.root.join("faults.json");
    testfaults::write(&faults, &Injected::default()).unwrap();
    node.env = vec![(testfaults::ENV.into(), faults.display().to_string())];
    node.start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    node.book_meeting(&rt, meeting("kept", 9));
    // The node has read the file (it reads it every 50 ms); one write fails now.
    std::thread::sleep(Duration::from_millis(300));
    let failures = Injected {
        skew_ms: 0,
        log_failures: 1,
    };
    testfaults::write(&faults, &failures).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let reply = rt.block_on(async {
        let c = node.client().await;
        c.book(tarpc::context::current(), meeting("lost", 11), false.into())
            .await
    });
    assert!(
        !matches!(reply, Ok(node::rpc::BookReply::Booked { .. })),
        "{reply:?}"
    );
    // The node exits, saying why.
    let log = node.root.join("london.log");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("the log write failed (a test fault)")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the node never said why it stopped"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Restarted: the booking from before is there, and the same file fails nothing.
    node.start();
    rt.block_on(async {
        let c = node.client().await;
        let kept = c
            .meeting(
                tarpc::context::current(),
                engine::ids::MeetingId::new("kept"),
            )
            .await
            .unwrap();
        assert!(kept.is_some());
    });
    node.book_meeting(&rt, meeting("after", 13));
}

#[test]
fn the_file_moves_the_clock_and_arms_failures_as_its_count_grows() {
    let dir = std::env::temp_dir().join(format!("dms-t87-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("faults.json");
    // A count already in the file at the first reading was meant for an earlier process.
    let mut f = Injected {
        skew_ms: 5_000,
        log_failures: 3,
    };
    testfaults::write(&file, &f).unwrap();
    let skew = Arc::new(AtomicI64::new(0));
    testfaults::watch(file.clone(), skew.clone(), 100);
    let wait_for = |what: &str, ok: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !ok() {
            assert!(std::time::Instant::now() < deadline, "never: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for("the skew", &|| skew.load(Ordering::SeqCst) == 5_100);
    std::thread::sleep(testfaults::POLL * 3);
    assert!(!testfaults::take_log_failure(), "nothing armed at first");
    f.log_failures = 5;
    f.skew_ms = -2_000;
    testfaults::write(&file, &f).unwrap();
    wait_for("the new skew", &|| skew.load(Ordering::SeqCst) == -1_900);
    std::thread::sleep(testfaults::POLL * 3);
    assert!(testfaults::take_log_failure());
    assert!(testfaults::take_log_failure());
    assert!(!testfaults::take_log_failure(), "two more asked, two armed");
    let _ = std::fs::remove_dir_all(&dir);
}
