#pragma once
// The allocations a test program makes, counted by the global operator new of
// tests/support/counting_new.cpp (link it into the program), so that a test can check a stretch of
// code allocates nothing.
#include <cstddef>

namespace uplift_test {

/// Every allocation through operator new so far, on every thread.
std::size_t allocations() noexcept;

}  // namespace uplift_test
