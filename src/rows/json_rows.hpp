// JSON rows as the row engine counts them, with no generated code: what a row's version key
// holds. The stores' count_by_json_version classifies rows the same way in SQL.
#pragma once

#include <cstdint>
#include <string_view>

#include <simdjson.h>

namespace uplift::detail {

/// What a JSON row is, by its top-level version key.
struct json_row_class {
  enum kind : std::uint8_t {
    not_json,     ///< not JSON text whose root is an object
    versioned,    ///< the key holds an integer 1..65535 (`version`)
    untagged,     ///< an object without the key
    bad_version,  ///< the key holds anything else (a string, 0, a fraction, -1, 70000, ...)
  } what = not_json;
  std::uint16_t version = 0;
};

/// Classifies rows: the first top-level occurrence of the key counts (as json_extract sees it).
class json_row_classifier {
 public:
  json_row_class classify(std::string_view text, std::string_view key);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace uplift::detail
