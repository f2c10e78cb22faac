#!/usr/bin/env python3
"""Counts rollsafe's findings per code and severity over migration folders, one line per folder
and a total: how the precision work is measured on real migration histories.

Usage: scripts/count-findings.py ROLLSAFE_BINARY DIR [DIR ...]
"""
import collections
import json
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, dirs = sys.argv[1], sys.argv[2:]
    total = collections.Counter()
    files = statements = 0
    for d in dirs:
        run = subprocess.run(
            [binary, "check", "--format", "json", "--fail-on", "never", d],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            print(f"{d}: exit {run.returncode}: {run.stderr.strip()[:300]}")
            continue
        counts = collections.Counter()
        for f in json.loads(run.stdout)["files"]:
            files += 1
            statements += len(f.get("statements", []))
            for diag in f["diagnostics"]:
                counts[f"{diag['code']} {diag.get('severity')}"] += 1
        total.update(counts)
        print(f"{d}: {sum(counts.values())} findings", dict(sorted(counts.items())))
    print(f"{files} files, {statements} statements")
    for key, n in sorted(total.items()):
        print(f"{key}\t{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
