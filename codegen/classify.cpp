// Diffing consecutive versions: classification of every field, wire compatibility, errors.
#include "classify.hpp"

#include <map>
#include <set>

namespace uplift_gen {

const char* to_string(field_kind k) {
  switch (k) {
    case field_kind::copied: return "copied";
    case field_kind::renamed: return "renamed";
    case field_kind::widened: return "widened";
    case field_kind::nested: return "nested";
    case field_kind::added: return "added";
    case field_kind::computed: return "computed";
  }
  return "?";
}

namespace {

struct scalar_info {
  bool is_int = false, is_signed = false, is_float = false;
  int bits = 0;  ///< value bits: integer width, or the mantissa width of a float
};

scalar_info info(const std::string& s) {
  static const std::map<std::string, scalar_info> table = {
      {"byte", {true, true, false, 8}},    {"ubyte", {true, false, false, 8}},
      {"short", {true, true, false, 16}},  {"ushort", {true, false, false, 16}},
      {"int", {true, true, false, 32}},    {"uint", {true, false, false, 32}},
      {"long", {true, true, false, 64}},   {"ulong", {true, false, false, 64}},
      {"float", {false, true, true, 24}},  {"double", {false, true, true, 53}},
  };
  auto it = table.find(s);
  return it == table.end() ? scalar_info{} : it->second;
}

}  // namespace

bool widens(const std::string& from, const std::string& to) {
  if (from == to) return false;
  const scalar_info a = info(from), b = info(to);
  if (a.bits == 0 || b.bits == 0) return false;
  if (a.is_float) return b.is_float && b.bits > a.bits;
  if (b.is_float) return a.bits <= b.bits;  // every integer of a.bits is exact in the mantissa
  if (a.is_signed) return b.is_signed && b.bits > a.bits;
  return b.bits > a.bits;  // unsigned -> wider unsigned, or -> a signed type with more bits
}

bool is_union_type_field(const struct_model& t, const field_model& f) {
  if (f.type.k != type_ref::kind::enumeration || f.name.size() <= 5 ||
      f.name.compare(f.name.size() - 5, 5, "_type") != 0)
    return false;
  const field_model* u = t.field(f.name.substr(0, f.name.size() - 5));
  return u && u->type.k == type_ref::kind::union_type;
}

namespace {

class differ {
 public:
  differ(const version_model& a, const version_model& b, step_report& out) : a_(a), b_(b), out_(out) {}

  void run() {
    visit_table(b_.root);
  }

 private:
  enum class relation { same, widened, nested, incompatible };

  /// How a value of type `from` (in a) becomes a value of type `to` (in b).
  relation relate(const type_ref& from, const type_ref& to, std::string& why, bool& wire) {
    using k = type_ref::kind;
    if (from.k != to.k) {
      why = "changes type " + from.spelling() + " -> " + to.spelling();
      return relation::incompatible;
    }
    switch (to.k) {
      case k::scalar:
        if (from.scalar == to.scalar) return relation::same;
        if (widens(from.scalar, to.scalar)) {
          wire = false;
          return relation::widened;
        }
        why = "changes type " + from.scalar + " -> " + to.scalar +
              (widens(to.scalar, from.scalar) ? " (a narrowing)" : "");
        return relation::incompatible;
      case k::string: return relation::same;
      case k::enumeration: return relate_enum(from.name, to.name, why, wire);
      case k::structure: return relate_struct(from.name, to.name, why);
      case k::table:
        if (from.name != to.name) {
          why = "changes table type " + from.name + " -> " + to.name;
          return relation::incompatible;
        }
        visit_table(to.name);
        if (!table_wire(to.name)) wire = false;
        return relation::nested;
      case k::union_type: return relate_union(from.name, to.name, why, wire);
      case k::vector:
      case k::array: {
        if (to.element_kind == k::union_type) {
          why = "is a vector of unions, which uplift-gen does not convert";
          return relation::incompatible;
        }
        if (to.k == k::array && from.fixed_length != to.fixed_length) {
          why = "changes array length " + from.spelling() + " -> " + to.spelling();
          return relation::incompatible;
        }
        type_ref fe, te;
        fe.k = from.element_kind;
        te.k = to.element_kind;
        fe.scalar = from.element_scalar;
        te.scalar = to.element_scalar;
        fe.name = from.element;
        te.name = to.element;
        const relation r = relate(fe, te, why, wire);
        if (r == relation::incompatible) why = "element type: " + why;
        return r;
      }
    }
    return relation::incompatible;
  }

  relation relate_enum(const std::string& from, const std::string& to, std::string& why, bool& wire) {
    auto fa = a_.enums.find(from);
    auto tb = b_.enums.find(to);
    if (fa == a_.enums.end() || tb == b_.enums.end() || from != to) {
      why = "changes enum type " + from + " -> " + to;
      return relation::incompatible;
    }
    const enum_model& ea = fa->second;
    const enum_model& eb = tb->second;
    for (const auto& [name, value] : ea.values) {
      bool found = false;
      for (const auto& [n2, v2] : eb.values)
        if (n2 == name) {
          found = true;
          if (v2 != value) {
            why = "enum " + to + " changes the value of " + name + " from " +
                  std::to_string(value) + " to " + std::to_string(v2);
            return relation::incompatible;
          }
        }
      if (!found) {
        why = "enum " + to + " drops the value " + name + " that old records may hold";
        return relation::incompatible;
      }
    }
    if (ea.underlying != eb.underlying) {
      if (!widens(ea.underlying, eb.underlying)) {
        why = "enum " + to + " changes its type " + ea.underlying + " -> " + eb.underlying;
        return relation::incompatible;
      }
      wire = false;
      return relation::widened;
    }
    return relation::same;
  }

  relation relate_struct(const std::string& from, const std::string& to, std::string& why) {
    auto sa = a_.structs.find(from);
    auto sb = b_.structs.find(to);
    if (from != to || sa == a_.structs.end() || sb == b_.structs.end()) {
      why = "changes struct type " + from + " -> " + to;
      return relation::incompatible;
    }
    const auto& fa = sa->second.fields;
    const auto& fb = sb->second.fields;
    bool same = fa.size() == fb.size();
    for (std::size_t i = 0; same && i < fa.size(); ++i)
      same = fa[i].name == fb[i].name && fa[i].type.spelling() == fb[i].type.spelling();
    if (!same) {
      why = "struct " + to + " changes its layout (structs are fixed: make a new struct type)";
      return relation::incompatible;
    }
    return relation::same;
  }

  relation relate_union(const std::string& from, const std::string& to, std::string& why, bool& wire) {
    auto ua = a_.enums.find(from);
    auto ub = b_.enums.find(to);
    if (from != to || ua == a_.enums.end() || ub == b_.enums.end()) {
      why = "changes union type " + from + " -> " + to;
      return relation::incompatible;
    }
    std::string w2;
    bool wire_enum = true;
    if (relate_enum(from, to, w2, wire_enum) == relation::incompatible) {
      why = w2;
      return relation::incompatible;
    }
    for (const auto& [member, value] : ub->second.values) {
      if (value == 0) continue;  // NONE
      auto m = b_.structs.find(member);
      if (m == b_.structs.end() || m->second.fixed) {
        why = "union " + to + " has the member " + member +
              ", which is not a table; uplift-gen converts unions of tables only";
        return relation::incompatible;
      }
      if (a_.structs.count(member)) {
        visit_table(member);
        if (!table_wire(member)) wire = false;
      }
    }
    return relation::nested;
  }

  bool table_wire(const std::string& name) const {
    for (const auto& t : out_.tables)
      if (t.name == name) return t.wire_compatible;
    return true;  // being visited (a cycle): decided by its own fields
  }

  void visit_table(const std::string& name) {
    if (!visited_.insert(name).second) return;
    auto tb_it = b_.structs.find(name);
    auto ta_it = a_.structs.find(name);
    if (tb_it == b_.structs.end()) return;
    const struct_model& tb = tb_it->second;
    out_.tables.push_back({});
    const std::size_t slot = out_.tables.size() - 1;
    table_step ts;
    ts.name = name;
    if (ta_it == a_.structs.end()) {
      // A table new in this version: every field takes its default when reached from old data.
      for (const auto& f : tb.fields)
        if (!f.deprecated) ts.fields.push_back({f.computed ? field_kind::computed : field_kind::added, &f, nullptr, {}});
      out_.tables[slot] = std::move(ts);
      return;
    }
    const struct_model& ta = ta_it->second;
    int max_old_id = -1;
    for (const auto& f : ta.fields) max_old_id = std::max(max_old_id, f.id);
    std::set<std::string> used;
    for (const auto& f : tb.fields) {
      if (f.deprecated) continue;
      if (is_union_type_field(tb, f)) continue;  // a union's type field travels with the union
      const std::string source_name = f.renamed_from.value_or(f.name);
      const field_model* src = ta.field(source_name);
      if (src && src->deprecated) src = nullptr;
      if (f.computed) {
        ts.fields.push_back({field_kind::computed, &f, src, {}});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " is computed");
        out_.needs_hook = true;
        continue;
      }
      if (!src) {
        if (f.renamed_from) {
          out_.errors.push_back({f.where, "field `" + f.name + "` is renamed_from \"" + *f.renamed_from +
                                              "\" but v" + std::to_string(a_.number) + "'s " + name +
                                              " has no field `" + *f.renamed_from +
                                              "`; fix the name, or mark the field (computed)"});
          ts.wire_compatible = false;
          ts.wire_reasons.push_back(f.name + " cannot be derived");
          continue;
        }
        ts.fields.push_back({field_kind::added, &f, nullptr, {}});
        if (f.id <= max_old_id) {
          ts.wire_compatible = false;
          ts.wire_reasons.push_back(f.name + " is added at slot " + std::to_string(f.id) +
                                    ", which v" + std::to_string(a_.number) + " used");
        }
        if (f.required)
          out_.errors.push_back({f.where, "field `" + f.name + "` is added as (required) but old " +
                                              "records do not have it; drop (required), or mark it "
                                              "(computed) and write the hook"});
        continue;
      }
      used.insert(src->name);
      if (f.required && !src->required) {
        // A newer version's verifier and accessors rely on a required field being there; a
        // record written at the older version may not have it.
        out_.errors.push_back({f.where, "field `" + name + "." + f.name + "` becomes (required) in v" +
                                            std::to_string(b_.number) + " but v" +
                                            std::to_string(a_.number) +
                                            " records may not have it; keep it optional, or mark "
                                            "it (computed) and write the hook that fills it for "
                                            "old records"});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " becomes required");
        continue;
      }
      std::string why;
      bool wire = true;
      const relation r = relate(src->type, f.type, why, wire);
      if (r == relation::incompatible) {
        out_.errors.push_back(
            {f.where, "field `" + name + "." + f.name + "` " + why + " from v" +
                          std::to_string(a_.number) + " to v" + std::to_string(b_.number) +
                          ", which uplift cannot derive; mark it (computed) and write the hook, "
                          "or keep the old type"});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " cannot be derived");
        continue;
      }
      field_kind kind = r == relation::widened  ? field_kind::widened
                        : r == relation::nested ? field_kind::nested
                        : f.renamed_from        ? field_kind::renamed
                                                : field_kind::copied;
      ts.fields.push_back({kind, &f, src, r == relation::nested ? f.type.spelling() : std::string{}});
      if (!wire) {
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + (kind == field_kind::widened ? " is widened" : " changes inside"));
      }
      if (src->id != f.id) {
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " moves from slot " + std::to_string(src->id) + " to " +
                                  std::to_string(f.id));
      }
    }
    for (const auto& f : ta.fields) {
      if (f.deprecated || used.count(f.name) || (tb.field(f.name) && tb.field(f.name)->computed))
        continue;
      if (is_union_type_field(ta, f)) continue;  // travels with its union
      ts.dropped.push_back(&f);
    }
    out_.tables[slot] = std::move(ts);
  }

  const version_model& a_;
  const version_model& b_;
  step_report& out_;
  std::set<std::string> visited_;
};

}  // namespace

step_report classify(const version_model& a, const version_model& b) {
  step_report out;
  out.from = a.number;
  out.to = b.number;
  differ(a, b, out).run();
  for (const auto& t : out.tables) out.wire_compatible = out.wire_compatible && t.wire_compatible;
  return out;
}

}  // namespace uplift_gen
