#pragma once
/// The JSON format's writing side: `json::writer`, which the per-version field writers that
/// uplift-gen writes (`<folder>_uplift_json.hpp`) call. Part of <uplift/json.hpp>.

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <simdjson.h>

#include "../error.hpp"
#include "text.hpp"

namespace uplift::json {

class writer;

namespace detail {
/// A table: its generated field writer, found by argument-dependent lookup.
template <class T>
concept json_table_writer = requires(writer& w, const T& t) { uplift_json_write_fields(w, t); };
}  // namespace detail

/// Writes JSON text for generated writers. Values are followed by ',' which `close` takes back.
/// A failure (a string that is not UTF-8, nesting beyond max_depth) is kept with its path and
/// the rest of the writing is ignored.
class writer {
 public:
  writer(std::string& out, std::uint32_t max_depth) : out_(out), max_depth_(max_depth) {}

  void raw(std::string_view s) { out_.append(s); }
  void open(char c) {
    if (++depth_ > max_depth_) [[unlikely]]
      fail(errc::too_deep, "the object nests more than " + std::to_string(max_depth_) +
                               " objects and arrays (max_depth)");
    else
      at(depth_) = {};
    out_.push_back(c);
  }
  void close(char c) {
    if (out_.back() == ',') out_.back() = c;
    else out_.push_back(c);
    --depth_;
  }

  /// `"key":value,` where `quoted` is the key already quoted with its colon: `"id":`. An empty
  /// unique_ptr or Optional writes nothing.
  template <class T>
  void member(std::string_view quoted, const T& v) {
    if constexpr (detail::is_unique_ptr<T>::value || detail::is_optional<T>::value) {
      if (!v) return;
    }
    if (depth_ <= max_depth_) at(depth_) = {quoted, 0, true};
    out_.append(quoted);
    value(v);
    out_.push_back(',');
  }

  /// `"key":` alone, for a value written by other means; end it with end_member().
  void key(std::string_view quoted) {
    if (depth_ <= max_depth_) at(depth_) = {quoted, 0, true};
    out_.append(quoted);
  }
  void end_member() { out_.push_back(','); }

  template <class T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      out_.append(v ? "true" : "false");
    } else if constexpr (std::is_enum_v<T>) {
      const std::string_view name = uplift_json_enum_name(v);
      if (!name.empty()) {
        out_.push_back('"');
        out_.append(name);
        out_.push_back('"');
      } else {
        value(static_cast<std::underlying_type_t<T>>(v));
      }
    } else if constexpr (std::is_integral_v<T>) {
      char buf[24];
      // Promoted so that int8_t/uint8_t print as numbers.
      const auto res = std::to_chars(buf, buf + sizeof buf,
                                     static_cast<std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>(v));
      out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        out_.append("\"nan\"");
      } else if (std::isinf(v)) {
        out_.append(v > 0 ? "\"inf\"" : "\"-inf\"");
      } else {
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round trip
        out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      string(v);
    } else if constexpr (detail::is_optional<T>::value) {
      value(*v);
    } else if constexpr (detail::is_unique_ptr<T>::value) {
      if (v) value(*v);
      else {
        fail(errc::json_type_mismatch, "a null table in a vector: JSON readers reject it");
        out_.append("null");
      }
    } else if constexpr (detail::is_vector<T>::value || detail::is_std_array<T>::value) {
      open('[');
      std::size_t i = 0;
      for (const auto& item : v) {
        if (depth_ <= max_depth_) at(depth_) = {{}, i++, false};
        value(static_cast<const typename T::value_type&>(item));
        out_.push_back(',');
      }
      close(']');
    } else if constexpr (detail::json_table_writer<T>) {
      open('{');
      uplift_json_write_fields(*this, v);
      close('}');
    } else {
      uplift_json_write(*this, v);  // a FlatBuffers struct, or a hand-written writer
    }
  }

  /// A FlatBuffers struct's fixed-length array member.
  template <class T, std::uint16_t N>
  void value(const flatbuffers::Array<T, N>& a) {
    open('[');
    for (std::uint16_t i = 0; i < N; ++i) {
      if (depth_ <= max_depth_) at(depth_) = {{}, i, false};
      value(static_cast<T>(a.Get(i)));
      out_.push_back(',');
    }
    close(']');
  }

  /// The length of the leading 8-byte blocks of `s` that are ASCII and need no escaping.
  static std::size_t plain_ascii_prefix(std::string_view s) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      const std::uint64_t quote = x ^ (ones * '"'), slash = x ^ (ones * '\\');
      // A byte below 0x20, a '"' or '\\' (a zero byte of quote or slash), or a byte >= 0x80.
      if ((((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash) | x) &
          highs)
        break;
    }
    return i;
  }

  /// A JSON string: escaped, and checked to be UTF-8.
  void string(std::string_view s) {
    out_.push_back('"');
    std::size_t start = 0;
    unsigned char seen = 0;  // every byte or-ed: ASCII text needs no UTF-8 check
    for (std::size_t i = plain_ascii_prefix(s); i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      seen |= c;
      if (c >= 0x20 && c != '"' && c != '\\') [[likely]]
        continue;
      out_.append(s.data() + start, i - start);
      start = i + 1;
      switch (c) {
        case '"': out_.append("\\\""); break;
        case '\\': out_.append("\\\\"); break;
        case '\n': out_.append("\\n"); break;
        case '\r': out_.append("\\r"); break;
        case '\t': out_.append("\\t"); break;
        case '\b': out_.append("\\b"); break;
        case '\f': out_.append("\\f"); break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out_.append(esc, 6);
        }
      }
    }
    out_.append(s.data() + start, s.size() - start);
    out_.push_back('"');
    if ((seen & 0x80) != 0 && !simdjson::validate_utf8(s.data(), s.size())) [[unlikely]]
      fail(errc::invalid_utf8, "the string is not valid UTF-8");
  }

  /// Records the first failure with the path written so far; the rest of the writing is ignored.
  [[gnu::cold]] void fail(errc c, std::string detail);
  bool failed() const noexcept { return code_ != errc::ok; }
  /// The failure, as an error of `record` at `version`.
  uplift::error take_error(const record_info& record, std::uint16_t version);

 private:
  struct segment {
    std::string_view key{};
    std::size_t index = static_cast<std::size_t>(-1);
    bool is_key = false;
  };
  std::string& out_;
  std::uint32_t depth_ = 0;
  std::uint32_t max_depth_;
  /// Where the writing is, for a failure's path: the first levels in place (a writer is made
  /// per record, and most records nest a few levels), deeper ones in a vector grown on demand.
  static constexpr std::uint32_t near_levels = 16;
  segment& at(std::uint32_t depth) {
    if (depth < near_levels) [[likely]]
      return near_[depth];
    return far(depth);
  }
  [[gnu::cold]] segment& far(std::uint32_t depth);
  std::array<segment, near_levels> near_{};
  std::vector<segment> far_;
  errc code_ = errc::ok;
  std::string detail_;
  std::string failed_path_;
};

}  // namespace uplift::json
