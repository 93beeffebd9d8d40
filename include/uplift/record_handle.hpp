#pragma once
/// The record handle: the one door between the typed core and everything that works on rows.
///
/// A `codec<R>` hands one out (`codec.handle()`, or implicitly where a handle is asked for). It is
/// a small non-template value: the record's name, type id and versions, and the type-erased
/// operations a row engine needs — peek at a row, rewrite a row's bytes from any stored version to
/// a target version. The backfill, read-repair and the histograms take a handle, so they are
/// compiled once, in the runtime library, instead of once per record type in every program.
///
///     auto job = uplift::backfill::start(std::move(db), codec);   // codec<demo::User> -> handle
///     std::string out;
///     auto r = codec.handle().rewrite(row_bytes, 3, out);          // rewritten, or current
///
/// A handle reads binary rows. One from `codec.json_handle()` (<uplift/json.hpp> with the record's
/// generated `<folder>_uplift_json.hpp`) reads and rewrites JSON rows too: a column of
/// value_format::json, or a detect column holding both forms.

#include <cstdint>
#include <string>
#include <string_view>

#include "bytes.hpp"
#include "error.hpp"
#include "format.hpp"
#include "header.hpp"
#include "options.hpp"

namespace uplift {

/// What `record_handle::rewrite` did with a row.
enum class rewrite_outcome : std::uint8_t {
  rewritten,  ///< the row was below the target version: `out` holds it at the target
  current,    ///< the row is at the target version or newer already: `out` is untouched
};

/// What a stored row is: its form and stored version, from its header or version key.
struct row_info {
  row_format format = row_format::binary;
  std::uint16_t version = 0;  ///< the version it is stored at
  /// Written before versioning (a JSON document without the version key, a binary buffer without
  /// uplift's header): `version` is the one the options' rule gives it (`sniffer` and
  /// `default_version` for JSON, `untagged` for binary). The backfill adopts such a row: it
  /// rewrites it with its version, even at the target version.
  bool untagged = false;
};

/// What `record_handle::rewrite_row` did with a row, and what the row was.
struct row_rewrite {
  rewrite_outcome outcome = rewrite_outcome::current;
  row_info stored{};
};

class record_handle;

namespace detail {
/// The operations of one record type, made once per type by the codec (see codec.hpp).
struct record_ops {
  const record_info* info;
  /// can_write(v): a latest record can be written at version v (downgrade steps exist).
  bool (*can_write)(std::uint16_t v) noexcept;
  /// check_write_version(v): ok when can_write(v), else the error that says why.
  status (*check_write_version)(std::uint16_t v);
  /// Rewrites a binary row at `target`, appending to `out`.
  result<row_rewrite> (*rewrite)(const options& o, bytes_view row, std::uint16_t target,
                                 std::string& out);
  /// The form and version of a binary row: its header, or options::untagged for one without.
  result<row_info> (*inspect_binary)(const options& o, bytes_view row);
  /// The same for a JSON row, as JSON; null in a handle made without <uplift/json.hpp>.
  result<row_rewrite> (*rewrite_json)(const options& o, bytes_view row, std::uint16_t target,
                                      std::string& out);
  /// The form and version of a JSON row (its version key, or the legacy rule); null as above.
  result<row_info> (*inspect_json)(const options& o, bytes_view row);
  /// The key JSON rows hold their version in; null as above.
  std::string_view (*json_version_key)(const options& o) noexcept;
  /// Writes a row of form `from` at exactly version `target` (a downgrade too) in form `to`,
  /// appending to `out`: read as the latest Object API struct, written at `target`. A binary
  /// handle's converts binary rows to binary only.
  result<row_info> (*convert)(const options& o, bytes_view row, row_format from, row_format to,
                              std::uint16_t target, std::string& out);
};
/// Makes a handle (the codec's door into record_handle).
record_handle make_handle(const record_ops& ops, const options& o, std::uint16_t write_version);
}  // namespace detail

/// A record type as the row engine sees it. Cheap to copy; safe to use from several threads at
/// once (every member is const). It keeps the options and write version of the codec it came
/// from, as they were when it was made.
class record_handle {
 public:
  /// The record's name, e.g. "demo.User".
  std::string_view name() const noexcept { return ops_->info->name(); }
  /// The record type id (a header's bytes 8..11).
  std::uint32_t type_id() const noexcept { return ops_->info->type_id(); }
  /// The oldest version this binary reads.
  std::uint16_t first_version() const noexcept { return ops_->info->first_version(); }
  /// The latest version this binary knows.
  std::uint16_t latest_version() const noexcept { return ops_->info->latest_version(); }
  /// The version the codec wrote when the handle was made.
  std::uint16_t write_version() const noexcept { return write_version_; }
  /// The options of the codec the handle came from.
  const uplift::options& options() const noexcept { return options_; }
  /// True when a record can be written at version `v` (it is known, and downgrade steps lead
  /// to it from the latest version).
  bool can_write(std::uint16_t v) const noexcept { return ops_->can_write(v); }
  /// Ok when `can_write(v)`; else the error `codec<R>::set_write_version(v)` gives:
  /// errc::invalid_option for a version this binary does not know, errc::no_downgrade_path with
  /// a detail naming the missing downgrade and what brings it in.
  status check_write_version(std::uint16_t v) const { return ops_->check_write_version(v); }

  /// The header of a stored row, checked as `peek` checks it, and that it is of this record type
  /// (errc::wrong_record_type otherwise). Errors name the record.
  result<record_header> peek(bytes_view row) const;

  /// True when the handle reads and rewrites JSON rows (it came from `codec.json_handle()`).
  bool reads_json() const noexcept { return ops_->rewrite_json != nullptr; }
  /// The key JSON rows hold their version in (the options', else the record's, else "_v");
  /// empty when the handle reads binary rows only.
  std::string_view json_version_key() const noexcept {
    return ops_->json_version_key != nullptr ? ops_->json_version_key(options_) : std::string_view{};
  }

  /// Rewrites the binary record `row` (any stored version) at version `target`, appending the
  /// new bytes to `out`: `rewritten`, or `current` when the row's version is `target` or newer
  /// (decided from its header alone, `out` untouched). An error says why the row cannot be
  /// rewritten (its `stored_version` is the row's version when the header named one); `out` is
  /// then as it was.
  result<rewrite_outcome> rewrite(bytes_view row, std::uint16_t target, std::string& out) const {
    auto r = ops_->rewrite(options_, row, target, out);
    if (!r) return std::move(r).error();
    return r->outcome;
  }

  /// Rewrites a row of a column of format `column` at version `target`, in the row's own form
  /// (a JSON row as JSON, with its version key first; a binary row as a binary record), appending
  /// to `out`. `current` when the row's version is `target` or newer, decided from its header or
  /// from a leading version key alone (`{"_v":3,...`, as uplift writes it) without parsing the
  /// rest. A JSON document without the version key gets its version from the options' rule and
  /// is always rewritten (adopted: the key is stamped in). Errors as `rewrite`; a JSON row in a
  /// handle that reads binary rows only is errc::invalid_option, saying to use json_handle().
  result<row_rewrite> rewrite_row(bytes_view row, value_format column, std::uint16_t target,
                                  std::string& out) const;

  /// What a row of a column of format `column` is: its form and stored version. A binary row's
  /// header is checked as `peek` checks it (a row without one is sniffed as options::untagged
  /// says); a JSON row is read up to its version key (the whole object when the key is not first,
  /// or absent: then the options' legacy rule applies).
  result<row_info> inspect(bytes_view row, value_format column) const;

  /// The row (of a column of format `column`, any stored version, either form) at exactly version
  /// `target` in form `to`, appended to `out` whole: its bytes as they are when it is at `target`
  /// in form `to` already, else upgraded or downgraded (through the downgrade steps) and converted.
  /// What a copy into a column of another form, or back into an older release's table, writes.
  /// Returns what the row was. Converting between forms needs a handle from `codec.json_handle()`
  /// (errc::invalid_option otherwise); a version the record cannot be written at is
  /// errc::no_downgrade_path.
  result<row_info> rewrite_as(bytes_view row, value_format column, std::uint16_t target,
                              row_format to, std::string& out) const;

 private:
  friend record_handle detail::make_handle(const detail::record_ops&, const uplift::options&,
                                           std::uint16_t);
  record_handle(const detail::record_ops& ops, const uplift::options& o, std::uint16_t wv)
      : ops_(&ops), options_(o), write_version_(wv) {}

  const detail::record_ops* ops_;
  uplift::options options_;
  std::uint16_t write_version_;
};

inline record_handle detail::make_handle(const record_ops& ops, const uplift::options& o,
                                         std::uint16_t write_version) {
  return record_handle(ops, o, write_version);
}

namespace detail {
/// The error of a JSON row (or a column of JSON rows: `what`) met by a handle that reads binary
/// rows only.
[[gnu::cold]] inline error needs_json_handle(std::string_view record, std::string_view what) {
  return error(errc::invalid_option, record)
      .with_detail(std::string(what) +
                   " and this record handle reads binary records only: pass codec.json_handle() "
                   "(include <uplift/json.hpp> and the record's generated "
                   "<folder>_uplift_json.hpp)");
}
}  // namespace detail

inline result<row_rewrite> record_handle::rewrite_row(bytes_view row, value_format column,
                                                      std::uint16_t target,
                                                      std::string& out) const {
  if (format_of(column, row) == row_format::binary) return ops_->rewrite(options_, row, target, out);
  if (ops_->rewrite_json == nullptr) return detail::needs_json_handle(name(), "the row is JSON");
  return ops_->rewrite_json(options_, row, target, out);
}

inline result<row_info> record_handle::inspect(bytes_view row, value_format column) const {
  if (format_of(column, row) == row_format::json) {
    if (ops_->inspect_json == nullptr) return detail::needs_json_handle(name(), "the row is JSON");
    return ops_->inspect_json(options_, row);
  }
  return ops_->inspect_binary(options_, row);
}

inline result<row_info> record_handle::rewrite_as(bytes_view row, value_format column,
                                                  std::uint16_t target, row_format to,
                                                  std::string& out) const {
  const row_format from = format_of(column, row);
  if (from == to) {
    auto r = rewrite_row(row, column, target, out);
    if (!r) return std::move(r).error();
    if (r->outcome == rewrite_outcome::rewritten) return r->stored;
    if (r->stored.version == target) {
      out.append(reinterpret_cast<const char*>(row.data()), row.size());
      return r->stored;
    }
    // Newer than the target: written again at it, through the downgrade steps.
  } else if (ops_->rewrite_json == nullptr) {
    return detail::needs_json_handle(name(), to == row_format::json
                                                 ? "a binary row is to be written as JSON"
                                                 : "a JSON row is to be written as binary");
  }
  return ops_->convert(options_, row, from, to, target, out);
}

inline result<record_header> record_handle::peek(bytes_view row) const {
  auto h = uplift::peek(row);
  if (!h) return std::move(h).error().for_record(*ops_->info);
  if (h->type_id != type_id())
    return error(errc::wrong_record_type, *ops_->info, h->version, latest_version(), 8)
        .with_detail("the header's type id is " + std::to_string(h->type_id) + ", expected " +
                     std::to_string(type_id()));
  return h;
}

}  // namespace uplift
