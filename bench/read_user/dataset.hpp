#pragma once
// The read_user scenario's data: a few thousand demo users, encoded every way a contender reads
// them, and the order they are read in (shuffled, the same for every contender). Also the
// checksum every contender folds the fields it reads into.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <uplift/uplift.hpp>

#include "user_uplift.hpp"

namespace uplift_bench::read_user {

/// Folds one value into a running checksum (FNV-1a style over 64-bit words).
constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  return (h ^ v) * 0x100000001b3ULL;
}
/// A string field counts as read when its length and its first and last bytes are used.
constexpr std::uint64_t mix(std::uint64_t h, std::string_view s) noexcept {
  h = mix(h, s.size());
  if (!s.empty()) h = mix(h, (std::uint64_t{static_cast<unsigned char>(s.front())} << 8) |
                                 static_cast<unsigned char>(s.back()));
  return h;
}
inline std::string_view text(const flatbuffers::String* s) noexcept {
  return s ? s->string_view() : std::string_view{};
}

/// Reads every field of a v3 user into the checksum.
inline std::uint64_t fold(std::uint64_t h, const demo::v3::User& u) noexcept {
  h = mix(h, u.id());
  h = mix(h, text(u.given_name()));
  h = mix(h, text(u.family_name()));
  h = mix(h, text(u.email()));
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(u.age())));
  h = mix(h, static_cast<std::uint64_t>(u.created_at()));
  return h;
}
/// The same over the Object API struct the records were made from: the reference result.
inline std::uint64_t fold(std::uint64_t h, const demo::v3::UserT& u) noexcept {
  h = mix(h, u.id);
  h = mix(h, std::string_view(u.given_name));
  h = mix(h, std::string_view(u.family_name));
  h = mix(h, std::string_view(u.email));
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(u.age)));
  h = mix(h, static_cast<std::uint64_t>(u.created_at));
  return h;
}

inline constexpr std::uint64_t checksum_seed = 0xcbf29ce484222325ULL;

/// The users, each encoded four ways, and the read order.
struct dataset {
  std::vector<demo::v3::UserT> users;              ///< what every encoding holds
  std::vector<flatbuffers::DetachedBuffer> raw_v3;  ///< bare v3 FlatBuffers, no header
  std::vector<flatbuffers::DetachedBuffer> raw_v2;  ///< bare v2 FlatBuffers, no header
  std::vector<uplift::buffer> records_v3;           ///< uplift records stored at v3
  std::vector<uplift::buffer> records_v2;           ///< uplift records stored at v2
  std::vector<std::uint32_t> order;                 ///< shuffled indices: the read order

  std::size_t size() const noexcept { return order.size(); }

  /// The checksum of reading every field of every user in `order`, from the source structs.
  std::uint64_t reference_checksum() const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : order) h = fold(h, users[i]);
    return h;
  }
};

/// The v2 form of a v3 user: the names joined with a space, the age as a short. The data set only
/// holds users for which this is lossless, so upgrading the v2 record gives the v3 user back.
inline demo::v2::UserT to_v2(const demo::v3::UserT& u) {
  demo::v2::UserT o;
  o.id = u.id;
  o.full_name = u.given_name + " " + u.family_name;
  o.email = u.email;
  o.age = static_cast<std::int16_t>(u.age);
  o.created_at = u.created_at;
  return o;
}

template <class Table, class Object>
flatbuffers::DetachedBuffer pack_raw(const Object& obj) {
  flatbuffers::FlatBufferBuilder fbb(256);
  fbb.Finish(Table::Pack(fbb, &obj));
  return fbb.Release();
}

/// `n` users with varied names (some given names have two words; family names have one), made
/// from a fixed seed so every run reads the same data.
inline dataset make_dataset(std::size_t n) {
  static constexpr std::array<std::string_view, 12> given = {
      "Ada", "Alan", "Grace", "Mary Ann", "Edsger", "Barbara", "Donald", "Jean Luc",
      "Katherine", "Niklaus", "Frances Elizabeth", "Ken"};
  static constexpr std::array<std::string_view, 12> family = {
      "Lovelace", "Turing", "Hopper", "Johnson", "Dijkstra", "Liskov", "Knuth", "Picard",
      "Wirth", "Allen", "Thompson", "Hamilton"};
  std::mt19937_64 rng(20240601);
  dataset d;
  d.users.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    demo::v3::UserT u;
    u.id = rng();
    u.given_name = given[rng() % given.size()];
    u.family_name = family[rng() % family.size()];
    std::string local = u.given_name;
    std::replace(local.begin(), local.end(), ' ', '.');
    std::transform(local.begin(), local.end(), local.begin(),
                   [](unsigned char c) { return static_cast<char>(c | 0x20); });
    u.email = local + "." + std::to_string(i) + "@example.com";
    u.age = static_cast<std::int32_t>(rng() % 100) + 16;
    u.created_at = 1'600'000'000 + static_cast<std::int64_t>(rng() % 200'000'000);
    d.users.push_back(std::move(u));
  }
  for (const demo::v3::UserT& u : d.users) {
    const demo::v2::UserT old = to_v2(u);
    d.raw_v3.push_back(pack_raw<demo::v3::User>(u));
    d.raw_v2.push_back(pack_raw<demo::v2::User>(old));
    d.records_v3.push_back(uplift::write<demo::User>(u));
    d.records_v2.push_back(uplift::write<demo::User>(old));
  }
  d.order.resize(n);
  std::iota(d.order.begin(), d.order.end(), 0u);
  std::shuffle(d.order.begin(), d.order.end(), rng);
  return d;
}

}  // namespace uplift_bench::read_user
