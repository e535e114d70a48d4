# Sourced by scripts/test.sh, scripts/demo.sh and .ci/run: makes a fresh machine that has
# only Node.js and npm ready to build this repository. Idempotent and quick when done before.
#
#   - pnpm: the version pinned in package.json's packageManager, from PATH if it matches,
#     otherwise installed with npm into .tools/ (no global install, no corepack: corepack
#     cannot verify pnpm's signatures against this registry).
#   - native addons (better-sqlite3) compile against the local Node headers when the
#     machine has them (npm_config_nodedir), instead of downloading headers.
#   - dependencies: `pnpm install --frozen-lockfile`, skipped when node_modules already
#     matches the lockfile.
set -euo pipefail

FTLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FTLAB_ROOT
export NEXT_TELEMETRY_DISABLED=1
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1

pnpm_version="$(node -p "require('$FTLAB_ROOT/package.json').packageManager.split('@')[1]")"

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  tools="$FTLAB_ROOT/.tools/pnpm-$pnpm_version"
  if [ ! -x "$tools/node_modules/.bin/pnpm" ]; then
    echo "bootstrap: installing pnpm@$pnpm_version into ${tools#"$FTLAB_ROOT"/}" >&2
    npm install --prefix "$tools" --no-save --no-package-lock "pnpm@$pnpm_version" >/dev/null
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
fi

if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [ -f "$node_prefix/include/node/node.h" ]; then
    export npm_config_nodedir="$node_prefix"
  fi
fi

# node_modules/.modules.yaml is rewritten by every install: newer than the lockfile means
# the install already matches it.
if [ ! -f "$FTLAB_ROOT/node_modules/.modules.yaml" ] ||
  [ "$FTLAB_ROOT/pnpm-lock.yaml" -nt "$FTLAB_ROOT/node_modules/.modules.yaml" ]; then
  echo "bootstrap: pnpm install --frozen-lockfile" >&2
  (cd "$FTLAB_ROOT" && pnpm install --frozen-lockfile)
fi
