#!/usr/bin/env bash
# Installs the rollsafe release binary that matches this source tree's version, for this
# platform: downloads the archive and its SHA-256 file from the GitHub release, verifies the
# checksum, unpacks the binary into DEST and checks that it runs and is that version.
# action.yml runs it (then falls back to building from source on exit 3);
# scripts/check-integrations.sh tests it against a local HTTP server.
#
#   scripts/install-release.sh DEST
#
# Environment:
#   ROLLSAFE_REPOSITORY    owner/name whose releases to use; default: from ROLLSAFE_ACTION_PATH
#   ROLLSAFE_REF           the ref the action is used at (`uses: owner/name@REF`); default: ditto
#   ROLLSAFE_ACTION_PATH   the action's directory; the runner lays actions out as
#                          .../_actions/OWNER/NAME/REF, which gives the two above when GitHub's
#                          context leaves them empty
#   ROLLSAFE_TARGET        target triple; default: from RUNNER_OS/RUNNER_ARCH, else uname
#   ROLLSAFE_RELEASES_URL  default https://github.com; assets are fetched from GitHub's
#                          documented layout URL/OWNER/NAME/releases/download/TAG/ASSET
#
# The release is tag v<version of this tree's Cargo.toml>, and it matches REF when REF is that
# tag, a shorter version tag that points to it (v1, v1.2), or the commit it was built from (the
# release's source-commit.txt). A branch, or anything else, matches no release: the source at
# REF may differ from any released binary.
#
# Exit status: 0 installed DEST/rollsafe; 3 no matching release or no binary for this platform
# (the caller builds from source); anything else: failure (a download error other than 404, a
# checksum mismatch, a binary that does not run): the caller must stop, not fall back.
set -euo pipefail

dest="${1:?usage: install-release.sh DEST}"
src="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/Cargo.toml" | head -1)"
tag="v$version"
base="${ROLLSAFE_RELEASES_URL:-https://github.com}"
base="${base%/}"
say() { echo "rollsafe install: $*" >&2; }
no_release() { say "$* — building from source instead"; exit 3; }

repository="${ROLLSAFE_REPOSITORY:-}"
ref="${ROLLSAFE_REF:-}"
if [ -z "$repository" ] || [ -z "$ref" ]; then
  case "${ROLLSAFE_ACTION_PATH:-}" in
    */_actions/*/*/*)
      rest="${ROLLSAFE_ACTION_PATH#*/_actions/}"
      owner="${rest%%/*}"; rest="${rest#*/}"
      name="${rest%%/*}"; rest="${rest#*/}"
      repository="${repository:-$owner/$name}"
      ref="${ref:-${rest%%/*}}"
      ;;
  esac
fi
[ -n "$repository" ] && [ -n "$ref" ] || no_release "the action is not used from a repository at a ref (a local action)"

if [ -z "${ROLLSAFE_TARGET:-}" ]; then
  case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
    Linux/X64 | Linux/x86_64) ROLLSAFE_TARGET=x86_64-unknown-linux-gnu ;;
    Linux/ARM64 | Linux/aarch64) ROLLSAFE_TARGET=aarch64-unknown-linux-gnu ;;
    macOS/X64 | Darwin/x86_64) ROLLSAFE_TARGET=x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) ROLLSAFE_TARGET=aarch64-apple-darwin ;;
    *) no_release "no release binary is built for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" ;;
  esac
fi
asset="rollsafe-$ROLLSAFE_TARGET.tar.gz"
url="$base/$repository/releases/download/$tag"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# fetch NAME: 0 downloaded to $work/NAME, 3 not found (404), 1 any other failure.
fetch() {
  local status
  status="$(curl -sS -L --retry 3 --connect-timeout 20 -o "$work/$1" -w '%{http_code}' "$url/$1")" || {
    say "downloading $url/$1 failed"; return 1; }
  case "$status" in
    200) return 0 ;;
    404) return 3 ;;
    *) say "downloading $url/$1: HTTP $status"; return 1 ;;
  esac
}

case "$ref" in
  "$tag") ;;
  v[0-9] | v[0-9][0-9] | v[0-9].[0-9]* | v[0-9][0-9].[0-9]*)
    # A full version tag other than this tree's version is a mistagged release; a shorter
    # one (v1, v1.2) names a release series: it must be a prefix of this version.
    case "$tag" in
      "$ref".*) ;;
      *) no_release "ref $ref does not name release $tag (this source's version)" ;;
    esac
    ;;
  *)
    if [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
      code=0; fetch source-commit.txt || code=$?
      [ "$code" -eq 3 ] && no_release "no release $tag of $repository with a source-commit.txt"
      [ "$code" -eq 0 ] || exit 1
      built_from="$(tr -d '[:space:]' < "$work/source-commit.txt")"
      [ "$built_from" = "$ref" ] || no_release "release $tag was built from $built_from, not from commit $ref"
    else
      no_release "ref $ref is neither a version tag nor a commit"
    fi
    ;;
esac

code=0; fetch "$asset" || code=$?
[ "$code" -eq 3 ] && no_release "no $asset in release $tag of $repository"
[ "$code" -eq 0 ] || exit 1
code=0; fetch "$asset.sha256" || code=$?
if [ "$code" -ne 0 ]; then
  say "release $tag has $asset but not its checksum $asset.sha256: not installing an unverified binary"
  exit 1
fi

expected="$(awk 'NR == 1 {print $1}' "$work/$asset.sha256")"
if command -v sha256sum >/dev/null; then
  actual="$(sha256sum "$work/$asset" | awk '{print $1}')"
else
  actual="$(shasum -a 256 "$work/$asset" | awk '{print $1}')"
fi
if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || [ "$actual" != "$expected" ]; then
  say "checksum mismatch for $url/$asset: expected ${expected:-(none)}, got $actual"
  exit 1
fi

tar -xzf "$work/$asset" -C "$work"
mkdir -p "$dest"
install -m 0755 "$work/rollsafe-$ROLLSAFE_TARGET/rollsafe" "$dest/rollsafe"
reported="$("$dest/rollsafe" --version 2>&1)" || { say "$dest/rollsafe does not run: $reported"; rm -f "$dest/rollsafe"; exit 1; }
if [ "$reported" != "rollsafe $version" ]; then
  say "$asset of release $tag reports '$reported', expected 'rollsafe $version'"
  rm -f "$dest/rollsafe"
  exit 1
fi
say "installed $reported ($ROLLSAFE_TARGET, sha256 $actual) from $url"
