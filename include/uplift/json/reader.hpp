#pragma once
/// The JSON format's reading side: `json::reader`, the state of one document's read (the depth
/// limit, and the error with its path once one happened), and `json::read`, which reads one value
/// of any generated type. The per-version field readers that uplift-gen writes
/// (`<folder>_uplift_json.hpp`) call these; the failure paths are compiled once, in the runtime's
/// JSON library (src/json/). Part of <uplift/json.hpp>.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <simdjson.h>

#include "../error.hpp"
#include "text.hpp"

// Failure paths are kept out of line, and the readers of single values inlined into the generated
// field loops: a value read out of line makes the compiler keep simdjson's iterator in memory,
// where every read pays a store-to-load round trip.
#if defined(__GNUC__)
#define UPLIFT_DETAIL_COLD __attribute__((cold, noinline))
#define UPLIFT_DETAIL_INLINE __attribute__((always_inline)) inline
#else
#define UPLIFT_DETAIL_COLD
#define UPLIFT_DETAIL_INLINE inline
#endif

namespace uplift {

namespace json {

/// For generated readers: true when the raw key at `raw` (just after its opening quote, in the
/// input) is exactly `lit`, closing quote included. Compares N bytes of constant length, which
/// compilers turn into a few loads, without measuring the key first. Reads up to N bytes from
/// `raw`: within the input's padding (read_json always reads padded input) for N <= 64, which the
/// generator keeps to. A key written with escapes never matches: it takes the slow path.
template <std::size_t N>
inline bool raw_key_is(const char* raw, const char (&lit)[N]) noexcept {
  static_assert(N <= 64, "uplift: raw_key_is reads at most 64 bytes past a key's start");
  return std::memcmp(raw, lit, N - 1) == 0 && raw[N - 1] == '"';
}



/// What reading one value did: filled the target, found `null` (target left as it was), or failed
/// (the reader holds the error).
enum class outcome : std::uint8_t { read, null, failed };


/// One document's reading state: the depth limit, and the error with its path once one happened.
/// Generated readers use it; it is not meant to be built by hand.
class reader {
 public:
  reader(std::uint32_t max_depth, const char* begin) noexcept : max_depth_(max_depth), begin_(begin) {}

  /// Gets the object `v` holds and goes one level deeper; null and other types are reported.
  outcome enter_object(simdjson::ondemand::value v, simdjson::ondemand::object& obj) {
    if (auto e = v.get_object().get(obj)) [[unlikely]]
      return type_error(v, e, "an object");
    if (++depth_ > max_depth_) [[unlikely]]
      return too_deep(v);
    return outcome::read;
  }
  /// Gets the array `v` holds and goes one level deeper.
  outcome enter_array(simdjson::ondemand::value v, simdjson::ondemand::array& arr) {
    if (auto e = v.get_array().get(arr)) [[unlikely]]
      return type_error(v, e, "an array");
    if (++depth_ > max_depth_) [[unlikely]]
      return too_deep(v);
    return outcome::read;
  }
  /// Counts a level entered without enter_object (the document's root object).
  bool enter_root() noexcept { return ++depth_ <= max_depth_; }
  void leave() noexcept { --depth_; }

  /// The key of `f`, unescaped only when it holds an escape.
  bool key(simdjson::ondemand::field& f, std::string_view& out);

  /// The document's version key, which field readers meet as an unknown key of the root object.
  void set_version_key(std::string_view key) noexcept { version_key_ = key; }

  /// lookup(): the key was the version key or an unknown key, and its value was skipped.
  static constexpr int skipped = -1;
  /// lookup(): the key or its skipped value was bad; the error is recorded.
  static constexpr int failed_key = -2;
  /// The slow path of a key that the generated fast match (raw bytes) missed: it is escaped, or
  /// it is the version key, or it is unknown. Returns its index in `keys`, or `skipped`, or
  /// `failed_key`.
  template <std::size_t N>
  int lookup(simdjson::ondemand::field f, const std::array<std::string_view, N>& keys) {
    std::string_view k;
    if (!key(f, k)) return failed_key;
    if (!(depth_ == 1 && k == version_key_)) {
      for (std::size_t i = 0; i < N; ++i)
        if (keys[i] == k) return static_cast<int>(i);
    }
    return unknown_key(k, f) ? skipped : failed_key;
  }
  /// Called for every key a reader does not know. Its value is skipped but still checked to be
  /// well-formed JSON within max_depth (on-demand parsing checks only what is read, and a skipped
  /// value must not hide a malformed document). The root's version key, read already, is not
  /// checked again; a second one is a duplicate_key, which would let a document say two versions.
  bool unknown_key(std::string_view key, simdjson::ondemand::field& f);
  /// Reads `v` to its end without keeping it: checks that it is well-formed within max_depth.
  outcome skip(simdjson::ondemand::value v);
  /// False when a number, true, false or null is not spelled as JSON has it (on-demand parsing
  /// looks at the first character to tell the type).
  bool wellformed_scalar(simdjson::ondemand::value v, simdjson::ondemand::json_type t) noexcept;
  outcome malformed_scalar(simdjson::ondemand::value v, simdjson::ondemand::json_type t);
  outcome malformed_number(simdjson::ondemand::value v);

  // Failures. Each returns outcome::failed so that callers can `return r.x(...)`.

  /// A simdjson error at `where` (a pointer into the input, or null).
  UPLIFT_DETAIL_COLD outcome parse_error(simdjson::error_code e, const char* where = nullptr);
  UPLIFT_DETAIL_COLD outcome fail(errc c, std::string detail, const char* where = nullptr);
  /// `v` is not of the type a field needs (`expected`: "an integer", "a string", ...). Returns
  /// outcome::null, consuming it, when `v` is null.
  outcome type_error(simdjson::ondemand::value v, simdjson::error_code e, std::string_view expected);
  outcome mismatch(simdjson::ondemand::value v, std::string_view expected, simdjson::ondemand::json_type found);
  /// An integer field got something else, or a number that does not fit.
  template <class T>
  outcome integer_error(simdjson::ondemand::value v, simdjson::error_code e) {
    return integer_error(v, e, detail::limits_of<T>());
  }
  /// A number that does not fit the field's type.
  template <class T>
  outcome out_of_range(simdjson::ondemand::value v) {
    return out_of_range(v, detail::limits_of<T>());
  }
  UPLIFT_DETAIL_COLD outcome duplicate(std::string_view key, const char* where = nullptr);
  UPLIFT_DETAIL_COLD outcome missing(std::string_view key, std::string_view what = "required field");
  UPLIFT_DETAIL_COLD outcome null_member(std::string_view key);

  /// Adds the step the failure happened under, innermost first.
  UPLIFT_DETAIL_COLD outcome at_key(std::string_view key);
  UPLIFT_DETAIL_COLD outcome at_index(std::size_t i);

  bool failed() const noexcept { return code_ != errc::ok; }
  /// The error so far, for a record descriptor's name and versions.
  uplift::error take_error(const record_info& record, std::uint16_t stored, std::uint16_t latest);
  std::string path() const;
  const char* location(simdjson::ondemand::value v) noexcept { return v.raw_json_token().data(); }

 private:
  outcome integer_error(simdjson::ondemand::value v, simdjson::error_code e,
                                           const detail::number_limits& limits);
  outcome out_of_range(simdjson::ondemand::value v,
                                          const detail::number_limits& limits);

  struct segment {
    std::string_view key;  // null data: an array index
    std::size_t index;
  };
  outcome too_deep(simdjson::ondemand::value v);
  void append_token(std::string& d, simdjson::ondemand::value v, simdjson::ondemand::json_type t);

  std::uint32_t depth_ = 0;
  std::uint32_t max_depth_;
  std::uint32_t version_keys_ = 0;
  std::string_view version_key_{};
  const char* begin_;
  errc code_ = errc::ok;
  std::uint32_t offset_ = uplift::error::no_offset;
  std::string detail_;
  std::vector<segment> path_;
};

/// Which of a table's N fields an object has named: duplicates and required fields.
template <std::size_t N>
class seen {
 public:
  /// Marks field i; false when it was marked already.
  bool add(std::size_t i) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    if (words_[i / 64] & bit) return false;
    words_[i / 64] |= bit;
    return true;
  }
  bool has(std::size_t i) const noexcept { return (words_[i / 64] >> (i % 64)) & 1u; }

 private:
  std::array<std::uint64_t, (N + 63) / 64> words_{};
};

template <class T>
outcome read(simdjson::ondemand::value& v, T& out, reader& r);

namespace detail {

template <class T>
UPLIFT_DETAIL_INLINE outcome read_integer(simdjson::ondemand::value& v, T& out, reader& r) {
  if constexpr (std::is_signed_v<T>) {
    std::int64_t x = 0;
    if (auto e = v.get_int64().get(x)) [[unlikely]]
      return r.integer_error<T>(v, e);
    if constexpr (sizeof(T) < sizeof(std::int64_t)) {
      if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) [[unlikely]]
        return r.out_of_range<T>(v);
    }
    out = static_cast<T>(x);
  } else {
    std::uint64_t x = 0;
    if (auto e = v.get_uint64().get(x)) [[unlikely]]
      return r.integer_error<T>(v, e);
    if constexpr (sizeof(T) < sizeof(std::uint64_t)) {
      if (x > std::numeric_limits<T>::max()) [[unlikely]]
        return r.out_of_range<T>(v);
    }
    out = static_cast<T>(x);
  }
  return outcome::read;
}

/// A float field whose value is not a plain number: "nan", "inf" and "-inf" stand for the
/// numbers JSON has no words for; anything else is an error.
template <class T>
UPLIFT_DETAIL_COLD outcome read_float_word(simdjson::ondemand::value v, simdjson::error_code e,
                                           T& out, reader& r) {
  double x = 0;
  simdjson::ondemand::json_type t{};
  if (!v.type().get(t) && t == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (auto e2 = v.get_string().get(s)) return r.parse_error(e2, r.location(v));
    if (s == "nan" || s == "-nan") x = std::numeric_limits<double>::quiet_NaN();
    else if (s == "inf") x = std::numeric_limits<double>::infinity();
    else if (s == "-inf") x = -std::numeric_limits<double>::infinity();
    else
      return r.fail(errc::json_type_mismatch,
                    std::string("expected a number (").append(type_name<T>()).append(
                        "), found the string \"").append(s.substr(0, 40)).append(
                        "\" (only \"nan\", \"inf\" and \"-inf\" stand for numbers)"));
    out = static_cast<T>(x);
    return outcome::read;
  }
  if (!v.type().get(t) && t == simdjson::ondemand::json_type::number) {
    if (!wellformed_number(v.raw_json_token())) return r.malformed_number(v);
    return r.out_of_range<T>(v);
  }
  return r.type_error(v, e, std::string("a number (").append(type_name<T>()).append(")"));
}

template <class T>
UPLIFT_DETAIL_INLINE outcome read_float(simdjson::ondemand::value& v, T& out, reader& r) {
  double x = 0;
  if (auto e = v.get_double().get(x)) [[unlikely]]
    return read_float_word(v, e, out, r);
  if constexpr (std::is_same_v<T, float>) {
    // A double fits when it rounds to a finite float: below FLT_MAX plus half its last unit
    // (0x1.ffffffp127; the midpoint itself rounds to even, to infinity). FLT_MAX's shortest text,
    // 3.4028235e38, reads as a double slightly above FLT_MAX and rounds back to it.
    if (std::isfinite(x) && std::fabs(x) >= 0x1.ffffffp127) [[unlikely]]
      return r.out_of_range<T>(v);
  }
  out = static_cast<T>(x);
  return outcome::read;
}

template <class E>
outcome read_enum(simdjson::ondemand::value v, E& out, reader& r) {
  using U = std::underlying_type_t<E>;
  simdjson::ondemand::json_type t{};
  if (auto e = v.type().get(t)) return r.parse_error(e, r.location(v));
  if (t == simdjson::ondemand::json_type::string) {
    std::string_view name;
    const char* where = r.location(v);
    if (auto e = v.get_string().get(name)) return r.parse_error(e, where);
    if (!uplift_json_enum_parse(name, out)) [[unlikely]] {
      std::string d = "\"";
      d.append(name.substr(0, 40)).append("\" is not a value of ").append(uplift_json_enum_type(E{}));
      d.append(" (one of: ").append(uplift_json_enum_names(E{})).append(")");
      return r.fail(errc::json_type_mismatch, std::move(d), where);
    }
    return outcome::read;
  }
  if (t == simdjson::ondemand::json_type::number) {
    U x{};
    const outcome o = read_integer(v, x, r);
    if (o == outcome::read) out = static_cast<E>(x);
    return o;
  }
  return r.type_error(v, simdjson::INCORRECT_TYPE, "an enum name or number");
}

template <class T>
outcome read_vector(simdjson::ondemand::value v, T& out, reader& r) {
  using E = typename T::value_type;
  simdjson::ondemand::array arr;
  if (const outcome o = r.enter_array(v, arr); o != outcome::read) return o;
  out.clear();
  std::size_t i = 0;
  for (auto item : arr) {
    simdjson::ondemand::value ev;
    if (auto e = std::move(item).get(ev)) {
      r.parse_error(e);
      return r.at_index(i);
    }
    E element{};
    const outcome o = json::read(ev, element, r);
    if (o != outcome::read) [[unlikely]] {
      if (o == outcome::null) r.fail(errc::json_type_mismatch, "null is not allowed in an array");
      return r.at_index(i);
    }
    out.push_back(std::move(element));
    ++i;
  }
  r.leave();
  return outcome::read;
}

template <class T, std::size_t N>
outcome read_array(simdjson::ondemand::value v, std::array<T, N>& out, reader& r) {
  simdjson::ondemand::array arr;
  if (const outcome o = r.enter_array(v, arr); o != outcome::read) return o;
  const char* where = r.location(v);
  std::size_t i = 0;
  for (auto item : arr) {
    simdjson::ondemand::value ev;
    if (auto e = std::move(item).get(ev)) {
      r.parse_error(e);
      return r.at_index(i);
    }
    if (i == N) return r.fail(errc::json_type_mismatch, "expected exactly " + std::to_string(N) + " elements, found more", where);
    const outcome o = json::read(ev, out[i], r);
    if (o != outcome::read) [[unlikely]] {
      if (o == outcome::null) r.fail(errc::json_type_mismatch, "null is not allowed in an array");
      return r.at_index(i);
    }
    ++i;
  }
  if (i != N)
    return r.fail(errc::json_type_mismatch,
                  "expected exactly " + std::to_string(N) + " elements, found " + std::to_string(i),
                  where);
  r.leave();
  return outcome::read;
}

/// A table: its generated field reader, found by argument-dependent lookup.
template <class T>
concept json_table = requires(simdjson::ondemand::object& o, T& t, reader& r) {
  { uplift_json_read_fields(o, t, r) } -> std::same_as<outcome>;
};

}  // namespace detail

/// Reads `v` into `out`: a scalar, string, enum, vector, struct or table of any generated version.
template <class T>
UPLIFT_DETAIL_INLINE outcome read(simdjson::ondemand::value& v, T& out, reader& r) {
  if constexpr (std::is_same_v<T, bool>) {
    bool b = false;
    if (auto e = v.get_bool().get(b)) [[unlikely]]
      return r.type_error(v, e, "true or false");
    out = b;
    return outcome::read;
  } else if constexpr (std::is_enum_v<T>) {
    return detail::read_enum(v, out, r);
  } else if constexpr (std::is_integral_v<T>) {
    return detail::read_integer(v, out, r);
  } else if constexpr (std::is_floating_point_v<T>) {
    return detail::read_float(v, out, r);
  } else if constexpr (std::is_same_v<T, std::string>) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) [[unlikely]]
      return r.type_error(v, e, "a string");
    out.assign(s.data(), s.size());
    return outcome::read;
  } else if constexpr (detail::is_optional<T>::value) {
    typename T::value_type x{};
    const outcome o = json::read(v, x, r);
    if (o == outcome::read) out = x;
    else if (o == outcome::null) out = flatbuffers::nullopt;
    return o;
  } else if constexpr (detail::is_unique_ptr<T>::value) {
    auto p = std::make_unique<typename T::element_type>();
    const outcome o = json::read(v, *p, r);
    if (o == outcome::read) out = std::move(p);
    else if (o == outcome::null) out.reset();
    return o;
  } else if constexpr (detail::is_vector<T>::value) {
    return detail::read_vector(v, out, r);
  } else if constexpr (detail::is_std_array<T>::value) {
    return detail::read_array(v, out, r);
  } else if constexpr (detail::json_table<T>) {
    simdjson::ondemand::object obj;
    if (const outcome o = r.enter_object(v, obj); o != outcome::read) return o;
    const outcome o = uplift_json_read_fields(obj, out, r);
    r.leave();
    return o;
  } else {
    // A FlatBuffers struct (or a type with a hand-written reader).
    return uplift_json_read(v, out, r);
  }
}

/// A union whose type key says NONE: only null (or no value) fits.
inline outcome read_none(simdjson::ondemand::value v, reader& r);
/// A union type key naming a value the union does not have.
inline outcome union_type_error(simdjson::ondemand::value v, long long type,
                                std::string_view name, reader& r);

/// The local a generated struct reader fills for a member whose accessor returns `A`: the value
/// type itself, or a std::array for a fixed-length array member.
template <class A>
struct struct_member {
  using type = std::remove_cvref_t<A>;
};
template <class T, std::uint16_t N>
struct struct_member<const flatbuffers::Array<T, N>*> {
  using type = std::array<T, N>;
};
template <class A>
using struct_member_t = typename struct_member<A>::type;

/// A struct reader's local as the struct constructor's argument.
template <class T>
const T& struct_arg(const T& x) noexcept {
  return x;
}
template <class T, std::size_t N>
flatbuffers::span<const T, N> struct_arg(const std::array<T, N>& a) noexcept {
  return flatbuffers::span<const T, N>(a.data(), N);
}
/// A struct accessor's result as a value to write.
template <class T>
const T& struct_value(const T& x) noexcept {
  return x;
}
template <class T, std::uint16_t N>
const flatbuffers::Array<T, N>& struct_value(const flatbuffers::Array<T, N>* a) noexcept {
  return *a;
}

// ---- reader's members that read simdjson values (header-only: simdjson's on-demand types are
// those of the CPU level each translation unit is compiled for) -------------------------------

inline bool reader::key(simdjson::ondemand::field& f, std::string_view& out) {
  // Where the key starts, for the error: unescaping consumes the key, whether it succeeds or not.
  const char* where = f.key().raw();
  if (auto e = detail::field_key(f, out)) [[unlikely]] {
    parse_error(e, where);
    return false;
  }
  return true;
}

inline bool reader::unknown_key(std::string_view key, simdjson::ondemand::field& f) {
  if (depth_ == 1 && key == version_key_) {
    if (++version_keys_ == 1) return true;
    duplicate(key);
    return false;
  }
  if (skip(f.value()) != outcome::failed) [[likely]]
    return true;
  at_key(key);
  return false;
}

inline outcome reader::skip(simdjson::ondemand::value v) {
  simdjson::ondemand::json_type t{};
  if (auto e = v.type().get(t)) return parse_error(e, location(v));
  switch (t) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object obj;
      if (const outcome o = enter_object(v, obj); o != outcome::read) return o;
      for (auto item : obj) {
        simdjson::ondemand::field f;
        if (auto e = std::move(item).get(f)) return parse_error(e);
        std::string_view k;
        if (!key(f, k)) return outcome::failed;
        if (skip(f.value()) == outcome::failed) return at_key(k);
      }
      leave();
      return outcome::read;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array arr;
      if (const outcome o = enter_array(v, arr); o != outcome::read) return o;
      std::size_t i = 0;
      for (auto item : arr) {
        simdjson::ondemand::value ev;
        if (auto e = std::move(item).get(ev)) {
          parse_error(e);
          return at_index(i);
        }
        if (skip(ev) == outcome::failed) return at_index(i);
        ++i;
      }
      leave();
      return outcome::read;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view sv;
      if (auto e = v.get_string().get(sv)) return parse_error(e, location(v));
      return outcome::read;
    }
    case simdjson::ondemand::json_type::number:
    case simdjson::ondemand::json_type::boolean:
    case simdjson::ondemand::json_type::null:
      if (!wellformed_scalar(v, t)) return malformed_scalar(v, t);
      return outcome::read;
  }
  return parse_error(simdjson::TAPE_ERROR, location(v));
}

inline bool reader::wellformed_scalar(simdjson::ondemand::value v, simdjson::ondemand::json_type t) noexcept {
  const std::string_view tok = v.raw_json_token();
  switch (t) {
    case simdjson::ondemand::json_type::number: return detail::wellformed_number(tok);
    case simdjson::ondemand::json_type::boolean:
      return detail::is_literal(tok, "true") || detail::is_literal(tok, "false");
    case simdjson::ondemand::json_type::null: return detail::is_literal(tok, "null");
    default: return true;
  }
}

UPLIFT_DETAIL_COLD inline outcome reader::malformed_scalar(simdjson::ondemand::value v, simdjson::ondemand::json_type t) {
  std::string d = t == simdjson::ondemand::json_type::number ? "not a JSON number:"
                                                              : "not a JSON literal:";
  append_token(d, v, t);
  return fail(errc::malformed_json, std::move(d), location(v));
}

UPLIFT_DETAIL_COLD inline outcome reader::malformed_number(simdjson::ondemand::value v) {
  return malformed_scalar(v, simdjson::ondemand::json_type::number);
}

UPLIFT_DETAIL_COLD inline outcome reader::type_error(simdjson::ondemand::value v, simdjson::error_code e, std::string_view expected) {
  if (e != simdjson::INCORRECT_TYPE) return parse_error(e, location(v));
  simdjson::ondemand::json_type t{};
  if (auto e2 = v.type().get(t)) return parse_error(e2, location(v));
  if (t == simdjson::ondemand::json_type::null) {
    if (!detail::is_literal(v.raw_json_token(), "null")) return malformed_scalar(v, t);
    bool is_null = false;
    if (auto e3 = v.is_null().get(is_null); e3 || !is_null) return parse_error(e3 ? e3 : e, location(v));
    return outcome::null;
  }
  return mismatch(v, expected, t);
}

UPLIFT_DETAIL_COLD inline outcome reader::mismatch(simdjson::ondemand::value v, std::string_view expected, simdjson::ondemand::json_type found) {
  if (!wellformed_scalar(v, found)) return malformed_scalar(v, found);
  std::string d = "expected ";
  d.append(expected).append(", found ").append(detail::type_word(found));
  append_token(d, v, found);
  return fail(errc::json_type_mismatch, std::move(d), location(v));
}

UPLIFT_DETAIL_COLD inline outcome reader::too_deep(simdjson::ondemand::value v) {
  return fail(errc::too_deep, "more than " + std::to_string(max_depth_) +
                                  " nested objects and arrays (max_depth)",
              location(v));
}

inline void reader::append_token(std::string& d, simdjson::ondemand::value v, simdjson::ondemand::json_type t) {
  if (t == simdjson::ondemand::json_type::object || t == simdjson::ondemand::json_type::array) return;
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\t' ||
                          tok.back() == '\r'))
    tok.remove_suffix(1);
  if (tok.size() > 40) tok = tok.substr(0, 40);
  d.append(" ").append(tok);
}

/// A union whose type key says NONE: only null (or no value) fits.
inline outcome read_none(simdjson::ondemand::value v, reader& r) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return r.parse_error(e, r.location(v));
  if (is_null) return outcome::null;
  return r.fail(errc::json_type_mismatch, "the union's type key says NONE, but it holds a value",
                r.location(v));
}

/// A union type key naming a value the union does not have.
inline outcome union_type_error(simdjson::ondemand::value v, long long type, std::string_view name,
                                reader& r) {
  return r.fail(errc::range_error,
                std::to_string(type) + " is not a member of the union " + std::string(name),
                r.location(v));
}

UPLIFT_DETAIL_COLD inline outcome reader::integer_error(simdjson::ondemand::value v, simdjson::error_code e,
                              const detail::number_limits& limits) {
  simdjson::ondemand::json_type t{};
  if (e != simdjson::INCORRECT_TYPE && e != simdjson::NUMBER_OUT_OF_RANGE)
    return parse_error(e, location(v));
  if (auto e2 = v.type().get(t)) return parse_error(e2, location(v));
  if (t != simdjson::ondemand::json_type::number) {
    std::string expected = "an integer (";
    expected.append(limits.type).append(")");
    return type_error(v, simdjson::INCORRECT_TYPE, expected);
  }
  if (!detail::wellformed_number(v.raw_json_token())) return malformed_number(v);
  simdjson::ondemand::number_type nt{};
  if (e == simdjson::INCORRECT_TYPE && !v.get_number_type().get(nt) &&
      nt == simdjson::ondemand::number_type::floating_point_number) {
    std::string expected = "an integer (";
    expected.append(limits.type).append(")");
    return mismatch(v, expected, t);
  }
  return out_of_range(v, limits);
}

UPLIFT_DETAIL_COLD inline outcome reader::out_of_range(simdjson::ondemand::value v, const detail::number_limits& limits) {
  std::string d = "the number";
  append_token(d, v, simdjson::ondemand::json_type::number);
  d.append(" does not fit ").append(limits.type).append(" (");
  if (limits.floating) {
    d.append("finite values up to about ").append(limits.type == "float" ? "3.4e38" : "1.8e308");
  } else {
    d.append(std::to_string(limits.min)).append("..").append(std::to_string(limits.max));
  }
  d.append(")");
  return fail(errc::range_error, std::move(d), location(v));
}

}  // namespace json
}  // namespace uplift

#undef UPLIFT_DETAIL_COLD
#undef UPLIFT_DETAIL_INLINE
