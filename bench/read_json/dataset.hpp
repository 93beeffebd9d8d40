#pragma once
// The read_json scenario's data: records of one size written as JSON by uplift::write_json, at v3
// with its keys in schema order ("_v" first), at v3 with its keys in reverse order ("_v" last),
// and at v1; each text in a simdjson::padded_string so that no contender copies its input; and
// the shuffled order every contender reads them in.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "harness.hpp"
#include "record/record.hpp"
#include "record_uplift_json.hpp"

namespace uplift_bench::read_json {

namespace v1 = record::v1;
namespace v3 = record::v3;

/// Which text a contender reads.
enum class text { v3, v3_reversed, v1 };
constexpr std::string_view name_of(text t) noexcept {
  return t == text::v3 ? "v3 JSON" : t == text::v3_reversed ? "v3 JSON, keys reversed" : "v1 JSON";
}

struct dataset {
  std::vector<record::logical> records;     ///< what the v3 texts hold
  std::vector<record::logical> records_v1;  ///< what the v1 texts hold: the same, with no note
  std::vector<std::uint32_t> order;         ///< shuffled indices: the read order
  std::vector<simdjson::padded_string> json_v3, json_v3_reversed, json_v1;

  const std::vector<simdjson::padded_string>& texts(text t) const noexcept {
    return t == text::v3 ? json_v3 : t == text::v3_reversed ? json_v3_reversed : json_v1;
  }
  std::size_t bytes(text t) const noexcept {
    std::size_t n = 0;
    for (const auto& s : texts(t)) n += s.size();
    return n;
  }
};

template <class Object>
std::string to_json(const Object& obj) {
  auto t = uplift::write_json<record::descriptor>(obj);
  if (!t) die(t.error().message());
  return std::move(*t);
}

/// The same document with its keys in reverse order (nlohmann's ordered_json keeps the order).
inline std::string reversed(const std::string& json) {
  const auto doc = nlohmann::ordered_json::parse(json);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  std::vector<std::pair<std::string, nlohmann::ordered_json>> members;
  for (const auto& [key, value] : doc.items()) members.emplace_back(key, value);
  std::reverse(members.begin(), members.end());
  for (auto& [key, value] : members) out[key] = std::move(value);
  return out.dump();
}

inline dataset make_dataset(record::size_class s, std::size_t n, std::uint64_t seed) {
  dataset d;
  d.records = record::make_latest(s, n, seed);
  d.order = record::shuffled_order(n, seed + 1);
  for (const record::logical& r : d.records) {
    const std::string v3_text = to_json(record::to_v3(r));
    d.json_v3.emplace_back(v3_text);
    d.json_v3_reversed.emplace_back(reversed(v3_text));
    record::logical old = r;
    old.note.clear();  // v1 has no note
    old.stored_version = 1;
    d.json_v1.emplace_back(to_json(record::to_v1(old)));
    d.records_v1.push_back(std::move(old));
  }
  return d;
}

/// Stops the bench on a simdjson error in a hand-written reader.
[[noreturn]] inline void simdjson_failed(std::string_view who, simdjson::error_code e) {
  die(std::string(who).append(": ").append(simdjson::error_message(e)));
}

}  // namespace uplift_bench::read_json
