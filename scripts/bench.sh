#!/usr/bin/env bash
# Throughput benchmark (not a test: timings never go into CI). Lints, with the release binary,
#  1. a generated corpus of realistic migration files (scripts/gen_corpus.py: CREATE TABLE with
#     constraints, ALTER TABLE, indexes, functions, DO blocks, inserts; 100 B to 30 KB),
#  2. one migration file of that corpus (the pre-commit case),
#  3. one 30 MB plain file and one 30 MB golang-migrate file (cost linear in input),
# and reports for each the median over RUNS runs of wall time, CPU time (user + system), peak RSS
# (of the process, from /usr/bin/time), files/s and MB/s. When `squawk` is on PATH (or $SQUAWK
# names it) it is run on the same files in the same run, alternating (A B A B ...), and the
# ratios rollsafe/squawk are printed.
# Usage: scripts/bench.sh [FILES] [RUNS]   (defaults 5000 files, 5 runs)
# ROLLSAFE_BIN=path uses that binary instead of building one; extra environment (e.g.
# ROLLSAFE_PARSER=protobuf) is passed through to rollsafe.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
files="${1:-5000}"
runs="${2:-5}"
corpus="$target/bench-corpus-real-$files"
[ -d "$corpus" ] || python3 scripts/gen_corpus.py "$corpus" "$files"
if [ -z "${ROLLSAFE_BIN:-}" ]; then
  cargo build --release --quiet --bin rollsafe
  ROLLSAFE_BIN="$target/release/rollsafe"
fi
squawk="${SQUAWK:-$(command -v squawk || true)}"

# The 30 MB files (generated once).
big="$target/bench-big/big.sql"
if [ ! -f "$big" ]; then
  mkdir -p "$target/bench-big"
  python3 -c "
line = \"INSERT INTO events (id, payload) VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\\n\"
open('$big', 'w').write(line * (30 * 1024 * 1024 // len(line) + 1))"
fi
# golang-migrate sends a unit as one query string (one implicit transaction), so every check
# that looks across a unit's statements (RS201-RS204's partial failure) sees all ~400,000.
gm="$target/bench-big-golang-migrate"
if [ ! -f "$gm/000001_big.up.sql" ]; then
  mkdir -p "$gm"
  python3 -c "
line = \"INSERT INTO events VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\\n\"
head = 'CREATE TABLE IF NOT EXISTS events (id bigint, payload text);\\n'
open('$gm/000001_big.up.sql', 'w').write(head + line * (30 * 1024 * 1024 // len(line)))
open('$gm/000001_big.down.sql', 'w').write('DROP TABLE IF EXISTS events;\\n')"
fi

exec python3 - "$ROLLSAFE_BIN" "$squawk" "$corpus" "$big" "$gm" "$runs" <<'EOF'
import glob, os, statistics, subprocess, sys, time

rollsafe, squawk, corpus, big, gm, runs = sys.argv[1:7]
runs = int(runs)

def run(cmd):
    """Wall, CPU and peak RSS of one whole process (output thrown away). It is started by
    /usr/bin/time, not forked from Python: a child's peak RSS counts the memory of the process
    it was forked from until it execs, which would put Python's own ~15 MB under a small run."""
    # CPU from wait4 (microseconds, time's own and its child's), peak RSS from time (its %M is
    # the child's alone; time's own CPU is negligible, its %U/%S only have 10 ms steps).
    start = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M %x", "--"] + cmd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = p.stderr.read()
    _, _, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    rss, code = stderr.strip().splitlines()[-1].split()
    if int(code) not in (0, 1):
        sys.exit(f"{cmd[0]} exited {code}")
    return wall, ru.ru_utime + ru.ru_stime, int(rss) / 1024

def bench(label, files, nbytes, a, b, n):
    """A and B alternately, one warm-up each; medians and the median of the per-pair ratios."""
    for cmd in (a, b):
        if cmd:
            run(cmd)
    ra, rb = [], []
    for _ in range(n):
        ra.append(run(a))
        if b:
            rb.append(run(b))
    def show(who, rs):
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        rss = statistics.median(r[2] for r in rs)
        print(f"  {who:9} wall {wall*1000:9.1f} ms (min {min(r[0] for r in rs)*1000:.1f})  cpu {cpu:7.3f} s"
              f"  peak RSS {rss:7.1f} MB  {files/wall:9.0f} files/s  {nbytes/1e6/wall:6.1f} MB/s")
    print(f"{label}: {files} files, {nbytes/1e6:.1f} MB, median of {n}")
    show("rollsafe", ra)
    if b:
        show("squawk", rb)
        ratio = lambda i: statistics.median(x[i] / y[i] for x, y in zip(ra, rb))
        print(f"  rollsafe/squawk: wall {ratio(0):.2f}  cpu {ratio(1):.2f}  peak RSS {ratio(2):.2f}")

def size(paths):
    return sum(os.path.getsize(p) for p in paths)

r = [rollsafe, "check", "--format", "compact", "--fail-on", "never"]
sq = [squawk, "--reporter", "gcc"] if squawk else None
paths = sorted(glob.glob(os.path.join(corpus, "*.sql")))
bench("generated corpus", len(paths), size(paths), r + [corpus], sq and sq + [os.path.join(corpus, "*.sql")], runs)
one = next(p for p in paths if p.endswith(".up.sql"))
bench("one file", 1, size([one]), r + [one], sq and sq + [one], max(runs, 20))
bench("30 MB plain file", 1, size([big]), r + ["--layout", "plain", big], sq and sq + [big], runs)
gmup = os.path.join(gm, "000001_big.up.sql")
bench("30 MB golang-migrate file", 2, size([gmup, os.path.join(gm, "000001_big.down.sql")]),
      r + [gm], sq and sq + [os.path.join(gm, "*.sql")], runs)
EOF
