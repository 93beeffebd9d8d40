#pragma once
// The read_latest scenario's data: records of one size, all at the latest version, encoded in
// every format a contender reads, each format in one contiguous arena, and the shuffled order
// every contender reads them in.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "common/arena.hpp"
#include "record/peers.hpp"
#include "record/record.hpp"

namespace uplift_bench::read_latest {

namespace v3 = record::v3;

struct dataset {
  record::size_class size{};
  std::vector<record::logical> records;  ///< what every encoding holds
  std::vector<std::uint32_t> order;      ///< shuffled indices: the read order
  arena flatbuffers;                     ///< bare v3 FlatBuffers, no header
  arena records_v3;                      ///< uplift records at v3: the header, then the payload
  record::peer_arenas peers;            ///< protobuf, Cap'n Proto, Avro, cereal
};

inline dataset make_dataset(record::size_class s, std::size_t n, std::uint64_t seed) {
  dataset d;
  d.size = s;
  d.records = record::make_latest(s, n, seed);
  d.order = record::shuffled_order(n, seed + 1);
  for (const record::logical& r : d.records) {
    const v3::RecordT obj = record::to_v3(r);
    const flatbuffers::DetachedBuffer raw = record::pack_v3(obj);
    d.flatbuffers.add(raw.data(), raw.size());
    d.records_v3.add(uplift::write<record::descriptor>(obj).span());
    d.peers.add(r);
  }
  return d;
}

}  // namespace uplift_bench::read_latest
