// The JSON format's compiled helpers: the grammar checks, the sniffer's view, and the failure
// paths of json::reader (every error message of a JSON read is made here, once, on failure).

#include <uplift/json/reader.hpp>
#include <uplift/json/text.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace uplift {

namespace json::detail {

}  // namespace json::detail

namespace json {

outcome reader::parse_error(simdjson::error_code e, const char* where) {
  errc c = errc::malformed_json;
  if (e == simdjson::INCORRECT_TYPE) c = errc::json_type_mismatch;
  else if (e == simdjson::NUMBER_OUT_OF_RANGE) c = errc::range_error;
  else if (e == simdjson::DEPTH_ERROR) c = errc::too_deep;
  else if (e == simdjson::UTF8_ERROR) c = errc::invalid_utf8;
  else if (e == simdjson::EMPTY) c = errc::empty_input;
  return fail(c, simdjson::error_message(e), where);
}

outcome reader::fail(errc c, std::string detail, const char* where) {
  if (code_ == errc::ok) {  // the first failure is the one reported
    code_ = c;
    detail_ = std::move(detail);
    if (where != nullptr && begin_ != nullptr && where >= begin_)
      offset_ = static_cast<std::uint32_t>(where - begin_);
  }
  return outcome::failed;
}

outcome reader::duplicate(std::string_view key, const char* where) {
  fail(errc::duplicate_key, "the key appears more than once", where);
  return at_key(key);
}

outcome reader::missing(std::string_view key, std::string_view what) {
  std::string d(what);
  d.append(" \"").append(key).append("\" is absent");
  return fail(errc::missing_field, std::move(d));
}

outcome reader::null_member(std::string_view key) {
  fail(errc::missing_field, "null where a value is required");
  return at_key(key);
}

outcome reader::at_key(std::string_view key) {
  path_.push_back({key, 0});
  return outcome::failed;
}

outcome reader::at_index(std::size_t i) {
  path_.push_back({{}, i});
  return outcome::failed;
}

uplift::error reader::take_error(const record_info& record, std::uint16_t stored, std::uint16_t latest) {
  uplift::error e(code_ == errc::ok ? errc::malformed_json : code_, record, stored, latest, offset_);
  if (!detail_.empty()) e.with_detail(detail_);
  e.at_path(path());
  return e;
}

std::string reader::path() const {
  std::string p = "$";
  for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
    if (it->key.data() != nullptr) {
      p.push_back('.');
      p.append(it->key);
    } else {
      p.push_back('[');
      p.append(std::to_string(it->index));
      p.push_back(']');
    }
  }
  return p;
}

}  // namespace json
}  // namespace uplift
