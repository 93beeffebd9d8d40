#pragma once
// nlohmann-json and a hand-written migration: parse the text into a json DOM, then fill a fresh
// v3::RecordT from it by the document's "_v": v3 field by field; v1 with `name` as the display
// name, the score as a float, and email_domain computed.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "read_json/dataset.hpp"

namespace uplift_bench::read_json {

template <text Input>
struct nlohmann_migration {
  static constexpr std::string_view id = Input == text::v1 ? "nlohmann_v1" : "nlohmann";
  static constexpr std::string_view name = "nlohmann-json parse + hand-written migration";
  static constexpr std::string_view input = name_of(Input);

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    const simdjson::padded_string& text = d.texts(Input)[i];
    const nlohmann::json j = nlohmann::json::parse(text.data(), text.data() + text.size());
    return record::fold_all(h, migrate(j));
  }
  std::size_t input_bytes(const dataset& d) const { return d.bytes(Input); }

 private:
  static v3::RecordT migrate(const nlohmann::json& j) {
    v3::RecordT u;
    const int version = j.value("_v", 3);
    u.id = j.at("id").get<std::uint64_t>();
    u.created_at = j.at("created_at").get<std::int64_t>();
    u.flags = j.at("flags").get<std::uint32_t>();
    u.email = j.at("email").get<std::string>();
    u.tags = j.at("tags").get<std::vector<std::string>>();
    u.values = j.at("values").get<std::vector<std::int32_t>>();
    if (version >= 3) {
      u.kind = j.at("kind").get<std::int64_t>();
      u.score = j.at("score").get<double>();
      u.display_name = j.at("display_name").get<std::string>();
      u.note = j.value("note", std::string{});
      u.email_domain = j.at("email_domain").get<std::string>();
    } else {
      u.kind = j.at("kind").get<std::int32_t>();
      u.score = j.at("score").get<float>();
      u.display_name = j.at(version == 2 ? "display_name" : "name").get<std::string>();
      if (version == 2) u.note = j.value("note", std::string{});
      u.email_domain = record::domain_of(u.email);
    }
    return u;
  }
};

}  // namespace uplift_bench::read_json
