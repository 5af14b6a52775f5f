//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use engine::time::{Disambiguation, Instant, Wall, Zone};
use std::path::PathBuf;

/// A zone by name.
pub fn zone(name: &str) -> Zone {
    Zone::parse(name).unwrap()
}

/// The instant a wall clock in `z` reads the given time.
pub fn at(z: Zone, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
    z.to_instant(
        Wall::from_ymd_hms(y, mo, d, h, mi, 0),
        Disambiguation::Compatible,
    )
    .unwrap()
}

/// Compares `actual` with the golden file `tests/golden/NAME`; with `UPDATE_GOLDEN=1`
/// rewrites the file instead (then review the diff).
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(10)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the golden file ({} vs {} lines):\n{}",
            name,
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}
