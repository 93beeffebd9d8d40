// Bad input is a value: every malformed record returns its exact error code, never a crash.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

using namespace uplift_test;
using W = uplift_test::Widget;
using uplift::errc;

namespace {

/// Marks a case whose error offset is not checked.
constexpr std::size_t any_offset = static_cast<std::size_t>(-2);

/// Which binary reads the case: this one, one that knows v1..v2, one that retired v1.
enum class reader { widget, up_to_v2, from_v2 };

struct bad_input {
  std::string what;
  std::vector<std::uint8_t> bytes;
  errc code;
  std::size_t offset = any_offset;
  reader by = reader::widget;
  uplift::options options{};
};

using bytes = std::vector<std::uint8_t>;

bytes record_of_v1() { return to_vec(uplift::write<W>(sample_v1()).span()); }
bytes record_of_v3() { return to_vec(uplift::write<W>(sample_v3()).span()); }

bytes with_u8(bytes b, std::size_t at, std::uint8_t v) {
  b.at(at) = v;
  return b;
}
bytes with_u16(bytes b, std::size_t at, std::uint16_t v) {
  b.at(at) = static_cast<std::uint8_t>(v);
  b.at(at + 1) = static_cast<std::uint8_t>(v >> 8);
  return b;
}
bytes with_u32(bytes b, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b.at(at + i) = static_cast<std::uint8_t>(v >> (8 * i));
  return b;
}
bytes first(const bytes& b, std::size_t n) {
  return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::uint32_t u32_at(const bytes& b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b.at(at + i)) << (8 * i);
  return v;
}

/// Byte offsets (in the record) of places inside a valid v1 record's payload, found by parsing it.
struct v1_layout {
  std::size_t root_table;   // the root table; its first 4 bytes are the offset to its vtable
  std::size_t name_length;  // the length field of the `name` string
  std::size_t tags_length;  // the length field of the `tags` vector
};
v1_layout layout_of(const bytes& rec) {
  const std::uint8_t* payload = rec.data() + uplift::header_size;
  const auto* w = flatbuffers::GetRoot<v1::Widget>(payload);
  const auto at = [&](const void* p) {
    return static_cast<std::size_t>(static_cast<const std::uint8_t*>(p) - rec.data());
  };
  return {uplift::header_size + u32_at(rec, uplift::header_size), at(w->name()), at(w->tags())};
}

/// Every malformed input and the exact error it gives.
std::vector<bad_input> bad_inputs() {
  const bytes v1 = record_of_v1();
  const bytes v3 = record_of_v3();
  const v1_layout at = layout_of(v1);
  const std::size_t payload = uplift::header_size;
  std::vector<bad_input> cases;

  cases.push_back({"empty input", {}, errc::empty_input, 0});
  for (std::size_t n = 1; n < uplift::header_size; ++n)
    cases.push_back({"header cut to " + std::to_string(n) + " bytes", first(v1, n),
                     errc::truncated_header, n});

  cases.push_back({"wrong magic in byte 0", with_u8(v1, 0, 'X'), errc::bad_magic, 0});
  cases.push_back({"wrong magic in byte 3", with_u8(v1, 3, 'G'), errc::bad_magic, 3});
  cases.push_back({"wrong magic in a 2-byte input", bytes{0x55, 0x51}, errc::bad_magic, 1});
  cases.push_back({"header format 0", with_u8(v1, 4, 0), errc::unsupported_header, 4});
  cases.push_back({"header format 2", with_u8(v1, 4, 2), errc::unsupported_header, 4});
  cases.push_back({"header size 8", with_u8(v1, 5, 8), errc::unsupported_header, 5});
  cases.push_back({"header size 20", with_u8(v1, 5, 20), errc::unsupported_header, 5});
  {
    // A v1 record cut to 40 bytes whose header claims 48: the header runs past the input.
    bytes short_rec = with_u8(first(v1, 40), 5, 48);
    cases.push_back({"header size larger than the input", short_rec, errc::truncated_header, 40});
  }
  cases.push_back({"another record's type id", with_u32(v1, 8, uplift::type_id_of("demo.User")),
                   errc::wrong_record_type, 8});
  cases.push_back({"version 0", with_u16(v1, 12, 0), errc::invalid_version, 12});
  cases.push_back({"minimum reader version 0", with_u16(v1, 14, 0), errc::invalid_version, 14});
  cases.push_back({"minimum reader version above the version", with_u16(v1, 14, 2),
                   errc::invalid_version, 14});
  cases.push_back({"a v1 record read by a binary that retired v1", v1, errc::unknown_version, 12,
                   reader::from_v2});
  cases.push_back({"a v3 record read by a binary whose latest is v2", v3, errc::too_new, 12,
                   reader::up_to_v2});
  cases.push_back({"a v3 record read as latest by a binary whose latest is v2", v3, errc::too_new,
                   14, reader::up_to_v2, {.newer = uplift::newer_policy::read_as_latest}});
  cases.push_back({"a version far beyond the latest", with_u16(v1, 12, 0xFFFF), errc::too_new, 12});

  cases.push_back({"a header and no payload", first(v1, payload), errc::truncated_payload, 16});
  cases.push_back({"a payload of 4 bytes", first(v1, payload + 4), errc::truncated_payload, 20});
  cases.push_back({"a root offset past the end of the payload",
                   with_u32(v1, payload, static_cast<std::uint32_t>(v1.size())),
                   errc::truncated_payload, 16});
  cases.push_back({"a root offset that is not 4-byte aligned", with_u32(v1, payload, 1),
                   errc::verify_failed});
  cases.push_back({"a root table whose vtable offset points past the end",
                   with_u32(v1, at.root_table, static_cast<std::uint32_t>(-4096)),
                   errc::verify_failed});
  cases.push_back({"a root table whose vtable offset points before the payload",
                   with_u32(v1, at.root_table, static_cast<std::uint32_t>(at.root_table)),
                   errc::verify_failed});
  cases.push_back({"a string length that runs past the end", with_u32(v1, at.name_length, 0x10000),
                   errc::verify_failed});
  cases.push_back({"a vector length that runs past the end", with_u32(v1, at.tags_length, 0x10000),
                   errc::verify_failed});
  return cases;
}

/// The error of a failed read of `in` through both entry points, checked against the case.
template <class R>
void check_rejected(const bad_input& c, uplift::bytes_view in, std::uint16_t latest) {
  auto as_view = uplift::read<R>(in, c.options);
  auto as_object = uplift::read_object<R>(in, c.options);
  CHECK_FALSE(as_view);
  CHECK_FALSE(as_object);
  if (as_view || as_object) return;
  for (const uplift::error* e : {&as_view.error(), &as_object.error()}) {
    INFO("got: " << e->message());
    CHECK(e->code == c.code);
    if (c.offset != any_offset) CHECK(e->offset == c.offset);
    CHECK(e->record() == R::name);
    CHECK(e->latest_version == latest);
  }
}

/// Runs the case through the binary it names; `in` is the case's bytes, possibly moved.
void check_rejected_by(const bad_input& c, uplift::bytes_view in) {
  switch (c.by) {
    case reader::widget: return check_rejected<W>(c, in, 3);
    case reader::up_to_v2: return check_rejected<WidgetUpToV2>(c, in, 2);
    case reader::from_v2: return check_rejected<WidgetFromV2>(c, in, 3);
  }
}

/// Reads every truncation of `rec`'s payload through both entry points: each must fail as
/// truncated or unverifiable.
void check_every_payload_truncation_rejected(const bytes& rec) {
  for (std::size_t n = uplift::header_size; n < rec.size(); ++n) {
    CAPTURE(n);
    const uplift::bytes_view in(rec.data(), n);
    auto as_view = uplift::read<W>(in);
    auto as_object = uplift::read_object<W>(in);
    CHECK_FALSE(as_view);
    CHECK_FALSE(as_object);
    if (!as_view)
      CHECK((as_view.error().code == errc::truncated_payload ||
             as_view.error().code == errc::verify_failed));
    if (!as_object)
      CHECK((as_object.error().code == errc::truncated_payload ||
             as_object.error().code == errc::verify_failed));
  }
}

bool contains(const std::string& text, std::string_view words) {
  return text.find(words) != std::string::npos;
}

}  // namespace

TEST_CASE("every errc has its own message") {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < uplift::errc_count; ++i) {
    CAPTURE(i);
    const std::string_view m = uplift::message(static_cast<errc>(i));
    CHECK_FALSE(m.empty());
    CHECK(m != "unknown error code");
    CHECK(seen.insert(m).second);
  }
  CHECK(seen.size() == uplift::errc_count);
  // errc_count is one past the last code: the next value has no message of its own.
  CHECK(uplift::message(static_cast<errc>(uplift::errc_count)) == "unknown error code");
}

TEST_CASE("every malformed input returns its exact error from read and read_object") {
  for (const bad_input& c : bad_inputs()) {
    INFO(c.what);
    check_rejected_by(c, uplift::bytes_view(c.bytes));
  }
}

TEST_CASE("every malformed input returns the same exact error when it is not 8-byte aligned") {
  for (const bad_input& c : bad_inputs()) {
    INFO(c.what);
    bytes shifted(c.bytes.size() + 1);
    std::copy(c.bytes.begin(), c.bytes.end(), shifted.begin() + 1);
    check_rejected_by(c, uplift::bytes_view(shifted.data() + 1, c.bytes.size()));
  }
}

TEST_CASE("every truncation of a v3 record's payload is rejected as truncated or unverifiable") {
  check_every_payload_truncation_rejected(record_of_v3());
}

TEST_CASE("every truncation of a v1 record's payload that ends in data is rejected") {
  // The name is built first, so it ends the payload; 15 characters and the terminator fill its
  // 4-byte alignment exactly, leaving no padding after it.
  v1::WidgetT w = sample_v1();
  w.name = "acme:sprocket-7";
  const bytes rec = to_vec(uplift::write<W>(w).span());
  REQUIRE(rec.back() == 0);                  // the terminator ...
  REQUIRE(rec[rec.size() - 2] == '7');       // ... right after the last character
  check_every_payload_truncation_rejected(rec);
}

// sample_v1's payload ends with the name "acme:sprocket", its terminator and 2 bytes of padding.
// Cutting off only that padding leaves every byte the verifier looks at; the reader still rejects
// it because writers always make the payload a multiple of 8 bytes.
TEST_CASE("every truncation of a v1 record's payload, padding included, is rejected") {
  check_every_payload_truncation_rejected(record_of_v1());
}

TEST_CASE("errors name the record, the versions and the byte offset") {
  SUBCASE("wrong record type at byte 8") {
    auto r = uplift::read<W>(uplift::bytes_view(with_u32(record_of_v1(), 8, 12345)));
    REQUIRE_FALSE(r);
    const uplift::error& e = r.error();
    CHECK(e.code == errc::wrong_record_type);
    CHECK(e.record() == "uplift_test.Widget");
    CHECK(e.offset == 8);
    CHECK(e.stored_version == 1);
    CHECK(e.latest_version == 3);
    const std::string m = e.message();
    CHECK(contains(m, "uplift_test.Widget: wrong record type"));
    CHECK(contains(m, "(stored v1, latest v3, at byte 8)"));
    CHECK(contains(m, "the header's type id is 12345, expected " + std::to_string(W::type_id)));
  }
  SUBCASE("too new: stored v3, latest v2") {
    auto r = uplift::read_object<WidgetUpToV2>(uplift::bytes_view(record_of_v3()));
    REQUIRE_FALSE(r);
    const uplift::error& e = r.error();
    CHECK(e.code == errc::too_new);
    CHECK(e.record() == "uplift_test.Widget");
    CHECK(e.stored_version == 3);
    CHECK(e.latest_version == 2);
    CHECK(e.offset == 12);
    const std::string m = e.message();
    CHECK(contains(m, "uplift_test.Widget: too new"));
    CHECK(contains(m, "(stored v3, latest v2, at byte 12)"));
  }
  SUBCASE("too new for read_as_latest: the minimum reader version at byte 14") {
    auto r = uplift::read<WidgetUpToV2>(uplift::bytes_view(record_of_v3()),
                                        {.newer = uplift::newer_policy::read_as_latest});
    REQUIRE_FALSE(r);
    const std::string m = r.error().message();
    CHECK(contains(m, "(stored v3, latest v2, at byte 14)"));
    CHECK(contains(m, "its minimum reader version is v3"));
  }
  SUBCASE("unknown version: the oldest version this binary reads") {
    auto r = uplift::read<WidgetFromV2>(uplift::bytes_view(record_of_v1()));
    REQUIRE_FALSE(r);
    const std::string m = r.error().message();
    CHECK(contains(m, "uplift_test.Widget: unknown version"));
    CHECK(contains(m, "(stored v1, latest v3, at byte 12)"));
    CHECK(contains(m, "the oldest version this binary reads is v2"));
  }
  SUBCASE("truncated header: the input length") {
    auto r = uplift::read<W>(uplift::bytes_view(first(record_of_v1(), 9)));
    REQUIRE_FALSE(r);
    const uplift::error& e = r.error();
    CHECK(e.record() == "uplift_test.Widget");
    CHECK(e.offset == 9);
    CHECK(contains(e.message(), "uplift_test.Widget: truncated header"));
    CHECK(contains(e.message(), "at byte 9"));
  }
  SUBCASE("invalid minimum reader version: the stored version is known") {
    auto r = uplift::read<W>(uplift::bytes_view(with_u16(record_of_v3(), 14, 0)));
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message(), "(stored v3, latest v3, at byte 14)"));
  }
  SUBCASE("verification failure: the stored version") {
    const bytes v1 = record_of_v1();
    auto r = uplift::read<W>(uplift::bytes_view(with_u32(v1, layout_of(v1).name_length, 0x10000)));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::verify_failed);
    CHECK(contains(r.error().message(), "uplift_test.Widget: verification failed"));
    CHECK(contains(r.error().message(), "stored v1, latest v3"));
  }
}

TEST_CASE("with verification off a valid record still reads") {
  const uplift::options no_verify{.verify = false};
  for (const bytes& rec : {record_of_v1(), record_of_v3()}) {
    auto expected = uplift::read_object<W>(uplift::bytes_view(rec));
    auto object = uplift::read_object<W>(uplift::bytes_view(rec), no_verify);
    auto v = uplift::read<W>(uplift::bytes_view(rec), no_verify);
    REQUIRE(expected);
    REQUIRE(object);
    REQUIRE(v);
    CHECK(*object == *expected);
    CHECK((*v)->id() == expected->id);
    CHECK((*v)->label()->str() == expected->label);
  }
}

TEST_CASE("with verification off a root offset past the end is still rejected as truncated") {
  const uplift::options no_verify{.verify = false};
  for (const bytes& rec : {record_of_v1(), record_of_v3()}) {
    const std::uint32_t payload_size = static_cast<std::uint32_t>(rec.size() - uplift::header_size);
    // The last root offset that leaves room for a table's 4-byte vtable offset is size - 4.
    for (std::uint32_t root : {payload_size - 3, payload_size, 0xFFFFFFF0u}) {
      CAPTURE(root);
      const bytes bad = with_u32(rec, uplift::header_size, root);
      auto v = uplift::read<W>(uplift::bytes_view(bad), no_verify);
      auto object = uplift::read_object<W>(uplift::bytes_view(bad), no_verify);
      REQUIRE_FALSE(v);
      REQUIRE_FALSE(object);
      CHECK(v.error().code == errc::truncated_payload);
      CHECK(object.error().code == errc::truncated_payload);
      CHECK(v.error().offset == uplift::header_size);
    }
    // A payload too short for a root offset and a vtable offset is rejected the same way.
    auto tiny = uplift::read<W>(uplift::bytes_view(first(rec, uplift::header_size + 4)), no_verify);
    REQUIRE_FALSE(tiny);
    CHECK(tiny.error().code == errc::truncated_payload);
  }
}

#if defined(__cpp_exceptions)
TEST_CASE("value() on an error throws bad_result_access carrying the error") {
  auto r = uplift::read<W>(uplift::bytes_view(with_u32(record_of_v1(), 8, 12345)));
  REQUIRE_FALSE(r);
  bool thrown = false;
  try {
    (void)r.value();
  } catch (const uplift::bad_result_access& ex) {
    thrown = true;
    CHECK(ex.error().code == errc::wrong_record_type);
    CHECK(ex.error().record() == "uplift_test.Widget");
    CHECK(ex.error().offset == 8);
    CHECK(std::string(ex.what()) == r.error().message());
  }
  CHECK(thrown);

  uplift::status failed = errc::range_error;
  CHECK_THROWS_AS(failed.value(), uplift::bad_result_access);
  uplift::status ok;
  CHECK_NOTHROW(ok.value());
}
#endif
