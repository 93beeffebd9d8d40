#pragma once
// PostgreSQL's binary format, as postgres_store speaks it: parameters, arrays, result rows. Private
// to the PostgreSQL store (and its benchmarks, which build the same arrays); needs <libpq-fe.h>.

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uplift/store/store.hpp>

#include "sql_adapter.hpp"

namespace uplift::detail {

// The type oids of what uplift sends (PostgreSQL's pg_type.dat).
inline constexpr Oid pg_bool = 16;
inline constexpr Oid pg_bytea = 17;
inline constexpr Oid pg_int8 = 20;
inline constexpr Oid pg_text = 25;
inline constexpr Oid pg_bytea_array = 1001;
inline constexpr Oid pg_text_array = 1009;
inline constexpr Oid pg_int8_array = 1016;

struct pg_result_free {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, pg_result_free>;

/// Appends `v`'s low `bytes` bytes in network order, as PostgreSQL's binary format has them.
inline void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline std::uint64_t get_be(const char* p, int bytes) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline std::int64_t get_signed_be(const char* p, int bytes) noexcept {
  const std::uint64_t v = get_be(p, bytes);
  if (bytes == 8) return static_cast<std::int64_t>(v);
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(v));
}

/// A one-dimensional array parameter in binary format: header, then each element's length and
/// bytes.
class pg_array {
 public:
  /// An array of n elements of about `element_bytes` bytes each (for the first allocation).
  pg_array(Oid element, std::size_t n, std::size_t element_bytes = 8) {
    bytes_.reserve(20 + n * (4 + element_bytes));
    put_be(bytes_, n == 0 ? 0 : 1, 4);  // dimensions (an empty array has none)
    put_be(bytes_, 0, 4);               // has nulls
    put_be(bytes_, element, 4);
    if (n == 0) return;
    put_be(bytes_, n, 4);  // length
    put_be(bytes_, 1, 4);  // lower bound
  }
  pg_array& add(std::string_view v) {
    put_be(bytes_, v.size(), 4);
    bytes_.append(v);
    return *this;
  }
  pg_array& add(std::int64_t v) {
    put_be(bytes_, 8, 4);
    put_be(bytes_, static_cast<std::uint64_t>(v), 8);
    return *this;
  }
  pg_array& add(const row_key& k) {
    return k.index() == 0 ? add(std::get<0>(k)) : add(std::string_view(std::get<1>(k)));
  }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

/// The parameters of one statement, all in binary format. Text and bytea point at the caller's
/// bytes, which must outlive the call.
class pg_params {
 public:
  pg_params& int8(std::int64_t v) {
    std::string b;
    put_be(b, static_cast<std::uint64_t>(v), 8);
    return owned(pg_int8, std::move(b));
  }
  pg_params& boolean(bool v) { return owned(pg_bool, std::string(1, v ? '\1' : '\0')); }
  pg_params& text(std::string_view v) { return add(pg_text, v.data(), v.size()); }
  pg_params& text_or_null(const std::optional<std::string>& v) {
    return v ? owned(pg_text, *v) : null(pg_text);
  }
  pg_params& bytea(std::string_view v) { return add(pg_bytea, v.data(), v.size()); }
  pg_params& null(Oid type) {
    add(type, "", 0);
    values_.back() = nullptr;
    return *this;
  }
  pg_params& array(Oid type, pg_array a) { return owned(type, a.take()); }
  /// The parameters of `args`, which must outlive these.
  explicit pg_params(const sql_args& args = {}) {
    for (const sql_args::arg& a : args.items()) switch (a.k) {
        case sql_args::kind::null_text: null(pg_text); break;
        case sql_args::kind::integer: int8(a.i); break;
        case sql_args::kind::boolean: boolean(a.i != 0); break;
        case sql_args::kind::text: text(a.s); break;
        case sql_args::kind::blob: bytea(a.s); break;
      }
  }

  int size() const noexcept { return static_cast<int>(types_.size()); }
  const Oid* types() const noexcept { return types_.data(); }
  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }

 private:
  pg_params& owned(Oid type, std::string bytes) {
    const std::string& kept = owned_.emplace_back(std::move(bytes));  // deque: stays put
    return add(type, kept.data(), kept.size());
  }
  pg_params& add(Oid type, const char* data, std::size_t n) {
    types_.push_back(type);
    values_.push_back(n == 0 ? "" : data);
    lengths_.push_back(static_cast<int>(n));
    formats_.push_back(1);
    return *this;
  }

  std::deque<std::string> owned_;
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A row of a result in binary format.
struct pg_row {
  const PGresult* r;
  int row;

  bool is_null(int c) const { return PQgetisnull(r, row, c) != 0; }
  /// An integer column's value is one (the knob tables' version columns are BIGINT NOT NULL).
  bool is_integer(int c) const { return !is_null(c); }
  std::string_view text(int c) const {
    return {PQgetvalue(r, row, c), static_cast<std::size_t>(PQgetlength(r, row, c))};
  }
  std::string_view bytes(int c) const { return text(c); }
  /// An integer column of any width (smallint, integer, bigint).
  std::int64_t i64(int c) const {
    return get_signed_be(PQgetvalue(r, row, c), PQgetlength(r, row, c));
  }
  bool boolean(int c) const { return PQgetlength(r, row, c) == 1 && PQgetvalue(r, row, c)[0] != 0; }
  row_key key(int c, key_type kind) const {
    if (kind == key_type::integer) return i64(c);
    return std::string(text(c));
  }
};

/// The elements of a binary bigint[] (nullopt when the bytes are not one).
inline std::optional<std::vector<std::int64_t>> pg_int8_elements(std::string_view a) {
  std::vector<std::int64_t> out;
  if (a.size() < 12) return std::nullopt;
  if (get_be(a.data(), 4) == 0) return out;  // no dimensions: empty
  if (a.size() < 20 || get_be(a.data(), 4) != 1) return std::nullopt;
  const std::size_t n = get_be(a.data() + 12, 4);
  std::size_t at = 20;
  for (std::size_t i = 0; i < n; ++i, at += 12) {
    if (at + 12 > a.size() || get_be(a.data() + at, 4) != 8) return std::nullopt;
    out.push_back(static_cast<std::int64_t>(get_be(a.data() + at + 4, 8)));
  }
  return out;
}

/// A key as a binary parameter: a bigint's 8 bytes in network order, or the text's bytes.
class pg_key_param {
 public:
  explicit pg_key_param(const row_key& k) noexcept {
    if (k.index() == 1) {
      bytes_ = std::get<1>(k);
      return;
    }
    const auto v = static_cast<std::uint64_t>(std::get<0>(k));
    for (int i = 0; i < 8; ++i) be_[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
    bytes_ = {be_, sizeof be_};
  }
  pg_key_param(const pg_key_param&) = delete;
  pg_key_param& operator=(const pg_key_param&) = delete;
  std::string_view bytes() const noexcept { return bytes_; }

 private:
  char be_[8] = {};
  std::string_view bytes_;
};

}  // namespace uplift::detail
