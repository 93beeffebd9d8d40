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

#include <cstdint>
#include <string>
#include <string_view>

#include "bytes.hpp"
#include "error.hpp"
#include "header.hpp"
#include "options.hpp"

namespace uplift {

/// What `record_handle::rewrite` did with a row.
enum class rewrite_outcome : std::uint8_t {
  rewritten,  ///< the row was below the target version: `out` holds it at the target
  current,    ///< the row is at the target version or newer already: `out` is untouched
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
  /// Rewrites a row at `target`, appending to `out`.
  result<rewrite_outcome> (*rewrite)(const options& o, bytes_view row, std::uint16_t target,
                                     std::string& out);
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

  /// Rewrites `row` (any stored version) at version `target`, appending the new bytes to `out`:
  /// `rewritten`, or `current` when the row's version is `target` or newer (decided from its
  /// header alone, `out` untouched). An error says why the row cannot be rewritten (its
  /// `stored_version` is the row's version when the header named one); `out` is then as it was.
  result<rewrite_outcome> rewrite(bytes_view row, std::uint16_t target, std::string& out) const {
    return ops_->rewrite(options_, row, target, out);
  }

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
