#pragma once
// The migration written by hand: a simdjson on-demand reader of the v1 JSON text straight into a
// fresh demo::v3::UserT per record. It does what uplift's v1 -> v2 -> v3 steps do, in one pass:
// `name` is split at its last space like the demo hook (examples/user_hooks.cpp) splits
// `full_name` (no space: the given name alone), the age is range-checked as v1's short and
// widened, created_at stays 0. Otherwise written like simdjson_v3: one parser reused, keys in any
// order matched raw, unknown keys ("_v" among them) skipped, every error checked.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "harness.hpp"
#include "read_user_json/dataset.hpp"
#include "read_user_json/simdjson_v3.hpp"

namespace uplift_bench::read_user_json {

class simdjson_v1_migration {
 public:
  static constexpr std::string_view name = "simdjson on-demand, hand-written migration v1 -> v3";
  static constexpr std::string_view input = "v1 JSON";

  std::uint64_t run(const dataset& d) {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) h = fold(h, parse(d.json_v1[i]));
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
      } else if (key == "name") {
        if (!(e = f.value().get_string().get(s))) {
          const auto space = s.rfind(' ');
          if (space == std::string_view::npos) {
            u.given_name.assign(s);
            u.family_name.clear();
          } else {
            u.given_name.assign(s.substr(0, space));
            u.family_name.assign(s.substr(space + 1));
          }
        }
      } else if (key == "email") {
        if (!(e = f.value().get_string().get(s))) u.email.assign(s);
      } else if (key == "age") {
        std::int64_t age = 0;
        if (!(e = f.value().get_int64().get(age))) {
          if (age < std::numeric_limits<std::int16_t>::min() ||
              age > std::numeric_limits<std::int16_t>::max()) [[unlikely]]
            simdjson_failed(name, simdjson::NUMBER_OUT_OF_RANGE);
          u.age = static_cast<std::int32_t>(age);
        }
      }  // any other key is skipped
      if (e) [[unlikely]]
        simdjson_failed(name, e);
    }
    // simdjson 3.0 has no document::at_end(): a location left means text after the object.
    if (!doc.current_location().error()) [[unlikely]]
      die("simdjson_v1_migration: text after the end of the JSON object");
    return u;
  }

  simdjson::ondemand::parser parser_;
};

}  // namespace uplift_bench::read_user_json
