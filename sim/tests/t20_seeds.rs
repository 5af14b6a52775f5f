//! Seeded runs with network partitions and crashes (disks losing unsynced writes), every
//! one checked (atomicity, durability of
//! acknowledged bookings, nothing left undecided); a seed run twice gives the same trace.
//! `SIM_SEEDS=N` runs N seeds (default 20); a failure prints the command that replays it.
#![cfg(madsim)]

use sim::run::run;

fn seeds() -> u64 {
    std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

#[test]
fn every_seed_keeps_bookings_atomic_and_durable() {
    let (mut ops, mut partitions, mut crashes, mut simulated) = (0, 0, 0, 0.0);
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    let started = std::time::Instant::now();
    for seed in 0..seeds() {
        let r = run(seed);
        assert!(
            r.violations.is_empty(),
            "seed {seed}: {:#?}\nreplay (from the project root): RUSTFLAGS=\"--cfg madsim\" SIM_SEED={seed} cargo test --manifest-path sim/Cargo.toml --target-dir target/sim --test t20_seeds replay -- --nocapture",
            r.violations
        );
        ops += r.calls.len();
        for (_, s) in &r.calls {
            *seen.entry(format!("{s:?}").to_lowercase()).or_default() += 1;
        }
        partitions += r.partitions;
        crashes += r.crashes;
        simulated += r.simulated_secs;
    }
    println!(
        "{} seeds, {ops} operations checked ({seen:?}), {partitions} partitions, {crashes} crashes, {simulated:.0} simulated s in {:.1} wall s",
        seeds(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    for seed in [1, 7] {
        let (a, b) = (run(seed), run(seed));
        assert_eq!(a.trace, b.trace, "seed {seed} is not deterministic");
        assert_eq!(a.trace_hash(), b.trace_hash());
    }
}

/// `SIM_SEED=N`: one seed, its trace printed.
#[test]
fn replay() {
    let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) else {
        return;
    };
    let r = run(seed);
    println!("{}", r.trace);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
}
