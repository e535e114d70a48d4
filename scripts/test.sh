#!/usr/bin/env bash
# The README's test command, and all that CI runs (.ci/run only starts from a clean install):
#   1. set-up: pnpm and the dependencies (bootstrap.sh); Chromium for the dashboard's browser
#      tests, PyTorch (with NumPy) for the parity tests against the PyTorch twin (python/) and
#      PostgreSQL for the multi-machine tests, from Debian when missing and this runs as root
#      (nothing is downloaded from anywhere else);
#   2. a throwaway PostgreSQL server for the run (packages/tracker/scripts/with-postgres.sh; with
#      no server to be had, the PostgreSQL tests skip and say so, or fail under CI=true);
#   3. lint, then typecheck and test every package. Exits non-zero on the first failure.
# Arguments go to `turbo run` (e.g. --filter=@ftlab/tracker).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$FTLAB_ROOT"

if [ -z "${FTLAB_TEST_INNER:-}" ]; then
  chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$chromium_path" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test: installing Chromium from Debian (apt-get install -y chromium) for the browser tests" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "test: the dashboard's browser tests need Chromium and there is none at $chromium_path." >&2
      echo "      Install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH, then run npm test again." >&2
      exit 1
    fi
  fi
  # The Pythons the parity tests try (packages/model/src/test-python.ts): without torch they skip, or fail under CI.
  has_torch() {
    local python
    for python in ${FTLAB_TEST_PYTHON:-python3 /usr/bin/python3}; do
      "$python" -c 'import torch, numpy' >/dev/null 2>&1 && return 0
    done
    return 1
  }
  if ! has_torch; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test: installing PyTorch from Debian (apt-get install -y python3-torch libopenblas0-openmp) for the parity tests" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
    else
      echo "test: no python3 with torch: the PyTorch parity tests will skip (and fail under CI)." >&2
      echo "      Install it with sudo apt-get install -y python3-torch libopenblas0-openmp." >&2
    fi
  fi
  FTLAB_TEST_INNER=1 exec bash packages/tracker/scripts/with-postgres.sh bash scripts/test.sh "$@"
fi

pnpm exec turbo run lint typecheck test --concurrency=2 --continue=never "$@"
