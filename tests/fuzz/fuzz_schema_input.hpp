#pragma once
// The input of the generator's fuzz targets (schema, check): up to four versions of one record,
// the texts of v1.fbs, v2.fbs, ... separated by lines "---".

#include <string>
#include <string_view>
#include <vector>

#include "schema.hpp"

namespace uplift_fuzz {

/// The versions of `text` as the generator's sources, fuzz/v1.fbs first; empty when the text
/// asks to include another file (`include` reads files: the generator's job, not what a fuzzer
/// should make it do).
inline std::vector<uplift_gen::schema_source> schema_sources(std::string_view text) {
  std::vector<uplift_gen::schema_source> sources;
  if (text.find("include") != std::string_view::npos) return sources;
  constexpr std::string_view separator = "\n---\n";
  while (sources.size() < 4) {
    const std::size_t end = text.find(separator);
    const int n = static_cast<int>(sources.size()) + 1;
    sources.push_back({n, "fuzz/v" + std::to_string(n) + ".fbs", std::string(text.substr(0, end))});
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + separator.size());
  }
  return sources;
}

}  // namespace uplift_fuzz
