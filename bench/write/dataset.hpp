#pragma once
// The write scenario's data: records of one size at the latest version, each in the form its
// writer starts from (the logical fields for a FlatBufferBuilder or a Cap'n Proto builder, the
// Object API struct, the protobuf message, the cereal struct), and the shuffled write order.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "record/cereal.hpp"
#include "record/protobuf.hpp"
#include "record/record.hpp"

namespace uplift_bench::write {

namespace v3 = record::v3;

struct dataset {
  record::size_class size{};
  std::vector<record::logical> records;  ///< the fields every writer writes
  std::vector<std::uint32_t> order;      ///< shuffled indices: the write order
  std::vector<v3::RecordT> objects;      ///< the Object API structs
  std::vector<bench::pb::Record> protobuf;
  std::vector<record::cereal_format::record> cereal;
};

inline dataset make_dataset(record::size_class s, std::size_t n, std::uint64_t seed) {
  dataset d;
  d.size = s;
  d.records = record::make_latest(s, n, seed);
  d.order = record::shuffled_order(n, seed + 1);
  for (const record::logical& r : d.records) {
    d.objects.push_back(record::to_v3(r));
    record::to_protobuf(r, d.protobuf.emplace_back());
    d.cereal.push_back(record::cereal_format::to_cereal(r));
  }
  return d;
}

/// The record's fields written with a FlatBufferBuilder, as a FlatBuffers user writes them:
/// strings and vectors first, then the table.
inline flatbuffers::Offset<v3::Record> build_v3(flatbuffers::FlatBufferBuilder& fbb,
                                                const record::logical& r) {
  const auto display_name = fbb.CreateString(r.display_name);
  const auto email = fbb.CreateString(r.email);
  const auto tags = r.tags.empty() ? 0 : fbb.CreateVectorOfStrings(r.tags);
  const auto values = r.values.empty() ? 0 : fbb.CreateVector(r.values);
  const auto note = r.note.empty() ? 0 : fbb.CreateString(r.note);
  const auto email_domain = fbb.CreateString(r.email_domain);
  return v3::CreateRecord(fbb, r.id, r.created_at, r.kind, r.flags, r.score, display_name, email,
                          tags, values, note, email_domain);
}

}  // namespace uplift_bench::write
