#pragma once
// What every store adapter shares: key checks, keys as job-table text, the job-mismatch rule and
// the walk that splits a range into parts of equal row count.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../store/store.hpp"

namespace uplift::detail {

/// The word stored for a key type in uplift_backfill.key_type.
constexpr std::string_view key_type_name(key_type k) noexcept {
  return k == key_type::integer ? "integer" : "text";
}

/// errc::store_error for a key of the other kind than the table's.
inline status check_key(const row_key& k, const table_spec& spec, std::string_view doing) {
  const bool is_integer = k.index() == 0;
  if (is_integer == (spec.key == key_type::integer)) return {};
  std::string words = "the key ";
  words.append(is_integer ? key_to_string(k) : "\"" + key_to_string(k) + "\"")
      .append(is_integer ? " is an integer" : " is text")
      .append(", but table_spec::key says table ")
      .append(spec.table)
      .append(" has ")
      .append(key_type_name(spec.key))
      .append(" keys; pass keys of the table's kind, or fix table_spec::key");
  return store_failure(doing, words);
}

/// check_key for both bounds of a range.
inline status check_range(const key_range& r, const table_spec& spec, std::string_view doing) {
  if (r.after)
    if (auto st = check_key(*r.after, spec, doing); !st) return st;
  if (r.upto)
    if (auto st = check_key(*r.upto, spec, doing); !st) return st;
  return {};
}

/// check_key for every row's key.
inline status check_row_keys(const std::vector<stored_row>& rows, const table_spec& spec,
                             std::string_view doing) {
  for (const stored_row& r : rows)
    if (auto st = check_key(r.key, spec, doing); !st) return st;
  return {};
}

/// check_key for every key of a batch: its writes, its quarantine rows and its cursor.
inline status check_batch_keys(const batch_commit& b, const table_spec& spec,
                               std::string_view doing) {
  for (const conditional_write& w : b.writes)
    if (auto st = check_key(w.key, spec, doing); !st) return st;
  for (const quarantined_row& q : b.quarantine)
    if (auto st = check_key(q.key, spec, doing); !st) return st;
  if (b.cursor) return check_key(*b.cursor, spec, doing);
  return {};
}

/// A key read back from the job tables, where keys are text (integers in decimal).
inline result<row_key> key_from_text(std::string_view text, key_type kind) {
  if (kind == key_type::text) return row_key{std::string(text)};
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || text.empty())
    return store_failure("reading a key from the backfill job tables",
                         "\"" + std::string(text) +
                             "\" is not an integer key; was the job created for a table with "
                             "text keys? Give this table's job another name");
  return row_key{v};
}
/// key_from_text for a key that may be absent.
inline result<std::optional<row_key>> optional_key_from_text(std::optional<std::string_view> text,
                                                             key_type kind) {
  if (!text) return std::optional<row_key>{};
  auto k = key_from_text(*text, kind);
  if (!k) return std::move(k).error();
  return std::optional<row_key>{std::move(*k)};
}

/// What a job is stored as, besides its job_record: the table and key type it was created for.
struct stored_job {
  job_record record;
  std::string table;
  key_type key = key_type::integer;
};

/// errc::job_mismatch unless the stored job is the one `spec` asks for, on this table.
inline status check_job_matches(const stored_job& have, const job_spec& want,
                                const table_spec& table) {
  const job_spec& got = have.record.spec;
  if (got.record == want.record && got.type_id == want.type_id &&
      got.target_version == want.target_version && have.table == table.table &&
      have.key == table.key)
    return {};
  auto describe = [](const job_spec& s, std::string_view tbl, key_type k) {
    return "record " + s.record + " (type id " + std::to_string(s.type_id) + ") at v" +
           std::to_string(s.target_version) + " on table " + std::string(tbl) + " (" +
           std::string(key_type_name(k)) + " keys)";
  };
  return error(errc::job_mismatch)
      .with_detail("backfill job \"" + want.name + "\" exists for " +
                   describe(got, have.table, have.key) + "; asked for " +
                   describe(want, table.table, table.key));
}

/// errc::lease_lost: `owner` no longer holds the range (another worker took it over, it was
/// released, or it is done).
inline error lease_lost(std::string_view job, std::int64_t range_id, std::string_view owner) {
  return error(errc::lease_lost)
      .with_detail("range " + std::to_string(range_id) + " of backfill job \"" +
                   std::string(job) + "\" is no longer held by \"" + std::string(owner) +
                   "\"; drop the batch and claim a range again");
}

/// The scope a job is created with: `ranges`, or the whole table when none are given.
inline std::vector<key_range> job_scope(const std::vector<key_range>& ranges) {
  if (ranges.empty()) return {key_range{}};
  return ranges;
}

/// Splits `r`, which holds `rows` rows, into at most `n` parts of about equal row count.
/// `next(lower, skip)` returns the key `skip` rows past the first key above `lower` within `r`
/// (nullopt when there are fewer rows): each part's last key is found from the previous one, so
/// the whole walk reads each key of `r` once.
template <class Next>
result<std::vector<key_range>> split_by_steps(const key_range& r, std::uint64_t rows, std::size_t n,
                                              Next&& next) {
  const std::uint64_t parts = std::min<std::uint64_t>(n == 0 ? 1 : n, rows);
  std::vector<key_range> out;
  std::optional<row_key> lower = r.after;
  std::uint64_t last_index = 0;  // one past the index of the previous part's last row
  for (std::uint64_t i = 1; i < parts; ++i) {
    const std::uint64_t end_index = rows * i / parts;  // one past this part's last row
    auto key = next(lower, end_index - last_index - 1);
    if (!key) return std::move(key).error();
    if (!*key) break;  // rows were deleted since they were counted: the last part takes the rest
    out.push_back(key_range{lower, *key});
    lower = std::move(**key);
    last_index = end_index;
  }
  out.push_back(key_range{std::move(lower), r.upto});
  return out;
}

}  // namespace uplift::detail
