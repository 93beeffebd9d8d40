// The canonical form and fingerprint of a version, and reading, checking and writing uplift.lock.
#include "lock.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace uplift_gen {
namespace fs = std::filesystem;

namespace {

/// `"text"` with backslashes, quotes and line breaks escaped, so no value can look like a line.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void write_field(std::string& out, const field_model& f) {
  out += "  " + f.name + ":" + f.type.spelling() + " = " + quoted(f.default_value);
  out += "; slot " + std::to_string(f.id);
  if (f.deprecated) out += "; deprecated";
  if (f.required) out += "; required";
  // FlatBuffers calls every non-scalar field optional; the flag means something (`= null`) only
  // for scalars, so only there is it part of the form.
  const bool scalar = f.type.k == type_ref::kind::scalar || f.type.k == type_ref::kind::enumeration;
  if (f.optional && scalar) out += "; optional";
  for (const auto& [key, value] : f.attributes) out += "; attribute " + key + " = " + quoted(value);
  out += "\n";
}

}  // namespace

std::string canonical_form(const version_model& v) {
  std::string out;
  out += "namespace " + v.ns + "\n";
  out += "root_type " + v.root + "\n";
  // Only when there is one, so that the fingerprints of versions without one stay as they were.
  if (!v.file_identifier.empty()) out += "file_identifier " + quoted(v.file_identifier) + "\n";
  // Both maps are ordered by name, so the order of declarations in the file does not matter.
  for (const auto& [name, s] : v.structs) {
    out += (s.fixed ? "struct " : "table ") + name + "\n";
    for (const auto& f : s.fields) write_field(out, f);
  }
  for (const auto& [name, e] : v.enums) {
    out += (e.is_union ? "union " : "enum ") + name + " : " + e.underlying + "\n";
    for (const auto& [value_name, value] : e.values)
      out += "  " + value_name + " = " + std::to_string(value) + "\n";
  }
  return out;
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[h & 0xf];
    h >>= 4;
  }
  return out;
}

std::string fingerprint(const version_model& v) { return fnv1a_hex(canonical_form(v)); }

const lock_entry* lock_file::find(int n) const {
  for (const auto& e : entries)
    if (e.version == n) return &e;
  return nullptr;
}

std::string lock_path(const std::string& record_dir) {
  return (fs::path(record_dir) / "uplift.lock").string();
}

std::optional<lock_file> read_lock(const std::string& path, std::vector<diagnostic>& errors) {
  lock_file lock;
  lock.path = path;
  std::error_code ec;
  if (!fs::exists(path, ec)) return lock;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({{path, 0}, "cannot be read; check its permissions"});
    return std::nullopt;
  }
  lock.exists = true;
  static const std::regex entry(R"(^v([1-9][0-9]{0,4})[ \t]+([0-9a-f]{16})$)");
  const std::size_t errors_before = errors.size();
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    const std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::smatch m;
    if (!std::regex_match(line, m, entry)) {
      errors.push_back({{path, n}, "cannot read `" + line +
                                       "`: every line is `v<N> <16 hex digits>` or a # comment; "
                                       "restore the file from version control (uplift-gen lock "
                                       "writes it, nobody edits it)"});
      continue;
    }
    const int version = std::stoi(m[1]);
    if (const lock_entry* earlier = lock.find(version)) {
      errors.push_back({{path, n}, "v" + std::to_string(version) + " is locked twice (also at line " +
                                       std::to_string(earlier->where.line) +
                                       "); restore the file from version control"});
      continue;
    }
    lock.entries.push_back({version, m[2], {path, n}});
  }
  if (errors.size() != errors_before) return std::nullopt;
  std::sort(lock.entries.begin(), lock.entries.end(),
            [](const lock_entry& a, const lock_entry& b) { return a.version < b.version; });
  return lock;
}

std::string lock_text(const lock_file& lock) {
  std::string out =
      "# uplift.lock: the fingerprint of every released version of this record, written by\n"
      "# `uplift-gen lock`. A released version is frozen: uplift-gen refuses a schema that no\n"
      "# longer matches its line here. Do not edit this file by hand; keep it in version control.\n";
  for (const auto& e : lock.entries) out += "v" + std::to_string(e.version) + " " + e.fingerprint + "\n";
  return out;
}

void check_lock(const record_model& rec, const lock_file& lock, std::vector<diagnostic>& errors) {
  const int next = rec.versions.empty() ? 1 : rec.versions.back().number + 1;
  for (const auto& e : lock.entries) {
    const version_model* v = nullptr;
    for (const auto& candidate : rec.versions)
      if (candidate.number == e.version) v = &candidate;
    const std::string vn = "v" + std::to_string(e.version);
    if (!v) {
      errors.push_back({e.where, vn + " is released (uplift.lock has " + e.fingerprint + ") but " +
                                     (fs::path(rec.dir) / (vn + ".fbs")).string() +
                                     " is missing; restore it (to retire " + vn +
                                     ", remove this line as well)"});
      continue;
    }
    const std::string now = fingerprint(*v);
    if (now != e.fingerprint)
      errors.push_back({{v->file, 0}, vn + " is released (uplift.lock has " + e.fingerprint +
                                          ") but its schema changed (now " + now +
                                          "); released versions are frozen: undo the edit and add v" +
                                          std::to_string(next) + ".fbs for the change"});
  }
}

std::optional<std::vector<int>> add_to_lock(const record_model& rec, lock_file& lock,
                                            std::vector<diagnostic>& errors) {
  const std::size_t errors_before = errors.size();
  check_lock(rec, lock, errors);
  if (errors.size() != errors_before) return std::nullopt;
  std::vector<int> added;
  for (const auto& v : rec.versions) {
    if (lock.find(v.number)) continue;
    lock.entries.push_back({v.number, fingerprint(v), {lock.path, 0}});
    added.push_back(v.number);
  }
  std::sort(lock.entries.begin(), lock.entries.end(),
            [](const lock_entry& a, const lock_entry& b) { return a.version < b.version; });
  return added;
}

bool write_lock(const lock_file& lock, std::vector<diagnostic>& errors) {
  // Written beside the lock and renamed over it, so a failure never leaves half a lock file.
  const std::string temp = lock.path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << lock_text(lock);
    if (!out.flush()) {
      errors.push_back({{lock.path, 0}, "cannot be written; check the folder's permissions"});
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp, lock.path, ec);
  if (ec) {
    errors.push_back({{lock.path, 0}, "cannot be written (" + ec.message() + ")"});
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace uplift_gen
