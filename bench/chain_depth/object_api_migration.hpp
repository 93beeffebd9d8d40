#pragma once
// A transforming chain's migration as one writes it by hand with the Object API, trusted input:
// UnPackTo the stored version's struct, convert to the v11 struct in one go (the net effect of
// all the steps), Pack v11 with one reused builder, and read it. The structs are reused.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "chain_depth/dataset.hpp"

namespace uplift_bench::chain_depth {

template <class Family, std::uint16_t Stored>
class object_api_migration {
 public:
  static_assert(!Family::wire, "a wire-compatible chain needs no migration");
  static constexpr std::string_view id = "object_api";
  static constexpr std::string_view name = "hand-written Object API migration";
  static constexpr std::string_view input = "stored payloads";

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) {
    flatbuffers::GetRoot<table_at<Family, Stored>>(d.stored.data(i))->UnPackTo(&from_);
    convert(from_, to_);
    fbb_.Clear();
    fbb_.Finish(Family::latest_table::Pack(fbb_, &to_));
    return Family::fold(h, *flatbuffers::GetRoot<typename Family::latest_table>(fbb_.GetBufferPointer()));
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.stored.total_bytes(); }

 private:
  using from_object = object_at<Family, Stored>;
  using to_object = typename Family::latest_object;

  static void convert(const from_object& f, to_object& t) {
    t.id = f.id;
    t.created_at = f.created_at;
    t.name = f.name;
    t.email = f.email;
    t.tags = f.tags;
    t.values = f.values;
    if constexpr (std::is_same_v<Family, widen>) {
      // Every w is the same field, narrower in older versions.
      t.w1 = f.w1, t.w2 = f.w2, t.w3 = f.w3, t.w4 = f.w4, t.w5 = f.w5;
      t.w6 = f.w6, t.w7 = f.w7, t.w8 = f.w8, t.w9 = f.w9, t.w10 = f.w10;
    } else {
      // c_k is stored from v(k + 1) on; older records get it computed.
      const std::int64_t c = f.created_at;
      if constexpr (Stored > 1) t.c1 = f.c1; else t.c1 = c + 1 * day;
      if constexpr (Stored > 2) t.c2 = f.c2; else t.c2 = c + 2 * day;
      if constexpr (Stored > 3) t.c3 = f.c3; else t.c3 = c + 3 * day;
      if constexpr (Stored > 4) t.c4 = f.c4; else t.c4 = c + 4 * day;
      if constexpr (Stored > 5) t.c5 = f.c5; else t.c5 = c + 5 * day;
      if constexpr (Stored > 6) t.c6 = f.c6; else t.c6 = c + 6 * day;
      if constexpr (Stored > 7) t.c7 = f.c7; else t.c7 = c + 7 * day;
      if constexpr (Stored > 8) t.c8 = f.c8; else t.c8 = c + 8 * day;
      if constexpr (Stored > 9) t.c9 = f.c9; else t.c9 = c + 9 * day;
      t.c10 = c + 10 * day;
    }
  }

  flatbuffers::FlatBufferBuilder fbb_{1024};
  from_object from_;
  to_object to_;
};

}  // namespace uplift_bench::chain_depth
