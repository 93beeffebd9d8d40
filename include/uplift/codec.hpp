#pragma once
/// `codec<R>`: read and write options for one record type, including the rollout knob.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "bytes.hpp"
#include "chain.hpp"
#include "detail/chain_impl.hpp"
#include "error.hpp"
#include "json_options.hpp"
#include "read.hpp"
#include "write.hpp"

namespace uplift {

/// Options of a codec. The defaults read untrusted input and write the latest version.
struct codec_options {
  bool verify = true;                         ///< verify each record before reading it (docs/FORMAT.md)
  std::uint16_t write_version = 0;            ///< version `codec::write` writes; 0: the latest
  newer_policy newer = newer_policy::reject;  ///< records newer than this binary
  std::uint32_t max_depth = 64;               ///< verifier: deepest nesting
  std::uint32_t max_tables = 1000000;         ///< verifier: most tables in one record
  json_options json{};  ///< JSON records (read_json/write_json need <uplift/json.hpp>)
};

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
  codec() noexcept : write_version_(C::latest::number) {}

  /// A codec with `o`, or an error when an option is out of range or the write version cannot be
  /// reached from the latest version through downgrade steps.
  static result<codec> make(const codec_options& o) {
    if (o.max_depth == 0 || o.max_tables == 0)
      return error(errc::invalid_option, R::name)
          .with_detail("max_depth and max_tables must be at least 1");
    codec c;
    c.read_.verify = o.verify;
    c.read_.newer = o.newer;
    c.read_.max_depth = o.max_depth;
    c.read_.max_tables = o.max_tables;
    if (o.json.max_depth == 0)
      return error(errc::invalid_option, R::name).with_detail("json.max_depth must be at least 1");
    if (o.json.default_version != 0 && !C::knows(o.json.default_version))
      return C::make_error(errc::invalid_option, o.json.default_version)
          .with_detail("json.default_version v" + std::to_string(o.json.default_version) +
                       " is not one of v" + std::to_string(C::first_version) + "..v" +
                       std::to_string(C::latest_version));
    c.json_ = o.json;
    if (auto st = c.set_write_version(o.write_version); !st) return std::move(st).error();
    return c;
  }

  codec(const codec& other)
      : read_(other.read_),
        json_(other.json_),
        write_version_(other.write_version_.load(std::memory_order_relaxed)) {}
  codec& operator=(const codec& other) {
    read_ = other.read_;
    json_ = other.json_;
    write_version_.store(other.write_version_.load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    return *this;
  }

  /// Sets the version `write` writes (0: the latest). Fails, leaving the codec as it was, when the
  /// version is unknown or has no downgrade path from the latest.
  status set_write_version(std::uint16_t v) noexcept {
    if (v == 0) v = C::latest::number;
    if (!C::knows(v))
      return C::make_error(errc::invalid_option, v)
          .with_detail("write version v" + std::to_string(v) + " is not one of v" +
                       std::to_string(C::first_version) + "..v" +
                       std::to_string(C::latest_version));
    if (!C::can_write[C::index_of(v)])
      return C::make_error(errc::no_downgrade_path, v)
          .with_detail("cannot write v" + std::to_string(v) +
                       ": add downgrade steps for every version between it and v" +
                       std::to_string(C::latest_version));
    write_version_.store(v, std::memory_order_release);
    return {};
  }
  /// The version `write` writes now.
  std::uint16_t write_version() const noexcept {
    return write_version_.load(std::memory_order_acquire);
  }
  /// The read options this codec applies.
  const read_options& options() const noexcept { return read_; }
  /// The JSON options this codec applies.
  const json_options& json() const noexcept { return json_; }

  /// As `uplift::read<R>` with this codec's options.
  result<view<R>> read(bytes_view bytes) const { return detail::read_view<R>(bytes, read_); }
  result<view<R>> read(std::span<const std::byte> bytes) const { return read(as_bytes_view(bytes)); }
  result<view<R>> read(std::string_view bytes) const { return read(as_bytes_view(bytes)); }

  /// As `uplift::read_object<R>` with this codec's options.
  result<object_type> read_object(bytes_view bytes) const {
    return detail::read_latest_object<R>(bytes, read_);
  }
  result<object_type> read_object(std::span<const std::byte> bytes) const {
    return read_object(as_bytes_view(bytes));
  }
  result<object_type> read_object(std::string_view bytes) const {
    return read_object(as_bytes_view(bytes));
  }

  /// As `uplift::read_json<R>` with this codec's JSON options (needs <uplift/json.hpp> and the
  /// record's generated `<folder>_uplift_json.hpp`).
  template <class Json, class J = detail::json_codec<R>>
  result<object_type> read_json(const Json& json) const {
    return J::read(json, json_);
  }
  /// A latest-version struct as JSON at the write version, through the downgrade steps when it is
  /// older; appended to `out`, which is left as it was on failure.
  template <class J = detail::json_codec<R>>
  status write_json(const object_type& obj, std::string& out) const {
    return J::write(obj, write_version(), out, json_);
  }
  template <class J = detail::json_codec<R>>
  result<std::string> write_json(const object_type& obj) const {
    std::string out;
    if (auto st = J::write(obj, write_version(), out, json_); !st) return std::move(st).error();
    return out;
  }
  /// A JSON record of any version as a FlatBuffers record at the write version.
  template <class Json, class J = detail::json_codec<R>>
  result<buffer> json_to_binary(const Json& json) const {
    auto obj = J::read(json, json_);
    if (!obj) return std::move(obj).error();
    return write(*obj);
  }
  /// A FlatBuffers record of any version as a JSON record at the write version.
  template <class J = detail::json_codec<R>>
  result<std::string> binary_to_json(bytes_view bytes) const {
    auto obj = read_object(bytes);
    if (!obj) return std::move(obj).error();
    return write_json<J>(*obj);
  }

  /// Writes a latest-version struct at the write version, through the downgrade steps when it is
  /// older. A downgrade step can fail (errc::range_error): nothing is written then.
  result<buffer> write(const object_type& obj) const {
    using fn = result<buffer> (*)(const object_type&);
    static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<fn, C::count>{&write_at<I>...};
    }(std::make_index_sequence<C::count>{});
    return table[C::index_of(write_version())](obj);
  }

 private:
  template <std::size_t I>
  static result<buffer> write_at(const object_type& obj) {
    if constexpr (I == C::last) {
      return detail::pack_record<typename C::latest::table>(obj, C::header_at(I));
    } else if constexpr (C::can_write[I]) {
      auto down = detail::downgrade_object<C, C::last, I>(obj);
      if (!down) return std::move(down).error();
      return detail::pack_record<typename C::template table_at<I>>(*down, C::header_at(I));
    } else {
      return C::make_error(errc::no_downgrade_path, C::template version_at<I>::number);
    }
  }

  read_options read_{};
  json_options json_{};
  std::atomic<std::uint16_t> write_version_;
};

}  // namespace uplift
