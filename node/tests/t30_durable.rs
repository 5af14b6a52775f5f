//! Crash recovery of an office: whatever the crash point (before or after a batch's sync,
//! with a torn write, after snapshots), the recovered state is exactly the state of the
//! acknowledged commands, and every acknowledged booking is still there.

use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::recurrence::RecurrenceSet;
use engine::state::{Attendee, Command, MeetingSpec, OfficeState, Response};
use engine::time::{Wall, Zone};
use node::durable::DurableOffice;
use node::storage::{MemoryStorage, Storage};
use proptest::prelude::*;

const PEOPLE: [&str; 3] = ["alice", "bob", "carmen"];

fn meeting(k: usize, who: &[usize], hour: u32) -> MeetingSpec {
    MeetingSpec {
        id: MeetingId::new(format!("m{k}")),
        organizer: ResourceId::new(PEOPLE[who[0]]),
        title: format!("m{k}"),
        attendees: who[1..]
            .iter()
            .map(|&i| Attendee {
                resource: ResourceId::new(PEOPLE[i]),
                required: true,
                response: Response::NeedsAction,
            })
            .collect(),
        rooms: vec![],
        duration_secs: 3600,
        recurrence: RecurrenceSet::single(Wall::from_ymd_hms(2026, 12, 8, hour, 0, 0), Zone::Utc),
        cancelled: Default::default(),
        expansion: Default::default(),
        uid: None,
        sequence: 0,
        overrides: Default::default(),
        reminder_minutes: None,
    }
}

fn commands(k: usize, who: &[usize], hour: u32, commit: bool) -> Vec<Command> {
    let txn = TxnId::new(format!("t{k}"));
    let decide = if commit {
        Command::Commit { txn: txn.clone() }
    } else {
        Command::Abort { txn: txn.clone() }
    };
    vec![
        Command::Prepare {
            txn,
            meeting: Box::new(meeting(k, who, hour)),
            force: false,
        },
        decide,
    ]
}

fn fresh() -> DurableOffice<MemoryStorage> {
    let mut o = DurableOffice::open(OfficeId::new("ny"), MemoryStorage::new()).unwrap();
    let register: Vec<Command> = PEOPLE
        .iter()
        .map(|p| Command::Register {
            resource: ResourceId::new(*p),
        })
        .collect();
    o.submit(&register).unwrap();
    o
}

fn json(s: &OfficeState) -> String {
    serde_json::to_string(s).unwrap()
}

#[derive(Clone, Debug)]
enum Step {
    Batch {
        who: Vec<usize>,
        hour: u32,
        commit: bool,
    },
    CrashBeforeSync {
        who: Vec<usize>,
        hour: u32,
        torn: usize,
    },
    Snapshot,
}

fn arb_step() -> impl Strategy<Value = Step> {
    let who = proptest::sample::subsequence(vec![0usize, 1, 2], 1..3);
    prop_oneof![
        4 => (who.clone(), 8u32..12, any::<bool>()).prop_map(|(who, hour, commit)| Step::Batch { who, hour, commit }),
        2 => (who, 8u32..12, 0usize..400).prop_map(|(who, hour, torn)| Step::CrashBeforeSync { who, hour, torn }),
        1 => Just(Step::Snapshot),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn recovery_rebuilds_exactly_the_acknowledged_state(steps in proptest::collection::vec(arb_step(), 1..25)) {
        let mut office = fresh();
        // The model: the same commands applied to a plain state, only when acknowledged.
        let mut model = office.state().clone();
        for (k, step) in steps.into_iter().enumerate() {
            match step {
                Step::Batch { who, hour, commit } => {
                    let cmds = commands(k, &who, hour, commit);
                    let got = office.submit(&cmds).unwrap();
                    let want: Vec<_> = cmds.iter().map(|c| model.apply(c)).collect();
                    prop_assert_eq!(got, want);
                }
                Step::CrashBeforeSync { who, hour, torn } => {
                    // Appended, never synced, never acknowledged: then the process dies,
                    // possibly in the middle of writing them.
                    let before = office.applied();
                    let cmds = commands(k, &who, hour, true);
                    let mut storage = office.into_storage();
                    for c in &cmds {
                        storage.append(&serde_json::to_vec(c).unwrap()).unwrap();
                    }
                    storage.crash(torn);
                    office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
                    // Whole records that reached the disk are replayed: the command took
                    // effect though no one heard (an ambiguous outcome, as with a timeout).
                    // Torn ones are cut. The model applies exactly the survivors.
                    let survived = (office.applied() - before) as usize;
                    prop_assert!(survived <= cmds.len());
                    for c in &cmds[..survived] {
                        model.apply(c);
                    }
                }
                Step::Snapshot => office.snapshot().unwrap(),
            }
            // Crash and recover after every step; the state is the model's.
            let mut storage = office.into_storage();
            storage.crash(0);
            office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
            prop_assert!(office.state().check(&[]).is_ok());
            prop_assert_eq!(json(office.state()), json(&model));
        }
    }
}

#[test]
fn an_acknowledged_booking_survives_crashes_and_snapshots() {
    let mut office = fresh();
    office.submit(&commands(1, &[0, 1], 9, true)).unwrap();
    office.snapshot().unwrap();
    office.submit(&commands(2, &[2], 10, true)).unwrap();
    let mut storage = office.into_storage();
    storage.crash(7);
    let office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    for m in ["m1", "m2"] {
        assert!(
            office.state().meeting(&MeetingId::new(m)).is_some(),
            "{m} lost"
        );
    }
    assert_eq!(office.state().calendars()[&ResourceId::new("bob")].len(), 1);
}

#[test]
fn lazy_commands_are_lost_in_a_crash_until_a_later_sync_carries_them() {
    let mut office = fresh();
    let cmds = commands(1, &[0], 9, true);
    office.submit(&cmds[..1]).unwrap();
    // The commit is logged lazily: applied at once, not durable.
    office.submit_with(&cmds[1..], false).unwrap();
    assert!(office.state().meeting(&MeetingId::new("m1")).is_some());
    let mut storage = office.into_storage();
    storage.crash(0);
    let mut office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    assert!(office.state().meeting(&MeetingId::new("m1")).is_none());
    assert_eq!(
        office.state().pending_txns().count(),
        1,
        "the hold is still there"
    );
    // Lazily again, then a synced batch: both durable.
    office.submit_with(&cmds[1..], false).unwrap();
    office.submit(&commands(2, &[1], 10, true)).unwrap();
    let mut storage = office.into_storage();
    storage.crash(0);
    let office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    for m in ["m1", "m2"] {
        assert!(
            office.state().meeting(&MeetingId::new(m)).is_some(),
            "{m} lost"
        );
    }
}

#[test]
fn the_log_is_snapshotted_and_truncated_as_it_grows() {
    let mut office = fresh();
    office.set_snapshot_every(10);
    for k in 0..30 {
        office
            .submit(&commands(k, &[k % 3], 8 + (k / 3) as u32 % 12, true))
            .unwrap();
    }
    let want = json(office.state());
    let storage = office.into_storage();
    let (lsn, _) = storage
        .load_snapshot()
        .unwrap()
        .expect("a snapshot was taken");
    assert!(lsn >= 50, "snapshot at {lsn}");
    assert!(
        storage.read_from(0).unwrap().len() < 20,
        "the log was truncated"
    );
    let office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    assert_eq!(json(office.state()), want);
}

/// A log written before the format byte (every record JSON) still opens, and records
/// logged after it (binary) replay with it: the two formats mix in one log.
#[test]
fn a_json_log_from_before_the_format_byte_opens_and_grows_in_binary() {
    let mut storage = MemoryStorage::new();
    let old: Vec<Command> = (PEOPLE.iter())
        .map(|p| Command::Register {
            resource: ResourceId::new(*p),
        })
        .chain(commands(0, &[0, 1], 9, true))
        .collect();
    for cmd in &old {
        storage.append(&serde_json::to_vec(cmd).unwrap()).unwrap();
    }
    storage.sync().unwrap();
    let mut office = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    assert!(office.state().meeting(&MeetingId::new("m0")).is_some());
    office.submit(&commands(1, &[1, 2], 10, true)).unwrap();
    let want = json(office.state());
    let storage = office.into_storage();
    let first_byte = |lsn: usize| storage.read_from(1).unwrap()[lsn].1[0];
    assert_eq!(
        (first_byte(0), first_byte(5)),
        (b'{', node::encoding::FORMAT_BINARY_V3)
    );
    let reopened = DurableOffice::open(OfficeId::new("ny"), storage).unwrap();
    assert_eq!(json(reopened.state()), want);
}
