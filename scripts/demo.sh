#!/usr/bin/env bash
# Builds rollsafe (installing libclang first if it is missing) and lints the example migrations.
# Exit status is rollsafe's: 1 because the examples contain findings on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --quiet --bin rollsafe
exec "${CARGO_TARGET_DIR:-target}/debug/rollsafe" check --today 2026-11-23 fixtures/ "$@"
