#pragma once
/// The per-version histogram of a table: how many rows each stored version has. It reads only the
/// 16 header bytes of each row (the store counts rows by their first bytes), never a payload.
///
///     auto h = uplift::version_histogram<demo::User>(db).value();
///     if (h.below(3) == 0) retire_steps_below_v3();

#include <algorithm>
#include <cstdint>
#include <vector>

#include "descriptor.hpp"
#include "detail/chain.hpp"
#include "error.hpp"
#include "header.hpp"
#include "store/store.hpp"

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
struct version_histogram_t {
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

/// The histogram of every row of the store's table, from the header bytes alone.
template <store S>
result<table_histogram> table_histogram_of(S& s) {
  auto counts = s.count_by_prefix(header_size);
  if (!counts) return std::move(counts).error();
  table_histogram h;
  for (const prefix_count& c : *counts) {
    auto header = peek(c.prefix);
    if (!header || header->size != header_size) {
      // A longer header (a later header format) does not fit in the prefix; peek refused it.
      h.not_records += c.rows;
      continue;
    }
    auto it = std::find_if(h.records.begin(), h.records.end(), [&](const header_count& e) {
      return e.type_id == header->type_id && e.version == header->version;
    });
    if (it == h.records.end()) h.records.push_back({header->type_id, header->version, c.rows});
    else it->rows += c.rows;  // same version, another minimum reader version
  }
  std::sort(h.records.begin(), h.records.end(), [](const header_count& a, const header_count& b) {
    return a.type_id != b.type_id ? a.type_id < b.type_id : a.version < b.version;
  });
  return h;
}

/// The rows of record R in the store's table, per stored version.
template <class R, store S>
result<version_histogram_t> version_histogram(S& s) {
  UPLIFT_REQUIRE_RECORD("uplift::version_histogram<R>", R);
  auto all = table_histogram_of(s);
  if (!all) return std::move(all).error();
  version_histogram_t h;
  h.not_records = all->not_records;
  for (const header_count& c : all->records) {
    if (c.type_id == R::type_id) h.versions.push_back({c.version, c.rows});
    else h.other_types += c.rows;
  }
  return h;
}

}  // namespace uplift
