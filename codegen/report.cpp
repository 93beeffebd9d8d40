// Checking a record folder and writing the report of `uplift-gen check`.
#include "report.hpp"

#include "emit.hpp"
#include "hooks.hpp"

#include <algorithm>
#include <filesystem>

namespace uplift_gen {

std::string format_diagnostic(const diagnostic& d) {
  if (d.where.file.empty()) return d.text;
  if (d.where.line <= 0) return d.where.file + ": " + d.text;
  return d.where.str() + ": " + d.text;
}

record_check check_record(const std::string& dir) {
  record_check c;
  c.dir = dir;
  c.record = load_record(dir, c.errors);
  if (!c.record) return c;
  c.lock = read_lock(lock_path(dir), c.errors);
  if (c.lock) check_lock(*c.record, *c.lock, c.errors);
  c.steps = classify_record(*c.record);
  for (const auto& step : c.steps) c.errors.insert(c.errors.end(), step.errors.begin(), step.errors.end());
  return c;
}

namespace {

std::string cpp_name(const std::string& dotted) {
  std::string out;
  for (char ch : dotted) out += ch == '.' ? std::string("::") : std::string(1, ch);
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// The value a field added in `v` takes, written like the schema would: `= 0`, `= Blue`, `= ""`.
std::string default_text(const field_model& f, const version_model& v) {
  using k = type_ref::kind;
  switch (f.type.k) {
    case k::string: return "= \"\"";
    case k::vector: return "= []";
    case k::table:
    case k::structure:
    case k::union_type: return "= null";
    case k::array: return "= [" + f.default_value + ", ...]";
    case k::enumeration:
      if (f.optional) return "= null";
      if (auto e = v.enums.find(f.type.name); e != v.enums.end())
        for (const auto& [name, value] : e->second.values)
          if (std::to_string(value) == f.default_value) return "= " + name;
      return "= " + f.default_value;
    case k::scalar:
      if (f.optional) return "= null";
      if (f.type.scalar == "bool") return f.default_value == "0" ? "= false" : "= true";
      return "= " + f.default_value;
  }
  return "= " + f.default_value;
}

/// `short -> int`; for an enum whose underlying type widens, `Color: byte -> short`.
std::string widening_text(const field_model& from, const field_model& to, const version_model& a,
                          const version_model& b) {
  const std::string s = from.type.spelling(), t = to.type.spelling();
  if (s != t) return s + " -> " + t;
  const bool is_enum_vector =
      to.type.k == type_ref::kind::vector && to.type.element_kind == type_ref::kind::enumeration;
  const std::string name = is_enum_vector ? to.type.element : to.type.name;
  auto ea = a.enums.find(name);
  auto eb = b.enums.find(name);
  if (ea == a.enums.end() || eb == b.enums.end()) return s + " -> " + t;
  return name + ": " + ea->second.underlying + " -> " + eb->second.underlying;
}

/// The detail column of a field line.
std::string field_detail(const field_step& f, const version_model& a, const version_model& b) {
  const bool moved_name = f.from && f.from->name != f.to->name;
  const std::string rename =
      moved_name ? "<- " + f.from->name + (f.in_place ? ", renamed in place (same slot)" : "")
                 : std::string{};
  std::string text;
  switch (f.kind) {
    case field_kind::copied: break;
    case field_kind::renamed: text = rename; break;
    case field_kind::widened:
      text = (moved_name ? rename + ", " : std::string{}) + widening_text(*f.from, *f.to, a, b);
      break;
    case field_kind::converted:
      text = (moved_name ? rename + ", " : std::string{}) + widening_text(*f.from, *f.to, a, b) +
             " with a range check: a value that does not fit is an error";
      break;
    case field_kind::nested:
      text = (moved_name ? rename + ", " : std::string{}) + f.nested_table;
      break;
    case field_kind::added: return default_text(*f.to, b);
    case field_kind::computed: return "(hook)";
  }
  if (f.default_changed)
    text += (text.empty() ? "" : ", ") + std::string("default ") + default_text(*f.from, a).substr(2) +
            " -> " + default_text(*f.to, b).substr(2) + ": old records keep the value they hold";
  return text;
}

/// `lead` and the items joined with "; ", wrapped between items before column 100; continuation
/// lines are indented to line up with the first item.
std::string wrapped(const std::string& lead, const std::vector<std::string>& items) {
  constexpr std::size_t width = 100;
  std::string out = lead;
  std::size_t column = lead.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? ";" : "");
    if (i > 0) {
      if (column + 1 + item.size() > width) {
        out += "\n" + std::string(lead.size(), ' ');
        column = lead.size();
      } else {
        out += ' ';
        ++column;
      }
    }
    out += item;
    column += item.size();
  }
  return out + "\n";
}

/// `lead` and `text`, wrapped between words before column 100; continuation lines are indented
/// to line up with the text.
std::string wrapped_words(const std::string& lead, const std::string& text) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t space = text.find(' ', at);
    const std::size_t end = space == std::string::npos ? text.size() : space;
    if (end > at) words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  constexpr std::size_t width = 100;
  std::string out = lead;
  std::size_t column = lead.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      if (column + 1 + words[i].size() > width) {
        out += "\n" + std::string(lead.size(), ' ');
        column = lead.size();
      } else {
        out += ' ';
        ++column;
      }
    }
    out += words[i];
    column += words[i].size();
  }
  return out + "\n";
}

struct line {
  std::string kind, name, detail;
};

/// Lines of `kind  name  detail`, the columns aligned within one table.
std::string aligned(const std::vector<line>& lines, const std::string& indent) {
  std::size_t name_width = 0;
  std::size_t kind_width = 10;  // "deprecated" widens the column of its own table
  for (const auto& l : lines) {
    name_width = std::max(name_width, l.name.size());
    if (!l.name.empty()) kind_width = std::max(kind_width, l.kind.size() + 1);
  }
  std::string out;
  for (const auto& l : lines) {
    std::string text = indent + l.kind +
                       std::string(kind_width - std::min(l.kind.size(), kind_width - 1), ' ');
    text += l.name;
    if (!l.detail.empty()) text += std::string(name_width - l.name.size() + 2, ' ') + l.detail;
    out += text + "\n";
  }
  return out;
}

bool has_computed(const table_step& t) {
  return std::any_of(t.fields.begin(), t.fields.end(),
                     [](const field_step& f) { return f.kind == field_kind::computed; });
}

/// True when enum `name` of version `newer` holds a value `older`'s enum of that name does not.
bool gains_values(const std::string& name, const version_model& older, const version_model& newer) {
  auto eo = older.enums.find(name);
  auto en = newer.enums.find(name);
  if (eo == older.enums.end() || en == newer.enums.end()) return false;
  // By number: a value renamed keeps its number, which is all a record holds.
  for (const auto& [n, value] : en->second.values)
    if (std::none_of(eo->second.values.begin(), eo->second.values.end(),
                     [v = value](const auto& old) { return old.second == v; }))
      return true;
  return false;
}

/// What writing version `a` from an object of version `b` does beyond copying fields back.
std::vector<std::string> downgrade_notes(const step_report& step, const version_model& a,
                                         const version_model& b, const step_hooks& hooks) {
  std::vector<std::string> notes;
  for (const table_step& t : step.tables) {
    if (!a.structs.count(t.name)) continue;  // new in b: nothing of a to fill
    const bool hook = has_computed(t);
    for (const field_step& f : t.fields) {
      const std::string where = t.name + "." + f.to->name;
      if (f.kind == field_kind::added)
        notes.push_back(where + " is left out (" + vname(a.number) + " has no such field)");
      if (f.kind == field_kind::widened)
        notes.push_back(t.name + "." + f.from->name + " is narrowed " +
                        widening_text(*f.to, *f.from, b, a) +
                        " with a range check: a value that does not fit is an error");
      if (f.from && f.to->optional && !f.from->optional && f.kind != field_kind::computed)
        notes.push_back(t.name + "." + f.from->name + ": a null value is written as " +
                        default_text(*f.from, a).substr(2));
      if (f.kind == field_kind::converted)
        notes.push_back(t.name + "." + f.from->name + " is converted back " +
                        widening_text(*f.to, *f.from, b, a) +
                        " with a range check: a value that does not fit is an error");
      if (f.from && f.from->required && !f.to->required && f.kind != field_kind::computed) {
        using k = type_ref::kind;
        const k kind = f.from->type.k;
        notes.push_back(t.name + "." + f.from->name + " is required in " + vname(a.number) +
                        (kind == k::string   ? ": a value " + vname(b.number) + " leaves out is written as \"\""
                         : kind == k::vector ? ": a value " + vname(b.number) + " leaves out is written as []"
                                             : ": a value " + vname(b.number) + " leaves out is an error"));
      }
      const bool is_enum = f.to->type.k == type_ref::kind::enumeration;
      const bool is_enum_vector = f.to->type.k == type_ref::kind::vector &&
                                  f.to->type.element_kind == type_ref::kind::enumeration;
      if ((f.kind == field_kind::copied || f.kind == field_kind::renamed) && (is_enum || is_enum_vector) &&
          gains_values(is_enum ? f.to->type.name : f.to->type.element, a, b))
        notes.push_back(t.name + "." + f.from->name + " is range-checked: a value new in " +
                        vname(b.number) + " is an error");
      if (f.kind == field_kind::nested && f.to->type.k == type_ref::kind::union_type &&
          gains_values(f.to->type.name, a, b))
        notes.push_back(t.name + "." + f.from->name + " is range-checked: a member new in " +
                        vname(b.number) + " is an error");
    }
    for (const field_model* d : t.dropped) {
      if (hooks.k == step_hooks::kind::field && t.name == a.root) {
        notes.push_back(t.name + "." + d->name + " is filled by its hook, downgrade_" + d->name);
        continue;
      }
      notes.push_back(t.name + "." + d->name +
                      (hook ? " is for the downgrade hook to fill; if it does not, a " +
                                  vname(a.number) + " reader sees the default"
                            : ": a " + vname(a.number) + " reader sees the default"));
    }
    for (const field_model* d : t.deprecated)
      notes.push_back(t.name + "." + d->name + ": a " + vname(a.number) + " reader sees the default");
  }
  return notes;
}

void write_step(std::string& out, const record_model& rec, const step_report& step) {
  const version_model& a = rec.versions[static_cast<std::size_t>(step.from - rec.versions.front().number)];
  const version_model& b = rec.versions[static_cast<std::size_t>(step.to - rec.versions.front().number)];
  out += "\nstep " + vname(a.number) + " -> " + vname(b.number) + ": ";
  if (step.wire_compatible) {
    out += "wire-compatible (old records are read with no copy)\n";
  } else {
    out += "transforming (old records are rebuilt on read)\n";
    std::vector<std::string> reasons;
    for (const table_step& t : step.tables)
      for (const std::string& r : t.wire_reasons) reasons.push_back(t.name + "." + r);
    if (!reasons.empty()) out += wrapped("  because ", reasons);
  }
  for (const std::string& n : step.notes) out += wrapped_words("  note: ", n);

  for (const table_step& t : step.tables) {
    const bool is_new = !a.structs.count(t.name);
    out += "  table " + t.name + (is_new ? " (new in " + vname(b.number) + ")" : "") + "\n";
    std::vector<line> lines;
    for (const field_step& f : t.fields)
      lines.push_back({to_string(f.kind), f.to->name, field_detail(f, a, b)});
    for (const field_model* r : t.refused) lines.push_back({"error", r->name, "(see the errors below)"});
    for (const field_model* d : t.dropped) lines.push_back({"dropped", d->name, {}});
    for (const field_model* d : t.deprecated)
      lines.push_back({"deprecated", d->name, "slot " + std::to_string(d->id) + " kept, no longer read"});
    if (lines.empty()) lines.push_back({"(no fields)", {}, {}});
    out += aligned(lines, "    ");
  }

  std::vector<std::string> upgrades, downgrades;
  const step_hooks plan =
      plan_hooks(rec, step, static_cast<std::size_t>(a.number - rec.versions.front().number));
  const std::string ns = record_ns(rec).substr(2);
  if (plan.k == step_hooks::kind::field) {
    // "demo::v3::Color", as the other names here, not the header's "::demo::v3::Color" (in a
    // std::vector too).
    auto type = [](std::string t) {
      if (t.rfind("::", 0) == 0) t.erase(0, 2);
      if (const auto at = t.find("<::"); at != std::string::npos) t.erase(at + 1, 2);
      return t;
    };
    for (const field_hook& h : plan.up)
      upgrades.push_back(type(h.returns) + " " + h.name + "(const " + ns + "::" + h.input + "& from);");
    for (const field_hook& h : plan.down)
      downgrades.push_back(type(h.returns) + " " + h.name + "(const " + ns + "::" + h.input +
                           "& from);");
  } else {
    for (const table_step& t : step.tables) {
      if (!has_computed(t) || !a.structs.count(t.name)) continue;
      const std::string older = cpp_name(a.ns) + "::" + t.name + "T";
      const std::string newer = cpp_name(b.ns) + "::" + t.name + "T";
      upgrades.push_back("void upgrade(const " + older + "& from, " + newer + "& to);");
      downgrades.push_back("void downgrade(const " + newer + "& from, " + older + "& to);");
    }
  }
  if (!upgrades.empty()) {
    if (plan.k == step_hooks::kind::field)
      out += wrapped_words("  ", "field hooks to write, in namespace " + ns +
                                     " (each fills one field from the " + vname(a.number) +
                                     " fields, read in place: one rebuild, no Object API):");
    else
      out += wrapped_words("  ", "record hooks to write, in namespace " + ns +
                                     " (on Object API structs, because " + plan.why + "):");
    for (const auto& h : upgrades) out += "    " + h + "\n";
    // Called only by a header generated with DOWNGRADES (see uplift_generate).
    if (!downgrades.empty()) {
      out += "  and, to write " + vname(a.number) + " or older (generated with DOWNGRADES):\n";
      for (const auto& h : downgrades) out += "    " + h + "\n";
    }
  }

  const std::vector<std::string> notes = downgrade_notes(step, a, b, plan);
  out += "  downgrade " + vname(b.number) + " -> " + vname(a.number) + ":";
  if (notes.empty()) {
    out += " every field maps back as it is\n";
  } else {
    out += "\n";
    for (const auto& n : notes) out += "    " + n + "\n";
  }
}

void write_lock_status(std::string& out, const record_check& c) {
  const record_model& rec = *c.record;
  const std::string newest = vname(rec.versions.back().number);
  const std::string unlocked = "  the newest, " + newest + ", is not locked: run `uplift-gen lock " +
                               c.dir + "` when it is released\n";
  out += "\nlock: ";
  if (!c.lock) {
    out += lock_path(c.dir) + " cannot be read (see the errors)\n";
    return;
  }
  if (c.lock->entries.empty()) {
    out += "nothing is locked yet (" + (c.lock->exists ? "an empty " : std::string("no ")) +
           lock_path(c.dir) + ")\n" + unlocked;
    return;
  }
  std::vector<std::string> locked;
  for (const auto& e : c.lock->entries) locked.push_back(vname(e.version));
  out += join(locked, ", ") + " locked";
  if (c.lock->find(rec.versions.back().number))
    out += ", the newest included\n";
  else
    out += "\n" + unlocked;
}

}  // namespace

std::string check_report(const record_check& c) {
  std::string out;
  if (c.record) {
    const record_model& rec = *c.record;
    std::vector<std::string> versions;
    for (const auto& v : rec.versions) versions.push_back(vname(v.number));
    out += "record " + (rec.parent_ns.empty() ? rec.name : rec.parent_ns + "." + rec.name) + "\n";
    out += "  folder:   " + c.dir + "\n";
    out += "  versions: " + join(versions, ", ") + " (latest " + versions.back() + ")\n";
    if (rec.versions.size() == 1) out += "\nno steps: a single version is read as it is\n";
    for (const step_report& step : c.steps) write_step(out, rec, step);
    write_lock_status(out, c);
    if (!c.against_ref.empty()) {
      out += "\nagainst " + c.against_ref + ":\n";
      for (const auto& l : c.against) out += "  " + l + "\n";
      if (c.against.empty()) out += "  (see the errors)\n";
    }
  } else {
    out += "record in " + c.dir + ": cannot be read\n";
  }
  out += "\n";
  if (c.errors.empty()) {
    out += "no errors\n";
  } else {
    out += plural(c.errors.size(), "error") + ":\n";
    for (const auto& e : c.errors) out += format_diagnostic(e) + "\n";
  }
  return out;
}

}  // namespace uplift_gen
