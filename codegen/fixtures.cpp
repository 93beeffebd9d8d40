// Sample records (a deterministic value per field) and what they read as at the latest version.
#include "fixtures.hpp"

#include <algorithm>
#include <map>

namespace uplift_gen {

namespace {

constexpr int max_depth = 3;  // nested tables below this depth are left out of a sample

std::string quoted(const std::string& s) {
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
  for (const auto& [k, v] : obj.members)
    if (k == key) return &v;
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
          out.members.emplace_back(f.name + "_type", name(m));
          out.members.emplace_back(f.name, table(m, depth + 1));
          break;
        }
        continue;
      }
      if (auto value = field(f, depth)) out.members.emplace_back(f.name, std::move(*value));
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
      if (auto value = field(f, 0)) out.members.emplace_back(f.name, std::move(*value));
    return out;
  }

  const version_model& v_;
};

const table_step* find_table(const step_report& step, const std::string& name) {
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
        out.members.emplace_back(f.name + "_type", *type);
        out.members.emplace_back(
            f.name, this->table(type->text, *held, path + f.name + ".",
                                whole.empty() ? path + f.name : whole, unchecked));
        continue;
      }
      const sample_value* held = member(value, src->name);
      if (!held) continue;
      out.members.emplace_back(f.name, convert(*held, src->type, f.type, path + f.name, whole, unchecked));
    }
    return out;
  }

 private:
  /// The field of `from_` that the latest `table.field` comes from, or null when it is added on
  /// the way (or its table is new); `hooked` when a hook fills it on the way.
  const field_model* trace(const std::string& table_name, const field_model& field, bool& hooked) const {
    const field_model* cur = &field;
    for (std::size_t s = steps_.size(); s-- > k_;) {
      const table_step* ts = find_table(steps_[s], table_name);
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
    if (value.k != sample_value::kind::name) return value;
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
      out.members.emplace_back(b.fields[i].name,
                               convert(*held, a.fields[i].type, b.fields[i].type, "", "", none));
    }
    return out;
  }

  const std::vector<step_report>& steps_;
  std::size_t k_;
  const version_model& from_;
  const version_model& to_;
};

}  // namespace

std::string sample_value::json() const {
  switch (k) {
    case kind::number:
    case kind::boolean: return text;
    case kind::string:
    case kind::name: return quoted(text);
    case kind::object: {
      std::string out = "{";
      for (std::size_t i = 0; i < members.size(); ++i)
        out += (i ? "," : "") + quoted(members[i].first) + ":" + members[i].second.json();
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
