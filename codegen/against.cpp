// The compatibility gate: a record folder compared with the same folder at a git revision or in
// another folder.
#include "against.hpp"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lock.hpp"

namespace uplift_gen {
namespace fs = std::filesystem;

namespace {

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct command_output {
  int status = -1;
  std::string text;  ///< what the command wrote to its standard output
};

/// Runs `args` (the first is the program) with no shell in between the words and the program;
/// its standard error is dropped: every failure is reported by its exit status.
command_output run(const std::vector<std::string>& args) {
  std::string command;
  for (const auto& a : args) command += (command.empty() ? "" : " ") + shell_quoted(a);
  command += " 2>/dev/null";
  command_output out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  const int raw = ::pclose(pipe);
  out.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// A fresh folder for the files of a git revision, removed with them when the object goes.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "uplift-gen-against-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// The record as it is at the reference: its versions (nothing when the folder is not there) and
/// its lock.
struct released_record {
  bool present = false;
  std::optional<record_model> record;
  std::optional<lock_file> lock;
  std::vector<diagnostic> errors;  ///< the record is there but cannot be read
  std::string where;               ///< "origin/main:schemas/user" or the folder, for messages
};

/// Reads the record folder `dir` at git revision `ref`. Its files are written into `scratch`.
reference_problem read_from_git(const std::string& dir, const std::string& ref,
                                const scratch_dir& scratch, released_record& out) {
  const command_output top = run({"git", "-C", dir, "rev-parse", "--show-toplevel"});
  if (top.status != 0)
    return {dir + " is not in a git repository (or git is not installed): give --against a "
                  "revision of the repository that holds the record folders, or a folder"};
  const std::string root = trimmed(top.text);
  const std::string prefix = trimmed(run({"git", "-C", dir, "rev-parse", "--show-prefix"}).text);
  if (run({"git", "-C", root, "rev-parse", "--verify", "--quiet", ref + "^{commit}"}).status != 0)
    return {"`" + ref + "` is not a revision of the repository at " + root +
            "; fetch it first (git fetch origin main; in CI, check out with the history: "
            "fetch-depth: 0)"};
  if (scratch.path().empty()) return {"cannot create a temporary folder for the files at " + ref};
  const std::string folder = prefix.empty() ? std::string(".") : prefix.substr(0, prefix.size() - 1);
  out.where = ref + ":" + folder;
  std::vector<std::string> ls{"git", "-C", root, "ls-tree", "--name-only", ref};
  if (!prefix.empty()) ls.insert(ls.end(), {"--", prefix});
  const command_output listing = run(ls);
  std::vector<std::string> files;
  std::istringstream lines(listing.text);
  for (std::string line; std::getline(lines, line);) {
    const std::string name = fs::path(line).filename().string();
    if (fs::path(name).extension() == ".fbs" || name == "uplift.lock") files.push_back(name);
  }
  if (files.empty()) return {};  // not there: a record new since the reference
  out.present = true;
  std::vector<schema_source> sources;
  for (const std::string& name : files) {
    const command_output text = run({"git", "-C", root, "show", ref + ":" + prefix + name});
    if (text.status != 0) return {"cannot read " + ref + ":" + prefix + name + " with git show"};
    std::ofstream(scratch.path() / name, std::ios::binary) << text.text;
    if (name.size() > 5 && name[0] == 'v' && name.find_first_not_of("0123456789", 1) == name.size() - 4)
      sources.push_back({std::stoi(name.substr(1)), ref + ":" + prefix + name, text.text});
  }
  std::sort(sources.begin(), sources.end(),
            [](const schema_source& a, const schema_source& b) { return a.number < b.number; });
  out.record = load_record_sources(scratch.path().string(), std::move(sources), out.errors);
  out.lock = read_lock((scratch.path() / "uplift.lock").string(), out.errors);
  if (out.lock) out.lock->path = ref + ":" + prefix + "uplift.lock";
  return {};
}

/// Reads the record folder `dir` from the folder `ref`: `ref/dir` (for a relative `dir`, or one
/// under the current folder), else `ref` itself when it holds a record.
void read_from_folder(const std::string& dir, const std::string& ref, released_record& out) {
  std::error_code ec;
  fs::path rel = fs::path(dir);
  if (rel.is_absolute()) rel = fs::relative(rel, fs::current_path(), ec);
  fs::path candidate = fs::path(ref) / rel;
  const bool nested = !ec && !rel.empty() && *rel.begin() != ".." && fs::is_directory(candidate);
  if (!nested) {
    candidate = ref;
    bool holds = false;
    for (const auto& e : fs::directory_iterator(ref, ec))
      holds = holds || e.path().filename() == "v1.fbs" || e.path().filename() == "uplift.lock";
    if (!holds) return;  // not there: a record new since the reference
  }
  out.present = true;
  out.where = candidate.lexically_normal().string();
  out.record = load_record(candidate.string(), out.errors);
  out.lock = read_lock((candidate / "uplift.lock").string(), out.errors);
}

/// The lines of the canonical forms that differ, for a message: "`a` became `b`", or what is gone
/// and what is new.
std::string what_changed(const version_model& before, const version_model& now) {
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
      if (const auto start = l.find_first_not_of(' '); start != std::string::npos) out.push_back(l.substr(start));
    return out;
  };
  const auto a = lines(canonical_form(before));
  const auto b = lines(canonical_form(now));
  std::vector<std::string> gone, added;
  for (const auto& l : a)
    if (std::find(b.begin(), b.end(), l) == b.end()) gone.push_back(l);
  for (const auto& l : b)
    if (std::find(a.begin(), a.end(), l) == a.end()) added.push_back(l);
  std::string out;
  const std::size_t shown = 2;
  for (std::size_t i = 0; i < std::min(shown, std::max(gone.size(), added.size())); ++i) {
    if (!out.empty()) out += "; ";
    if (i < gone.size() && i < added.size())
      out += "`" + gone[i] + "` became `" + added[i] + "`";
    else if (i < gone.size())
      out += "`" + gone[i] + "` is gone";
    else
      out += "`" + added[i] + "` is new";
  }
  if (std::max(gone.size(), added.size()) > shown) out += "; and more";
  return out;
}

}  // namespace

reference_problem check_against(record_check& c, const reference& r) {
  if (!c.record) return {};  // its own errors say why; there is nothing to compare
  std::error_code ec;
  released_record at;
  scratch_dir scratch;
  if (fs::is_directory(r.ref, ec)) {
    read_from_folder(c.dir, r.ref, at);
  } else if (reference_problem p = read_from_git(c.dir, r.ref, scratch, at); !p.empty()) {
    return p;
  }
  const std::string ref = r.ref;
  c.against_ref = ref;
  auto& lines = c.against;
  if (!at.present) {
    lines.push_back("not at " + ref + ": a new record, nothing of it is released there");
    return {};
  }
  if (!at.record || !at.lock) {
    for (const auto& e : at.errors)
      c.errors.push_back({e.where, "at " + ref + ": " + e.text});
    c.errors.push_back({{at.where, 0}, "the record cannot be read as it is at " + ref +
                                           ", so it cannot be compared; fix it there first, or "
                                           "compare with a later revision"});
    return {};
  }
  const record_model& now = *c.record;
  const record_model& then = *at.record;
  const int newest_then = then.versions.back().number;
  auto find = [](const record_model& rec, int n) -> const version_model* {
    for (const auto& v : rec.versions)
      if (v.number == n) return &v;
    return nullptr;
  };
  for (const version_model& old : then.versions) {
    const int n = old.number;
    const std::string vn = vname(n);
    const version_model* v = find(now, n);
    const bool locked = at.lock->find(n) != nullptr;
    const std::string released_because =
        locked ? "it is locked there" : vname(n + 1) + " follows it there";
    if (!v) {
      const fs::path file = fs::path(c.dir) / (vn + ".fbs");
      if (r.allow_retired && n < now.versions.front().number) {
        lines.push_back(vn + " retired: removed since " + ref + " (--allow-retired)");
        continue;
      }
      c.errors.push_back(
          {{file.string(), 0},
           vn + " is at " + ref + " but is gone here; records written at " + vn +
               " could no longer be read: restore it (git checkout " + ref + " -- " +
               file.string() + "). To retire " + vn +
               " once no record of it is left (uplift stats shows none), remove it with the "
               "versions below it and run the gate with --allow-retired"});
      continue;
    }
    if (fingerprint(old) == fingerprint(*v)) {
      lines.push_back(vn + " unchanged");
      continue;
    }
    if (locked || n != newest_then) {
      c.errors.push_back(
          {{v->file, 0}, vn + " changed since " + ref + ", where it is released (" +
                             released_because + "): " + what_changed(old, *v) +
                             ". Released versions are frozen: undo the edit (git checkout " + ref +
                             " -- " + v->file + ") and make the change in v" +
                             std::to_string(now.versions.back().number + 1) + ".fbs"});
      continue;
    }
    lines.push_back(vn + " changed since " + ref +
                    ", where it is the newest and not locked (never released): it may change");
  }
  for (const version_model& v : now.versions)
    if (!find(then, v.number)) lines.push_back(vname(v.number) + " new since " + ref);
  for (const lock_entry& e : at.lock->entries)
    if (find(now, e.version) && c.lock && !c.lock->find(e.version))
      c.errors.push_back({{lock_path(c.dir), 0},
                          "uplift.lock at " + ref + " locks " + vname(e.version) +
                              " but this one does not: restore the line (run uplift-gen lock " +
                              c.dir + ")"});
  return {};
}

}  // namespace uplift_gen
