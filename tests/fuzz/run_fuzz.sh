#!/usr/bin/env bash
# Runs one fuzz target of a fuzz build for a while and says how many inputs it ran.
#   run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS [RUNS]
# SECONDS bounds the run; RUNS, when given, ends it after that many executions instead (SECONDS
# 0: no time bound). New inputs go to FUZZ_BUILD_DIR/corpus/TARGET (the checked-in seeds,
# tests/fuzz/corpus/TARGET, are read, never written). A finding stops the run: the input that
# caused it is saved as FUZZ_BUILD_DIR/findings/TARGET/crash-* (or leak-, timeout-, oom-), and
# the run fails. With UPLIFT_FUZZ_RECORD=FILE (make fuzz sets docs/fuzz/CAMPAIGNS.md), the
# campaign is added to FILE as a table row: when, target, executions, time, coverage, corpus,
# finding. Ctrl-C (or TERM) stops a campaign; it is recorded as interrupted, with what it ran.
set -euo pipefail

usage="usage: run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS [RUNS]"
build=${1:?$usage}
target=${2:?$usage}
seconds=${3:?$usage}
runs_wanted=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
exe="$build/tests/fuzz/uplift-fuzz-$target"
if [ ! -x "$exe" ]; then
  echo "run_fuzz: $exe is not built; build the fuzz targets first (make fuzz does)" >&2
  exit 2
fi
corpus="$build/corpus/$target"
findings="$build/findings/$target"
mkdir -p "$corpus" "$findings"
log="$build/fuzz-$target.log"

# Inputs up to 4 KiB (64 KiB for JSON: room for deep nesting); 10 s for one input is a hang; a
# single allocation above 256 MiB is a finding (no record of this size needs one).
max_len=4096
case $target in read_json | rows) max_len=65536 ;; esac
limits=(-max_total_time="$seconds")
[ -n "$runs_wanted" ] && limits+=(-runs="$runs_wanted")
started=$(date +%s)
# Ctrl-C or a TERM stops the campaign: libFuzzer is interrupted, prints its final stats and exits
# with 72, and the campaign is recorded as interrupted, with what it ran.
interrupted=72
set +e
"$exe" "${limits[@]}" -print_final_stats=1 -max_len="$max_len" -timeout=10 \
  -rss_limit_mb=2048 -malloc_limit_mb=256 -interrupted_exitcode=$interrupted \
  -artifact_prefix="$findings/" "$corpus" "$here/corpus/$target" >"$log" 2>&1 &
child=$!
trap 'kill -INT $child 2>/dev/null' INT TERM
wait $child
rc=$?
while kill -0 $child 2>/dev/null; do  # a trapped signal ends the first wait early
  wait $child
  rc=$?
done
trap - INT TERM
set -e
took=$(( $(date +%s) - started ))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')

# The campaign's row in the record (its header written first when the file is new).
record() {
  [ -n "${UPLIFT_FUZZ_RECORD:-}" ] || return 0
  if [ ! -s "$UPLIFT_FUZZ_RECORD" ]; then
    mkdir -p "$(dirname "$UPLIFT_FUZZ_RECORD")"
    {
      echo "# Fuzz campaigns"
      echo
      echo "Written by tests/fuzz/run_fuzz.sh (make fuzz), a row per campaign: the executions, the"
      echo "coverage libFuzzer reached (cov: edges, ft: features), the corpus it left and what it found."
      echo
      echo "| when (UTC) | target | executions | time | exec/s | cov | ft | corpus | finding |"
      echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
    } > "$UPLIFT_FUZZ_RECORD"
  fi
  local rate=0
  [ "$took" -gt 0 ] && rate=$(( ${runs:-0} / took ))
  echo "| $(date -u '+%Y-%m-%d %H:%M') | $target | ${runs:-?} | ${took} s | $rate | ${cov:-?} | ${ft:-?} | $(ls "$corpus" | wc -l) | $1 |" \
    >> "$UPLIFT_FUZZ_RECORD"
}
if [ $rc -eq $interrupted ]; then
  record "none (interrupted)"
  echo "fuzz $target: interrupted after ${runs:-?} executions in ${took} s, no finding (log: $log)"
  exit 130
fi
if [ $rc -ne 0 ]; then
  tail -n 60 "$log"
  record "$(ls "$findings" | head -n 1)"
  echo "fuzz $target: FINDING after ${runs:-?} executions (log: $log)"
  ls "$findings" | sed "s|^|  input: $findings/|"
  echo "  make it a regression test: copy the input to tests/fuzz/regressions/$target/, fix the"
  echo "  library until uplift-fuzz-replay-$target passes on it, and commit both"
  exit 1
fi
record "none"
echo "fuzz $target: ${runs:-?} executions in ${took} s, coverage ${cov:-?} edges, ${ft:-?} features, no finding (corpus: $(ls "$corpus" | wc -l) inputs)"
