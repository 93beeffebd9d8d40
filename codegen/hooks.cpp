// The hooks of each step and the field inputs field hooks read (see hooks.hpp).
#include "hooks.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "emit.hpp"
#include "templates.hpp"

namespace uplift_gen {

std::string scalar_cpp(const std::string& s) {
  static const std::map<std::string, std::string> table = {
      {"bool", "bool"},           {"byte", "std::int8_t"},     {"ubyte", "std::uint8_t"},
      {"short", "std::int16_t"},  {"ushort", "std::uint16_t"}, {"int", "std::int32_t"},
      {"uint", "std::uint32_t"},  {"long", "std::int64_t"},    {"ulong", "std::uint64_t"},
      {"float", "float"},         {"double", "double"}};
  auto it = table.find(s);
  return it == table.end() ? s : it->second;
}

bool offered_to_field_hooks(const version_model&, const field_model& f) {
  using k = type_ref::kind;
  if (f.deprecated) return false;
  if (f.type.k == k::string) return true;
  return (f.type.k == k::scalar || f.type.k == k::enumeration) && !f.optional;
}

bool filled_by_field_hooks(const version_model& v, const field_model& f) {
  using k = type_ref::kind;
  if (offered_to_field_hooks(v, f)) return true;
  return !f.deprecated && f.type.k == k::vector &&
         (f.type.element_kind == k::string || f.type.element_kind == k::scalar ||
          f.type.element_kind == k::enumeration);
}

std::string vector_element_cpp(const version_model& v, const field_model& f) {
  using k = type_ref::kind;
  if (f.type.element_kind == k::string) return "uplift::text";
  if (f.type.element_kind == k::enumeration) return cpp_ns(v.ns) + "::" + f.type.element;
  return scalar_cpp(f.type.element_scalar);
}

std::string element_cpp(const std::string& s) {
  return s == "bool" ? std::string("std::uint8_t") : scalar_cpp(s);
}

std::string vector_stored_cpp(const version_model& v, const field_model& f) {
  // A vector of enums is typed by the enum, as flatc's builders take it.
  if (f.type.element_kind == type_ref::kind::enumeration) return cpp_ns(v.ns) + "::" + f.type.element;
  return element_cpp(f.type.element_scalar);
}

namespace {

/// The C++ type an input's accessor returns for `f` of version `v`.
std::string input_type(const version_model& v, const field_model& f) {
  using k = type_ref::kind;
  if (f.type.k == k::string) return "std::string_view";
  if (f.type.k == k::enumeration) return cpp_ns(v.ns) + "::" + f.type.name;
  return scalar_cpp(f.type.scalar);
}

/// The C++ type a hook that fills `f` of version `v` returns.
std::string hook_type(const version_model& v, const field_model& f) {
  if (f.type.k == type_ref::kind::vector) return "std::vector<" + vector_element_cpp(v, f) + ">";
  return f.type.k == type_ref::kind::string ? std::string("uplift::text") : input_type(v, f);
}

std::string input_name(const record_model& rec, int version) {
  return "uplift_fields_" + rec.name + "::v" + std::to_string(version);
}

}  // namespace

const table_step* find_table(const step_report& step, const std::string& name) {
  for (const auto& t : step.tables)
    if (t.name == name) return &t;
  return nullptr;
}

/// What field hooks fill, for the reason a step takes record hooks instead.
constexpr const char* field_hook_kinds =
    "field hooks fill strings, scalars and enums that are not optional, and vectors of them";

step_hooks plan_hooks(const record_model& rec, const step_report& step, std::size_t i) {
  step_hooks h;
  if (!step.needs_hook) return h;
  const version_model& a = rec.versions[i];
  const version_model& b = rec.versions[i + 1];
  auto record = [&](std::string why) {
    step_hooks r;
    r.k = step_hooks::kind::record;
    r.why = std::move(why);
    return r;
  };
  for (const table_step& ts : step.tables) {
    bool computed = false;
    for (const field_step& f : ts.fields) computed = computed || f.kind == field_kind::computed;
    if (!computed || !a.structs.count(ts.name)) continue;  // a new table: never reached from old data
    if (ts.name != b.root) {
      for (const field_step& f : ts.fields)
        if (f.kind == field_kind::computed)
          return record("`" + ts.name + "." + f.to->name +
                        "` is computed in a nested table; field hooks fill the root table's fields");
    }
    for (const field_step& f : ts.fields) {
      if (f.kind != field_kind::computed) continue;
      const field_model& to = *f.to;
      if (auto it = to.attributes.find("computed"); it != to.attributes.end() && it->second == "record")
        return record("`" + ts.name + "." + to.name + "` asks for one (computed: \"record\")");
      if (!filled_by_field_hooks(b, to))
        return record("`" + ts.name + "." + to.name + "` is " +
                      (to.optional ? "an optional " : std::string("a ")) + to.type.spelling() +
                      "; " + field_hook_kinds);
      h.up.push_back({&to, a.number, "upgrade_" + to.name, hook_type(b, to),
                      input_name(rec, a.number)});
    }
    for (const field_model* d : ts.dropped) {
      if (!filled_by_field_hooks(a, *d))
        return record("`" + ts.name + "." + d->name + "`, which " + vname(b.number) +
                      " drops, is " + (d->optional ? "an optional " : std::string("a ")) +
                      d->type.spelling() + ", which a downgrade field hook cannot fill");
      h.down.push_back({d, b.number, "downgrade_" + d->name, hook_type(a, *d),
                        input_name(rec, b.number)});
    }
  }
  if (!h.up.empty()) h.k = step_hooks::kind::field;
  return h;
}

field_origin trace_field(const std::vector<step_report>& steps, const std::string& table,
                         const field_model& f, std::size_t j, std::size_t k) {
  const field_model* cur = &f;
  for (std::size_t s = j; s-- > k;) {
    const table_step* ts = find_table(steps[s], table);
    if (!ts) return {field_origin::kind::absent, cur, s};
    const field_step* found = nullptr;
    for (const auto& fs : ts->fields)
      if (fs.to->name == cur->name) found = &fs;
    if (!found) return {field_origin::kind::absent, cur, s};
    if (found->kind == field_kind::computed) return {field_origin::kind::computed, found->to, s};
    if (!found->from) return {field_origin::kind::absent, found->to, s};
    cur = found->from;
  }
  return {field_origin::kind::stored, cur, k};
}

namespace {

/// Writes the inputs' classes and accessors.
class input_emitter {
 public:
  input_emitter(const record_model& rec, const std::vector<step_report>& steps,
                const std::vector<step_hooks>& plans)
      : rec_(rec), steps_(steps), plans_(plans), ns_(record_ns(rec)) {}

  /// The input of version index j: its class and its accessors. With `older`, it also reads
  /// tables stored at older versions (it is the input of upgrade hooks, called in rebuilds).
  void emit(std::size_t j, bool older, std::string& classes, std::string& definitions) const {
    const version_model& v = rec_.versions[j];
    const struct_model& root = v.structs.at(v.root);
    const std::string cls = "v" + std::to_string(v.number);
    std::string accessors, left_out;
    for (const field_model& f : root.fields) {
      if (f.deprecated || is_union_type_field(root, f)) continue;
      if (!offered_to_field_hooks(v, f)) {
        left_out += (left_out.empty() ? "" : ", ") + f.name;
        continue;
      }
      const std::string type = input_type(v, f);
      accessors += "  " + type + " " + f.name + "() const;\n";
      definitions += render(templates::input_accessor_begin,
                            {{"type", type},
                             {"input", input_name(rec_, v.number)},
                             {"field", f.name},
                             {"object_value", object_value(v, f)}});
      // One case per older stored version that reads the field differently from v(j) itself,
      // versions that read it alike sharing their statement.
      const std::string own = stored_value(j, j, f);
      std::vector<std::pair<std::string, std::string>> cases;  // statement, its case labels
      for (std::size_t k = 0; older && k < j; ++k) {
        if (!reachable(k, j)) continue;
        const std::string value = stored_value(j, k, f);
        if (value == own) continue;
        const std::string label = "    case " + std::to_string(rec_.versions[k].number) + ":\n";
        auto it = std::find_if(cases.begin(), cases.end(),
                               [&](const auto& c) { return c.first == value; });
        if (it == cases.end())
          cases.push_back({value, label});
        else
          it->second += label;
      }
      if (cases.empty()) {
        definitions += "  return " + own + ";\n}\n\n";
        continue;
      }
      definitions += "  switch (s_.stored) {\n";
      for (const auto& [value, labels] : cases) definitions += labels + "      return " + value + ";\n";
      definitions += "    default:\n      return " + own + ";\n  }\n}\n\n";
    }
    classes += render(templates::input_class,
                      {{"cls", cls},
                       {"version", std::to_string(v.number)},
                       {"qualified", rec_.parent_ns.empty() ? rec_.name : rec_.parent_ns + "." + rec_.name},
                       {"object", cpp_ns(v.ns) + "::" + v.root + "T"},
                       {"accessors", accessors},
                       {"left_out", left_out.empty()
                                        ? std::string()
                                        : "  // Not offered (a hook that needs them is a record hook: "
                                          "(computed: \"record\")): " + left_out + ".\n"}});
  }

 private:
  /// True when a fused rebuild from version index k passes version index j with field hooks only
  /// (no record hook on the way), so an input of j reads a stored table of k.
  bool reachable(std::size_t k, std::size_t j) const {
    for (std::size_t s = k; s < j; ++s)
      if (plans_[s].k == step_hooks::kind::record) return false;
    return true;
  }

  std::string object_value(const version_model& v, const field_model& f) const {
    const std::string member =
        "static_cast<const " + cpp_ns(v.ns) + "::" + v.root + "T*>(s_.object)->" + f.name;
    return f.type.k == type_ref::kind::string ? "std::string_view(" + member + ")" : member;
  }

  /// How the input of version index j reads field `f` of a table stored at version index k.
  std::string stored_value(std::size_t j, std::size_t k, const field_model& f) const {
    const version_model& v = rec_.versions[j];
    const std::string type = input_type(v, f);
    const field_origin o = trace_field(steps_, v.root, f, j, k);
    using fk = field_origin::kind;
    using tk = type_ref::kind;
    if (o.k == fk::computed) {
      const std::string call = ns_ + "::upgrade_" + o.field->name + "(" + ns_ + "::" +
                               input_name(rec_, rec_.versions[o.step].number) + "(s_))";
      if (f.type.k == tk::string) return "uplift::gen::keep(s_.cx, " + call + ")";
      return "static_cast<" + type + ">(" + call + ")";
    }
    if (o.k == fk::absent) {
      if (f.type.k == tk::string) return "std::string_view()";
      return "static_cast<" + type + ">(" + o.field->default_value + ")";
    }
    const field_model& s = *o.field;
    const std::string slot = std::to_string(4 + 2 * s.id);
    if (f.type.k == tk::string) return "uplift::gen::string_at(s_.table, " + slot + ")";
    const version_model& sv = rec_.versions[k];
    const std::string stored_type = s.type.k == tk::enumeration
                                        ? scalar_cpp(sv.enums.at(s.type.name).underlying)
                                        : scalar_cpp(s.type.scalar);
    const std::string raw = stored_type == "bool" ? std::string("std::uint8_t") : stored_type;
    // An absent optional scalar reads as the newer field's default, as the Object API step makes it.
    const std::string def = s.optional ? f.default_value : s.default_value;
    const std::string get = "s_.table->GetField<" + raw + ">(" + slot + ", static_cast<" + raw +
                            ">(" + def + "))";
    if (type == "bool") return get + " != 0";
    return type == raw ? get : "static_cast<" + type + ">(" + get + ")";
  }

  const record_model& rec_;
  const std::vector<step_report>& steps_;
  const std::vector<step_hooks>& plans_;
  std::string ns_;
};

}  // namespace

field_inputs_text emit_field_inputs(const record_model& rec, const std::vector<step_report>& steps,
                                    const std::vector<step_hooks>& plans, bool downgrades) {
  field_inputs_text out;
  std::map<std::size_t, bool> inputs;  // version index -> read from older stored tables too
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (plans[i].k != step_hooks::kind::field) continue;
    inputs[i] = true;
    if (!plans[i].down.empty()) inputs.emplace(i + 1, false);
  }
  if (inputs.empty()) return out;
  const input_emitter e(rec, steps, plans);
  std::string classes;
  for (const auto& [j, older] : inputs) e.emit(j, older, classes, out.definitions);
  out.classes = render(templates::input_namespace, {{"record", rec.name}, {"classes", classes}});
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const step_hooks& h = plans[i];
    if (h.k != step_hooks::kind::field) continue;
    const std::string from = std::to_string(rec.versions[i].number);
    const std::string to = std::to_string(rec.versions[i + 1].number);
    for (const field_hook& f : h.up)
      out.hooks += render(templates::upgrade_field_hook, {{"from", from},
                                                          {"to", to},
                                                          {"field", f.field->name},
                                                          {"returns", f.returns},
                                                          {"name", f.name},
                                                          {"input", f.input}});
    for (const field_hook& f : h.down)
      out.hooks += render(downgrades ? templates::downgrade_field_hook
                                     : templates::downgrade_field_hook_unused,
                          {{"from", from},
                           {"to", to},
                           {"field", f.field->name},
                           {"returns", f.returns},
                           {"name", f.name},
                           {"input", f.input}});
  }
  return out;
}

}  // namespace uplift_gen
