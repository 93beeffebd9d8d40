#!/usr/bin/env bash
# The throwaway PostgreSQL server of the store tests.
#   pg_cluster.sh start DIR   initdb a new cluster in a temporary folder and start it, listening on
#                             a unix socket in that folder and on 127.0.0.1 at a free port; write
#                             its connection string to DIR/conninfo
#   pg_cluster.sh stop DIR    stop it and delete its folder
#   pg_cluster.sh kill DIR    SIGKILL its postmaster (a crash; its backends follow), keeping the
#                             data: the fault tests' outage
#   pg_cluster.sh restart DIR start a killed cluster again on the same port (crash recovery)
# UPLIFT_PG_DURABLE=1 at start: synchronous commits (see server_options).
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user (the
# Debian package creates it). Outside CI a machine without the server skips the PostgreSQL tests
# (exit 77 here, and no DIR/conninfo); under CI (CI=true) that is a failure.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|kill|restart DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Runs a command as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

find_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# The server's options: a port, the socket in the data folder, 127.0.0.1 only; fsync off (the
# cluster lives for one test run, speed matters more than durability). Commits are asynchronous
# too, unless UPLIFT_PG_DURABLE=1 was set at start: a server killed with SIGKILL then keeps every
# commit it acknowledged (fsync off loses nothing to a killed process, only to a lost machine).
server_options() {
  local sync=off
  [ "$(cat "$dir/synchronous_commit" 2>/dev/null)" = on ] && sync=on
  echo "-p $1 -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=$sync"
}

stop_cluster() {
  [ -f "$dir/datadir" ] || return 0
  local data bindir
  data=$(cat "$dir/datadir")
  bindir=$(cat "$dir/bindir")
  if [ -d "$data/db" ]; then
    (cd "$data" && as_owner "$bindir/pg_ctl" -D "$data/db" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$data"
  rm -f "$dir/datadir" "$dir/bindir" "$dir/conninfo" "$dir/synchronous_commit"
}

case "$cmd" in
  start)
    stop_cluster  # a cluster left behind by an interrupted run
    if ! bindir=$(find_bindir); then
      echo "pg_cluster: no PostgreSQL server binaries (initdb) in pg_config --bindir or" \
           "/usr/lib/postgresql/*/bin; install the server (cmake/install-deps.sh core installs" \
           "postgresql)" >&2
      if [ "${CI:-}" = "true" ]; then exit 1; fi
      echo "pg_cluster: not under CI: the PostgreSQL store tests will be reported as skipped" >&2
      exit 77
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      echo "pg_cluster: running as root and there is no 'postgres' user to run the server as;" \
           "run the tests as another user, or create it (useradd --system postgres)" >&2
      exit 1
    fi
    # /tmp, not $TMPDIR: the socket path must stay short, and the server user must reach it.
    data=$(mktemp -d /tmp/uplift-pg.XXXXXX)
    echo "$data" > "$dir/datadir"
    if [ "${UPLIFT_PG_DURABLE:-}" = 1 ]; then echo on; else echo off; fi > "$dir/synchronous_commit"
    echo "$bindir" > "$dir/bindir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data"; fi
    cd "$data"
    if ! as_owner "$bindir/initdb" -D "$data/db" -U uplift -A trust -E UTF8 --locale=C --no-sync \
         >"$data/initdb.log" 2>&1; then
      cat "$data/initdb.log" >&2
      stop_cluster
      exit 1
    fi
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      port=$((20000 + RANDOM % 40000))
      if as_owner "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
           -o "$(server_options "$port")" start >/dev/null 2>&1; then
        echo "host=$data port=$port user=uplift dbname=postgres" > "$dir/conninfo"
        echo "pg_cluster: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port, socket in $data"
        exit 0
      fi
      if ! grep -q "could not bind\|could not create any TCP/IP sockets\|already in use" "$data/server.log" 2>/dev/null; then
        break  # not a busy port: retrying will not help
      fi
      : > "$data/server.log"
    done
    echo "pg_cluster: the server did not start; its log:" >&2
    cat "$data/server.log" >&2 || true
    stop_cluster
    exit 1
    ;;
  stop)
    stop_cluster
    ;;
  kill)
    data=$(cat "$dir/datadir")
    pid=$(head -n 1 "$data/db/postmaster.pid")
    kill -9 "$pid"  # its backends see it gone and exit (restart waits for them)
    ;;
  restart)
    data=$(cat "$dir/datadir")
    bindir=$(cat "$dir/bindir")
    port=$(sed -n 's/.* port=\([0-9]*\) .*/\1/p' "$dir/conninfo")
    cd "$data"
    # Tries again while the killed server's backends are still going away.
    for attempt in $(seq 1 40); do
      if as_owner "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
           -o "$(server_options "$port")" start >/dev/null 2>&1; then
        exit 0
      fi
      sleep 0.25
    done
    echo "pg_cluster: the server did not start again; its log:" >&2
    tail -n 30 "$data/server.log" >&2 || true
    exit 1
    ;;
  *)
    echo "usage: $0 start|stop|kill|restart DIR" >&2
    exit 2
    ;;
esac
