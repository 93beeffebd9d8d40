// uplift-bench: how much reading the demo user record costs through uplift, next to raw
// FlatBuffers and a hand-written Object API migration. Every contender's result is checked
// against the baseline's before it is timed. Prints a markdown table.

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

namespace {

template <class Buffers>
double mean_size(const Buffers& b) {
  double total = 0;
  for (const auto& x : b) total += static_cast<double>(x.size());
  return total / static_cast<double>(b.size());
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
  std::printf("- CPU: %s (%u hardware threads)\n", cpu_model().c_str(),
              std::thread::hardware_concurrency());
  std::printf("- compiler: %s, %s build, flags: %s\n", UPLIFT_BENCH_COMPILER,
              UPLIFT_BENCH_BUILD_TYPE, UPLIFT_BENCH_FLAGS);
  std::printf("- %zu samples per contender, taken round-robin, each at least %lld ms of whole "
              "passes; median and range shown\n",
              s.samples, static_cast<long long>(s.min_sample.count() / 1'000'000));
  std::printf("- mean input size: v3 payload %.0f B, v2 payload %.0f B, v3 record %.0f B, "
              "v2 record %.0f B (records add a 16-byte header)\n",
              mean_size(d.raw_v3), mean_size(d.raw_v2), mean_size(d.records_v3),
              mean_size(d.records_v2));
  std::printf("- every contender's checksum equals the baseline's: %016llx\n\n",
              static_cast<unsigned long long>(expected));
  if (std::string_view(UPLIFT_BENCH_BUILD_TYPE) != "Release")
    std::printf("WARNING: not a Release build; configure with -DCMAKE_BUILD_TYPE=Release for "
                "numbers worth comparing\n\n");
  print_table(rows);
  return 0;
}
