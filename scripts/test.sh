#!/usr/bin/env bash
# The README's test command: set up (pnpm, dependencies), then typecheck, lint and test
# everything. Exits non-zero on the first failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$FTLAB_ROOT"
pnpm exec biome ci .
pnpm exec turbo run typecheck test --concurrency=2 --continue=never "$@"
