#!/usr/bin/env bash
# Runs uplift-bench-knob on SQLite and on a throwaway PostgreSQL server started for it (and stopped
# at the end, also on failure). Usage: bench/run_knob.sh BUILD_DIR [more options of the program]
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(cd "$build" && pwd)/bench-knob"
rm -rf "$work"
mkdir -p "$work"
bash "$here/../tests/store/pg_cluster.sh" start "$work/pg" >/dev/null
trap 'bash "$here/../tests/store/pg_cluster.sh" stop "$work/pg" >/dev/null || true' EXIT
"$build/bench/uplift-bench-knob" "$build/bench/uplift-bench-knob-child" --sqlite "$work/knob.db" \
  --postgres "$(cat "$work/pg/conninfo")" "${@:2}"
