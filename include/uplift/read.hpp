#pragma once
/// Reading FlatBuffers records at any stored version as the latest version.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <flatbuffers/flatbuffers.h>

#include "bytes.hpp"
#include "chain.hpp"
#include "detail/chain_impl.hpp"
#include "error.hpp"
#include "header.hpp"
#include "options.hpp"

namespace uplift {

template <class R>
class view;

namespace detail {
template <class R, std::size_t I>
struct reader;
}  // namespace detail

/// A reusable home for the records a read has to rebuild (a record stored at an old version with a
/// transforming step on its way to the latest). A view read into it points into it and is valid
/// until the next read into the same buffer, or its destruction. It keeps its memory, so reading
/// record after record through one upgrade_buffer allocates nothing once it has held the largest
/// upgraded record (records whose steps have hooks still allocate for their Object API structs).
/// Not thread-safe: one per thread, or per reader.
///
///     uplift::upgrade_buffer scratch;
///     for (uplift::bytes_view row : rows) {
///       auto r = uplift::read<demo::User>(row, scratch);  // valid until the next read
///       if (r) use((*r)->email()->string_view());
///     }
class upgrade_buffer {
 public:
  upgrade_buffer() = default;
  upgrade_buffer(const upgrade_buffer&) = delete;
  upgrade_buffer& operator=(const upgrade_buffer&) = delete;
  upgrade_buffer(upgrade_buffer&&) = default;
  upgrade_buffer& operator=(upgrade_buffer&&) = default;

 private:
  template <class, std::size_t>
  friend struct detail::reader;
  gen::rebuild_context cx_;
};

namespace detail {
template <class R>
result<view<R>> read_latest_fast(bytes_view bytes, const record_header& h, const options& o);
}  // namespace detail

/// The latest FlatBuffers table of a record that was read. Behaves like a pointer to it
/// (`->`, `*`, `get()`). When the record had to be rebuilt it owns the rebuilt record, or points
/// into the caller's upgrade_buffer when the read was given one; otherwise it points into the
/// caller's bytes, which must outlive it.
template <class R>
class view {
  using chain = detail::chain<R>;

 public:
  /// The latest version's FlatBuffers table type.
  using table_type = typename chain::latest::table;

  const table_type* get() const noexcept { return table_; }
  const table_type* operator->() const noexcept { return table_; }
  const table_type& operator*() const noexcept { return *table_; }

  /// The version in the stored record's header.
  std::uint16_t stored_version() const noexcept { return stored_version_; }
  /// True when the stored version is not the latest (whether or not bytes were rebuilt).
  bool upgraded() const noexcept { return stored_version_ != chain::latest::number; }
  /// True when the table points into the caller's bytes: nothing was copied.
  bool zero_copy() const noexcept { return zero_copy_; }
  /// True when the record is newer than this binary and was read as the latest version
  /// (newer_policy::read_as_latest). Such a record must never be written back.
  bool from_newer() const noexcept { return stored_version_ > chain::latest::number; }

  /// The record at the latest version, header included, for writing back. For a record stored at
  /// the latest version these are the input bytes; for a rebuilt one, the owned buffer (or the
  /// caller's upgrade_buffer). For a
  /// record read zero-copy across wire-compatible steps, the first call copies the payload once
  /// behind a latest-version header (not thread-safe on one view). For a record from a newer
  /// binary, the input bytes as they are.
  bytes_view bytes() const {
    if (needs_new_header_) {
      // The payload stays as stored; only the header changes (and shrinks to header_size).
      const bytes_view payload = record_.subspan(record_[5]);
      buffer& out = own().rewritten;
      out = buffer::allocate(header_size + payload.size());
      encode_header(chain::header_at(chain::last), out.data());
      std::memcpy(out.data() + header_size, payload.data(), payload.size());
      record_ = out.span();
      needs_new_header_ = false;
    }
    return record_;
  }

  view(view&&) noexcept = default;
  view& operator=(view&&) noexcept = default;

 private:
  template <class, std::size_t>
  friend struct detail::reader;
  template <class R2>
  friend result<view<R2>> detail::read_latest_fast(bytes_view, const record_header&,
                                                   const options&);

  view() = default;

  /// What a view owns, when it owns anything: a zero-copy read allocates none of it, and moving
  /// or destroying its view is a pointer's work.
  struct owned_bytes {
    buffer held;       // the aligned record that table_ may point into
    buffer rewritten;  // the latest-version copy made by bytes(), when one was needed

    /// A rebuilt record of `n` bytes is kept right after the struct, in the same allocation.
    struct with_bytes {
      std::size_t n;
    };
    static void* operator new(std::size_t size) { return ::operator new(size); }
    static void* operator new(std::size_t size, with_bytes b) { return ::operator new(size + b.n); }
    static void operator delete(void* p) noexcept { ::operator delete(p); }
    static void operator delete(void* p, with_bytes) noexcept { ::operator delete(p); }
    std::uint8_t* trailing() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
  };
  static_assert(sizeof(owned_bytes) % 8 == 0, "a record after owned_bytes must stay 8-aligned");
  owned_bytes& own() const {
    if (!owned_) owned_ = std::make_unique<owned_bytes>();
    return *owned_;
  }

  const table_type* table_ = nullptr;
  mutable bytes_view record_{};
  mutable std::unique_ptr<owned_bytes> owned_{};
  std::uint16_t stored_version_ = 0;
  bool zero_copy_ = false;
  mutable bool needs_new_header_ = false;
};

namespace detail {

/// A record whose header was checked: where its payload is, and an aligned copy if one was made.
struct opened_record {
  record_header header;
  bytes_view record;
  bytes_view payload;
  buffer copy;  // holds the bytes when the input was misaligned
};

/// Header checks shared by every read: magic, record type, known version, alignment. `header`
/// and `fault` are what decode_header made of `bytes`.
template <class C>
result<opened_record> open_record(bytes_view bytes, const record_header& header,
                                  header_fault fault, const options& o) {
  if (fault.code != errc::ok) {
    error e = header_error(fault, header).for_record(C::info());
    e.latest_version = C::latest_version;
    return e;
  }
  opened_record rec{header, bytes, bytes.subspan(header.size), {}};
  if (header.type_id != C::type_id)
    return C::make_error(errc::wrong_record_type, header.version, 8)
        .with_detail("the header's type id is " + std::to_string(header.type_id) + ", expected " +
                     std::to_string(C::type_id));
  if (header.version < C::first_version)
    return C::make_error(errc::unknown_version, header.version, 12)
        .with_detail("the oldest version this binary reads is v" +
                     std::to_string(C::first_version));
  if (header.version > C::latest_version) {
    if (o.newer == newer_policy::reject)
      return C::make_error(errc::too_new, header.version, 12);
    if (header.min_reader_version > C::latest_version)
      return C::make_error(errc::too_new, header.version, 14)
          .with_detail("its minimum reader version is v" +
                       std::to_string(header.min_reader_version));
  }
  if (reinterpret_cast<std::uintptr_t>(rec.payload.data()) % 8 != 0) {
    // FlatBuffers reads scalars in place: take an aligned copy rather than read misaligned.
    rec.copy = buffer::copy_of(bytes);
    rec.record = rec.copy.span();
    rec.payload = rec.record.subspan(header.size);
  }
  return rec;
}

/// Verifies the payload as table T (or checks its root offset when verification is off).
template <class C, class Table>
status check_payload(const opened_record& rec, const options& o) {
  // Every failure below is spelt out for the user; payload_ok makes the same checks quietly.
  const auto& p = rec.payload;
  const std::size_t base = rec.header.size;
  if (p.size() < 2 * sizeof(flatbuffers::uoffset_t))
    return C::make_error(errc::truncated_payload, rec.header.version, base + p.size());
  const auto root = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(p.data());
  if (p.size() % 8 != 0)
    return C::make_error(errc::truncated_payload, rec.header.version, base + p.size())
        .with_detail("the payload's " + std::to_string(p.size()) +
                     " bytes are not a multiple of 8, as every writer makes them");
  if (root > p.size() - sizeof(flatbuffers::soffset_t))
    return C::make_error(errc::truncated_payload, rec.header.version, base)
        .with_detail("the root offset " + std::to_string(root) + " is past the payload's " +
                     std::to_string(p.size()) + " bytes");
  if (!o.verify) return {};
  if (p.size() >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return C::make_error(errc::verify_failed, rec.header.version)
        .with_detail("payload larger than FlatBuffers allows");
  flatbuffers::Verifier::Options vo;
  vo.max_depth = o.max_depth;
  vo.max_tables = o.max_tables;
  flatbuffers::Verifier v(p.data(), p.size(), vo);
  if (!v.template VerifyBuffer<Table>(nullptr))
    return C::make_error(errc::verify_failed, rec.header.version);
  return {};
}

/// The verifier's part of payload_ok.
template <class Table>
[[gnu::noinline]] bool payload_verifies(bytes_view p, const options& o) noexcept {
  if (p.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return false;
  flatbuffers::Verifier::Options vo;
  vo.max_depth = o.max_depth;
  vo.max_tables = o.max_tables;
  flatbuffers::Verifier v(p.data(), p.size(), vo);
  return v.template VerifyBuffer<Table>(nullptr);
}

/// The checks of check_payload without building an error: true when the payload passes.
template <class Table>
[[gnu::always_inline]] inline bool payload_ok(bytes_view p, const options& o) noexcept {
  if (p.size() < 2 * sizeof(flatbuffers::uoffset_t) || p.size() % 8 != 0) return false;
  if (flatbuffers::ReadScalar<flatbuffers::uoffset_t>(p.data()) > p.size() - sizeof(flatbuffers::soffset_t))
    return false;
  return !o.verify || payload_verifies<Table>(p, o);
}

/// A record of the latest version, its header checked and its payload aligned: the read that
/// matters most, with nothing on the way that it does not need.
template <class C, class Table>
[[gnu::cold, gnu::noinline]] error payload_error(bytes_view bytes, const record_header& h,
                                                 const options& o) {
  return check_payload<C, Table>(opened_record{h, bytes, bytes.subspan(h.size), {}}, o).error();
}

/// A zero-copy read of a record the latest accessor reads: one stored at the latest version, or at
/// one that only wire-compatible steps separate from it. The payload is verified as the latest
/// table: a field an older version does not know can still sit in a hostile record's vtable, and
/// its own version's verifier would not look at it. A genuine older record passes
/// (wire-compatible steps only add optional fields).
template <class R>
[[gnu::always_inline]] inline result<view<R>> read_latest_fast(bytes_view bytes,
                                                                const record_header& h,
                                                                const options& o) {
  using C = chain<R>;
  using latest_table = typename C::latest::table;
  const bytes_view payload = bytes.subspan(h.size);
  if (!payload_ok<latest_table>(payload, o)) [[unlikely]]
    return payload_error<C, latest_table>(bytes, h, o);
  view<R> v;
  v.table_ = flatbuffers::GetRoot<latest_table>(payload.data());
  v.record_ = bytes;
  v.stored_version_ = h.version;
  v.zero_copy_ = true;
  v.needs_new_header_ = h.version != C::latest_version;
  return v;
}

template <class R, std::size_t I>
struct reader {
  using C = chain<R>;
  using latest_table = typename C::latest::table;
  static constexpr std::size_t J = C::zero_copy_from[I];

  /// The table a payload stored at index I is verified as: the newest version that
  /// wire-compatible steps lead to from I (the latest when the read is zero-copy, and for a record
  /// newer than this binary). Its accessors are the ones a zero-copy read or an unpack reads the
  /// payload through; verifying as the stored version alone would leave unchecked a field that
  /// the newer accessor reads and the stored version does not know (a genuine older record has no
  /// such field: wire-compatible steps only add optional ones). Every read path uses the same
  /// table, so read and read_object accept the same records.
  using verify_table = typename C::template table_at<wire_reach<C, false>(I)>;

  static result<view<R>> read(opened_record&& rec, bool from_caller, const options& o,
                              upgrade_buffer* into) {
    if (auto st = check_payload<C, verify_table>(rec, o); !st) return std::move(st).error();
    view<R> v;
    v.stored_version_ = rec.header.version;
    if constexpr (J == I) {
      // Stored at the latest version, or only wire-compatible steps to it: no copy.
      v.table_ = flatbuffers::GetRoot<latest_table>(rec.payload.data());
      v.zero_copy_ = from_caller && rec.copy.empty();
      v.record_ = rec.record;
      if (!rec.copy.empty()) v.own().held = std::move(rec.copy);
      v.needs_new_header_ = rec.header.version < C::latest_version;
    } else {
      gen::rebuild_context& cx = into ? into->cx_ : thread_context();
      if constexpr (C::template has_rebuild<I>) {
        // Every step to the latest is mechanical: one generated rebuild, table to table.
        cx.fbb.Clear();
        const auto& from = *flatbuffers::GetRoot<typename C::template table_at<I>>(rec.payload.data());
        finish_record(cx.fbb, C::template rebuild_fn<I>()(cx, from),
                      C::header_at(C::last));
      } else {
        // A hook on the way: unpack once, run the steps on the Object API structs, pack once.
        auto up = upgrade_object<C, wire_reach<C, false>(I), J>(unpack<false>(rec));
        if (!up) return fill_versions(std::move(up).error(), rec);
        cx.fbb.Clear();
        finish_record(cx.fbb, C::template table_at<J>::Pack(cx.fbb, &*up), C::header_at(C::last));
      }
      const bytes_view rebuilt{cx.fbb.GetBufferPointer(), cx.fbb.GetSize()};
      if (into) {
        v.record_ = rebuilt;
      } else {
        // One allocation holds both what the view owns and the record.
        v.owned_.reset(new (typename view<R>::owned_bytes::with_bytes{rebuilt.size()})
                           typename view<R>::owned_bytes{});
        std::memcpy(v.owned_->trailing(), rebuilt.data(), rebuilt.size());
        v.record_ = bytes_view(v.owned_->trailing(), rebuilt.size());
      }
      v.table_ = flatbuffers::GetRoot<latest_table>(v.record_.data() + header_size);
    }
    return v;
  }

  static result<typename C::latest::object> read_object(opened_record&& rec, const options& o) {
    if (auto st = check_payload<C, verify_table>(rec, o); !st) return std::move(st).error();
    if constexpr (J == I) {
      typename C::latest::object out{};
      flatbuffers::GetRoot<latest_table>(rec.payload.data())->UnPackTo(&out);
      return out;
    } else {
      auto up = upgrade_object<C, wire_reach<C, true>(I), C::last>(unpack<true>(rec));
      if (!up) return fill_versions(std::move(up).error(), rec);
      return up;
    }
  }

 private:
  /// The stored payload unpacked through the furthest version that wire-compatible steps reach
  /// (see wire_reach): those steps cost nothing more.
  template <bool Plain>
  static typename C::template object_at<wire_reach<C, Plain>(I)> unpack(const opened_record& rec) {
    constexpr std::size_t W = wire_reach<C, Plain>(I);
    typename C::template object_at<W> obj{};
    flatbuffers::GetRoot<typename C::template table_at<W>>(rec.payload.data())->UnPackTo(&obj);
    return obj;
  }
  /// The rebuild context of reads given no upgrade_buffer: one per thread, its memory kept.
  static gen::rebuild_context& thread_context() {
    static thread_local gen::rebuild_context cx;
    return cx;
  }
  static error fill_versions(error e, const opened_record& rec) {
    e.stored_version = rec.header.version;
    return e;
  }
};

/// Every other record: another version, a misaligned payload, a header to report on.
template <class R>
[[gnu::noinline]] result<view<R>> read_view_slow(bytes_view bytes, const options& o,
                                                 upgrade_buffer* into) {
  using C = chain<R>;
  record_header h;
  const header_fault fault = decode_header(bytes, h);
  if (fault.code == errc::ok && h.type_id == C::type_id && C::knows(h.version) &&
      reinterpret_cast<std::uintptr_t>(bytes.data() + h.size) % 8 == 0) {
    // A known version read in place: the latest, or one wire-compatible steps lead from.
    const std::size_t i = C::index_of(h.version);
    if (C::zero_copy_from[i] == i) return read_latest_fast<R>(bytes, h, o);
  }
  auto rec = open_record<C>(bytes, h, fault, o);
  if (!rec) return std::move(rec).error();
  // The compile-time dispatch table: entry I reads a record stored at version index I.
  using fn = result<view<R>> (*)(opened_record&&, bool, const options&, upgrade_buffer*);
  static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<fn, C::count>{&reader<R, I>::read...};
  }(std::make_index_sequence<C::count>{});
  const std::uint16_t v = rec->header.version;
  const std::size_t i = v > C::latest_version ? C::last : C::index_of(v);
  return table[i](std::move(*rec), true, o, into);
}

template <class R>
[[gnu::always_inline]] inline result<view<R>> read_view(bytes_view bytes, const options& o,
                                                        upgrade_buffer* into = nullptr) {
  using C = chain<R>;
  // Fast path: a 16-byte header of this record at the latest version, its payload aligned. The
  // header is two 8-byte words compared whole (magic, format and size; type id and version),
  // plus the minimum reader version's range: the checks decode_header makes, for this one case.
  if constexpr (std::endian::native == std::endian::little) {
    if (bytes.size() >= header_size &&
        reinterpret_cast<std::uintptr_t>(bytes.data() + header_size) % 8 == 0) [[likely]] {
      constexpr std::uint64_t low48 = 0xFFFF'FFFF'FFFFull;
      constexpr std::uint64_t first = std::uint64_t{header_magic[0]} | std::uint64_t{header_magic[1]} << 8 |
                                      std::uint64_t{header_magic[2]} << 16 |
                                      std::uint64_t{header_magic[3]} << 24 |
                                      std::uint64_t{header_format} << 32 |
                                      std::uint64_t{header_size} << 40;
      constexpr std::uint64_t second = std::uint64_t{C::type_id} | std::uint64_t{C::latest_version} << 32;
      std::uint64_t a, b;
      std::memcpy(&a, bytes.data(), 8);
      std::memcpy(&b, bytes.data() + 8, 8);
      const auto min_reader = static_cast<std::uint16_t>(b >> 48);
      if ((a & low48) == first && (b & low48) == second && min_reader != 0 &&
          min_reader <= C::latest_version) [[likely]] {
        record_header h;
        h.version = C::latest_version;
        h.min_reader_version = min_reader;
        h.type_id = C::type_id;
        return read_latest_fast<R>(bytes, h, o);
      }
    }
  }
  return read_view_slow<R>(bytes, o, into);
}

template <class R>
result<typename chain<R>::latest::object> read_latest_object(bytes_view bytes,
                                                             const options& o) {
  using C = chain<R>;
  record_header h;
  const header_fault fault = decode_header(bytes, h);
  auto rec = open_record<C>(bytes, h, fault, o);
  if (!rec) return std::move(rec).error();
  using fn = result<typename C::latest::object> (*)(opened_record&&, const options&);
  static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<fn, C::count>{&reader<R, I>::read_object...};
  }(std::make_index_sequence<C::count>{});
  const std::uint16_t v = rec->header.version;
  const std::size_t i = v > C::latest_version ? C::last : C::index_of(v);
  return table[i](std::move(*rec), o);
}

// Return types that check R when a call names them, so the uplift message is the first error.
template <class R>
struct read_check {
  UPLIFT_REQUIRE_RECORD("uplift::read<R>", R);
  using type = result<view<R>>;
};
template <class R>
struct read_object_check {
  UPLIFT_REQUIRE_RECORD("uplift::read_object<R>", R);
  using type = result<typename chain<R>::latest::object>;
};
template <class R>
struct upgrade_check {
  UPLIFT_REQUIRE_RECORD("uplift::upgrade<R>", R);
  using type = result<typename chain<R>::latest::object>;
};

}  // namespace detail

/// The latest version's Object API struct of record R.
template <class R>
using latest_object_t = typename detail::chain<R>::latest::object;

/// Reads a record stored at any known version as the latest version. Zero-copy when the stored
/// version is the latest or only wire-compatible steps lead to it; otherwise the record is rebuilt
/// once (in a builder each thread reuses) and the view owns a copy of it: one allocation per
/// upgraded record (plus the Object API structs' when a step has a hook), which the overload
/// taking an upgrade_buffer avoids. Input is verified, before anything is rebuilt, as the
/// version whose accessors read it: its own, or the newest that wire-compatible steps lead to.
///
///     auto r = uplift::read<demo::User>(bytes);
///     if (!r) return fail(r.error().message());
///     std::string_view email = (*r)->email()->string_view();
template <class R>
typename detail::read_check<R>::type read(bytes_view bytes, const options& o = default_options()) {
  if constexpr (detail::valid_record<R>)
    return detail::read_view<R>(bytes, o);
  else
    return errc::invalid_option;
}
template <class R>
typename detail::read_check<R>::type read(std::span<const std::byte> bytes,
                                          const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), o);
}
template <class R>
typename detail::read_check<R>::type read(std::string_view bytes, const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), o);
}

/// The same read, rebuilding an upgraded record into `into` instead of a buffer of its own: the
/// view points into `into` (or, as above, into `bytes`) and is valid until the next read into
/// `into`. Reading through one upgrade_buffer allocates nothing per record in steady state when
/// the record's steps are mechanical.
template <class R>
typename detail::read_check<R>::type read(bytes_view bytes, upgrade_buffer& into,
                                          const options& o = default_options()) {
  if constexpr (detail::valid_record<R>)
    return detail::read_view<R>(bytes, o, &into);
  else
    return errc::invalid_option;
}
template <class R>
typename detail::read_check<R>::type read(std::span<const std::byte> bytes, upgrade_buffer& into,
                                          const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), into, o);
}
template <class R>
typename detail::read_check<R>::type read(std::string_view bytes, upgrade_buffer& into,
                                          const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), into, o);
}

/// Reads a record at any known version into the latest version's Object API struct.
template <class R>
typename detail::read_object_check<R>::type read_object(bytes_view bytes,
                                                        const options& o = default_options()) {
  if constexpr (detail::valid_record<R>)
    return detail::read_latest_object<R>(bytes, o);
  else
    return errc::invalid_option;
}
template <class R>
typename detail::read_object_check<R>::type read_object(std::span<const std::byte> bytes,
                                                        const options& o = default_options()) {
  return read_object<R>(as_bytes_view(bytes), o);
}
template <class R>
typename detail::read_object_check<R>::type read_object(std::string_view bytes,
                                                        const options& o = default_options()) {
  return read_object<R>(as_bytes_view(bytes), o);
}

/// Upgrades an Object API struct of any version of R to the latest version, in memory.
///
///     demo::v1::UserT old = ...;
///     auto latest = uplift::upgrade<demo::User>(std::move(old));
template <class R, class Object>
typename detail::upgrade_check<R>::type upgrade(Object obj) {
  if constexpr (detail::valid_record<R>) {
    using C = detail::chain<R>;
    constexpr std::size_t i = detail::index_of_object<C, Object>();
    static_assert(i < C::count,
                  "uplift::upgrade<R>(obj): obj must be the Object API struct of one of R's "
                  "versions (a vK::TableT listed in R::versions)");
    if constexpr (i == C::last)
      return result<latest_object_t<R>>(std::move(obj));
    else if constexpr (i < C::count)
      return detail::upgrade_object<C, i, C::last>(std::move(obj));
    else
      return errc::invalid_option;
  } else {
    return errc::invalid_option;
  }
}

}  // namespace uplift
