#pragma once
/// Byte input and owned byte output.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <flatbuffers/detached_buffer.h>
#include <flatbuffers/default_allocator.h>

namespace uplift {

/// The byte input every entry point takes. `std::span<const std::byte>` and
/// `std::string_view` convert with `as_bytes_view`.
using bytes_view = std::span<const std::uint8_t>;

/// Views `std::byte` memory as uplift input.
inline bytes_view as_bytes_view(std::span<const std::byte> b) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(b.data()), b.size()};
}
/// Views string memory (a database blob, a file read into a string) as uplift input.
inline bytes_view as_bytes_view(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline bytes_view as_bytes_view(bytes_view b) noexcept { return b; }

/// An owned, move-only record: header and payload in one 8-byte aligned block.
/// Produced by `write` and by reads that had to rebuild the record.
class buffer {
 public:
  buffer() = default;
  explicit buffer(flatbuffers::DetachedBuffer&& b) noexcept : buf_(std::move(b)) {}

  /// A new buffer of `n` bytes, not initialised, to be filled through `data()`.
  static buffer allocate(std::size_t n) {
    const std::size_t reserved = n == 0 ? 1 : n;
    std::uint8_t* mem = flatbuffers::Allocate(nullptr, reserved);
    return buffer(flatbuffers::DetachedBuffer(nullptr, false, mem, reserved, mem, n));
  }
  /// A new buffer holding a copy of `bytes`.
  static buffer copy_of(bytes_view bytes) {
    buffer b = allocate(bytes.size());
    if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
    return b;
  }

  const std::uint8_t* data() const noexcept { return buf_.data(); }
  std::uint8_t* data() noexcept { return buf_.data(); }
  std::size_t size() const noexcept { return buf_.size(); }
  bool empty() const noexcept { return buf_.size() == 0; }

  bytes_view span() const noexcept { return {buf_.data(), buf_.size()}; }
  operator bytes_view() const noexcept { return span(); }  // NOLINT: implicit on purpose
  /// The bytes as text-typed memory, e.g. for a database driver that binds strings.
  std::string_view as_string_view() const noexcept {
    return {reinterpret_cast<const char*>(buf_.data()), buf_.size()};
  }
  std::vector<std::uint8_t> to_vector() const { return {data(), data() + size()}; }

 private:
  flatbuffers::DetachedBuffer buf_;
};

}  // namespace uplift
