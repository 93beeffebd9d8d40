#pragma once
// The checksum every contender folds what it reads into, so that each one's result can be checked
// against the reference before it is timed, and no read can be optimized away.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace uplift_bench {

inline constexpr std::uint64_t checksum_seed = 0xcbf29ce484222325ULL;

/// Folds one value into a running checksum (FNV-1a style over 64-bit words).
constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  return (h ^ v) * 0x100000001b3ULL;
}
constexpr std::uint64_t mix_signed(std::uint64_t h, std::int64_t v) noexcept {
  return mix(h, static_cast<std::uint64_t>(v));
}
constexpr std::uint64_t mix_double(std::uint64_t h, double v) noexcept {
  return mix(h, std::bit_cast<std::uint64_t>(v));
}
/// A string counts as read when its length and its first and last bytes are used.
constexpr std::uint64_t mix_string(std::uint64_t h, std::string_view s) noexcept {
  h = mix(h, s.size());
  if (!s.empty())
    h = mix(h, (std::uint64_t{static_cast<unsigned char>(s.front())} << 8) |
                   static_cast<unsigned char>(s.back()));
  return h;
}
/// A vector of numbers counts as read when its size and the sum of its elements are used (a sum
/// rather than a fold per element: the element loop stays free to vectorize, as a reader's would).
constexpr std::uint64_t mix_sum(std::uint64_t h, std::size_t size, std::uint64_t sum) noexcept {
  return mix(mix(h, size), sum);
}

/// The checksum of reading `records` in `order` with `fold(h, record)`: a table's reference.
template <class Records, class Order, class Fold>
std::uint64_t reference(const Records& records, const Order& order, Fold fold) {
  std::uint64_t h = checksum_seed;
  for (auto i : order) h = fold(h, records[i]);
  return h;
}

}  // namespace uplift_bench
