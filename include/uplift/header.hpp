#pragma once
/// The record header that precedes every stored FlatBuffers record, and `peek`. This file is the
/// only code that knows the header's bytes; they are documented in docs/FORMAT.md.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "bytes.hpp"
#include "error.hpp"

namespace uplift {

/// The four bytes every record starts with: "UPLF".
inline constexpr std::array<std::uint8_t, 4> header_magic{0x55, 0x50, 0x4C, 0x46};
/// The header format this library writes (byte 4).
inline constexpr std::uint8_t header_format = 1;
/// The header size this library writes (byte 5); a multiple of 8 so the payload stays aligned.
inline constexpr std::size_t header_size = 16;

/// The decoded header of a stored record.
struct record_header {
  std::uint8_t format = header_format;             ///< header format version (1)
  std::uint8_t size = header_size;                 ///< header size in bytes: the payload starts here
  std::uint16_t flags = 0;                         ///< reserved, written as 0
  std::uint32_t type_id = 0;                       ///< which record type (see `type_id_of`)
  std::uint16_t version = 0;                       ///< the schema version the payload is written in
  std::uint16_t min_reader_version = 0;            ///< the lowest version whose code reads it safely

  friend constexpr bool operator==(const record_header&, const record_header&) = default;
};

/// The record type id for a record name: 32-bit FNV-1a of the name without the version part,
/// e.g. `type_id_of("demo.User")`. Stable across versions and builds.
constexpr std::uint32_t type_id_of(std::string_view name) noexcept {
  std::uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

/// Writes `h` as `header_size` bytes at `out` (little-endian).
constexpr void encode_header(const record_header& h, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < 4; ++i) out[i] = header_magic[i];
  out[4] = h.format;
  out[5] = static_cast<std::uint8_t>(header_size);
  out[6] = static_cast<std::uint8_t>(h.flags);
  out[7] = static_cast<std::uint8_t>(h.flags >> 8);
  for (std::size_t i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(h.type_id >> (8 * i));
  out[12] = static_cast<std::uint8_t>(h.version);
  out[13] = static_cast<std::uint8_t>(h.version >> 8);
  out[14] = static_cast<std::uint8_t>(h.min_reader_version);
  out[15] = static_cast<std::uint8_t>(h.min_reader_version >> 8);
}

/// The header as an array of bytes.
constexpr std::array<std::uint8_t, header_size> encode_header(const record_header& h) noexcept {
  std::array<std::uint8_t, header_size> out{};
  encode_header(h, out.data());
  return out;
}

namespace detail {
/// Where a header is wrong: the code (errc::ok when it is fine) and the byte offset.
struct header_fault {
  errc code = errc::ok;
  std::uint32_t offset = 0;
};

/// Decodes and checks a header without building an error.
constexpr header_fault decode_header(bytes_view bytes, record_header& h) noexcept {
  const std::size_t n = bytes.size();
  if (n == 0) return {errc::empty_input, 0};
  for (std::uint32_t i = 0; i < header_magic.size() && i < n; ++i)
    if (bytes[i] != header_magic[i]) return {errc::bad_magic, i};
  if (n < header_size) return {errc::truncated_header, static_cast<std::uint32_t>(n)};
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8));
  };
  h.format = bytes[4];
  h.size = bytes[5];
  h.flags = u16(6);
  h.type_id = static_cast<std::uint32_t>(bytes[8]) | (static_cast<std::uint32_t>(bytes[9]) << 8) |
              (static_cast<std::uint32_t>(bytes[10]) << 16) |
              (static_cast<std::uint32_t>(bytes[11]) << 24);
  h.version = u16(12);
  h.min_reader_version = u16(14);
  if (h.format != header_format) return {errc::unsupported_header, 4};
  if (h.size < header_size || h.size % 8 != 0) return {errc::unsupported_header, 5};
  if (h.size > n) return {errc::truncated_header, error::offset_at(n)};
  if (h.version == 0) return {errc::invalid_version, 12};
  if (h.min_reader_version == 0 || h.min_reader_version > h.version)
    return {errc::invalid_version, 14};
  return {};
}

/// The checks decode_header makes, for the one case every hot read meets, on the header's two
/// 8-byte words `a` and `b` (read as little-endian): a header of this library's format and size,
/// of record `TypeId`, at a version the latest accessor reads in place: `Latest`, or one that only
/// wire-compatible steps separate from it (MinReader..Latest-1, their minimum reader version
/// `MinReader`, as this binary writes them). The words are compared with constants (the flags,
/// bytes 6-7, masked out: readers do not look at them; with MinReader == Latest the second word is
/// one compare). The version, or 0 for anything else, which decode_header then looks at.
template <std::uint32_t TypeId, std::uint16_t MinReader, std::uint16_t Latest>
[[gnu::always_inline]] inline std::uint16_t in_place_version_of(std::uint64_t a,
                                                                std::uint64_t b) noexcept {
  static_assert(MinReader >= 1 && MinReader <= Latest, "a minimum reader version is 1..latest");
  constexpr std::uint64_t low48 = 0xFFFF'FFFF'FFFFull;
  constexpr std::uint64_t first =
      std::uint64_t{header_magic[0]} | std::uint64_t{header_magic[1]} << 8 |
      std::uint64_t{header_magic[2]} << 16 | std::uint64_t{header_magic[3]} << 24 |
      std::uint64_t{header_format} << 32 | std::uint64_t{header_size} << 40;
  constexpr std::uint64_t second = std::uint64_t{TypeId} | std::uint64_t{MinReader} << 48;
  if constexpr (MinReader == Latest) {
    return (a & low48) == first && b == (second | std::uint64_t{Latest} << 32) ? Latest : 0;
  } else {
    constexpr std::uint64_t no_version = 0xFFFF'0000'FFFF'FFFFull;
    const auto v = static_cast<std::uint16_t>(b >> 32);
    if ((a & low48) != first || (b & no_version) != second ||
        static_cast<std::uint16_t>(v - MinReader) > Latest - MinReader)
      return 0;
    return v;
  }
}

/// The error for a header fault; the version is named where the header got far enough to hold it.
[[gnu::cold]] inline error header_error(header_fault fault, const record_header& h) noexcept {
  error e(fault.code);
  const bool version_known = fault.code == errc::invalid_version && fault.offset == 14;
  e.stored_version = version_known ? h.version : std::uint16_t{0};
  e.offset = fault.offset;
  return e;
}
}  // namespace detail

/// Reads only the header of a stored record: what the backfill and the histogram use.
/// Checks the magic, the header format and size, and that the versions are sane; does not look
/// at the payload or the record type.
inline result<record_header> peek(bytes_view bytes) noexcept {
  record_header h;
  const detail::header_fault f = detail::decode_header(bytes, h);
  if (f.code != errc::ok) return detail::header_error(f, h);
  return h;
}
inline result<record_header> peek(std::span<const std::byte> bytes) noexcept {
  return peek(as_bytes_view(bytes));
}
inline result<record_header> peek(std::string_view bytes) noexcept {
  return peek(as_bytes_view(bytes));
}

}  // namespace uplift
