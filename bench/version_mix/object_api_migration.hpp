#pragma once
// The migration as one writes it by hand with the Object API, trusted input: a v3 record is read in
// place; an older one is unpacked into its version's struct, converted to the v3 struct, packed
// with one reused builder, and the v3 table read from it. The structs are reused across records.

#include <cstdint>
#include <string_view>

#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

class object_api_migration {
 public:
  static constexpr std::string_view id = "object_api";
  static constexpr std::string_view name = "hand-written Object API migration";
  static constexpr std::string_view input = "uplift records";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const std::uint8_t* rec = d.records_uplift.data(i);
    const std::uint8_t* payload = rec + uplift::header_size;
    switch (header_version(rec)) {
      case 3: return record::fold_all(h, *flatbuffers::GetRoot<v3::Record>(payload));
      case 2:
        flatbuffers::GetRoot<v2::Record>(payload)->UnPackTo(&v2_);
        convert(v2_, v3_);
        break;
      default:
        flatbuffers::GetRoot<v1::Record>(payload)->UnPackTo(&v1_);
        convert(v1_, v3_);
        break;
    }
    fbb_.Clear();
    fbb_.Finish(v3::Record::Pack(fbb_, &v3_));
    return record::fold_all(h, *flatbuffers::GetRoot<v3::Record>(fbb_.GetBufferPointer()));
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_uplift.total_bytes(); }

 private:
  static void convert(const v2::RecordT& from, v3::RecordT& to) {
    to.id = from.id;
    to.created_at = from.created_at;
    to.kind = from.kind;
    to.flags = from.flags;
    to.score = from.score;
    to.display_name = from.display_name;
    to.email = from.email;
    to.tags = from.tags;
    to.values = from.values;
    to.note = from.note;
    to.email_domain = record::domain_of(from.email);
  }
  static void convert(const v1::RecordT& from, v3::RecordT& to) {
    to.id = from.id;
    to.created_at = from.created_at;
    to.kind = from.kind;
    to.flags = from.flags;
    to.score = from.score;
    to.display_name = from.name;
    to.email = from.email;
    to.tags = from.tags;
    to.values = from.values;
    to.note.clear();
    to.email_domain = record::domain_of(from.email);
  }

  flatbuffers::FlatBufferBuilder fbb_{1024};
  v1::RecordT v1_;
  v2::RecordT v2_;
  v3::RecordT v3_;
};

}  // namespace uplift_bench::version_mix
