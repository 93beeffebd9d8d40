// The uplift-gen program: commands, output and exit status.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <uplift/version.hpp>

#include "codegen_test_support.hpp"
#include "emit.hpp"
#include "report.hpp"

using namespace codegen_test;
using namespace uplift_gen;

namespace {

const std::string note_v1 = R"(namespace notes.v1;
table Note { id:ulong; text:string; }
root_type Note;
)";
const std::string note_v2 = R"(namespace notes.v2;
table Note { id:ulong; text:string; pinned:bool; }
root_type Note;
)";
const std::string note_v2_bad = R"(namespace notes.v2;
table Note {
  id:ulong;
  text:int;
}
root_type Note;
)";

/// A record folder `note` with v1 and v2.
fs::path make_note(const temp_dir& tmp) {
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_v1);
  write_file(dir / "v2.fbs", note_v2);
  return dir;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("uplift-gen --help prints the usage and exits 0") {
  const run_result r = run_uplift_gen({"--help"});
  CHECK(r.status == 0);
  CHECK(starts_with(r.output, "usage: uplift-gen generate [--downgrades] --out DIR RECORD_DIR...\n"));
  CHECK(run_uplift_gen({"check", "-h"}).status == 0);
}

TEST_CASE("uplift-gen --version prints the library version") {
  const run_result r = run_uplift_gen({"--version"});
  CHECK(r.status == 0);
  CHECK(r.output == "uplift-gen " + std::to_string(UPLIFT_VERSION_MAJOR) + "." +
                        std::to_string(UPLIFT_VERSION_MINOR) + "." +
                        std::to_string(UPLIFT_VERSION_PATCH) + "\n");
}

TEST_CASE("a usage error prints the usage and exits 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate", "x"},
           {"check"},
           {"lock"},
           {"generate", "x"},
           {"generate", "--out"},
           {"generate", "--out", "out"},
           {"check", "--bogus", "x"},
           {"check", "--out", "o", "x"},
       }) {
    CAPTURE(args.size());
    const run_result r = run_uplift_gen(args);
    CHECK(r.status == 2);
    CHECK(starts_with(r.output, "uplift-gen: "));
    CHECK(r.output.find("\nusage: uplift-gen generate") != std::string::npos);
  }
}

TEST_CASE("check prints the report and exits 0 for a record without errors") {
  temp_dir tmp("cli-check");
  const fs::path dir = make_note(tmp);
  const run_result r = run_uplift_gen({"check", dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output == check_report(check_record(dir.string())));
}

TEST_CASE("check of several records prints each report, separated by a blank line") {
  temp_dir tmp("cli-check-two");
  const fs::path a = make_note(tmp);
  const fs::path b = tmp.sub("other") / "note";
  write_file(b / "v1.fbs", note_v1);
  const run_result r = run_uplift_gen({"check", a.string(), b.string()});
  CHECK(r.status == 0);
  CHECK(r.output == check_report(check_record(a.string())) + "\n" +
                        check_report(check_record(b.string())));
}

TEST_CASE("check exits 1 when a step has a change it cannot derive") {
  temp_dir tmp("cli-check-bad");
  const fs::path dir = make_note(tmp);
  write_file(dir / "v2.fbs", note_v2_bad);
  const run_result r = run_uplift_gen({"check", dir.string()});
  CHECK(r.status == 1);
  CHECK(r.output.find("\n1 error:\n" + (dir / "v2.fbs").string() + ":4: ") != std::string::npos);
}

TEST_CASE("check exits 1 when a folder is not a record") {
  temp_dir tmp("cli-check-missing");
  const run_result r = run_uplift_gen({"check", (tmp.path() / "nothing").string()});
  CHECK(r.status == 1);
  CHECK(r.output.find("cannot be read") != std::string::npos);
}

TEST_CASE("lock prints what it locked, then that nothing is new") {
  temp_dir tmp("cli-lock");
  const fs::path dir = make_note(tmp);
  const std::string lock = (dir / "uplift.lock").string();
  run_result r = run_uplift_gen({"lock", dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output == lock + ": locked v1, v2\n");
  r = run_uplift_gen({"lock", dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output == lock + ": every version is locked already (newest v2)\n");
}

TEST_CASE("lock and check refuse an edited locked version and keep the lock file") {
  temp_dir tmp("cli-frozen");
  const fs::path dir = make_note(tmp);
  REQUIRE(run_uplift_gen({"lock", dir.string()}).status == 0);
  const std::string before = read_file(dir / "uplift.lock");
  write_file(dir / "v2.fbs", R"(namespace notes.v2;
table Note { id:ulong; text:string; pinned:bool = true; }
root_type Note;
)");
  const std::string frozen = (dir / "v2.fbs").string() + ": v2 is released (uplift.lock has ";

  run_result r = run_uplift_gen({"check", dir.string()});
  CHECK(r.status == 1);
  CHECK(r.output.find("\n1 error:\n" + frozen) != std::string::npos);
  CHECK(r.output.find("released versions are frozen: undo the edit and add v3.fbs for the change\n") !=
        std::string::npos);

  r = run_uplift_gen({"lock", dir.string()});
  CHECK(r.status == 1);
  CHECK(starts_with(r.output, frozen));
  CHECK(read_file(dir / "uplift.lock") == before);

  r = run_uplift_gen({"generate", "--out", (tmp.path() / "out").string(), dir.string()});
  CHECK(r.status == 1);
  CHECK(starts_with(r.output, frozen));
}

TEST_CASE("lock refuses a record with errors and writes no lock file") {
  temp_dir tmp("cli-lock-bad");
  const fs::path dir = make_note(tmp);
  write_file(dir / "v2.fbs", note_v2_bad);
  const run_result r = run_uplift_gen({"lock", dir.string()});
  CHECK(r.status == 1);
  CHECK(starts_with(r.output, (dir / "v2.fbs").string() + ":4: "));
  CHECK_FALSE(fs::exists(dir / "uplift.lock"));
}

TEST_CASE("generate writes <folder>_uplift.hpp, <folder>_uplift_json.hpp and <folder>_uplift.cpp with the emitted text") {
  temp_dir tmp("cli-generate");
  const fs::path dir = make_note(tmp);
  const fs::path out = tmp.path() / "out";
  const run_result r = run_uplift_gen({"generate", "--out", out.string(), dir.string() + "/"});
  CHECK(r.status == 0);
  const fs::path header = out / "note_uplift.hpp";
  const fs::path json = out / "note_uplift_json.hpp";
  const fs::path source = out / "note_uplift.cpp";
  CHECK(r.output == "uplift-gen: " + header.string() + " written\nuplift-gen: " + json.string() +
                        " written\nuplift-gen: " + source.string() + " written\n");
  REQUIRE(fs::exists(header));
  REQUIRE(fs::exists(json));
  REQUIRE(fs::exists(source));
  const record_check c = check_record(dir.string());
  CHECK(read_file(header) == emit_header(*c.record, c.steps));
  CHECK(read_file(json) == emit_json_header(*c.record));
  CHECK(read_file(source) == emit_separate_source(*c.record));
}

TEST_CASE("generate leaves an unchanged header alone, so the build stays incremental") {
  temp_dir tmp("cli-generate-again");
  const fs::path dir = make_note(tmp);
  const fs::path out = tmp.path() / "out";
  const fs::path header = out / "note_uplift.hpp";
  const fs::path json = out / "note_uplift_json.hpp";
  const fs::path source = out / "note_uplift.cpp";
  REQUIRE(run_uplift_gen({"generate", "--out=" + out.string(), dir.string()}).status == 0);
  const auto old_time = fs::last_write_time(header) - std::chrono::hours(1);
  fs::last_write_time(header, old_time);

  write_file(dir / "v2.fbs", "// a comment changes no generated code\n" + note_v2);
  run_result r = run_uplift_gen({"generate", "--out", out.string(), dir.string()});
  CHECK(r.status == 0);
  CHECK(r.output == "uplift-gen: " + header.string() + " is up to date\nuplift-gen: " +
                        json.string() + " is up to date\nuplift-gen: " + source.string() +
                        " is up to date\n");
  CHECK(fs::last_write_time(header) == old_time);

  write_file(dir / "v3.fbs", R"(namespace notes.v3;
table Note { id:ulong; text:string; pinned:bool; color:int; }
root_type Note;
)");
  r = run_uplift_gen({"generate", "--out", out.string(), dir.string()});
  CHECK(r.status == 0);
  // The .cpp names only the record, not its versions: a new version leaves it as it is.
  CHECK(r.output == "uplift-gen: " + header.string() + " written\nuplift-gen: " + json.string() +
                        " written\nuplift-gen: " + source.string() + " is up to date\n");
  CHECK(fs::last_write_time(header) != old_time);
}

TEST_CASE("generate stops with every error as file:line: text and writes nothing") {
  temp_dir tmp("cli-generate-bad");
  const fs::path good = make_note(tmp);
  const fs::path bad = tmp.path() / "broken" / "item";
  write_file(bad / "v1.fbs", "namespace shop.v1;\ntable Item { a:string; b:string; }\nroot_type Item;\n");
  write_file(bad / "v2.fbs", "namespace shop.v2;\ntable Item {\n  a:int;\n  b:long;\n}\nroot_type Item;\n");
  const fs::path out = tmp.path() / "out";
  const run_result r = run_uplift_gen({"generate", "--out", out.string(), good.string(), bad.string()});
  CHECK(r.status == 1);
  const std::string v2 = (bad / "v2.fbs").string();
  CHECK(starts_with(r.output, v2 + ":3: "));
  CHECK(r.output.find("\n" + v2 + ":4: ") != std::string::npos);
  CHECK(r.output.find("uplift-gen: 2 errors; nothing generated\n") != std::string::npos);
  CHECK_FALSE(fs::exists(out / "note_uplift.hpp"));
  CHECK_FALSE(fs::exists(out / "item_uplift.hpp"));
}

TEST_CASE("generate refuses two record folders with the same name") {
  temp_dir tmp("cli-generate-twice");
  const fs::path a = make_note(tmp);
  const fs::path b = tmp.path() / "elsewhere" / "note";
  write_file(b / "v1.fbs", note_v1);
  const run_result r =
      run_uplift_gen({"generate", "--out", (tmp.path() / "out").string(), a.string(), b.string()});
  CHECK(r.status == 2);
  CHECK(r.output.find("would both write note_uplift.hpp") != std::string::npos);
}
