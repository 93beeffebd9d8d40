#pragma once
// The migration written by hand for speed, trusted input: a v3 record is read in place; an older
// one is rebuilt straight from its own accessors into v3 with one reused FlatBufferBuilder (no
// Object API structs), and the v3 table read from the builder. The version comes from the record
// header's bytes.

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/rebuild.hpp"
#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

class fused_rebuild {
 public:
  static constexpr std::string_view id = "fused";
  static constexpr std::string_view name = "hand-written FlatBuffers -> FlatBuffers rebuild";
  static constexpr std::string_view input = "uplift records";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const std::uint8_t* rec = d.records_uplift.data(i);
    const std::uint8_t* payload = rec + uplift::header_size;
    switch (header_version(rec)) {
      case 3: return record::fold_all(h, *flatbuffers::GetRoot<v3::Record>(payload));
      case 2: return record::fold_all(h, rebuild(*flatbuffers::GetRoot<v2::Record>(payload)));
      default: return record::fold_all(h, rebuild(*flatbuffers::GetRoot<v1::Record>(payload)));
    }
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_uplift.total_bytes(); }

 private:
  // v1 and v2 differ in the name's field and the note: one function for both.
  template <class Old>
  const v3::Record& rebuild(const Old& s) {
    fbb_.Clear();
    const flatbuffers::String* old_name;
    flatbuffers::Offset<flatbuffers::String> note = 0;
    if constexpr (std::is_same_v<Old, v1::Record>) {
      old_name = s.name();
    } else {
      old_name = s.display_name();
      note = copy_string(fbb_, s.note());
    }
    const auto display_name = copy_string(fbb_, old_name);
    const auto email = copy_string(fbb_, s.email());
    const auto tags = copy_strings(fbb_, s.tags(), offsets_);
    const auto values = copy_scalars(fbb_, s.values());
    const auto domain = copy_string(fbb_, record::domain_of(record::text(s.email())));
    v3::RecordBuilder b(fbb_);
    b.add_id(s.id());
    b.add_created_at(s.created_at());
    b.add_kind(s.kind());
    b.add_score(s.score());
    b.add_flags(s.flags());
    b.add_display_name(display_name);
    b.add_email(email);
    b.add_tags(tags);
    b.add_values(values);
    b.add_note(note);
    b.add_email_domain(domain);
    fbb_.Finish(b.Finish());
    return *flatbuffers::GetRoot<v3::Record>(fbb_.GetBufferPointer());
  }

  flatbuffers::FlatBufferBuilder fbb_{1024};
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets_;
};

}  // namespace uplift_bench::version_mix
