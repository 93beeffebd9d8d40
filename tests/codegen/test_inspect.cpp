// `uplift inspect`: stored records printed as JSON from the schema folder alone, for every version
// of the demo record, in every form a row can hold, and for rows the chain cannot read.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <flatbuffers/idl.h>
#include <simdjson.h>

#include "codegen_test_support.hpp"
#include "user_uplift.hpp"

using namespace codegen_test;

namespace {

const fs::path demo_schemas = UPLIFT_DEMO_SCHEMAS;

/// What a run of `uplift <args>` printed on standard output and on standard error.
struct cli_result {
  int status = -1;
  std::string out, err;
};

cli_result uplift_cli(const std::string& args, const std::string& input = "") {
  temp_dir tmp("inspect-run");
  const fs::path in = tmp.path() / "in", out = tmp.path() / "out", err = tmp.path() / "err";
  write_file(in, input);
  const std::string command = "'" + std::string(UPLIFT_CLI) + "' " + args + " < '" + in.string() +
                              "' > '" + out.string() + "' 2> '" + err.string() + "'";
  const int raw = std::system(command.c_str());
  cli_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

/// `text` as compact JSON (key order kept), to compare documents printed differently.
std::string compact(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE_MESSAGE(!parser.parse(text).get(doc), text);
  return simdjson::minify(doc);
}

/// A record the README's v4 (schema workflow, step 1) writes: a newer release than schemas/user.
const std::string user_v4 = R"(namespace demo.v4;
attribute "renamed_from";
attribute "computed";
table User {
  id:ulong;
  given_name:string;
  family_name:string;
  email_address:string (renamed_from: "email");
  age:int;
  created_at:long;
  display_name:string (computed);
}
root_type User;
)";

/// An uplift record of demo.User at version `version`, built from `json` with FlatBuffers' parser.
std::string record(const std::string& schema, int version, const std::string& json) {
  flatbuffers::Parser p;
  REQUIRE(p.Parse(schema.c_str()));
  REQUIRE_MESSAGE(p.Parse(json.c_str()), p.error_);
  std::string payload(reinterpret_cast<const char*>(p.builder_.GetBufferPointer()), p.builder_.GetSize());
  payload.resize((payload.size() + 7) / 8 * 8, '\0');
  uplift::record_header h;
  h.type_id = demo::User::type_id;
  h.version = static_cast<std::uint16_t>(version);
  h.min_reader_version = static_cast<std::uint16_t>(version);
  const auto bytes = uplift::encode_header(h);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()) + payload;
}

/// A SQLite table `users` (id INTEGER PRIMARY KEY, value BLOB) with the rows given, written with
/// SQLite's own API, as any application would.
void make_table(const fs::path& db, const std::vector<std::pair<int, std::string>>& rows) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.string().c_str(), &handle) == SQLITE_OK);
  REQUIRE(sqlite3_exec(handle, "CREATE TABLE users (id INTEGER PRIMARY KEY, value BLOB NOT NULL)", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  for (const auto& [key, value] : rows) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, "INSERT INTO users (id, value) VALUES (?, ?)", -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, key);
    sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  }
  sqlite3_close(handle);
}

}  // namespace

TEST_CASE("uplift inspect prints every version of the demo record, binary and JSON, as its fixture holds it") {
  for (int v = 1; v <= 3; ++v) {
    CAPTURE(v);
    const fs::path fixtures = demo_schemas / "fixtures";
    const std::string json = read_file(fixtures / ("v" + std::to_string(v) + ".json"));
    for (const char* form : {".bin", ".json"}) {
      CAPTURE(form);
      const cli_result r =
          uplift_cli("inspect --schemas " + quoted(demo_schemas) + " " + quoted(fixtures / ("v" + std::to_string(v) + form)));
      CHECK(r.status == 0);
      CHECK(compact(r.out) == compact(json));
      CHECK(r.err.rfind("demo.User v" + std::to_string(v) + ": ", 0) == 0);
    }
  }
  const cli_result v1 = uplift_cli("inspect --schemas " + quoted(demo_schemas) + " -",
                                   read_file(demo_schemas / "fixtures" / "v1.bin"));
  CHECK(v1.out == "{\n  \"_v\": 1,\n  \"id\": 10000000000,\n  \"name\": \"name\",\n  \"email\": \"email\",\n  \"age\": 1003\n}\n");
  CHECK(v1.err == "demo.User v1: an uplift record (header of 16 bytes, readable from v1), a payload of 64 bytes\n");
}

TEST_CASE("uplift inspect reads legacy rows by the only version they fit, and asks when several do") {
  const std::string v1 = read_file(demo_schemas / "fixtures" / "v1.bin");
  const std::string payload = v1.substr(uplift::header_size);  // plain FlatBuffers, no header
  cli_result r = uplift_cli("inspect --schemas " + quoted(demo_schemas) + " -", payload);
  CHECK(r.status == 1);
  CHECK(r.err == "uplift inspect: a FlatBuffers buffer without uplift's header, which reads as v1 and v2 of "
                 "demo.User alike: say which with --version N\n");
  r = uplift_cli("inspect --schemas " + quoted(demo_schemas) + " --version 1 -", payload);
  CHECK(r.status == 0);
  CHECK(compact(r.out) == compact(read_file(demo_schemas / "fixtures" / "v1.json")));

  r = uplift_cli("inspect --schemas " + quoted(demo_schemas) + " -", R"({"id":5,"name":"Edsger Dijkstra"})");
  CHECK(r.status == 0);
  CHECK(compact(r.out) == R"({"_v":1,"id":5,"name":"Edsger Dijkstra","age":0})");
  CHECK(r.err == "demo.User v1: a JSON document without \"_v\"; v1 is the only version it reads as\n");
  r = uplift_cli("inspect --schemas " + quoted(demo_schemas) + " -", R"({"id":5})");
  CHECK(r.status == 1);
  CHECK(r.err == "uplift inspect: a JSON document without \"_v\", which reads as v1, v2 and v3 of demo.User "
                 "alike: say which with --version N\n");
}

TEST_CASE("uplift inspect prints a row of a SQLite table, also one the chain cannot read, as the backfill quarantines it") {
  temp_dir tmp("inspect-sqlite");
  const fs::path db = tmp.path() / "app.db";
  const std::string newer = record(user_v4, 4,
                                   R"({"id":4,"given_name":"Ada","email_address":"ada@example.com","display_name":"Ada L."})");
  std::string damaged = read_file(demo_schemas / "fixtures" / "v2.bin");
  damaged.resize(40);
  make_table(db, {{1, read_file(demo_schemas / "fixtures" / "v1.bin")},
                  {2, read_file(demo_schemas / "fixtures" / "v3.json")},
                  {3, newer},
                  {4, damaged}});
  // Rows 3 and 4 are ones the chain cannot upgrade: a backfill quarantines them.
  CHECK(uplift::read<demo::User>(std::string_view(newer)).error().code == uplift::errc::too_new);
  CHECK(uplift::read<demo::User>(std::string_view(damaged)).error().code == uplift::errc::truncated_payload);

  const std::string store = "inspect sqlite:" + quoted(db) + " --table users --schemas " + quoted(demo_schemas);
  cli_result r = uplift_cli(store + " --key 1");
  CHECK(r.status == 0);
  CHECK(compact(r.out) == compact(read_file(demo_schemas / "fixtures" / "v1.json")));
  r = uplift_cli(store + " --key 2");
  CHECK(r.status == 0);
  CHECK(compact(r.out) == compact(read_file(demo_schemas / "fixtures" / "v3.json")));

  // Written by a newer release: this schema folder says which folder can read it...
  r = uplift_cli(store + " --key 3");
  CHECK(r.status == 1);
  CHECK(r.err == "uplift inspect: an uplift record of v4, which " + demo_schemas.string() +
                     " does not have (v1..v3): give --schemas the schema folder of the release that wrote it\n");
  // ...and that folder prints it.
  const fs::path newer_schemas = tmp.sub("user");
  for (int v = 1; v <= 3; ++v)
    write_file(newer_schemas / ("v" + std::to_string(v) + ".fbs"), read_file(demo_schemas / ("v" + std::to_string(v) + ".fbs")));
  write_file(newer_schemas / "v4.fbs", user_v4);
  r = uplift_cli("inspect sqlite:" + quoted(db) + " --table users --key 3 --schemas " + quoted(newer_schemas));
  CHECK(r.status == 0);
  CHECK(compact(r.out) ==
        R"({"_v":4,"id":4,"given_name":"Ada","email_address":"ada@example.com","age":0,"created_at":0,"display_name":"Ada L."})");

  // Damaged: what it is, and its first bytes.
  r = uplift_cli(store + " --key 4");
  CHECK(r.status == 1);
  CHECK(r.err.rfind("uplift inspect: demo.User v2: an uplift record (header of 16 bytes, readable from v1), a "
                    "payload of 24 bytes that does not verify as v2 (damaged, or written by other code): its "
                    "first bytes are ", 0) == 0);

  r = uplift_cli(store + " --key 9");
  CHECK(r.status == 1);
  CHECK(r.err == "uplift inspect: no row with key 9 in users\n");
  r = uplift_cli("inspect sqlite:" + quoted(tmp.path() / "none.db") + " --table users --key 1 --schemas " +
                 quoted(demo_schemas));
  CHECK(r.status == 1);
  CHECK(r.err == "uplift inspect: " + (tmp.path() / "none.db").string() + ": no such SQLite database\n");
  CHECK_FALSE(fs::exists(tmp.path() / "none.db"));
}

TEST_CASE("uplift inspect says what to do with another record's bytes and with bad arguments") {
  temp_dir tmp("inspect-errors");
  const fs::path other = tmp.sub("note");
  write_file(other / "v1.fbs", "namespace notes.v1;\ntable Note { id:ulong; }\nroot_type Note;\n");
  cli_result r = uplift_cli("inspect --schemas " + quoted(other) + " -", read_file(demo_schemas / "fixtures" / "v1.bin"));
  CHECK(r.status == 1);
  CHECK(r.err.find("an uplift record of another record type (eaa85e4b, not notes.Note's") != std::string::npos);
  CHECK(r.err.find("give --schemas that record's schema folder") != std::string::npos);

  CHECK(uplift_cli("inspect -", "").status == 2);                             // --schemas missing
  CHECK(uplift_cli("inspect --schemas x sqlite:a.db --table users", "").status == 2);  // --key missing
  r = uplift_cli("inspect --schemas " + quoted(tmp.path() / "nowhere") + " -", "{}");
  CHECK(r.status == 1);
  CHECK(r.err.find("is not a folder; give --schemas the record's schema folder") != std::string::npos);
}
