#!/usr/bin/env bash
# The README's first command: set up, run the quick paper-style ablation, serve the dashboard.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$FTLAB_ROOT"
pnpm exec turbo run build
echo "demo: the quick ablation arrives with the training and dashboard issues" >&2
exit 1
