// Field hooks (tests/codegen/schemas/relay, and the demo record): each computes one field from the
// fields of the version before it. A record stored at an older version is read in one fused
// FlatBuffers -> FlatBuffers rebuild that calls every hook on its way, with the stored table read
// in place; the Object API path (read_object, JSON) calls the same hooks on the structs. Both must
// give the same record, a hook must see what earlier hooks computed, and a downgrade must fill a
// dropped field through its hook.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "counting_new.hpp"
#include "relay_uplift_json.hpp"
#ifdef UPLIFT_TEST_DEMO_USER
#include "user_uplift.hpp"
#endif

namespace {
std::atomic<int> full_calls{0};  // calls of upgrade_full
}  // namespace

namespace relay_test {

// v1 -> v2: the full name, a string of its own.
uplift::text upgrade_full(const uplift_fields_Note::v1& from) {
  full_calls.fetch_add(1, std::memory_order_relaxed);
  if (from.last().empty()) return from.first();  // a view: no string made
  return std::string(from.first()) + " " + std::string(from.last());
}

// v2 -> v3: reads `full`, which a record stored at v1 gets from upgrade_full.
uplift::text upgrade_shout(const uplift_fields_Note::v2& from) {
  std::string s(from.full());
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::int32_t upgrade_length(const uplift_fields_Note::v2& from) {
  return static_cast<std::int32_t>(from.full().size());
}
v3::Level upgrade_level(const uplift_fields_Note::v2& from) {
  return from.score() >= 50 ? v3::Level::High : v3::Level::Low;
}

// The words of a full name, split at its spaces: views into it.
std::vector<std::string_view> words_of(std::string_view full) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < full.size();) {
    const std::size_t end = std::min(full.find(' ', at), full.size());
    if (end > at) out.push_back(full.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// v2 -> v3, vectors: the words of `full` (views into the full name, which a record stored at v1
// gets from upgrade_full and the rebuild keeps), and their lengths.
std::vector<uplift::text> upgrade_words(const uplift_fields_Note::v2& from) {
  std::vector<uplift::text> out;
  for (std::string_view w : words_of(from.full())) out.emplace_back(w);
  return out;
}
std::vector<std::int16_t> upgrade_sizes(const uplift_fields_Note::v2& from) {
  std::vector<std::int16_t> out;
  for (std::string_view w : words_of(from.full())) out.push_back(static_cast<std::int16_t>(w.size()));
  return out;
}

// v3 -> v4: a view into `shout`, which for a record stored before v3 is a string upgrade_shout
// made, kept for the rest of the rebuild.
uplift::text upgrade_initial(const uplift_fields_Note::v3& from) { return from.shout().substr(0, 1); }
// v3 -> v4, vectors of an enum and of bool: per word of the full name, High when it is longer
// than three letters, and whether it starts with a capital.
std::vector<v4::Level> upgrade_levels(const uplift_fields_Note::v3& from) {
  std::vector<v4::Level> out;
  for (std::string_view w : words_of(from.full()))
    out.push_back(w.size() > 3 ? v4::Level::High : v4::Level::Low);
  return out;
}
std::vector<bool> upgrade_caps(const uplift_fields_Note::v3& from) {
  std::vector<bool> out;
  for (std::string_view w : words_of(from.full()))
    out.push_back(std::isupper(static_cast<unsigned char>(w.front())) != 0);
  return out;
}

// v4 -> v3: the dropped `last`, taken back from `full`.
uplift::text downgrade_last(const uplift_fields_Note::v4& from) {
  const std::string_view full = from.full();
  const auto space = full.rfind(' ');
  return space == std::string_view::npos ? std::string_view() : full.substr(space + 1);
}
// v4 -> v3: the dropped `badges`, one per word of the full name (its length).
std::vector<std::uint8_t> downgrade_badges(const uplift_fields_Note::v4& from) {
  std::vector<std::uint8_t> out;
  for (std::string_view w : words_of(from.full())) out.push_back(static_cast<std::uint8_t>(w.size()));
  return out;
}

}  // namespace relay_test

namespace field_hook_tests {

using Note = relay_test::Note;
using latest = relay_test::v4::NoteT;

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

/// The latest fields of a view, as the Object API struct, to compare with read_object's.
latest fields_of(const relay_test::v4::Note& n) {
  latest out;
  n.UnPackTo(&out);
  return out;
}

void check_same(const latest& a, const latest& b) {
  CHECK(a.id == b.id);
  CHECK(a.given == b.given);
  CHECK(a.score == b.score);
  CHECK(a.full == b.full);
  CHECK(a.shout == b.shout);
  CHECK(a.length == b.length);
  CHECK(a.level == b.level);
  CHECK(a.initial == b.initial);
  CHECK(a.words == b.words);
  CHECK(a.sizes == b.sizes);
  CHECK(a.levels == b.levels);
  CHECK(a.caps == b.caps);
}

relay_test::v1::NoteT ada_v1() {
  relay_test::v1::NoteT n;
  n.id = 1;
  n.first = "Ada";
  n.last = "Lovelace";
  n.score = 90;
  return n;
}

TEST_CASE("field hooks: a record stored at v1 is rebuilt in one pass, each hook seeing what the hooks before it computed") {
  const uplift::buffer rec = uplift::write<Note>(ada_v1());
  full_calls = 0;
  auto v = uplift::read<Note>(rec.span());
  REQUIRE(v);
  CHECK_FALSE(v->zero_copy());
  CHECK(v->stored_version() == 1);
  CHECK((*v)->id() == 1);
  CHECK(str((*v)->given()) == "Ada");
  CHECK((*v)->score() == 90);
  CHECK(str((*v)->full()) == "Ada Lovelace");
  CHECK(str((*v)->shout()) == "ADA LOVELACE");  // from the full name upgrade_full made
  CHECK((*v)->length() == 12);
  CHECK((*v)->level() == relay_test::v4::Level::High);
  CHECK(str((*v)->initial()) == "A");  // a view into the shout upgrade_shout made
  // The vectors: strings (views into the full name upgrade_full made), scalars widened by the
  // step after the hook (short -> int), an enum and bool.
  const auto* words = (*v)->words();
  REQUIRE(words != nullptr);
  REQUIRE(words->size() == 2);
  CHECK(words->Get(0)->str() == "Ada");
  CHECK(words->Get(1)->str() == "Lovelace");
  const auto* sizes = (*v)->sizes();
  REQUIRE(sizes != nullptr);
  REQUIRE(sizes->size() == 2);
  CHECK(sizes->Get(0) == 3);
  CHECK(sizes->Get(1) == 8);
  const auto* levels = (*v)->levels();
  REQUIRE(levels != nullptr);
  REQUIRE(levels->size() == 2);
  CHECK(static_cast<relay_test::v4::Level>(levels->Get(0)) == relay_test::v4::Level::Low);
  CHECK(static_cast<relay_test::v4::Level>(levels->Get(1)) == relay_test::v4::Level::High);
  const auto* caps = (*v)->caps();
  REQUIRE(caps != nullptr);
  REQUIRE(caps->size() == 2);
  CHECK(caps->Get(0));
  CHECK(caps->Get(1));
  // `full` is made for the latest's own field, and again each time a later hook reads it: by the
  // inputs of shout, length, words and sizes, of levels and caps, and of initial through shout. A
  // hook that reads an earlier hook's field calls it again; nothing else does.
  CHECK(full_calls.load() == 8);
}

TEST_CASE("field hooks: every older version read in one rebuild equals the Object API path's record") {
  relay_test::v2::NoteT v2;
  v2.id = 2;
  v2.first = "Grace";
  v2.last = "Hopper";
  v2.score = 10;
  v2.full = "Rear Admiral Grace Hopper";  // stored: not computed again
  relay_test::v3::NoteT v3;
  v3.id = 3;
  v3.first = "Alan";
  v3.last = "Turing";
  v3.score = 70000;  // fits v3's int, not v1's short
  v3.full = "Alan Turing";
  v3.shout = "stored shout";
  v3.length = 5;
  v3.level = relay_test::v3::Level::Low;
  v3.words = {"stored"};  // stored: kept, not computed again from the full name
  v3.sizes = {6};
  relay_test::v1::NoteT empty_v1;  // every string absent
  const uplift::buffer records[] = {uplift::write<Note>(ada_v1()), uplift::write<Note>(v2),
                                    uplift::write<Note>(v3), uplift::write<Note>(empty_v1)};
  for (const uplift::buffer& rec : records) {
    CAPTURE(uplift::peek(rec.span())->version);
    auto view = uplift::read<Note>(rec.span());
    auto object = uplift::read_object<Note>(rec.span());
    REQUIRE(view);
    REQUIRE(object);
    check_same(fields_of(**view), *object);
  }
  auto at_v2 = uplift::read_object<Note>(records[1].span());
  CHECK(at_v2->shout == "REAR ADMIRAL GRACE HOPPER");
  CHECK(at_v2->initial == "R");
  CHECK(at_v2->level == relay_test::v4::Level::Low);
  auto at_v3 = uplift::read_object<Note>(records[2].span());
  CHECK(at_v3->shout == "stored shout");
  CHECK(at_v3->initial == "s");
  CHECK(at_v3->length == 5);
  CHECK(at_v3->score == 70000);
  CHECK(at_v3->words == std::vector<std::string>{"stored"});
  CHECK(at_v3->sizes == std::vector<std::int32_t>{6});
  CHECK(at_v3->levels == std::vector<relay_test::v4::Level>{relay_test::v4::Level::High,
                                                             relay_test::v4::Level::High});
  CHECK(at_v3->caps == std::vector<bool>{true, true});
  CHECK(at_v2->words == std::vector<std::string>{"Rear", "Admiral", "Grace", "Hopper"});
  CHECK(at_v2->sizes == std::vector<std::int32_t>{4, 7, 5, 6});
  auto empty = uplift::read<Note>(records[3].span());
  REQUIRE(empty);
  CHECK((*empty)->full() == nullptr);  // an empty text is left out, as Pack leaves it out
  CHECK((*empty)->initial() == nullptr);
  CHECK((*empty)->length() == 0);
  CHECK((*empty)->words() == nullptr);  // an empty vector is left out, as Pack leaves it out
  CHECK((*empty)->sizes() == nullptr);
  CHECK((*empty)->levels() == nullptr);
}

TEST_CASE("field hooks: a JSON document of an old version reaches the record the binary read gives") {
  auto from_json = uplift::read_json<Note>(
      R"({"_v":1,"id":1,"first":"Ada","last":"Lovelace","score":90})");
  REQUIRE(from_json);
  auto binary = uplift::read<Note>(uplift::write<Note>(ada_v1()).span());
  REQUIRE(binary);
  check_same(*from_json, fields_of(**binary));
}

TEST_CASE("field hooks: writing v3 fills the field v4 dropped through its downgrade hook") {
  latest n;
  n.id = 4;
  n.given = "Barbara";
  n.full = "Barbara Liskov";
  n.shout = "BARBARA LISKOV";
  n.length = 14;
  n.words = {"Barbara", "Liskov"};
  n.sizes = {7, 6};  // narrowed to v3's short
  auto codec = uplift::codec<Note>::make({.write_version = 3});
  REQUIRE(codec);
  auto rec = codec->write(n);
  REQUIRE(rec);
  REQUIRE(uplift::peek(rec->span())->version == 3);
  const auto* v3 = flatbuffers::GetRoot<relay_test::v3::Note>(rec->data() + uplift::header_size);
  CHECK(str(v3->first()) == "Barbara");
  CHECK(str(v3->last()) == "Liskov");
  // the dropped vector, from its downgrade hook, and the mechanical ones narrowed
  REQUIRE(v3->badges() != nullptr);
  CHECK(std::vector<std::uint8_t>(v3->badges()->begin(), v3->badges()->end()) ==
        std::vector<std::uint8_t>{7, 6});
  REQUIRE(v3->sizes() != nullptr);
  CHECK(std::vector<std::int16_t>(v3->sizes()->begin(), v3->sizes()->end()) ==
        std::vector<std::int16_t>{7, 6});
  REQUIRE(v3->words() != nullptr);
  CHECK(v3->words()->size() == 2);
  // and back up: the record read as v4 again
  auto back = uplift::read_object<Note>(rec->span());
  REQUIRE(back);
  CHECK(back->given == "Barbara");
  CHECK(back->initial == "B");
}

#ifdef UPLIFT_TEST_DEMO_USER
TEST_CASE("field hooks: a demo user stored at v1 or v2 is read into a reused upgrade_buffer with no allocation once warm") {
  demo::v1::UserT v1;
  v1.id = 1;
  v1.name = "Grace Brewster Hopper";
  v1.email = "grace@example.com";
  v1.age = 85;
  demo::v2::UserT v2;
  v2.id = 2;
  v2.full_name = "Ada Lovelace";
  v2.created_at = 1'700'000'000;
  const uplift::buffer old[] = {uplift::write<demo::User>(v1), uplift::write<demo::User>(v2)};
  uplift::upgrade_buffer scratch;
  for (const auto& rec : old) REQUIRE(uplift::read<demo::User>(rec.span(), scratch));  // warm up
  const std::size_t before = uplift_test::allocations();
  std::size_t read = 0;
  for (int round = 0; round < 100; ++round)
    for (const auto& rec : old) {
      auto v = uplift::read<demo::User>(rec.span(), scratch);
      read += v && (*v)->given_name() != nullptr ? 1 : 0;
    }
  CHECK(uplift_test::allocations() == before);
  CHECK(read == 200);
  auto grace = uplift::read<demo::User>(old[0].span(), scratch);
  REQUIRE(grace);
  CHECK(str((*grace)->given_name()) == "Grace Brewster");
  CHECK(str((*grace)->family_name()) == "Hopper");
  CHECK((*grace)->age() == 85);
}
#endif

}  // namespace field_hook_tests
