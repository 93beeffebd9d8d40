#pragma once
/// The per-version histogram of a table: how many rows each stored version has. Binary rows are
/// counted from their 16 header bytes (the store counts rows by their first bytes), never a
/// payload; JSON rows by their version key, with the database's own JSON functions where it has
/// them (SQLite json_type, PostgreSQL ->>), else by reading each row. Compiled in the runtime
/// (`uplift::runtime`).
///
///     auto h = uplift::histogram(db, codec).value();   // rows of demo.User by stored version
///     if (h.below(3) == 0) retire_steps_below_v3();
///     auto all = uplift::histogram(db).value();        // every record type: what `uplift stats` shows

#include <cstdint>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../record_handle.hpp"
#include "../store/store.hpp"

namespace uplift {

/// Rows of one record type at one stored version.
struct header_count {
  std::uint32_t type_id = 0;
  std::uint16_t version = 0;
  std::uint64_t rows = 0;
  friend bool operator==(const header_count&, const header_count&) = default;
};

/// JSON rows at one version (by their version key: a JSON record names no type).
struct json_count {
  std::uint16_t version = 0;
  std::uint64_t rows = 0;
  friend bool operator==(const json_count&, const json_count&) = default;
};

/// Every row of a table by record type and version, whatever the types: what `uplift stats`
/// prints, with no generated code.
struct table_histogram {
  std::vector<header_count> records;  ///< binary records, by type id, then version
  std::vector<json_count> json;       ///< JSON documents by the version their key holds
  std::uint64_t json_untagged = 0;    ///< JSON objects without the version key (before versioning)
  /// Rows that are neither: a binary row without a valid uplift header, text that is not a JSON
  /// object, a JSON object whose version key does not hold a version (1..65535).
  std::uint64_t not_records = 0;
  std::uint64_t total() const noexcept {
    std::uint64_t n = not_records + json_untagged;
    for (const auto& c : records) n += c.rows;
    for (const auto& c : json) n += c.rows;
    return n;
  }
  friend bool operator==(const table_histogram&, const table_histogram&) = default;
};

/// Rows of one record type by stored version.
struct record_histogram {
  struct entry {
    std::uint16_t version = 0;
    std::uint64_t rows = 0;  ///< binary and JSON rows
    std::uint64_t json = 0;  ///< of which JSON documents
  };
  std::vector<entry> versions;       ///< ascending
  /// Rows written before versioning: JSON documents without the version key, and binary
  /// buffers without uplift's header where the handle reads them (options::untagged)
  std::uint64_t untagged = 0;
  std::uint64_t other_types = 0;     ///< binary rows of other record types
  std::uint64_t not_records = 0;     ///< rows that are not uplift records
  /// Rows of this record type with a version (untagged JSON documents not included).
  std::uint64_t rows() const noexcept {
    std::uint64_t n = 0;
    for (const auto& e : versions) n += e.rows;
    return n;
  }
  /// Rows of this record type stored below version v: zero means the steps below v can go.
  std::uint64_t below(std::uint16_t v) const noexcept {
    std::uint64_t n = 0;
    for (const auto& e : versions)
      if (e.version < v) n += e.rows;
    return n;
  }
  /// Rows at exactly version v.
  std::uint64_t at(std::uint16_t v) const noexcept {
    for (const auto& e : versions)
      if (e.version == v) return e.rows;
    return 0;
  }
};

/// Who counts the rows of a histogram; every way gives the same figures.
enum class counted_by : std::uint8_t {
  /// The fastest way for the store: the database counts binary rows by their header bytes, and
  /// JSON rows with its JSON functions where the store says those outrun reading every row
  /// (store::counts_json_in_database: PostgreSQL, where no row then crosses the network; not
  /// SQLite, whose JSON functions parse every document in this process while reading skips the
  /// parse of a document whose version key leads).
  fastest,
  /// The database's own counts wherever the column has them (the JSON functions too).
  database,
  /// Every row read and classified here: what the database's counts are checked against.
  reading,
};

/// How a table histogram is counted.
struct histogram_options {
  /// The key JSON rows hold their version in (JSON and detect columns).
  std::string json_version_key = "_v";
  counted_by by = counted_by::fastest;
};

/// Every row of the store's table by record type and stored version: binary rows from their
/// header bytes alone, JSON rows (a JSON or detect column, `table_spec::format`) by their
/// version key.
result<table_histogram> histogram(store& s, const histogram_options& o = {});

/// The rows of one record type in the store's table, by stored version. A `codec<R>` converts to
/// the handle: `uplift::histogram(db, codec)`; for a JSON or detect column pass
/// `codec.json_handle()` (its version key is the one counted). A handle whose options read binary
/// buffers without uplift's header (options::untagged) reads every row: only the record's
/// shapes tell such a buffer from bytes that are not a record.
result<record_histogram> histogram(store& s, const record_handle& record,
                                   counted_by by = counted_by::fastest);

}  // namespace uplift
