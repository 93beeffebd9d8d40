// Binary rows written before uplift: plain FlatBuffers without uplift's 16-byte header, read as a
// fixed version or by their shape (options::untagged, R::root_shapes from uplift-gen), and adopted
// by the backfill (rewritten with a header), in a column of their own or beside uplift records and
// JSON documents (value_format::detect).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>

#include "backfill_test_support.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace untagged_rows_test {  // named: the unity builds of the sanitizer runs put the test files together

using namespace store_test;
using namespace std::chrono_literals;
using User = demo::User;
using uplift::errc;
using uplift::untagged_binary;
using uplift::value_format;

/// The same person as each version's struct.
demo::v3::UserT person(int i, bool created) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = "Grace" + std::to_string(i);
  u.family_name = "Hopper";
  u.email = "user" + std::to_string(i) + "@example.com";
  u.age = 85;
  u.created_at = created ? 1'700'000'000 + i : 0;
  return u;
}

/// User i as plain FlatBuffers of `version`, as a program wrote it before it used uplift.
std::string plain(int i, std::uint16_t version, bool created = false) {
  auto c = uplift::codec<User>::make({.write_version = version}).value();
  const std::string rec(c.write(person(i, created)).value().as_string_view());
  return rec.substr(uplift::header_size);  // the payload alone: a plain FlatBuffer
}

/// A struct of some version as plain FlatBuffers of that version.
template <class T>
std::string plain_of(const T& obj) {
  return std::string(uplift::write<User>(obj).as_string_view()).substr(uplift::header_size);
}

/// A plain FlatBuffer with only id and name (empty strings and default scalars are left out):
/// every version's fields fit it, and v3 reads slot 1 as given_name whole where v1 and v2 split it
/// in two, so by shape it is ambiguous.
std::string ambiguous_plain() {
  demo::v1::UserT u;
  u.id = 9;
  u.name = "Grace Hopper";
  return plain_of(u);
}

/// Plain v3 User i (only v3's fields fit it) whose email field points far past the end: v3's
/// verifier refuses it.
std::string email_past_end(int i) {
  std::string cut = plain(i, 3, true);
  const std::uint32_t root = static_cast<std::uint8_t>(cut[0]) | static_cast<std::uint8_t>(cut[1]) << 8;
  cut[root + 4] = '\x7f';
  cut[root + 5] = '\x7f';
  return cut;
}

uplift::codec<User> reading_as(untagged_binary how, std::uint16_t version = 0) {
  return uplift::codec<User>::make({.untagged = how, .untagged_version = version}).value();
}

using backfill_test::quick;
using backfill_test::rows_of;


TEST_CASE("untagged rows: a plain FlatBuffer is refused by default and read as the fixed version when asked") {
  const std::string v1 = plain(7, 1);
  auto refused = uplift::read<User>(v1);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::bad_magic);

  auto c = reading_as(untagged_binary::as_version, 1);
  auto v = c.read(v1);
  REQUIRE_MESSAGE(v, v.error().message());
  CHECK(v->stored_version() == 1);
  auto obj = c.read_object(v1);
  REQUIRE(obj);
  CHECK(obj->given_name == "Grace7");  // through the v2 -> v3 hook
  CHECK(obj->email == "user7@example.com");
  // Written back, it has a header at the latest version.
  auto h = uplift::peek(v->bytes());
  REQUIRE(h);
  CHECK(h->version == 3);
  CHECK(*uplift::read_object<User>(v->bytes()) == *obj);

  auto bad = uplift::codec<User>::make({.untagged = untagged_binary::as_version, .untagged_version = 9});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_option);
}

TEST_CASE("untagged rows: by shape, a buffer only one version's fields fit is read as that version") {
  auto c = reading_as(untagged_binary::by_shape);
  const std::string v3 = plain(8, 3, true);  // all six slots: only v3 has them
  auto obj = c.read_object(v3);
  REQUIRE_MESSAGE(obj, obj.error().message());
  CHECK(*obj == person(8, true));
  auto v = uplift::record_reader<User>::untagged_version(uplift::as_bytes_view(v3), c.options());
  REQUIRE(v);
  CHECK(*v == 3);
}

TEST_CASE("untagged rows: a plain FlatBuffer aligned and padded to 8 is read in place, any other is copied first") {
  const std::string v3 = plain(9, 3, true);
  REQUIRE(v3.size() % 8 == 0);  // as uplift's writer pads a payload
  std::vector<std::uint64_t> aligned(v3.size() / 8);
  std::memcpy(aligned.data(), v3.data(), v3.size());
  const uplift::bytes_view in_place(reinterpret_cast<const std::uint8_t*>(aligned.data()), v3.size());
  std::vector<std::uint64_t> shifted_storage(v3.size() / 8 + 2);
  auto* shifted_at = reinterpret_cast<std::uint8_t*>(shifted_storage.data()) + 4;
  std::memcpy(shifted_at, v3.data(), v3.size());
  const uplift::bytes_view shifted(shifted_at, v3.size());
  for (untagged_binary how : {untagged_binary::as_version, untagged_binary::by_shape}) {
    auto c = reading_as(how, how == untagged_binary::as_version ? 3 : 0);
    auto a = c.read(in_place);
    REQUIRE_MESSAGE(a, a.error().message());
    CHECK(a->zero_copy());
    auto b = c.read(shifted);
    REQUIRE_MESSAGE(b, b.error().message());
    CHECK_FALSE(b->zero_copy());
    CHECK((**a).id() == 9u);
    CHECK((**b).id() == 9u);
    // Either one, written back, has a header at the latest version.
    CHECK(uplift::peek(a->bytes())->version == 3);
    CHECK(*uplift::read_object<User>(a->bytes()) == person(9, true));
    CHECK(*uplift::read_object<User>(b->bytes()) == person(9, true));
  }
}

TEST_CASE("untagged rows: by shape, a buffer that versions read differently is ambiguous, naming them") {
  auto c = reading_as(untagged_binary::by_shape);
  auto r = c.read_object(ambiguous_plain());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::ambiguous_version);
  CHECK(r.error().message().find("fit v1, v2, v3, which read it differently") != std::string::npos);
}

TEST_CASE("untagged rows: by shape, a version whose verifier refuses the buffer is no candidate") {
  // v2's slots are v3's first five, but v2's age is 16 bits and v3's 32: v3's verifier refuses
  // a v2 buffer, which is read as v2.
  auto c = reading_as(untagged_binary::by_shape);
  const std::string v2 = plain(9, 2, true);
  auto v = uplift::record_reader<User>::untagged_version(uplift::as_bytes_view(v2), c.options());
  REQUIRE_MESSAGE(v, v.error().message());
  CHECK(*v == 2);
  auto obj = c.read_object(v2);
  REQUIRE(obj);
  CHECK(*obj == person(9, true));
}

TEST_CASE("untagged rows: by shape, bytes no version fits and a buffer that fails its verifier are errors") {
  auto c = reading_as(untagged_binary::by_shape);
  auto text = c.read_object(std::string("not a FlatBuffer at all"));
  REQUIRE_FALSE(text);
  CHECK(text.error().code == errc::unknown_version);
  CHECK(text.error().message().find("without uplift's header") != std::string::npos);

  auto broken = c.read_object(email_past_end(8));
  REQUIRE_FALSE(broken);
  CHECK((broken.error().code == errc::verify_failed || broken.error().code == errc::truncated_payload));
}

/// A sniffer that tells v3 (which alone has created_at) from the rest, and says 0 otherwise.
std::uint16_t created_means_v3(const uplift::binary_shape& b) {
  return b.has(demo::v3::User::VT_CREATED_AT) ? 3 : 0;
}

TEST_CASE("untagged rows: the sniffer sees the root table's fields and the file_identifier bytes") {
  const std::string v3 = plain(8, 3, true);
  const uplift::binary_shape b(uplift::as_bytes_view(v3));
  CHECK(b.is_flatbuffer());
  CHECK(b.bytes().size() == v3.size());
  CHECK(b.file_identifier() == std::string_view(v3).substr(4, 4));
  for (auto field : {demo::v3::User::VT_ID, demo::v3::User::VT_GIVEN_NAME, demo::v3::User::VT_EMAIL,
                     demo::v3::User::VT_CREATED_AT})
    CHECK(b.has(field));
  CHECK_FALSE(b.has(demo::v3::User::VT_CREATED_AT + 2));  // past the table's last field
  CHECK_FALSE(b.has(5));                                  // no vtable offset is odd
  CHECK_FALSE(b.has(2));                                  // nor below 4
  const std::string v1 = plain(7, 1);
  CHECK_FALSE(uplift::binary_shape(uplift::as_bytes_view(v1)).has(demo::v3::User::VT_CREATED_AT));
  const std::string text = "not a FlatBuffer at all";
  const uplift::binary_shape t(uplift::as_bytes_view(text));
  CHECK_FALSE(t.is_flatbuffer());
  CHECK_FALSE(t.has(demo::v3::User::VT_ID));
  CHECK(uplift::binary_shape(uplift::as_bytes_view(std::string("1234567"))).file_identifier().empty());
}

TEST_CASE("untagged rows: a sniffer is asked before the rule, and when it cannot tell the rule decides") {
  int asked = 0;
  uplift::options o{.untagged = untagged_binary::as_version, .untagged_version = 1};
  o.untagged_sniffer = [&](const uplift::binary_shape& b) { return ++asked, created_means_v3(b); };
  auto c = uplift::codec<User>::make(o).value();
  const std::string v3 = plain(8, 3, true);
  auto a = c.read(v3);
  REQUIRE_MESSAGE(a, a.error().message());
  CHECK(a->stored_version() == 3);  // the sniffer's answer, not untagged_version
  CHECK(*c.read_object(v3) == person(8, true));
  const std::string v1 = plain(7, 1);
  auto b = c.read(v1);
  REQUIRE_MESSAGE(b, b.error().message());
  CHECK(b->stored_version() == 1);  // the sniffer said 0: untagged_version
  CHECK(asked == 3);
  // A record with uplift's header never reaches the sniffer.
  CHECK(c.read(uplift::write<User>(person(9, true)).as_string_view()));
  CHECK(asked == 3);

  // What the shapes cannot settle (id and name only: every version fits and reads it
  // differently), a sniffer can.
  const std::string bare = ambiguous_plain();
  REQUIRE(reading_as(untagged_binary::by_shape).read_object(bare).error().code == errc::ambiguous_version);
  uplift::options settled{.untagged = untagged_binary::by_shape};
  settled.untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 1; };
  auto obj = uplift::codec<User>::make(settled).value().read_object(bare);
  REQUIRE_MESSAGE(obj, obj.error().message());
  CHECK(obj->given_name == "Grace");  // v1's name, split by the v2 -> v3 hook
  CHECK(obj->family_name == "Hopper");
}

TEST_CASE("untagged rows: by_sniffer refuses what the sniffer cannot tell and a version the record lacks, with their reasons") {
  uplift::options o{.untagged = untagged_binary::by_sniffer};
  o.untagged_sniffer = created_means_v3;
  auto c = uplift::codec<User>::make(o).value();
  CHECK(c.read_object(plain(8, 3, true)).value() == person(8, true));
  auto unknown = c.read_object(plain(7, 1));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::unknown_version);
  CHECK(unknown.error().message().find(
            "a buffer without uplift's header: options::untagged_sniffer could not tell its version "
            "(it returned 0)") != std::string::npos);

  o.untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 9; };
  auto nine = uplift::codec<User>::make(o).value().read_object(plain(7, 1));
  REQUIRE_FALSE(nine);
  CHECK(nine.error().code == errc::too_new);  // newer than this binary, as a JSON sniffer's v9
  CHECK(nine.error().message().find("options::untagged_sniffer returned v9, which is not one of v1..v3") !=
        std::string::npos);

  // A wrong guess is checked as the version guessed: an error, not a crash.
  o.untagged_sniffer = [](const uplift::binary_shape&) -> std::uint16_t { return 1; };
  auto guessed = uplift::codec<User>::make(o).value().read_object(std::string("not a FlatBuffer at all"));
  REQUIRE_FALSE(guessed);
  CHECK((guessed.error().code == errc::verify_failed || guessed.error().code == errc::truncated_payload));
}

TEST_CASE("untagged rows: by_sniffer without a sniffer, or a sniffer the options refuse to ask, is an invalid option") {
  auto none = uplift::codec<User>::make({.untagged = untagged_binary::by_sniffer});
  REQUIRE_FALSE(none);
  CHECK(none.error().code == errc::invalid_option);
  CHECK(none.error().message().find("untagged_binary::by_sniffer reads the version options::untagged_sniffer returns: set it") !=
        std::string::npos);
  uplift::options refused{};
  refused.untagged_sniffer = created_means_v3;
  auto unasked = uplift::codec<User>::make(refused);
  REQUIRE_FALSE(unasked);
  CHECK(unasked.error().code == errc::invalid_option);
  CHECK(unasked.error().message().find("options::untagged_sniffer is set but options::untagged refuses") !=
        std::string::npos);
  // The free read makes the same check.
  auto read = uplift::read<User>(plain(8, 3, true), refused);
  REQUIRE_FALSE(read);
  CHECK(read.error().code == errc::invalid_option);
}

TEST_CASE_TEMPLATE("untagged rows: the backfill adopts each row as the version the sniffer names, and quarantines what it cannot tell",
                   F, memory_int, sqlite_int) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 40; ++i) rows.push_back({F::key(i), i % 2 == 0 ? plain(i, 3, true) : plain(i, 2, true)});
  ok(fx.s().put_many(rows));
  uplift::options o{.untagged = untagged_binary::by_sniffer};
  // created_at is v2's fifth field and v3's sixth: where it is tells the two apart; v1 has none.
  o.untagged_sniffer = [](const uplift::binary_shape& b) -> std::uint16_t {
    if (b.has(demo::v3::User::VT_CREATED_AT)) return 3;
    return b.has(demo::v2::User::VT_CREATED_AT) ? 2 : 0;
  };
  auto c = uplift::codec<User>::make(o).value();
  ok(fx.s().put_many({{F::key(41), plain(41, 1)}}));  // no created_at: the sniffer cannot tell
  const auto before = rows_of(fx.s());
  auto job = ok(uplift::backfill::start(fx.connect(), c, quick()));
  ok(job.wait());
  CHECK(job.progress().counters.upgraded == 40);
  CHECK(job.progress().counters.quarantined == 1);
  const auto after = rows_of(fx.s());
  for (int i = 1; i <= 40; ++i) {
    const std::string& now = after.at(uplift::key_to_string(F::key(i)));
    CAPTURE(i);
    auto h = uplift::peek(now);
    REQUIRE(h);
    CHECK(h->version == 3);
    CHECK(*uplift::read_object<User>(now) == person(i, true));
  }
  CHECK(after.at(uplift::key_to_string(F::key(41))) == before.at(uplift::key_to_string(F::key(41))));
  auto q = ok(fx.s().list_quarantine(job.job(), 10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].error.find("could not tell its version") != std::string::npos);
}

TEST_CASE_TEMPLATE("untagged rows: the backfill adopts plain FlatBuffers, stamping a header, and quarantines what no version reads",
                   F, memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 60; ++i) rows.push_back({F::key(i), plain(i, 1)});
  rows.push_back({F::key(61), "not a FlatBuffer at all"});
  ok(fx.s().put_many(rows));
  const auto before = rows_of(fx.s());
  auto c = reading_as(untagged_binary::as_version, 1);

  // As a fixed version, every row without a header counts as one from before uplift; the read
  // says whether it is one.
  auto h0 = ok(uplift::histogram(fx.s(), c));
  CHECK(h0.untagged == 61);
  auto plan = ok(uplift::backfill::dry_run(fx.s(), c));
  CHECK(plan.would_upgrade == 60);
  CHECK(plan.would_adopt == 60);
  CHECK(plan.would_quarantine == 1);

  auto job = ok(uplift::backfill::start(fx.connect(), c, quick()));
  ok(job.wait());
  CHECK(job.progress().counters.upgraded == 60);
  CHECK(job.progress().counters.quarantined == 1);
  const auto after = rows_of(fx.s());
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    if (k == uplift::key_to_string(F::key(61))) {
      CHECK(after.at(k) == old);
      continue;
    }
    auto h = uplift::peek(after.at(k));
    REQUIRE(h);
    CHECK(h->version == 3);
    CHECK(*uplift::read_object<User>(after.at(k)) == *c.read_object(old));
  }
  auto q = ok(fx.s().list_quarantine(job.job(), 10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].error == c.read_object(std::string("not a FlatBuffer at all")).error().message());
  auto h = ok(uplift::histogram(fx.s(), c));
  CHECK(h.at(3) == 60);
  CHECK(h.untagged == 1);  // the quarantined row, left as it was
}

TEST_CASE_TEMPLATE("untagged rows: the backfill by shape quarantines an ambiguous buffer, one its fitting version's verifier refuses and one no version fits, with their exact errors and bytes unchanged",
                   F, memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  const std::map<int, std::string> bad = {
      {21, ambiguous_plain()}, {22, email_past_end(8)}, {23, "not a FlatBuffer at all"}};
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 20; ++i) rows.push_back({F::key(i), plain(i, 3, true)});
  for (const auto& [i, row] : bad) rows.push_back({F::key(i), row});
  ok(fx.s().put_many(rows));
  auto c = reading_as(untagged_binary::by_shape);
  auto job = ok(uplift::backfill::start(fx.connect(), c, quick()));
  ok(job.wait());
  CHECK(job.progress().counters.upgraded == 20);
  CHECK(job.progress().counters.quarantined == 3);
  const auto after = rows_of(fx.s());
  std::map<std::string, std::string> reasons;
  for (const auto& q : ok(fx.s().list_quarantine(job.job(), 10))) reasons[uplift::key_to_string(q.key)] = q.error;
  REQUIRE(reasons.size() == 3);
  for (const auto& [i, row] : bad) {
    CAPTURE(i);
    const std::string k = uplift::key_to_string(F::key(i));
    CHECK(after.at(k) == row);  // left as it was
    CHECK(reasons.at(k) == c.read_object(row).error().message());
  }
  CHECK(reasons.at(uplift::key_to_string(F::key(21))).find("ambiguous version") != std::string::npos);
  // Only v3's fields fit it: it is read as v3, whose verifier refuses it.
  CHECK(reasons.at(uplift::key_to_string(F::key(22))).find("verification failed") != std::string::npos);
  CHECK(reasons.at(uplift::key_to_string(F::key(22))).find("(stored v3, latest v3)") != std::string::npos);
  CHECK(reasons.at(uplift::key_to_string(F::key(23))).find("unknown version") != std::string::npos);
}

TEST_CASE_TEMPLATE("untagged rows: a mixed column of uplift records, JSON documents and rows from before versioning is counted and backfilled row by row",
                   F, memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  uplift::table_spec t = fx.other_table();
  t.format = value_format::detect;
  auto s = fx.open_table(t);
  auto c = uplift::codec<User>::make({.default_version = 1,
                                      .untagged = untagged_binary::as_version,
                                      .untagged_version = 1})
               .value();
  const auto writer_at = [](std::uint16_t v) {
    return uplift::codec<User>::make({.write_version = v}).value();
  };
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 80; ++i) {
    const auto v = static_cast<std::uint16_t>(1 + i % 3);
    std::string row;
    switch (i % 4) {
      case 0: row = std::string(writer_at(v).write(person(i, v >= 2)).value().as_string_view()); break;
      case 1: row = writer_at(v).write_json(person(i, v >= 2)).value(); break;
      case 2: row = plain(i, 1); break;  // binary, before uplift
      default: {                         // JSON, before versioning: v1's document without its key
        std::string doc = writer_at(1).write_json(person(i, false)).value();
        row = "{" + doc.substr(doc.find(',') + 1);
      }
    }
    rows.push_back({F::key(i), std::move(row)});
  }
  ok(s.put_many(rows));
  const auto before = rows_of(s);
  auto h0 = ok(uplift::histogram(s, c.json_handle()));
  CHECK(h0.untagged == 40);
  CHECK(h0.rows() == 40);
  auto job = ok(uplift::backfill::start(s.connect().value(), c.json_handle(), quick()));
  ok(job.wait());
  CHECK(job.progress().counters.quarantined == 0);
  const auto after = rows_of(s);
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    const auto form = uplift::format_of(value_format::detect, uplift::as_bytes_view(old));
    const std::string& now = after.at(k);
    CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(now)) == form);
    auto info = c.json_handle().inspect(uplift::as_bytes_view(now), value_format::detect);
    REQUIRE(info);
    CHECK(info->version == 3);
    CHECK_FALSE(info->untagged);
  }
  auto h = ok(uplift::histogram(s, c.json_handle()));
  CHECK(h.at(3) == 80);
  CHECK(h.untagged == 0);
}

}  // namespace untagged_rows_test
