#pragma once
// The benchmark record in Cap'n Proto (bench/peers/record.capnp): writing it at its stored version
// as a flat, unpacked message, and folding a latest reader like the other formats.

#include <cstdint>
#include <string_view>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "record.capnp.h"
#include "record/record.hpp"

namespace uplift_bench::record {

/// The fields every version's struct has, set from `r`.
template <class Builder>
Builder set_capnp_common(const logical& r, Builder b) {
  b.setSchemaVersion(r.stored_version);
  b.setId(r.id);
  b.setCreatedAt(r.created_at);
  b.setFlags(r.flags);
  b.setEmail(r.email);
  auto tags = b.initTags(static_cast<unsigned>(r.tags.size()));
  for (unsigned i = 0; i < tags.size(); ++i) tags.set(i, r.tags[i]);
  auto values = b.initValues(static_cast<unsigned>(r.values.size()));
  for (unsigned i = 0; i < values.size(); ++i) values.set(i, r.values[i]);
  return b;
}

/// `r` built as the latest struct.
inline void build_capnp(const logical& r, bench::cp::Record::Builder b) {
  set_capnp_common(r, b);
  b.setKind(r.kind);
  b.setScore(r.score);
  b.setDisplayName(r.display_name);
  b.setNote(r.note);
  b.setEmailDomain(r.email_domain);
}

/// `r` as a single-segment message of its stored version's struct, which names the version in
/// `schemaVersion`.
inline kj::Array<capnp::word> encode_capnp(const logical& r) {
  capnp::MallocMessageBuilder message;
  if (r.stored_version == 1) {
    auto b = set_capnp_common(r, message.initRoot<bench::cp::RecordV1>());
    b.setKind(static_cast<std::int32_t>(r.kind));
    b.setScore(static_cast<float>(r.score));
    b.setName(r.display_name);
  } else if (r.stored_version == 2) {
    auto b = set_capnp_common(r, message.initRoot<bench::cp::RecordV2>());
    b.setKind(static_cast<std::int32_t>(r.kind));
    b.setScore(static_cast<float>(r.score));
    b.setDisplayName(r.display_name);
    b.setNote(r.note);
  } else {
    build_capnp(r, message.initRoot<bench::cp::Record>());
  }
  return capnp::messageToFlatArray(message);
}

inline std::string_view text(capnp::Text::Reader t) noexcept { return {t.begin(), t.size()}; }

/// Every field of a latest reader; `kind`, `score` and `email_domain` are passed in, since an old
/// record's come from its old fields (the hand-written migration).
inline std::uint64_t fold_all(std::uint64_t h, bench::cp::Record::Reader r, std::int64_t kind,
                              double score, std::string_view email_domain) {
  h = mix(h, r.getId());
  h = mix_signed(h, r.getCreatedAt());
  h = mix_signed(h, kind);
  h = mix(h, r.getFlags());
  h = mix_double(h, score);
  h = mix_string(h, text(r.getDisplayName()));
  h = mix_string(h, text(r.getEmail()));
  const auto tags = r.getTags();
  h = mix(h, tags.size());
  for (capnp::Text::Reader t : tags) h = mix_string(h, text(t));
  h = fold_values(h, r.getValues());
  h = mix_string(h, text(r.getNote()));
  h = mix_string(h, email_domain);
  return h;
}
inline std::uint64_t fold_two(std::uint64_t h, bench::cp::Record::Reader r) {
  return mix_string(mix(h, r.getId()), text(r.getEmail()));
}

}  // namespace uplift_bench::record
