// JSON rows as the row engine counts them (json_rows.hpp).
#include "json_rows.hpp"

namespace uplift::detail {

json_row_class json_row_classifier::classify(std::string_view text, std::string_view key) {
  simdjson::dom::element root;
  if (parser_.parse(text.data(), text.size(), true).get(root)) return {};
  simdjson::dom::object object;
  if (root.get_object().get(object)) return {};
  for (const auto field : object) {
    if (field.key != key) continue;
    // Integers only: a fraction or exponent (3.0, 1e2) is a double in the DOM.
    std::int64_t n = 0;
    if (field.value.is_int64() && !field.value.get_int64().get(n) && n >= 1 && n <= 0xffff)
      return {json_row_class::versioned, static_cast<std::uint16_t>(n)};
    return {json_row_class::bad_version};
  }
  return {json_row_class::untagged};
}

}  // namespace uplift::detail
