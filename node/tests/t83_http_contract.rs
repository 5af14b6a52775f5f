//! The API keeps its written contract: schemathesis (PyPI; property-based requests
//! generated from the OpenAPI document the node serves, its examples, coverage,
//! fuzzing and stateful phases, every check on) against a 4-office `dms cluster up`,
//! with a London key of every scope. `scripts/test` installs schemathesis in
//! `target/py`; under `CI=true` the test fails if it is missing, elsewhere it says so
//! and skips. The settings (and the one status it adds, 422) are in
//! `tests/schemathesis.toml`.

mod common;

use common::http::{new_key, up};
use std::path::PathBuf;
use std::process::Command;

fn schemathesis() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/py/bin/schemathesis");
    let path = std::env::var_os("DMS_SCHEMATHESIS").map_or(venv, PathBuf::from);
    path.exists().then_some(path)
}

#[test]
fn schemathesis_finds_nothing_against_the_openapi_document() {
    let Some(tool) = schemathesis() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "schemathesis is not installed in target/py (scripts/test installs it)"
        );
        eprintln!("skipped: schemathesis is not installed (scripts/test installs it in target/py)");
        return;
    };
    let cluster = up("t83", 7761);
    let key = new_key(
        &cluster.0.join("api-keys.json"),
        "london",
        "freebusy,book,override,admin",
    );
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    let work = cluster.0.join("schemathesis");
    std::fs::create_dir_all(&work).unwrap();
    // Below the key's rate limit (20/s), so that 429s stay rare; bounded in time.
    let out = Command::new("timeout")
        .arg("900")
        .arg(tool)
        .arg("--config-file")
        .arg(&config)
        .args(["run", "http://127.0.0.1:8762/v1/openapi.json"])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--seed",
            "20261207",
        ])
        .args([
            "--rate-limit",
            "18/s",
            "--request-timeout",
            "30",
            "--wait-for-schema",
            "30",
        ])
        .arg("--header")
        .arg(format!("Authorization: Bearer {key}"))
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found problems (above)");
    // It ran every operation and every phase, and generated cases.
    assert!(
        text.contains("Tested: 15"),
        "not every operation was tested"
    );
    for phase in ["Examples", "Coverage", "Fuzzing", "Stateful"] {
        assert!(
            text.contains(&format!("✅ {phase}")),
            "phase {phase} did not pass"
        );
    }
}
