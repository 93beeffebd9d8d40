// uplift-bench: how much reading the demo user record costs through uplift, next to raw
// FlatBuffers and a hand-written Object API migration (read_user), and reading it from JSON next
// to hand-written simdjson on-demand readers (read_user_json). Every contender's result is checked
// against its table's baseline before it is timed. Prints one markdown table per scenario.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_build_info.hpp"
#include "harness.hpp"
#include "read_user/dataset.hpp"
#include "read_user/object_api_migration.hpp"
#include "read_user/raw_flatbuffers.hpp"
#include "read_user/raw_verified.hpp"
#include "read_user/uplift_trusted.hpp"
#include "read_user/uplift_upgrade_v2.hpp"
#include "read_user/uplift_verified.hpp"
#include "read_user_json/dataset.hpp"
#include "read_user_json/simdjson_v1_migration.hpp"
#include "read_user_json/simdjson_v3.hpp"
#include "read_user_json/uplift_upgrade_v1.hpp"
#include "read_user_json/uplift_v3.hpp"

namespace {

#define UPLIFT_BENCH_STRING(x) UPLIFT_BENCH_STRING_(x)
#define UPLIFT_BENCH_STRING_(x) #x

template <class Buffers>
double mean_size(const Buffers& b) {
  double total = 0;
  for (const auto& x : b) total += static_cast<double>(x.size());
  return total / static_cast<double>(b.size());
}

/// The lines every table starts with: the machine, the build, the sampling.
void print_setup(const uplift_bench::settings& s) {
  std::printf("- CPU: %s (%u hardware threads)\n", uplift_bench::cpu_model().c_str(),
              std::thread::hardware_concurrency());
  std::printf("- compiler: %s, %s build, flags: %s\n", UPLIFT_BENCH_COMPILER,
              UPLIFT_BENCH_BUILD_TYPE, UPLIFT_BENCH_FLAGS);
  std::printf("- %zu samples per contender, taken round-robin, each at least %lld ms of whole "
              "passes; median and range shown\n",
              s.samples, static_cast<long long>(s.min_sample.count() / 1'000'000));
}

void print_release_warning() {
  if (std::string_view(UPLIFT_BENCH_BUILD_TYPE) != "Release")
    std::printf("WARNING: not a Release build; configure with -DCMAKE_BUILD_TYPE=Release for "
                "numbers worth comparing\n\n");
}

/// read_user_json: the same users from JSON, into a demo::v3::UserT each, through uplift and
/// through simdjson on-demand readers written by hand.
void run_read_user_json(const uplift_bench::read_user::dataset& users,
                        const uplift_bench::settings& s) {
  using namespace uplift_bench;
  using namespace uplift_bench::read_user_json;

  const dataset d = make_dataset(users);
  simdjson_v3 baseline;
  const std::uint64_t expected = baseline.run(d);
  if (expected != d.reference_checksum())
    die("read_user_json: the baseline's checksum differs from the checksum of the source structs");

  uplift_v3 up_v3;
  simdjson_v1_migration by_hand;
  uplift_upgrade_v1 up_v1;
  suite<dataset> bench(d, d.size(), expected, s);
  bench.add(baseline);  // the first row is the baseline
  bench.add(up_v3);
  bench.add(by_hand);
  bench.add(up_v1);
  const std::vector<measurement> rows = bench.run();

  // The kernel the on-demand code in this binary was compiled for. simdjson::
  // builtin_implementation() would not tell: it is defined in the shared libsimdjson and reports
  // how that library was compiled.
  const std::string_view kernel = UPLIFT_BENCH_STRING(SIMDJSON_BUILTIN_IMPLEMENTATION);
  const std::string_view library_kernel = simdjson::builtin_implementation()->name();
  std::printf("## read_user_json: read a demo.User from JSON into a fresh demo.v3.UserT, uplift "
              "against simdjson on-demand written by hand, %zu records in shuffled order\n\n",
              d.size());
  print_setup(s);
  std::printf("- simdjson %s; on-demand kernel compiled into uplift-bench (chosen at compile time "
              "from -march): %.*s (libsimdjson's own builtin_implementation(): %.*s)\n",
              UPLIFT_BENCH_STRING(SIMDJSON_VERSION), static_cast<int>(kernel.size()),
              kernel.data(), static_cast<int>(library_kernel.size()), library_kernel.data());
  std::printf("- mean JSON document size: v3 %.0f B, v1 %.0f B (written by uplift::write_json, "
              "compact, \"_v\" first; created_at is 0 in every user since v1 cannot carry it)\n",
              mean_size(d.json_v3), mean_size(d.json_v1));
  std::printf("- the hand-written readers match keys raw, skip unknown keys (\"_v\" included) and "
              "check every simdjson error, the age range and trailing text; uplift also checks "
              "\"_v\" and rejects duplicate keys\n");
  std::printf("- every contender's checksum equals the baseline's: %016llx\n\n",
              static_cast<unsigned long long>(expected));
  if (kernel == "fallback")
    std::printf("WARNING: simdjson's scalar fallback kernel; configure with "
                "-DUPLIFT_BENCH_MARCH=native (or another -march value) for its SIMD kernels\n\n");
  print_release_warning();
  print_table(rows);
}

}  // namespace

int main() {
  using namespace uplift_bench;
  using namespace uplift_bench::read_user;

  constexpr std::size_t records = 4096;
  const settings s{};
  const dataset d = make_dataset(records);

  // The baseline must agree with the source structs, and every contender with the baseline.
  raw_flatbuffers baseline;
  const std::uint64_t expected = baseline.run(d);
  if (expected != d.reference_checksum())
    die("the baseline's checksum differs from the checksum of the source structs");

  raw_verified verified;
  uplift_trusted up_trusted;
  uplift_verified up_verified;
  uplift_upgrade_v2 up_v2;
  object_api_migration by_hand;
  suite<dataset> bench(d, records, expected, s);
  bench.add(baseline);  // the first row is the baseline
  bench.add(verified);
  bench.add(up_trusted);
  bench.add(up_verified);
  bench.add(up_v2);
  bench.add(by_hand);
  const std::vector<measurement> rows = bench.run();

  std::printf("## read_user: read every field of a demo.User, %zu records in shuffled order\n\n",
              records);
  print_setup(s);
  std::printf("- mean input size: v3 payload %.0f B, v2 payload %.0f B, v3 record %.0f B, "
              "v2 record %.0f B (records add a 16-byte header)\n",
              mean_size(d.raw_v3), mean_size(d.raw_v2), mean_size(d.records_v3),
              mean_size(d.records_v2));
  std::printf("- every contender's checksum equals the baseline's: %016llx\n\n",
              static_cast<unsigned long long>(expected));
  print_release_warning();
  print_table(rows);

  std::printf("\n");
  run_read_user_json(d, s);
  return 0;
}
