#pragma once
/// Writing records at a chosen version: the one "write at version I" of both formats, and the
/// binary format's writer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "bytes.hpp"
#include "descriptor.hpp"
#include "detail/chain.hpp"
#include "error.hpp"
#include "header.hpp"
#include "options.hpp"

#include <flatbuffers/flatbuffers.h>

namespace uplift {

namespace detail {

/// Finishes the table at `root` and puts a record header in front: one 8-byte aligned block.
template <class Table>
void finish_record(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::Offset<Table> root,
                   const record_header& h) {
  fbb.TrackMinAlign(8);  // the payload's size stays a multiple of 8, so the header keeps it aligned
  fbb.Finish(root);
  std::array<std::uint8_t, header_size> hdr = encode_header(h);
  fbb.PushBytes(hdr.data(), hdr.size());
}

/// Packs `obj` as table `Table` with a record header in front: one 8-byte aligned block.
template <class Table, class Object>
buffer pack_record(const Object& obj, const record_header& h) {
  flatbuffers::FlatBufferBuilder fbb(256);
  finish_record(fbb, Table::Pack(fbb, &obj), h);
  return buffer(fbb.Release());
}

/// The binary format: a struct of version index I packed as its table behind the record header.
struct binary_format {
  using output = buffer;
  template <class C, std::size_t I>
  static status write(const typename C::template object_at<I>& obj, buffer& out, const options&) {
    out = pack_record<typename C::template table_at<I>>(obj, C::header_at(I));
    return {};
  }
};

/// The same, packed into a builder the caller reuses (cleared first, its memory kept).
struct builder_format {
  using output = flatbuffers::FlatBufferBuilder;
  template <class C, std::size_t I>
  static status write(const typename C::template object_at<I>& obj,
                      flatbuffers::FlatBufferBuilder& out, const options&) {
    out.Clear();
    finish_record(out, C::template table_at<I>::Pack(out, &obj), C::header_at(I));
    return {};
  }
};

/// The record a builder holds, header included; empty for a builder holding none (cleared, or
/// not finished: FlatBuffers asserts on the buffer of an unfinished builder).
inline bytes_view finished(const flatbuffers::FlatBufferBuilder& fbb) noexcept {
  if (fbb.GetSize() == 0) return {};
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

/// The one "write at version I" of every format: the latest struct of chain C taken down the
/// downgrade steps to version index I, then written by `Format` (binary_format, or JSON's).
template <class C, class Format>
struct write_at_version {
  template <std::size_t I>
  static status at(const typename C::latest::object& obj, typename Format::output& out,
                   const options& o) {
    if constexpr (I == C::last) {
      return Format::template write<C, I>(obj, out, o);
    } else if constexpr (C::can_write[I]) {
      auto down = downgrade_object<C, C::last, I>(obj);
      if (!down) return std::move(down).error();
      return Format::template write<C, I>(*down, out, o);
    } else {
      return C::make_error(errc::no_downgrade_path, C::template version_at<I>::number);
    }
  }
};

/// The latest struct `obj` written at known version `v` in `Format`.
template <class C, class Format>
status write_as(const typename C::latest::object& obj, std::uint16_t v,
                typename Format::output& out, const options& o) {
  return version_table<C, write_at_version<C, Format>>[C::index_of(v)](obj, out, o);
}

}  // namespace detail

/// A reusable place to write records into: a FlatBufferBuilder that keeps its memory from record to
/// record. A record written into it is valid until the next write into it; writing record after
/// record through one write_buffer allocates nothing once it has held the largest. Not
/// thread-safe: one per thread, or per writer.
///
///     uplift::write_buffer out;
///     for (const demo::v3::UserT& u : users) store(uplift::write<demo::User>(u, out));
class write_buffer {
 public:
  explicit write_buffer(std::size_t initial_size = 1024) : fbb_(initial_size) {}
  write_buffer(const write_buffer&) = delete;
  write_buffer& operator=(const write_buffer&) = delete;
  write_buffer(write_buffer&&) = default;
  write_buffer& operator=(write_buffer&&) = default;

  /// The builder, to build a record by hand and finish it with uplift::finish (clear it first).
  flatbuffers::FlatBufferBuilder& builder() noexcept { return fbb_; }
  /// The last record written into it (empty before the first).
  bytes_view record() const noexcept { return detail::finished(fbb_); }

 private:
  flatbuffers::FlatBufferBuilder fbb_;
};

/// Finishes the table a FlatBufferBuilder built, of any version of R, as an uplift record of that
/// version: FlatBuffers' Finish, then the 16-byte header pushed in front of the finished buffer,
/// in the builder. Nothing is copied. The record is the builder's buffer: the returned view (valid
/// until the builder changes), or `fbb.Release()` to keep it.
///
///     flatbuffers::FlatBufferBuilder fbb;
///     auto user = demo::v3::CreateUserDirect(fbb, 7, "Ada", "Lovelace", "ada@example.com");
///     uplift::bytes_view rec = uplift::finish<demo::User>(fbb, user);   // store(rec)
template <class R, class Table>
bytes_view finish(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::Offset<Table> root) {
  UPLIFT_REQUIRE_RECORD("uplift::finish<R>", R);
  if constexpr (detail::valid_record<R>) {
    using C = detail::chain<R>;
    constexpr std::size_t i = detail::index_of_table<C, Table>();
    static_assert(i < C::count,
                  "uplift::finish<R>(fbb, root): root must be the table of one of R's versions "
                  "(a vK::Table listed in R::versions)");
    if constexpr (i < C::count) detail::finish_record(fbb, root, C::header_at(i));
    return detail::finished(fbb);
  } else {
    return {};
  }
}

/// Writes `obj`, the Object API struct of any version of R, as a record at exactly that version:
/// header and payload in one owned, 8-byte aligned buffer. To write the latest struct at an older
/// version during a rollout, use `codec<R>::write`.
///
///     demo::v3::UserT u; u.id = 7; u.email = "a@example.com";
///     uplift::buffer rec = uplift::write<demo::User>(u);
template <class R, class Object>
buffer write(const Object& obj) {
  UPLIFT_REQUIRE_RECORD("uplift::write<R>", R);
  if constexpr (detail::valid_record<R>) {
    using C = detail::chain<R>;
    constexpr std::size_t i = detail::index_of_object<C, Object>();
    static_assert(i < C::count,
                  "uplift::write<R>(obj): obj must be the Object API struct of one of R's "
                  "versions (a vK::TableT listed in R::versions)");
    buffer out;
    if constexpr (i < C::count)
      (void)detail::binary_format::write<C, i>(obj, out, default_options());
    return out;
  } else {
    return {};
  }
}

/// The same write into `into`, cleared first, its memory kept: the record is valid until the next
/// write into `into`.
template <class R, class Object>
bytes_view write(const Object& obj, write_buffer& into) {
  UPLIFT_REQUIRE_RECORD("uplift::write<R>", R);
  if constexpr (detail::valid_record<R>) {
    using C = detail::chain<R>;
    constexpr std::size_t i = detail::index_of_object<C, Object>();
    static_assert(i < C::count,
                  "uplift::write<R>(obj, into): obj must be the Object API struct of one of R's "
                  "versions (a vK::TableT listed in R::versions)");
    if constexpr (i < C::count)
      (void)detail::builder_format::write<C, i>(obj, into.builder(), default_options());
    return into.record();
  } else {
    return {};
  }
}

}  // namespace uplift
