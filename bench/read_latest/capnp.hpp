#pragma once
// Cap'n Proto: a FlatArrayMessageReader over the record's words (bounds-checked as it reads, with
// the default traversal limit), getRoot, then read the fields.

#include <cstdint>
#include <string_view>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

template <class Fields>
struct capnp_read {
  static constexpr std::string_view id = "capnp";
  static constexpr std::string_view name = "Cap'n Proto: FlatArrayMessageReader + read";
  static constexpr std::string_view input = "Cap'n Proto words";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    capnp::FlatArrayMessageReader message(kj::ArrayPtr<const capnp::word>(
        reinterpret_cast<const capnp::word*>(d.peers.capnp.words(i)), d.peers.capnp.size(i) / sizeof(capnp::word)));
    const bench::cp::Record::Reader r = message.getRoot<bench::cp::Record>();
    if constexpr (Fields::all)
      return record::fold_all(h, r, r.getKind(), r.getScore(), record::text(r.getEmailDomain()));
    else
      return record::fold_two(h, r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.capnp.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
