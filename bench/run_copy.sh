#!/usr/bin/env bash
# Runs uplift-bench-copy on SQLite and on a throwaway PostgreSQL server started for it (and stopped
# at the end, also on failure). Usage: bench/run_copy.sh BUILD_DIR [more options of the program]
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(cd "$build" && pwd)/bench-copy"
rm -rf "$work"
mkdir -p "$work/sqlite"
bash "$here/../tests/store/pg_cluster.sh" start "$work/pg" >/dev/null
trap 'bash "$here/../tests/store/pg_cluster.sh" stop "$work/pg" >/dev/null || true' EXIT
"$build/bench/uplift-bench-copy" --sqlite "$work/sqlite" --postgres "$(cat "$work/pg/conninfo")" "${@:2}"
