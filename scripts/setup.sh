#!/usr/bin/env bash
# Installs what building and testing rollsafe needs on a fresh Debian/Ubuntu machine, and only
# what is missing: libclang (pg_query generates its bindings with it) and the PostgreSQL server
# (the lock/rewrite facts are checked against a real one), MariaDB and sqlite3 (the same for
# those dialects). Safe to run again.
set -euo pipefail

need=()
# bindgen needs libclang itself (libclang.so / libclang-N.so) and clang's headers; libclang-cpp,
# which some images carry, is a different library.
if command -v dpkg >/dev/null 2>&1; then
  dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)
else
  ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/*/libclang-[0-9]*.so* >/dev/null 2>&1 || need+=(libclang-dev)
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
# MariaDB and SQLite: tests/mysql_facts.rs and tests/sqlite_facts.rs check facts against them.
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  need+=(mariadb-server)
fi
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v git >/dev/null 2>&1 || need+=(git)
# scripts/check-integrations.sh: the release build's checks (readelf) and the download (curl).
command -v readelf >/dev/null 2>&1 || need+=(binutils)
command -v curl >/dev/null 2>&1 || need+=(curl)

# scripts/build-dist.sh (so CI) builds with profile-guided optimisation: it needs the
# llvm-profdata of rustc's own LLVM, which the llvm-tools component has.
if command -v rustup >/dev/null 2>&1 && ! rustup component list --installed 2>/dev/null | grep -q '^llvm-tools'; then
  echo "setup: adding the llvm-tools rustup component" >&2
  rustup component add llvm-tools >/dev/null
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
