#pragma once
// What every fuzz target shares: the libFuzzer entry point's signature, and `expect`, which stops
// the run on a broken promise the way a sanitizer stops it on a memory error.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace uplift_fuzz {

/// Aborts with `what` when `ok` is false: a finding, like a sanitizer's.
inline void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "uplift fuzz: broken promise: %s\n", what);
  std::abort();
}

}  // namespace uplift_fuzz
