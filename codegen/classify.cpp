// Diffing consecutive versions: classification of every field, wire compatibility, errors.
#include "classify.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace uplift_gen {

const char* to_string(field_kind k) {
  switch (k) {
    case field_kind::copied: return "copied";
    case field_kind::renamed: return "renamed";
    case field_kind::widened: return "widened";
    case field_kind::converted: return "converted";
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

bool sign_change(const std::string& from, const std::string& to) {
  const scalar_info a = info(from), b = info(to);
  return a.is_int && b.is_int && a.bits == b.bits && a.is_signed != b.is_signed;
}

bool is_union_type_field(const struct_model& t, const field_model& f) {
  if (f.type.k != type_ref::kind::enumeration || f.name.size() <= 5 ||
      f.name.compare(f.name.size() - 5, 5, "_type") != 0)
    return false;
  const field_model* u = t.field(f.name.substr(0, f.name.size() - 5));
  return u && u->type.k == type_ref::kind::union_type;
}

namespace {

/// True when two defaults as the parser normalised them ("0", "0.0", "2", "null") are the same
/// value: `int = 0` widened to `float = 0.0` keeps its default.
bool same_default(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a == "null" || b == "null") return false;
  char* ea = nullptr;
  char* eb = nullptr;
  const long double x = std::strtold(a.c_str(), &ea);
  const long double y = std::strtold(b.c_str(), &eb);
  return ea && *ea == '\0' && eb && *eb == '\0' && x == y;
}

/// `= 0`, `= null`: a default as the report shows it.
std::string default_words(const field_model& f) {
  return f.optional ? std::string("null") : f.default_value;
}

class differ {
 public:
  differ(const version_model& a, const version_model& b, step_report& out) : a_(a), b_(b), out_(out) {}

  void run() {
    note_file_identifier();
    visit_table(b_.root);
  }

 private:
  enum class relation { same, widened, converted, nested, incompatible };

  void note(const std::string& text) {
    if (std::find(out_.notes.begin(), out_.notes.end(), text) == out_.notes.end())
      out_.notes.push_back(text);
  }

  void note_file_identifier() {
    const std::string& x = a_.file_identifier;
    const std::string& y = b_.file_identifier;
    if (x.empty() && y.empty()) return;
    if (x == y) {
      note("file_identifier \"" + y + "\" kept");
      return;
    }
    const std::string what = x.empty()   ? "file_identifier \"" + y + "\" is new in " + vname(b_.number)
                             : y.empty() ? "file_identifier \"" + x + "\" is gone in " + vname(b_.number)
                                         : "file_identifier changes \"" + x + "\" -> \"" + y + "\"";
    note(what + ": plain FlatBuffers readers that check it (" + b_.root + "BufferHasIdentifier, Verify" +
         b_.root + "Buffer) refuse the other version's buffers; uplift's records do not carry it "
         "(their header names the version), so uplift reads both");
  }

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
        if (sign_change(from.scalar, to.scalar)) {
          wire = false;
          return relation::converted;
        }
        why = "changes type " + from.scalar + " -> " + to.scalar +
              (widens(to.scalar, from.scalar) ? " (a narrowing)" : "");
        return relation::incompatible;
      case k::string: return relation::same;
      case k::enumeration: return relate_enum(from.name, to.name, why, wire);
      case k::structure: return relate_struct(from.name, to.name, why);
      case k::table:
        if (from.name != to.name) {
          why = "changes table type " + from.name + " -> " + to.name +
                " (uplift pairs the tables of two versions by name: keep the name)";
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
    auto value_of = [](const enum_model& e, const std::string& name) -> const std::int64_t* {
      for (const auto& [n, v] : e.values)
        if (n == name) return &v;
      return nullptr;
    };
    auto name_of = [](const enum_model& e, std::int64_t value) -> const std::string* {
      for (const auto& [n, v] : e.values)
        if (v == value) return &n;
      return nullptr;
    };
    for (const auto& [name, value] : ea.values) {
      if (const std::int64_t* v2 = value_of(eb, name)) {
        if (*v2 != value) {
          why = "enum " + to + " changes the value of " + name + " from " + std::to_string(value) +
                " to " + std::to_string(*v2);
          return relation::incompatible;
        }
        continue;
      }
      // FlatBuffers stores the number: a value renamed keeps its number and reads as the new name.
      const std::string* renamed = name_of(eb, value);
      if (renamed && !value_of(ea, *renamed)) {
        note(std::string(ea.is_union ? "union " : "enum ") + to + ": " + name + " is renamed " +
             *renamed + " (the same value, " + std::to_string(value) + ")");
        continue;
      }
      why = "enum " + to + " drops the value " + name + " that old records may hold";
      return relation::incompatible;
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

  /// Why struct `from` (in a) and `to` (in b) do not have one layout, or nothing when they do.
  /// Members may be renamed: a struct is read by position, as FlatBuffers reads it.
  std::string layout_change(const std::string& from, const std::string& to) {
    auto sa = a_.structs.find(from);
    auto sb = b_.structs.find(to);
    if (sa == a_.structs.end() || sb == b_.structs.end() || !sa->second.fixed || !sb->second.fixed)
      return "struct " + from + " becomes " + to;
    const struct_model& x = sa->second;
    const struct_model& y = sb->second;
    const auto& fa = x.fields;
    const auto& fb = y.fields;
    for (std::size_t i = 0; i < std::max(fa.size(), fb.size()); ++i) {
      if (i >= fa.size()) return "member `" + fb[i].name + "` is added";
      if (i >= fb.size()) return "member `" + fa[i].name + "` is removed";
      const field_model& m = fa[i];
      const field_model& n = fb[i];
      const std::string who = m.name == n.name ? "member `" + n.name + "`"
                                               : "member `" + m.name + "` (now `" + n.name + "`)";
      if (m.type.k != n.type.k || m.type.spelling() != n.type.spelling())
        return who + " changes type " + m.type.spelling() + " -> " + n.type.spelling();
      if (n.type.k == type_ref::kind::structure ||
          (n.type.k == type_ref::kind::array && n.type.element_kind == type_ref::kind::structure)) {
        const std::string inner = n.type.k == type_ref::kind::structure ? n.type.name : n.type.element;
        if (std::string why = layout_change(inner, inner); !why.empty())
          return who + ": struct " + inner + " " + why;
      }
      if (n.type.k == type_ref::kind::enumeration) {
        std::string why;
        bool wire = true;
        if (relate_enum(m.type.name, n.type.name, why, wire) != relation::same)
          return who + (why.empty() ? " changes its enum's type" : ": " + why);
      }
      if (m.byte_offset != n.byte_offset)
        return who + " moves from byte " + std::to_string(m.byte_offset) + " to " +
               std::to_string(n.byte_offset);
      if (m.name != n.name)
        note("struct " + to + ": member `" + m.name + "` is renamed `" + n.name +
             "` (the same layout: structs are read by position)");
    }
    if (x.bytesize != y.bytesize)
      return "its size changes " + std::to_string(x.bytesize) + " -> " + std::to_string(y.bytesize) +
             " bytes";
    if (x.minalign != y.minalign)
      return "its alignment changes " + std::to_string(x.minalign) + " -> " +
             std::to_string(y.minalign) + " bytes";
    return {};
  }

  relation relate_struct(const std::string& from, const std::string& to, std::string& why) {
    if (from != to) {
      why = "changes struct type " + from + " -> " + to +
            " (uplift pairs the structs of two versions by name: keep the name)";
      return relation::incompatible;
    }
    if (const std::string change = layout_change(from, to); !change.empty()) {
      struct_change_ = "the layout of struct " + to + " changes (" + change +
                       "); a struct is stored inline at a fixed size and read by position, so a "
                       "record written with the old layout cannot be read with the new one: keep " +
                       to + " as it is and make a new struct type (or a table) for the new shape";
      why = "changes struct " + to;
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
      bool old_member = false;
      for (const auto& [n, v] : ua->second.values) old_member = old_member || (n == member && v == value);
      if (!old_member && a_.structs.count(member)) {
        why = "union " + to + " gains the member " + member + ", a table " + vname(a_.number) +
              " already has under another union value; give the new member a new table";
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

  /// The error for a field of b at slot `slot` that an unmatched field `old` of a held, asking the
  /// author what they mean instead of guessing.
  void ask_intent(const std::string& table, const field_model& f, const field_model& old,
                  const std::string& because) {
    out_.errors.push_back(
        {f.where, "field `" + table + "." + f.name + "` takes slot " + std::to_string(f.id) +
                      ", which `" + old.name + "` (" + old.type.spelling() + ") held in " +
                      vname(a_.number) + ", and `" + old.name + "` is gone; " + because +
                      ". Say which you mean: if `" + f.name + "` is `" + old.name +
                      "` renamed, add (renamed_from: \"" + old.name + "\"); if it is a new "
                      "field, keep `" + old.name + ":" + old.type.spelling() +
                      " (deprecated)` in its slot and declare `" + f.name + "` after the last field"});
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
        if (!f.deprecated && !is_union_type_field(tb, f))
          ts.fields.push_back({f.computed ? field_kind::computed : field_kind::added, &f, nullptr, {}});
      out_.tables[slot] = std::move(ts);
      return;
    }
    const struct_model& ta = ta_it->second;
    int max_old_id = -1;
    for (const auto& f : ta.fields) max_old_id = std::max(max_old_id, f.id);
    auto at_slot = [](const struct_model& t, int id) -> const field_model* {
      for (const auto& f : t.fields)
        if (f.id == id) return &f;
      return nullptr;
    };
    // Names of a that b keeps: as fields (deprecated or not), or as the source of a rename.
    std::set<std::string> kept;
    // FlatBuffers identifies a field by its slot only where the author keeps its slot rules: no
    // field changes slot, none changes size. A step that breaks them (uplift rebuilds such
    // records) gives a slot no meaning of its own; then why, in words, else empty.
    std::string slots_broken;
    for (const auto& f : tb.fields) {
      kept.insert(f.name);
      if (f.renamed_from) kept.insert(*f.renamed_from);
      if (f.deprecated || is_union_type_field(tb, f) || !slots_broken.empty()) continue;
      const field_model* src = ta.field(f.renamed_from.value_or(f.name));
      if (!src || src->deprecated) continue;
      if (src->id != f.id)
        slots_broken = "`" + f.name + "` moves from slot " + std::to_string(src->id) + " to " +
                       std::to_string(f.id);
      else if (src->type.spelling() != f.type.spelling() &&
               !(src->type.k == type_ref::kind::scalar && f.type.k == type_ref::kind::scalar &&
                 sign_change(src->type.scalar, f.type.scalar)))
        slots_broken = "`" + f.name + "` changes type " + src->type.spelling() + " -> " +
                       f.type.spelling();
    }

    std::set<std::string> used;
    for (const auto& f : tb.fields) {
      if (f.deprecated) continue;
      if (is_union_type_field(tb, f)) continue;  // a union's type field travels with the union
      const std::string source_name = f.renamed_from.value_or(f.name);
      const field_model* src = ta.field(source_name);
      const bool undeprecated = src && src->deprecated;
      if (undeprecated) src = nullptr;
      if (f.computed) {
        ts.fields.push_back({field_kind::computed, &f, src, {}});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " is computed");
        out_.needs_hook = true;
        continue;
      }
      bool in_place = false;
      if (!src && !f.renamed_from && !undeprecated) {
        // FlatBuffers' own rule: a field is its slot. The field a held in this slot, under a name
        // b no longer has, is this field renamed in place when the type is the same.
        const field_model* old = at_slot(ta, f.id);
        if (old && old->deprecated) {
          out_.errors.push_back(
              {f.where, "field `" + name + "." + f.name + "` takes slot " + std::to_string(f.id) +
                            ", which " + vname(a_.number) + " keeps for the deprecated `" +
                            old->name + "`; records written before it was deprecated may still "
                            "hold its value there, so FlatBuffers never reuses a deprecated slot: "
                            "keep `" + old->name + ":" + old->type.spelling() +
                            " (deprecated)` and declare `" + f.name + "` after the last field"});
          ts.wire_compatible = false;
          ts.wire_reasons.push_back(f.name + " cannot be derived");
          ts.refused.push_back(&f);
          continue;
        }
        if (old && !kept.count(old->name) && !is_union_type_field(ta, *old)) {
          std::string why;
          bool wire = true;
          const bool same_type = old->type.k == f.type.k &&
                                 old->type.spelling() == f.type.spelling() &&
                                 relate(old->type, f.type, why, wire) != relation::incompatible;
          if (!same_type) {
            ask_intent(name, f, *old, "the type changes " + old->type.spelling() + " -> " +
                                          f.type.spelling() + ", so this is not a rename in place");
            ts.wire_compatible = false;
            ts.wire_reasons.push_back(f.name + " cannot be derived");
            ts.refused.push_back(&f);
            continue;
          }
          if (!same_default(old->default_value, f.default_value) || old->optional != f.optional) {
            ask_intent(name, f, *old, "the default changes " + default_words(*old) + " -> " +
                                          default_words(f) +
                                          ", which FlatBuffers would read old records with");
            ts.wire_compatible = false;
            ts.wire_reasons.push_back(f.name + " cannot be derived");
            ts.refused.push_back(&f);
            continue;
          }
          if (!slots_broken.empty()) {
            ask_intent(name, f, *old, "FlatBuffers would read it as `" + old->name +
                                          "` renamed, but " + vname(b_.number) +
                                          " does not keep FlatBuffers' slot rules for " + name +
                                          " (" + slots_broken + "), so the slot alone does not "
                                          "say what this field is");
            ts.wire_compatible = false;
            ts.wire_reasons.push_back(f.name + " cannot be derived");
            ts.refused.push_back(&f);
            continue;
          }
          src = old;
          in_place = true;
        }
      }
      if (!src) {
        if (f.renamed_from) {
          out_.errors.push_back({f.where, "field `" + f.name + "` is renamed_from \"" + *f.renamed_from +
                                              "\" but " + vname(a_.number) + "'s " + name +
                                              " has no field `" + *f.renamed_from +
                                              "`; fix the name, or mark the field (computed)"});
          ts.wire_compatible = false;
          ts.wire_reasons.push_back(f.name + " cannot be derived");
          ts.refused.push_back(&f);
          continue;
        }
        ts.fields.push_back({field_kind::added, &f, nullptr, {}});
        if (f.id <= max_old_id) {
          ts.wire_compatible = false;
          const field_model* old = at_slot(ta, f.id);
          ts.wire_reasons.push_back(
              f.name + " is added at slot " + std::to_string(f.id) + ", which " + vname(a_.number) +
              (old && old->deprecated ? " keeps for the deprecated `" + old->name + "`" : " used"));
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
        out_.errors.push_back({f.where, "field `" + name + "." + f.name + "` becomes (required) in " +
                                            vname(b_.number) + " but " + vname(a_.number) +
                                            " records may not have it; keep it optional, or mark "
                                            "it (computed) and write the hook that fills it for "
                                            "old records"});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " becomes required");
        ts.refused.push_back(&f);
        continue;
      }
      std::string why;
      bool wire = true;
      struct_change_.clear();
      const relation r = relate(src->type, f.type, why, wire);
      if (r == relation::incompatible && !struct_change_.empty()) {
        out_.errors.push_back({f.where, "field `" + name + "." + f.name + "`: from " +
                                            vname(a_.number) + " to " + vname(b_.number) + " " +
                                            struct_change_});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " cannot be derived");
        ts.refused.push_back(&f);
        continue;
      }
      if (r == relation::incompatible) {
        out_.errors.push_back(
            {f.where, "field `" + name + "." + f.name + "` " + why + " from " + vname(a_.number) +
                          " to " + vname(b_.number) +
                          ", which uplift cannot derive; mark it (computed) and write the hook, "
                          "or keep the old type"});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " cannot be derived");
        ts.refused.push_back(&f);
        continue;
      }
      const bool scalar = f.type.k == type_ref::kind::scalar || f.type.k == type_ref::kind::enumeration;
      if (scalar && (src->optional || f.optional) && r != relation::same) {
        out_.errors.push_back(
            {f.where, "field `" + name + "." + f.name + "` is an optional scalar (= null) and " +
                          (r == relation::converted ? std::string("changes sign ")
                                                    : std::string("changes type ")) +
                          src->type.spelling() + " -> " + f.type.spelling() +
                          "; uplift-gen converts optional scalars only when their type stays the "
                          "same: keep the type, or mark it (computed) and write the hook"});
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + " cannot be derived");
        ts.refused.push_back(&f);
        continue;
      }
      field_kind kind = r == relation::widened    ? field_kind::widened
                        : r == relation::converted ? field_kind::converted
                        : r == relation::nested    ? field_kind::nested
                        : (f.renamed_from || in_place) ? field_kind::renamed
                                                       : field_kind::copied;
      field_step step{kind, &f, src, r == relation::nested ? f.type.spelling() : std::string{}};
      step.in_place = in_place;
      if (r == relation::converted) out_.range_checked = true;
      if (!wire) {
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + (kind == field_kind::widened     ? " is widened"
                                            : kind == field_kind::converted ? " changes sign"
                                                                            : " changes inside"));
      }
      if (scalar && (!same_default(src->default_value, f.default_value) || src->optional != f.optional)) {
        // An old record that holds the old default does not store it: read through the newer
        // accessor it would show the new default. Rebuilt, it keeps the value it was written with.
        step.default_changed = true;
        ts.wire_compatible = false;
        ts.wire_reasons.push_back(f.name + "'s default changes");
      }
      ts.fields.push_back(step);
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
      const field_model* later = tb.field(f.name);
      if (later && later->deprecated && later->id == f.id)
        ts.deprecated.push_back(&f);  // the slot stays, the value is no longer read
      else
        ts.dropped.push_back(&f);
    }
    out_.tables[slot] = std::move(ts);
  }

  const version_model& a_;
  const version_model& b_;
  step_report& out_;
  std::set<std::string> visited_;
  std::string struct_change_;  ///< set by relate_struct when a struct's layout changes: why
};

const table_step* find_step_table(const step_report& step, const std::string& name) {
  for (const auto& t : step.tables)
    if (t.name == name) return &t;
  return nullptr;
}

/// The field of version `steps[j].from` that `field` of version `steps[i].to` comes from through
/// steps j..i (renames included), or null when it was added, computed or its table is new on the
/// way.
const field_model* ancestor(const std::vector<step_report>& steps, std::size_t j, std::size_t i,
                            const std::string& table, const field_model& field) {
  const field_model* cur = &field;
  for (std::size_t s = i + 1; s-- > j;) {
    const table_step* ts = find_step_table(steps[s], table);
    if (!ts) return nullptr;
    const field_step* found = nullptr;
    for (const auto& f : ts->fields)
      if (f.to == cur) found = &f;
    if (!found || !found->from || found->kind == field_kind::computed) return nullptr;
    cur = found->from;
  }
  return cur;
}

}  // namespace

step_report classify(const version_model& a, const version_model& b) {
  step_report out;
  out.from = a.number;
  out.to = b.number;
  differ(a, b, out).run();
  for (const auto& t : out.tables) out.wire_compatible = out.wire_compatible && t.wire_compatible;
  return out;
}

std::vector<step_report> classify_record(const record_model& rec) {
  std::vector<step_report> steps;
  const auto& versions = rec.versions;
  for (std::size_t i = 0; i + 1 < versions.size(); ++i) steps.push_back(classify(versions[i], versions[i + 1]));
  // A record stored at v_j is read with no copy through v_i+1 when steps j..i are all
  // wire-compatible: then every slot v_i+1 reads must mean in v_j what it means in v_i+1.
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (!steps[i].wire_compatible) continue;
    const version_model& b = versions[i + 1];
    for (std::size_t j = i; j-- > 0 && steps[j].wire_compatible;) {
      const version_model& old = versions[j];
      for (table_step& ts : steps[i].tables) {
        auto old_table = old.structs.find(ts.name);
        auto new_table = b.structs.find(ts.name);
        if (old_table == old.structs.end() || new_table == b.structs.end()) continue;
        for (const field_model& f : new_table->second.fields) {
          if (f.deprecated || is_union_type_field(new_table->second, f)) continue;
          const field_model* held = nullptr;
          for (const auto& g : old_table->second.fields)
            if (g.id == f.id) held = &g;
          if (!held || ancestor(steps, j, i, ts.name, f) == held) continue;
          ts.wire_compatible = false;
          ts.wire_reasons.push_back(f.name + " takes slot " + std::to_string(f.id) + ", which " +
                                    vname(old.number) + "'s `" + held->name + "` used (" +
                                    vname(old.number) + " records would otherwise be read through " +
                                    vname(b.number) + " with no copy)");
          steps[i].wire_compatible = false;
        }
      }
      if (!steps[i].wire_compatible) break;
    }
  }
  return steps;
}

}  // namespace uplift_gen
