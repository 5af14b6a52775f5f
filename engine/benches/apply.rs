//! One office's state machine under the load benchmark's workload (`dms bench`): 12,000
//! seeded bookings of an organizer and one to three attendees from any of three offices,
//! a room half the time, 30 or 60 minutes on half-hour slots in eight weeks. The office
//! under test applies what its node would log: the prepare of every booking that takes
//! one of its 520 people and rooms, then the commit (or the abort, on a conflict), and
//! every 20 bookings a `Done` for the notifications waiting. One iteration is the whole
//! workload on a fresh office; divide by the commands applied for the cost of one.

use criterion::{criterion_group, criterion_main, Criterion};
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::state::{Command, MeetingSpec, OfficeState, Outcome};
use engine::time::{Instant, Zone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;

const OFFICES: [&str; 3] = ["bangalore", "london", "ny"];
const PEOPLE: usize = 500;
const ROOMS: usize = 20;
const BOOKINGS: usize = 12_000;
/// Monday 2027-01-04 00:00 UTC, and eight weeks of half-hour slots.
const WINDOW_START: i64 = 1_799_020_800;
const SLOTS: i64 = 8 * 7 * 48;

fn bookings() -> Vec<MeetingSpec> {
    let mut rng = StdRng::seed_from_u64(42);
    let person = |rng: &mut StdRng| {
        let o = OFFICES[rng.random_range(0..OFFICES.len())];
        format!("{o}-p{}", rng.random_range(0..PEOPLE))
    };
    (0..BOOKINGS)
        .map(|i| {
            let organizer = person(&mut rng);
            let k = rng.random_range(1..=3);
            let mut attendees: Vec<String> = (0..k).map(|_| person(&mut rng)).collect();
            attendees.retain(|a| *a != organizer);
            attendees.sort();
            attendees.dedup();
            let room = rng.random_bool(0.5).then(|| {
                let o = OFFICES[rng.random_range(0..OFFICES.len())];
                format!("{o}-r{}", rng.random_range(0..ROOMS))
            });
            let start = WINDOW_START + rng.random_range(0..SLOTS) * 1800;
            let secs = if rng.random_bool(0.5) { 1800 } else { 3600 };
            let att: Vec<&str> = attendees.iter().map(String::as_str).collect();
            let rooms: Vec<&str> = room.iter().map(String::as_str).collect();
            MeetingSpec::single(
                &format!("b{i}"),
                &organizer,
                &att,
                &rooms,
                Zone::Utc.to_wall(Instant(start)),
                Zone::Utc,
                secs,
            )
        })
        .collect()
}

fn office() -> OfficeState {
    let mut s = OfficeState::new(OfficeId::new("ny"));
    let names = (0..PEOPLE)
        .map(|i| format!("ny-p{i}"))
        .chain((0..ROOMS).map(|i| format!("ny-r{i}")));
    for name in names {
        s.apply(&Command::Register {
            resource: ResourceId::new(name),
        });
    }
    s
}

/// Runs the workload on `s`; returns how many commands were applied.
fn run(s: &mut OfficeState, work: &[MeetingSpec]) -> usize {
    let mut applied = 0;
    for (i, m) in work.iter().enumerate() {
        if !m.resource_refs().iter().any(|r| s.owns(r)) {
            continue;
        }
        // Shaped like the node's: office, hybrid logical clock, counter.
        let txn = TxnId::new(format!("ny-{}.0-{i}", 1_795_000_000_000 + 3 * i));
        let prepared = s.apply(&Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(m.clone()),
            force: false,
        });
        let decide = if matches!(prepared, Outcome::Prepared { .. }) {
            Command::Commit { txn }
        } else {
            Command::Abort { txn }
        };
        black_box(s.apply(&decide));
        applied += 2;
        if i % 20 == 0 {
            let seqs: Vec<u64> = s.outbox().map(|(seq, _)| seq).collect();
            s.apply(&Command::Done { seqs });
            applied += 1;
        }
    }
    applied
}

fn bench(c: &mut Criterion) {
    let work = bookings();
    let applied = run(&mut office(), &work);
    eprintln!("apply: {applied} commands per iteration");
    let mut g = c.benchmark_group("apply");
    g.sample_size(10);
    g.bench_function("office ny, 12000 bookings", |b| {
        b.iter_batched(
            office,
            |mut s| {
                run(&mut s, &work);
                s // dropped outside the timing
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
