// Reading a record folder with FlatBuffers' parser into the generator's model.
#include "schema.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <flatbuffers/idl.h>

namespace uplift_gen {
namespace fs = std::filesystem;

std::string type_ref::spelling() const {
  switch (k) {
    case kind::scalar: return scalar;
    case kind::string: return "string";
    case kind::table:
    case kind::structure:
    case kind::enumeration:
    case kind::union_type: return name;
    case kind::vector: return "[" + element + "]";
    case kind::array: return "[" + element + ":" + std::to_string(fixed_length) + "]";
  }
  return "?";
}

const field_model* struct_model::field(const std::string& n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

/// The 1-based line of the first match of `re` in `text` at or after line `from`, or 0.
int find_line(const std::string& text, const std::regex& re, int from = 1) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (n >= from && std::regex_search(line, re)) return n;
  return 0;
}

std::string escape_regex(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

type_ref::kind kind_of(flatbuffers::BaseType t, const flatbuffers::Type& full) {
  using namespace flatbuffers;
  if (t == BASE_TYPE_STRING) return type_ref::kind::string;
  if (t == BASE_TYPE_STRUCT)
    return full.struct_def && full.struct_def->fixed ? type_ref::kind::structure
                                                     : type_ref::kind::table;
  if (t == BASE_TYPE_UNION) return type_ref::kind::union_type;
  if (t == BASE_TYPE_VECTOR) return type_ref::kind::vector;
  if (t == BASE_TYPE_ARRAY) return type_ref::kind::array;
  if (full.enum_def && IsInteger(t)) return type_ref::kind::enumeration;
  return type_ref::kind::scalar;
}

std::string element_spelling(const flatbuffers::Type& t) {
  using namespace flatbuffers;
  const BaseType e = t.element;
  if (e == BASE_TYPE_STRING) return "string";
  if (e == BASE_TYPE_STRUCT && t.struct_def) return t.struct_def->name;
  if (e == BASE_TYPE_UNION && t.enum_def) return t.enum_def->name;
  if (t.enum_def && IsInteger(e)) return t.enum_def->name;
  return kTypeNames[e];
}

type_ref convert_type(const flatbuffers::Type& t) {
  using namespace flatbuffers;
  type_ref r;
  r.k = kind_of(t.base_type, t);
  if (IsScalar(t.base_type)) r.scalar = t.base_type == BASE_TYPE_UTYPE ? "ubyte" : kTypeNames[t.base_type];
  if (t.struct_def && (t.base_type == BASE_TYPE_STRUCT)) r.name = t.struct_def->name;
  if (t.enum_def && (r.k == type_ref::kind::enumeration || r.k == type_ref::kind::union_type))
    r.name = t.enum_def->name;
  if (t.base_type == BASE_TYPE_UTYPE && t.enum_def) {
    r.k = type_ref::kind::enumeration;
    r.name = t.enum_def->name;
  }
  if (r.k == type_ref::kind::vector || r.k == type_ref::kind::array) {
    r.element = element_spelling(t);
    r.element_kind = kind_of(t.element, t.VectorType());
    if (IsScalar(t.element)) r.element_scalar = kTypeNames[t.element];
    r.fixed_length = t.fixed_length;
  }
  return r;
}

bool in_namespace(const flatbuffers::Definition& d, const std::vector<std::string>& ns) {
  return d.defined_namespace && d.defined_namespace->components == ns;
}

}  // namespace

std::optional<record_model> load_record(const std::string& dir, std::vector<diagnostic>& errors) {
  if (!fs::is_directory(dir)) {
    errors.push_back({{dir, 0}, "not a folder; give a record folder holding v1.fbs, v2.fbs, ..."});
    return std::nullopt;
  }
  std::map<int, fs::path> files;
  static const std::regex version_file(R"(^v([1-9][0-9]{0,4})\.fbs$)");
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string fname = entry.path().filename().string();
    if (entry.is_regular_file() && std::regex_match(fname, m, version_file))
      files[std::stoi(m[1])] = entry.path();
  }
  std::vector<schema_source> sources;
  for (const auto& [n, path] : files) sources.push_back({n, path.string(), read_file(path)});
  return load_record_sources(dir, std::move(sources), errors);
}

std::optional<record_model> load_record_sources(const std::string& dir,
                                                std::vector<schema_source> sources,
                                                std::vector<diagnostic>& errors) {
  const std::size_t errors_before = errors.size();
  record_model rec;
  rec.dir = dir;
  if (sources.empty()) {
    errors.push_back({{dir, 0}, "no version files; add v1.fbs (then v2.fbs, ...) to this folder"});
    return std::nullopt;
  }
  for (std::size_t i = 1; i < sources.size(); ++i) {
    if (sources[i].number != sources[i - 1].number + 1) {
      errors.push_back({{sources[i].file, 0},
                        "versions must be contiguous: v" +
                            std::to_string(sources[i - 1].number + 1) + ".fbs is missing before " +
                            fs::path(sources[i].file).filename().string()});
      return std::nullopt;
    }
  }
  for (schema_source& src : sources) {
    const int n = src.number;
    version_model v;
    v.number = n;
    v.file = std::move(src.file);
    v.source = std::move(src.text);
    flatbuffers::IDLOptions opts;
    flatbuffers::Parser parser(opts);
    const std::string include_dir = fs::path(dir).string();
    const char* includes[] = {include_dir.c_str(), nullptr};
    if (!parser.Parse(v.source.c_str(), includes, v.file.c_str())) {
      errors.push_back({{}, parser.error_ + "; fix the schema so that flatc accepts it"});
      continue;
    }
    if (!parser.root_struct_def_) {
      errors.push_back({{v.file, 0}, "no root_type; declare `root_type <Table>;`"});
      continue;
    }
    const auto& ns = parser.root_struct_def_->defined_namespace->components;
    v.ns = join(ns, ".");
    const std::string want = "v" + std::to_string(n);
    // `.v2` or, as FlatBuffers users often write it, `.V2`.
    if (ns.empty() || (ns.back() != want && ns.back() != "V" + std::to_string(n))) {
      errors.push_back({{v.file, find_line(v.source, std::regex(R"(^\s*namespace\b)"))},
                        "the namespace must end in ." + want + " or .V" + std::to_string(n) +
                            " (e.g. `namespace demo." + want +
                            ";`), so that every version has its own C++ types"});
      continue;
    }
    if (ns.size() < 2) {
      errors.push_back({{v.file, find_line(v.source, std::regex(R"(^\s*namespace\b)"))},
                        "the namespace needs a name before ." + want +
                            " (e.g. `namespace demo." + want +
                            ";`): the record descriptor lives in it"});
      continue;
    }
    std::vector<std::string> parent(ns.begin(), ns.end() - 1);
    v.parent_ns = join(parent, ".");
    v.root = parser.root_struct_def_->name;
    v.file_identifier = parser.file_identifier_;
    for (const std::string& f : parser.GetIncludedFilesRecursive(v.file))
      if (f != v.file) v.includes.push_back(f);

    // A definition may come from an included file: its lines are looked up in that file's text.
    std::map<std::string, std::string> texts{{v.file, v.source}};
    auto text_of = [&](const std::string& file) -> const std::string& {
      auto it = texts.find(file);
      if (it == texts.end()) it = texts.emplace(file, read_file(file)).first;
      return it->second;
    };
    auto file_of = [&](const flatbuffers::Definition& d) {
      return d.file.empty() ? v.file : d.file;
    };

    for (const flatbuffers::StructDef* sd : parser.structs_.vec) {
      if (!in_namespace(*sd, ns)) continue;
      struct_model s;
      s.name = sd->name;
      s.fixed = sd->fixed;
      s.bytesize = sd->bytesize;
      s.minalign = sd->minalign;
      for (const auto& [key, val] : sd->attributes.dict) s.attributes[key] = val->constant;
      const std::string file = file_of(*sd);
      const std::string& text = text_of(file);
      const std::regex head("^\\s*(table|struct)\\s+" + escape_regex(sd->name) + "\\b");
      const int head_line = find_line(text, head);
      s.where = {file, head_line};
      for (const flatbuffers::FieldDef* fd : sd->fields.vec) {
        field_model f;
        f.name = fd->name;
        f.id = sd->fixed ? static_cast<int>(s.fields.size())
                         : (static_cast<int>(fd->value.offset) - 4) / 2;
        if (sd->fixed) f.byte_offset = static_cast<int>(fd->value.offset);
        f.type = convert_type(fd->value.type);
        f.default_value = fd->value.constant;
        f.deprecated = fd->deprecated;
        f.required = fd->IsRequired();
        f.optional = fd->IsOptional() && flatbuffers::IsScalar(fd->value.type.base_type);
        for (const auto& [key, val] : fd->attributes.dict) f.attributes[key] = val->constant;
        if (auto it = f.attributes.find("renamed_from"); it != f.attributes.end())
          f.renamed_from = it->second;
        f.computed = f.attributes.count("computed") != 0;
        std::string field_name = fd->name;
        // A union's hidden `<name>_type` field is declared by the union field itself.
        if (fd->value.type.base_type == flatbuffers::BASE_TYPE_UTYPE && field_name.size() > 5)
          field_name = field_name.substr(0, field_name.size() - 5);
        const int line =
            find_line(text, std::regex("(^|[\\s{;])" + escape_regex(field_name) + "\\s*:"),
                      head_line > 0 ? head_line : 1);
        f.where = {file, line};
        // Every type a version uses is its own: uplift converts each version's C++ types into
        // the next version's, so a type shared through another namespace has no step of its own.
        const flatbuffers::Type& t = fd->value.type;
        const flatbuffers::Definition* used = t.struct_def ? static_cast<const flatbuffers::Definition*>(t.struct_def)
                                                           : t.enum_def;
        if (used && !in_namespace(*used, ns)) {
          const std::string qualified = used->defined_namespace
                                            ? used->defined_namespace->GetFullyQualifiedName(used->name)
                                            : used->name;
          errors.push_back({f.where, "field `" + sd->name + "." + fd->name + "` has the type " +
                                         qualified + ", declared outside namespace " + v.ns +
                                         "; every type of a version lives in its namespace, so "
                                         "that each version has its own C++ types: declare " +
                                         used->name + " in " + v.ns +
                                         " (an included file may declare `namespace " + v.ns +
                                         ";` too)"});
        }
        s.fields.push_back(std::move(f));
      }
      if (!s.fixed)
        std::stable_sort(s.fields.begin(), s.fields.end(),
                         [](const field_model& a, const field_model& b) { return a.id < b.id; });
      v.structs[s.name] = std::move(s);
    }
    for (const flatbuffers::EnumDef* ed : parser.enums_.vec) {
      if (!in_namespace(*ed, ns)) continue;
      enum_model e;
      e.name = ed->name;
      e.is_union = ed->is_union;
      e.underlying = flatbuffers::kTypeNames[ed->underlying_type.base_type];
      for (const flatbuffers::EnumVal* ev : ed->Vals()) e.values.emplace_back(ev->name, ev->GetAsInt64());
      const std::string file = file_of(*ed);
      e.where = {file, find_line(text_of(file), std::regex("^\\s*(enum|union)\\s+" +
                                                           escape_regex(ed->name) + "\\b"))};
      for (const flatbuffers::EnumVal* ev : ed->Vals()) {
        const flatbuffers::StructDef* member = ed->is_union ? ev->union_type.struct_def : nullptr;
        if (member && !in_namespace(*member, ns))
          errors.push_back({e.where, "union " + ed->name + " has the member " +
                                         member->defined_namespace->GetFullyQualifiedName(member->name) +
                                         ", declared outside namespace " + v.ns +
                                         "; every type of a version lives in its namespace: declare " +
                                         member->name + " in " + v.ns});
      }
      v.enums[e.name] = std::move(e);
    }
    rec.versions.push_back(std::move(v));
  }
  if (errors.size() != errors_before) return std::nullopt;

  rec.name = rec.versions.front().root;
  rec.parent_ns = rec.versions.front().parent_ns;
  for (const auto& v : rec.versions) {
    if (v.root != rec.name)
      errors.push_back({{v.file, find_line(v.source, std::regex(R"(^\s*root_type\b)"))},
                        "root_type is " + v.root + " but v" +
                            std::to_string(rec.versions.front().number) + " says " + rec.name +
                            "; every version of a record keeps the same table name"});
    if (v.parent_ns != rec.parent_ns)
      errors.push_back({{v.file, find_line(v.source, std::regex(R"(^\s*namespace\b)"))},
                        "namespace " + v.ns + " must be " + rec.parent_ns + ".v" +
                            std::to_string(v.number) + " like the other versions"});
  }
  if (errors.size() != errors_before) return std::nullopt;

  // The JSON version key is the record's, not a version's: every version that names it agrees.
  const version_model* keyed = nullptr;
  for (const auto& v : rec.versions) {
    const struct_model& root = v.structs.at(v.root);
    auto it = root.attributes.find("json_version_key");
    if (it == root.attributes.end()) continue;
    if (it->second.empty() || it->second.find_first_of("\"\\") != std::string::npos ||
        std::any_of(it->second.begin(), it->second.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      errors.push_back({root.where, "json_version_key must be a non-empty key without quotes, "
                                    "backslashes or control characters"});
      continue;
    }
    if (keyed == nullptr) {
      keyed = &v;
      rec.json_version_key = it->second;
    } else if (it->second != rec.json_version_key) {
      errors.push_back({root.where, "json_version_key is \"" + it->second + "\" but v" +
                                        std::to_string(keyed->number) + " says \"" +
                                        rec.json_version_key +
                                        "\"; a record keeps one version key, or its older JSON "
                                        "documents could not be read"});
    }
  }
  const std::string key = rec.json_version_key.empty() ? "_v" : rec.json_version_key;
  for (const auto& v : rec.versions) {
    const struct_model& root = v.structs.at(v.root);
    if (const field_model* f = root.field(key))
      errors.push_back({f->where, "field " + key + " of " + v.root +
                                      " has the name of the JSON version key; rename the field, "
                                      "or choose another key with the root table's attribute "
                                      "(json_version_key: \"...\")"});
  }
  if (errors.size() != errors_before) return std::nullopt;
  return rec;
}

}  // namespace uplift_gen
