#pragma once
// Shared helpers of the generator tests: temporary record folders under the build tree, and
// running the uplift-gen program.

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report.hpp"
#include "schema.hpp"

namespace codegen_test {
namespace fs = std::filesystem;

/// A fresh folder under the build tree (UPLIFT_GEN_TEST_TMP), removed with everything in it when
/// the object goes away. Unique per process and per object, so tests may run in parallel.
class temp_dir {
 public:
  explicit temp_dir(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = fs::path(UPLIFT_GEN_TEST_TMP) /
            (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  /// A subfolder, created.
  fs::path sub(const std::string& name) const {
    fs::create_directories(path_ / name);
    return path_ / name;
  }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes `text` as `dir`/v1.fbs and reads it back as a version model.
inline uplift_gen::version_model load_one(const fs::path& dir, const std::string& text) {
  fs::remove_all(dir);
  write_file(dir / "v1.fbs", text);
  std::vector<uplift_gen::diagnostic> errors;
  auto rec = uplift_gen::load_record(dir.string(), errors);
  for (const auto& e : errors) MESSAGE(e.str());
  REQUIRE(rec);
  REQUIRE(rec->versions.size() == 1);
  return rec->versions.front();
}

/// Every error of `errors`, one per line, as the generator prints them.
inline std::string all_errors(const std::vector<uplift_gen::diagnostic>& errors) {
  std::string out;
  for (const auto& e : errors) out += uplift_gen::format_diagnostic(e) + "\n";
  return out;
}

/// What a run of uplift-gen printed (stdout and stderr together) and its exit status.
struct run_result {
  int status = -1;
  std::string output;
};

/// Runs the uplift-gen program (UPLIFT_GEN_PATH) with `args`, each quoted for the shell.
inline run_result run_uplift_gen(const std::vector<std::string>& args) {
  std::string command = "'" + std::string(UPLIFT_GEN_PATH) + "'";
  for (const auto& a : args) {
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  command += " 2>&1";
  run_result r;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

}  // namespace codegen_test
