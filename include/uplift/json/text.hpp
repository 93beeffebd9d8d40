#pragma once
/// What the JSON format's reader and writer share: the grammar checks that simdjson's on-demand
/// parser leaves to its caller (keys, numbers and literals spelt as JSON has them, the version key
/// at the start of a document), the value traits of Object API members, and `json_shape`, the
/// view a sniffer gets of a legacy document. Part of <uplift/json.hpp>.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <simdjson.h>

namespace uplift {

namespace json::detail {
/// The key of `f`, unescaped only when it holds an escape (the key itself when it does not).
inline simdjson::error_code field_key(simdjson::ondemand::field& f, std::string_view& out) noexcept {
  const char* p = f.key().raw();
  const char* q = p;
  while (*q != '"' && *q != '\\') ++q;  // the string is closed: stage 1 checked it
  if (*q == '"') [[likely]] {
    out = std::string_view(p, static_cast<std::size_t>(q - p));
    return simdjson::SUCCESS;
  }
  return f.unescaped_key().get(out);
}

/// True when `token` (a scalar's raw text, trailing whitespace allowed) is a JSON number as the
/// grammar has it: on-demand parsing accepts some malformed numbers as a wrong type instead.
constexpr bool wellformed_number(std::string_view token) noexcept {
  std::size_t i = 0;
  const std::size_t n = token.size();
  auto digits = [&] {
    const std::size_t start = i;
    while (i < n && token[i] >= '0' && token[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && token[i] == '-') ++i;
  if (i < n && token[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && token[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digits()) return false;
  }
  while (i < n && (token[i] == ' ' || token[i] == '\t' || token[i] == '\n' || token[i] == '\r')) ++i;
  return i == n;
}

/// True when `token` (trailing whitespace allowed) is exactly the literal `word`.
constexpr bool is_literal(std::string_view token, std::string_view word) noexcept {
  if (token.substr(0, word.size()) != word) return false;
  for (char c : token.substr(word.size()))
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

/// The version of a document that starts with its version key, as write_json writes it:
/// `{"_v":3,` (whitespace allowed, digits only, no leading zero). 0 when the text does not start
/// so: the caller then looks for the key the general way. Reads only the first bytes.
inline std::uint16_t leading_version(std::string_view text, std::string_view key) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  auto ws = [&] {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
  };
  ws();
  if (p == end || *p++ != '{') return 0;
  ws();
  if (p == end || *p++ != '"') return 0;
  if (static_cast<std::size_t>(end - p) <= key.size() || std::memcmp(p, key.data(), key.size()) != 0)
    return 0;
  p += key.size();
  if (*p++ != '"') return 0;
  ws();
  if (p == end || *p++ != ':') return 0;
  ws();
  if (p == end || *p < '1' || *p > '9') return 0;
  std::uint32_t v = 0;
  for (int digits = 0; p < end && *p >= '0' && *p <= '9'; ++p) {
    if (++digits > 5) return 0;
    v = v * 10 + static_cast<std::uint32_t>(*p - '0');
  }
  ws();
  if (p == end || (*p != ',' && *p != '}') || v > 0xffff) return 0;
  return static_cast<std::uint16_t>(v);
}

/// Finds the first top-level `key` of `obj`, comparing keys unescaped (`"\u005fv"` is `"_v"`):
/// SUCCESS with its value in `out`, NO_SUCH_FIELD, or the parse error met on the way. Leaves the
/// object part-way through: reset it before reading it again.
/// Finds the first top-level `key` of `obj`, comparing keys unescaped (`"\u005fv"` is `"_v"`):
/// SUCCESS with its value in `out`, NO_SUCH_FIELD, or the parse error met on the way. Leaves the
/// object part-way through: reset it before reading it again.
inline simdjson::error_code find_key(simdjson::ondemand::object& obj, std::string_view key,
                                     simdjson::ondemand::value& out) noexcept {
  for (auto item : obj) {
    simdjson::ondemand::field f;
    if (auto e = std::move(item).get(f)) return e;
    std::string_view k;
    if (auto e = field_key(f, k)) return e;
    if (k == key) {
      out = f.value();
      return simdjson::SUCCESS;
    }
  }
  return simdjson::NO_SUCH_FIELD;
}
}  // namespace json::detail

/// A legacy document as the sniffer sees it. Look, do not keep: it lives for the sniffer's call.
class json_shape {
 public:
  explicit json_shape(simdjson::ondemand::object& object) noexcept : object_(object) {}
  /// True when the document has the top-level key `key` (keys compared unescaped).
  bool has(std::string_view key) {
    simdjson::ondemand::value v;
    const bool found = json::detail::find_key(object_, key, v) == simdjson::SUCCESS;
    (void)object_.reset();
    return found;
  }
  /// The document's top-level object, for sniffers that look deeper. Values may be read;
  /// the object is reset before the document is read for real.
  simdjson::ondemand::object& object() noexcept { return object_; }

 private:
  simdjson::ondemand::object& object_;
};


namespace json::detail {

template <class T>
struct is_unique_ptr : std::false_type {};
template <class T>
struct is_unique_ptr<std::unique_ptr<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<flatbuffers::Optional<T>> : std::true_type {};
template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

/// The schema's name of an arithmetic type, for messages.
template <class T>
constexpr std::string_view type_name() noexcept {
  if constexpr (std::is_same_v<T, bool>) return "bool";
  else if constexpr (std::is_floating_point_v<T>) return sizeof(T) == 4 ? "float" : "double";
  else if constexpr (std::is_signed_v<T>)
    return sizeof(T) == 1 ? "byte" : sizeof(T) == 2 ? "short" : sizeof(T) == 4 ? "int" : "long";
  else
    return sizeof(T) == 1 ? "ubyte" : sizeof(T) == 2 ? "ushort" : sizeof(T) == 4 ? "uint" : "ulong";
}

/// A number type's name and range, for the message of a number that does not fit it.
struct number_limits {
  std::string_view type;
  bool floating = false;
  long long min = 0;
  unsigned long long max = 0;
};
template <class T>
constexpr number_limits limits_of() noexcept {
  if constexpr (std::is_floating_point_v<T>)
    return {type_name<T>(), true, 0, 0};
  else
    return {type_name<T>(), false, static_cast<long long>(std::numeric_limits<T>::min()),
            static_cast<unsigned long long>(std::numeric_limits<T>::max())};
}

/// "an array", "an object", ...: a JSON type for messages.
inline std::string_view type_word(simdjson::ondemand::json_type t) noexcept {
  switch (t) {
    case simdjson::ondemand::json_type::array: return "an array";
    case simdjson::ondemand::json_type::object: return "an object";
    case simdjson::ondemand::json_type::number: return "a number";
    case simdjson::ondemand::json_type::string: return "a string";
    case simdjson::ondemand::json_type::boolean: return "a boolean";
    case simdjson::ondemand::json_type::null: return "null";
  }
  return "a value";
}

}  // namespace json::detail

}  // namespace uplift
