#pragma once
// Bare v3 FlatBuffers: GetRoot, then read the fields; trusted (the baseline of a latest read), or
// untrusted with the FlatBuffers Verifier first.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

template <class Fields, bool Verify>
struct raw_read {
  static constexpr std::string_view id = Verify ? "raw_verified" : "raw_read";
  static constexpr std::string_view name =
      Verify ? "raw FlatBuffers: Verifier + GetRoot + read" : "raw FlatBuffers: GetRoot + read";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    if constexpr (Verify) {
      flatbuffers::Verifier v(d.flatbuffers.data(i), d.flatbuffers.size(i));
      if (!v.VerifyBuffer<v3::Record>(nullptr)) [[unlikely]]
        die("raw_read: a v3 payload failed verification");
    }
    const v3::Record& r = *flatbuffers::GetRoot<v3::Record>(d.flatbuffers.data(i));
    if constexpr (Fields::all)
      return record::fold_all(h, r);
    else
      return record::fold_two(h, r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.flatbuffers.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
