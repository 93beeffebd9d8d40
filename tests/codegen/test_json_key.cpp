// The JSON version key a record can choose with the root table's `json_version_key` attribute.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codegen_test_support.hpp"
#include "emit.hpp"

using namespace codegen_test;
using uplift_gen::check_record;
using uplift_gen::record_check;

namespace {

std::string note_version(int n, const std::string& table_attribute, const std::string& fields) {
  return "namespace notes.v" + std::to_string(n) +
         ";\nattribute \"json_version_key\";\ntable Note" + table_attribute + " {\n" + fields +
         "}\nroot_type Note;\n";
}

std::vector<uplift_gen::diagnostic> load_errors(const fs::path& dir) {
  std::vector<uplift_gen::diagnostic> errors;
  (void)uplift_gen::load_record(dir.string(), errors);
  return errors;
}

}  // namespace

TEST_CASE("json_version_key on the root table becomes the descriptor's json_version_key") {
  temp_dir tmp("json-key");
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_version(1, " (json_version_key: \"schema\")", "  id:ulong;\n"));
  write_file(dir / "v2.fbs", note_version(2, "", "  id:ulong;\n  text:string;\n"));
  std::vector<uplift_gen::diagnostic> errors;
  const auto rec = uplift_gen::load_record(dir.string(), errors);
  for (const auto& e : errors) MESSAGE(e.str());
  REQUIRE(rec);
  CHECK(rec->json_version_key == "schema");
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.empty());
  CHECK(uplift_gen::emit_header(*c.record, c.steps)
            .find("  static constexpr std::string_view json_version_key = \"schema\";\n") !=
        std::string::npos);
}

TEST_CASE("a record without json_version_key leaves the key to the library (\"_v\")") {
  temp_dir tmp("json-key-none");
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_version(1, "", "  id:ulong;\n"));
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.empty());
  CHECK(c.record->json_version_key.empty());
  CHECK(uplift_gen::emit_header(*c.record, c.steps).find("json_version_key") == std::string::npos);
}

TEST_CASE("versions that name different JSON version keys are refused with both keys") {
  temp_dir tmp("json-key-differs");
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_version(1, " (json_version_key: \"schema\")", "  id:ulong;\n"));
  write_file(dir / "v2.fbs", note_version(2, " (json_version_key: \"version\")", "  id:ulong;\n"));
  const auto errors = load_errors(dir);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.file == (dir / "v2.fbs").string());
  CHECK(errors[0].where.line == 3);
  CHECK(errors[0].text ==
        "json_version_key is \"version\" but v1 says \"schema\"; a record keeps one version key, "
        "or its older JSON documents could not be read");
}

TEST_CASE("a root field named like the JSON version key is refused with the fix") {
  temp_dir tmp("json-key-clash");
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_version(1, "", "  id:ulong;\n  _v:int;\n"));
  const auto errors = load_errors(dir);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line == 5);
  CHECK(errors[0].text.find("field _v of Note has the name of the JSON version key") == 0);
}

TEST_CASE("an empty or quoted json_version_key is refused") {
  temp_dir tmp("json-key-bad");
  const fs::path dir = tmp.sub("note");
  write_file(dir / "v1.fbs", note_version(1, " (json_version_key: \"\")", "  id:ulong;\n"));
  const auto errors = load_errors(dir);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].text.find("json_version_key must be a non-empty key") == 0);
}
