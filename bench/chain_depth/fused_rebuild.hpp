#pragma once
// A transforming chain's migration written by hand for speed, trusted input: the stored version's
// accessors are read once and the v11 table is built straight from them with one reused
// FlatBufferBuilder (no Object API structs), then read.

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "chain_depth/dataset.hpp"
#include "common/rebuild.hpp"

namespace uplift_bench::chain_depth {

template <class Family, std::uint16_t Stored>
class fused_rebuild {
 public:
  static_assert(!Family::wire, "a wire-compatible chain needs no migration");
  static constexpr std::string_view id = "fused";
  static constexpr std::string_view name = "hand-written FlatBuffers -> FlatBuffers rebuild";
  static constexpr std::string_view input = "stored payloads";

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) {
    const auto& s = *flatbuffers::GetRoot<table_at<Family, Stored>>(d.stored.data(i));
    fbb_.Clear();
    const auto name_offset = copy_string(fbb_, s.name());
    const auto email = copy_string(fbb_, s.email());
    const auto tags = copy_strings(fbb_, s.tags(), offsets_);
    const auto values = copy_scalars(fbb_, s.values());
    builder b(fbb_);
    b.add_id(s.id());
    b.add_created_at(s.created_at());
    b.add_name(name_offset);
    b.add_email(email);
    b.add_tags(tags);
    b.add_values(values);
    if constexpr (std::is_same_v<Family, widen>) {
      b.add_w1(s.w1()), b.add_w2(s.w2()), b.add_w3(s.w3()), b.add_w4(s.w4()), b.add_w5(s.w5());
      b.add_w6(s.w6()), b.add_w7(s.w7()), b.add_w8(s.w8()), b.add_w9(s.w9()), b.add_w10(s.w10());
    } else {
      const std::int64_t c = s.created_at();
      if constexpr (Stored > 1) b.add_c1(s.c1()); else b.add_c1(c + 1 * day);
      if constexpr (Stored > 2) b.add_c2(s.c2()); else b.add_c2(c + 2 * day);
      if constexpr (Stored > 3) b.add_c3(s.c3()); else b.add_c3(c + 3 * day);
      if constexpr (Stored > 4) b.add_c4(s.c4()); else b.add_c4(c + 4 * day);
      if constexpr (Stored > 5) b.add_c5(s.c5()); else b.add_c5(c + 5 * day);
      if constexpr (Stored > 6) b.add_c6(s.c6()); else b.add_c6(c + 6 * day);
      if constexpr (Stored > 7) b.add_c7(s.c7()); else b.add_c7(c + 7 * day);
      if constexpr (Stored > 8) b.add_c8(s.c8()); else b.add_c8(c + 8 * day);
      if constexpr (Stored > 9) b.add_c9(s.c9()); else b.add_c9(c + 9 * day);
      b.add_c10(c + 10 * day);
    }
    fbb_.Finish(b.Finish());
    return Family::fold(h, *flatbuffers::GetRoot<typename Family::latest_table>(fbb_.GetBufferPointer()));
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.stored.total_bytes(); }

 private:
  using builder = typename Family::latest_table::Builder;

  flatbuffers::FlatBufferBuilder fbb_{1024};
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets_;
};

}  // namespace uplift_bench::chain_depth
