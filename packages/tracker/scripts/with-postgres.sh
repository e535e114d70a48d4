#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback and FTLAB_TEST_PG_URL pointing at
# an empty database on it; the server and its files are removed when the command ends.
#
#   bash packages/tracker/scripts/with-postgres.sh pnpm --filter @ftlab/tracker test
#
# - FTLAB_TEST_PG_URL already set: runs the command against that server, starts nothing.
# - PostgreSQL missing: installs Debian's package when running as root (apt-get), otherwise runs
#   the command without a server (the PostgreSQL tests then skip and say how to enable them, or
#   fail under CI=true).
# - The cluster is for tests only: fsync off, trust authentication, 127.0.0.1 only, a free port
#   from FTLAB_TEST_PG_PORT (default 54329) upwards, its socket and data in a fresh temp dir.
set -euo pipefail

if [ -n "${FTLAB_TEST_PG_URL:-}" ]; then
  exec "$@"
fi

find_pg_bin() {
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return
    fi
  done
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  fi
}

pg_bin="$(find_pg_bin)"
if [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "with-postgres: installing PostgreSQL from Debian (apt-get install -y postgresql)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  pg_bin="$(find_pg_bin)"
fi
if [ -z "$pg_bin" ]; then
  echo "with-postgres: no PostgreSQL server found (and not root to install it); running without one:" \
    "the PostgreSQL tests will be skipped." >&2
  exec "$@"
fi

# PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  as_owner=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/ftlab-pg.XXXXXX")"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"

port="${FTLAB_TEST_PG_PORT:-54329}"
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

stop_server() {
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop_server EXIT

"${as_owner[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ftlab_test

export FTLAB_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/ftlab_test"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
  "(FTLAB_TEST_PG_URL=$FTLAB_TEST_PG_URL; stopped when the command ends)" >&2
"$@"
