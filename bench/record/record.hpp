#pragma once
// The benchmark record (schemas/bench/record) as logical data: what every encoding of it holds,
// whatever the format and the version. Generated from a fixed seed in three sizes, written at v1,
// v2 or v3, and folded into the checksum every contender's result is checked against.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/fold.hpp"
#include "record_uplift.hpp"

namespace uplift_bench::record {

namespace v1 = bench::record::v1;
namespace v2 = bench::record::v2;
namespace v3 = bench::record::v3;
using descriptor = bench::record::Record;

/// Record sizes: S (every scalar, a name and an email, no tags or values: ~160 B as a v3
/// FlatBuffer, ~85 B as protobuf), M (3 tags, 24 values, a note: ~370 B) and L (8 tags, 900 values,
/// a longer note: ~4 KB). They differ in the length of the strings and vectors, not in the schema.
enum class size_class { S, M, L };
inline constexpr std::array<size_class, 3> all_sizes{size_class::S, size_class::M, size_class::L};
constexpr std::string_view name_of(size_class s) noexcept {
  return s == size_class::S ? "S" : s == size_class::M ? "M" : "L";
}

/// One record at the latest version: v3's fields, in v3's types.
struct logical {
  std::uint64_t id = 0;
  std::int64_t created_at = 0;
  std::int64_t kind = 0;  ///< fits v1's int
  std::uint32_t flags = 0;
  double score = 0;  ///< a float value: v1's float holds it exactly
  std::string display_name;
  std::string email;
  std::vector<std::string> tags;
  std::vector<std::int32_t> values;
  std::string note;          ///< empty in a record stored at v1, which has no note
  std::string email_domain;  ///< what follows the '@' of the email: computed from v1 and v2
  std::uint16_t stored_version = 3;  ///< the version this record is written at
};

/// v3's computed field, as the hook (and every hand-written migration) computes it.
inline std::string_view domain_of(std::string_view email) noexcept {
  const auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : email.substr(at + 1);
}

/// What a reader reads of each record: every field, or two (the id and the email).
struct all_fields {
  static constexpr bool all = true;
  static constexpr std::string_view name = "all fields";
};
struct two_fields {
  static constexpr bool all = false;
  static constexpr std::string_view name = "two fields";
};

/// Every field, in one fixed order; tags one by one, values as their count and sum.
template <class Tags>
constexpr std::uint64_t fold_tags(std::uint64_t h, const Tags& tags) noexcept {
  h = mix(h, tags.size());
  for (const auto& t : tags) h = mix_string(h, std::string_view(t));
  return h;
}
template <class Values>
constexpr std::uint64_t fold_values(std::uint64_t h, const Values& values) noexcept {
  std::uint64_t sum = 0;
  for (std::int32_t v : values) sum += static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  return mix_sum(h, values.size(), sum);
}

/// Reading every field of a struct with v3's members: the logical record, v3's Object API struct,
/// the cereal struct.
template <class Struct>
std::uint64_t fold_members(std::uint64_t h, const Struct& r) noexcept {
  h = mix(h, r.id);
  h = mix_signed(h, r.created_at);
  h = mix_signed(h, r.kind);
  h = mix(h, r.flags);
  h = mix_double(h, r.score);
  h = mix_string(h, r.display_name);
  h = mix_string(h, r.email);
  h = fold_tags(h, r.tags);
  h = fold_values(h, r.values);
  h = mix_string(h, r.note);
  h = mix_string(h, r.email_domain);
  return h;
}

/// Reading every field of a record.
inline std::uint64_t fold_all(std::uint64_t h, const logical& r) noexcept { return fold_members(h, r); }
/// Reading two fields of a record: its id and its email.
inline std::uint64_t fold_two(std::uint64_t h, const logical& r) noexcept {
  return mix_string(mix(h, r.id), r.email);
}

/// Reading the id alone.
using uplift_bench::reference;

inline std::uint64_t fold_id(std::uint64_t h, const logical& r) noexcept { return mix(h, r.id); }

inline std::string_view text(const flatbuffers::String* s) noexcept {
  return s ? s->string_view() : std::string_view{};
}

/// The same over a v3 FlatBuffers table.
inline std::uint64_t fold_all(std::uint64_t h, const v3::Record& r) noexcept {
  h = mix(h, r.id());
  h = mix_signed(h, r.created_at());
  h = mix_signed(h, r.kind());
  h = mix(h, r.flags());
  h = mix_double(h, r.score());
  h = mix_string(h, text(r.display_name()));
  h = mix_string(h, text(r.email()));
  if (const auto* tags = r.tags()) {
    h = mix(h, tags->size());
    for (const flatbuffers::String* t : *tags) h = mix_string(h, t->string_view());
  } else {
    h = mix(h, 0);
  }
  if (const auto* values = r.values())
    h = fold_values(h, *values);
  else
    h = mix_sum(h, 0, 0);
  h = mix_string(h, text(r.note()));
  h = mix_string(h, text(r.email_domain()));
  return h;
}
inline std::uint64_t fold_two(std::uint64_t h, const v3::Record& r) noexcept {
  return mix_string(mix(h, r.id()), text(r.email()));
}

/// The same over v3's Object API struct.
inline std::uint64_t fold_all(std::uint64_t h, const v3::RecordT& r) noexcept {
  return fold_members(h, r);
}

/// `n` records of size `s`, from a fixed seed; `versions(rng)` picks each one's stored version
/// (a record stored at v1 has no note).
template <class PickVersion>
std::vector<logical> make_records(size_class s, std::size_t n, std::uint64_t seed,
                                  PickVersion versions) {
  static constexpr std::array<std::string_view, 12> given = {
      "Ada", "Alan", "Grace", "Mary Ann", "Edsger", "Barbara", "Donald", "Jean Luc",
      "Katherine", "Niklaus", "Frances", "Ken"};
  static constexpr std::array<std::string_view, 12> family = {
      "Lovelace", "Turing", "Hopper", "Johnson", "Dijkstra", "Liskov", "Knuth", "Picard",
      "Wirth", "Allen", "Thompson", "Hamilton"};
  static constexpr std::array<std::string_view, 6> domains = {
      "example.com", "mail.example.org", "corp.example.net", "example.co.uk", "lab.example.io",
      "example.edu"};
  static constexpr std::array<std::string_view, 16> words = {
      "alpha", "beta", "gamma", "delta", "shipping", "billing", "priority", "archive",
      "review", "north", "south", "batch", "retry", "manual", "import", "export"};
  const std::size_t tag_count = s == size_class::S ? 0 : s == size_class::M ? 3 : 8;
  const std::size_t value_count = s == size_class::S ? 0 : s == size_class::M ? 24 : 900;
  const std::size_t note_words = s == size_class::S ? 0 : s == size_class::M ? 6 : 30;

  std::mt19937_64 rng(seed);
  std::vector<logical> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    logical r;
    r.stored_version = versions(rng);
    r.id = rng();
    r.created_at = 1'600'000'000 + static_cast<std::int64_t>(rng() % 200'000'000);
    r.kind = static_cast<std::int64_t>(rng() % 50);
    r.flags = static_cast<std::uint32_t>(rng());
    r.score = static_cast<double>(static_cast<float>(rng() % 100'000) / 64.0f);
    const std::string_view g = given[rng() % given.size()];
    const std::string_view f = family[rng() % family.size()];
    r.display_name.append(g).append(" ").append(f);
    for (char c : g) r.email.push_back(c == ' ' ? '.' : static_cast<char>(c | 0x20));
    r.email.append(".").append(std::to_string(i % 10000)).append("@");
    r.email.append(domains[rng() % domains.size()]);
    r.email_domain = domain_of(r.email);
    for (std::size_t t = 0; t < tag_count; ++t) r.tags.emplace_back(words[rng() % words.size()]);
    for (std::size_t v = 0; v < value_count; ++v)
      r.values.push_back(static_cast<std::int32_t>(rng() % 100'000));
    if (r.stored_version >= 2)
      for (std::size_t w = 0; w < note_words; ++w) {
        if (w > 0) r.note.push_back(' ');
        r.note.append(words[rng() % words.size()]);
      }
    out.push_back(std::move(r));
  }
  return out;
}

/// Every record at the latest version.
inline std::vector<logical> make_latest(size_class s, std::size_t n, std::uint64_t seed) {
  return make_records(s, n, seed, [](std::mt19937_64&) -> std::uint16_t { return 3; });
}

/// A shuffled read order of `n` records, from a fixed seed.
inline std::vector<std::uint32_t> shuffled_order(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

/// The record as each version's Object API struct (what its writers wrote).
inline v1::RecordT to_v1(const logical& r) {
  v1::RecordT o;
  o.id = r.id;
  o.created_at = r.created_at;
  o.kind = static_cast<std::int32_t>(r.kind);
  o.flags = r.flags;
  o.score = static_cast<float>(r.score);
  o.name = r.display_name;
  o.email = r.email;
  o.tags = r.tags;
  o.values = r.values;
  return o;
}
inline v2::RecordT to_v2(const logical& r) {
  v2::RecordT o;
  o.id = r.id;
  o.created_at = r.created_at;
  o.kind = static_cast<std::int32_t>(r.kind);
  o.flags = r.flags;
  o.score = static_cast<float>(r.score);
  o.display_name = r.display_name;
  o.email = r.email;
  o.tags = r.tags;
  o.values = r.values;
  o.note = r.note;
  return o;
}
inline v3::RecordT to_v3(const logical& r) {
  v3::RecordT o;
  o.id = r.id;
  o.created_at = r.created_at;
  o.kind = r.kind;
  o.flags = r.flags;
  o.score = r.score;
  o.display_name = r.display_name;
  o.email = r.email;
  o.tags = r.tags;
  o.values = r.values;
  o.note = r.note;
  o.email_domain = r.email_domain;
  return o;
}

/// A bare v3 FlatBuffer of `obj`.
inline flatbuffers::DetachedBuffer pack_v3(const v3::RecordT& obj) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  fbb.Finish(v3::Record::Pack(fbb, &obj));
  return fbb.Release();
}

/// The mean size of a bare v3 FlatBuffer of size class `s`, from a sample of records.
inline double mean_flatbuffer_size(size_class s) {
  const auto sample = make_latest(s, 256, 1);
  double total = 0;
  for (const auto& r : sample) total += static_cast<double>(pack_v3(to_v3(r)).size());
  return total / static_cast<double>(sample.size());
}

/// How many records of size class `s` fill `bytes` as v3 FlatBuffers (64 at least).
inline std::size_t records_filling(size_class s, double bytes) {
  const double n = bytes / mean_flatbuffer_size(s);
  return n < 64 ? 64 : static_cast<std::size_t>(n + 0.5);
}

}  // namespace uplift_bench::record
