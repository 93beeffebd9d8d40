#pragma once
// The version_mix scenario's data: records of one size whose stored versions follow a mix (all
// v3; all v1; 90% v3, 9% v2, 1% v1), each encoded at its stored version in every format, each
// format in one contiguous arena, and the shuffled order every contender reads them in.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/arena.hpp"
#include "record/peers.hpp"
#include "record/record.hpp"

namespace uplift_bench::version_mix {

namespace v1 = record::v1;
namespace v2 = record::v2;
namespace v3 = record::v3;

/// A mix of stored versions: the share of v3, v2 and v1 records in percent.
struct stored_mix {
  std::string_view id;     ///< "latest", "v1", "90-9-1"
  std::string_view title;  ///< what the tables say
  unsigned v3 = 100, v2 = 0, v1 = 0;
};
inline constexpr stored_mix all_mixes[] = {
    {"latest", "all at v3 (the latest)", 100, 0, 0},
    {"v1", "all at v1 (a rename and an appended field, then a transforming step)", 0, 0, 100},
    {"90-9-1", "90% v3, 9% v2, 1% v1", 90, 9, 1},
};

struct dataset {
  std::vector<record::logical> records;  ///< what every encoding holds, with its stored version
  std::vector<std::uint32_t> order;      ///< shuffled indices: the read order
  arena records_uplift;                  ///< uplift records, each at its stored version
  record::peer_arenas peers;            ///< protobuf, Cap'n Proto, Avro, cereal
};

/// The stored version in an uplift record's header (bytes 12 and 13), as a hand-written reader of
/// trusted records finds it.
inline std::uint16_t header_version(const std::uint8_t* record) noexcept {
  return static_cast<std::uint16_t>(record[12] | (record[13] << 8));
}

inline uplift::buffer write_uplift(const record::logical& r) {
  if (r.stored_version == 1) return uplift::write<record::descriptor>(record::to_v1(r));
  if (r.stored_version == 2) return uplift::write<record::descriptor>(record::to_v2(r));
  return uplift::write<record::descriptor>(record::to_v3(r));
}

inline dataset make_dataset(record::size_class s, const stored_mix& m, std::size_t n, std::uint64_t seed) {
  dataset d;
  d.records = record::make_records(s, n, seed, [&m](std::mt19937_64& rng) -> std::uint16_t {
    const unsigned p = static_cast<unsigned>(rng() % 100);
    return p < m.v3 ? 3 : p < m.v3 + m.v2 ? 2 : 1;
  });
  d.order = record::shuffled_order(n, seed + 1);
  for (const record::logical& r : d.records) {
    d.records_uplift.add(write_uplift(r).span());
    d.peers.add(r);
  }
  return d;
}

}  // namespace uplift_bench::version_mix
