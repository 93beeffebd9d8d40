// The backfill's dry run (backfill.hpp): every row (or a sample) read and rewritten through the
// record handle as a worker would, the result checked, nothing written.
#include <uplift/rows/backfill.hpp>

#include <algorithm>
#include <chrono>

#include "target.hpp"

namespace uplift {
namespace {

void count_stored(dry_run_report& r, const row_info& info) {
  auto it = std::find_if(r.stored.begin(), r.stored.end(), [&](const dry_run_report::stored_rows& s) {
    return s.format == info.format && s.version == info.version && s.untagged == info.untagged;
  });
  if (it == r.stored.end()) r.stored.push_back({info.format, info.version, info.untagged, 1});
  else ++it->rows;
}

/// The rewritten row, checked as a reader meets it: of the row's form, at the target version.
status check_rewritten(const record_handle& record, value_format column, const std::string& out,
                       const row_info& stored, std::uint16_t target) {
  auto info = record.inspect(as_bytes_view(out), column);
  if (!info) return std::move(info).error();
  if (info->format != stored.format || info->version != target || info->untagged)
    return error(errc::invalid_option, record.name(), info->version, record.latest_version())
        .with_detail("the rewritten row is " + std::string(to_string(info->format)) + " at v" +
                     std::to_string(info->version) + ", not " +
                     std::string(to_string(stored.format)) + " at v" + std::to_string(target));
  return {};
}

}  // namespace

result<dry_run_report> backfill::dry_run(store& db, const record_handle& record,
                                         const dry_run_options& o) {
  const value_format column = db.spec().format;
  auto target = detail::backfill_target(record, column, o.target_version);
  if (!target) return std::move(target).error();
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t every = std::max<std::uint64_t>(o.every, 1);
  const std::size_t batch = std::max<std::size_t>(o.batch, 1);

  dry_run_report r;
  r.target_version = *target;
  key_range next;
  std::string out;
  for (bool more = true; more;) {
    std::size_t n = batch;
    if (o.first_rows != 0) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, o.first_rows - r.rows_read));
    auto rows = db.scan(next, n);
    if (!rows) return std::move(rows).error();
    more = rows->size() == n && (o.first_rows == 0 || r.rows_read + n < o.first_rows);
    if (!rows->empty()) next.after = rows->back().key;
    for (stored_row& row : *rows) {
      if (r.rows_read++ % every != 0) continue;
      ++r.scanned;
      out.clear();
      auto rw = record.rewrite_row(as_bytes_view(row.value), column, *target, out);
      status st;
      if (rw) {
        count_stored(r, rw->stored);
        if (rw->outcome == rewrite_outcome::current) {
          ++r.already_current;
          continue;
        }
        st = check_rewritten(record, column, out, rw->stored, *target);
        if (st) {
          ++r.would_upgrade;
          if (rw->stored.untagged) ++r.would_adopt;
          continue;
        }
      } else {
        st = std::move(rw).error();
      }
      ++r.would_quarantine;
      if (r.first_errors.size() < o.max_errors)
        r.first_errors.push_back({std::move(row.key), st.error().stored_version, st.error().message()});
    }
  }
  std::sort(r.stored.begin(), r.stored.end(),
            [](const dry_run_report::stored_rows& a, const dry_run_report::stored_rows& b) {
              if (a.format != b.format) return a.format < b.format;
              if (a.version != b.version) return a.version < b.version;
              return a.untagged < b.untagged;
            });
  r.elapsed = std::chrono::steady_clock::now() - started;
  return r;
}

}  // namespace uplift
