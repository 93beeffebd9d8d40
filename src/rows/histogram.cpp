// The per-version histograms (histogram.hpp): the store counts rows by their first header_size
// bytes, and uplift::peek reads each distinct prefix.
#include <uplift/rows/histogram.hpp>

#include <algorithm>

#include <uplift/header.hpp>

namespace uplift {

result<table_histogram> histogram(store& s) {
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

result<record_histogram> histogram(store& s, const record_handle& record) {
  auto all = histogram(s);
  if (!all) return std::move(all).error();
  record_histogram h;
  h.not_records = all->not_records;
  for (const header_count& c : all->records) {
    if (c.type_id == record.type_id()) h.versions.push_back({c.version, c.rows});
    else h.other_types += c.rows;
  }
  return h;
}

}  // namespace uplift
