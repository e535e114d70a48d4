#!/usr/bin/env bash
# The README's first command: set up (pnpm, dependencies, build), run the quick paper-style kappa
# ablation on the toy task into ./ftlab.db with one worker process per core, print the kappa
# table, then serve the dashboard until Ctrl-C. Finished runs are reused when run again, and an
# interrupted ablation resumes from its checkpoints.
#
#   FTLAB_DEMO_DB=path   database file (default ./ftlab.db)
#   FTLAB_DEMO_PORT=n    dashboard port (default 3000)
#   FTLAB_DEMO_SERVE=0   stop after the ablation (no dashboard)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$FTLAB_ROOT"

echo "demo: building (first time: a few minutes; later: cached)" >&2
pnpm exec turbo run build --output-logs=errors-only

db="${FTLAB_DEMO_DB:-$FTLAB_ROOT/ftlab.db}"
ftlab() { node "$FTLAB_ROOT/apps/cli/dist/main.js" "$@"; }

status=0
ftlab sweep experiments/demo-ablation.yaml --db "$db" || status=$?
if [ "$status" -eq 130 ]; then
  echo "demo: stopped; run it again to resume the interrupted runs from their checkpoints" >&2
  exit 130
fi
[ "$status" -eq 0 ] || echo "demo: some runs did not finish (exit $status); the dashboard shows which and why" >&2

echo >&2
echo "Toy-task Z study and likelihoods by kappa (baseline first; deltas vs the baseline of the same seed):" >&2
ftlab export demo-ablation --db "$db" --format md || true

if [ "${FTLAB_DEMO_SERVE:-1}" != "0" ]; then
  echo >&2
  echo "demo: the sweep page compares baseline and Free Transformer runs across kappa and seeds" >&2
  ftlab dashboard --db "$db" --port "${FTLAB_DEMO_PORT:-3000}"
fi
