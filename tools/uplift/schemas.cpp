// Schema folders (schemas.hpp): FlatBuffers' parser reads each version of a record.
#include "schemas.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <regex>

namespace uplift_cli {
namespace {
namespace fs = std::filesystem;

/// v1.fbs, v2.fbs, ...: the version is the first group.
const std::regex& version_file() {
  static const std::regex r(R"(^v([1-9][0-9]{0,4})\.fbs$)");
  return r;
}

bool holds_versions(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (std::regex_match(e.path().filename().string(), version_file())) return true;
  return false;
}
}  // namespace

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::unique_ptr<flatbuffers::Parser> parser_for(const record_schemas& s, const version_schema& v) {
  auto p = std::make_unique<flatbuffers::Parser>();
  p->opts.strict_json = true;
  p->opts.output_default_scalars_in_json = true;
  p->opts.indent_step = 2;
  const char* includes[] = {s.dir.c_str(), nullptr};
  if (!p->Parse(v.text.c_str(), includes, v.file.c_str())) throw failure{v.file + ": " + p->error_};
  return p;
}

record_schemas load(const std::string& dir) {
  record_schemas s;
  s.dir = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw failure{dir + " is not a folder; give --schemas the record's schema folder (v1.fbs, v2.fbs, ...)"};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, m, version_file())) continue;
    std::ifstream in(e.path(), std::ios::binary);
    version_schema v;
    v.number = std::stoi(m[1]);
    v.file = e.path().string();
    v.text = read_all(in);
    s.versions[v.number] = std::move(v);
  }
  if (s.versions.empty()) throw failure{dir + " has no vN.fbs: give --schemas the record's schema folder"};
  for (auto& [n, v] : s.versions) {
    auto p = parser_for(s, v);
    if (!p->root_struct_def_) throw failure{v.file + ": no root_type"};
    const auto& components = p->root_struct_def_->defined_namespace->components;
    std::string parent;
    for (std::size_t i = 0; i + 1 < components.size(); ++i) parent += (parent.empty() ? "" : ".") + components[i];
    const std::string name = (parent.empty() ? "" : parent + ".") + p->root_struct_def_->name;
    if (s.name.empty()) s.name = name;
    for (const flatbuffers::FieldDef* f : p->root_struct_def_->fields.vec)
      v.slots = std::max(v.slots, (static_cast<int>(f->value.offset) - 4) / 2 + 1);
    if (const auto* key = p->root_struct_def_->attributes.Lookup("json_version_key")) s.version_key = key->constant;
    v.identifier = p->file_identifier_;
    p->Serialize();
    v.bfbs.assign(p->builder_.GetBufferPointer(), p->builder_.GetBufferPointer() + p->builder_.GetSize());
  }
  if (s.version_key.empty()) s.version_key = "_v";
  return s;
}

std::vector<std::string> record_folders(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw failure{dir + " is not a folder; give --schemas a record's schema folder (v1.fbs, v2.fbs, ...)"};
  if (holds_versions(dir)) return {dir};
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && holds_versions(e.path())) out.push_back(e.path().string());
  if (out.empty())
    throw failure{dir + " has no vN.fbs, nor folders that do: give --schemas a record's schema folder "
                        "(v1.fbs, v2.fbs, ...) or the folder of such folders"};
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace uplift_cli
