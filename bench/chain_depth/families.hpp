#pragma once
// The chain_depth scenario's records (schemas/bench/chain_*): four chains of 11 versions, each
// made of one kind of step, and the logical data every version of them holds. A record stored at
// v(11 - d) is d steps behind the latest.

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "chain_added_uplift.hpp"
#include "chain_computed_uplift.hpp"
#include "chain_rename_uplift.hpp"
#include "chain_widen_uplift.hpp"
#include "common/fold.hpp"

namespace uplift_bench::chain_depth {

inline constexpr std::uint16_t latest_version = 11;
/// The depths measured: the number of steps between the stored version and the latest.
inline constexpr std::array<int, 4> depths{0, 1, 3, 10};
/// What a computed field adds to created_at, per step (the hooks in chain_depth/hooks.cpp).
inline constexpr std::int64_t day = 86'400;

/// One record. Each chain uses the base fields and its own ten.
struct logical {
  std::uint64_t id = 0;
  std::int64_t created_at = 0;
  std::string name, email;
  std::vector<std::string> tags;
  std::vector<std::int32_t> values;
  std::array<std::int32_t, 10> n{};  ///< chain_rename: n1..n10, renamed m1..m10 one step at a time
  std::array<double, 10> w{};  ///< chain_widen: w1, w3, .. int -> long; w2, w4, .. float -> double
  std::array<std::int64_t, 10> a{};  ///< chain_added: a1..a10, appended one step at a time
  // chain_computed: c_k = created_at + k * day, filled by the hook of step k.
};

/// `n` records from a fixed seed; `appended` says how many of a1..a10 hold a value (the others
/// are 0, their default, as in a record stored before they were appended).
inline std::vector<logical> make_records(std::size_t n, std::uint64_t seed, int appended) {
  static constexpr std::array<std::string_view, 8> names = {
      "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra",
      "Barbara Liskov", "Donald Knuth", "Niklaus Wirth", "Ken Thompson"};
  static constexpr std::array<std::string_view, 8> words = {
      "alpha", "beta", "shipping", "billing", "priority", "archive", "review", "import"};
  std::mt19937_64 rng(seed);
  std::vector<logical> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    logical& r = out[i];
    r.id = rng();
    r.created_at = 1'600'000'000 + static_cast<std::int64_t>(rng() % 200'000'000);
    r.name = names[rng() % names.size()];
    r.email = "user." + std::to_string(i) + "@example.com";
    for (int t = 0; t < 3; ++t) r.tags.emplace_back(words[rng() % words.size()]);
    for (int v = 0; v < 24; ++v) r.values.push_back(static_cast<std::int32_t>(rng() % 100'000));
    for (std::size_t k = 0; k < 10; ++k) {
      r.n[k] = static_cast<std::int32_t>(rng() % 1'000'000);
      r.w[k] = k % 2 == 0 ? static_cast<double>(rng() % 1'000'000)  // w1, w3, ...: ints
                          : static_cast<double>(static_cast<float>(rng() % 100'000) / 64.0f);
      r.a[k] = static_cast<int>(k) < appended ? static_cast<std::int64_t>(rng() >> 1) : 0;
    }
  }
  return out;
}

inline std::string_view text(const flatbuffers::String* s) noexcept {
  return s ? s->string_view() : std::string_view{};
}

/// The base fields of any version's table.
template <class Table>
std::uint64_t fold_base(std::uint64_t h, const Table& t) noexcept {
  h = mix(h, t.id());
  h = mix_signed(h, t.created_at());
  h = mix_string(h, text(t.name()));
  h = mix_string(h, text(t.email()));
  if (const auto* tags = t.tags()) {
    h = mix(h, tags->size());
    for (const flatbuffers::String* s : *tags) h = mix_string(h, s->string_view());
  } else {
    h = mix(h, 0);
  }
  std::uint64_t sum = 0;
  std::size_t count = 0;
  if (const auto* values = t.values()) {
    for (std::int32_t v : *values) sum += static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
    count = values->size();
  }
  return mix_sum(h, count, sum);
}
inline std::uint64_t fold_base(std::uint64_t h, const logical& r) noexcept {
  h = mix(h, r.id);
  h = mix_signed(h, r.created_at);
  h = mix_string(h, r.name);
  h = mix_string(h, r.email);
  h = mix(h, r.tags.size());
  for (const std::string& s : r.tags) h = mix_string(h, s);
  std::uint64_t sum = 0;
  for (std::int32_t v : r.values) sum += static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  return mix_sum(h, r.values.size(), sum);
}

/// The base fields of any version's Object API struct.
template <class Object>
void fill_base(Object& o, const logical& r) {
  o.id = r.id;
  o.created_at = r.created_at;
  o.name = r.name;
  o.email = r.email;
  o.tags = r.tags;
  o.values = r.values;
}

/// chain_added: every step appends a field; wire-compatible, read with no copy.
struct added {
  static constexpr std::string_view id = "added";
  static constexpr std::string_view title = "appended fields (wire-compatible)";
  static constexpr bool wire = true;
  using descriptor = bench::added::Chain;
  using latest_table = bench::added::v11::Chain;
  using latest_object = bench::added::v11::ChainT;

  static std::uint64_t fold(std::uint64_t h, const latest_table& t) noexcept {
    h = fold_base(h, t);
    for (std::int64_t v : {t.a1(), t.a2(), t.a3(), t.a4(), t.a5(), t.a6(), t.a7(), t.a8(), t.a9(),
                           t.a10()})
      h = mix_signed(h, v);
    return h;
  }
  static std::uint64_t fold(std::uint64_t h, const logical& r) noexcept {
    h = fold_base(h, r);
    for (std::int64_t v : r.a) h = mix_signed(h, v);
    return h;
  }
  static latest_object to_latest(const logical& r) {
    latest_object o;
    fill_base(o, r);
    o.a1 = r.a[0], o.a2 = r.a[1], o.a3 = r.a[2], o.a4 = r.a[3], o.a5 = r.a[4];
    o.a6 = r.a[5], o.a7 = r.a[6], o.a8 = r.a[7], o.a9 = r.a[8], o.a10 = r.a[9];
    return o;
  }
};

/// chain_rename: every step renames a field in place; wire-compatible, read with no copy.
struct rename {
  static constexpr std::string_view id = "rename";
  static constexpr std::string_view title = "renames in place (wire-compatible)";
  static constexpr bool wire = true;
  using descriptor = bench::rename::Chain;
  using latest_table = bench::rename::v11::Chain;
  using latest_object = bench::rename::v11::ChainT;

  static std::uint64_t fold(std::uint64_t h, const latest_table& t) noexcept {
    h = fold_base(h, t);
    for (std::int32_t v : {t.m1(), t.m2(), t.m3(), t.m4(), t.m5(), t.m6(), t.m7(), t.m8(), t.m9(),
                           t.m10()})
      h = mix_signed(h, v);
    return h;
  }
  static std::uint64_t fold(std::uint64_t h, const logical& r) noexcept {
    h = fold_base(h, r);
    for (std::int32_t v : r.n) h = mix_signed(h, v);
    return h;
  }
  static latest_object to_latest(const logical& r) {
    latest_object o;
    fill_base(o, r);
    o.m1 = r.n[0], o.m2 = r.n[1], o.m3 = r.n[2], o.m4 = r.n[3], o.m5 = r.n[4];
    o.m6 = r.n[5], o.m7 = r.n[6], o.m8 = r.n[7], o.m9 = r.n[8], o.m10 = r.n[9];
    return o;
  }
};

/// chain_widen: every step widens a number (int -> long, float -> double); transforming.
struct widen {
  static constexpr std::string_view id = "widen";
  static constexpr std::string_view title = "numeric widenings (transforming)";
  static constexpr bool wire = false;
  using descriptor = bench::widen::Chain;
  using latest_table = bench::widen::v11::Chain;
  using latest_object = bench::widen::v11::ChainT;

  static std::uint64_t fold(std::uint64_t h, const latest_table& t) noexcept {
    h = fold_base(h, t);
    for (std::int64_t v : {t.w1(), t.w3(), t.w5(), t.w7(), t.w9()}) h = mix_signed(h, v);
    for (double v : {t.w2(), t.w4(), t.w6(), t.w8(), t.w10()}) h = mix_double(h, v);
    return h;
  }
  static std::uint64_t fold(std::uint64_t h, const logical& r) noexcept {
    h = fold_base(h, r);
    for (std::size_t k = 0; k < 10; k += 2) h = mix_signed(h, static_cast<std::int64_t>(r.w[k]));
    for (std::size_t k = 1; k < 10; k += 2) h = mix_double(h, r.w[k]);
    return h;
  }
  static latest_object to_latest(const logical& r) {
    latest_object o;
    fill_base(o, r);
    auto i = [&r](std::size_t k) { return static_cast<std::int64_t>(r.w[k]); };
    o.w1 = i(0), o.w3 = i(2), o.w5 = i(4), o.w7 = i(6), o.w9 = i(8);
    o.w2 = r.w[1], o.w4 = r.w[3], o.w6 = r.w[5], o.w8 = r.w[7], o.w10 = r.w[9];
    return o;
  }
};

/// chain_computed: every step appends a field its hook computes; transforming.
struct computed {
  static constexpr std::string_view id = "computed";
  static constexpr std::string_view title = "computed fields, one hook per step (transforming)";
  static constexpr bool wire = false;
  using descriptor = bench::computed::Chain;
  using latest_table = bench::computed::v11::Chain;
  using latest_object = bench::computed::v11::ChainT;

  static std::uint64_t fold(std::uint64_t h, const latest_table& t) noexcept {
    h = fold_base(h, t);
    for (std::int64_t v : {t.c1(), t.c2(), t.c3(), t.c4(), t.c5(), t.c6(), t.c7(), t.c8(), t.c9(),
                           t.c10()})
      h = mix_signed(h, v);
    return h;
  }
  static std::uint64_t fold(std::uint64_t h, const logical& r) noexcept {
    h = fold_base(h, r);
    for (std::int64_t k = 1; k <= 10; ++k) h = mix_signed(h, r.created_at + k * day);
    return h;
  }
  static latest_object to_latest(const logical& r) {
    latest_object o;
    fill_base(o, r);
    const std::int64_t t = r.created_at;
    o.c1 = t + 1 * day, o.c2 = t + 2 * day, o.c3 = t + 3 * day, o.c4 = t + 4 * day;
    o.c5 = t + 5 * day, o.c6 = t + 6 * day, o.c7 = t + 7 * day, o.c8 = t + 8 * day;
    o.c9 = t + 9 * day, o.c10 = t + 10 * day;
    return o;
  }
};

/// The FlatBuffers table and Object API struct of version `V` of a chain.
template <class Family, std::uint16_t V>
using table_at = typename Family::descriptor::versions::template at<V - 1>::table;
template <class Family, std::uint16_t V>
using object_at = typename Family::descriptor::versions::template at<V - 1>::object;

}  // namespace uplift_bench::chain_depth
