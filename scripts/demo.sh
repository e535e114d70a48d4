#!/usr/bin/env bash
# The README's first command: set up (pnpm, dependencies, build), start the dashboard, run the
# paper-style kappa ablation on the toy task into ./ftlab.db with one worker process per core
# (watch the runs appear and the verdicts fill in on the dashboard as they finish), print the
# kappa table and the verdicts across seeds, then keep serving the dashboard until Ctrl-C.
# Finished runs are reused when run again, and an interrupted ablation resumes from its
# checkpoints.
#
#   FTLAB_DEMO_DB=path          database file (default ./ftlab.db)
#   FTLAB_DEMO_PORT=n           dashboard port (default 3000)
#   FTLAB_DEMO_SERVE=0          no dashboard: run the ablation, print the verdicts, exit
#   FTLAB_DEMO_SEED_OFFSET=n    train on seeds n+1.. instead of 1..: check that the verdicts
#                               survive fresh seeds (stored as the sweep demo-ablation-seeds+n)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$FTLAB_ROOT"

echo "demo: building (first time: a few minutes; later: cached)" >&2
pnpm exec turbo run build --output-logs=errors-only

db="${FTLAB_DEMO_DB:-$FTLAB_ROOT/ftlab.db}"
port="${FTLAB_DEMO_PORT:-3000}"
offset="${FTLAB_DEMO_SEED_OFFSET:-0}"
if ! [[ "$offset" =~ ^[0-9]+$ ]]; then
  echo "demo: FTLAB_DEMO_SEED_OFFSET must be a whole number, got '$offset'" >&2
  exit 2
fi
sweep_name="demo-ablation"
[ "$offset" -eq 0 ] || sweep_name="demo-ablation-seeds+$offset"
ftlab() { node "$FTLAB_ROOT/apps/cli/dist/main.js" "$@"; }

dashboard_pid=""
stop_dashboard() {
  if [ -n "$dashboard_pid" ] && kill -0 "$dashboard_pid" 2>/dev/null; then
    kill -TERM "$dashboard_pid" 2>/dev/null || true
    wait "$dashboard_pid" 2>/dev/null || true
  fi
}
trap stop_dashboard EXIT

if [ "${FTLAB_DEMO_SERVE:-1}" != "0" ]; then
  # Watch, don't wait: the dashboard first, so runs show up (and curves grow) while they train.
  ftlab migrate --db "$db" >/dev/null
  # It prints its URL (--json) once it listens; until then, either that line or its exit comes.
  started="$(mktemp)"
  ftlab dashboard --db "$db" --port "$port" --json >"$started" &
  dashboard_pid=$!
  until grep -q '"url"' "$started"; do
    if ! kill -0 "$dashboard_pid" 2>/dev/null; then
      grep -o '"error":"[^"]*"' "$started" >&2 || true
      echo "demo: the dashboard did not start (is port $port in use? set FTLAB_DEMO_PORT)" >&2
      rm -f "$started"
      exit 1
    fi
    sleep 0.3
  done
  rm -f "$started"
  echo >&2
  echo "demo: dashboard at http://127.0.0.1:$port/  (the sweep page fills in as runs finish)" >&2
  echo >&2
fi

status=0
ftlab sweep experiments/demo-ablation.yaml --db "$db" --seed-offset "$offset" || status=$?
if [ "$status" -eq 130 ]; then
  echo "demo: stopped; run it again to resume the interrupted runs from their checkpoints" >&2
  exit 130
fi
[ "$status" -eq 0 ] || echo "demo: some runs did not finish (exit $status); the dashboard shows which and why" >&2

echo >&2
echo "Toy-task Z study and likelihoods by kappa (baseline first; deltas vs the baseline of the same seed)," >&2
echo "then the verdicts across seeds:" >&2
ftlab export "$sweep_name" --db "$db" --format md || true

if [ -n "$dashboard_pid" ]; then
  echo >&2
  echo "demo: the dashboard keeps serving http://127.0.0.1:$port/sweeps (Ctrl-C to stop)" >&2
  wait "$dashboard_pid" || true
fi
