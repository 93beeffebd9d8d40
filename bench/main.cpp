// uplift-bench: decode throughput of uplift next to raw FlatBuffers, hand-written migrations and
// peer libraries (protobuf, Cap'n Proto, Avro C, cereal; simdjson and nlohmann-json for JSON), all
// in one binary on the same logical data. Every contender's result is checked against its
// table's reference before it is timed.
//
//   uplift-bench [--smoke] [--only SCENARIO[,SCENARIO...]] [--out FILE.tsv] [--samples N]
//                [--min-sample-ms N]
//
// Scenarios: read_latest, version_mix, chain_depth, read_json, write (all by default). --smoke
// reads tiny data sets once each, with every check: the test suite runs it. Tables go to stdout as
// markdown; --out also writes them for uplift-bench-report (bench/results.hpp has the format).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include <simdjson.h>

#include "bench_build_info.hpp"
#include "common/machine.hpp"
#include "harness.hpp"
#include "results.hpp"
#include "scenarios.hpp"

namespace {

#define UPLIFT_BENCH_STRING(x) UPLIFT_BENCH_STRING_(x)
#define UPLIFT_BENCH_STRING_(x) #x

constexpr const char* usage =
    "usage: uplift-bench [--smoke] [--only SCENARIO[,SCENARIO...]] [--out FILE.tsv] "
    "[--samples N] [--min-sample-ms N]\n"
    "scenarios: read_latest, version_mix, chain_depth, read_json, write\n";

bool wanted(const std::string& only, std::string_view scenario) {
  if (only.empty()) return true;
  std::size_t start = 0;
  while (start <= only.size()) {
    const std::size_t comma = std::min(only.find(',', start), only.size());
    if (std::string_view(only).substr(start, comma - start) == scenario) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace uplift_bench;
  settings s;
  std::string only, out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "uplift-bench: %s needs a value\n%s", argv[i], usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") {
      s.smoke = true;
    } else if (a == "--only") {
      only = next();
    } else if (a == "--out") {
      out_path = next();
    } else if (a == "--samples") {
      s.samples = std::strtoul(next().c_str(), nullptr, 10);
      if (s.samples == 0) s.samples = 1;
    } else if (a == "--min-sample-ms") {
      s.min_sample = std::chrono::milliseconds(std::strtoul(next().c_str(), nullptr, 10));
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", usage);
      return 0;
    } else {
      std::fprintf(stderr, "uplift-bench: unknown argument %s\n%s", argv[i], usage);
      return 2;
    }
  }
  for (std::size_t start = 0; !only.empty() && start <= only.size();) {
    const std::size_t comma = std::min(only.find(',', start), only.size());
    const std::string_view name = std::string_view(only).substr(start, comma - start);
    if (name != "read_latest" && name != "version_mix" && name != "chain_depth" &&
        name != "read_json" && name != "write") {
      std::fprintf(stderr, "uplift-bench: unknown scenario '%.*s'\n%s", static_cast<int>(name.size()),
                   name.data(), usage);
      return 2;
    }
    start = comma + 1;
  }

  results out(out_path);
  std::printf("# uplift-bench%s\n\n", s.smoke ? " (smoke run: tiny sets, one sample, not timings)" : "");
  bool llc_found = false;
  const std::size_t llc = llc_bytes(&llc_found);
  out.info("cpu", cpu_model() + " (" + std::to_string(std::thread::hardware_concurrency()) +
                      " hardware threads)");
  out.info("llc", pretty_bytes(static_cast<double>(llc)) +
                      (llc_found ? "" : " (assumed: /sys/devices/system/cpu/cpu0/cache/index3/size "
                                        "could not be read)"));
  out.info("compiler", UPLIFT_BENCH_COMPILER);
  out.info("build_type", UPLIFT_BENCH_BUILD_TYPE);
  out.info("flags", UPLIFT_BENCH_FLAGS);
  out.info("samples", std::to_string(s.smoke ? 1 : s.samples));
  out.info("min_sample_ms", std::to_string(s.min_sample.count() / 1'000'000));
  out.info("smoke", s.smoke ? "1" : "0");
  const std::string_view kernel = UPLIFT_BENCH_STRING(SIMDJSON_BUILTIN_IMPLEMENTATION);
  out.info("simdjson", std::string(UPLIFT_BENCH_STRING(SIMDJSON_VERSION)) + ", on-demand kernel " +
                           std::string(kernel));
  if (std::string_view(UPLIFT_BENCH_BUILD_TYPE) != "Release" && !s.smoke)
    std::printf("\nWARNING: not a Release build; configure with -DCMAKE_BUILD_TYPE=Release for "
                "numbers worth comparing\n");

  const auto t0 = std::chrono::steady_clock::now();
  if (wanted(only, "read_latest")) run_read_latest(s, out);
  if (wanted(only, "version_mix")) run_version_mix(s, out);
  if (wanted(only, "chain_depth")) run_chain_depth(s, out);
  if (wanted(only, "read_json")) run_read_json(s, out);
  if (wanted(only, "write")) run_write(s, out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", seconds);
  out.info("run_seconds", buf);
  return 0;
}
