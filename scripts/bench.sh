#!/usr/bin/env bash
# Throughput benchmark: lints a generated corpus of migration files with the release binary and
# reports files/s, MB/s and peak memory; then the wall time of one file (the pre-commit case).
# Usage: scripts/bench.sh [FILES] (default 6000)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
files="${1:-6000}"
corpus="$target/bench-corpus-$files"
[ -d "$corpus" ] || python3 scripts/gen_corpus.py "$corpus" "$files"
cargo build --release --quiet --bin rollsafe
bin="$target/release/rollsafe"
bytes=$(du -sb "$corpus" | cut -f1)
count=$(find "$corpus" -name '*.sql' | wc -l)
"$bin" check --format json --fail-on never "$corpus" >/dev/null # warm the page cache
best=""
for _ in 1 2 3; do
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$target/bench-rss.txt" "$bin" check --format json --fail-on never "$corpus" >/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; rss=$(cat "$target/bench-rss.txt"); fi
done
one=$(find "$corpus" -name '*.up.sql' -print -quit)
single_best=""
for _ in $(seq 10); do
  s=$(date +%s.%N); "$bin" check --format compact --fail-on never "$one" >/dev/null; e=$(date +%s.%N)
  t=$(echo "($e - $s) * 1000" | bc -l)
  if [ -z "$single_best" ] || [ "$(echo "$t < $single_best" | bc -l)" = 1 ]; then single_best=$t; fi
done
printf 'corpus: %d files, %.1f MB\n' "$count" "$(echo "$bytes / 1000000" | bc -l)"
printf 'whole corpus (best of 3): %.3f s = %.0f files/s, %.1f MB/s, peak RSS %.1f MB\n' \
  "$best" "$(echo "$count / $best" | bc -l)" "$(echo "$bytes / 1000000 / $best" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
printf 'one file (best of 10): %.1f ms\n' "$single_best"

# One large file: a 30 MB data migration (one unit, parsed in parallel batches).
big="$target/bench-big/big.sql"
if [ ! -f "$big" ]; then
  mkdir -p "$target/bench-big"
  python3 -c "
line = \"INSERT INTO events (id, payload) VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\\n\"
open('$big', 'w').write(line * (30 * 1024 * 1024 // len(line) + 1))"
fi
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$target/bench-rss.txt" "$bin" check --format compact --fail-on never --layout plain "$big" >/dev/null
end=$(date +%s.%N)
t=$(echo "$end - $start" | bc -l)
printf 'one 30 MB file: %.2f s = %.1f MB/s, peak RSS %.0f MB\n' "$t" "$(echo "$(stat -c %s "$big") / 1000000 / $t" | bc -l)" "$(echo "$(cat "$target/bench-rss.txt") / 1024" | bc -l)"

# The same size in the golang-migrate layout: ~400,000 statements in one NNNN_name.up.sql, which
# golang-migrate sends as one query string (one implicit transaction), so every check that
# looks across a unit's statements (RS201-RS204's partial failure) sees all of them.
gm="$target/bench-big-golang-migrate"
if [ ! -f "$gm/000001_big.up.sql" ]; then
  mkdir -p "$gm"
  python3 -c "
line = \"INSERT INTO events VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\\n\"
head = 'CREATE TABLE IF NOT EXISTS events (id bigint, payload text);\\n'
open('$gm/000001_big.up.sql', 'w').write(head + line * (30 * 1024 * 1024 // len(line)))
open('$gm/000001_big.down.sql', 'w').write('DROP TABLE IF EXISTS events;\\n')"
fi
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$target/bench-rss.txt" "$bin" check --format compact --fail-on never "$gm" >/dev/null
end=$(date +%s.%N)
t=$(echo "$end - $start" | bc -l)
printf 'one 30 MB golang-migrate file (%d statements): %.2f s, peak RSS %.0f MB\n' \
  "$(wc -l < "$gm/000001_big.up.sql")" "$t" "$(echo "$(cat "$target/bench-rss.txt") / 1024" | bc -l)"
