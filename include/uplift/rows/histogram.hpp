#pragma once
/// The per-version histogram of a table: how many rows each stored version has. It reads only the
/// 16 header bytes of each row (the store counts rows by their first bytes), never a payload.
/// Compiled in the runtime (`uplift::runtime`).
///
///     auto h = uplift::histogram(db, codec).value();   // rows of demo.User by stored version
///     if (h.below(3) == 0) retire_steps_below_v3();
///     auto all = uplift::histogram(db).value();        // every record type: what `uplift stats` shows

#include <cstdint>
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
};

/// Every row of a table by record type and version, whatever the types: what `uplift stats`
/// prints, with no generated code.
struct table_histogram {
  std::vector<header_count> records;  ///< by type id, then version
  std::uint64_t not_records = 0;      ///< rows whose first bytes are not a valid uplift header
  std::uint64_t total() const noexcept {
    std::uint64_t n = not_records;
    for (const auto& c : records) n += c.rows;
    return n;
  }
};

/// Rows of one record type by stored version.
struct record_histogram {
  struct entry {
    std::uint16_t version = 0;
    std::uint64_t rows = 0;
  };
  std::vector<entry> versions;       ///< ascending
  std::uint64_t other_types = 0;     ///< rows of other record types
  std::uint64_t not_records = 0;     ///< rows that are not uplift records
  /// Rows of this record type.
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

/// Every row of the store's table by record type and stored version, from the header bytes alone.
result<table_histogram> histogram(store& s);

/// The rows of one record type in the store's table, by stored version, from the header bytes
/// alone. A `codec<R>` converts to the handle: `uplift::histogram(db, codec)`.
result<record_histogram> histogram(store& s, const record_handle& record);

}  // namespace uplift
