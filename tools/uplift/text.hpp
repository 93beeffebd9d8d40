// Numbers as the uplift command prints them.
#pragma once

#include <cstdint>
#include <string>

namespace uplift_cli {

/// n with a comma every three digits: 1,234,567.
inline std::string thousands(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace uplift_cli
