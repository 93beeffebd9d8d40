// The record header's exact bytes (docs/FORMAT.md), pinned with hex goldens.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace uplift_test;
using W = uplift_test::Widget;

namespace {

/// Bytes as "55 50 4c 46 ...", so that a failed golden shows both dumps side by side.
std::string hex(uplift::bytes_view b) {
  std::string out;
  char two[3];
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned>(b[i]));
    if (i != 0) out += (i % 16 == 0) ? '\n' : ' ';
    out += two;
  }
  return out;
}

/// The header of the golden record below, in header.hpp's field order.
constexpr std::array<std::uint8_t, 16> widget_v2_header_golden{
    0x55, 0x50, 0x4c, 0x46,  // magic "UPLF"
    0x01,                    // header format 1
    0x10,                    // header size 16
    0x00, 0x00,              // flags 0
    0xd4, 0x5c, 0xe3, 0xa6,  // type id 0xa6e35cd4 = FNV-1a("uplift_test.Widget")
    0x02, 0x00,              // record version 2
    0x01, 0x00,              // minimum reader version 1
};

/// The record shown in docs/FORMAT.md: uplift::write<Widget> of the v1 object {id 7, name
/// "bolt", count -2}. Keep the two in sync.
constexpr std::array<std::uint8_t, 64> small_v1_record_golden{
    0x55, 0x50, 0x4c, 0x46, 0x01, 0x10, 0x00, 0x00, 0xd4, 0x5c, 0xe3, 0xa6, 0x01, 0x00, 0x01, 0x00,
    0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x10, 0x00, 0x04, 0x00,
    0x08, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0xfe, 0xff, 0xff, 0xff, 0x04, 0x00, 0x00, 0x00, 0x62, 0x6f, 0x6c, 0x74, 0x00, 0x00, 0x00, 0x00,
};

v1::WidgetT small_v1() {
  v1::WidgetT w;
  w.id = 7;
  w.name = "bolt";
  w.count = -2;
  return w;
}

constexpr uplift::record_header widget_header(std::uint16_t version, std::uint16_t min_reader) {
  uplift::record_header h;
  h.type_id = W::type_id;
  h.version = version;
  h.min_reader_version = min_reader;
  return h;
}

/// `record` with its header grown to `size` bytes: byte 5 says `size`, and `size - 16` bytes of
/// 0xEE (which a reader must skip) sit between the 16-byte header and the payload.
std::vector<std::uint8_t> with_header_size(uplift::bytes_view record, std::uint8_t size) {
  std::vector<std::uint8_t> out(record.begin(), record.begin() + uplift::header_size);
  out[5] = size;
  out.insert(out.end(), size - uplift::header_size, std::uint8_t{0xEE});
  out.insert(out.end(), record.begin() + uplift::header_size, record.end());
  return out;
}

bool aligned8(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 8 == 0; }

}  // namespace

TEST_CASE("encode_header writes the documented 16 bytes") {
  const auto bytes = uplift::encode_header(widget_header(2, 1));
  CHECK(hex(bytes) == hex(widget_v2_header_golden));
  // The pointer overload writes the same bytes.
  std::array<std::uint8_t, 16> out{};
  uplift::encode_header(widget_header(2, 1), out.data());
  CHECK(out == widget_v2_header_golden);
}

TEST_CASE("every multi-byte header field is little-endian") {
  uplift::record_header h;
  h.flags = 0xA1B2;
  h.type_id = 0x0C0D0E0F;
  h.version = 0x0302;
  h.min_reader_version = 0x0201;
  constexpr std::array<std::uint8_t, 16> expected{0x55, 0x50, 0x4c, 0x46, 0x01, 0x10, 0xb2, 0xa1,
                                                  0x0f, 0x0e, 0x0d, 0x0c, 0x02, 0x03, 0x01, 0x02};
  CHECK(hex(uplift::encode_header(h)) == hex(expected));
  auto back = uplift::peek(expected);
  REQUIRE(back);
  CHECK(*back == h);
}

TEST_CASE("peek decodes the golden header bytes into the header that wrote them") {
  auto h = uplift::peek(widget_v2_header_golden);
  REQUIRE(h);
  CHECK(h->format == 1);
  CHECK(h->size == 16);
  CHECK(h->flags == 0);
  CHECK(h->type_id == 0xa6e35cd4u);
  CHECK(h->version == 2);
  CHECK(h->min_reader_version == 1);
  CHECK(*h == widget_header(2, 1));
}

TEST_CASE("encode_header is usable at compile time") {
  constexpr auto bytes = uplift::encode_header(widget_header(2, 1));
  static_assert(bytes == widget_v2_header_golden);
  CHECK(bytes == widget_v2_header_golden);
}

TEST_CASE("type_id_of is the 32-bit FNV-1a hash of the record name") {
  // Reference values of FNV-1a 32 (the offset basis for "", then two published test vectors).
  CHECK(uplift::type_id_of("") == 0x811c9dc5u);
  CHECK(uplift::type_id_of("a") == 0xe40c292cu);
  CHECK(uplift::type_id_of("foobar") == 0xbf9cf968u);
  // The two ids FORMAT.md shows.
  CHECK(uplift::type_id_of("uplift_test.Widget") == 0xa6e35cd4u);
  CHECK(uplift::type_id_of("demo.User") == 0xeaa85e4bu);
  static_assert(W::type_id == 0xa6e35cd4u);
}

TEST_CASE("a small v1 Widget is written as exactly the record shown in FORMAT.md") {
  auto rec = uplift::write<W>(small_v1());
  CHECK(hex(rec.span()) == hex(small_v1_record_golden));

  // The payload is a standard FlatBuffer of v1: FlatBuffers alone verifies and reads it.
  const uplift::bytes_view payload = rec.span().subspan(uplift::header_size);
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  CHECK(verifier.VerifyBuffer<v1::Widget>(nullptr));
  const auto* w = flatbuffers::GetRoot<v1::Widget>(payload.data());
  CHECK(w->id() == 7);
  CHECK(w->name()->str() == "bolt");
  CHECK(w->count() == -2);
  CHECK(w->tags() == nullptr);
  CHECK(w->dims() == nullptr);
}

TEST_CASE("the golden record bytes read back as the object that wrote them") {
  // An aligned copy of the golden bytes, as a store would hand them over.
  auto rec = uplift::buffer::copy_of(small_v1_record_golden);
  auto as_v1 = uplift::read_object<WidgetOnlyV1>(rec.span());
  REQUIRE(as_v1);
  CHECK(*as_v1 == small_v1());
  auto as_latest = uplift::read_object<W>(rec.span());
  REQUIRE(as_latest);
  CHECK(as_latest->id == 7);
  CHECK(as_latest->label == "bolt");
  CHECK(as_latest->count == -2);
  CHECK(as_latest->maker == "bolt");
}

TEST_CASE("records carry their version and minimum reader version in the header") {
  // v1 -> v2 is wire-compatible, so v1 code reads a v2 record; v2 -> v3 is not.
  struct row {
    uplift::buffer record;
    std::uint16_t version;
    std::uint16_t min_reader;
  };
  row rows[] = {
      {uplift::write<W>(sample_v1()), 1, 1},
      {uplift::write<W>(sample_v2()), 2, 1},
      {uplift::write<W>(sample_v3()), 3, 3},
  };
  for (const row& r : rows) {
    CAPTURE(r.version);
    auto h = uplift::peek(r.record.span());
    REQUIRE(h);
    CHECK(*h == widget_header(r.version, r.min_reader));
    // Bytes 12..15 hold the two versions, little-endian.
    CHECK(r.record.data()[12] == r.version);
    CHECK(r.record.data()[13] == 0);
    CHECK(r.record.data()[14] == r.min_reader);
    CHECK(r.record.data()[15] == 0);
  }
}

TEST_CASE("a written record, its payload and its size are 8-byte aligned") {
  uplift::buffer records[] = {uplift::write<W>(sample_v1()), uplift::write<W>(sample_v2()),
                              uplift::write<W>(sample_v3()), uplift::write<W>(small_v1())};
  for (const auto& rec : records) {
    CAPTURE(rec.size());
    CHECK(aligned8(rec.data()));
    CHECK(aligned8(rec.data() + uplift::header_size));
    CHECK(rec.size() % 8 == 0);
  }
}

TEST_CASE("peek reads only the header: a 16-byte prefix peeks like the whole record") {
  auto rec = uplift::write<W>(sample_v3());
  REQUIRE(rec.size() > uplift::header_size);
  auto whole = uplift::peek(rec.span());
  auto prefix = uplift::peek(rec.span().first(uplift::header_size));
  REQUIRE(whole);
  REQUIRE(prefix);
  CHECK(*prefix == *whole);
  // The payload bytes do not matter to peek.
  auto garbled = to_vec(rec.span());
  for (std::size_t i = uplift::header_size; i < garbled.size(); ++i) garbled[i] = 0xA5;
  auto h = uplift::peek(uplift::bytes_view(garbled));
  REQUIRE(h);
  CHECK(*h == *whole);
}

TEST_CASE("flags round-trip through encode_header and peek") {
  for (int f : {0x0001, 0x8000, 0xBEEF}) {
    const auto flags = static_cast<std::uint16_t>(f);
    auto h = widget_header(3, 3);
    h.flags = flags;
    const auto bytes = uplift::encode_header(h);
    CHECK(bytes[6] == (flags & 0xFF));
    CHECK(bytes[7] == (flags >> 8));
    auto back = uplift::peek(bytes);
    REQUIRE(back);
    CHECK(back->flags == flags);
    CHECK(*back == h);
  }
}

TEST_CASE("readers ignore the flags") {
  for (auto rec : {to_vec(uplift::write<W>(sample_v1()).span()),
                   to_vec(uplift::write<W>(sample_v3()).span())}) {
    const auto plain = uplift::read_object<W>(uplift::bytes_view(rec));
    rec[6] = 0xFF;
    rec[7] = 0xFF;
    auto h = uplift::peek(uplift::bytes_view(rec));
    REQUIRE(h);
    CHECK(h->flags == 0xFFFF);
    auto flagged = uplift::read_object<W>(uplift::bytes_view(rec));
    REQUIRE(plain);
    REQUIRE(flagged);
    CHECK(*flagged == *plain);
    CHECK(uplift::read<W>(uplift::bytes_view(rec)));
  }
}

TEST_CASE("a header size of 24 is accepted and the payload is read after it") {
  // v3 is read zero-copy, v1 is rebuilt through the upgrade steps: both find the payload at 24.
  for (auto plain : {to_vec(uplift::write<W>(sample_v1()).span()),
                     to_vec(uplift::write<W>(sample_v3()).span())}) {
    const auto big = with_header_size(uplift::bytes_view(plain), 24);
    REQUIRE(aligned8(big.data() + 24));
    auto h = uplift::peek(uplift::bytes_view(big));
    REQUIRE(h);
    CHECK(h->size == 24);
    auto plain_h = uplift::peek(uplift::bytes_view(plain));
    REQUIRE(plain_h);
    CHECK(h->version == plain_h->version);
    CHECK(h->min_reader_version == plain_h->min_reader_version);
    CHECK(h->type_id == plain_h->type_id);

    auto expected = uplift::read_object<W>(uplift::bytes_view(plain));
    auto object = uplift::read_object<W>(uplift::bytes_view(big));
    REQUIRE(expected);
    REQUIRE(object);
    CHECK(*object == *expected);

    auto v = uplift::read<W>(uplift::bytes_view(big));
    REQUIRE(v);
    CHECK(v->stored_version() == plain_h->version);
    v3::WidgetT unpacked;
    (*v)->UnPackTo(&unpacked);
    CHECK(unpacked == *expected);
    if (plain_h->version == 3) {
      CHECK(v->zero_copy());
      CHECK(points_into(v->get(), uplift::bytes_view(big)));
    }
  }
}

// A record with a 24-byte header read zero-copy across a wire-compatible step (a v1 record read
// by a binary whose latest version is v2) gets a new header when view::bytes() is asked for it:
// a 16-byte header followed by the payload alone.
TEST_CASE(
    "a record with a 24-byte header read zero-copy across a wire step writes back readable bytes") {
  const auto plain = to_vec(uplift::write<W>(sample_v1()).span());
  const auto big = with_header_size(uplift::bytes_view(plain), 24);
  auto v = uplift::read<WidgetUpToV2>(uplift::bytes_view(big));
  CHECK(v);
  if (!v) return;
  CHECK(v->zero_copy());
  const uplift::bytes_view back = v->bytes();
  auto h = uplift::peek(back);
  CHECK(h);
  if (h) CHECK(h->version == 2);
  auto again = uplift::read_object<WidgetUpToV2>(back);
  CHECK(again);
  if (again) CHECK(again->label == "acme:sprocket");
}
