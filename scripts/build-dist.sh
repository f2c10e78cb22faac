#!/usr/bin/env bash
# Builds rollsafe's release artifacts for one target and checks them. One script, two callers:
# .github/workflows/release.yml runs it on each platform's runner; scripts/check-integrations.sh
# (so CI) runs it here for Linux x86_64.
#
#   scripts/build-dist.sh [--target TRIPLE] [--profile PROFILE] [--wheel] [--out DIR] [--no-pgo]
#
# Writes to DIR (default dist/):
#   rollsafe-TRIPLE.tar.gz         rollsafe-TRIPLE/{rollsafe, README.md, LICENSE-MIT, LICENSE-APACHE}
#   rollsafe-TRIPLE.tar.gz.sha256  "<sha256>  rollsafe-TRIPLE.tar.gz" (sha256sum -c reads it)
#   rollsafe-VERSION-*.whl         with --wheel: the Python wheel (maturin, bindings = "bin")
#
# Linux builds link the C runtime statically (+crt-static: glibc's static libc, libgcc's
# unwinder instead of libgcc_s.so.1), so the binary needs no shared library at all and runs on
# any Linux distribution, glibc or musl. They are also position-dependent (-C
# relocation-model=static): a static PIE applies its ~27,000 relocations itself at every start
# and dirties the pages they are on: a fifth of the CPU and a third of the page faults of
# starting (--version: 1.06 -> 0.86 ms CPU, 273 -> 174 page faults; linting one file: 2.04 ->
# 1.63 ms CPU). The price: the executable's own code is not placed at a random address (its
# stack, heap and mappings still are).
# The binary is built with profile-guided optimisation: an instrumented build lints a training
# set (a generated corpus with another seed than the benchmark's, and every fixture folder in
# every output format), llvm-profdata merges what it recorded, and the release build is compiled
# with it (about 10% less CPU on the benchmark's corpus, Linux x86_64). llvm-profdata must match
# rustc's LLVM: the one of the `llvm-tools` rustup component (scripts/setup.sh adds it), else
# `llvm-profdata-N` for rustc's LLVM major version N on PATH. --no-pgo skips all of this.
# The checks: no dynamic dependency on Linux (readelf -d, ldd), only system libraries on macOS
# (otool -L); `--version` prints Cargo.toml's version; `check fixtures/golang-migrate` finds
# the fixtures' deliberate RS001; and the binary resolves `localhost` and talks HTTP to a
# stand-in for GitHub's API (--approvals-from-github).
set -euo pipefail
cd "$(dirname "$0")/.."

target="" profile=release wheel=0 out=dist pgo=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pgo) pgo=0; shift ;;
    --target) target="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --wheel) wheel=1; shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "build-dist: unknown argument $1" >&2; exit 2 ;;
  esac
done
host="$(rustc -vV | sed -n 's/^host: //p')"
target="${target:-$host}"
if [ "$target" != "$host" ]; then
  # The checks below run the binary: build on a runner of the target's own platform.
  echo "build-dist: $target is not this machine's target ($host)" >&2
  exit 2
fi
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
t0=$(date +%s)

case "$target" in
  *-linux-gnu) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" ;;
esac
# --target also keeps these RUSTFLAGS away from build scripts and proc macros (a proc macro
# cannot be linked statically) and this build apart from the everyday target/debug one.
if [ "$pgo" = 1 ]; then
  llvm_major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
  profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
  if [ ! -x "$profdata" ]; then
    profdata="$(command -v "llvm-profdata-$llvm_major" || true)"
  fi
  if [ -z "$profdata" ]; then
    echo "build-dist: no llvm-profdata for rustc's LLVM $llvm_major: run \`rustup component add llvm-tools\` (or pass --no-pgo)" >&2
    exit 2
  fi
  pgo_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}/pgo" && cd "${CARGO_TARGET_DIR:-target}/pgo" && pwd)"
  rm -rf "$pgo_dir/profiles" "$pgo_dir/rollsafe.profdata"
  # Its own target folder: the instrumented build does not overwrite the release build's cache.
  RUSTFLAGS="${RUSTFLAGS:-} -C profile-generate=$pgo_dir/profiles" \
    cargo build --locked --profile "$profile" --target "$target" --bin rollsafe \
    --target-dir "$pgo_dir/target"
  trained="$pgo_dir/target/$target/$([ "$profile" = dev ] && echo debug || echo "$profile")/rollsafe"
  [ -d "$pgo_dir/corpus" ] || python3 scripts/gen_corpus.py "$pgo_dir/corpus" 2000 7
  "$trained" check --format compact --fail-on never "$pgo_dir/corpus" > /dev/null
  for dir in fixtures/*/; do
    for format in human compact json sarif github markdown; do
      "$trained" check --format "$format" --fail-on never "$dir" > /dev/null 2>&1 || true
    done
  done
  "$profdata" merge -o "$pgo_dir/rollsafe.profdata" "$pgo_dir/profiles"
  export RUSTFLAGS="${RUSTFLAGS:-} -C profile-use=$pgo_dir/rollsafe.profdata"
  echo "build-dist: profile from $trained in $(( $(date +%s) - t0 ))s ($profdata)"
fi
cargo build --locked --profile "$profile" --target "$target" --bin rollsafe
dir_name="$profile"
[ "$profile" = dev ] && dir_name=debug
bin="$(cd "${CARGO_TARGET_DIR:-target}/$target/$dir_name" && pwd)/rollsafe"
echo "build-dist: built $bin in $(( $(date +%s) - t0 ))s"

# --- dependencies: none on Linux, the system's libraries on macOS ----------------------------
case "$target" in
  *-linux-*)
    needed="$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
    echo "build-dist: readelf -d NEEDED: ${needed:-(none)}"
    ldd_says="$(ldd "$bin" 2>&1 | tr '\n' ' ' || true)"
    echo "build-dist: ldd: $ldd_says"
    if [ -n "$needed" ] || ! [[ "$ldd_says" =~ "statically linked"|"not a dynamic executable" ]]; then
      echo "build-dist: $bin is not statically linked: it needs $needed" >&2
      exit 1
    fi
    ;;
  *-apple-darwin)
    otool -L "$bin"
    if otool -L "$bin" | tail -n +2 | awk '{print $1}' | grep -v -e '^/usr/lib/' -e '^/System/Library/'; then
      echo "build-dist: $bin needs a library outside the system's" >&2
      exit 1
    fi
    ;;
esac

# --- it runs, and it is the version being released -------------------------------------------
reported="$("$bin" --version)"
if [ "$reported" != "rollsafe $version" ]; then
  echo "build-dist: $bin --version says '$reported', expected 'rollsafe $version'" >&2
  exit 1
fi
log="$(mktemp)"
set +e
"$bin" check fixtures/golang-migrate --format compact > "$log" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ] || ! grep -q '000004_drop_legacy_user_columns.up.sql:1:1: error\[RS001\]' "$log"; then
  echo "build-dist: $bin check fixtures/golang-migrate exited $code (expected 1 with RS001):" >&2
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
echo "build-dist: $reported runs (check fixtures/golang-migrate: exit 1, RS001)"

# Name resolution and HTTP work in this binary (a static glibc resolves names without NSS
# plugins only for files/dns): --approvals-from-github asks a local stand-in for GitHub's API by
# the name `localhost`; it answers "no reviews", so alice's approval does not count (RS004).
net="$(mktemp -d)"
mkdir -p "$net/db"
printf 'CREATE TABLE users (id bigint);\n' > "$net/db/001_users.sql"
printf -- '-- rollsafe:contract approved-by=alice reason="cleanup" recovery=restore-from-backup\nDROP TABLE users;\n' > "$net/db/002_drop.sql"
python3 - "$net/port" "$net/requests" <<'PY' &
import http.server, sys
class Reviews(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write(self.path + "\n")
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Reviews)
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.timeout = 60
server.handle_request()
PY
server_pid=$!
for _ in $(seq 100); do [ -s "$net/port" ] && break; sleep 0.1; done
set +e
(cd "$net" && GITHUB_API_URL="http://localhost:$(cat "$net/port")" GITHUB_REPOSITORY=acme/shop GITHUB_TOKEN=t \
  "$bin" check db --format compact --approvals-from-github --pull-request 7 --head-sha abc) > "$net/out" 2>&1
code=$?
set -e
kill "$server_pid" 2>/dev/null || true
if [ "$code" -ne 1 ] || ! grep -q 'RS004' "$net/out" || ! grep -q '^/repos/acme/shop/pulls/7/reviews' "$net/requests"; then
  echo "build-dist: --approvals-from-github against http://localhost exited $code (expected 1 with RS004):" >&2
  cat "$net/out" >&2
  exit 1
fi
rm -rf "$net"
echo "build-dist: resolves localhost and asks the (local) GitHub API: RS004 as expected"

# --- archive and checksum -------------------------------------------------------------------
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
mkdir -p "$out"
stage="$out/rollsafe-$target"
rm -rf "$stage"
mkdir -p "$stage"
cp "$bin" README.md LICENSE-MIT LICENSE-APACHE "$stage/"
archive="rollsafe-$target.tar.gz"
tar -C "$out" -czf "$out/$archive" "rollsafe-$target"
rm -rf "$stage"
(cd "$out" && sha256 "$archive" > "$archive.sha256" && sha256 -c "$archive.sha256" >/dev/null)
echo "build-dist: $out/$archive ($(wc -c < "$out/$archive") bytes), sha256 $(cut -d' ' -f1 "$out/$archive.sha256")"

# --- wheel ----------------------------------------------------------------------------------
if [ "$wheel" = 1 ]; then
  maturin="${MATURIN:-maturin}"
  # Same target, profile and RUSTFLAGS as above: cargo finds the binary up to date and maturin
  # only packages it (and audits it for the manylinux platform tag on Linux).
  "$maturin" build --locked --profile "$profile" --target "$target" --out "$out"
fi
echo "build-dist: done in $(( $(date +%s) - t0 ))s"
