// Sample records (a deterministic value per field) and what they read as at the latest version.
#include "fixtures.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <flatbuffers/idl.h>
#include <uplift/header.hpp>

#include "emit.hpp"
#include "templates.hpp"

namespace uplift_gen {

namespace {

constexpr int max_depth = 3;  // nested tables below this depth are left out of a sample

std::string json_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[(c >> 4) & 0xf];
      out += hex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

sample_value number(std::string text) { return {sample_value::kind::number, std::move(text), {}, {}}; }
sample_value string(std::string text) { return {sample_value::kind::string, std::move(text), {}, {}}; }
sample_value name(std::string text) { return {sample_value::kind::name, std::move(text), {}, {}}; }
sample_value boolean(bool b) { return {sample_value::kind::boolean, b ? "true" : "false", {}, {}}; }
sample_value object() { return {sample_value::kind::object, {}, {}, {}}; }
sample_value array() { return {sample_value::kind::array, {}, {}, {}}; }

const sample_value* member(const sample_value& obj, const std::string& key) {
  for (const auto& m : obj.members)
    if (m.key == key) return &m.value;
  return nullptr;
}

/// The sample of a scalar of type `scalar` in slot `slot`, `offset` added (vector elements), not
/// equal to `default_value` where that can be helped.
sample_value scalar_sample(const std::string& scalar, int slot, int offset,
                           const std::string& default_value) {
  if (scalar == "bool") return boolean(default_value == "0" ? offset % 2 == 0 : offset % 2 != 0);
  long long base = 0;
  if (scalar == "byte" || scalar == "ubyte") base = 10;
  else if (scalar == "short" || scalar == "ushort") base = 1000;
  else if (scalar == "int" || scalar == "uint") base = 100000;
  else if (scalar == "long" || scalar == "ulong") base = 10000000000LL;
  if (scalar == "float" || scalar == "double") {
    std::string text = std::to_string(slot + offset) + ".5";
    if (default_value == text) text = std::to_string(slot + offset + 1) + ".5";
    return number(text);
  }
  long long value = base + slot + offset;
  if (std::to_string(value) == default_value) ++value;
  return number(std::to_string(value));
}

/// The enum value a sample holds: the second declared value that is not the default, else the
/// first; `offset` moves along the values (vector elements).
sample_value enum_sample(const enum_model& e, const std::string& default_value, int offset) {
  if (e.values.empty()) return number("0");
  std::vector<std::size_t> order;
  for (std::size_t i = 1; i < e.values.size(); ++i) order.push_back(i);
  order.push_back(0);
  std::vector<std::size_t> preferred;
  for (std::size_t i : order)
    if (std::to_string(e.values[i].second) != default_value) preferred.push_back(i);
  if (preferred.empty()) preferred.push_back(0);
  return name(e.values[preferred[static_cast<std::size_t>(offset) % preferred.size()]].first);
}

class sampler {
 public:
  explicit sampler(const version_model& v) : v_(v) {}

  sample_value table(const std::string& table_name, int depth) const {
    sample_value out = object();
    const struct_model& t = v_.structs.at(table_name);
    for (const field_model& f : t.fields) {
      if (f.deprecated || is_union_type_field(t, f)) continue;
      if (f.attributes.count("nested_flatbuffer") || f.attributes.count("flexbuffer")) continue;
      if (f.type.k == type_ref::kind::union_type) {
        const enum_model& u = v_.enums.at(f.type.name);
        for (const auto& [m, value] : u.values) {
          if (value == 0 || !v_.structs.count(m) || depth + 1 >= max_depth) continue;
          out.add(f.name + "_type", name(m));
          out.add(f.name, table(m, depth + 1));
          break;
        }
        continue;
      }
      if (auto value = field(f, depth)) out.add(f.name, std::move(*value));
    }
    return out;
  }

 private:
  std::optional<sample_value> field(const field_model& f, int depth) const {
    using k = type_ref::kind;
    switch (f.type.k) {
      case k::scalar: return scalar_sample(f.type.scalar, f.id, 0, f.default_value);
      case k::enumeration: return enum_sample(v_.enums.at(f.type.name), f.default_value, 0);
      case k::string: return string(f.name);
      case k::structure: return structure(f.type.name);
      case k::table:
        if (depth + 1 >= max_depth) return std::nullopt;
        return table(f.type.name, depth + 1);
      case k::union_type: return std::nullopt;  // written by table(), with its type
      case k::vector:
      case k::array: {
        const int n = f.type.k == k::array ? f.type.fixed_length : 2;
        sample_value out = array();
        for (int i = 0; i < n; ++i) {
          switch (f.type.element_kind) {
            case k::scalar:
              out.items.push_back(scalar_sample(f.type.element_scalar, f.id, i, ""));
              break;
            case k::enumeration:
              out.items.push_back(enum_sample(v_.enums.at(f.type.element), "", i));
              break;
            case k::string: out.items.push_back(string(f.name + " " + std::to_string(i + 1))); break;
            case k::structure: out.items.push_back(structure(f.type.element)); break;
            case k::table:
              if (depth + 1 >= max_depth) return std::nullopt;
              out.items.push_back(table(f.type.element, depth + 1));
              break;
            default: return std::nullopt;  // vectors of unions are not sampled
          }
        }
        return out;
      }
    }
    return std::nullopt;
  }

  sample_value structure(const std::string& struct_name) const {
    sample_value out = object();
    const struct_model& s = v_.structs.at(struct_name);
    for (const field_model& f : s.fields)
      if (auto value = field(f, 0)) out.add(f.name, std::move(*value));
    return out;
  }

  const version_model& v_;
};

const table_step* table_of_step(const step_report& step, const std::string& name) {
  for (const auto& t : step.tables)
    if (t.name == name) return &t;
  return nullptr;
}

/// Carries a sample of version `from_` to the latest version through the classified steps.
class carrier {
 public:
  carrier(const record_model& rec, const std::vector<step_report>& steps, std::size_t k)
      : steps_(steps), k_(k), from_(rec.versions[k]), to_(rec.versions.back()) {}

  /// `value`, a sample of table `table` at `from_`, as the latest version's table reads it.
  /// `path` is where the table is ("" for the root, "maker." for a field); `whole` is the
  /// top-level field a table reached through a vector or union belongs to ("" at the root).
  sample_value table(const std::string& table_name, const sample_value& value, const std::string& path,
                     const std::string& whole, std::vector<std::string>& unchecked) const {
    sample_value out = object();
    const struct_model& t = to_.structs.at(table_name);
    for (const field_model& f : t.fields) {
      if (f.deprecated || is_union_type_field(t, f)) continue;
      bool hooked = false;
      const field_model* src = trace(table_name, f, hooked);
      if (hooked) {
        const std::string where = whole.empty() ? path + f.name : whole;
        if (std::find(unchecked.begin(), unchecked.end(), where) == unchecked.end())
          unchecked.push_back(where);
        continue;
      }
      if (!src) continue;  // added on the way: read as its default
      if (f.type.k == type_ref::kind::union_type) {
        const sample_value* type = member(value, src->name + "_type");
        const sample_value* held = member(value, src->name);
        if (!type || !held) continue;
        out.add(f.name + "_type", *type);
        out.add(
            f.name, this->table(type->text, *held, path + f.name + ".",
                                whole.empty() ? path + f.name : whole, unchecked));
        continue;
      }
      const sample_value* held = member(value, src->name);
      if (!held) continue;
      out.add(f.name, convert(*held, src->type, f.type, path + f.name, whole, unchecked));
    }
    return out;
  }

 private:
  /// The field of `from_` that the latest `table.field` comes from, or null when it is added on
  /// the way (or its table is new); `hooked` when a hook fills it on the way.
  const field_model* trace(const std::string& table_name, const field_model& field, bool& hooked) const {
    const field_model* cur = &field;
    for (std::size_t s = steps_.size(); s-- > k_;) {
      const table_step* ts = table_of_step(steps_[s], table_name);
      if (!ts) return nullptr;
      const field_step* found = nullptr;
      for (const auto& f : ts->fields)
        if (f.to == cur) found = &f;
      if (!found) return nullptr;
      if (found->kind == field_kind::computed) {
        hooked = true;
        return nullptr;
      }
      if (!found->from) return nullptr;
      cur = found->from;
    }
    return cur;
  }

  sample_value convert(const sample_value& value, const type_ref& from, const type_ref& to,
                       const std::string& path, const std::string& whole,
                       std::vector<std::string>& unchecked) const {
    using k = type_ref::kind;
    switch (to.k) {
      case k::enumeration: return enum_value(value, from.name, to.name);
      case k::structure: return structure(value, from.name, to.name);
      case k::table: return table(to.name, value, path + ".", whole, unchecked);
      case k::vector:
      case k::array: {
        sample_value out = array();
        type_ref fe, te;
        fe.k = from.element_kind;
        te.k = to.element_kind;
        fe.name = from.element;
        te.name = to.element;
        fe.scalar = from.element_scalar;
        te.scalar = to.element_scalar;
        for (const auto& item : value.items)
          out.items.push_back(convert(item, fe, te, path, whole.empty() ? path : whole, unchecked));
        return out;
      }
      default: return value;  // numbers keep their value; strings and booleans are as they were
    }
  }

  sample_value enum_value(const sample_value& value, const std::string& from, const std::string& to) const {
    if (value.k != sample_value::kind::name && value.k != sample_value::kind::string) return value;
    auto a = from_.enums.find(from);
    auto b = to_.enums.find(to);
    if (a == from_.enums.end() || b == to_.enums.end()) return value;
    for (const auto& [n, number] : a->second.values) {
      if (n != value.text) continue;
      for (const auto& [n2, number2] : b->second.values)
        if (number2 == number) return name(n2);
      return sample_value{sample_value::kind::number, std::to_string(number), {}, {}};
    }
    return value;
  }

  sample_value structure(const sample_value& value, const std::string& from, const std::string& to) const {
    // Structs keep their layout and are read by position: a member may have a new name.
    const struct_model& a = from_.structs.at(from);
    const struct_model& b = to_.structs.at(to);
    sample_value out = object();
    for (std::size_t i = 0; i < a.fields.size() && i < b.fields.size(); ++i) {
      const sample_value* held = member(value, a.fields[i].name);
      if (!held) continue;
      std::vector<std::string> none;
      out.add(b.fields[i].name,
                               convert(*held, a.fields[i].type, b.fields[i].type, "", "", none));
    }
    return out;
  }

  const std::vector<step_report>& steps_;
  std::size_t k_;
  const version_model& from_;
  const version_model& to_;
};

/// A small JSON reader for fixtures: objects, arrays, strings (escapes and \\u included), numbers
/// kept as written, true, false and null.
class json_reader {
 public:
  explicit json_reader(const std::string& text) : t_(text) {}

  std::optional<sample_value> document(std::string& error) {
    std::optional<sample_value> v = value();
    space();
    if (v && at_ != t_.size()) fail("text after the document");
    if (!error_.empty()) {
      error = error_ + " at byte " + std::to_string(at_);
      return std::nullopt;
    }
    return v;
  }

 private:
  void fail(const std::string& why) {
    if (error_.empty()) error_ = why;
  }
  void space() {
    while (at_ < t_.size() && (t_[at_] == ' ' || t_[at_] == '\n' || t_[at_] == '\r' || t_[at_] == '\t')) ++at_;
  }
  bool eat(char c) {
    space();
    if (at_ < t_.size() && t_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool word(const char* w) {
    const std::size_t n = std::char_traits<char>::length(w);
    if (t_.compare(at_, n, w) != 0) return false;
    at_ += n;
    return true;
  }

  /// A value; a `null` is an empty optional with no error.
  std::optional<sample_value> value() {
    if (++depth_ > 64) {
      fail("nested too deeply");
      return std::nullopt;
    }
    struct leave {
      int& d;
      ~leave() { --d; }
    } guard{depth_};
    space();
    if (at_ >= t_.size()) {
      fail("the document ends early");
      return std::nullopt;
    }
    const char c = t_[at_];
    if (c == '{') {
      ++at_;
      sample_value out = object();
      if (eat('}')) return out;
      do {
        space();
        std::string key;
        if (!string_body(key)) return std::nullopt;
        if (!eat(':')) {
          fail("a ':' is missing");
          return std::nullopt;
        }
        std::optional<sample_value> v = value();
        if (!error_.empty()) return std::nullopt;
        if (v) out.add(std::move(key), std::move(*v));
      } while (eat(','));
      if (!eat('}')) fail("a '}' is missing");
      return out;
    }
    if (c == '[') {
      ++at_;
      sample_value out = array();
      if (eat(']')) return out;
      do {
        std::optional<sample_value> v = value();
        if (!error_.empty()) return std::nullopt;
        if (!v) {
          fail("null inside an array");
          return std::nullopt;
        }
        out.items.push_back(std::move(*v));
      } while (eat(','));
      if (!eat(']')) fail("a ']' is missing");
      return out;
    }
    if (c == '"') {
      std::string text;
      if (!string_body(text)) return std::nullopt;
      return string(std::move(text));
    }
    if (word("true")) return boolean(true);
    if (word("false")) return boolean(false);
    if (word("null")) return std::nullopt;
    const std::size_t start = at_;
    while (at_ < t_.size() && std::string_view("+-0123456789.eE").find(t_[at_]) != std::string_view::npos) ++at_;
    if (start == at_) {
      fail("a value is expected");
      return std::nullopt;
    }
    return number(t_.substr(start, at_ - start));
  }

  bool string_body(std::string& out) {
    if (at_ >= t_.size() || t_[at_] != '"') {
      fail("a string is expected");
      return false;
    }
    ++at_;
    while (at_ < t_.size() && t_[at_] != '"') {
      char c = t_[at_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= t_.size()) break;
      c = t_[at_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (at_ + 4 > t_.size() || !std::all_of(t_.begin() + static_cast<std::ptrdiff_t>(at_),
                                                  t_.begin() + static_cast<std::ptrdiff_t>(at_ + 4),
                                                  [](char h) { return std::isxdigit(static_cast<unsigned char>(h)) != 0; })) {
            fail("a bad \\u escape");
            return false;
          }
          const unsigned long cp = std::stoul(t_.substr(at_, 4), nullptr, 16);
          at_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: out += c;
      }
    }
    if (at_ >= t_.size()) {
      fail("a string is not closed");
      return false;
    }
    ++at_;
    return true;
  }

  const std::string& t_;
  std::size_t at_ = 0;
  int depth_ = 0;
  std::string error_;
};

std::string read_text(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string version_key(const record_model& rec) {
  return rec.json_version_key.empty() ? std::string("_v") : rec.json_version_key;
}

/// `text` as a C++ string literal's contents.
std::string cpp_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[(c >> 4) & 0xf];
      out += hex[c & 0xf];
      out += "\"\"";  // ends the escape: the next character is not a hex digit of it
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void sample_value::add(std::string key, sample_value value) {
  members.push_back({std::move(key), std::move(value)});
}

std::string sample_value::json() const {
  switch (k) {
    case kind::number:
    case kind::boolean: return text;
    case kind::string:
    case kind::name: return json_quoted(text);
    case kind::object: {
      std::string out = "{";
      for (std::size_t i = 0; i < members.size(); ++i)
        out += (i ? "," : "") + json_quoted(members[i].key) + ":" + members[i].value.json();
      return out + "}";
    }
    case kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i].json();
      return out + "]";
    }
  }
  return {};
}

sample_value sample_record(const version_model& v) { return sampler(v).table(v.root, 0); }

std::string sample_json(const version_model& v) { return sample_record(v).json(); }

sample_value expected_latest(const record_model& rec, const std::vector<step_report>& steps,
                             int from, const sample_value& sample,
                             std::vector<std::string>& unchecked) {
  const std::size_t k = static_cast<std::size_t>(from - rec.versions.front().number);
  return carrier(rec, steps, k).table(rec.versions.back().root, sample, "", "", unchecked);
}

}  // namespace uplift_gen

namespace uplift_gen {

std::optional<sample_value> parse_sample(const std::string& json, std::string& error) {
  return json_reader(json).document(error);
}

std::string fixture_path(const std::string& record_dir, int version, const char* extension) {
  return (std::filesystem::path(record_dir) / "fixtures" / ("v" + std::to_string(version) + extension))
      .string();
}

void write_fixtures(const record_check& c, std::vector<std::string>& lines,
                    std::vector<diagnostic>& errors) {
  namespace fs = std::filesystem;
  const record_model& rec = *c.record;
  const std::string record_name = rec.parent_ns.empty() ? rec.name : rec.parent_ns + "." + rec.name;
  bool any = false;
  for (std::size_t k = 0; k < rec.versions.size(); ++k) {
    const version_model& v = rec.versions[k];
    if (!c.lock || !c.lock->find(v.number)) continue;
    any = true;
    const std::string bin = fixture_path(c.dir, v.number, ".bin");
    const std::string json = fixture_path(c.dir, v.number, ".json");
    std::error_code ec;
    if (fs::exists(bin, ec) && fs::exists(json, ec)) {
      lines.push_back("v" + std::to_string(v.number) + ": " + bin + " and " + json +
                      " are there already (fixtures are frozen; delete one to write it again)");
      continue;
    }
    const std::string document = sample_json(v);
    // The payload: the sample built by FlatBuffers' own parser, as any FlatBuffers writer would.
    flatbuffers::Parser parser;
    const std::string include_dir = c.dir;
    const char* includes[] = {include_dir.c_str(), nullptr};
    if (!parser.Parse(v.source.c_str(), includes, v.file.c_str()) || !parser.Parse(document.c_str())) {
      errors.push_back({{v.file, 0}, "cannot build the sample record of v" + std::to_string(v.number) +
                                         ": " + parser.error_});
      continue;
    }
    std::string payload(reinterpret_cast<const char*>(parser.builder_.GetBufferPointer()),
                        parser.builder_.GetSize());
    payload.resize((payload.size() + 7) / 8 * 8, '\0');  // uplift's payloads are whole 8-byte words
    // The minimum reader version, as uplift's writers set it: the first version of the run of
    // wire-compatible steps that leads to this one.
    std::size_t first = k;
    while (first > 0 && c.steps[first - 1].wire_compatible) --first;
    uplift::record_header h;
    h.type_id = uplift::type_id_of(record_name);
    h.version = static_cast<std::uint16_t>(v.number);
    h.min_reader_version = static_cast<std::uint16_t>(rec.versions[first].number);
    const auto header = uplift::encode_header(h);
    fs::create_directories(fs::path(bin).parent_path(), ec);
    auto write = [&](const std::string& path, const std::string& text) {
      if (fs::exists(path, ec)) {
        lines.push_back("v" + std::to_string(v.number) + ": " + path + " is there already (kept)");
        return;
      }
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out.flush())
        errors.push_back({{path, 0}, "cannot be written; check the folder's permissions"});
      else
        lines.push_back("v" + std::to_string(v.number) + ": " + path + " written");
    };
    write(bin, std::string(reinterpret_cast<const char*>(header.data()), header.size()) + payload);
    write(json, "{\"" + version_key(rec) + "\":" + std::to_string(v.number) +
                    (document == "{}" ? "" : ",") + document.substr(1) + "\n");
  }
  if (!any)
    lines.push_back("no version is released yet (" + lock_path(c.dir) +
                    " locks none): run `uplift-gen lock " + c.dir + "` when one is");
  const int newest = rec.versions.back().number;
  if (any && (!c.lock || !c.lock->find(newest)))
    lines.push_back("v" + std::to_string(newest) + " is not released (not locked): its fixtures are "
                    "written when it is");
}

std::string emit_fixture_test(const std::vector<const record_check*>& checks, const std::string& file,
                              std::vector<diagnostic>& errors) {
  namespace fs = std::filesystem;
  std::string includes, code, names;
  std::size_t count = 0;
  for (const record_check* cp : checks) {
    const record_check& c = *cp;
    const record_model& rec = *c.record;
    const version_model& latest = rec.versions.back();
    const std::string qualified = rec.parent_ns.empty() ? rec.name : rec.parent_ns + "." + rec.name;
    const std::string cpp_record = record_ns(rec) + "::" + rec.name;
    std::string id = qualified;
    std::replace(id.begin(), id.end(), '.', '_');
    names += (names.empty() ? "" : ", ") + qualified;
    includes += "#include \"" + folder_name(rec) + "_uplift_json.hpp\"\n";
    std::string compares;
    const struct_model& root = latest.structs.at(latest.root);
    for (const field_model& f : root.fields)
      if (!f.deprecated && !is_union_type_field(root, f))
        compares += render(templates::fixture_compare, {{"field", f.name}});
    std::string fixtures;
    for (const version_model& v : rec.versions) {
      const std::string json_path = fixture_path(c.dir, v.number, ".json");
      std::error_code ec;
      if (!fs::exists(json_path, ec)) continue;
      bool ok = false;
      const std::string text = read_text(json_path, ok);
      std::string why;
      std::optional<sample_value> doc = ok ? parse_sample(text, why) : std::nullopt;
      if (!ok) why = "cannot be read";
      if (doc && doc->k != sample_value::kind::object) why = "is not a JSON object";
      if (!why.empty() || !doc || doc->k != sample_value::kind::object) {
        errors.push_back({{json_path, 0}, why + "; restore the fixture from version control"});
        continue;
      }
      // The fixture's values, without its version key, carried to the latest version.
      sample_value values = *doc;
      values.members.erase(std::remove_if(values.members.begin(), values.members.end(),
                                          [&](const sample_member& m) { return m.key == version_key(rec); }),
                           values.members.end());
      std::vector<std::string> unchecked;
      const sample_value expected = expected_latest(rec, c.steps, v.number, values, unchecked);
      const std::string expected_json = "{\"" + version_key(rec) + "\":" + std::to_string(latest.number) +
                                        (expected.members.empty() ? "" : ",") + expected.json().substr(1);
      std::string fills;
      for (const std::string& path : unchecked) {
        const auto dot = path.find('.');
        if (dot != std::string::npos && path.find('.', dot + 1) == std::string::npos)
          fills += render(templates::fixture_take_nested,
                          {{"outer", path.substr(0, dot)}, {"field", path.substr(dot + 1)}});
        else
          fills += render(templates::fixture_take, {{"field", path.substr(0, dot)}});
      }
      for (const char* extension : {".bin", ".json"}) {
        const std::string path = fs::absolute(fixture_path(c.dir, v.number, extension)).lexically_normal().string();
        if (!fs::exists(path, ec)) {
          errors.push_back({{path, 0}, "is missing (its twin of the other format is there); run "
                                       "`uplift-gen fixtures " + c.dir + "` to write it"});
          continue;
        }
        fixtures += render(templates::fixture_check,
                           {{"record", cpp_record},
                            {"path", cpp_escaped(path)},
                            {"binary", extension == std::string(".bin") ? "true" : "false"},
                            {"expected", cpp_escaped(expected_json)},
                            {"fills", fills.empty() ? std::string() : fills + " "},
                            {"id", id}});
        ++count;
      }
    }
    code += render(templates::fixture_record, {{"qualified", qualified},
                                               {"latest", std::to_string(latest.number)},
                                               {"id", id},
                                               {"compares", compares},
                                               {"fixtures", fixtures}});
  }
  return render(templates::fixture_test, {{"file", file},
                                          {"gen_version", generator_version()},
                                          {"records", names},
                                          {"includes", includes},
                                          {"records_code", code},
                                          {"count", std::to_string(count)}});
}

}  // namespace uplift_gen
