//! Log records and snapshots in the two formats a node reads, side by side in one run:
//! JSON (the format before the format byte) and bincode (`node::encoding`, the format
//! written now). The workload is the load benchmark's (`node::bench::workload`): New
//! York's office applies the prepare and the commit (or abort) of every one of 12,000
//! seeded bookings that takes one of its people or rooms; the records are those
//! commands, the snapshot that office's state afterwards. Sizes are printed once.

use criterion::{criterion_group, criterion_main, Criterion};
use engine::ids::{OfficeId, ResourceId, TxnId};
use engine::state::{Command, OfficeState, Outcome};
use node::bench::workload::{bookings, ROOMS_PER_OFFICE};
use node::encoding::{decode, encode};
use std::hint::black_box;

const PEOPLE: usize = 500;

/// New York's office after the workload, and the commands it applied.
fn office_and_records() -> (OfficeState, Vec<Command>) {
    let mut s = OfficeState::new(OfficeId::new("ny"));
    let names = (0..PEOPLE)
        .map(|i| format!("ny-p{i}"))
        .chain((0..ROOMS_PER_OFFICE).map(|i| format!("ny-r{i}")));
    for name in names {
        s.apply(&Command::Register {
            resource: ResourceId::new(name),
        });
    }
    let mut records = Vec::new();
    for (i, b) in bookings(42, 12_000, PEOPLE).iter().enumerate() {
        let m = b.spec();
        if !m.resource_refs().iter().any(|r| s.owns(r)) {
            continue;
        }
        let txn = TxnId::new(format!("ny-{}.0-1.{i}", 1_795_000_000_000 + 3 * i));
        let prepare = Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(m),
            force: false,
        };
        let decide = match s.apply(&prepare) {
            Outcome::Prepared { .. } => Command::Commit { txn },
            _ => Command::Abort { txn },
        };
        s.apply(&decide);
        records.extend([prepare, decide]);
    }
    (s, records)
}

fn bench(c: &mut Criterion) {
    let (state, records) = office_and_records();
    let json: Vec<Vec<u8>> = records
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    let binary: Vec<Vec<u8>> = records.iter().map(|r| encode(r).unwrap()).collect();
    let size = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>();
    let (state_json, state_binary) = (serde_json::to_vec(&state).unwrap(), encode(&state).unwrap());
    eprintln!(
        "encoding: {} records, {} bytes as JSON, {} as binary; snapshot {} bytes as JSON, {} as binary",
        records.len(),
        size(&json),
        size(&binary),
        state_json.len(),
        state_binary.len()
    );
    let mut g = c.benchmark_group("log records");
    g.sample_size(20);
    g.bench_function("encode, JSON", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|r| serde_json::to_vec(r).unwrap().len())
                .sum::<usize>()
        })
    });
    g.bench_function("encode, binary", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|r| encode(r).unwrap().len())
                .sum::<usize>()
        })
    });
    g.bench_function("decode, JSON", |b| {
        b.iter(|| {
            for r in &json {
                black_box(serde_json::from_slice::<Command>(r).unwrap());
            }
        })
    });
    g.bench_function("decode, binary", |b| {
        b.iter(|| {
            for r in &binary {
                black_box(decode::<Command>(r).unwrap());
            }
        })
    });
    g.finish();
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(10);
    g.bench_function("encode, JSON", |b| {
        b.iter(|| serde_json::to_vec(&state).unwrap().len())
    });
    g.bench_function("encode, binary", |b| {
        b.iter(|| encode(&state).unwrap().len())
    });
    g.bench_function("decode, JSON", |b| {
        b.iter(|| black_box(serde_json::from_slice::<OfficeState>(&state_json).unwrap()))
    });
    g.bench_function("decode, binary", |b| {
        b.iter(|| black_box(decode::<OfficeState>(&state_binary).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
