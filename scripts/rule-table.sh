#!/usr/bin/env bash
# Regenerates the README's rule table (between the rules-table markers) from the rule docs,
# with `rollsafe rules --markdown`; tests/cli.rs fails when the table is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --bin rollsafe -- rules --markdown >"${TMPDIR:-/tmp}/rollsafe-rules.md"
python3 - "${TMPDIR:-/tmp}/rollsafe-rules.md" <<'PY'
import sys
table = open(sys.argv[1]).read()
readme = open("README.md").read()
start_marker, end_marker = "<!-- rules-table:start -->\n", "<!-- rules-table:end -->"
start = readme.index(start_marker) + len(start_marker)
end = readme.index(end_marker)
open("README.md", "w").write(readme[:start] + table + readme[end:])
PY
