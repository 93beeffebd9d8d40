// Fuzz target: what `uplift-gen check` and `uplift-gen generate` do with a record, on a mutated
// schema corpus (seeded with every evolution case of tests/codegen/evolution and the record
// folders). The input is up to four versions of one record, the texts of v1.fbs, v2.fbs, ...
// separated by lines "---" (as the schema target's); a record that loads is classified, reported
// as `check` prints it, and, when the check finds no error, generated: the descriptor header, the
// separate source and the JSON header.
#include <string>
#include <vector>

#include "classify.hpp"
#include "emit.hpp"
#include "fuzz_schema_input.hpp"
#include "fuzz_support.hpp"
#include "report.hpp"
#include "schema.hpp"

using uplift_fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<uplift_gen::schema_source> sources =
      uplift_fuzz::schema_sources({reinterpret_cast<const char*>(data), size});
  if (sources.empty()) return 0;
  uplift_gen::record_check c;
  c.dir = "/nonexistent/uplift-fuzz";
  c.record = uplift_gen::load_record_sources(c.dir, sources, c.errors);
  if (!c.record) {
    expect(!c.errors.empty(), "a record that does not load says why");
    return 0;
  }
  c.steps = uplift_gen::classify_record(*c.record);
  expect(c.steps.size() + 1 == c.record->versions.size(), "one step between each two versions");
  for (const auto& step : c.steps) c.errors.insert(c.errors.end(), step.errors.begin(), step.errors.end());
  const std::string report = uplift_gen::check_report(c);
  expect(!report.empty(), "check prints a report");
  expect(report == uplift_gen::check_report(c), "check's report is deterministic");
  for (const auto& e : c.errors) expect(!uplift_gen::format_diagnostic(e).empty(), "an error has words");
  if (!c.errors.empty()) return 0;
  // A record the check passes is generated, with and without the downgrade hooks.
  expect(!uplift_gen::emit_header(*c.record, c.steps).empty(), "a checked record has a header");
  expect(!uplift_gen::emit_header(*c.record, c.steps, {.downgrades = true}).empty(),
         "a checked record has a header with its downgrades");
  expect(!uplift_gen::emit_separate_source(*c.record).empty(), "a checked record has a source");
  expect(!uplift_gen::emit_json_header(*c.record).empty(), "a checked record has a JSON header");
  return 0;
}
