// Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/): valid demo.User records,
// JSON documents, rows and buffers written before uplift of every version, the bad-input
// catalogue's cases (tests/support), and the record folders given on the command line as schema
// inputs.
//   uplift-fuzz-seeds OUT_DIR [RECORD_FOLDER...]
// The corpus is checked in; a test runs this again and compares, so it cannot go stale.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "bad_input_catalogue.hpp"

namespace fs = std::filesystem;
using namespace uplift_catalogue;

namespace {

/// A file name from a case's name: lower case letters, digits and dashes.
std::string file_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: uplift-fuzz-seeds OUT_DIR [RECORD_FOLDER...]\n";
    return 2;
  }
  const fs::path out = argv[1];
  std::size_t written = 0;
  for (const bad_input& c : catalogue()) {
    // The demo.User cases only (the record the fuzzers read); a truncation is one mutation away
    // from the whole record, so the cut records stay out.
    if (c.by != reader::user || c.name.find(" cut to ") != std::string::npos) continue;
    const bool legacy = c.name.starts_with("legacy: ");
    switch (c.as) {
      case form::json: write(out / "read_json" / file_name(c.name), c.input); break;
      case form::row: write(out / "rows" / file_name(c.name), c.input); break;
      case form::binary:
        write(out / (legacy ? "legacy" : "read") / file_name(c.name), c.input);
        if (!legacy) write(out / "peek" / file_name(c.name), c.input.substr(0, 24));
        break;
    }
    ++written;
  }
  for (int i = 2; i < argc; ++i) {
    const fs::path dir = argv[i];
    std::string joined;
    for (int n = 1; fs::exists(dir / ("v" + std::to_string(n) + ".fbs")); ++n) {
      if (n > 1) joined += "\n---\n";
      joined += read(dir / ("v" + std::to_string(n) + ".fbs"));
    }
    // Named by the folder and its parent: the evolution cases and the bad records share names.
    const std::string name = file_name(dir.parent_path().filename().string() + "-" +
                                       dir.filename().string());
    write(out / "schema" / name, joined);
    write(out / "check" / name, joined);
    ++written;
  }
  std::cout << "wrote " << written << " seeds to " << out.string() << "\n";
  return 0;
}
