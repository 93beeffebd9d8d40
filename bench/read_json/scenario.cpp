// The read_json scenario: JSON records into the latest Object API struct, by uplift::read_json, by
// hand-written simdjson on-demand readers and by nlohmann-json.
#include <cstdio>
#include <string>

#include "read_json/dataset.hpp"
#include "read_json/nlohmann_migration.hpp"
#include "read_json/simdjson_hand.hpp"
#include "read_json/simdjson_hand_migration.hpp"
#include "read_json/uplift_read_json.hpp"
#include "scenarios.hpp"

namespace uplift_bench {

void run_read_json(const settings& s, results& out) {
  using namespace read_json;
  for (record::size_class size : record::all_sizes) {
    const std::size_t n = s.smoke ? 16 : record::records_filling(size, 1 << 20);
    const dataset d = make_dataset(size, n, 20240604);
    auto all = [](std::uint64_t h, const record::logical& r) { return record::fold_all(h, r); };
    const std::uint64_t expected = reference(d.records, d.order, all);
    const std::uint64_t expected_v1 = reference(d.records_v1, d.order, all);
    suite<dataset> su(d, checksum_seed, s);
    simdjson_hand<text::v3> base;
    uplift_read_json<text::v3> up;
    uplift_read_json<text::v3_reversed> up_reversed;
    simdjson_hand<text::v3_reversed> hand_reversed;
    simdjson_hand_migration hand_v1;
    uplift_read_json<text::v1> up_v1;
    nlohmann_migration<text::v3> nl;
    nlohmann_migration<text::v1> nl_v1;
    su.add(base, expected);  // the baseline
    su.add(up, expected);
    su.add(hand_reversed, expected);
    su.add(up_reversed, expected);
    su.add(hand_v1, expected_v1);
    su.add(up_v1, expected_v1);
    su.add(nl, expected);
    su.add(nl_v1, expected_v1);
    const std::string name(record::name_of(size));
    char title[256];
    std::snprintf(title, sizeof title,
                  "%s records from JSON into a fresh v3 struct (%zu records, in cache; mean text "
                  "%.0f B at v3, %.0f B at v1)",
                  name.c_str(), n, static_cast<double>(d.bytes(text::v3)) / static_cast<double>(n),
                  static_cast<double>(d.bytes(text::v1)) / static_cast<double>(n));
    out.table("read_json/" + name, title, "", n, su.run());
  }
}

}  // namespace uplift_bench
