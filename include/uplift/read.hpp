#pragma once
/// Reading a FlatBuffers record stored at any version as the latest version: the read pipeline,
/// written once and read top to bottom.
///
///     bytes ─▶ 1. header ─▶ 2. route ─▶ 3. payload check ─▶ 4. the view
///
/// 1. The header: `detail::decode_header` (header.hpp, the only code that knows its bytes), or for
///    the case that matters most, a record the latest accessor reads in place,
///    `detail::in_place_version_of`.
/// 2. The route: which version's reader takes the record (its type, its version, the policy for
///    records newer than this binary), and an aligned copy when the payload is misaligned.
/// 3. The payload check: `check_payload` returns a small fault code; the message is made once,
///    in a cold function, only on failure.
/// 4. The view: zero-copy through the latest accessor (the latest version, or one that only
///    wire-compatible steps separate from it), or rebuilt once (one fused rebuild, or one unpack
///    and pack around hooks).
///
/// Steps 2 to 4 go through one per-version dispatch table (`detail::version_table`). JSON is the
/// other format of the same pipeline (<uplift/json.hpp>): its version key is its header, and it
/// shares the route, the dispatch table, the upgrade steps and the options.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <array>
#include <bit>
#include <concepts>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "bytes.hpp"
#include "descriptor.hpp"
#include "detail/chain.hpp"
#include "error.hpp"
#include "header.hpp"
#include "options.hpp"
#include "write.hpp"

namespace uplift {

template <class R>
class view;
template <class R>
class record_reader;

namespace detail {
template <class R, class Table>
result<view<R>> read_in_place(bytes_view bytes, std::uint16_t version, const options& o);
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
  template <class>
  friend class record_reader;
  gen::rebuild_context cx_;
};

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
  /// caller's upgrade_buffer). For a record read zero-copy across wire-compatible steps, the first
  /// call copies the payload once behind a latest-version header, which the view then keeps (so
  /// this member is not const, and not for two threads at once). For a record from a newer
  /// binary, the input bytes as they are.
  bytes_view bytes() {
    if (needs_new_header_) {
      // The payload stays as stored; only the header changes (and shrinks to header_size).
      const bytes_view payload = record_.subspan(payload_at_);
      buffer& out = own().rewritten;
      out = buffer::allocate(header_size + payload.size());
      encode_header(chain::header_at(chain::last), out.data());
      std::memcpy(out.data() + header_size, payload.data(), payload.size());
      record_ = out.span();
      payload_at_ = header_size;
      needs_new_header_ = false;
    }
    return record_;
  }

  view(view&&) noexcept = default;
  view& operator=(view&&) noexcept = default;

 private:
  template <class>
  friend class record_reader;
  template <class R2, class Table>
  friend result<view<R2>> detail::read_in_place(bytes_view, std::uint16_t, const options&);

  view() = default;

 public:
  /// A zero-copy view of `table` in the caller's `record` (the read path makes these, in place in
  /// its result).
  struct in_place_args {
    const table_type* table;
    bytes_view record;
    std::uint16_t stored_version;
  };
  explicit view(const in_place_args& a) noexcept
      : table_(a.table),
        record_(a.record),
        stored_version_(a.stored_version),
        zero_copy_(true),
        needs_new_header_(a.stored_version < chain::latest::number) {}

 private:

  /// What a view owns, when it owns anything: a zero-copy read allocates none of it, and moving
  /// or destroying its view is a pointer's work.
  struct owned_bytes {
    buffer held;       // the aligned copy of a misaligned input that table_ points into
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
  owned_bytes& own() {
    if (!owned_) owned_ = std::make_unique<owned_bytes>();
    return *owned_;
  }

  const table_type* table_ = nullptr;
  bytes_view record_{};
  std::unique_ptr<owned_bytes> owned_{};
  std::uint16_t stored_version_ = 0;
  std::uint8_t payload_at_ = header_size;  // where the payload starts in record_
  bool zero_copy_ = false;
  bool needs_new_header_ = false;
};

/// The latest version's Object API struct of record R.
template <class R>
using latest_object_t = typename detail::chain<R>::latest::object;

namespace detail {

// ---- 2. the route ------------------------------------------------------------------------------

/// Where a record goes: the index of the version whose reader takes it, or why none does (the
/// code and the header byte that says so).
struct route {
  errc code = errc::ok;
  std::uint32_t offset = 0;
  std::size_t index = 0;
};

/// The route of a record of `info`'s type whose header (or JSON version key) says `h`. A record
/// newer than this binary goes to the latest version's reader when the policy and its minimum
/// reader version allow it.
constexpr route route_of(const record_info& info, const record_header& h,
                         newer_policy newer) noexcept {
  if (h.type_id != info.type_id()) return {errc::wrong_record_type, 8};
  if (h.version < info.first_version()) return {errc::unknown_version, 12};
  const std::size_t last = info.latest_version() - info.first_version();
  if (h.version > info.latest_version()) {
    if (newer == newer_policy::reject) return {errc::too_new, 12};
    if (h.min_reader_version > info.latest_version()) return {errc::too_new, 14};
    return {errc::ok, 0, last};
  }
  return {errc::ok, 0, static_cast<std::size_t>(h.version - info.first_version())};
}

/// The error of a record the route refused, made only then.
template <class C>
[[gnu::cold, gnu::noinline]] error route_error(const route& r, const record_header& h) {
  error e = C::make_error(r.code, h.version, r.offset);
  switch (r.code) {
    case errc::wrong_record_type:
      return std::move(e).with_detail("the header's type id is " + std::to_string(h.type_id) +
                                      ", expected " + std::to_string(C::type_id));
    case errc::unknown_version:
      return std::move(e).with_detail("the oldest version this binary reads is v" +
                                      std::to_string(C::first_version));
    case errc::too_new:
      if (r.offset == 14)
        return std::move(e).with_detail("its minimum reader version is v" +
                                        std::to_string(h.min_reader_version));
      return e;
    default:
      return e;
  }
}

/// A record whose header was read and routed: where its payload is, and its aligned copy when the
/// input's payload was not 8-byte aligned (FlatBuffers reads scalars in place).
struct routed_record {
  record_header header;
  bytes_view record;
  buffer copy;

  bytes_view payload() const noexcept { return record.subspan(header.size); }
  /// True when `record` is the caller's own memory, not a copy.
  bool in_place() const noexcept { return copy.empty(); }
};

/// Stages 1 and 2 of every read but the latest version's fast path, into `rec` (the caller's, so
/// that nothing is copied on the way): the header decoded and checked, the record routed, its
/// payload aligned. On success `r.index` is the version's reader. A header fault is returned; a
/// record the route refuses leaves `r.code` set. open_error makes the error of either.
template <class C>
[[gnu::always_inline]] inline header_fault open(bytes_view bytes, const options& o, route& r,
                                                routed_record& rec) {
  if (const header_fault f = decode_header(bytes, rec.header); f.code != errc::ok) [[unlikely]]
    return f;
  r = route_of(C::info(), rec.header, o.newer);
  if (r.code != errc::ok) [[unlikely]]
    return {};
  rec.record = bytes;
  if (reinterpret_cast<std::uintptr_t>(bytes.data() + rec.header.size) % 8 != 0) {
    rec.copy = buffer::copy_of(bytes);
    rec.record = rec.copy.span();
  }
  return {};
}

/// The error of a record `open` refused: its header fault `f`, else the route's refusal `r`.
template <class C>
[[gnu::cold, gnu::noinline]] error open_error(header_fault f, const route& r,
                                              const record_header& h) {
  if (f.code != errc::ok) {
    error e = header_error(f, h).for_record(C::info());
    e.latest_version = C::latest_version;
    return e;
  }
  return route_error<C>(r, h);
}

// ---- 1b. buffers without uplift's header (options::untagged) -------------------------------------

/// The vtable slots the root table of a plain FlatBuffer holds (its non-zero vtable entries), as
/// a 256-slot mask: nullopt when `p` is not shaped like a FlatBuffer (its root or vtable out of
/// bounds) or holds a slot past 255.
inline std::optional<std::array<std::uint64_t, 4>> root_slots(bytes_view p) noexcept {
  using flatbuffers::ReadScalar;
  if (p.size() < 8) return std::nullopt;
  const std::size_t root = ReadScalar<flatbuffers::uoffset_t>(p.data());
  if (root % 4 != 0 || root > p.size() - 4) return std::nullopt;
  const std::int64_t vtable =
      static_cast<std::int64_t>(root) - ReadScalar<flatbuffers::soffset_t>(p.data() + root);
  if (vtable < 0 || vtable % 2 != 0 || static_cast<std::uint64_t>(vtable) + 4 > p.size())
    return std::nullopt;
  const auto at = static_cast<std::size_t>(vtable);
  const std::size_t size = ReadScalar<flatbuffers::voffset_t>(p.data() + at);
  if (size < 4 || size % 2 != 0 || at + size > p.size()) return std::nullopt;
  std::array<std::uint64_t, 4> slots{};
  for (std::size_t s = 0; s < (size - 4) / 2; ++s) {
    if (ReadScalar<flatbuffers::voffset_t>(p.data() + at + 4 + 2 * s) == 0) continue;
    if (s >= 256) return std::nullopt;
    slots[s / 64] |= std::uint64_t{1} << (s % 64);
  }
  return slots;
}

}  // namespace detail

/// A buffer without uplift's header, as `options::untagged_sniffer` sees it: its bytes, its
/// file_identifier and which fields its root table holds. Look, do not keep: it lives for the
/// sniffer's call.
///
///     o.untagged_sniffer = [](const uplift::binary_shape& b) -> std::uint16_t {
///       if (b.file_identifier() == "USR2") return 2;
///       return b.has(demo::v3::User::VT_CREATED_AT) ? 3 : 0;  // 0: the untagged rule decides
///     };
class binary_shape {
 public:
  explicit binary_shape(bytes_view bytes) noexcept : bytes_(bytes), slots_(detail::root_slots(bytes)) {}
  /// The whole buffer, as stored.
  bytes_view bytes() const noexcept { return bytes_; }
  /// False when the bytes are not shaped like a FlatBuffer (its root table or vtable out of
  /// bounds): `has` is then false for every field.
  bool is_flatbuffer() const noexcept { return slots_.has_value(); }
  /// Bytes 4..7: the schema's file_identifier when the buffer was written with one (four other
  /// bytes when not); empty for a buffer shorter than 8.
  std::string_view file_identifier() const noexcept {
    if (bytes_.size() < 8) return {};
    return {reinterpret_cast<const char*>(bytes_.data()) + 4, 4};
  }
  /// True when the root table holds the field at this vtable offset: pass the generated constant,
  /// `vN::Table::VT_FIELD` (4 + 2 x the field's id). A field left at its default when it was
  /// written is not held (FlatBuffers leaves such scalars out unless they were forced).
  bool has(flatbuffers::voffset_t field) const noexcept {
    if (!slots_ || field < 4 || field % 2 != 0 || field >= 4 + 2 * 256) return false;
    const std::size_t slot = (field - 4) / 2;
    return ((*slots_)[slot / 64] >> (slot % 64) & 1) != 0;
  }

 private:
  bytes_view bytes_;
  std::optional<std::array<std::uint64_t, 4>> slots_;
};

namespace detail {

/// The versions of record C whose root table has every slot in `slots`, oldest first; when the
/// buffer carries one of their file_identifiers (bytes 4..7), only the versions of that one.
template <class C>
std::vector<std::uint16_t> shape_candidates(bytes_view p, const std::array<std::uint64_t, 4>& slots) {
  std::vector<std::uint16_t> fit, identified;
  for (const root_shape& shape : C::descriptor::root_shapes) {
    bool all = true;
    for (std::size_t w = 0; w < 4; ++w) all = all && (slots[w] & ~shape.slots[w]) == 0;
    if (!all) continue;
    fit.push_back(shape.version);
    if (shape.file_identifier.size() == 4 && p.size() >= 8 &&
        std::memcmp(p.data() + 4, shape.file_identifier.data(), 4) == 0)
      identified.push_back(shape.version);
  }
  return identified.empty() ? fit : identified;
}

/// Why options `o` cannot read record C's buffers without uplift's header (an unknown
/// untagged_version; by_shape for a descriptor without root shapes), or nothing: the one check
/// codec<R>::make and every such read make.
template <class C>
std::optional<error> untagged_options_fault(const options& o) {
  if (o.untagged == untagged_binary::as_version && !C::knows(o.untagged_version))
    return C::make_error(errc::invalid_option, o.untagged_version)
        .with_detail("options::untagged_version v" + std::to_string(o.untagged_version) +
                     " is not one of " + C::known_versions());
  if constexpr (!requires { C::descriptor::root_shapes; })
    if (o.untagged == untagged_binary::by_shape)
      return C::make_error(errc::invalid_option, 0)
          .with_detail("untagged_binary::by_shape needs the root shapes uplift-gen writes into "
                       "the descriptor (R::root_shapes): generate the record again, or read "
                       "such buffers as a fixed version (untagged_binary::as_version)");
  if (o.untagged == untagged_binary::by_sniffer && !o.untagged_sniffer)
    return C::make_error(errc::invalid_option, 0)
        .with_detail("untagged_binary::by_sniffer reads the version options::untagged_sniffer "
                     "returns: set it, or choose untagged_binary::as_version or by_shape");
  if (o.untagged == untagged_binary::refuse && o.untagged_sniffer)
    return C::make_error(errc::invalid_option, 0)
        .with_detail("options::untagged_sniffer is set but options::untagged refuses buffers "
                     "without uplift's header: set untagged to by_sniffer (the sniffer alone), or "
                     "to as_version or by_shape (the sniffer first, that rule when it returns 0)");
  return std::nullopt;
}

/// "v1, v2": versions for a message.
inline std::string version_list(const std::vector<std::uint16_t>& versions) {
  std::string out;
  for (std::uint16_t v : versions) out += (out.empty() ? "v" : ", v") + std::to_string(v);
  return out;
}

/// A buffer without uplift's header routed as version `v` of C: a header made up for it (its size
/// 0: the payload is the whole buffer), read in place when it is aligned and padded to 8 as every
/// uplift writer pads a payload, else copied so (a plain FlatBuffer is padded to its own largest
/// scalar).
template <class C>
routed_record untagged_record(bytes_view bytes, std::uint16_t v, route& r) {
  routed_record rec;
  rec.header.size = 0;
  rec.header.type_id = C::type_id;
  rec.header.version = v;
  rec.header.min_reader_version = v;
  r = route_of(C::info(), rec.header, newer_policy::reject);
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % 8 == 0 && bytes.size() % 8 == 0) {
    rec.record = bytes;
    return rec;
  }
  rec.copy = buffer::allocate((bytes.size() + 7) / 8 * 8);
  std::memcpy(rec.copy.data(), bytes.data(), bytes.size());
  std::memset(rec.copy.data() + bytes.size(), 0, rec.copy.size() - bytes.size());
  rec.record = rec.copy.span();
  return rec;
}

// ---- 3. the payload check ----------------------------------------------------------------------

/// What is wrong with a payload, if anything: the checks every read makes (the root offset in
/// bounds, the size a writer makes) and, with options::verify, the FlatBuffers verifier.
enum class payload_fault : std::uint8_t {
  none,
  too_short,      ///< shorter than a root offset and a vtable offset
  not_padded,     ///< not a multiple of 8 bytes, as every writer makes it
  root_past_end,  ///< the root offset points past the payload
  too_large,      ///< larger than FlatBuffers allows
  unverified,     ///< the verifier rejected it
};

/// The verifier's part of check_payload, out of line.
template <class Table>
[[gnu::noinline]] bool verifies(bytes_view p, const options& o) noexcept {
  flatbuffers::Verifier::Options vo;
  vo.max_depth = o.max_depth;
  vo.max_tables = o.max_tables;
  flatbuffers::Verifier v(p.data(), p.size(), vo);
  return v.template VerifyBuffer<Table>(nullptr);
}

/// check_payload's checks after the size's: for a payload of at least a root offset and a vtable
/// offset, a multiple of 8 bytes long.
template <class Table>
[[gnu::always_inline]] inline payload_fault check_sized_payload(bytes_view p,
                                                                const options& o) noexcept {
  if (flatbuffers::ReadScalar<flatbuffers::uoffset_t>(p.data()) >
      p.size() - sizeof(flatbuffers::soffset_t)) [[unlikely]]
    return payload_fault::root_past_end;
  if (!o.verify) [[likely]]  // the verifier is the slow path: out of line
    return payload_fault::none;
  if (p.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) [[unlikely]]
    return payload_fault::too_large;
  return verifies<Table>(p, o) ? payload_fault::none : payload_fault::unverified;
}

/// Checks a payload to be read as table `Table`: inline structural checks, then the verifier.
template <class Table>
[[gnu::always_inline]] inline payload_fault check_payload(bytes_view p, const options& o) noexcept {
  if (p.size() < 2 * sizeof(flatbuffers::uoffset_t)) [[unlikely]]
    return payload_fault::too_short;
  if (p.size() % 8 != 0) [[unlikely]]
    return payload_fault::not_padded;
  return check_sized_payload<Table>(p, o);
}

/// The error of a payload check that failed, made only then. `p` is the payload, `base` its
/// offset in the record.
template <class C>
[[gnu::cold, gnu::noinline]] error payload_error(payload_fault f, bytes_view p, std::size_t base,
                                                 std::uint16_t version) {
  switch (f) {
    case payload_fault::too_short:
      return C::make_error(errc::truncated_payload, version, base + p.size());
    case payload_fault::not_padded:
      return C::make_error(errc::truncated_payload, version, base + p.size())
          .with_detail("the payload's " + std::to_string(p.size()) +
                       " bytes are not a multiple of 8, as every writer makes them");
    case payload_fault::root_past_end:
      return C::make_error(errc::truncated_payload, version, base)
          .with_detail("the root offset " +
                       std::to_string(flatbuffers::ReadScalar<flatbuffers::uoffset_t>(p.data())) +
                       " is past the payload's " + std::to_string(p.size()) + " bytes");
    case payload_fault::too_large:
      return C::make_error(errc::verify_failed, version)
          .with_detail("payload larger than FlatBuffers allows");
    default:
      return C::make_error(errc::verify_failed, version);
  }
}

// ---- 4. the view -------------------------------------------------------------------------------

/// A zero-copy read of a record the latest accessor reads: one stored at the latest version, or at
/// one that only wire-compatible steps separate from it, its payload at `bytes[header_size..]`
/// (the header already checked, the payload aligned). The payload is checked as `Table`: the
/// latest, whose accessors read it.
template <class R, class Table>
[[gnu::always_inline]] inline result<view<R>> read_in_place(bytes_view bytes,
                                                             std::uint16_t version,
                                                             const options& o) {
  using C = chain<R>;
  const bytes_view payload = bytes.subspan(header_size);
  if (const payload_fault f = check_payload<Table>(payload, o); f != payload_fault::none)
      [[unlikely]]
    return payload_error<C>(f, payload, header_size, version);
  return result<view<R>>(std::in_place,
                         typename view<R>::in_place_args{
                             flatbuffers::GetRoot<typename C::latest::table>(payload.data()), bytes,
                             version});
}

}  // namespace detail

/// The reads of record R through every stored version: all of the pipeline but the inlined fast
/// path of a latest-version record. uplift-gen compiles them once per program, in the record's
/// generated .cpp (`template class uplift::record_reader<demo::User>;`), and its header declares
/// them `extern` when the build defines UPLIFT_SEPARATE_INSTANTIATION. Call `uplift::read` and
/// `uplift::read_object` rather than these.
template <class R>
class record_reader {
  using C = detail::chain<R>;
  using latest_table = typename C::latest::table;

 public:
  /// `uplift::read` of any record but a latest-version one on the fast path.
  [[gnu::noinline]] static result<view<R>> read(bytes_view bytes, const options& o,
                                                upgrade_buffer* into);
  /// `uplift::read_object`.
  static result<latest_object_t<R>> read_object(bytes_view bytes, const options& o);
  /// The version a buffer without uplift's header is read as: `o.untagged_sniffer`'s answer,
  /// else by `o.untagged`: the fixed version, or the one its shape fits (with several that read
  /// it the same, the newest).
  static result<std::uint16_t> untagged_version(bytes_view bytes, const options& o);

 private:
  /// Stages 1 and 2 into `rec`, a buffer without uplift's header read as `o.untagged` says.
  [[gnu::always_inline]] static status open(bytes_view bytes, const options& o, detail::route& r,
                                            detail::routed_record& rec) {
    const detail::header_fault f = detail::open<C>(bytes, o, r, rec);
    if (f.code == errc::ok && r.code == errc::ok) [[likely]]
      return {};
    return refused(bytes, o, r, rec, f);
  }
  /// What `open` does with a record the header or the route refused: a buffer without uplift's
  /// header is read as `o.untagged` says, anything else is an error.
  [[gnu::cold, gnu::noinline]] static status refused(bytes_view bytes, const options& o,
                                                     detail::route& r, detail::routed_record& rec,
                                                     detail::header_fault f) {
    if (f.code == errc::bad_magic) {
      if (o.untagged != untagged_binary::refuse || o.untagged_sniffer) {
        auto v = untagged_version(bytes, o);
        if (!v) return std::move(v).error();
        rec = detail::untagged_record<C>(bytes, *v, r);
        return {};
      }
      if (detail::root_slots(bytes))
        return detail::open_error<C>(f, r, rec.header)
            .with_detail(
                "the bytes are shaped like a FlatBuffer without uplift's header: if it was written "
                "before uplift, read it with options::untagged (by_shape, as_version or by_sniffer)");
    }
    return detail::open_error<C>(f, r, rec.header);
  }

  /// The table a payload stored at index I is checked as: the newest version that wire-compatible
  /// steps lead to from I (the latest when the read is zero-copy, and for a record newer than this
  /// binary). Its accessors are the ones a zero-copy read or an unpack reads the payload through;
  /// checking as the stored version alone would leave unchecked a field that the newer accessor
  /// reads and the stored version does not know (a genuine older record has no such field:
  /// wire-compatible steps only add optional ones). Every read path uses the same table, so read
  /// and read_object accept the same records.
  template <std::size_t I>
  using checked_table = typename C::template table_at<detail::wire_reach<C, false>(I)>;

  static error payload_error(detail::payload_fault f, const detail::routed_record& rec) {
    return detail::payload_error<C>(f, rec.payload(), rec.header.size, rec.header.version);
  }

  /// Stages 3 and 4 of a record routed to version index I, as a view.
  struct as_view {
    template <std::size_t I>
    static result<view<R>> at(detail::routed_record&& rec, const options& o,
                              upgrade_buffer* into) {
      constexpr std::size_t J = C::zero_copy_from[I];
      if constexpr (J == I) {
        // Stored at the latest version, or only wire-compatible steps to it: no copy.
        if (rec.in_place() && rec.header.size == header_size)
          return detail::read_in_place<R, checked_table<I>>(rec.record, rec.header.version, o);
        if (auto f = detail::check_payload<checked_table<I>>(rec.payload(), o);
            f != detail::payload_fault::none)
          return payload_error(f, rec);
        view<R> v;
        v.stored_version_ = rec.header.version;
        v.table_ = flatbuffers::GetRoot<latest_table>(rec.payload().data());
        v.zero_copy_ = rec.in_place();
        v.record_ = rec.record;
        v.payload_at_ = rec.header.size;
        if (!rec.in_place()) v.own().held = std::move(rec.copy);
        // A buffer without uplift's header (size 0) gains one too.
        v.needs_new_header_ = rec.header.version < C::latest_version || rec.header.size == 0;
        return v;
      } else {
        if (auto f = detail::check_payload<checked_table<I>>(rec.payload(), o);
            f != detail::payload_fault::none)
          return payload_error(f, rec);
        gen::rebuild_context& cx = into ? into->cx_ : thread_context();
        if constexpr (C::template has_rebuild<I>) {
          // Every step to the latest is mechanical: one generated rebuild, table to table.
          cx.start();
          const auto& from = *flatbuffers::GetRoot<typename C::template table_at<I>>(rec.payload().data());
          detail::finish_record(cx.fbb, C::template rebuild_fn<I>()(cx, from),
                                C::header_at(C::last));
        } else {
          // A hook on the way: unpack once, run the steps on the Object API structs, pack once.
          auto up = detail::upgrade_object<C, detail::wire_reach<C, false>(I), J>(
              unpack<detail::wire_reach<C, false>(I)>(rec));
          if (!up) return stored_at(std::move(up).error(), rec);
          cx.start();
          detail::finish_record(cx.fbb, C::template table_at<J>::Pack(cx.fbb, &*up),
                                C::header_at(C::last));
        }
        const bytes_view rebuilt{cx.fbb.GetBufferPointer(), cx.fbb.GetSize()};
        view<R> v;
        v.stored_version_ = rec.header.version;
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
        return v;
      }
    }
  };

  /// Stages 3 and 4 of a record routed to version index I, as the latest Object API struct.
  struct as_object {
    template <std::size_t I>
    static result<latest_object_t<R>> at(detail::routed_record&& rec, const options& o) {
      if (auto f = detail::check_payload<checked_table<I>>(rec.payload(), o);
          f != detail::payload_fault::none)
        return payload_error(f, rec);
      if constexpr (C::zero_copy_from[I] == I) {
        latest_object_t<R> out{};
        flatbuffers::GetRoot<latest_table>(rec.payload().data())->UnPackTo(&out);
        return out;
      } else {
        // Unpacked through the furthest version that wire-compatible steps with no function of
        // their own reach (they cost nothing more), then up the steps.
        constexpr std::size_t W = detail::wire_reach<C, true>(I);
        auto up = detail::upgrade_object<C, W, C::last>(unpack<W>(rec));
        if (!up) return stored_at(std::move(up).error(), rec);
        return up;
      }
    }
  };

  /// The stored payload unpacked as the version of index W.
  template <std::size_t W>
  static typename C::template object_at<W> unpack(const detail::routed_record& rec) {
    typename C::template object_at<W> obj{};
    flatbuffers::GetRoot<typename C::template table_at<W>>(rec.payload().data())->UnPackTo(&obj);
    return obj;
  }
  /// The rebuild context of reads given no upgrade_buffer: one per thread, its memory kept.
  static gen::rebuild_context& thread_context() {
    static thread_local gen::rebuild_context cx;
    return cx;
  }
  static error stored_at(error e, const detail::routed_record& rec) {
    e.stored_version = rec.header.version;
    return e;
  }
};

// Defined out of the class, not inline, so that an `extern template` declaration keeps every
// translation unit but the record's generated .cpp from compiling them.
template <class R>
result<view<R>> record_reader<R>::read(bytes_view bytes, const options& o, upgrade_buffer* into) {
  detail::route r;
  detail::routed_record rec;
  if (status st = open(bytes, o, r, rec); !st) [[unlikely]]
    return std::move(st).error();
  return detail::version_table<C, as_view>[r.index](std::move(rec), o, into);
}

template <class R>
result<latest_object_t<R>> record_reader<R>::read_object(bytes_view bytes, const options& o) {
  detail::route r;
  detail::routed_record rec;
  if (status st = open(bytes, o, r, rec); !st) [[unlikely]]
    return std::move(st).error();
  return detail::version_table<C, as_object>[r.index](std::move(rec), o);
}

template <class R>
result<std::uint16_t> record_reader<R>::untagged_version(bytes_view bytes, const options& o) {
  // Only the error paths below build a message from it: a read that succeeds allocates nothing.
  constexpr std::string_view untagged = "a buffer without uplift's header";
  if (auto fault = detail::untagged_options_fault<C>(o)) return std::move(*fault);
  if (o.untagged_sniffer) {
    const std::uint16_t v = o.untagged_sniffer(binary_shape(bytes));
    if (v != 0 && C::knows(v)) return v;  // the read verifies it as that version
    if (v != 0)
      return C::make_error(v > C::latest_version ? errc::too_new : errc::unknown_version, v)
          .with_detail(std::string(untagged) + ": options::untagged_sniffer returned v" +
                       std::to_string(v) + ", which is not one of " + C::known_versions() +
                       ": it must return one of those, or 0 to leave the version to "
                       "options::untagged");
    if (o.untagged == untagged_binary::by_sniffer)
      return C::make_error(errc::unknown_version, 0)
          .with_detail(std::string(untagged) +
                       ": options::untagged_sniffer could not tell its version (it returned 0)");
  }
  if (o.untagged == untagged_binary::as_version) return o.untagged_version;
  if constexpr (requires { C::descriptor::root_shapes; }) {
    const auto slots = detail::root_slots(bytes);
    const std::vector<std::uint16_t> fit =
        slots ? detail::shape_candidates<C>(bytes, *slots) : std::vector<std::uint16_t>{};
    if (fit.empty())
      return C::make_error(errc::unknown_version, 0)
          .with_detail(std::string(untagged) +
                       (slots ? " whose root table's fields fit none of "
                              : " that is not shaped like a FlatBuffer, read as any of ") +
                       C::known_versions());
    if (fit.size() == 1) return fit.front();  // the read verifies it as that version
    // Several fit: each is read to the latest; the versions that read it the same are one answer.
    std::vector<std::uint16_t> readable;
    std::optional<latest_object_t<R>> first;
    std::optional<error> last_error;
    bool differ = false;
    for (std::uint16_t v : fit) {
      detail::route r;
      auto obj = detail::version_table<C, as_object>[C::index_of(v)](
          detail::untagged_record<C>(bytes, v, r), o);
      if (!obj) {
        last_error = std::move(obj).error();
        continue;
      }
      readable.push_back(v);
      if constexpr (std::equality_comparable<latest_object_t<R>>) {
        if (!first) first = std::move(*obj);
        else differ = differ || !(*obj == *first);
      } else {
        differ = readable.size() > 1;
      }
    }
    if (readable.empty())
      return std::move(*last_error)
          .with_detail(std::string(untagged) + ": it fails as each version its fields fit (" +
                       detail::version_list(fit) + ")");
    if (differ)
      return C::make_error(errc::ambiguous_version, 0)
          .with_detail(std::string(untagged) + ": its root table's fields fit " +
                       detail::version_list(readable) + ", which read it differently");
    return readable.back();
  } else {
    return errc::invalid_option;  // by_shape without root shapes: untagged_options_fault said so
  }
}

namespace detail {
/// The one read: a record of this record type that the latest accessor reads in place (stored at
/// the latest version, or behind wire-compatible steps only), aligned and sound, is read inline:
/// one test of its size and alignment (check_payload's tests of the size, folded into it), the
/// header's two words compared with constants, check_sized_payload (the root offset bounded; the
/// verifier, when the options ask for it), GetRoot.
/// Everything else, including every fault (whose error the pipeline words, the same way), goes
/// through record_reader<R>::read.
template <class R>
[[gnu::always_inline]] inline result<view<R>> read_view(bytes_view bytes, const options& o,
                                                        upgrade_buffer* into) {
  using C = chain<R>;
  using table = typename C::latest::table;
  constexpr std::uint16_t min_reader = C::header_at(C::last).min_reader_version;
  const std::uint8_t* const p = bytes.data();
  const std::size_t n = bytes.size();
  // Room for the header and a root table's two offsets, the record 8-byte aligned and a multiple
  // of 8 bytes long (so is its payload, after the 16-byte header): one test, which stands for
  // check_payload's two tests of the payload's size.
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= header_size + 2 * sizeof(flatbuffers::uoffset_t) &&
        ((reinterpret_cast<std::uintptr_t>(p) | n) % 8) == 0) [[likely]] {
      std::uint64_t a, b;
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + 8, 8);
      const std::uint16_t v = in_place_version_of<C::type_id, min_reader, C::latest_version>(a, b);
      if (v != 0 &&
          check_sized_payload<table>(bytes.subspan(header_size), o) == payload_fault::none)
          [[likely]]
        return result<view<R>>(std::in_place, typename view<R>::in_place_args{
                                                  flatbuffers::GetRoot<table>(p + header_size),
                                                  bytes, v});
    }
  }
  return record_reader<R>::read(bytes, o, into);
}
}  // namespace detail

/// Reads a record stored at any known version as the latest version. Zero-copy when the stored
/// version is the latest or only wire-compatible steps lead to it; otherwise the record is rebuilt
/// once (in a builder each thread reuses) and the view owns a copy of it: one allocation per
/// upgraded record (plus the Object API structs' when a step has a hook), which the overload
/// taking an upgrade_buffer avoids. Input is checked, before anything is rebuilt, as the version
/// whose accessors read it: its own, or the newest that wire-compatible steps lead to.
///
///     auto r = uplift::read<demo::User>(bytes);
///     if (!r) return fail(r.error().message());
///     std::string_view email = (*r)->email()->string_view();
template <class R>
[[gnu::always_inline]] inline auto read(bytes_view bytes, const options& o = default_options()) {
  UPLIFT_REQUIRE_RECORD("uplift::read<R>", R);
  if constexpr (detail::valid_record<R>)
    return detail::read_view<R>(bytes, o, nullptr);
  else
    return result<view<R>>(errc::invalid_option);
}
template <class R>
auto read(std::span<const std::byte> bytes, const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), o);
}
template <class R>
auto read(std::string_view bytes, const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), o);
}

/// The same read, rebuilding an upgraded record into `into` instead of a buffer of its own: the
/// view points into `into` (or, as above, into `bytes`) and is valid until the next read into
/// `into`. Reading through one upgrade_buffer allocates nothing per record in steady state when
/// the record's steps are mechanical.
template <class R>
[[gnu::always_inline]] inline auto read(bytes_view bytes, upgrade_buffer& into,
                                       const options& o = default_options()) {
  UPLIFT_REQUIRE_RECORD("uplift::read<R>", R);
  if constexpr (detail::valid_record<R>)
    return detail::read_view<R>(bytes, o, &into);
  else
    return result<view<R>>(errc::invalid_option);
}
template <class R>
auto read(std::span<const std::byte> bytes, upgrade_buffer& into,
          const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), into, o);
}
template <class R>
auto read(std::string_view bytes, upgrade_buffer& into, const options& o = default_options()) {
  return read<R>(as_bytes_view(bytes), into, o);
}

/// Reads a record at any known version into the latest version's Object API struct.
template <class R>
auto read_object(bytes_view bytes, const options& o = default_options()) {
  UPLIFT_REQUIRE_RECORD("uplift::read_object<R>", R);
  if constexpr (detail::valid_record<R>)
    return record_reader<R>::read_object(bytes, o);
  else
    return result<latest_object_t<R>>(errc::invalid_option);
}
template <class R>
auto read_object(std::span<const std::byte> bytes, const options& o = default_options()) {
  return read_object<R>(as_bytes_view(bytes), o);
}
template <class R>
auto read_object(std::string_view bytes, const options& o = default_options()) {
  return read_object<R>(as_bytes_view(bytes), o);
}

/// Upgrades an Object API struct of any version of R to the latest version, in memory.
///
///     demo::v1::UserT old = ...;
///     auto latest = uplift::upgrade<demo::User>(std::move(old));
template <class R, class Object>
auto upgrade(Object obj) {
  UPLIFT_REQUIRE_RECORD("uplift::upgrade<R>", R);
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
      return result<latest_object_t<R>>(errc::invalid_option);
  } else {
    return result<latest_object_t<R>>(errc::invalid_option);
  }
}

}  // namespace uplift
