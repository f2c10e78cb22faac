#!/usr/bin/env bash
# Builds rollsafe's release artifacts for one target and checks them. One script, two callers:
# .github/workflows/release.yml runs it on each platform's runner; scripts/check-integrations.sh
# (so CI) runs it here for Linux x86_64.
#
#   scripts/build-dist.sh [--target TRIPLE] [--profile PROFILE] [--wheel] [--out DIR]
#
# Writes to DIR (default dist/):
#   rollsafe-TRIPLE.tar.gz         rollsafe-TRIPLE/{rollsafe, README.md, LICENSE-MIT, LICENSE-APACHE}
#   rollsafe-TRIPLE.tar.gz.sha256  "<sha256>  rollsafe-TRIPLE.tar.gz" (sha256sum -c reads it)
#   rollsafe-VERSION-*.whl         with --wheel: the Python wheel (maturin, bindings = "bin")
#
# Linux builds link the C runtime statically (+crt-static: glibc's static libc, libgcc's
# unwinder), so the binary needs no shared library at all and runs on any glibc or musl
# distribution. The checks: the binary's dynamic dependencies (readelf/ldd; otool on macOS) are
# only the system's C library, `--version` prints Cargo.toml's version, and `check fixtures/`
# finds the fixtures' deliberate RS001.
set -euo pipefail
cd "$(dirname "$0")/.."

target="" profile=release wheel=0 out=dist
while [ $# -gt 0 ]; do
  case "$1" in
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
  *-linux-gnu) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" ;;
esac
# --target also keeps these RUSTFLAGS away from build scripts and proc macros (a proc macro
# cannot be linked statically) and this build apart from the everyday target/debug one.
cargo build --locked --profile "$profile" --target "$target" --bin rollsafe
dir_name="$profile"
[ "$profile" = dev ] && dir_name=debug
bin="${CARGO_TARGET_DIR:-target}/$target/$dir_name/rollsafe"
echo "build-dist: built $bin in $(( $(date +%s) - t0 ))s"

# --- dependencies: the system's C library only ----------------------------------------------
case "$target" in
  *-linux-*)
    needed="$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
    echo "build-dist: readelf -d NEEDED: ${needed:-(none)}"
    echo "build-dist: ldd: $(ldd "$bin" 2>&1 | tr '\n' ' ')"
    for lib in $needed; do
      case "$lib" in
        libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | librt.so.1 | ld-linux-*.so.*) ;;
        *) echo "build-dist: $bin needs $lib, which is not part of glibc" >&2; exit 1 ;;
      esac
    done
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
  compat=()
  # A static binary fits every manylinux and musllinux platform; tag it for both (pip picks
  # by tag, so one wheel serves glibc and Alpine).
  case "$target" in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) compat=(--compatibility manylinux_2_17 musllinux_1_2) ;;
  esac
  # Same target, profile and RUSTFLAGS as above: cargo finds the binary up to date and maturin
  # only packages it.
  "$maturin" build --locked --profile "$profile" --target "$target" "${compat[@]}" --out "$out"
fi
echo "build-dist: done in $(( $(date +%s) - t0 ))s"
