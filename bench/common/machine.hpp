#pragma once
// What the report says about the machine: the CPU model and the size of its last-level cache.

#include <cstddef>
#include <fstream>
#include <string>

namespace uplift_bench {

/// The CPU model from /proc/cpuinfo, or "unknown".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(' ', colon + 1);
        if (start != std::string::npos) return line.substr(start);
      }
    }
  }
  return "unknown";
}

/// The last-level cache's size in bytes, from /sys/devices/system/cpu/cpu0/cache/index3/size
/// ("32768K"); `found` says whether it was read. 32 MiB when it cannot be read.
inline std::size_t llc_bytes(bool* found = nullptr) {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index3/size");
  std::string text;
  std::size_t bytes = 0;
  if (in >> text && !text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      bytes = bytes * 10 + static_cast<std::size_t>(text[i++] - '0');
    const char unit = i < text.size() ? text[i] : ' ';
    bytes *= unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : unit == 'G' ? 1024 * 1024 * 1024 : 1;
  }
  if (found) *found = bytes > 0;
  return bytes > 0 ? bytes : std::size_t{32} << 20;
}

}  // namespace uplift_bench
