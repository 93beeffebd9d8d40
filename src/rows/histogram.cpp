// The per-version histograms (histogram.hpp): the store counts binary rows by their first
// header_size bytes, and uplift::peek reads each distinct prefix; JSON rows are counted by their
// version key, by the store's JSON functions (count_by_json_version) or else by reading each row
// (json_rows.hpp classifies a row as those functions do).
#include <uplift/rows/histogram.hpp>

#include <algorithm>

#include <uplift/header.hpp>

#include "json_rows.hpp"

namespace uplift {
namespace {

/// Adds `rows` rows whose first bytes are `prefix` (a binary row's header, when valid).
void add_binary(table_histogram& h, std::string_view prefix, std::uint64_t rows) {
  auto header = peek(prefix.substr(0, header_size));
  if (!header || header->size != header_size) {
    // A longer header (a later header format) does not fit in the prefix; peek refused it.
    h.not_records += rows;
    return;
  }
  auto it = std::find_if(h.records.begin(), h.records.end(), [&](const header_count& e) {
    return e.type_id == header->type_id && e.version == header->version;
  });
  if (it == h.records.end()) h.records.push_back({header->type_id, header->version, rows});
  else it->rows += rows;  // same version, another minimum reader version
}

void add_json(table_histogram& h, const detail::json_row_class& c, std::uint64_t rows) {
  switch (c.what) {
    case detail::json_row_class::versioned: {
      auto it = std::find_if(h.json.begin(), h.json.end(),
                             [&](const json_count& e) { return e.version == c.version; });
      if (it == h.json.end()) h.json.push_back({c.version, rows});
      else it->rows += rows;
      return;
    }
    case detail::json_row_class::untagged: h.json_untagged += rows; return;
    default: h.not_records += rows; return;
  }
}

void sort(table_histogram& h) {
  std::sort(h.records.begin(), h.records.end(), [](const header_count& a, const header_count& b) {
    return a.type_id != b.type_id ? a.type_id < b.type_id : a.version < b.version;
  });
  std::sort(h.json.begin(), h.json.end(),
            [](const json_count& a, const json_count& b) { return a.version < b.version; });
}

/// Every row read and counted here, in key order.
result<table_histogram> by_reading(store& s, std::string_view key) {
  constexpr std::size_t batch = 10000;
  const value_format column = s.spec().format;
  detail::json_row_classifier json;
  table_histogram h;
  key_range r;
  for (;;) {
    auto rows = s.scan(r, batch);
    if (!rows) return std::move(rows).error();
    for (const stored_row& row : *rows) {
      if (format_of(column, as_bytes_view(row.value)) == row_format::binary)
        add_binary(h, row.value, 1);
      else
        add_json(h, json.classify(row.value, key), 1);
    }
    if (rows->size() < batch) break;
    r.after = rows->back().key;
  }
  sort(h);
  return h;
}

}  // namespace

result<table_histogram> histogram(store& s, const histogram_options& o) {
  const value_format column = s.spec().format;
  // A column that may hold JSON, on a store whose JSON functions are slower than reading: read
  // every row (a detect column's binary rows too, in the same pass).
  if (o.by == counted_by::reading ||
      (o.by == counted_by::fastest && column != value_format::binary && !s.counts_json_in_database()))
    return by_reading(s, o.json_version_key);
  table_histogram h;
  if (column != value_format::json) {
    auto counts = s.count_by_prefix(header_size);
    if (!counts) return std::move(counts).error();
    for (const prefix_count& c : *counts) add_binary(h, c.prefix, c.rows);
    if (column == value_format::binary) {
      sort(h);
      return h;
    }
  }
  auto json = s.count_by_json_version(o.json_version_key);
  if (!json) return std::move(json).error();
  if (!*json) return by_reading(s, o.json_version_key);  // no JSON functions for this column
  for (const json_version_count& c : **json) {
    using kind = json_version_count::kind;
    const auto what = c.what == kind::version    ? detail::json_row_class::versioned
                      : c.what == kind::untagged ? detail::json_row_class::untagged
                                                 : detail::json_row_class::bad_version;
    add_json(h, {what, c.version}, c.rows);
  }
  // The rest of the table is neither: binary rows without a valid header (in a detect column
  // their prefixes were counted above as such), text that is not a JSON object.
  auto total = s.count({});
  if (!total) return std::move(total).error();
  h.not_records = 0;
  const std::uint64_t counted = h.total();  // rows written between the two counts: none below 0
  h.not_records = *total > counted ? *total - counted : 0;
  sort(h);
  return h;
}

namespace {
/// The rows of one record type, each row read through the handle: for a handle that reads binary
/// buffers without uplift's header, which only the record's shapes tell apart.
result<record_histogram> by_inspecting(store& s, const record_handle& record) {
  constexpr std::size_t batch = 10000;
  const value_format column = s.spec().format;
  record_histogram h;
  auto add = [&](const row_info& info) {
    if (info.untagged) {
      ++h.untagged;
      return;
    }
    auto it = std::find_if(h.versions.begin(), h.versions.end(),
                           [&](const record_histogram::entry& e) { return e.version == info.version; });
    if (it == h.versions.end()) it = h.versions.insert(h.versions.end(), {info.version, 0, 0});
    ++it->rows;
    if (info.format == row_format::json) ++it->json;
  };
  key_range r;
  for (;;) {
    auto rows = s.scan(r, batch);
    if (!rows) return std::move(rows).error();
    for (const stored_row& row : *rows) {
      auto info = record.inspect(as_bytes_view(row.value), column);
      if (info) add(*info);
      else if (info.error().code == errc::wrong_record_type) ++h.other_types;
      else ++h.not_records;
    }
    if (rows->size() < batch) break;
    r.after = rows->back().key;
  }
  std::sort(h.versions.begin(), h.versions.end(),
            [](const record_histogram::entry& a, const record_histogram::entry& b) {
              return a.version < b.version;
            });
  return h;
}
}  // namespace

result<record_histogram> histogram(store& s, const record_handle& record, counted_by by) {
  const bool json_rows = s.spec().format != value_format::binary;
  if (json_rows && !record.reads_json())
    return detail::needs_json_handle(record.name(), "the table's value column holds JSON rows");
  // Binary rows without uplift's header have no prefix of their own to count by.
  if (record.options().untagged != untagged_binary::refuse) return by_inspecting(s, record);
  histogram_options o;
  o.by = by;
  if (json_rows) o.json_version_key = std::string(record.json_version_key());
  auto all = histogram(s, o);
  if (!all) return std::move(all).error();
  record_histogram h;
  h.not_records = all->not_records;
  h.untagged = all->json_untagged;
  for (const header_count& c : all->records) {
    if (c.type_id == record.type_id()) h.versions.push_back({c.version, c.rows, 0});
    else h.other_types += c.rows;
  }
  for (const json_count& c : all->json) {
    auto it = std::find_if(h.versions.begin(), h.versions.end(),
                           [&](const record_histogram::entry& e) { return e.version == c.version; });
    if (it == h.versions.end()) h.versions.push_back({c.version, c.rows, c.rows});
    else {
      it->rows += c.rows;
      it->json += c.rows;
    }
  }
  std::sort(h.versions.begin(), h.versions.end(),
            [](const record_histogram::entry& a, const record_histogram::entry& b) {
              return a.version < b.version;
            });
  return h;
}

}  // namespace uplift
