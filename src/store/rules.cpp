// What every store adapter does the same way (rules.hpp).
#include "rules.hpp"

#include <charconv>
#include <thread>
#include <system_error>

namespace uplift::detail {

status check_key(const row_key& k, const table_spec& spec, std::string_view doing) {
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

status check_range(const key_range& r, const table_spec& spec, std::string_view doing) {
  if (r.after)
    if (auto st = check_key(*r.after, spec, doing); !st) return st;
  if (r.upto)
    if (auto st = check_key(*r.upto, spec, doing); !st) return st;
  return {};
}

status check_row_keys(const std::vector<stored_row>& rows, const table_spec& spec,
                      std::string_view doing) {
  for (const stored_row& r : rows)
    if (auto st = check_key(r.key, spec, doing); !st) return st;
  return {};
}

status check_batch_keys(const batch_commit& b, const table_spec& spec, std::string_view doing) {
  for (const conditional_write& w : b.writes)
    if (auto st = check_key(w.key, spec, doing); !st) return st;
  for (const quarantined_row& q : b.quarantine)
    if (auto st = check_key(q.key, spec, doing); !st) return st;
  if (b.cursor) return check_key(*b.cursor, spec, doing);
  return {};
}

result<row_key> key_from_text(std::string_view text, key_type kind) {
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

result<std::optional<row_key>> optional_key_from_text(std::optional<std::string_view> text,
                                                      key_type kind) {
  if (!text) return std::optional<row_key>{};
  auto k = key_from_text(*text, kind);
  if (!k) return std::move(k).error();
  return std::optional<row_key>{std::move(*k)};
}

std::string quote_ident(std::string_view name, bool qualified) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out.append("\"\"");
    else if (c == '.' && qualified)
      out.append("\".\"");
    else
      out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string job_key(std::string_view table, std::string_view name) {
  return quote_ident(table) + "." + std::string(name);
}

status check_job_matches(const stored_job& have, const job_spec& want, const table_spec& table) {
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

error lease_lost(std::string_view job, std::int64_t range_id, std::string_view owner) {
  return error(errc::lease_lost)
      .with_detail("range " + std::to_string(range_id) + " of backfill job \"" +
                   std::string(job) + "\" is no longer held by \"" + std::string(owner) +
                   "\"; drop the batch and claim a range again");
}

std::vector<key_range> job_scope(const std::vector<key_range>& ranges) {
  if (ranges.empty()) return {key_range{}};
  return ranges;
}

}  // namespace uplift::detail

namespace uplift {

bool knob_node::can_write(std::uint16_t v) const {
  std::string_view rest = writes;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (ec == std::errc{} && end == item.data() + item.size() && n == v) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

result<bool> store::wait_for_knob(std::chrono::milliseconds timeout) {
  std::this_thread::sleep_for(timeout);
  return true;
}

// ---- copy jobs: a store that cannot run them says so -----------------------------------------

namespace {
error no_copy_jobs(const store& s, std::string_view doing) {
  return store_failure("table " + s.spec().table + ": " + std::string(doing),
                       "this store cannot run copy jobs (they need triggers and transactions: "
                       "use sqlite_store or postgres_store)");
}
}  // namespace

result<std::vector<stored_row>> store::get_many(const std::vector<row_key>& keys) {
  std::vector<stored_row> out;
  for (const row_key& k : keys) {
    auto v = get(k);
    if (!v) return std::move(v).error();
    if (*v) out.push_back({k, std::move(**v)});
  }
  return out;
}

status store::check_copy_source() { return no_copy_jobs(*this, "checking a copy job's source"); }
result<std::unique_ptr<store>> store::sibling(const table_spec&) const {
  return no_copy_jobs(*this, "opening another table on this connection");
}
status store::install_capture(std::string_view) { return no_copy_jobs(*this, "installing a capture"); }
result<bool> store::has_capture(std::string_view) { return no_copy_jobs(*this, "looking for a capture"); }
status store::remove_capture(std::string_view) { return no_copy_jobs(*this, "removing a capture"); }
result<std::vector<capture_entry>> store::read_capture(std::string_view, std::size_t, std::size_t,
                                                       std::size_t) {
  return no_copy_jobs(*this, "reading a capture log");
}
result<std::uint64_t> store::consume_capture(std::string_view, const std::vector<std::int64_t>&) {
  return no_copy_jobs(*this, "consuming capture entries");
}
result<capture_backlog> store::backlog(std::string_view) {
  return no_copy_jobs(*this, "measuring a capture log");
}
status store::begin_exclusive(std::chrono::milliseconds) {
  return no_copy_jobs(*this, "blocking writers for a cut-over");
}
status store::end_exclusive(bool) { return no_copy_jobs(*this, "ending a cut-over"); }
status store::swap_by_rename(std::string_view, std::string_view, std::string_view) {
  return no_copy_jobs(*this, "swapping tables");
}
status store::swap_by_route(std::string_view, std::string_view) {
  return no_copy_jobs(*this, "routing a table away");
}
result<std::optional<std::string>> store::route() { return std::optional<std::string>{}; }
status store::ensure_copy_tables() { return no_copy_jobs(*this, "creating the copy job tables"); }
result<std::optional<copy_record>> store::load_copy(std::string_view) {
  return no_copy_jobs(*this, "loading a copy job");
}
result<copy_record> store::open_copy(const copy_record&) {
  return no_copy_jobs(*this, "opening a copy job");
}
status store::commit_copy_chunk(const copy_chunk&) {
  return no_copy_jobs(*this, "committing a copy chunk");
}
status store::apply_copy_changes(const copy_changes&) {
  return no_copy_jobs(*this, "applying captured changes");
}
status store::set_copy_phase(std::string_view, std::string_view, std::string_view) {
  return no_copy_jobs(*this, "setting a copy job's phase");
}

status store::set_copy_verification(std::string_view, std::uint64_t, std::uint64_t,
                                    std::uint64_t) {
  return no_copy_jobs(*this, "recording a copy job's verification");
}
status store::prepare_maintenance() { return no_copy_jobs(*this, "preparing a maintenance"); }
status store::begin_maintenance(std::string_view, const std::vector<row_key>&) {
  return no_copy_jobs(*this, "putting keys in maintenance");
}
result<std::vector<row_key>> store::maintenance_keys(std::size_t) {
  return no_copy_jobs(*this, "listing the keys in maintenance");
}
status store::end_maintenance(std::string_view, std::string_view) {
  return no_copy_jobs(*this, "ending a maintenance");
}
result<std::vector<copy_record>> store::list_copy_jobs() {
  return no_copy_jobs(*this, "listing copy jobs");
}
result<std::vector<quarantined_row>> store::list_copy_quarantine(std::string_view, std::size_t) {
  return no_copy_jobs(*this, "listing a copy job's quarantine");
}

}  // namespace uplift
