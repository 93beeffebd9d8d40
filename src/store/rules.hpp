#pragma once
// What every store adapter (memory, SQLite, PostgreSQL) does the same way: key checks, keys as
// job-table text, the job-mismatch rule, the lease-lost error and the walk that splits a range
// into parts of equal row count. Private to the runtime; compiled in rules.cpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uplift/store/store.hpp>

namespace uplift::detail {

/// The word stored for a key type in uplift_backfill.key_type.
constexpr std::string_view key_type_name(key_type k) noexcept {
  return k == key_type::integer ? "integer" : "text";
}

/// Quotes an identifier: users -> "users"; with `qualified`, dots separate a schema:
/// app.users -> "app"."users".
std::string quote_ident(std::string_view name, bool qualified = false);

/// A job's identity in the job tables: its table and its name, as one text that no other pair
/// spells ("users".demo.User@v3: the table quoted as an identifier, a dot, the name). Jobs of
/// different tables never collide, whatever their names.
std::string job_key(std::string_view table, std::string_view name);
/// job_key as SQL over uplift_backfill's table_name and name columns (the job tables' upgrade
/// from the first edition's layout computes it there).
inline constexpr std::string_view job_key_sql =
    "'\"' || replace(table_name, '\"', '\"\"') || '\".' || name";

/// True when `key` can be a JSON version key (a record's json_version_key is one): not empty,
/// without quotes, backslashes or control characters. Only such a key is looked up by the SQL
/// stores' JSON functions (SQLite's path quotes it as $."key", which cannot hold a quote).
inline bool json_key_countable(std::string_view key) noexcept {
  if (key.empty()) return false;
  return std::none_of(key.begin(), key.end(), [](char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
}

/// errc::store_error for a key of the other kind than the table's.
status check_key(const row_key& k, const table_spec& spec, std::string_view doing);
/// check_key for both bounds of a range.
status check_range(const key_range& r, const table_spec& spec, std::string_view doing);
/// check_key for every row's key.
status check_row_keys(const std::vector<stored_row>& rows, const table_spec& spec,
                      std::string_view doing);
/// check_key for every key of a batch: its writes, its quarantine rows and its cursor.
status check_batch_keys(const batch_commit& b, const table_spec& spec, std::string_view doing);

/// A key read back from the job tables, where keys are text (integers in decimal).
result<row_key> key_from_text(std::string_view text, key_type kind);
/// key_from_text for a key that may be absent.
result<std::optional<row_key>> optional_key_from_text(std::optional<std::string_view> text,
                                                      key_type kind);

/// What a job is stored as, besides its job_record: the table and key type it was created for.
struct stored_job {
  job_record record;
  std::string table;
  key_type key = key_type::integer;
};

/// errc::job_mismatch unless the stored job is the one `spec` asks for, on this table.
status check_job_matches(const stored_job& have, const job_spec& want, const table_spec& table);

/// errc::lease_lost: `owner` no longer holds the range (another worker took it over, it was
/// released, or it is done).
error lease_lost(std::string_view job, std::int64_t range_id, std::string_view owner);

/// The scope a job is created with: `ranges`, or the whole table when none are given.
std::vector<key_range> job_scope(const std::vector<key_range>& ranges);

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
