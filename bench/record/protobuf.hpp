#pragma once
// The benchmark record in protobuf (bench/peers/record.proto): writing it at its stored version,
// and folding a parsed latest message like the other formats.

#include <cstdint>
#include <string>

#include "record.pb.h"
#include "record/record.hpp"

namespace uplift_bench::record {

/// The fields every version's message has, set from `r`.
template <class Message>
void set_protobuf_common(const logical& r, Message& m) {
  m.set_schema_version(r.stored_version);
  m.set_id(r.id);
  m.set_created_at(r.created_at);
  m.set_flags(r.flags);
  m.set_email(r.email);
  for (const std::string& t : r.tags) m.add_tags(t);
  m.mutable_values()->Add(r.values.begin(), r.values.end());
}

/// `r` as the latest message.
inline void to_protobuf(const logical& r, bench::pb::Record& m) {
  set_protobuf_common(r, m);
  m.set_kind(r.kind);
  m.set_score(r.score);
  m.set_display_name(r.display_name);
  m.set_note(r.note);
  m.set_email_domain(r.email_domain);
}

/// `r` serialized as the message of its stored version, which names the version in
/// `schema_version` (protobuf has no header of its own).
inline std::string encode_protobuf(const logical& r) {
  if (r.stored_version == 1) {
    bench::pb::RecordV1 m;
    set_protobuf_common(r, m);
    m.set_kind(static_cast<std::int32_t>(r.kind));
    m.set_score(static_cast<float>(r.score));
    m.set_name(r.display_name);
    return m.SerializeAsString();
  }
  if (r.stored_version == 2) {
    bench::pb::RecordV2 m;
    set_protobuf_common(r, m);
    m.set_kind(static_cast<std::int32_t>(r.kind));
    m.set_score(static_cast<float>(r.score));
    m.set_display_name(r.display_name);
    m.set_note(r.note);
    return m.SerializeAsString();
  }
  bench::pb::Record m;
  to_protobuf(r, m);
  return m.SerializeAsString();
}

/// Every field of a latest message (after its migration, for an old one).
inline std::uint64_t fold_all(std::uint64_t h, const bench::pb::Record& m) noexcept {
  h = mix(h, m.id());
  h = mix_signed(h, m.created_at());
  h = mix_signed(h, m.kind());
  h = mix(h, m.flags());
  h = mix_double(h, m.score());
  h = mix_string(h, m.display_name());
  h = mix_string(h, m.email());
  h = fold_tags(h, m.tags());
  h = fold_values(h, m.values());
  h = mix_string(h, m.note());
  h = mix_string(h, m.email_domain());
  return h;
}
inline std::uint64_t fold_two(std::uint64_t h, const bench::pb::Record& m) noexcept {
  return mix_string(mix(h, m.id()), m.email());
}

}  // namespace uplift_bench::record
