#pragma once
// The benchmark record in cereal's binary archive, with cereal's class versioning: one C++ struct
// per version as its writers saved it, and `record`, the latest, whose versioned `load` reads every
// version and migrates it by hand. Records are read from memory through a streambuf that does not
// copy them.

#include <cstdint>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "record/record.hpp"

namespace uplift_bench::record::cereal_format {

/// v1 as its writers saved it.
struct record_v1 {
  std::uint64_t id = 0;
  std::int64_t created_at = 0;
  std::int32_t kind = 0;
  std::uint32_t flags = 0;
  float score = 0;
  std::string name, email;
  std::vector<std::string> tags;
  std::vector<std::int32_t> values;
  template <class A>
  void save(A& ar, std::uint32_t) const {
    ar(id, created_at, kind, flags, score, name, email, tags, values);
  }
};

/// v2 as its writers saved it: the name is now display_name (the same bytes), a note appended.
struct record_v2 {
  std::uint64_t id = 0;
  std::int64_t created_at = 0;
  std::int32_t kind = 0;
  std::uint32_t flags = 0;
  float score = 0;
  std::string display_name, email;
  std::vector<std::string> tags;
  std::vector<std::int32_t> values;
  std::string note;
  template <class A>
  void save(A& ar, std::uint32_t) const {
    ar(id, created_at, kind, flags, score, display_name, email, tags, values, note);
  }
};

/// The latest version: saves v3, loads any version.
struct record {
  std::uint64_t id = 0;
  std::int64_t created_at = 0;
  std::int64_t kind = 0;
  std::uint32_t flags = 0;
  double score = 0;
  std::string display_name, email;
  std::vector<std::string> tags;
  std::vector<std::int32_t> values;
  std::string note, email_domain;

  template <class A>
  void save(A& ar, std::uint32_t) const {
    ar(id, created_at, kind, flags, score, display_name, email, tags, values, note, email_domain);
  }
  template <class A>
  void load(A& ar, std::uint32_t version) {
    if (version >= 3) {
      ar(id, created_at, kind, flags, score, display_name, email, tags, values, note, email_domain);
      return;
    }
    std::int32_t old_kind = 0;
    float old_score = 0;
    ar(id, created_at, old_kind, flags, old_score, display_name, email, tags, values);
    if (version == 2)
      ar(note);
    else
      note.clear();
    kind = old_kind;
    score = old_score;
    email_domain.assign(domain_of(email));
  }
};

/// Reads a record's bytes in place.
class memory_buffer : public std::streambuf {
 public:
  void reset(const std::uint8_t* data, std::size_t size) {
    char* p = const_cast<char*>(reinterpret_cast<const char*>(data));
    setg(p, p, p + size);
  }
};

/// `r` as the latest struct.
inline record to_cereal(const logical& r) {
  return {r.id,      r.created_at, r.kind,   r.flags, r.score,       r.display_name,
          r.email,   r.tags,       r.values, r.note,  r.email_domain};
}

inline std::string encode(const logical& r) {
  std::ostringstream out;
  {
    cereal::BinaryOutputArchive ar(out);
    if (r.stored_version == 1) {
      record_v1 o{r.id, r.created_at, static_cast<std::int32_t>(r.kind), r.flags,
                  static_cast<float>(r.score), r.display_name, r.email, r.tags, r.values};
      ar(o);
    } else if (r.stored_version == 2) {
      record_v2 o{r.id, r.created_at, static_cast<std::int32_t>(r.kind), r.flags,
                  static_cast<float>(r.score), r.display_name, r.email, r.tags, r.values, r.note};
      ar(o);
    } else {
      ar(to_cereal(r));
    }
  }
  return std::move(out).str();
}

/// Reads records from memory: a BinaryInputArchive per record (cereal keeps the class versions
/// it has seen per archive) over a streambuf on its bytes, loading one reused struct.
class reader {
 public:
  const record& load(const std::uint8_t* data, std::size_t size) {
    buf_.reset(data, size);
    in_.clear();
    cereal::BinaryInputArchive ar(in_);
    ar(rec_);
    return rec_;
  }

 private:
  memory_buffer buf_;
  std::istream in_{&buf_};
  record rec_;
};

inline std::uint64_t fold_all(std::uint64_t h, const record& r) noexcept {
  return fold_members(h, r);
}
inline std::uint64_t fold_two(std::uint64_t h, const record& r) noexcept {
  return mix_string(mix(h, r.id), r.email);
}

}  // namespace uplift_bench::record::cereal_format

CEREAL_CLASS_VERSION(uplift_bench::record::cereal_format::record_v1, 1)
CEREAL_CLASS_VERSION(uplift_bench::record::cereal_format::record_v2, 2)
CEREAL_CLASS_VERSION(uplift_bench::record::cereal_format::record, 3)
