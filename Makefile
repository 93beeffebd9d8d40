# The README's commands. Each first installs the Debian packages that are missing.
#   make demo   install, build, run the main demo
#   make test   install, build, run every test
#   make bench  install, build in Release, run the benchmarks (decode, and the backfill on SQLite
#               and a throwaway PostgreSQL server)

BUILD_DIR ?= build
BENCH_DIR ?= build-bench
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo

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

.PHONY: all deps build test demo bench clean

all: build

deps:
	@bash cmake/install-deps.sh core

build: deps
	$(call configure,$(BUILD_DIR),$(BUILD_TYPE),)
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@$(BUILD_DIR)/examples/uplift-demo

bench: deps
	$(call configure,$(BENCH_DIR),Release,-DUPLIFT_BUILD_BENCH=ON)
	@cmake --build $(BENCH_DIR) -j $(JOBS) --target uplift-bench uplift-bench-backfill
	@$(BENCH_DIR)/bench/uplift-bench
	@bash bench/run_backfill.sh $(BENCH_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BENCH_DIR) $(BUILD_DIR).configure.log $(BENCH_DIR).configure.log
