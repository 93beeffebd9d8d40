#!/usr/bin/env bash
# Runs one fuzz target of a fuzz build for a while and says how many inputs it ran.
#   run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS
# New inputs go to FUZZ_BUILD_DIR/corpus/TARGET (the checked-in seeds, tests/fuzz/corpus/TARGET,
# are read, never written). A finding stops the run: the input that caused it is saved as
# FUZZ_BUILD_DIR/findings/TARGET/crash-* (or leak-, timeout-, oom-), and the run fails.
set -euo pipefail

build=${1:?usage: run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS}
target=${2:?usage: run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS}
seconds=${3:?usage: run_fuzz.sh FUZZ_BUILD_DIR TARGET SECONDS}
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
[ "$target" = read_json ] && max_len=65536
set +e
"$exe" -max_total_time="$seconds" -print_final_stats=1 -max_len="$max_len" -timeout=10 \
  -rss_limit_mb=2048 -malloc_limit_mb=256 -artifact_prefix="$findings/" \
  "$corpus" "$here/corpus/$target" >"$log" 2>&1
rc=$?
set -e
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ $rc -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzz $target: FINDING after ${runs:-?} executions (log: $log)"
  ls "$findings" | sed "s|^|  input: $findings/|"
  echo "  make it a regression test: copy the input to tests/fuzz/regressions/$target/, fix the"
  echo "  library until uplift-fuzz-replay-$target passes on it, and commit both"
  exit 1
fi
echo "fuzz $target: ${runs:-?} executions in ${seconds} s, no finding (corpus: $(ls "$corpus" | wc -l) inputs)"
