#pragma once
// The bad-input catalogue: every kind of malformed record a reader meets, each named, with the
// exact error it must give. Run by tests/test_bad_input.cpp (which also bounds each case's time
// and allocations), and written out as fuzz seeds by tests/fuzz/make_seeds.cpp. The records are
// the shipped demo.User (schemas/user) and, for vectors and nested tables, the test Widget.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/uplift.hpp>

#include "user_uplift_json.hpp"
#include "widget_record.hpp"
#include "widget_uplift_json.hpp"

namespace uplift_catalogue {

using uplift::errc;

/// demo.User after v1 was retired: a binary that reads v2..v3 only.
struct UserFromV2 {
  static constexpr std::string_view name = demo::User::name;
  static constexpr std::uint32_t type_id = demo::User::type_id;
  using versions = uplift::versions<uplift::version<2, demo::v2::User>,
                                    uplift::version<3, demo::v3::User>>;
  static constexpr auto upgrades = uplift::steps(uplift::upgrade_step<2>(
      static_cast<uplift::status (*)(const demo::v2::UserT&, demo::v3::UserT&)>(
          &demo::uplift_steps_User::up)));
};

/// Which binary reads a case.
enum class reader {
  user,          ///< demo.User, v1..v3
  user_from_v2,  ///< demo.User with v1 retired
  widget,        ///< uplift_test.Widget, v1..v3
};

/// The form of a case's input.
enum class form {
  binary,  ///< a binary record, read by read<R> and read_object<R> (with `read`'s options)
  json,    ///< a JSON document, read by read_json<R> (with `json`'s options)
  row,     ///< a stored row of a detect column, rewritten at the latest version by the record
           ///< handle (codec<R>::make(json).json_handle().rewrite_row): JSON or binary
};

/// Marks an error offset that is not checked (JSON errors give a path instead).
inline constexpr std::size_t any_offset = static_cast<std::size_t>(-2);

struct bad_input {
  std::string name;
  form as = form::binary;
  std::string input;                   ///< the record's bytes, or the JSON text
  errc code = errc::ok;                ///< the error it must give; errc::ok: it must read
  std::size_t offset = any_offset;     ///< binary: the error's byte offset
  std::string path{};                  ///< JSON: the error's path ("" for none; a row: not checked)
  std::string says{};                  ///< words the error's message() must contain
  reader by = reader::user;
  uplift::options read{};
  uplift::options json{};
};

// ---- valid records to start from -------------------------------------------------------------

inline demo::v1::UserT user_v1() {
  demo::v1::UserT u;
  u.id = 1;
  u.name = "Ada Lovelace";
  u.email = "ada@example.com";
  u.age = 36;
  return u;
}
inline demo::v2::UserT user_v2() {
  demo::v2::UserT u;
  u.id = 2;
  u.full_name = "Grace Brewster Hopper";
  u.email = "grace@example.com";
  u.age = 85;
  u.created_at = 1'700'000'000;
  return u;
}
inline demo::v3::UserT user_v3() {
  demo::v3::UserT u;
  u.id = 3;
  u.given_name = "Alan";
  u.family_name = "Turing";
  u.email = "alan@example.org";
  u.age = 41;
  u.created_at = 1'700'003'600;
  return u;
}

inline std::string as_string(uplift::bytes_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
/// The demo.User records of every version, oldest first.
inline std::vector<std::string> user_records() {
  return {as_string(uplift::write<demo::User>(user_v1()).span()),
          as_string(uplift::write<demo::User>(user_v2()).span()),
          as_string(uplift::write<demo::User>(user_v3()).span())};
}
/// The demo.User JSON documents of every version, oldest first.
inline std::vector<std::string> user_documents() {
  return {uplift::write_json<demo::User>(user_v1()).value(),
          uplift::write_json<demo::User>(user_v2()).value(),
          uplift::write_json<demo::User>(user_v3()).value()};
}

inline std::string repeat(std::string_view part, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += part;
  return out;
}

// ---- byte surgery ----------------------------------------------------------------------------

inline std::string with_u16(std::string b, std::size_t at, std::uint16_t v) {
  b.at(at) = static_cast<char>(v & 0xFF);
  b.at(at + 1) = static_cast<char>(v >> 8);
  return b;
}
inline std::string with_u32(std::string b, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b.at(at + i) = static_cast<char>((v >> (8 * i)) & 0xFF);
  return b;
}
inline std::uint32_t u32_at(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(b.at(at + i))) << (8 * i);
  return v;
}
/// The byte offset in record `rec` of the object `p` points to inside its payload.
inline std::size_t offset_in(const std::string& rec, const void* p) {
  return static_cast<std::size_t>(static_cast<const char*>(p) - rec.data());
}

/// The error a record cut to `n` bytes gives, by the documented order of checks: no bytes; a
/// header shorter than 16 bytes; a payload shorter than 8 bytes or not a multiple of 8; a root
/// offset past the payload; else the verifier finds what is missing.
inline bad_input cut(const std::string& name, const std::string& rec, std::size_t n) {
  bad_input c{name, form::binary, rec.substr(0, n)};
  const std::size_t p = n < uplift::header_size ? 0 : n - uplift::header_size;
  if (n == 0) {
    c.code = errc::empty_input;
    c.offset = 0;
  } else if (n < uplift::header_size) {
    c.code = errc::truncated_header;
    c.offset = n;
  } else if (p < 8 || p % 8 != 0) {
    c.code = errc::truncated_payload;
    c.offset = n;
  } else if (u32_at(rec, uplift::header_size) > p - 4) {
    c.code = errc::truncated_payload;
    c.offset = uplift::header_size;
    c.says = "the root offset";
  } else {
    c.code = errc::verify_failed;
  }
  return c;
}

// ---- the catalogue ---------------------------------------------------------------------------

inline void add_binary_cases(std::vector<bad_input>& out) {
  const std::vector<std::string> recs = user_records();
  const std::string& v1 = recs[0];
  const std::string& v3 = recs[2];
  const std::size_t payload = uplift::header_size;
  auto add = [&](bad_input c) { out.push_back(std::move(c)); };

  add({"empty input", form::binary, "", errc::empty_input, 0});
  for (std::size_t v = 0; v < recs.size(); ++v)
    for (std::size_t n = 0; n < recs[v].size(); ++n)
      add(cut("v" + std::to_string(v + 1) + " record cut to " + std::to_string(n) + " bytes",
              recs[v], n));

  add({"wrong magic", form::binary, "XPLF" + v3.substr(4), errc::bad_magic, 0, {}, "\"UPLF\""});
  add({"wrong magic in its last byte", form::binary, "UPLG" + v3.substr(4), errc::bad_magic, 3});
  add({"a FlatBuffer without a header", form::binary, v3.substr(payload), errc::bad_magic, 0});
  add({"JSON given to the binary reader", form::binary, R"({"_v":3,"id":1})", errc::bad_magic, 0});
  add({"header format 2", form::binary, with_u16(v3, 4, 0x1002), errc::unsupported_header, 4});
  add({"header size 12", form::binary, with_u16(v3, 4, 0x0C01), errc::unsupported_header, 5});
  add({"header size beyond the input", form::binary, with_u16(v3, 4, 0xF801),
       errc::truncated_header, v3.size()});
  add({"other record type", form::binary,
       as_string(uplift::write<uplift_test::Widget>(uplift_test::v3::WidgetT{}).span()),
       errc::wrong_record_type, 8, {}, "expected " + std::to_string(demo::User::type_id)});
  add({"version 0", form::binary, with_u16(v3, 12, 0), errc::invalid_version, 12});
  add({"minimum reader version 0", form::binary, with_u16(v3, 14, 0), errc::invalid_version, 14});
  add({"minimum reader version above the version", form::binary, with_u16(v1, 14, 2),
       errc::invalid_version, 14});
  {
    bad_input c{"unknown version: v1 read by a binary that retired it", form::binary, v1,
                errc::unknown_version, 12, {}, "the oldest version this binary reads is v2"};
    c.by = reader::user_from_v2;
    add(c);
  }
  add({"version 65535", form::binary, with_u16(v3, 12, 0xFFFF), errc::too_new, 12, {},
       "stored v65535, latest v3"});
  add({"version 65535 read permissively", form::binary,
       with_u16(with_u16(v3, 12, 0xFFFF), 14, 0xFFFF), errc::too_new, 14, {},
       "its minimum reader version is v65535", reader::user,
       {.newer = uplift::newer_policy::read_as_latest}});
  const std::string v4_min3 = with_u16(with_u16(v3, 12, 4), 14, 3);
  const std::string v4_min4 = with_u16(v4_min3, 14, 4);
  add({"too new (v4, minimum reader v3), rejected by default", form::binary, v4_min3,
       errc::too_new, 12, {}, "newer_policy::read_as_latest"});
  add({"too new (v4, minimum reader v3), read permissively", form::binary, v4_min3, errc::ok,
       any_offset, {}, {}, reader::user, {.newer = uplift::newer_policy::read_as_latest}});
  add({"too new (v4, minimum reader v4), read permissively", form::binary, v4_min4,
       errc::too_new, 14, {}, "its minimum reader version is v4", reader::user,
       {.newer = uplift::newer_policy::read_as_latest}});

  // Offsets inside the v3 payload, found by parsing it.
  const auto* u = flatbuffers::GetRoot<demo::v3::User>(v3.data() + payload);
  const std::size_t root_table = payload + u32_at(v3, payload);
  const std::size_t email_length = offset_in(v3, u->email());
  add({"root offset past the payload", form::binary,
       with_u32(v3, payload, static_cast<std::uint32_t>(v3.size())), errc::truncated_payload,
       payload, {}, "the root offset"});
  add({"root offset 0xFFFFFFFF", form::binary, with_u32(v3, payload, 0xFFFFFFFFu),
       errc::truncated_payload, payload});
  add({"root offset not 4-byte aligned", form::binary, with_u32(v3, payload, 1),
       errc::verify_failed});
  add({"vtable offset pointing past the end", form::binary,
       with_u32(v3, root_table, static_cast<std::uint32_t>(-4096)), errc::verify_failed, any_offset,
       {}, "not a valid FlatBuffer of its stored version"});
  add({"vtable offset pointing before the buffer", form::binary,
       with_u32(v3, root_table, static_cast<std::uint32_t>(root_table + 64)), errc::verify_failed});
  add({"vtable offset 0x7FFFFFFF", form::binary, with_u32(v3, root_table, 0x7FFFFFFFu),
       errc::verify_failed});
  add({"vtable offset -0x80000000", form::binary, with_u32(v3, root_table, 0x80000000u),
       errc::verify_failed});
  {
    // The vtable's own size and the table size it claims, larger than the payload.
    const std::size_t vtable = root_table - static_cast<std::int32_t>(u32_at(v3, root_table));
    add({"vtable size beyond the buffer", form::binary, with_u16(v3, vtable, 0xFFFE),
         errc::verify_failed});
    // FlatBuffers never reads a table's inline size: each field is checked on its own, and
    // every one of them is in the buffer. The record reads as it was written.
    add({"table size beyond the buffer (never read)", form::binary,
         with_u16(v3, vtable + 2, 0xFFFC), errc::ok});
    add({"field offset in the vtable pointing past the end", form::binary,
         with_u16(v3, vtable + 4, 0xFFF0), errc::verify_failed});
  }
  {
    // A v2 payload under a v1 header: v1's verifier does not know created_at (slot 4), but the
    // v2 accessor that wire-compatible reading goes through reads it. Pointing it past the end
    // must fail verification, not read outside the buffer.
    const std::string& v2 = recs[1];
    const std::size_t table = payload + u32_at(v2, payload);
    const std::size_t vtable = table - static_cast<std::int32_t>(u32_at(v2, table));
    const std::string as_v1 = with_u16(v2, 12, 1);
    add({"v1 record with a field only v2 knows (read through v2's accessor)", form::binary,
         as_v1, errc::ok});
    add({"v1 record with a field only v2 knows, its offset past the end", form::binary,
         with_u16(as_v1, vtable + 4 + 2 * 4, 0xFFF0), errc::verify_failed});
  }
  add({"string offset pointing outside the buffer", form::binary,
       with_u32(v3, offset_in(v3, u) + 4, 0x7FFFFFF0u), errc::verify_failed});
  add({"string with length 0x7FFFFFFF", form::binary, with_u32(v3, email_length, 0x7FFFFFFFu),
       errc::verify_failed});
  add({"string with length 0xFFFFFFFF", form::binary, with_u32(v3, email_length, 0xFFFFFFFFu),
       errc::verify_failed});
  {
    std::string no_terminator = v3;
    no_terminator.at(email_length + 4 + u->email()->size()) = 'x';
    add({"string without its terminator", form::binary, no_terminator, errc::verify_failed});
  }

  // Vectors and nested tables: the Widget (v3 has [string] tags and [Part] parts).
  uplift_test::v3::WidgetT wt;
  wt.label = "w";
  wt.tags = {"a", "b"};
  for (int i = 0; i < 2; ++i) {
    auto part = std::make_unique<uplift_test::v3::PartT>();
    part->name = "p";
    wt.parts.push_back(std::move(part));
  }
  const std::string w = as_string(uplift::write<uplift_test::Widget>(wt).span());
  const auto* wr = flatbuffers::GetRoot<uplift_test::v3::Widget>(w.data() + payload);
  const std::size_t tags_length = offset_in(w, wr->tags());
  const std::size_t parts_length = offset_in(w, wr->parts());
  for (std::uint32_t n : {0x10000u, 0x3FFFFFFFu, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    bad_input c{"vector of strings with length " + std::to_string(n), form::binary,
                with_u32(w, tags_length, n), errc::verify_failed};
    c.by = reader::widget;
    add(c);
    bad_input t{"vector of tables with length " + std::to_string(n), form::binary,
                with_u32(w, parts_length, n), errc::verify_failed};
    t.by = reader::widget;
    add(t);
  }
  {
    bad_input c{"nesting beyond the verifier's limit (tables in a vector at max_depth 1)",
                form::binary, w, errc::verify_failed};
    c.by = reader::widget;
    c.read.max_depth = 1;
    add(c);
    bad_input m{"more tables than the verifier's limit (3 tables at max_tables 2)", form::binary,
                w, errc::verify_failed};
    m.by = reader::widget;
    m.read.max_tables = 2;
    add(m);
    bad_input ok{"the same nesting within the limit reads", form::binary, w, errc::ok};
    ok.by = reader::widget;
    ok.read.max_depth = 2;
    add(ok);
  }
  // Misaligned input: every case is also read from an odd address (test_bad_input.cpp); these
  // name it for the valid records.
  for (std::size_t v = 0; v < recs.size(); ++v)
    add({"v" + std::to_string(v + 1) + " record (also read from an odd address)", form::binary,
         recs[v], errc::ok});
}

inline void add_json_cases(std::vector<bad_input>& out) {
  const std::vector<std::string> docs = user_documents();
  auto add = [&](std::string name, std::string text, errc code, std::string path,
                 std::string says = {}) {
    out.push_back({std::move(name), form::json, std::move(text), code, any_offset, std::move(path),
                   std::move(says)});
  };
  add("JSON: empty", "", errc::empty_input, "");
  add("JSON: only spaces", "   ", errc::empty_input, "$");
  for (std::size_t v = 0; v < docs.size(); ++v)
    for (std::size_t n = 1; n < docs[v].size(); ++n)
      add("JSON: v" + std::to_string(v + 1) + " document cut to " + std::to_string(n) + " bytes",
          docs[v].substr(0, n), errc::malformed_json, "$");
  add("JSON: malformed, a missing value", R"({"_v":3,"email":})", errc::malformed_json, "$.email");
  add("JSON: malformed, a missing comma", R"({"_v":3 "email":"x"})", errc::malformed_json, "$");
  add("JSON: malformed, a trailing comma", R"({"_v":3,"email":"x",})", errc::malformed_json, "$");
  add("JSON: malformed, single quotes", R"({'_v':3})", errc::malformed_json, "$");
  add("JSON: malformed, trailing text", R"({"_v":3} x)", errc::malformed_json, "$");
  add("JSON: malformed, two documents", R"({"_v":3}{"_v":3})", errc::malformed_json, "",
      "text after the end");
  add("JSON: malformed, a bad escape", R"({"_v":3,"email":"\q"})", errc::malformed_json,
      "$.email");
  add("JSON: malformed, a bad escape in a key", R"({"_v":3,"e\mail":"x"})", errc::malformed_json,
      "$", "at byte 9");
  add("JSON: malformed, a bad escape in a key of an older version",
      R"({"_v":2,"full_n\me":"x"})", errc::malformed_json, "$", "at byte 9");
  add("JSON: malformed, a lone surrogate", R"({"_v":3,"email":"\ud800"})", errc::malformed_json,
      "$.email");
  add("JSON: malformed, a NUL byte", std::string("{\"_v\":3,\0}", 10), errc::malformed_json, "$");
  add("JSON: not an object", "[1,2]", errc::json_type_mismatch, "$");
  add("JSON: a bare number", "3", errc::json_type_mismatch, "$");
  const std::string arrays = std::string(10000, '[') + std::string(10000, ']');
  add("JSON: 10,000 levels of arrays at the root", arrays, errc::json_type_mismatch, "$");
  add("JSON: 10,000 levels of arrays in an unknown key",
      R"({"_v":3,"zzz":)" + arrays + "}", errc::too_deep, "$.zzz" + repeat("[0]", 63), "max_depth");
  add("JSON: 10,000 levels of arrays in a known key",
      R"({"_v":3,"email":)" + arrays + "}", errc::json_type_mismatch, "$.email");
  std::string objects = R"({"_v":3,"zzz":)";
  for (int i = 0; i < 10000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(10000, '}') + "}";
  add("JSON: 10,000 levels of objects in an unknown key", objects, errc::too_deep,
      "$.zzz" + repeat(".a", 63));
  add("JSON: 10,000 unclosed brackets", R"({"_v":3,"zzz":)" + std::string(10000, '['),
      errc::malformed_json, "$");
  add("JSON: an id above 2^64", R"({"_v":3,"id":18446744073709551616})", errc::range_error,
      "$.id");
  add("JSON: a 400-digit id", R"({"_v":3,"id":)" + std::string(400, '9') + "}", errc::range_error,
      "$.id");
  add("JSON: a negative id", R"({"_v":3,"id":-1})", errc::range_error, "$.id");
  add("JSON: an age above 2^31", R"({"_v":3,"age":2147483648})", errc::range_error, "$.age");
  add("JSON: a v1 age above 2^15", R"({"_v":1,"age":32768})", errc::range_error, "$.age");
  add("JSON: a fractional age", R"({"_v":3,"age":1.5})", errc::json_type_mismatch, "$.age");
  add("JSON: an exponent of 400", R"({"_v":3,"created_at":1e400})", errc::json_type_mismatch,
      "$.created_at");
  add("JSON: a huge number in an unknown key", R"({"_v":3,"zzz":1e999999})", errc::ok, "");
  add("JSON: invalid UTF-8 in a value", "{\"_v\":3,\"email\":\"\xff\"}", errc::invalid_utf8, "$");
  add("JSON: invalid UTF-8 in a key", "{\"_v\":3,\"e\xc3\x28\":1}", errc::invalid_utf8, "$");
  add("JSON: an overlong UTF-8 sequence", "{\"_v\":3,\"email\":\"\xc0\xaf\"}", errc::invalid_utf8,
      "$");
  add("JSON: a UTF-8 surrogate", "{\"_v\":3,\"email\":\"\xed\xa0\x80\"}", errc::invalid_utf8, "$");
  add("JSON: duplicate keys", R"({"_v":3,"email":"a","email":"b"})", errc::duplicate_key,
      "$.email", "keep one");
  add("JSON: duplicate version keys", R"({"_v":3,"_v":3})", errc::duplicate_key, "$._v");
  add("JSON: no version key", R"({"id":1})", errc::missing_version, "$", "default_version");
  for (const char* v : {"\"3\"", "3.0", "-3", "0", "null", "true", "[3]", "{}", "65536",
                        "99999999999999999999"})
    add(std::string("JSON: \"_v\" of ") + v, std::string(R"({"_v":)") + v + "}",
        errc::invalid_version, "$._v", "positive integer");
  add("JSON: \"_v\" of 4", R"({"_v":4})", errc::too_new, "$._v", "stored v4, latest v3");
  add("JSON: \"_v\" of 65535", R"({"_v":65535})", errc::too_new, "$._v");
  add("JSON: a string where a number goes", R"({"_v":3,"id":"4"})", errc::json_type_mismatch,
      "$.id");
  add("JSON: an object where a string goes", R"({"_v":3,"email":{}})", errc::json_type_mismatch,
      "$.email");
  for (std::size_t v = 0; v < docs.size(); ++v)
    add("JSON: v" + std::to_string(v + 1) + " document", docs[v], errc::ok, "");
}

/// Binary rows written before uplift: plain FlatBuffers without uplift's header, read by each
/// `options::untagged` rule.
inline void add_legacy_cases(std::vector<bad_input>& out) {
  const std::vector<std::string> recs = user_records();
  std::vector<std::string> plain;
  for (const std::string& r : recs) plain.push_back(r.substr(uplift::header_size));
  using uplift::untagged_binary;
  const uplift::options by_shape{.untagged = untagged_binary::by_shape};
  auto add = [&](std::string name, std::string input, errc code, uplift::options o,
                 std::string says = {}, std::size_t offset = any_offset) {
    bad_input c{"legacy: " + std::move(name), form::binary, std::move(input), code, offset, {},
                std::move(says)};
    c.read = std::move(o);
    out.push_back(std::move(c));
  };
  for (std::size_t v = 0; v < plain.size(); ++v)
    add("a v" + std::to_string(v + 1) + " FlatBuffer without a header, read by its shape",
        plain[v], errc::ok, by_shape);
  add("a v1 FlatBuffer, read as v1", plain[0], errc::ok,
      {.untagged = untagged_binary::as_version, .untagged_version = 1});
  add("a v1 FlatBuffer, refused by default", plain[0], errc::bad_magic, {}, "untagged", 0);
  add("a v3 FlatBuffer cut in half, read by its shape", plain[2].substr(0, plain[2].size() / 2),
      errc::verify_failed, by_shape);
  add("8 bytes that are not a FlatBuffer, read by its shape", "not flat", errc::unknown_version,
      by_shape, "not shaped like a FlatBuffer");
  add("a root offset past the end, read by its shape", with_u32(plain[2], 0, 0x7FFFFFF0),
      errc::unknown_version, by_shape, "not shaped like a FlatBuffer");
  add("a root offset that is not a multiple of 4, read by its shape", with_u32(plain[2], 0, 5),
      errc::unknown_version, by_shape, "not shaped like a FlatBuffer");
  add("fewer than 8 bytes, read by its shape", "abc", errc::unknown_version, by_shape);
  add("a v3 FlatBuffer read as v7", plain[2], errc::invalid_option,
      {.untagged = untagged_binary::as_version, .untagged_version = 7}, "untagged_version");
  add("a v3 FlatBuffer read as v0", plain[2], errc::invalid_option,
      {.untagged = untagged_binary::as_version, .untagged_version = 0}, "untagged_version");
  add("by_sniffer without a sniffer", plain[2], errc::invalid_option,
      {.untagged = untagged_binary::by_sniffer}, "untagged_sniffer");
  add("a sniffer while untagged buffers are refused", plain[2], errc::invalid_option,
      {.untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 3; }},
      "by_sniffer");
  add("a sniffer that cannot tell", plain[2], errc::unknown_version,
      {.untagged = untagged_binary::by_sniffer,
       .untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 0; }},
      "could not tell");
  add("a sniffer that returns v9", plain[2], errc::too_new,
      {.untagged = untagged_binary::by_sniffer,
       .untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 9; }},
      "returned v9, which is not one of v1..v3: it must return one of those");
  add("a sniffer that returns v3 for a v1 buffer whose fields v3 cannot verify", plain[0],
      errc::verify_failed,
      {.untagged = untagged_binary::by_sniffer,
       .untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 3; }});
  add("a sniffer that sees the v2 field", plain[1], errc::ok,
      {.untagged = untagged_binary::by_sniffer,
       .untagged_sniffer = [](const uplift::binary_shape& b) -> std::uint16_t {
         return b.has(demo::v2::User::VT_CREATED_AT) ? 2 : 0;
       }});
  {
    // A v1 buffer whose age was left at its default holds slots 0..2 only: the slots of every
    // version, where v3 reads slot 2 as family_name and v1 and v2 as email.
    demo::v1::UserT u = user_v1();
    u.age = 0;
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(demo::v1::User::Pack(fbb, &u));
    add("a v1 FlatBuffer whose fields every version holds, read by its shape",
        std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()),
        errc::ambiguous_version, by_shape, "v1");
  }
}

/// Stored rows of a detect column, JSON or binary, through the record handle.
inline void add_row_cases(std::vector<bad_input>& out) {
  const std::vector<std::string> recs = user_records();
  const std::vector<std::string> docs = user_documents();
  auto add = [&](std::string name, std::string input, errc code, uplift::options o = {},
                 std::string says = {}, std::string path = {}) {
    bad_input c{"row: " + std::move(name), form::row, std::move(input), code, any_offset,
                std::move(path), std::move(says)};
    c.json = std::move(o);
    out.push_back(std::move(c));
  };
  for (std::size_t v = 0; v < docs.size(); ++v)
    add("a v" + std::to_string(v + 1) + " JSON row", docs[v], errc::ok);
  for (std::size_t v = 0; v < recs.size(); ++v)
    add("a v" + std::to_string(v + 1) + " binary row", recs[v], errc::ok);
  add("a JSON row after whitespace", " \n\t" + docs[0], errc::ok);
  add("a JSON row whose version key comes first at v3 is current, the rest unread",
      R"({"_v":3,"email":)", errc::ok);
  add("a JSON row at v2 cut short", R"({"_v":2,"email":)", errc::malformed_json, {}, {}, "$");
  add("a JSON row without the version key", R"({"id":1})", errc::missing_version, {},
      "default_version", "$");
  add("a JSON row without the version key, read as v1", R"({"id":1,"name":"Ada"})", errc::ok,
      {.default_version = 1});
  add("a JSON row with the version key last, malformed before it", R"({"id":1,,"_v":1})",
      errc::malformed_json);
  add("a JSON row at v4, newer than this binary, is current: left as it is", R"({"_v":4})",
      errc::ok);
  add("a JSON row at v0", R"({"_v":0})", errc::invalid_version, {}, "positive integer", "$._v");
  add("a JSON row whose version is a string", R"({"_v":"3"})", errc::invalid_version, {},
      "positive integer", "$._v");
  add("a JSON row with two version keys", R"({"_v":1,"_v":3})", errc::duplicate_key, {}, {},
      "$._v");
  add("a JSON row whose field has the wrong type", R"({"_v":1,"age":"old"})",
      errc::json_type_mismatch, {}, {}, "$.age");
  add("a JSON row at v1 whose age does not fit", R"({"_v":1,"age":40000})", errc::range_error,
      {}, {}, "$.age");
  add("a row that starts with '{' and holds a NUL byte is binary", std::string("{\0\0\0UPLF", 8),
      errc::bad_magic);
  add("an empty row", "", errc::empty_input);
  add("a row of spaces", "   ", errc::bad_magic);
  add("a binary row of another record type",
      as_string(uplift::write<uplift_test::Widget>(uplift_test::v3::WidgetT{}).span()),
      errc::wrong_record_type);
  add("a binary row at v65535, newer than this binary, is current: left as it is",
      with_u16(recs[2], 12, 0xFFFF), errc::ok);
  add("a binary row without a header, refused", recs[2].substr(uplift::header_size),
      errc::bad_magic);
  add("a binary row without a header, read by its shape", recs[1].substr(uplift::header_size),
      errc::ok, {.untagged = uplift::untagged_binary::by_shape});
  add("a JSON array row", "[1]", errc::bad_magic);
}

/// Every case of the catalogue.
inline std::vector<bad_input> catalogue() {
  std::vector<bad_input> out;
  add_binary_cases(out);
  add_json_cases(out);
  add_legacy_cases(out);
  add_row_cases(out);
  return out;
}

}  // namespace uplift_catalogue
