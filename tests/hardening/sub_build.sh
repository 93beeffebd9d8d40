#!/usr/bin/env bash
# The hardening builds, each in a build folder of its own next to the main one:
#   sub_build.sh asan SOURCE_DIR BUILD_DIR   every test program with AddressSanitizer and
#                                            UndefinedBehaviorSanitizer (GCC), and the whole suite
#   sub_build.sh tsan SOURCE_DIR BUILD_DIR   the programs of the concurrency tests with
#                                            ThreadSanitizer (GCC), and those tests
#   sub_build.sh fuzz SOURCE_DIR BUILD_DIR   the libFuzzer targets (clang++-14, ASan+UBSan); run
#                                            them with tests/fuzz/run_fuzz.sh
# Any sanitizer finding stops its program, and so fails its test. UPLIFT_JOBS sets the parallelism
# (default 2). The builds are unity builds (each program's sources compiled as one file, so the
# heavy headers are compiled once per program), -O0 under ASan (its tests are quick anyway: a
# third less time compiling) and -O1 under TSan and libFuzzer (which need the speed).
set -euo pipefail

kind=${1:?usage: sub_build.sh asan|tsan|fuzz SOURCE_DIR BUILD_DIR}
src=${2:?usage: sub_build.sh asan|tsan|fuzz SOURCE_DIR BUILD_DIR}
dir=${3:?usage: sub_build.sh asan|tsan|fuzz SOURCE_DIR BUILD_DIR}
jobs=${UPLIFT_JOBS:-2}

opt=-O1
[ "$kind" = asan ] && opt=-O0
args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=$opt -g1" -DCMAKE_UNITY_BUILD=ON
      -DUPLIFT_HARDENING_TESTS=OFF -DUPLIFT_BUILD_BENCH=OFF)
command -v ninja >/dev/null 2>&1 && args+=(-G Ninja)
command -v ccache >/dev/null 2>&1 && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# The concurrency tests: every backfill, store and knob test (worker threads, read-repair, the
# knob's thread, connections shared across threads and processes), and the tests of objects
# shared across threads (docs/THREADS.md) in the other programs.
tsan_tests='^(backfill|store|fleet)/|threads|concurrent'
targets=()
run_tests=()
case "$kind" in
  asan)
    args+=(-DUPLIFT_SANITIZE=address,undefined)
    targets=(all)
    run_tests=(ctest --output-on-failure -j "$jobs")
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ;;
  tsan)
    args+=(-DUPLIFT_SANITIZE=thread)
    targets=(uplift-tests uplift-tests-json uplift-store-tests uplift-backfill-tests
             uplift-knob-tests)
    run_tests=(ctest --output-on-failure -j "$jobs" -R "$tsan_tests")
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    ;;
  fuzz)
    cxx=${UPLIFT_FUZZ_CXX:-clang++-14}
    if ! command -v "$cxx" >/dev/null 2>&1; then
      echo "sub_build: $cxx is missing; install clang-14 and libclang-rt-14-dev" \
           "(cmake/install-deps.sh hardening)" >&2
      exit 1
    fi
    args+=(-DCMAKE_CXX_COMPILER="$cxx" -DUPLIFT_SANITIZE=address,undefined
           -DUPLIFT_BUILD_FUZZERS=ON)
    targets=(uplift-fuzzers)
    ;;
  *)
    echo "sub_build: unknown build '$kind' (asan, tsan or fuzz)" >&2
    exit 2
    ;;
esac

log="$dir.configure.log"
if ! cmake -S "$src" -B "$dir" "${args[@]}" >"$log" 2>&1; then
  cat "$log"
  exit 1
fi
echo "sub_build $kind: building ${targets[*]} in $dir"
cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
if [ ${#run_tests[@]} -gt 0 ]; then
  cd "$dir"
  "${run_tests[@]}"
fi
