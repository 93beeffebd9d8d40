#pragma once
// The evolution corpus, read: each case's old records read at the latest version by uplift and by
// plain FlatBuffers, compared field by field (see evolution_manifest.hpp for case.txt).

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <flatbuffers/idl.h>
#include <flatbuffers/reflection.h>
#include <simdjson.h>

#include <uplift/json.hpp>
#include <uplift/uplift.hpp>

#include "evolution_manifest.hpp"
#include "fixtures.hpp"
#include "report.hpp"

namespace evolution {
namespace fs = std::filesystem;

/// A record of an old version to read: the generated sample, or a hand-written `vN.<name>.json`.
struct sample {
  std::string name;  ///< "v1" or "v1.negative"
  std::string json;  ///< FlatBuffers JSON of that version
};

inline std::vector<sample> samples(const uplift_gen::version_model& v, const fs::path& dir) {
  const std::string prefix = "v" + std::to_string(v.number);
  std::vector<sample> out{{prefix, uplift_gen::sample_json(v)}};
  std::vector<fs::path> extra;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.rfind(prefix + ".", 0) == 0 && e.path().extension() == ".json") extra.push_back(e.path());
  }
  std::sort(extra.begin(), extra.end());
  for (const auto& p : extra) out.push_back({p.stem().string(), read_text(p)});
  return out;
}

/// FlatBuffers' parser for one version, with the options that print every scalar.
class flatbuffers_schema {
 public:
  explicit flatbuffers_schema(const uplift_gen::version_model& v, const fs::path& dir) {
    parser_.opts.strict_json = true;
    parser_.opts.output_default_scalars_in_json = true;
    parser_.opts.indent_step = -1;
    const std::string include_dir = dir.string();
    const char* includes[] = {include_dir.c_str(), nullptr};
    REQUIRE_MESSAGE(parser_.Parse(v.source.c_str(), includes, v.file.c_str()), parser_.error_);
    REQUIRE(builder_.Parse(v.source.c_str(), includes, v.file.c_str()));
    root_ = v.ns + "." + v.root;  // the qualified name, which the parser looks tables up by
    // FlatBuffers' text printer shows a deprecated field a buffer still holds, which no reader
    // FlatBuffers generates can see: the printer leaves them out here, as the readers do.
    for (flatbuffers::StructDef* sd : parser_.structs_.vec) {
      auto& fields = sd->fields.vec;
      const auto kept = std::stable_partition(fields.begin(), fields.end(),
                                              [](const flatbuffers::FieldDef* f) { return !f->deprecated; });
      for (auto it = kept; it != fields.end(); ++it) hidden_.emplace_back(sd, *it);
      fields.erase(kept, fields.end());
    }
    flatbuffers::Parser serializer;
    REQUIRE(serializer.Parse(v.source.c_str(), includes, v.file.c_str()));
    serializer.Serialize();
    bfbs_.assign(serializer.builder_.GetBufferPointer(),
                 serializer.builder_.GetBufferPointer() + serializer.builder_.GetSize());
  }

  ~flatbuffers_schema() {
    // The parser frees the fields its structs list: give the hidden ones back.
    for (auto& [sd, f] : hidden_) sd->fields.vec.push_back(f);
  }
  flatbuffers_schema(const flatbuffers_schema&) = delete;
  flatbuffers_schema& operator=(const flatbuffers_schema&) = delete;

  /// `json` built into a payload of this version, padded to a multiple of 8 bytes as uplift's
  /// writers make payloads.
  std::string build(const std::string& json) {
    REQUIRE_MESSAGE(builder_.Parse(json.c_str()), (builder_.error_ + " in " + json));
    std::string out(reinterpret_cast<const char*>(builder_.builder_.GetBufferPointer()),
                    builder_.builder_.GetSize());
    out.resize((out.size() + 7) / 8 * 8, '\0');
    return out;
  }

  /// A payload as JSON, read through this version's schema as plain FlatBuffers reads it, or
  /// "unreadable" when it does not verify as this version.
  std::string read(const std::string& payload) const {
    const auto* schema = reflection::GetSchema(bfbs_.data());
    const auto* data = reinterpret_cast<const std::uint8_t*>(payload.data());
    if (!flatbuffers::Verify(*schema, *schema->root_table(), data, payload.size()))
      return "unreadable";
    std::string text;
    if (!flatbuffers::GenerateText(parser_, data, &text)) return "unreadable";
    return text;
  }

  /// A table of this version (its root table) as JSON.
  std::string text(const void* table) const {
    std::string text;
    REQUIRE(flatbuffers::GenerateTextFromTable(parser_, table, root_, &text));
    return text;
  }

 private:
  flatbuffers::Parser parser_;   // prints
  std::vector<std::pair<flatbuffers::StructDef*, flatbuffers::FieldDef*>> hidden_;  // deprecated fields
  flatbuffers::Parser builder_;  // builds payloads from JSON
  std::string root_;
  std::vector<std::uint8_t> bfbs_;
};

/// The paths where two JSON texts differ: "$" when either is not JSON (an error, unreadable) or
/// their kinds differ, else "$.a.b" for each member that differs (objects are compared member by
/// member, everything else as a whole).
inline std::set<std::string> differences(const std::string& a, const std::string& b) {
  simdjson::dom::parser pa, pb;
  simdjson::dom::element ea, eb;
  const bool ja = !pa.parse(a).get(ea);
  const bool jb = !pb.parse(b).get(eb);
  if (!ja || !jb) return ja == jb ? std::set<std::string>{} : std::set<std::string>{"$"};  // neither reads it
  std::set<std::string> out;
  auto walk = [&](auto& self, simdjson::dom::element x, simdjson::dom::element y, const std::string& path) -> void {
    simdjson::dom::object ox, oy;
    if (!x.get(ox) && !y.get(oy)) {
      std::set<std::string> keys;
      for (auto [k, v] : ox) keys.insert(std::string(k));
      for (auto [k, v] : oy) keys.insert(std::string(k));
      for (const auto& k : keys) {
        simdjson::dom::element vx, vy;
        const bool hx = !ox[k].get(vx);
        const bool hy = !oy[k].get(vy);
        if (hx && hy)
          self(self, vx, vy, path + "." + k);
        else
          out.insert(path + "." + k);
      }
      return;
    }
    if (simdjson::minify(x) != simdjson::minify(y)) out.insert(path);
  };
  walk(walk, ea, eb, "$");
  return out;
}

/// "<sample> <path>" for each difference.
inline std::set<std::string> named(const std::string& sample_name, const std::set<std::string>& paths) {
  std::set<std::string> out;
  for (const auto& p : paths) out.insert(sample_name + " " + p);
  return out;
}

inline std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "none" : out;
}

/// The case's samples of every old version, read at the latest version by uplift (zero-copy or
/// rebuilt view, Object API, JSON document) and by plain FlatBuffers through the latest schema.
/// Every uplift path gives the same record; where it differs from FlatBuffers is exactly what
/// case.txt says, no more, no less; a record behind wire-compatible steps only is read zero-copy.
template <class R>
void check_reads(const fs::path& dir) {
  const manifest m = read_manifest(dir);
  const uplift_gen::record_check c = uplift_gen::check_record(dir.string());
  REQUIRE_MESSAGE(c.errors.empty(), uplift_gen::check_report(c));
  const auto& versions = c.record->versions;
  flatbuffers_schema latest(versions.back(), dir);
  using table = typename uplift::view<R>::table_type;

  std::set<std::string> expected, found;
  std::string log;  // what each side read, shown when the check fails
  for (const auto& [where, reason] : m.differs) expected.insert(where);
  for (std::size_t k = 0; k + 1 < versions.size(); ++k) {
    bool wire = true;
    for (std::size_t s = k; s < c.steps.size(); ++s) wire = wire && c.steps[s].wire_compatible;
    flatbuffers_schema old(versions[k], dir);
    for (const sample& s : samples(versions[k], dir)) {
      CAPTURE(s.name);
      CAPTURE(s.json);
      const std::string payload = old.build(s.json);
      std::string record(uplift::header_size, '\0');
      uplift::encode_header({.type_id = R::type_id,
                             .version = static_cast<std::uint16_t>(versions[k].number),
                             .min_reader_version = static_cast<std::uint16_t>(versions[k].number)},
                            reinterpret_cast<std::uint8_t*>(record.data()));
      record += payload;

      // uplift, three ways: the view (zero-copy or rebuilt), the Object API, a JSON document.
      std::string by_view;
      if (auto r = uplift::read<R>(std::string_view(record))) {
        by_view = latest.text(r->get());
        CHECK_MESSAGE(r->zero_copy() == wire, "zero-copy read expected: " << wire);
      } else {
        by_view = "error: " + r.error().message();
      }
      auto pack = [&](const auto& object) {
        flatbuffers::FlatBufferBuilder fbb;
        fbb.Finish(table::Pack(fbb, &object));
        return latest.text(flatbuffers::GetRoot<table>(fbb.GetBufferPointer()));
      };
      std::string by_object;
      if (auto o = uplift::read_object<R>(std::string_view(record)))
        by_object = pack(*o);
      else
        by_object = "error: " + o.error().message();
      std::string document = s.json;
      document.insert(1, "\"_v\":" + std::to_string(versions[k].number) + ",");
      std::string by_json;
      if (auto j = uplift::read_json<R>(document))
        by_json = pack(*j);
      else
        by_json = "error: " + j.error().message();
      const bool failed = by_view.rfind("error: ", 0) == 0;
      CHECK_MESSAGE(differences(by_view, by_object).empty(), by_view << "\n  vs the Object API read\n" << by_object);
      CHECK_MESSAGE(failed == (by_json.rfind("error: ", 0) == 0), by_view << "\n  vs the JSON read\n" << by_json);
      if (!failed) CHECK_MESSAGE(differences(by_view, by_json).empty(), by_view << "\n  vs the JSON read\n" << by_json);

      // Plain FlatBuffers: the old payload through the latest schema.
      const std::string plain = latest.read(payload);
      const std::set<std::string> d = named(s.name, differences(plain, by_view));
      found.insert(d.begin(), d.end());
      log += "\n" + s.name + ": FlatBuffers reads " + plain + "\n" + std::string(s.name.size(), ' ') +
             "  uplift reads      " + by_view;
    }
  }
  CHECK_MESSAGE(found == expected, "uplift and FlatBuffers differ at " << joined(found) << "; case.txt says "
                                                                        << joined(expected) << log);
}

}  // namespace evolution
