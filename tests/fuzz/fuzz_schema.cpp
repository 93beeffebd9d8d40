// Fuzz target: the generator's schema reading. The input is up to four versions of one record,
// the texts of v1.fbs, v2.fbs, ... separated by lines "---"; they are read with the same function
// uplift-gen runs on a record folder, and consecutive versions are diffed.
#include <string>
#include <vector>

#include "classify.hpp"
#include "fuzz_schema_input.hpp"
#include "fuzz_support.hpp"
#include "schema.hpp"

using uplift_fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<uplift_gen::schema_source> sources =
      uplift_fuzz::schema_sources({reinterpret_cast<const char*>(data), size});
  if (sources.empty()) return 0;
  std::vector<uplift_gen::diagnostic> errors;
  // An include is looked up in a folder that does not exist: the input is all there is.
  auto rec = uplift_gen::load_record_sources("/nonexistent/uplift-fuzz", sources, errors);
  if (!rec) {
    expect(!errors.empty(), "a record that does not load says why");
    for (const auto& e : errors) expect(!e.str().empty(), "a diagnostic has words");
    return 0;
  }
  expect(errors.empty(), "a record that loads has no diagnostics");
  for (std::size_t i = 1; i < rec->versions.size(); ++i) {
    const uplift_gen::step_report step = uplift_gen::classify(rec->versions[i - 1], rec->versions[i]);
    for (const auto& e : step.errors) expect(!e.str().empty(), "a step's diagnostic has words");
  }
  return 0;
}
