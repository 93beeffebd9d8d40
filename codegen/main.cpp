// uplift-gen's command line: generate, check, lock.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <uplift/version.hpp>

#include "against.hpp"
#include "emit.hpp"
#include "fixtures.hpp"
#include "lock.hpp"
#include "report.hpp"

namespace {
namespace fs = std::filesystem;
using namespace uplift_gen;

constexpr int exit_ok = 0;
constexpr int exit_errors = 1;
constexpr int exit_usage = 2;
constexpr int exit_reference = 3;

constexpr const char* usage_text =
    R"(usage: uplift-gen generate [--downgrades] --out DIR RECORD_DIR...
       uplift-gen check [--against REF [--allow-retired]] RECORD_DIR...
       uplift-gen lock RECORD_DIR...
       uplift-gen fixtures RECORD_DIR...
       uplift-gen fixture-test --out FILE RECORD_DIR...
       uplift-gen --help | --version

A record folder holds one schema per version: v1.fbs, v2.fbs, ...

  generate  write DIR/<folder name>_uplift.hpp for each record folder: the record descriptor,
            its upgrade and downgrade steps and the hooks to write; and
            DIR/<folder name>_uplift_json.hpp: JSON readers and writers of every version;
            DIR/<folder name>_uplift.cpp: the reads through every version, compiled once
            for a program that defines UPLIFT_SEPARATE_INSTANTIATION (uplift_generate does).
            A file whose text is unchanged is left alone. The downgrade of a step with a hook is
            generated only with --downgrades (DOWNGRADES in uplift_generate): without it nothing
            calls the `downgrade` hook, so a program need not define it, and the versions below
            that step are not written
  check     print what every step of each record does, field by field, and every error.
            With --against REF (a git revision, e.g. origin/main, or a folder holding an older
            copy), also compare each record folder with the same folder at REF: a version
            released there (locked, or followed by a newer one) that changed or is gone here is
            an error; --allow-retired accepts versions removed below the oldest one left
  lock      add each record's versions to <record folder>/uplift.lock; a locked (released)
            version is frozen and generate and check fail when its schema changes
  fixtures  write <record folder>/fixtures/vN.bin and vN.json, a sample record (deterministic
            values per field type), once for every released version that has none; commit them
  fixture-test
            write FILE, the source of a program that reads every fixture with the current chain
            and compares it field by field with what its values must read as at the latest
            version (uplift_add_fixture_test builds and runs it as a test)

Exit status: 0 on success, 1 when a record has errors (each printed as file:line: text),
2 on a usage error, 3 when check --against cannot read REF (not a git repository, an unknown
revision: fetch it first).
)";

int usage_error(const std::string& what) {
  std::cerr << "uplift-gen: " << what << "\n\n" << usage_text;
  return exit_usage;
}

std::string version_string() {
  return std::to_string(UPLIFT_VERSION_MAJOR) + "." + std::to_string(UPLIFT_VERSION_MINOR) + "." +
         std::to_string(UPLIFT_VERSION_PATCH);
}

/// `dir` as a path whose last component is the record folder's own name: "schemas/user/" is
/// "schemas/user"; "." and ".." have no name of their own, so they become absolute paths.
fs::path named_dir(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (p.empty() || p.filename() == "." || p.filename() == "..") {
    p = fs::absolute(p).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
  }
  return p;
}

/// The record folder's own name ("user" for "schemas/user/"), which names the generated header.
std::string folder_name(const std::string& dir) { return named_dir(dir).filename().string(); }

/// Prints every error of every check to stderr; returns how many there were.
std::size_t print_errors(const std::vector<record_check>& checks) {
  std::size_t n = 0;
  for (const auto& c : checks)
    for (const auto& e : c.errors) {
      std::cerr << format_diagnostic(e) << "\n";
      ++n;
    }
  return n;
}

std::vector<record_check> check_all(const std::vector<std::string>& dirs) {
  std::vector<record_check> checks;
  checks.reserve(dirs.size());
  for (const auto& dir : dirs) checks.push_back(check_record(dir));
  return checks;
}

/// Writes `text` to `path` unless the file already holds exactly that text, so that the build
/// does not recompile what includes it. Returns false (with a message) when writing fails.
bool write_if_changed(const fs::path& path, const std::string& text, bool& written) {
  written = false;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream old;
      old << in.rdbuf();
      if (old.str() == text) return true;
    }
  }
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << path.string() << ": cannot be written; check the folder's permissions\n";
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::cerr << path.string() << ": cannot be written (" << ec.message() << ")\n";
    fs::remove(temp, ec);
    return false;
  }
  written = true;
  return true;
}

int run_generate(const std::string& out_dir, const std::vector<std::string>& dirs,
                 const generate_options& options) {
  std::map<std::string, std::string> names;  // folder name -> the record folder that has it
  for (const auto& dir : dirs) {
    const std::string name = folder_name(dir);
    if (auto [it, fresh] = names.emplace(name, dir); !fresh)
      return usage_error("record folders " + it->second + " and " + dir + " would both write " +
                         name + "_uplift.hpp; give them different folder names");
  }
  // The header's include lines name the folder, so a folder given as "." is read by its path.
  std::vector<std::string> resolved;
  for (const auto& dir : dirs) {
    const fs::path p = fs::path(dir).lexically_normal();
    resolved.push_back(p.filename() == "." || p.filename() == ".." ? named_dir(dir).string() : dir);
  }

  const std::vector<record_check> checks = check_all(resolved);
  if (const std::size_t n = print_errors(checks); n != 0) {
    std::cerr << "uplift-gen: " << n << (n == 1 ? " error" : " errors")
              << "; nothing generated\n";
    return exit_errors;
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << out_dir << ": cannot create the output folder (" << ec.message() << ")\n";
    return exit_errors;
  }
  for (const auto& c : checks) {
    const fs::path path = fs::path(out_dir) / (folder_name(c.dir) + "_uplift.hpp");
    bool written = false;
    if (!write_if_changed(path, emit_header(*c.record, c.steps, options), written)) return exit_errors;
    std::cout << "uplift-gen: " << path.string() << (written ? " written" : " is up to date")
              << "\n";
    const fs::path json_path = fs::path(out_dir) / (folder_name(c.dir) + "_uplift_json.hpp");
    if (!write_if_changed(json_path, emit_json_header(*c.record), written)) return exit_errors;
    std::cout << "uplift-gen: " << json_path.string()
              << (written ? " written" : " is up to date") << "\n";
    const fs::path source_path = fs::path(out_dir) / (folder_name(c.dir) + "_uplift.cpp");
    if (!write_if_changed(source_path, emit_separate_source(*c.record), written))
      return exit_errors;
    std::cout << "uplift-gen: " << source_path.string()
              << (written ? " written" : " is up to date") << "\n";
  }
  return exit_ok;
}

int run_check(const std::vector<std::string>& dirs, const std::optional<reference>& against) {
  std::vector<record_check> checks = check_all(dirs);
  if (against)
    for (auto& c : checks)
      if (const reference_problem p = check_against(c, *against); !p.empty()) {
        std::cerr << "uplift-gen: " << p.text << "\n";
        return exit_reference;
      }
  bool errors = false;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    std::cout << (i ? "\n" : "") << check_report(checks[i]);
    errors = errors || !checks[i].errors.empty();
  }
  return errors ? exit_errors : exit_ok;
}

int run_fixtures(const std::vector<std::string>& dirs) {
  std::vector<record_check> checks = check_all(dirs);
  if (const std::size_t n = print_errors(checks); n != 0) {
    std::cerr << "uplift-gen: " << n << (n == 1 ? " error" : " errors")
              << "; no fixture written: fix the records first\n";
    return exit_errors;
  }
  bool failed = false;
  for (const auto& c : checks) {
    std::vector<std::string> lines;
    std::vector<diagnostic> errors;
    write_fixtures(c, lines, errors);
    for (const auto& l : lines) std::cout << c.dir << ": " << l << "\n";
    for (const auto& e : errors) std::cerr << format_diagnostic(e) << "\n";
    failed = failed || !errors.empty();
  }
  return failed ? exit_errors : exit_ok;
}

int run_fixture_test(const std::string& out_file, const std::vector<std::string>& dirs) {
  const std::vector<record_check> checks = check_all(dirs);
  if (const std::size_t n = print_errors(checks); n != 0) {
    std::cerr << "uplift-gen: " << n << (n == 1 ? " error" : " errors") << "; no test written\n";
    return exit_errors;
  }
  std::vector<const record_check*> all;
  for (const auto& c : checks) all.push_back(&c);
  std::vector<diagnostic> errors;
  const std::string text = emit_fixture_test(all, fs::path(out_file).filename().string(), errors);
  for (const auto& e : errors) std::cerr << format_diagnostic(e) << "\n";
  if (!errors.empty()) return exit_errors;
  if (!fs::path(out_file).parent_path().empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(out_file).parent_path(), ec);
  }
  bool written = false;
  if (!write_if_changed(out_file, text, written)) return exit_errors;
  std::cout << "uplift-gen: " << out_file << (written ? " written" : " is up to date") << "\n";
  return exit_ok;
}

int run_lock(const std::vector<std::string>& dirs) {
  std::vector<record_check> checks = check_all(dirs);
  if (const std::size_t n = print_errors(checks); n != 0) {
    std::cerr << "uplift-gen: " << n << (n == 1 ? " error" : " errors")
              << "; nothing locked: a released version must be free of errors\n";
    return exit_errors;
  }
  for (auto& c : checks) {
    std::vector<diagnostic> errors;
    const auto added = add_to_lock(*c.record, *c.lock, errors);
    if (added && !added->empty() && write_lock(*c.lock, errors)) {
      std::string list;
      for (int n : *added) list += (list.empty() ? "v" : ", v") + std::to_string(n);
      std::cout << c.lock->path << ": locked " << list << "\n";
    } else if (added && added->empty()) {
      std::cout << c.lock->path << ": every version is locked already (newest v"
                << c.record->versions.back().number << ")\n";
    }
    if (!errors.empty()) {
      for (const auto& e : errors) std::cerr << format_diagnostic(e) << "\n";
      return exit_errors;
    }
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      return exit_ok;
    }
    if (a == "--version") {
      std::cout << "uplift-gen " << version_string() << "\n";
      return exit_ok;
    }
  }
  if (args.empty()) return usage_error("give a command: generate, check, lock, fixtures or fixture-test");
  const std::string& command = args[0];
  if (command != "generate" && command != "check" && command != "lock" && command != "fixtures" &&
      command != "fixture-test")
    return usage_error("unknown command '" + command + "'");
  const bool takes_out = command == "generate" || command == "fixture-test";

  std::string out_dir;
  std::vector<std::string> dirs;
  std::optional<reference> against;
  bool allow_retired = false;
  generate_options options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (takes_out && a == "--out") {
      if (i + 1 == args.size()) return usage_error("--out needs a folder");
      out_dir = args[++i];
    } else if (takes_out && a.rfind("--out=", 0) == 0) {
      out_dir = a.substr(6);
    } else if (command == "check" && a == "--against") {
      if (i + 1 == args.size()) return usage_error("--against needs a git revision or a folder");
      against = reference{args[++i]};
    } else if (command == "check" && a.rfind("--against=", 0) == 0) {
      against = reference{a.substr(10)};
    } else if (command == "check" && a == "--allow-retired") {
      allow_retired = true;
    } else if (command == "generate" && a == "--downgrades") {
      options.downgrades = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "' for " + command);
    } else {
      dirs.push_back(a);
    }
  }
  if (command == "generate" && out_dir.empty())
    return usage_error("generate needs --out DIR, the folder to write the headers to");
  if (command == "fixture-test" && out_dir.empty())
    return usage_error("fixture-test needs --out FILE, the test program's source to write");
  if (dirs.empty()) return usage_error(command + " needs at least one record folder");

  if (allow_retired && !against) return usage_error("--allow-retired goes with --against REF");
  if (against && against->ref.empty()) return usage_error("--against needs a git revision or a folder");
  if (against) against->allow_retired = allow_retired;
  if (command == "generate") return run_generate(out_dir, dirs, options);
  if (command == "check") return run_check(dirs, against);
  if (command == "fixtures") return run_fixtures(dirs);
  if (command == "fixture-test") return run_fixture_test(out_dir, dirs);
  return run_lock(dirs);
}
