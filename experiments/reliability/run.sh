#!/usr/bin/env bash
# The reliability study (README.md beside this file): trains each cell's sweep into one database
# and prints, per cell, the verdict lines across its seeds (the fraction of seeds whose own
# permutation test finds the kappa effect, with its Wilson interval, and the mean difference with
# its t interval) and the mean wall time per run (two worker processes, one per core).
#
#   experiments/reliability/run.sh [cell.yaml ...]     (default: every cell-*.yaml here, in order)
#   FTLAB_STUDY_DB=path   database (default ./reliability.db)
#
# Needs the repository built (npm run demo or pnpm turbo run build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
db="${FTLAB_STUDY_DB:-$PWD/reliability.db}"
ftlab() { node "$root/apps/cli/dist/main.js" "$@"; }

cells=("$@")
[ "${#cells[@]}" -gt 0 ] || cells=("$here"/cell-*.yaml)
for cell in "${cells[@]}"; do
  name="$(sed -n 's/^name: *//p' "$cell" | head -1)"
  echo "== $name ($(basename "$cell"))" >&2
  ftlab sweep "$cell" --db "$db" >&2
  ftlab export "$name" --db "$db" --format md --table verdicts
  ftlab export "$name" --db "$db" --format csv --table runs |
    node -e '
      const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
      const head = lines[0].split(",");
      const [s, e] = ["started_at", "ended_at"].map((k) => head.indexOf(k));
      const secs = lines.slice(1).map((l) => l.split(",")).filter((c) => c[e]).map((c) => (Date.parse(c[e]) - Date.parse(c[s])) / 1000);
      const mean = secs.reduce((a, b) => a + b, 0) / secs.length;
      console.log(`- ${secs.length} runs, ${mean.toFixed(0)} s per run on one core (${(mean * secs.length / 2 / 60).toFixed(1)} min of the sweep on 2 cores)`);
    '
done
