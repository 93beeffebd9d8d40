#pragma once
// The migration written by hand: a simdjson on-demand reader of the v1 text straight into a fresh
// v3::RecordT per record, doing in one pass what uplift's steps v1 -> v2 -> v3 do: `name` is the
// display name, kind is range-checked as v1's int and widened, score is read as v1's float and
// widened, email_domain is computed, note stays empty. Otherwise written like simdjson_hand.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "read_json/dataset.hpp"
#include "read_json/simdjson_hand.hpp"

namespace uplift_bench::read_json {

class simdjson_hand_migration {
 public:
  static constexpr std::string_view id = "simdjson_v1";
  static constexpr std::string_view name = "simdjson on-demand, hand-written migration v1 -> v3";
  static constexpr std::string_view input = name_of(text::v1);

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    return record::fold_all(h, parse(d.json_v1[i]));
  }
  std::size_t input_bytes(const dataset& d) const { return d.bytes(text::v1); }

 private:
  v3::RecordT parse(const simdjson::padded_string& json) {
    v3::RecordT u;
    read_object(parser_, json, name, [&u](simdjson::ondemand::raw_json_string key,
                                          simdjson::ondemand::value v) -> simdjson::error_code {
      if (key == "id") return v.get_uint64().get(u.id);
      if (key == "created_at") return v.get_int64().get(u.created_at);
      if (key == "kind") {
        if (auto e = v.get_int64().get(u.kind)) return e;
        return u.kind < std::numeric_limits<std::int32_t>::min() ||
                       u.kind > std::numeric_limits<std::int32_t>::max()
                   ? simdjson::NUMBER_OUT_OF_RANGE
                   : simdjson::SUCCESS;
      }
      if (key == "flags") return read_uint32(v, u.flags);
      if (key == "score") {
        double x = 0;
        if (auto e = v.get_double().get(x)) return e;
        u.score = static_cast<float>(x);
        return simdjson::SUCCESS;
      }
      if (key == "name") return read_string(v, u.display_name);
      if (key == "email") return read_string(v, u.email);
      if (key == "tags") return read_strings(v, u.tags);
      if (key == "values") return read_ints(v, u.values);
      return simdjson::SUCCESS;  // any other key is skipped
    });
    u.email_domain = record::domain_of(u.email);
    return u;
  }

  simdjson::ondemand::parser parser_;
};

}  // namespace uplift_bench::read_json
