// The record handle (codec<R>::handle()): the one door the row engine (backfill, read-repair,
// histograms) takes into a record type. Every row of the demo record demo.User (v1 -> v2
// wire-compatible, v2 -> v3 through a hook) is peeked and rewritten to every target, and every
// kind of bad row gives its error, with the code and the stored version the backfill quarantines.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <uplift/record_handle.hpp>
#include <uplift/uplift.hpp>

#include "user_uplift.hpp"

namespace {

using User = demo::User;
using uplift::errc;
using uplift::rewrite_outcome;

/// User i as a release writing `version` stored it; the same person at every version.
std::string user_at(int i, std::uint16_t version) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = "Grace Brewster";
  u.family_name = "Hopper";
  u.email = "user" + std::to_string(i) + "@example.com";
  u.age = 85;
  u.created_at = version >= 2 ? 1'700'000'000 + i : 0;
  auto c = uplift::codec<User>::make({.write_version = version}).value();
  return std::string(c.write(u).value().as_string_view());
}

/// The record read as the latest version: what a row means, whatever version it is stored at.
demo::v3::UserT meaning(const std::string& row) {
  auto o = uplift::read_object<User>(row);
  REQUIRE(o);
  return *o;
}

const uplift::record_handle handle = uplift::codec<User>().handle();

}  // namespace

TEST_CASE("record handle: names the record, its versions and the codec's write version and options") {
  CHECK(handle.name() == "demo.User");
  CHECK(handle.type_id() == uplift::type_id_of("demo.User"));
  CHECK(handle.first_version() == 1);
  CHECK(handle.latest_version() == 3);
  CHECK(handle.write_version() == 3);

  auto c = uplift::codec<User>::make({.verify = false, .write_version = 2}).value();
  const uplift::record_handle mid_rollout = c;  // the implicit conversion
  CHECK(mid_rollout.write_version() == 2);
  CHECK_FALSE(mid_rollout.options().verify);
  // A handle keeps the write version it was made with; a new one follows the flip.
  REQUIRE(c.set_write_version(3));
  CHECK(mid_rollout.write_version() == 2);
  CHECK(c.handle().write_version() == 3);
}

TEST_CASE("record handle: can_write says which versions a codec can be made to write") {
  for (std::uint16_t v = 1; v <= 5; ++v) {
    CAPTURE(v);
    CHECK(handle.can_write(v) == static_cast<bool>(uplift::codec<User>::make({.write_version = v})));
  }
  CHECK_FALSE(handle.can_write(0));
}

TEST_CASE("record handle: peek reads the header of a row at every version") {
  for (std::uint16_t v = 1; v <= 3; ++v) {
    CAPTURE(v);
    auto h = handle.peek(uplift::as_bytes_view(user_at(1, v)));
    REQUIRE(h);
    CHECK(h->version == v);
    CHECK(h->type_id == handle.type_id());
  }
}

TEST_CASE("record handle: a row below the target is rewritten at the target, appended, the same person") {
  for (std::uint16_t stored = 1; stored <= 3; ++stored) {
    for (std::uint16_t target = stored + 1; target <= 3; ++target) {
      CAPTURE(stored);
      CAPTURE(target);
      const std::string row = user_at(7, stored);
      std::string out = "kept";  // rewrite appends: what `out` held stays in front
      auto r = handle.rewrite(uplift::as_bytes_view(row), target, out);
      REQUIRE(r);
      CHECK(*r == rewrite_outcome::rewritten);
      REQUIRE(out.size() > 4);
      CHECK(out.compare(0, 4, "kept") == 0);
      const std::string rewritten = out.substr(4);
      auto h = uplift::peek(rewritten);
      REQUIRE(h);
      CHECK(h->version == target);
      CHECK(h->type_id == handle.type_id());
      CHECK(meaning(rewritten) == meaning(row));
    }
  }
}

TEST_CASE("record handle: a row at or above the target is current and out is left alone") {
  for (std::uint16_t stored = 1; stored <= 3; ++stored) {
    for (std::uint16_t target = 1; target <= stored; ++target) {
      CAPTURE(stored);
      CAPTURE(target);
      std::string out = "untouched";
      auto r = handle.rewrite(uplift::as_bytes_view(user_at(2, stored)), target, out);
      REQUIRE(r);
      CHECK(*r == rewrite_outcome::current);
      CHECK(out == "untouched");
    }
  }
  // A row a newer binary wrote (v4) is current too: it is never rewritten, so never written back.
  uplift::record_header h4;
  h4.type_id = handle.type_id();
  h4.version = 4;
  h4.min_reader_version = 4;
  const auto header = uplift::encode_header(h4);
  std::string v4(reinterpret_cast<const char*>(header.data()), header.size());
  v4.append(user_at(3, 3).substr(uplift::header_size));
  std::string out;
  auto r = handle.rewrite(uplift::as_bytes_view(v4), 3, out);
  REQUIRE(r);
  CHECK(*r == rewrite_outcome::current);
  CHECK(out.empty());
}

TEST_CASE("record handle: a row of another record type is an error naming the record, with the row's version") {
  std::string other = user_at(4, 2);
  other[8] = static_cast<char>(other[8] ^ 0x5a);  // the type id
  auto p = handle.peek(uplift::as_bytes_view(other));
  REQUIRE_FALSE(p);
  CHECK(p.error().code == errc::wrong_record_type);
  CHECK(p.error().stored_version == 2);
  CHECK(p.error().record() == "demo.User");
  std::string out = "untouched";
  auto r = handle.rewrite(uplift::as_bytes_view(other), 3, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::wrong_record_type);
  CHECK(r.error().stored_version == 2);
  CHECK(r.error().record() == "demo.User");
  CHECK(r.error().message().find("wrong record type") != std::string::npos);
  CHECK(out == "untouched");
}

TEST_CASE("record handle: a row without a valid header is an error naming the record, with no version") {
  const std::string v1 = user_at(5, 1);
  std::string zero_version = v1;
  zero_version[12] = zero_version[13] = '\0';
  const struct {
    const char* what;
    std::string row;
    errc code;
  } bad[] = {
      {"not a record", "not a record at all", errc::bad_magic},
      {"no bytes", "", errc::empty_input},
      {"a header cut short", v1.substr(0, 10), errc::truncated_header},
      {"version 0", zero_version, errc::invalid_version},
  };
  for (const auto& b : bad) {
    CAPTURE(b.what);
    auto p = handle.peek(uplift::as_bytes_view(b.row));
    REQUIRE_FALSE(p);
    CHECK(p.error().code == b.code);
    CHECK(p.error().record() == "demo.User");
    std::string out = "untouched";
    auto r = handle.rewrite(uplift::as_bytes_view(b.row), 3, out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == b.code);
    CHECK(r.error().stored_version == 0);  // what the backfill quarantines for a bad header
    CHECK(r.error().record() == "demo.User");
    CHECK(out == "untouched");
  }
}

TEST_CASE("record handle: a row whose payload is cut is an error with the version its header names") {
  for (std::uint16_t stored = 1; stored <= 2; ++stored) {
    CAPTURE(stored);
    std::string cut = user_at(6, stored);
    cut.resize(cut.size() - 8);
    std::string out = "untouched";
    auto r = handle.rewrite(uplift::as_bytes_view(cut), 3, out);
    REQUIRE_FALSE(r);
    CHECK((r.error().code == errc::truncated_payload || r.error().code == errc::verify_failed));
    CHECK(r.error().stored_version == stored);
    CHECK(r.error().record() == "demo.User");
    CHECK(out == "untouched");
  }
}

TEST_CASE("record handle: a target the record does not know is refused") {
  for (std::uint16_t target : {std::uint16_t{0}, std::uint16_t{4}}) {
    CAPTURE(target);
    std::string out = "untouched";
    auto r = handle.rewrite(uplift::as_bytes_view(user_at(8, 1)), target, out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_option);
    CHECK(r.error().message().find("v1..v3") != std::string::npos);  // what it can write
    CHECK(out == "untouched");
  }
}
