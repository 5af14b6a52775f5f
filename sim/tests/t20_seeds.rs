//! Seeded runs with every fault kind, each checked by every checker (linearizability,
//! safety invariants, notifications exactly once, liveness); a seed run twice gives the
//! same trace. `SIM_SEEDS=N` runs N seeds (default 20); a failure prints the command
//! that replays it; the totals are printed and written to `reports/out/sim.md`.
#![cfg(madsim)]

use sim::run::run;
use sim::summary::Summary;

fn seeds() -> u64 {
    std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

#[test]
fn every_seed_passes_every_checker() {
    let mut total = Summary::default();
    let started = std::time::Instant::now();
    for seed in 0..seeds() {
        let r = run(seed, None);
        assert!(
            r.violations.is_empty(),
            "seed {seed}: {:#?}\nreplay (from the project root): RUSTFLAGS=\"--cfg madsim\" SIM_SEED={seed} cargo test --manifest-path sim/Cargo.toml --target-dir target/sim --test t20_seeds replay -- --nocapture",
            r.violations
        );
        total.add(&r);
    }
    let report = total.markdown(started.elapsed().as_secs_f64());
    println!("{report}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/out");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(out.join("sim.md"), &report);
    }
    if seeds() >= 20 {
        assert_eq!(
            total.missing_faults(),
            Vec::<&str>::new(),
            "fault kinds never injected"
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    for seed in [1, 7] {
        let (a, b) = (run(seed, None), run(seed, None));
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
    let r = run(seed, None);
    println!("{}", r.trace);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
}
