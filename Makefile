# One target per check. `make` alone runs what CI runs.
.PHONY: ci demo test fmt clippy oracle bench bench-load fuzz golden sim-soak sim-capacity scenarios

ci:
	bash .ci/run

demo:
	cargo build --release --bins && target/release/dms demo --cluster --report reports/out/demo.md

test:
	scripts/test

fmt:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

oracle:
	cargo build --release --bin dms
	../shared/oracles/check-expand ../shared/oracles/*.jsonl -- target/release/dms expand

bench:
	cargo bench -p dms-engine

# The load benchmark against PostgreSQL (installs and starts it); report in reports/out/.
bench-load:
	scripts/bench-load

# A long simulation soak, and the linearizability checker's capacity figure (README).
sim-soak:
	scripts/vendor-madsim
	RUSTFLAGS="--cfg madsim" SIM_SEEDS=$${SIM_SEEDS:-10000} cargo test --manifest-path sim/Cargo.toml --target-dir target/sim --test t20_seeds every_seed -- --nocapture

sim-capacity:
	scripts/vendor-madsim
	RUSTFLAGS="--cfg madsim" SIM_CAPACITY=1 cargo test --manifest-path sim/Cargo.toml --target-dir target/sim --test t40_capacity capacity -- --nocapture

golden:
	UPDATE_GOLDEN=1 cargo test -p dms-engine -p dms-protocol

# Needs cargo-fuzz (cargo install cargo-fuzz); RUSTC_BOOTSTRAP lets the stable toolchain
# build the sanitizer flags cargo-fuzz passes.
fuzz:
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run ical_parse -- -max_total_time=60
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run rule_parse -- -max_total_time=60
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run tarpc_frames -- -max_total_time=60
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run http_bodies -- -max_total_time=60

# Every shipped scenario, short, in both modes (reports in reports/out/NAME-MODE/).
scenarios:
	cargo build --release --bins
	for s in global-company partition-storm thundering-herd recurring-quarter rolling-restart; do \
	  target/release/dms scenario run $$s --sim --scale-down 10 || exit 1; \
	  target/release/dms scenario run $$s --cluster --scale-down 10 || exit 1; \
	done
