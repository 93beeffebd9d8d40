#!/usr/bin/env bash
# Runs uplift-bench-backfill on SQLite and on a throwaway PostgreSQL server started for it (and
# stopped at the end, also on failure). Usage: bench/run_backfill.sh BUILD_DIR [ROWS] [ROUNDS]
set -euo pipefail
build="$1"
rows="${2:-1000000}"
rounds="${3:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(cd "$build" && pwd)/bench-backfill"
rm -rf "$work"
mkdir -p "$work"
bash "$here/../tests/store/pg_cluster.sh" start "$work/pg" >/dev/null
trap 'bash "$here/../tests/store/pg_cluster.sh" stop "$work/pg" >/dev/null || true' EXIT
"$build/bench/uplift-bench-backfill" --sqlite "$work/bench.db" "${@:4}" \
  --postgres "$(cat "$work/pg/conninfo")" --rows "$rows" --rounds "$rounds"
