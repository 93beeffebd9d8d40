# The README's commands. Each first installs the Debian packages that are missing.
#   make demo   install, build, run the main demo; DEMO_ARGS passes it options, e.g.
#               DEMO_ARGS='--format json --legacy 1000' (uplift-demo --help lists them)
#   make test   install, build, run every test: the suite (with a smoke run of every benchmark),
#               then the hardening stages (the suite under ASan+UBSan, the concurrency tests under
#               TSan, each fuzz target for FUZZ_SMOKE_SECONDS), each in a build folder next to
#               BUILD_DIR
#   make fuzz   install, build the fuzz targets with clang, run each for FUZZ_SECONDS (or for
#               FUZZ_RUNS executions, FUZZ_RUNS=10000000), and add each campaign to
#               docs/fuzz/CAMPAIGNS.md
#   make bench  install, build in Release, run the benchmarks (decode, compile time, the backfill,
#               the knob and the copy-transform on SQLite and a throwaway PostgreSQL server) and
#               write docs/bench/
#               (results.md and the plots)

BUILD_DIR ?= build
BENCH_DIR ?= build-bench
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
FUZZ_DIR ?= $(BUILD_DIR)-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_TARGETS ?= peek read read_json rows legacy schema check
DEMO_ARGS ?=

# Configures a build folder once: Ninja and ccache when present.
define configure
	@if [ ! -f $(1)/CMakeCache.txt ]; then \
	  gen=; command -v ninja >/dev/null 2>&1 && gen="-G Ninja"; \
	  launcher=; command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; \
	  echo "cmake: configuring $(1) ($(2))"; \
	  cmake -S . -B $(1) $$gen $$launcher -DCMAKE_BUILD_TYPE=$(2) $(3) >$(1).configure.log 2>&1 \
	    || { cat $(1).configure.log; exit 1; }; \
	fi
endef

.PHONY: all deps deps-hardening build test demo bench fuzz clean

all: build

# The peer libraries of the benchmarks too: the test suite runs every benchmark once, small.
deps:
	@bash cmake/install-deps.sh core bench

deps-hardening:
	@bash cmake/install-deps.sh core hardening

build: deps
	$(call configure,$(BUILD_DIR),$(BUILD_TYPE),-DUPLIFT_BUILD_BENCH=ON)
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps-hardening build
	@cmake -S . -B $(BUILD_DIR) -DUPLIFT_HARDENING_TESTS=ON -DUPLIFT_FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) >/dev/null
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

fuzz: deps-hardening
	@UPLIFT_JOBS=$(JOBS) bash tests/hardening/sub_build.sh fuzz . $(FUZZ_DIR)
	@for t in $(FUZZ_TARGETS); do UPLIFT_FUZZ_RECORD=docs/fuzz/CAMPAIGNS.md \
	  bash tests/fuzz/run_fuzz.sh $(FUZZ_DIR) $$t $(if $(FUZZ_RUNS),0 $(FUZZ_RUNS),$(FUZZ_SECONDS)) || exit 1; done

# The demo needs only its own program.
demo: deps
	$(call configure,$(BUILD_DIR),$(BUILD_TYPE),-DUPLIFT_BUILD_BENCH=ON)
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target uplift-demo
	@$(BUILD_DIR)/examples/uplift-demo $(DEMO_ARGS)

bench: deps
	$(call configure,$(BENCH_DIR),Release,-DUPLIFT_BUILD_BENCH=ON -DUPLIFT_BUILD_TESTS=OFF)
	@cmake --build $(BENCH_DIR) -j $(JOBS) --target uplift-bench uplift-bench-compile \
	  uplift-bench-report uplift-bench-backfill uplift-bench-knob uplift-bench-copy
	@$(BENCH_DIR)/bench/uplift-bench --out $(BENCH_DIR)/bench/results.tsv
	@$(BENCH_DIR)/bench/uplift-bench-compile --out $(BENCH_DIR)/bench/compile.tsv
	@$(BENCH_DIR)/bench/uplift-bench-report --bench $(BENCH_DIR)/bench/results.tsv \
	  --compile $(BENCH_DIR)/bench/compile.tsv --dir docs/bench
	@bash bench/run_backfill.sh $(BENCH_DIR)
	@bash bench/run_knob.sh $(BENCH_DIR)
	@bash bench/run_copy.sh $(BENCH_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BENCH_DIR) $(BUILD_DIR).configure.log $(BENCH_DIR).configure.log \
	  $(BUILD_DIR)-asan $(BUILD_DIR)-tsan $(FUZZ_DIR) $(BUILD_DIR)-asan.configure.log \
	  $(BUILD_DIR)-tsan.configure.log $(FUZZ_DIR).configure.log
