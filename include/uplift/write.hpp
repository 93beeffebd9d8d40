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

}  // namespace uplift
