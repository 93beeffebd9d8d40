#pragma once
// The JSON baseline: a hand-written simdjson on-demand reader of the v3 text into a fresh
// v3::RecordT per record, as one would write it for this one struct: one parser reused, the
// object's fields iterated in any order, keys matched raw (simdjson's idiom: no unescaping),
// unknown keys ("_v" among them) skipped, every error checked, narrow integers range-checked, text
// after the object rejected.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "read_json/dataset.hpp"

namespace uplift_bench::read_json {

/// Reads a JSON array of strings / of int32 into `out` (cleared first).
inline simdjson::error_code read_strings(simdjson::ondemand::value v, std::vector<std::string>& out) {
  out.clear();
  simdjson::ondemand::array a;
  if (auto e = v.get_array().get(a)) return e;
  for (auto item : a) {
    std::string_view s;
    if (auto e = item.get_string().get(s)) return e;
    out.emplace_back(s);
  }
  return simdjson::SUCCESS;
}
inline simdjson::error_code read_ints(simdjson::ondemand::value v, std::vector<std::int32_t>& out) {
  out.clear();
  simdjson::ondemand::array a;
  if (auto e = v.get_array().get(a)) return e;
  for (auto item : a) {
    std::int64_t x = 0;
    if (auto e = item.get_int64().get(x)) return e;
    if (x < std::numeric_limits<std::int32_t>::min() || x > std::numeric_limits<std::int32_t>::max())
      return simdjson::NUMBER_OUT_OF_RANGE;
    out.push_back(static_cast<std::int32_t>(x));
  }
  return simdjson::SUCCESS;
}
inline simdjson::error_code read_string(simdjson::ondemand::value v, std::string& out) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return e;
  out.assign(s);
  return simdjson::SUCCESS;
}
inline simdjson::error_code read_uint32(simdjson::ondemand::value v, std::uint32_t& out) {
  std::uint64_t x = 0;
  if (auto e = v.get_uint64().get(x)) return e;
  if (x > std::numeric_limits<std::uint32_t>::max()) return simdjson::NUMBER_OUT_OF_RANGE;
  out = static_cast<std::uint32_t>(x);
  return simdjson::SUCCESS;
}

/// What both hand-written readers do around their fields: iterate the object `json` with
/// `parser`, calling `on_field(key, value)` (returning a simdjson error code) for every field;
/// stop the bench on any error, and on text after the object.
template <class OnField>
void read_object(simdjson::ondemand::parser& parser, const simdjson::padded_string& json,
                 std::string_view who, OnField on_field) {
  namespace od = simdjson::ondemand;
  od::document doc;
  od::object obj;
  if (auto e = parser.iterate(json).get(doc)) [[unlikely]]
    simdjson_failed(who, e);
  if (auto e = doc.get_object().get(obj)) [[unlikely]]
    simdjson_failed(who, e);
  for (auto item : obj) {
    od::field f;
    if (auto e = std::move(item).get(f)) [[unlikely]]
      simdjson_failed(who, e);
    if (auto e = on_field(f.key(), f.value())) [[unlikely]]
      simdjson_failed(who, e);
  }
  // simdjson 3.0 has no document::at_end(): a location left means text after the object.
  if (!doc.current_location().error()) [[unlikely]]
    die(std::string(who).append(": text after the end of the JSON object"));
}

template <text Input>
class simdjson_hand {
 public:
  static constexpr std::string_view id = Input == text::v3 ? "simdjson" : "simdjson_reversed";
  static constexpr std::string_view name = Input == text::v3
                                               ? "simdjson on-demand, hand-written (baseline)"
                                               : "simdjson on-demand, hand-written";
  static constexpr std::string_view input = name_of(Input);

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    return record::fold_all(h, parse(d.texts(Input)[i]));
  }
  std::size_t input_bytes(const dataset& d) const { return d.bytes(Input); }

 private:
  v3::RecordT parse(const simdjson::padded_string& json) {
    v3::RecordT u;
    read_object(parser_, json, name, [&u](simdjson::ondemand::raw_json_string key,
                                          simdjson::ondemand::value v) -> simdjson::error_code {
      if (key == "id") return v.get_uint64().get(u.id);
      if (key == "created_at") return v.get_int64().get(u.created_at);
      if (key == "kind") return v.get_int64().get(u.kind);
      if (key == "flags") return read_uint32(v, u.flags);
      if (key == "score") return v.get_double().get(u.score);
      if (key == "display_name") return read_string(v, u.display_name);
      if (key == "email") return read_string(v, u.email);
      if (key == "tags") return read_strings(v, u.tags);
      if (key == "values") return read_ints(v, u.values);
      if (key == "note") return read_string(v, u.note);
      if (key == "email_domain") return read_string(v, u.email_domain);
      return simdjson::SUCCESS;  // any other key is skipped
    });
    return u;
  }

  simdjson::ondemand::parser parser_;
};

}  // namespace uplift_bench::read_json
