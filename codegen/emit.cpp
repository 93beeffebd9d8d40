// Writing `<record>_uplift.hpp` from the classified steps, through the text templates.
#include "emit.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <uplift/version.hpp>

#include "hooks.hpp"
#include "templates.hpp"

namespace uplift_gen {

std::string render(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size() + 256);
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    // "{{{x}}}" is a literal brace followed by a placeholder.
    std::size_t start = open;
    while (start + 2 < text.size() && text[start + 2] == '{') ++start;
    const std::size_t close = text.find("}}", start + 2);
    if (close == std::string::npos) break;
    out.append(text, pos, start - pos);
    const std::string key = text.substr(start + 2, close - start - 2);
    auto it = values.find(key);
    if (it == values.end()) {
      std::fprintf(stderr, "uplift-gen: internal error: template value '%s' missing\n", key.c_str());
      std::abort();
    }
    out += it->second;
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::string cpp_ns(const std::string& dotted) {
  std::string out = "::";
  for (char c : dotted) {
    if (c == '.')
      out += "::";
    else
      out += c;
  }
  return out;
}

std::string record_ns(const record_model& rec) {
  return rec.parent_ns.empty() ? std::string("::uplift_records") : cpp_ns(rec.parent_ns);
}

std::string folder_name(const record_model& rec) {
  return std::filesystem::path(rec.dir).lexically_normal().filename().string().empty()
             ? std::filesystem::path(rec.dir).lexically_normal().parent_path().filename().string()
             : std::filesystem::path(rec.dir).lexically_normal().filename().string();
}

std::string generator_version() {
  return std::to_string(UPLIFT_VERSION_MAJOR) + "." + std::to_string(UPLIFT_VERSION_MINOR) + "." +
         std::to_string(UPLIFT_VERSION_PATCH);
}

namespace {

/// Names of the C++ types flatc generates for one version.
struct names {
  std::string ns;  // "::demo::v3"
  explicit names(const version_model& v) : ns(cpp_ns(v.ns)) {}
  std::string object(const std::string& table) const { return ns + "::" + table + "T"; }
  std::string plain(const std::string& type) const { return ns + "::" + type; }
};

std::string allowed_values(const enum_model& e) {
  std::string out;
  for (const auto& [name, value] : e.values) {
    if (!out.empty()) out += ", ";
    out += std::to_string(value);
  }
  return out;
}

/// True when enum `newer` has a value (a number) the older enum does not.
bool has_new_values(const enum_model& older, const enum_model& newer) {
  for (const auto& [name, value] : newer.values) {
    bool found = false;
    for (const auto& [n2, v2] : older.values) found = found || v2 == value;
    if (!found) return true;
  }
  return false;
}

/// Emits the functions of one step: `up` (vK -> vK+1) and `down` (vK+1 -> vK) per table.
class step_emitter {
 public:
  step_emitter(const record_model& rec, const version_model& a, const version_model& b,
               const step_report& step, const step_hooks& hooks)
      : rec_(rec), a_(a), b_(b), step_(step), hooks_(hooks), na_(a), nb_(b) {}

  /// Appends the step's functions; `down` (vK+1 -> vK) only `with_down`.
  void emit(std::string& declarations, std::string& definitions, bool with_down) {
    for (auto it = step_.tables.rbegin(); it != step_.tables.rend(); ++it) {
      const table_step& ts = *it;
      if (!a_.structs.count(ts.name)) continue;  // new in vK+1: never reached from old data
      const std::string src = na_.object(ts.name), dst = nb_.object(ts.name);
      const std::string up = ts.name + " v" + std::to_string(a_.number) + " -> v" +
                             std::to_string(b_.number);
      const std::string down = ts.name + " v" + std::to_string(b_.number) + " -> v" +
                               std::to_string(a_.number);
      auto define = [&](const char* declaration, const char* definition, const char* fn,
                        const std::string& from, const std::string& to, const std::string& what,
                        std::string text) {
        declarations += render(declaration, {{"fn", fn}, {"src", from}, {"dst", to}});
        definitions += render(definition, {{"what", what},
                                           {"fn", fn},
                                           {"src", from},
                                           {"dst", to},
                                           {"body", std::move(text)}});
      };
      define(templates::declaration, templates::definition, "up", src, dst, up, body(ts, false));
      if (with_down)
        define(templates::declaration, templates::definition, "down", dst, src, down,
               body(ts, true));
      if (moves())
        define(templates::moving_declaration, templates::moving_definition, "up", src, dst, up,
               body(ts, false, true));
    }
  }

  /// True when the step gets an `up` that takes its source by rvalue and moves strings and
  /// vectors across: a step with no hook, or with field hooks only (they are called first, before
  /// anything is moved out of `from`). A whole-record hook reads `from` whole and `to` filled, so
  /// its step copies.
  bool moves() const {
    return step_.errors.empty() && (!step_.needs_hook || hooks_.k == step_hooks::kind::field);
  }

 private:
  /// The body of `up` (vK -> vK+1) or, with `down`, of `down` (vK+1 -> vK): one statement per
  /// derived field, then the hook when the step has computed fields.
  std::string body(const table_step& ts, bool down, bool moving = false) const {
    std::string out;
    bool hook = false;
    for (const field_step& f : ts.fields) {
      if (f.kind == field_kind::computed) hook = true;
      if (!f.from || f.kind == field_kind::computed || f.kind == field_kind::added) continue;
      if (down && f.from->required && !f.to->required) out += require_present(*f.to, ts.name);
      out += down ? convert(*f.to, *f.from, f.to->name, f.from->name, true, ts.name)
                  : convert(*f.from, *f.to, f.from->name, f.to->name, false, ts.name, moving);
    }
    if (hooks_.k == step_hooks::kind::field) {
      // A moving step calls its field hooks before it moves anything out of `from`.
      if (ts.name == a_.root) {
        std::string calls = field_hook_calls(down ? hooks_.down : hooks_.up);
        out = moving ? calls + out : out + calls;
      }
    } else if (hook) {
      out += render(templates::hook_call, {{"ns", cpp_ns(rec_.parent_ns)},
                                           {"hook", down ? "downgrade" : "upgrade"}});
    }
    return out;
  }

  /// The field hooks of the step called on the Object API path, each filling its field.
  std::string field_hook_calls(const std::vector<field_hook>& hooks) const {
    if (hooks.empty()) return {};
    const std::string ns = record_ns(rec_);
    std::string out = render(templates::field_hooks_begin, {{"ns", ns}, {"input", hooks.front().input}});
    using k = type_ref::kind;
    for (const field_hook& h : hooks) {
      const type_ref& t = h.field->type;
      const char* call = t.k == k::string ? templates::field_hook_text
                         : t.k != k::vector ? templates::field_hook_value
                         : t.element_kind == k::string ? templates::field_hook_texts
                                                       : templates::field_hook_vector;
      out += render(call, {{"ns", ns}, {"name", h.name}, {"b", h.field->name}});
    }
    return out + templates::field_hooks_end;
  }

  /// The check, in a downgrade, that a field the older version requires is there (a string or a
  /// vector is written empty, which the older version accepts; a table, struct or union is not).
  std::string require_present(const field_model& newer, const std::string& table) const {
    using k = type_ref::kind;
    const k kind = newer.type.k;
    if (kind != k::table && kind != k::structure && kind != k::union_type) return {};
    return render(templates::require_present,
                  {{"missing", kind == k::union_type ? "from." + newer.name + ".value == nullptr"
                                                     : "!from." + newer.name},
                   {"where", table + "." + newer.name},
                   {"version", std::to_string(a_.number)}});
  }

  /// The statement that fills `to.<dst_name>` (type `dt`) from `from.<src_name>` (type `st`).
  /// `down` is true for a downgrade: src is the newer version. `moving`: `from` is an rvalue, and
  /// what needs no conversion is moved.
  std::string convert(const field_model& sf, const field_model& df, const std::string& src_name,
                      const std::string& dst_name, bool down, const std::string& table,
                      bool moving = false) const {
    const version_model& sv = down ? b_ : a_;
    const version_model& dv = down ? a_ : b_;
    const names sn(sv), dn(dv);
    const type_ref& st = sf.type;
    const type_ref& dt = df.type;
    const std::string where = table + "." + dst_name;
    std::map<std::string, std::string> v{{"a", src_name}, {"b", dst_name}, {"where", where},
                                         {"x_param", moving ? "auto&" : "const auto&"},
                                         {"x_arg", moving ? "std::move(x)" : "x"}};
    const char* assign = moving ? templates::assign_move : templates::assign;
    using k = type_ref::kind;
    switch (dt.k) {
      case k::scalar:
        if (st.scalar == dt.scalar) {
          if (sf.optional && !df.optional) {  // null becomes the default
            v["value"] = "*from." + src_name;
            v["absent"] = "decltype(to." + dst_name + ")(" + df.default_value + ")";
            return render(templates::from_optional, v);
          }
          return render(templates::assign, v);  // a scalar: no move
        }
        // A narrowing (in a downgrade) or a sign change (either way) is range-checked.
        if (down) {
          v["helper"] = "narrow";
          return render(templates::narrow, v);
        }
        if (sign_change(st.scalar, dt.scalar)) {
          v["type"] = dt.scalar;
          v["version"] = std::to_string(dv.number);
          return render(templates::convert_checked, v);
        }
        v["type"] = "decltype(to." + dst_name + ")";
        return render(templates::cast, v);
      case k::string: return render(assign, v);
      case k::enumeration: {
        const enum_model& se = sv.enums.at(st.name);
        const enum_model& de = dv.enums.at(dt.name);
        v["type"] = dn.plain(dt.name);
        v["absent"] = df.optional ? std::string("std::nullopt")
                                  : dn.plain(dt.name) + "(" + df.default_value + ")";
        if (down && has_new_values(de, se)) {
          v["helper"] = "narrow_enum";
          v["allowed"] = allowed_values(de);
          return render(sf.optional ? templates::narrow_enum_optional : templates::narrow_enum, v);
        }
        if (sf.optional) {
          v["value"] = "static_cast<" + v["type"] + ">(*from." + src_name + ")";
          return render(templates::from_optional, v);
        }
        return render(templates::cast, v);
      }
      case k::structure:
        v["type"] = dn.plain(dt.name);
        return render(templates::copy_struct, v);
      case k::table:
        v["helper"] = "table";
        v["fn"] = down ? "down" : "up";
        return render(templates::table, v);
      case k::union_type: return convert_union(st, dt, v, down, moving);
      case k::vector:
      case k::array:
        switch (dt.element_kind) {
          case k::scalar:
            if (st.element_scalar == dt.element_scalar) return render(assign, v);
            if (!down && sign_change(st.element_scalar, dt.element_scalar)) {
              v["type"] = dt.element_scalar;
              v["version"] = std::to_string(dv.number);
              return render(templates::convert_each_checked, v);
            }
            if (down) {
              v["helper"] = "narrow_each";
              return render(templates::narrow, v);
            }
            return render(templates::cast_each, v);
          case k::string: return render(assign, v);
          case k::enumeration: {
            const enum_model& se = sv.enums.at(st.element);
            const enum_model& de = dv.enums.at(dt.element);
            if (down && has_new_values(de, se)) {
              v["helper"] = "narrow_enum_each";
              v["allowed"] = allowed_values(de);
              return render(templates::narrow_enum, v);
            }
            return render(templates::cast_each, v);
          }
          case k::structure:
            v["type"] = dn.plain(dt.element);
            return render(templates::copy_structs, v);
          case k::table:
            v["helper"] = "tables";
            v["fn"] = down ? "down" : "up";
            return render(templates::table, v);
          default:  // vectors of unions: classify() refuses them, so never reached
            return {};
        }
    }
    return {};
  }

  std::string convert_union(const type_ref& st, const type_ref& dt,
                            std::map<std::string, std::string> v, bool down, bool moving) const {
    const version_model& sv = down ? b_ : a_;
    const version_model& dv = down ? a_ : b_;
    const names sn(sv), dn(dv);
    const enum_model& su = sv.enums.at(st.name);
    const enum_model& du = dv.enums.at(dt.name);
    std::string out = render(templates::union_begin, v);
    for (const auto& [member, value] : su.values) {
      if (value == 0) continue;  // NONE
      bool known = false;
      for (const auto& [m2, v2] : du.values) known = known || m2 == member;
      v["src_enum"] = sn.plain(st.name);
      v["member"] = member;
      if (!known) {
        v["version"] = std::to_string(dv.number);
        out += render(templates::union_member_newer, v);
        continue;
      }
      v["dst_object"] = dn.object(member);
      v["fn"] = down ? "down" : "up";
      v["member_arg"] = moving ? "std::move(*from." + v["a"] + ".As" + member + "())"
                               : "*from." + v["a"] + ".As" + member + "()";
      out += render(templates::union_member, v);
    }
    out += render(templates::union_end, v);
    return out;
  }

  const record_model& rec_;
  const version_model& a_;
  const version_model& b_;
  const step_report& step_;
  const step_hooks& hooks_;
  names na_, nb_;
};

/// "given_name, family_name" for the computed fields of a table step.
std::string computed_fields(const table_step& ts) {
  std::string out;
  for (const auto& f : ts.fields)
    if (f.kind == field_kind::computed) out += (out.empty() ? "" : ", ") + f.to->name;
  return out;
}

/// "full_name" for the fields of vK a downgrade cannot fill mechanically.
std::string downgrade_fields(const table_step& ts) {
  std::string out;
  for (const field_model* d : ts.dropped) out += (out.empty() ? "" : ", ") + d->name;
  return out.empty() ? std::string("the fields the computed ones came from") : out;
}

/// "the hook a" or "the hooks a, b and c".
std::string hook_list(const std::vector<std::string>& hooks) {
  std::string out = hooks.size() == 1 ? "the hook " : "the hooks ";
  for (std::size_t i = 0; i < hooks.size(); ++i)
    out += (i == 0 ? "" : i + 1 == hooks.size() ? " and " : ", ") + hooks[i];
  return out;
}

/// The names the separately compiled read paths need: the record's qualified C++ type and more.
std::map<std::string, std::string> separate_names(const record_model& rec) {
  const std::string ns = record_ns(rec).substr(2);
  return {{"folder", folder_name(rec)},
          {"gen_version", generator_version()},
          {"qualified", rec.parent_ns.empty() ? rec.name : rec.parent_ns + "." + rec.name},
          {"full", "::" + ns + "::" + rec.name}};
}

}  // namespace

std::string emit_separate_source(const record_model& rec) {
  return render(templates::separate_definitions, separate_names(rec));
}

std::string emit_header(const record_model& rec, const std::vector<step_report>& steps,
                        const generate_options& options) {
  const std::string folder = folder_name(rec);
  const std::string file = folder + "_uplift.hpp";
  const version_model& first = rec.versions.front();
  const version_model& latest = rec.versions.back();

  const std::string ns = record_ns(rec).substr(2);

  std::string includes;
  for (const auto& v : rec.versions)
    includes += render(templates::include_line, {{"folder", folder}, {"n", std::to_string(v.number)}});

  std::string hooks;
  std::string declarations;
  std::string definitions;
  std::string upgrades;
  std::string downgrades;
  std::string moving;
  std::vector<step_hooks> plans;
  for (std::size_t i = 0; i < steps.size(); ++i) plans.push_back(plan_hooks(rec, steps[i], i));
  const field_inputs_text inputs = emit_field_inputs(rec, steps, plans, options.downgrades);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const version_model& a = rec.versions[i];
    const version_model& b = rec.versions[i + 1];
    const step_report& step = steps[i];
    std::vector<std::string> down_hooks;  // the `downgrade` hooks the step's `down` calls
    for (const field_hook& h : plans[i].down)
      down_hooks.push_back(ns + "::" + h.name + "(const " + ns + "::" + h.input + "&)");
    for (const table_step& ts : step.tables) {
      if (plans[i].k == step_hooks::kind::field) break;
      const std::string fields = computed_fields(ts);
      if (fields.empty() || !a.structs.count(ts.name)) continue;
      std::map<std::string, std::string> v{{"from", std::to_string(a.number)},
                                           {"to", std::to_string(b.number)},
                                           {"from_type", names(a).object(ts.name)},
                                           {"to_type", names(b).object(ts.name)},
                                           {"fields", fields}};
      hooks += render(templates::upgrade_hook, v);
      v["fields"] = downgrade_fields(ts);
      hooks += render(templates::downgrade_hook, v);
      down_hooks.push_back(ns + "::downgrade(const " + v["to_type"].substr(2) + "&, " +
                           v["from_type"].substr(2) + "&)");
    }
    const bool left_out = !options.downgrades && !down_hooks.empty();
    step_emitter emitter(rec, a, b, step, plans[i]);
    emitter.emit(declarations, definitions, !left_out);
    const std::string src = names(a).object(rec.name), dst = names(b).object(rec.name);
    std::map<std::string, std::string> e{{"k", std::to_string(a.number)}, {"record", rec.name}};
    if (emitter.moves())
      moving += (moving.empty() ? "\n      " : ",\n      ") +
                render(templates::moving_entry, {{"k", e["k"]}, {"record", rec.name}, {"src", src}, {"dst", dst}});
    e["kind"] = step.wire_compatible ? "wire_step" : "upgrade_step";
    e["src"] = src;
    e["dst"] = dst;
    e["fn"] = "up";
    upgrades += (i ? ",\n      " : "\n      ") + render(templates::step_entry, e);
    e["kind"] = "downgrade_step";
    e["src"] = dst;
    e["dst"] = src;
    e["fn"] = "down";
    downgrades += (i ? ",\n      " : "\n      ") +
                  (left_out ? render(templates::left_out_entry,
                                     {{"k", e["k"]},
                                      {"to", std::to_string(b.number)},
                                      {"hooks", hook_list(down_hooks)},
                                      {"file", file},
                                      {"them", down_hooks.size() == 1 ? "the hook" : "the hooks"}})
                            : render(templates::step_entry, e));
  }
  hooks += inputs.hooks;
  if (!hooks.empty())
    hooks = inputs.classes +
            std::string(options.downgrades ? templates::hooks_intro
                                           : templates::hooks_intro_upgrades_only) +
            hooks + "\n" + inputs.definitions;
  const std::string rebuilds = emit_rebuilds(rec, steps, plans, declarations, definitions);

  std::string versions;
  for (const auto& v : rec.versions)
    versions += (versions.empty() ? "\n      " : ",\n      ") +
                render(templates::version_entry,
                       {{"n", std::to_string(v.number)}, {"table", names(v).plain(v.root)}});

  // The root table's slots per version, as 64-bit words of a 256-slot mask. A root table with
  // more slots has no shapes: its untagged buffers are read as a fixed version only.
  std::string shapes;
  bool shapes_fit = true;
  for (const auto& v : rec.versions) {
    const auto it = v.structs.find(v.root);
    std::uint64_t words[4] = {0, 0, 0, 0};
    int count = 0;
    if (it != v.structs.end())
      for (const field_model& f : it->second.fields) {
        if (f.id < 0 || f.id >= 256) {
          shapes_fit = false;
          continue;
        }
        words[f.id / 64] |= std::uint64_t{1} << (f.id % 64);
        // A union's hidden type field holds the slot before its value's.
        if (f.type.k == type_ref::kind::union_type && f.id > 0)
          words[(f.id - 1) / 64] |= std::uint64_t{1} << ((f.id - 1) % 64);
        count = std::max(count, f.id + 1);
      }
    std::string w;
    for (std::uint64_t word : words) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%llxULL", static_cast<unsigned long long>(word));
      w += (w.empty() ? "" : ", ") + std::string(buf);
    }
    shapes += (shapes.empty() ? "\n      " : ",\n      ") +
              render(templates::shape_entry, {{"n", std::to_string(v.number)},
                                              {"identifier", v.file_identifier},
                                              {"words", w},
                                              {"count", std::to_string(count)}});
  }
  if (!shapes_fit) shapes.clear();

  std::string text = render(templates::header,
                {{"file", file},
                 {"gen_version", generator_version()},
                 {"json_key", rec.json_version_key.empty()
                                  ? std::string()
                                  : "  static constexpr std::string_view json_version_key = \"" +
                                        rec.json_version_key + "\";\n"},
                 {"lib_version", std::to_string(UPLIFT_VERSION)},
                 {"folder", folder},
                 {"first", std::to_string(first.number)},
                 {"latest", std::to_string(latest.number)},
                 {"includes", includes},
                 {"ns", ns},
                 {"record", rec.name},
                 {"qualified", rec.parent_ns.empty() ? rec.name : rec.parent_ns + "." + rec.name},
                 {"hooks", hooks},
                 {"declarations", declarations},
                 {"definitions", definitions},
                 {"versions", versions},
                 {"shapes", shapes.empty() ? std::string()
                                           : render(templates::shapes_member, {{"entries", shapes}})},
                 {"upgrades", upgrades},
                 {"downgrades", downgrades},
                 {"moving", moving.empty() ? std::string()
                                           : render(templates::moving_member, {{"entries", moving}})},
                 {"rebuilds", rebuilds}});
  return text + render(templates::separate_declarations, separate_names(rec));
}

}  // namespace uplift_gen
