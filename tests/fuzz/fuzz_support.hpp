#pragma once
// What every fuzz target shares: the libFuzzer entry point's signature, `expect`, which stops
// the run on a broken promise the way a sanitizer stops it on a memory error, and
// `aligned_and_odd`, which reads an input from an aligned and from an odd address.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace uplift_fuzz {

/// Aborts with `what` when `ok` is false: a finding, like a sanitizer's.
inline void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "uplift fuzz: broken promise: %s\n", what);
  std::abort();
}

/// Calls `read(bytes)` on an 8-byte aligned copy of the input and on a copy at an odd address:
/// both must read the same.
template <class Read>
void aligned_and_odd(const std::uint8_t* data, std::size_t size, Read&& read) {
  std::vector<std::uint64_t> aligned(size / 8 + 2);
  auto* base = reinterpret_cast<std::uint8_t*>(aligned.data());
  if (size != 0) std::memcpy(base, data, size);
  std::vector<std::uint8_t> odd(size + 1);
  if (size != 0) std::memcpy(odd.data() + 1, data, size);
  read(std::span<const std::uint8_t>(base, size));
  read(std::span<const std::uint8_t>(odd.data() + 1, size));
}

}  // namespace uplift_fuzz
