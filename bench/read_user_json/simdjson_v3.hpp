#pragma once
// Baseline: a hand-written simdjson on-demand reader of the v3 JSON text into a fresh
// demo::v3::UserT per record, as one would write it for this one struct: one parser reused,
// the object's fields iterated in any order, keys matched raw (simdjson's idiom: no unescaping),
// unknown keys ("_v" among them) skipped, every error checked, the age range-checked, text after
// the object rejected.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "harness.hpp"
#include "read_user_json/dataset.hpp"

namespace uplift_bench::read_user_json {

/// Stops the bench on a simdjson error in a hand-written reader.
[[noreturn]] inline void simdjson_failed(std::string_view who, simdjson::error_code e) {
  die(std::string(who).append(": ").append(simdjson::error_message(e)));
}

class simdjson_v3 {
 public:
  static constexpr std::string_view name = "simdjson on-demand, hand-written (baseline)";
  static constexpr std::string_view input = "v3 JSON";

  std::uint64_t run(const dataset& d) {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) h = fold(h, parse(d.json_v3[i]));
    return h;
  }

 private:
  demo::v3::UserT parse(const simdjson::padded_string& json) {
    namespace od = simdjson::ondemand;
    demo::v3::UserT u;
    od::document doc;
    od::object obj;
    if (auto e = parser_.iterate(json).get(doc)) [[unlikely]]
      simdjson_failed(name, e);
    if (auto e = doc.get_object().get(obj)) [[unlikely]]
      simdjson_failed(name, e);
    for (auto item : obj) {
      od::field f;
      if (auto e = std::move(item).get(f)) [[unlikely]]
        simdjson_failed(name, e);
      const od::raw_json_string key = f.key();
      simdjson::error_code e = simdjson::SUCCESS;
      std::string_view s;
      if (key == "id") {
        e = f.value().get_uint64().get(u.id);
      } else if (key == "given_name") {
        if (!(e = f.value().get_string().get(s))) u.given_name.assign(s);
      } else if (key == "family_name") {
        if (!(e = f.value().get_string().get(s))) u.family_name.assign(s);
      } else if (key == "email") {
        if (!(e = f.value().get_string().get(s))) u.email.assign(s);
      } else if (key == "age") {
        std::int64_t age = 0;
        if (!(e = f.value().get_int64().get(age))) {
          if (age < std::numeric_limits<std::int32_t>::min() ||
              age > std::numeric_limits<std::int32_t>::max()) [[unlikely]]
            simdjson_failed(name, simdjson::NUMBER_OUT_OF_RANGE);
          u.age = static_cast<std::int32_t>(age);
        }
      } else if (key == "created_at") {
        e = f.value().get_int64().get(u.created_at);
      }  // any other key is skipped
      if (e) [[unlikely]]
        simdjson_failed(name, e);
    }
    // simdjson 3.0 has no document::at_end(): a location left means text after the object.
    if (!doc.current_location().error()) [[unlikely]]
      die("simdjson_v3: text after the end of the JSON object");
    return u;
  }

  simdjson::ondemand::parser parser_;
};

}  // namespace uplift_bench::read_user_json
