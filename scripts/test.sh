#!/usr/bin/env bash
# The whole test suite: unit and integration tests (including the real PostgreSQL 15 lock-fact
# checks), formatting and lints, and the external validators (SARIF Multitool, check-jsonschema,
# actionlint, pre-commit). Snapshot updates are disabled: a changed snapshot fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export INSTA_UPDATE=no CI="${CI:-true}"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
cargo test --no-fail-fast 2>&1 | tee "$target/test-output.txt"
if [ -x scripts/check-integrations.sh ]; then
  cargo build --quiet --bin rollsafe
  ROLLSAFE_BIN="$(cd "$target" && pwd)/debug/rollsafe" scripts/check-integrations.sh
fi
