#pragma once
/// The forms a stored row takes: a binary record or a JSON document, and what a table's value
/// column holds (one form, or either, told row by row).

#include <cstdint>
#include <cstring>
#include <string_view>

#include "bytes.hpp"

namespace uplift {

/// The form of one stored row.
enum class row_format : std::uint8_t {
  binary,  ///< a FlatBuffers record
  json,    ///< a JSON document
};

/// What a table's value column holds.
enum class value_format : std::uint8_t {
  binary,  ///< binary records: SQLite BLOB, PostgreSQL bytea (the default)
  json,    ///< JSON documents: SQLite TEXT (or a BLOB holding UTF-8), PostgreSQL jsonb, json, text
  detect,  ///< either, told row by row (`format_of`): a column written by several releases
};

/// "binary" or "json".
constexpr std::string_view to_string(row_format f) noexcept {
  return f == row_format::json ? "json" : "binary";
}
/// "binary", "json" or "detect".
constexpr std::string_view to_string(value_format f) noexcept {
  switch (f) {
    case value_format::binary: return "binary";
    case value_format::json: return "json";
    case value_format::detect: return "detect";
  }
  return "binary";
}

/// The form of a row stored in a column of format `column`. In a `detect` column a row is JSON
/// when its first byte that is not JSON whitespace is '{' and it holds no NUL byte (JSON text
/// never does; a FlatBuffer's 32-bit root offset, and uplift's header, do), else binary.
inline row_format format_of(value_format column, bytes_view row) noexcept {
  if (column != value_format::detect) return column == value_format::json ? row_format::json
                                                                          : row_format::binary;
  std::size_t i = 0;
  while (i < row.size() && (row[i] == ' ' || row[i] == '\t' || row[i] == '\n' || row[i] == '\r'))
    ++i;
  if (i == row.size() || row[i] != '{') return row_format::binary;
  return std::memchr(row.data(), 0, row.size()) == nullptr ? row_format::json : row_format::binary;
}

}  // namespace uplift
