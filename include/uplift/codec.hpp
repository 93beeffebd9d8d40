#pragma once
/// `codec<R>`: read and write options for one record type, including the rollout knob.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "bytes.hpp"
#include "descriptor.hpp"
#include "detail/chain.hpp"
#include "error.hpp"
#include "options.hpp"
#include "read.hpp"
#include "record_handle.hpp"
#include "write.hpp"

namespace uplift {

/// Reads and writes records of R with a set of options. The write version can be changed while
/// other threads read and write through the same codec (the rollout knob):
///
///     auto c = uplift::codec<demo::User>::make({.write_version = 2}).value();  // rolling deploy
///     auto rec = c.write(latest_user);         // written as v2 through the downgrade steps
///     c.set_write_version(3);                  // every node runs the new code: flip the knob
///
/// Thread safety: every const member and `set_write_version` may be called concurrently.
template <class R>
class codec {
  UPLIFT_REQUIRE_RECORD("uplift::codec<R>", R);
  using C = detail::chain<R>;

 public:
  /// Latest Object API struct of R.
  using object_type = typename C::latest::object;

  /// Verifying reads, writes at the latest version, rejects newer records.
  codec() : write_version_(C::latest::number) {}

  /// A codec with `o`, or an error when an option is out of range or the write version cannot be
  /// reached from the latest version through downgrade steps.
  static result<codec> make(const uplift::options& o) {
    if (o.max_depth == 0 || o.max_tables == 0)
      return error(errc::invalid_option, C::info())
          .with_detail("max_depth and max_tables must be at least 1");
    if (o.default_version != 0 && !C::knows(o.default_version))
      return C::make_error(errc::invalid_option, o.default_version)
          .with_detail("default_version v" + std::to_string(o.default_version) +
                       " is not one of " + C::known_versions());
    if (auto fault = detail::untagged_options_fault<C>(o)) return std::move(*fault);
    codec c;
    c.options_ = o;
    if (auto st = c.set_write_version(o.write_version); !st) return std::move(st).error();
    return c;
  }

  codec(const codec& other)
      : options_(other.options_),
        write_version_(other.write_version_.load(std::memory_order_relaxed)) {}
  codec& operator=(const codec& other) {
    options_ = other.options_;
    write_version_.store(other.write_version_.load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    return *this;
  }

  /// Sets the version `write` writes (0: the latest). Fails, leaving the codec as it was, when the
  /// version is unknown or has no downgrade path from the latest (errc::no_downgrade_path: the
  /// detail names what is missing, e.g. the `downgrade` hook of a header generated without
  /// DOWNGRADES, and what brings it in).
  status set_write_version(std::uint16_t v) {
    if (v == 0) v = C::latest::number;
    if (auto st = C::check_write_version(v); !st) return st;
    write_version_.store(v, std::memory_order_release);
    return {};
  }
  /// The version `write` writes now.
  std::uint16_t write_version() const noexcept {
    return write_version_.load(std::memory_order_acquire);
  }
  /// The options this codec applies (`write_version` as it was made; see write_version()).
  const uplift::options& options() const noexcept { return options_; }

  /// The record handle of this codec: the door into the row engine (backfill, read-repair,
  /// histograms). It keeps this codec's options and its write version as they are now.
  record_handle handle() const { return detail::make_handle(ops, options_, write_version()); }
  /// As handle(), where a record handle is asked for.
  operator record_handle() const { return handle(); }  // NOLINT: implicit on purpose
  /// As handle(), reading and rewriting JSON rows too (JSON columns, and detect columns holding
  /// both forms). Defined by <uplift/json.hpp> with the record's generated
  /// `<folder>_uplift_json.hpp`: include both.
  record_handle json_handle() const;

  /// As `uplift::read<R>` with this codec's options.
  result<view<R>> read(bytes_view bytes) const {
    return detail::read_view<R>(bytes, options_, nullptr);
  }
  result<view<R>> read(std::span<const std::byte> bytes) const { return read(as_bytes_view(bytes)); }
  result<view<R>> read(std::string_view bytes) const { return read(as_bytes_view(bytes)); }

  /// As `uplift::read_object<R>` with this codec's options.
  result<object_type> read_object(bytes_view bytes) const {
    return record_reader<R>::read_object(bytes, options_);
  }
  result<object_type> read_object(std::span<const std::byte> bytes) const {
    return read_object(as_bytes_view(bytes));
  }
  result<object_type> read_object(std::string_view bytes) const {
    return read_object(as_bytes_view(bytes));
  }

  /// As `uplift::read_json<R>` with this codec's options. The JSON members are defined by
  /// <uplift/json.hpp> with the record's generated `<folder>_uplift_json.hpp`: include both.
  template <class Json>
  result<object_type> read_json(const Json& json) const;
  /// A latest-version struct as JSON at the write version, through the downgrade steps when it is
  /// older; appended to `out`, which is left as it was on failure.
  status write_json(const object_type& obj, std::string& out) const;
  result<std::string> write_json(const object_type& obj) const;
  /// A JSON record of any version as a FlatBuffers record at the write version.
  template <class Json>
  result<buffer> json_to_binary(const Json& json) const;
  /// A FlatBuffers record of any version as a JSON record at the write version.
  result<std::string> binary_to_json(bytes_view bytes) const;

  /// Writes a latest-version struct at the write version, through the downgrade steps when it is
  /// older. A downgrade step can fail (errc::range_error): nothing is written then.
  result<buffer> write(const object_type& obj) const {
    buffer out;
    if (auto st = detail::write_as<C, detail::binary_format>(obj, write_version(), out, options_);
        !st)
      return std::move(st).error();
    return out;
  }
  /// A latest-version table built with `fbb` (its root is `root`), finished as a record at the
  /// write version. At the latest version this is uplift::finish: the header is pushed in front,
  /// nothing is copied. At an older one the table is read back as the latest struct, taken down the
  /// downgrade steps and written into `fbb` again (cleared first). The record is `fbb`'s buffer.
  /// On failure (a downgrade step's errc::range_error) `fbb` is cleared.
  template <class Table>
  result<bytes_view> finish(flatbuffers::FlatBufferBuilder& fbb,
                            flatbuffers::Offset<Table> root) const {
    static_assert(std::is_same_v<Table, typename C::latest::table>,
                  "codec<R>::finish(fbb, root): root must be the latest version's table; to finish "
                  "an older one as itself, use uplift::finish<R>");
    if (write_version() == C::latest_version) return uplift::finish<R>(fbb, root);
    fbb.Finish(root);
    object_type latest;
    flatbuffers::GetRoot<Table>(fbb.GetBufferPointer())->UnPackTo(&latest);
    if (auto st = detail::write_as<C, detail::builder_format>(latest, write_version(), fbb, options_);
        !st) {
      fbb.Clear();
      return std::move(st).error();
    }
    return detail::finished(fbb);
  }

  /// The same write into `into`, cleared first, its memory kept: the record is valid until the
  /// next write into `into`. On failure `into` holds no record.
  result<bytes_view> write(const object_type& obj, write_buffer& into) const {
    flatbuffers::FlatBufferBuilder& fbb = into.builder();
    if (auto st = detail::write_as<C, detail::builder_format>(obj, write_version(), fbb, options_);
        !st) {
      fbb.Clear();
      return std::move(st).error();
    }
    return into.record();
  }

 private:
  /// The row operations of R behind its record handles.
  static result<row_rewrite> rewrite_row(const uplift::options& o, bytes_view row,
                                         std::uint16_t target, std::string& out);
  static bool can_write_at(std::uint16_t v) noexcept { return C::knows(v) && C::can_write[C::index_of(v)]; }
  static result<row_info> inspect_row(const uplift::options& o, bytes_view row);
  /// A binary row at exactly `target` (record_ops::convert of a binary handle: binary only).
  static result<row_info> convert_binary(const uplift::options& o, bytes_view row, row_format from,
                                         row_format to, std::uint16_t target, std::string& out);
  static constexpr detail::record_ops ops{&C::info(), &can_write_at, &C::check_write_version,
                                          &rewrite_row, &inspect_row, nullptr, nullptr, nullptr,
                                          &convert_binary};
  /// The operations of a JSON handle (json_handle(); defined in <uplift/json.hpp>).
  static const detail::record_ops json_ops;

  uplift::options options_{};
  std::atomic<std::uint16_t> write_version_;
};

template <class R>
result<row_info> codec<R>::inspect_row(const uplift::options& o, bytes_view row) {
  auto h = uplift::peek(row);
  if (h) {
    if (h->type_id != C::type_id)
      return C::make_error(errc::wrong_record_type, h->version, 8)
          .with_detail("the header's type id is " + std::to_string(h->type_id) + ", expected " +
                       std::to_string(C::type_id));
    return row_info{row_format::binary, h->version, false};
  }
  if (h.error().code != errc::bad_magic || o.untagged == untagged_binary::refuse)
    return std::move(h).error().for_record(C::info());
  auto v = record_reader<R>::untagged_version(row, o);
  if (!v) return std::move(v).error();
  return row_info{row_format::binary, *v, true};
}

template <class R>
result<row_info> codec<R>::convert_binary(const uplift::options& o, bytes_view row,
                                          row_format from, row_format to, std::uint16_t target,
                                          std::string& out) {
  if (from != row_format::binary || to != row_format::binary)
    return detail::needs_json_handle(C::info().name(), "a row is to change its form");
  if (auto st = C::check_write_version(target); !st) return std::move(st).error();
  auto stored = inspect_row(o, row);
  if (!stored) return std::move(stored).error();
  auto obj = record_reader<R>::read_object(row, o);
  if (!obj) return std::move(obj).error();
  buffer rec;
  if (auto st = detail::write_as<C, detail::binary_format>(*obj, target, rec, o); !st)
    return std::move(st).error();
  out.append(rec.as_string_view());
  return *stored;
}

template <class R>
result<row_rewrite> codec<R>::rewrite_row(const uplift::options& o, bytes_view row,
                                          std::uint16_t target, std::string& out) {
  if (auto st = C::check_write_version(target); !st) return std::move(st).error();
  // Current from the header alone; the read reports every other fault as a read does. A buffer
  // without a header (options::untagged) is never current: it is rewritten with one.
  const auto h = uplift::peek(row);
  row_info stored{row_format::binary, h ? h->version : std::uint16_t{0}, false};
  if (h && h->type_id == C::type_id && h->version >= target)
    return row_rewrite{rewrite_outcome::current, stored};
  if (!h && h.error().code == errc::bad_magic && o.untagged != untagged_binary::refuse) {
    auto v = record_reader<R>::untagged_version(row, o);
    if (!v) return std::move(v).error();
    stored = {row_format::binary, *v, true};
  }
  if (target == C::latest_version) {
    auto v = detail::read_view<R>(row, o, nullptr);
    if (!v) return std::move(v).error();
    const bytes_view latest = v->bytes();
    out.append(reinterpret_cast<const char*>(latest.data()), latest.size());
    return row_rewrite{rewrite_outcome::rewritten, stored};
  }
  auto obj = record_reader<R>::read_object(row, o);
  if (!obj) return std::move(obj).error();
  buffer rec;
  if (auto st = detail::write_as<C, detail::binary_format>(*obj, target, rec, o); !st)
    return std::move(st).error();
  out.append(rec.as_string_view());
  return row_rewrite{rewrite_outcome::rewritten, stored};
}

}  // namespace uplift
