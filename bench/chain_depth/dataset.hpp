#pragma once
// The chain_depth scenario's data: records of one chain stored `depth` steps behind the latest,
// as uplift records, as the bare payloads inside them, and as bare latest-version payloads of the
// same logical data; and the shuffled order every contender reads them in. The old versions are
// written through the chain's generated downgrade steps (codec::write with a write version), and
// every contender's result is checked against the logical data, so a wrong downgrade would show.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <uplift/uplift.hpp>

#include "chain_depth/families.hpp"
#include "common/arena.hpp"
#include "harness.hpp"
#include "record/record.hpp"

namespace uplift_bench::chain_depth {

template <class Family>
struct dataset {
  int depth = 0;
  std::uint16_t stored_version = latest_version;
  std::vector<logical> records;       ///< what every encoding holds
  std::vector<std::uint32_t> order;   ///< shuffled indices: the read order
  arena latest;                       ///< bare v11 payloads
  arena stored;                       ///< bare payloads at the stored version
  arena records_uplift;               ///< uplift records at the stored version
};

template <class Family>
dataset<Family> make_dataset(int depth, std::size_t n, std::uint64_t seed) {
  dataset<Family> d;
  d.depth = depth;
  d.stored_version = static_cast<std::uint16_t>(latest_version - depth);
  // A record stored at v(11 - d) holds the appended fields a1..a(10 - d) only.
  d.records = make_records(n, seed, Family::id == added::id ? 10 - depth : 10);
  d.order = record::shuffled_order(n, seed + 1);
  auto codec = uplift::codec<typename Family::descriptor>::make({.write_version = d.stored_version});
  if (!codec) die(codec.error().message());
  for (const logical& r : d.records) {
    const typename Family::latest_object obj = Family::to_latest(r);
    flatbuffers::FlatBufferBuilder fbb(1024);
    fbb.Finish(Family::latest_table::Pack(fbb, &obj));
    d.latest.add(fbb.GetBufferPointer(), fbb.GetSize());
    auto rec = codec->write(obj);
    if (!rec) die(rec.error().message());
    d.records_uplift.add(rec->span());
    d.stored.add(rec->span().subspan(uplift::header_size));
  }
  return d;
}

}  // namespace uplift_bench::chain_depth
