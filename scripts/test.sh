#!/usr/bin/env bash
# The one test command (the README gives it; .ci/run calls it). As root on Debian 12 it:
#   1. installs the Debian packages of scripts/packages.txt that are missing,
#   2. checks formatting, clippy (-D warnings) and rustdoc (-D warnings),
#   3. runs cargo-deny (bans, licenses, sources) when deny.toml exists, installing it if missing,
#   4. starts the e2e world (tests/e2e/world.sh up: registries, token server, dockerd, fixtures),
#   5. runs every test, the e2e ones included (cargo nextest run --run-ignored all) and doctests,
#   6. stops the world again (also on failure; KEEP_WORLD=1 leaves it running for reruns).
# Exits non-zero on the first failure; a missing component is an error, never a skip.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
export WORLD_STATE=${WORLD_STATE:-$REPO/.state/world}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}
WORLD=$REPO/tests/e2e/world.sh
CARGO_DENY_VERSION=0.20.2
T0=$SECONDS

section() { printf '\n==> [%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
fail() {
	printf '\nscripts/test.sh: FAILED: %s\n' "$*" >&2
	exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is missing: $2"; }

world_down() {
	local rc=$?
	if [ "${KEEP_WORLD:-0}" != 1 ]; then
		section "stopping the e2e world"
		"$WORLD" down || true
	fi
	if [ "$rc" = 0 ]; then
		section "all checks passed"
	fi
	exit "$rc"
}

section "toolchain"
need cargo "install Rust (rustup) first"
cargo fmt --version >/dev/null 2>&1 || fail "rustfmt is missing: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || fail "clippy is missing: rustup component add clippy"
cargo nextest --version >/dev/null 2>&1 || fail "cargo-nextest is missing: cargo install cargo-nextest --locked"
cargo --version

section "Debian packages (scripts/packages.txt)"
"$WORLD" install

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

section "cargo doc -D warnings"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps

# Licences, sources and bans (deny.toml; offline). Advisories need the RustSec database from
# the network, so they are not part of this command. A fresh machine lacks cargo-deny: install
# the version this was checked with (a few minutes of compiling, once).
if [ -f deny.toml ]; then
	section "cargo deny"
	if ! cargo deny --version >/dev/null 2>&1; then
		echo "cargo-deny is missing; installing cargo-deny $CARGO_DENY_VERSION"
		cargo install --locked "cargo-deny@$CARGO_DENY_VERSION" ||
			fail "installing cargo-deny failed (cargo install --locked cargo-deny@$CARGO_DENY_VERSION)"
	fi
	cargo deny check bans licenses sources
fi

section "building tests"
cargo nextest run --workspace --run-ignored all --no-run

# Doctests first (nextest does not run them), so the run closes on nextest's summary.
section "doctests"
cargo test --workspace --doc

trap world_down EXIT
section "e2e world up"
"$WORLD" up

section "tests (unit, integration, e2e)"
# `*_child` tests are bodies their parent test re-runs as an unprivileged user; run directly
# (as root, without the parent's setup) they would only fail, so only the parents run them.
cargo nextest run --workspace --run-ignored all -E 'not test(/_child$/)'
