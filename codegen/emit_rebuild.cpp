// Writing the fused rebuilds: for each stored version whose steps to the latest are all mechanical,
// one function per table it reaches that reads the old table and builds the latest one directly.
#include <algorithm>
#include <map>
#include <set>

#include "emit.hpp"
#include "templates.hpp"

namespace uplift_gen {

namespace {

/// Bytes of a scalar type in a table, for laying out the largest fields first.
int scalar_bytes(const std::string& s) {
  if (s == "long" || s == "ulong" || s == "double") return 8;
  if (s == "int" || s == "uint" || s == "float") return 4;
  if (s == "short" || s == "ushort") return 2;
  return 1;
}

/// The rebuild functions of one stored version (index `k` of rec.versions) to the latest.
class rebuild_emitter {
 public:
  rebuild_emitter(const record_model& rec, const std::vector<step_report>& steps, std::size_t k)
      : rec_(rec), steps_(steps), k_(k), from_(rec.versions[k]),
        to_(rec.versions.back()),
        ns_(record_ns(rec)) {}

  /// The root table's function name.
  std::string root_fn() const { return fn(to_.root); }

  void emit(std::string& declarations, std::string& definitions) {
    queue_.push_back(to_.root);
    wanted_.insert(to_.root);
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      const std::string table = queue_[i];
      std::map<std::string, std::string> v{{"fn", fn(table)},
                                           {"src", cpp_ns(from_.ns) + "::" + table},
                                           {"dst", cpp_ns(to_.ns) + "::" + table},
                                           {"table", table},
                                           {"from", std::to_string(from_.number)},
                                           {"to", std::to_string(to_.number)}};
      declarations += render(templates::rebuild_declaration, v);
      body(table, v);
      definitions += render(templates::rebuild_definition, v);
    }
  }

 private:
  /// One field's statements: its offset (made before the table starts) and its `add_`, and the
  /// size tier that lays the largest fields out first.
  struct piece {
    int tier;
    std::string offset, add;
  };

  std::string fn(const std::string& table) const {
    return "rebuild_" + table + "_v" + std::to_string(from_.number);
  }
  void want(const std::string& table) {
    if (wanted_.insert(table).second) queue_.push_back(table);
  }

  /// The field of the stored version that the latest `table.field` comes from, through every
  /// step's renames; null when it was added (or its table is new) somewhere on the way.
  const field_model* trace(const std::string& table, const field_model& field) const {
    const field_model* cur = &field;
    for (std::size_t s = steps_.size(); s-- > k_;) {
      const table_step* ts = find_table(steps_[s], table);
      if (!ts) return nullptr;
      const field_step* found = nullptr;
      for (const auto& f : ts->fields)
        if (f.to->name == cur->name) found = &f;
      if (!found || !found->from || found->kind == field_kind::computed) return nullptr;
      cur = found->from;
    }
    return cur;
  }

  /// Fills v["offsets"], v["adds"] and v["what"] for `table`.
  void body(const std::string& table, std::map<std::string, std::string>& v) {
    const struct_model& dst = to_.structs.at(table);
    const struct_model& src = from_.structs.at(table);
    std::vector<piece> pieces;
    std::set<std::string> used;
    std::string defaults;
    std::set<std::size_t> inputs;  // the steps whose field hooks the table's fields call
    for (const auto& f : dst.fields) {
      if (f.deprecated || is_union_type_field(dst, f)) continue;
      if (table == to_.root) {
        const field_origin o = trace_field(steps_, table, f, steps_.size(), k_);
        if (o.k == field_origin::kind::computed) {
          inputs.insert(o.step);
          pieces.push_back(hooked(f, o));
          continue;
        }
      }
      const field_model* s = trace(table, f);
      if (!s) {
        defaults += (defaults.empty() ? "" : ", ") + f.name;
        continue;
      }
      used.insert(s->name);
      pieces.push_back(convert(*s, f));
    }
    std::stable_sort(pieces.begin(), pieces.end(),
                     [](const piece& a, const piece& b) { return a.tier > b.tier; });
    std::string offsets, adds;
    for (std::size_t step : inputs)
      offsets += render(templates::rb_input,
                        {{"ns", ns_},
                         {"input", "uplift_fields_" + rec_.name + "::v" +
                                       std::to_string(rec_.versions[step].number)},
                         {"v", std::to_string(rec_.versions[step].number)},
                         {"stored", std::to_string(from_.number)}});
    for (const auto& p : pieces) {
      offsets += p.offset;
      adds += p.add;
    }
    std::string dropped;
    for (const auto& f : src.fields)
      if (!f.deprecated && !used.count(f.name) && !is_union_type_field(src, f))
        dropped += (dropped.empty() ? "" : ", ") + f.name;
    std::string what;
    if (!defaults.empty()) what += "; at their defaults: " + defaults;
    if (!dropped.empty()) what += "; dropped: " + dropped;
    v["offsets"] = offsets;
    v["adds"] = adds;
    v["what"] = what;
  }

  /// The statements that fill the latest field `d` with the field hook of step `o.step`.
  piece hooked(const field_model& d, const field_origin& o) const {
    const std::string input = std::to_string(rec_.versions[o.step].number);
    std::map<std::string, std::string> v{{"b", d.name},
                                         {"ns", ns_},
                                         {"name", "upgrade_" + o.field->name},
                                         {"v", input},
                                         {"required", d.required ? "true" : "false"}};
    using k = type_ref::kind;
    if (d.type.k == k::string)
      return {4, render(templates::rb_hook_text, v), render(templates::rb_add_offset, v)};
    if (d.type.k == k::vector) {
      if (d.type.element_kind == k::string)
        return {4, render(templates::rb_hook_texts, v), render(templates::rb_add_offset, v)};
      // Stored as the latest version's element type, which a later step may have widened.
      v["type"] = vector_stored_cpp(to_, d);
      return {4, render(templates::rb_hook_scalars, v), render(templates::rb_add_offset, v)};
    }
    if (d.type.k == k::enumeration) {
      v["type"] = cpp_ns(to_.ns) + "::" + d.type.name;
      return {scalar_bytes(to_.enums.at(d.type.name).underlying), {},
              render(templates::rb_hook_value, v)};
    }
    v["type"] = scalar_cpp(d.type.scalar);
    return {scalar_bytes(d.type.scalar), {}, render(templates::rb_hook_value, v)};
  }

  /// The statements that copy `s` (stored version) into the latest field `d`.
  piece convert(const field_model& s, const field_model& d) {
    piece out{4, {}, {}};
    std::map<std::string, std::string> v{{"a", s.name}, {"b", d.name}};
    const type_ref& st = s.type;
    const type_ref& dt = d.type;
    const std::string dns = cpp_ns(to_.ns) + "::";
    using k = type_ref::kind;
    switch (dt.k) {
      case k::scalar:
        out.tier = scalar_bytes(dt.scalar);
        out.add = render(s.optional ? templates::rb_add_optional : templates::rb_add, v);
        break;
      case k::enumeration:
        out.tier = scalar_bytes(to_.enums.at(dt.name).underlying);
        v["type"] = dns + dt.name;
        out.add = render(s.optional ? templates::rb_add_cast_optional : templates::rb_add_cast, v);
        break;
      case k::string:
        v["helper"] = "copy_string";
        out.offset = render(templates::rb_offset, v);
        out.add = render(templates::rb_add_offset, v);
        break;
      case k::structure:
        out.tier = 8;
        v["type"] = dns + dt.name;
        out.add = render(templates::rb_add_struct, v);
        break;
      case k::table:
        want(dt.name);
        v["type"] = dns + dt.name;
        v["fn"] = fn(dt.name);
        out.offset = render(templates::rb_table, v);
        out.add = render(templates::rb_add_offset, v);
        break;
      case k::union_type:
        out.offset = union_offset(st, dt, v);
        out.add = render(templates::rb_add_union, v);
        break;
      case k::vector:
      case k::array:
        out.offset = vector_offset(st, dt, v);
        out.add = render(templates::rb_add_offset, v);
        break;
    }
    return out;
  }

  std::string vector_offset(const type_ref& st, const type_ref& dt,
                            std::map<std::string, std::string>& v) {
    using k = type_ref::kind;
    switch (dt.element_kind) {
      case k::scalar:
        v["helper"] = st.element_scalar == dt.element_scalar
                          ? std::string("copy_vector")
                          : "cast_vector<" + element_cpp(dt.element_scalar) + ">";
        return render(templates::rb_offset, v);
      case k::enumeration:  // vectors of enums are typed by the enum: cast to the newer one
        v["helper"] = "cast_vector<" + cpp_ns(to_.ns) + "::" + dt.element + ">";
        return render(templates::rb_offset, v);
      case k::string:
        v["helper"] = "copy_strings";
        return render(templates::rb_offset, v);
      case k::structure:
        v["helper"] = "copy_struct_vector<" + cpp_ns(to_.ns) + "::" + dt.element + ">";
        return render(templates::rb_offset, v);
      case k::table:
        want(dt.element);
        v["fn"] = fn(dt.element);
        return render(templates::rb_tables, v);
      default:  // vectors of unions: classify() refuses them
        return {};
    }
  }

  std::string union_offset(const type_ref& st, const type_ref& dt,
                           std::map<std::string, std::string>& v) {
    v["dst_enum"] = cpp_ns(to_.ns) + "::" + dt.name;
    v["src_enum"] = cpp_ns(from_.ns) + "::" + st.name;
    std::string out = render(templates::rb_union_begin, v);
    for (const auto& [member, value] : from_.enums.at(st.name).values) {
      if (value == 0) continue;  // NONE
      want(member);
      v["member"] = member;
      v["fn"] = fn(member);
      v["src_table"] = cpp_ns(from_.ns) + "::" + member;
      out += render(templates::rb_union_member, v);
    }
    return out + render(templates::rb_union_end, v);
  }

  const record_model& rec_;
  const std::vector<step_report>& steps_;
  std::size_t k_;
  const version_model& from_;
  const version_model& to_;
  std::string ns_;
  std::vector<std::string> queue_;
  std::set<std::string> wanted_;
};

}  // namespace

std::string emit_rebuilds(const record_model& rec, const std::vector<step_report>& steps,
                          const std::vector<step_hooks>& plans, std::string& declarations,
                          std::string& definitions) {
  std::string entries;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    bool mechanical = true, transforming = false;
    for (std::size_t s = k; s < steps.size(); ++s) {
      // A range-checked conversion can fail, which a rebuild cannot report: the steps do it. A
      // record hook needs the Object API structs; field hooks are called inside the rebuild.
      mechanical = mechanical && plans[s].k != step_hooks::kind::record &&
                   !steps[s].range_checked && steps[s].errors.empty();
      transforming = transforming || !steps[s].wire_compatible;
    }
    // An all wire-compatible path is read with no copy.
    if (!mechanical || !transforming) continue;
    rebuild_emitter e(rec, steps, k);
    e.emit(declarations, definitions);
    entries += (entries.empty() ? "\n      " : ",\n      ") +
               render(templates::rebuild_entry, {{"k", std::to_string(rec.versions[k].number)},
                                                 {"record", rec.name},
                                                 {"fn", e.root_fn()}});
  }
  return entries.empty() ? std::string() : render(templates::rebuilds_member, {{"entries", entries}});
}

}  // namespace uplift_gen
