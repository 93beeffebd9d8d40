#pragma once
// Cap'n Proto and a hand-written migration: every version is read through the latest struct's
// reader (ordinals never change, so the rename and the appended note need nothing); an old record's
// kind and score come from its old fields and its email_domain is computed.

#include <cstdint>
#include <string_view>

#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

struct capnp_migration {
  static constexpr std::string_view id = "capnp";
  static constexpr std::string_view name = "Cap'n Proto: read + hand-written migration";
  static constexpr std::string_view input = "Cap'n Proto words";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    capnp::FlatArrayMessageReader message(kj::ArrayPtr<const capnp::word>(
        reinterpret_cast<const capnp::word*>(d.peers.capnp.words(i)), d.peers.capnp.size(i) / sizeof(capnp::word)));
    const bench::cp::Record::Reader r = message.getRoot<bench::cp::Record>();
    if (r.getSchemaVersion() < 3)
      return record::fold_all(h, r, r.getKindV2(), r.getScoreV2(),
                              record::domain_of(record::text(r.getEmail())));
    return record::fold_all(h, r, r.getKind(), r.getScore(), record::text(r.getEmailDomain()));
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.capnp.total_bytes(); }
};

}  // namespace uplift_bench::version_mix
