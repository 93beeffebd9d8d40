#pragma once
// A set of encoded records in one contiguous block, each starting at an 8-byte boundary (what
// FlatBuffers and Cap'n Proto readers need), like the pages of a store or a file read into memory.
// A record's place and size sit side by side in one slot, as a page's slot directory (or a row's
// pointer and length) keeps them: a reader that needs the size pays no extra cache miss for it.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace uplift_bench {

class arena {
 public:
  /// Appends a copy of `bytes` as the next record.
  void add(const void* bytes, std::size_t size) {
    const std::size_t at = words_.size();
    words_.resize(at + (size + 7) / 8);
    if (size > 0) std::memcpy(words_.data() + at, bytes, size);
    slots_.push_back({at, size});
    bytes_ += size;
  }
  void add(std::span<const std::uint8_t> b) { add(b.data(), b.size()); }
  void add(std::string_view b) { add(b.data(), b.size()); }

  std::size_t size() const noexcept { return slots_.size(); }
  /// The sum of the records' sizes (without the alignment padding).
  std::size_t total_bytes() const noexcept { return bytes_; }

  const std::uint8_t* data(std::size_t i) const noexcept {
    return reinterpret_cast<const std::uint8_t*>(words_.data() + slots_[i].offset);
  }
  const std::uint64_t* words(std::size_t i) const noexcept { return words_.data() + slots_[i].offset; }
  std::size_t size(std::size_t i) const noexcept { return slots_[i].size; }
  std::span<const std::uint8_t> operator[](std::size_t i) const noexcept {
    return {data(i), slots_[i].size};
  }

 private:
  std::vector<std::uint64_t> words_;
  struct slot {
    std::size_t offset;  // in words
    std::size_t size;    // in bytes
  };
  std::vector<slot> slots_;
  std::size_t bytes_ = 0;
};

}  // namespace uplift_bench
