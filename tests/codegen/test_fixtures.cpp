// Sample records and frozen fixtures: `uplift-gen fixtures`, the sample values, and what a fixture
// must read as at the latest version.
#include <doctest/doctest.h>

#include <string>

#include <flatbuffers/idl.h>
#include <uplift/header.hpp>

#include "codegen_test_support.hpp"
#include "fixtures.hpp"

using namespace codegen_test;
using namespace uplift_gen;

namespace {

const std::string card_v1 = R"(namespace cards.v1;
enum Suit : byte { Hearts, Spades, Clubs }
table Card { id:ulong; title:string; suit:Suit = Clubs; rank:short = 1010; score:float; }
root_type Card;
)";
const std::string card_v2 = R"(namespace cards.v2;
attribute "renamed_from";
enum Suit : byte { Hearts, Pikes, Clubs }
table Card { id:ulong; name:string (renamed_from: "title"); suit:Suit = Clubs; rank:int = 1010; score:float; owner:string; }
root_type Card;
)";
const std::string card_v3 = R"(namespace cards.v3;
attribute "computed";
enum Suit : byte { Hearts, Pikes, Clubs }
table Card { id:ulong; name:string; suit:Suit = Clubs; rank:int = 1010; score:float; owner:string;
             label:string (computed); }
root_type Card;
)";

/// A record folder `card` with the versions given.
fs::path make_card(const temp_dir& tmp, const std::vector<std::string>& versions) {
  const fs::path dir = tmp.sub("card");
  for (std::size_t i = 0; i < versions.size(); ++i)
    write_file(dir / ("v" + std::to_string(i + 1) + ".fbs"), versions[i]);
  return dir;
}

const sample_value* member(const sample_value& obj, const std::string& key) {
  for (const auto& m : obj.members)
    if (m.key == key) return &m.value;
  return nullptr;
}

}  // namespace

TEST_CASE("a sample gives every field a value other than its default, the same every time") {
  temp_dir tmp("fixtures-sample");
  const version_model v = load_one(tmp.path() / "card", card_v1);
  const std::string json = sample_json(v);
  CHECK(json == R"({"id":10000000000,"title":"title","suit":"Spades","rank":1003,"score":4.5})");
  CHECK(sample_json(v) == json);
  // suit's default, Clubs, is its second choice; a value that is the default moves on (c's 2.5).
  const std::string with_default = R"(namespace cards.v1;
table Card { a:short = 1000; b:bool = true; c:double = 2.5; }
root_type Card;
)";
  CHECK(sample_json(load_one(tmp.path() / "other", with_default)) == R"({"a":1001,"b":false,"c":3.5})");
}

TEST_CASE("parse_sample reads what a sample writes, and says where a document is bad") {
  temp_dir tmp("fixtures-parse");
  const sample_value s = sample_record(load_one(tmp.path() / "card", card_v1));
  std::string error;
  const auto back = parse_sample(s.json(), error);
  REQUIRE(back);
  CHECK(back->json() == s.json());
  const auto escaped = parse_sample(R"({"a":"\"x\"\n\u00e9","b":[1,2],"c":null})", error);
  REQUIRE(escaped);
  CHECK(escaped->json() == "{\"a\":\"\\\"x\\\"\\u000a\xc3\xa9\",\"b\":[1,2]}");
  CHECK_FALSE(parse_sample(R"({"a":1)", error));
  CHECK(error == "a '}' is missing at byte 6");
  CHECK_FALSE(parse_sample(R"({"a":1} x)", error));
  CHECK(error == "text after the document at byte 8");
}

TEST_CASE("what a fixture reads as at the latest version follows renames, widenings and enum values by number, and names what hooks fill") {
  temp_dir tmp("fixtures-expected");
  const fs::path dir = make_card(tmp, {card_v1, card_v2, card_v3});
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.empty());
  std::string error;
  const auto v1 = parse_sample(R"({"id":5,"title":"ace","suit":"Spades","rank":12,"score":0.5})", error);
  REQUIRE(v1);
  std::vector<std::string> unchecked;
  const sample_value latest = expected_latest(*c.record, c.steps, 1, *v1, unchecked);
  // title -> name, suit Spades -> Pikes (the same value, 1), rank widened, owner added
  // (left out: it reads as its default), label computed (named, left out).
  CHECK(latest.json() == R"({"id":5,"name":"ace","suit":"Pikes","rank":12,"score":0.5})");
  CHECK(unchecked == std::vector<std::string>{"label"});
  REQUIRE(member(latest, "rank"));
  CHECK(member(latest, "owner") == nullptr);

  unchecked.clear();
  const auto v3 = parse_sample(R"({"id":1,"name":"n","label":"L"})", error);
  CHECK(expected_latest(*c.record, c.steps, 3, *v3, unchecked).json() == R"({"id":1,"name":"n","label":"L"})");
  CHECK(unchecked.empty());
}

TEST_CASE("uplift-gen fixtures writes each released version's sample once, as a record and as JSON") {
  temp_dir tmp("fixtures-cli");
  const fs::path dir = make_card(tmp, {card_v1});
  run_result r = run_uplift_gen({"fixtures", dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output == dir.string() + ": no version is released yet (" + (dir / "uplift.lock").string() +
                        " locks none): run `uplift-gen lock " + dir.string() + "` when one is\n");
  CHECK_FALSE(fs::exists(dir / "fixtures"));

  REQUIRE(run_uplift_gen({"lock", dir.string()}).status == 0);
  write_file(dir / "v2.fbs", card_v2);  // not released: no fixture
  r = run_uplift_gen({"fixtures", dir.string()});
  CAPTURE(r.output);
  CHECK(r.status == 0);
  const std::string bin = (dir / "fixtures" / "v1.bin").string();
  const std::string json = (dir / "fixtures" / "v1.json").string();
  CHECK(r.output == dir.string() + ": v1: " + bin + " written\n" + dir.string() + ": v1: " + json +
                        " written\n" + dir.string() +
                        ": v2 is not released (not locked): its fixtures are written when it is\n");
  CHECK(read_file(json) ==
        "{\"_v\":1,\"id\":10000000000,\"title\":\"title\",\"suit\":\"Spades\",\"rank\":1003,\"score\":4.5}\n");

  // The record: uplift's header (the record's type id, v1, readable from v1) and the payload
  // FlatBuffers builds from the same values.
  const std::string record = read_file(bin);
  auto h = uplift::peek(std::string_view(record));
  REQUIRE(h);
  CHECK(h->type_id == uplift::type_id_of("cards.Card"));
  CHECK(h->version == 1);
  CHECK(h->min_reader_version == 1);
  CHECK((record.size() - uplift::header_size) % 8 == 0);
  flatbuffers::Parser parser;
  parser.opts.strict_json = true;
  parser.opts.indent_step = -1;
  REQUIRE(parser.Parse(card_v1.c_str()));
  std::string text;
  REQUIRE(flatbuffers::GenerateText(parser, record.data() + uplift::header_size, &text));
  CHECK(text == R"({"id": 10000000000,"title": "title","suit": "Spades","rank": 1003,"score": 4.5})");

  // Frozen: a second run, even after an edit to a fixture, writes nothing.
  write_file(json, "{\"_v\":1,\"id\":7}\n");
  r = run_uplift_gen({"fixtures", dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output.find("are there already (fixtures are frozen; delete one to write it again)") !=
        std::string::npos);
  CHECK(read_file(json) == "{\"_v\":1,\"id\":7}\n");
}

TEST_CASE("uplift-gen fixture-test writes the test program, and refuses a fixture without its twin") {
  temp_dir tmp("fixtures-test-source");
  const fs::path dir = make_card(tmp, {card_v1});
  REQUIRE(run_uplift_gen({"lock", dir.string()}).status == 0);
  REQUIRE(run_uplift_gen({"fixtures", dir.string()}).status == 0);
  write_file(dir / "v2.fbs", card_v2);
  const fs::path out = tmp.path() / "out" / "card_fixtures.cpp";
  run_result r = run_uplift_gen({"fixture-test", "--out", out.string(), dir.string()});
  CHECK(r.status == 0);
  const std::string source = read_file(out);
  CHECK(source.rfind("// card_fixtures.cpp: generated by uplift-gen", 0) == 0);
  CHECK(source.find("#include \"card_uplift_json.hpp\"") != std::string::npos);
  CHECK(source.find("check<::cards::Card>(\"" + fs::absolute(dir / "fixtures" / "v1.bin").string() +
                    "\", true,\n      \"{\\\"_v\\\":2,\\\"id\\\":10000000000,\\\"name\\\":\\\"title\\\",") !=
        std::string::npos);
  CHECK(source.find("if (!same(got.owner, want.owner)) out.push_back(\"owner\");") != std::string::npos);

  fs::remove(dir / "fixtures" / "v1.bin");
  r = run_uplift_gen({"fixture-test", "--out", out.string(), dir.string()});
  CHECK(r.status == 1);
  CHECK(r.output.find("v1.bin: is missing (its twin of the other format is there); run `uplift-gen "
                      "fixtures " + dir.string() + "` to write it") != std::string::npos);
  CHECK(run_uplift_gen({"fixture-test", dir.string()}).status == 2);  // --out is required
}
