// The compatibility gate: `uplift-gen check --against REF` on a temporary git repository with a
// history of released, broken and fixed commits, and against a folder.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "codegen_test_support.hpp"

using namespace codegen_test;

namespace {

const std::string gate_v1 = R"(namespace notes.v1;
table Note { id:ulong; text:string; }
root_type Note;
)";
const std::string gate_v1_edited = R"(namespace notes.v1;
table Note { id:ulong; text:string; pinned:bool; }
root_type Note;
)";
const std::string gate_v2 = R"(namespace notes.v2;
table Note { id:ulong; text:string; pinned:bool; }
root_type Note;
)";
const std::string gate_v3 = R"(namespace notes.v3;
table Note { id:ulong; text:string; pinned:bool; color:uint; }
root_type Note;
)";

/// A git repository in a temporary folder, with the record folder `schemas/note`.
class repository {
 public:
  explicit repository(const std::string& name) : tmp_(name), dir_(tmp_.path() / "schemas" / "note") {
    fs::create_directories(dir_);
    git("init -q");
  }
  const fs::path& root() const { return tmp_.path(); }
  const fs::path& record() const { return dir_; }

  /// Runs `git <args>` in the repository; a failure fails the test.
  void git(const std::string& args) const {
    const std::string command = "git -C '" + tmp_.str() +
                                "' -c user.name=uplift -c user.email=uplift@example.com "
                                "-c commit.gpgsign=false " + args + " >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
  }
  void write(const std::string& file, const std::string& text) const { write_file(dir_ / file, text); }
  void remove(const std::string& file) const { fs::remove(dir_ / file); }
  /// Locks every version (as `uplift-gen lock` does when a version is released).
  void lock() const { REQUIRE(run_uplift_gen({"lock", dir_.string()}).status == 0); }
  /// Commits everything and returns the commit's hash.
  std::string commit(const std::string& message) const {
    git("add -A");
    git("commit -q -m '" + message + "'");
    const run_result r = run_in_root("git rev-parse HEAD");
    return r.output.substr(0, r.output.find('\n'));
  }
  /// `uplift-gen check --against <ref> <extra...> schemas/note`, run from the repository's root.
  run_result gate(const std::string& ref, const std::string& extra = "") const {
    return run_in_root("'" + std::string(UPLIFT_GEN_PATH) + "' check --against '" + ref + "' " +
                       extra + " schemas/note");
  }

 private:
  run_result run_in_root(const std::string& command) const {
    run_result r;
    FILE* pipe = ::popen(("cd '" + tmp_.str() + "' && " + command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
    const int raw = ::pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  }

  temp_dir tmp_;
  fs::path dir_;
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the gate fails a commit that edits a released version and passes the commit that fixes it") {
  repository repo("gate-history");
  repo.write("v1.fbs", gate_v1);
  repo.lock();
  const std::string released = repo.commit("v1, released");

  // The broken commit: v1 edited in place, and its lock line rewritten to match, so that the lock
  // alone no longer notices. The gate compares with the released commit and does.
  repo.write("v1.fbs", gate_v1_edited);
  repo.remove("uplift.lock");
  repo.lock();
  repo.commit("pinned added to v1 (wrong)");
  run_result r = repo.gate(released);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "schemas/note/v1.fbs: v1 changed since " + released +
                          ", where it is released (it is locked there): `pinned:bool = \"0\"; slot 2` is "
                          "new. Released versions are frozen: undo the edit (git checkout " +
                          released + " -- schemas/note/v1.fbs) and make the change in v2.fbs\n"));

  // The fix: v1 restored, the change made in v2.
  repo.git("checkout " + released + " -- schemas/note");
  repo.write("v2.fbs", gate_v2);
  const std::string fixed = repo.commit("pinned added in v2");
  r = repo.gate(released);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(has(r.output, "\nagainst " + released + ":\n  v1 unchanged\n  v2 new since " + released + "\n"));
  CHECK(repo.gate("HEAD~2").status == 0);  // any revision expression: the released commit
  CHECK(repo.gate(fixed).status == 0);
}

TEST_CASE("the gate lets the newest version at the reference change while it is not locked there, but no older one") {
  repository repo("gate-newest");
  repo.write("v1.fbs", gate_v1);
  repo.write("v2.fbs", gate_v2);
  const std::string ref = repo.commit("v1 and v2, nothing locked");

  repo.write("v2.fbs", R"(namespace notes.v2;
table Note { id:ulong; text:string; pinned:bool; starred:bool; }
root_type Note;
)");
  run_result r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(has(r.output, "  v2 changed since " + ref + ", where it is the newest and not locked (never released): it may change\n"));

  repo.write("v1.fbs", gate_v1_edited);
  r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "v1 changed since " + ref + ", where it is released (v2 follows it there)"));
}

TEST_CASE("the gate fails on a version removed, and accepts retired versions below the oldest left only when told") {
  repository repo("gate-removed");
  repo.write("v1.fbs", gate_v1);
  repo.write("v2.fbs", gate_v2);
  repo.write("v3.fbs", gate_v3);
  repo.lock();
  const std::string ref = repo.commit("v1..v3 released");

  repo.remove("v3.fbs");  // the newest removed
  run_result r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "schemas/note/v3.fbs: v3 is at " + ref + " but is gone here; records written at v3 could no longer be read"));
  CHECK(repo.gate(ref, "--allow-retired").status == 1);  // v3 is above the oldest left: no retirement

  repo.write("v3.fbs", gate_v3);
  repo.remove("v1.fbs");  // the oldest retired
  std::string lock = read_file(repo.record() / "uplift.lock");
  lock.erase(lock.find("v1 "), lock.find('\n', lock.find("v1 ")) - lock.find("v1 ") + 1);
  repo.write("uplift.lock", lock);
  r = repo.gate(ref);
  CHECK(r.status == 1);
  CHECK(has(r.output, "v1 is at " + ref + " but is gone here"));
  r = repo.gate(ref, "--allow-retired");
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(has(r.output, "  v1 retired: removed since " + ref + " (--allow-retired)\n  v2 unchanged\n  v3 unchanged\n"));
}

TEST_CASE("the gate fails on a new step that cannot be derived, and on a lock line lost") {
  repository repo("gate-step");
  repo.write("v1.fbs", gate_v1);
  repo.lock();
  const std::string ref = repo.commit("v1 released");

  repo.write("v2.fbs", R"(namespace notes.v2;
table Note { id:uint; text:string; }
root_type Note;
)");
  run_result r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "field `Note.id` changes type ulong -> uint (a narrowing) from v1 to v2"));

  repo.remove("v2.fbs");
  repo.remove("uplift.lock");
  r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 1);
  CHECK(has(r.output, "schemas/note/uplift.lock: uplift.lock at " + ref +
                          " locks v1 but this one does not: restore the line (run uplift-gen lock schemas/note)"));
}

TEST_CASE("the gate checks wire compatibility across the whole history, not only the last step") {
  repository repo("gate-history-slots");
  repo.write("v1.fbs", R"(namespace notes.v1;
table Note { id:ulong; text:string; device:string; }
root_type Note;
)");
  repo.write("v2.fbs", R"(namespace notes.v2;
table Note { id:ulong; text:string; }
root_type Note;
)");
  repo.lock();
  const std::string ref = repo.commit("v1, v2 released (device deleted outright)");
  repo.write("v3.fbs", R"(namespace notes.v3;
table Note { id:ulong; text:string; region:string; }
root_type Note;
)");
  const run_result r = repo.gate(ref);
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(has(r.output, "step v2 -> v3: transforming (old records are rebuilt on read)\n"
                      "  because Note.region takes slot 2, which v1's `device` used"));
}

TEST_CASE("the gate takes a folder as the reference, and a record missing there is new") {
  repository repo("gate-folder");
  repo.write("v1.fbs", gate_v1);
  repo.lock();
  temp_dir old("gate-folder-old");
  write_file(old.path() / "schemas" / "note" / "v1.fbs", gate_v1);
  write_file(old.path() / "schemas" / "note" / "uplift.lock", read_file(repo.record() / "uplift.lock"));
  run_result r = repo.gate(old.str());
  CAPTURE(r.output);
  CHECK(r.status == 0);
  CHECK(has(r.output, "  v1 unchanged\n"));

  repo.write("v1.fbs", gate_v1_edited);
  repo.remove("uplift.lock");
  repo.lock();
  r = repo.gate(old.str());
  CHECK(r.status == 1);
  CHECK(has(r.output, "v1 changed since " + old.str() + ", where it is released (it is locked there)"));

  temp_dir empty("gate-folder-empty");
  r = repo.gate(empty.str());
  CHECK(r.status == 0);
  CHECK(has(r.output, "not at " + empty.str() + ": a new record, nothing of it is released there"));
}

TEST_CASE("the gate exits 3 with what to do when the reference cannot be read") {
  repository repo("gate-unreadable");
  repo.write("v1.fbs", gate_v1);
  repo.commit("v1");
  run_result r = repo.gate("no-such-branch");
  CHECK(r.status == 3);
  CHECK(r.output == "uplift-gen: `no-such-branch` is not a revision of the repository at " +
                        repo.root().string() +
                        "; fetch it first (git fetch origin main; in CI, check out with the history: "
                        "fetch-depth: 0)\n");

  // A folder in no repository: the system's temporary folder (the build tree may sit in one).
  std::string pattern = (fs::temp_directory_path() / "uplift-gate-outside-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path outside = fs::path(pattern) / "note";
  write_file(outside / "v1.fbs", gate_v1);
  r = run_uplift_gen({"check", "--against", "main", outside.string()});
  fs::remove_all(pattern);
  CHECK(r.status == 3);
  CHECK(has(r.output, "is not in a git repository"));
  CHECK(run_uplift_gen({"check", "--allow-retired", repo.record().string()}).status == 2);
}
