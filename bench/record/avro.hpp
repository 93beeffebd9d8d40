#pragma once
// The benchmark record in Avro, through Avro C (libavro; Avro C++ is not packaged in Debian 12):
// the writer schema of each version, the reader's views for schema resolution, writing a record at
// its stored version, and reading fields from a value. Each record is its Avro binary encoding
// after one byte naming the writer's version (Avro's single-object encoding puts a schema
// fingerprint there).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <avro.h>

#include "harness.hpp"
#include "record/record.hpp"

namespace uplift_bench::record {

namespace avro_schemas {
// The writer schemas. Avro has no unsigned types: id and flags are longs holding the same bits.
inline constexpr std::string_view v1 = R"({"type":"record","name":"Record","namespace":"bench.avro",
 "fields":[{"name":"id","type":"long"},{"name":"created_at","type":"long"},
 {"name":"kind","type":"int"},{"name":"flags","type":"long"},{"name":"score","type":"float"},
 {"name":"name","type":"string"},{"name":"email","type":"string"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"values","type":{"type":"array","items":"int"}}]})";
inline constexpr std::string_view v2 = R"({"type":"record","name":"Record","namespace":"bench.avro",
 "fields":[{"name":"id","type":"long"},{"name":"created_at","type":"long"},
 {"name":"kind","type":"int"},{"name":"flags","type":"long"},{"name":"score","type":"float"},
 {"name":"display_name","type":"string"},{"name":"email","type":"string"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"values","type":{"type":"array","items":"int"}},
 {"name":"note","type":"string","default":""}]})";
inline constexpr std::string_view v3 = R"({"type":"record","name":"Record","namespace":"bench.avro",
 "fields":[{"name":"id","type":"long"},{"name":"created_at","type":"long"},
 {"name":"kind","type":"long"},{"name":"flags","type":"long"},{"name":"score","type":"double"},
 {"name":"display_name","type":"string"},{"name":"email","type":"string"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"values","type":{"type":"array","items":"int"}},
 {"name":"note","type":"string","default":""},
 {"name":"email_domain","type":"string","default":""}]})";

// What the v3 reader asks the resolver for, per writer version. Avro C's resolver promotes int ->
// long and float -> double and matches fields by name, but knows no aliases (renames) and no
// reader defaults (a reader field the writer lacks is an error), so the reader's view of a v1
// record keeps v1's `name` and leaves out what v1 lacks; the hand-written part of the migration
// fills display_name, note and email_domain. Field i is the same field in every view.
inline constexpr std::string_view view_of_v1 = R"({"type":"record","name":"Record","namespace":"bench.avro",
 "fields":[{"name":"id","type":"long"},{"name":"created_at","type":"long"},
 {"name":"kind","type":"long"},{"name":"flags","type":"long"},{"name":"score","type":"double"},
 {"name":"name","type":"string"},{"name":"email","type":"string"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"values","type":{"type":"array","items":"int"}}]})";
inline constexpr std::string_view view_of_v2 = R"({"type":"record","name":"Record","namespace":"bench.avro",
 "fields":[{"name":"id","type":"long"},{"name":"created_at","type":"long"},
 {"name":"kind","type":"long"},{"name":"flags","type":"long"},{"name":"score","type":"double"},
 {"name":"display_name","type":"string"},{"name":"email","type":"string"},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"values","type":{"type":"array","items":"int"}},
 {"name":"note","type":"string","default":""}]})";
}  // namespace avro_schemas

/// Field indices, the same in every writer schema and reader view that has the field.
namespace avro_field {
inline constexpr std::size_t id = 0, created_at = 1, kind = 2, flags = 3, score = 4, name = 5,
                             email = 6, tags = 7, values = 8, note = 9, email_domain = 10;
}

[[noreturn]] inline void avro_failed(std::string_view what) {
  die(std::string("Avro C: ").append(what).append(": ").append(avro_strerror()));
}

inline avro_schema_t avro_parse(std::string_view json) {
  avro_schema_t s = nullptr;
  if (avro_schema_from_json_length(json.data(), json.size(), &s) != 0) avro_failed("schema");
  return s;
}

/// A schema, its generic value class and one reusable value of it.
class avro_generic {
 public:
  explicit avro_generic(std::string_view schema_json) : schema_(avro_parse(schema_json)) {
    iface_ = avro_generic_class_from_schema(schema_);
    if (!iface_ || avro_generic_value_new(iface_, &value_) != 0) avro_failed("generic value");
  }
  ~avro_generic() {
    avro_value_decref(&value_);
    avro_value_iface_decref(iface_);
    avro_schema_decref(schema_);
  }
  avro_generic(const avro_generic&) = delete;
  avro_generic& operator=(const avro_generic&) = delete;

  avro_schema_t schema() const noexcept { return schema_; }
  avro_value_t& value() noexcept { return value_; }

 private:
  avro_schema_t schema_;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t value_{};
};

inline avro_value_t avro_field_of(avro_value_t& record, std::size_t i) {
  avro_value_t f{};
  if (avro_value_get_by_index(&record, i, &f, nullptr) != 0) avro_failed("field");
  return f;
}
inline void avro_set_string(avro_value_t& record, std::size_t i, const std::string& s) {
  avro_value_t f = avro_field_of(record, i);
  if (avro_value_set_string_len(&f, s.c_str(), s.size() + 1) != 0) avro_failed("set string");
}

/// `r` encoded with its stored version's writer schema, after the version byte.
inline std::string encode_avro(const logical& r) {
  static thread_local avro_generic w1(avro_schemas::v1), w2(avro_schemas::v2), w3(avro_schemas::v3);
  avro_generic& w = r.stored_version == 1 ? w1 : r.stored_version == 2 ? w2 : w3;
  avro_value_t& v = w.value();
  avro_value_reset(&v);
  namespace f = avro_field;
  avro_value_t x = avro_field_of(v, f::id);
  avro_value_set_long(&x, static_cast<std::int64_t>(r.id));
  x = avro_field_of(v, f::created_at);
  avro_value_set_long(&x, r.created_at);
  x = avro_field_of(v, f::kind);
  if (r.stored_version == 3)
    avro_value_set_long(&x, r.kind);
  else
    avro_value_set_int(&x, static_cast<std::int32_t>(r.kind));
  x = avro_field_of(v, f::flags);
  avro_value_set_long(&x, r.flags);
  x = avro_field_of(v, f::score);
  if (r.stored_version == 3)
    avro_value_set_double(&x, r.score);
  else
    avro_value_set_float(&x, static_cast<float>(r.score));
  avro_set_string(v, f::name, r.display_name);
  avro_set_string(v, f::email, r.email);
  avro_value_t tags = avro_field_of(v, f::tags);
  for (const std::string& t : r.tags) {
    avro_value_t e{};
    avro_value_append(&tags, &e, nullptr);
    avro_value_set_string_len(&e, t.c_str(), t.size() + 1);
  }
  avro_value_t values = avro_field_of(v, f::values);
  for (std::int32_t n : r.values) {
    avro_value_t e{};
    avro_value_append(&values, &e, nullptr);
    avro_value_set_int(&e, n);
  }
  if (r.stored_version >= 2) avro_set_string(v, f::note, r.note);
  if (r.stored_version == 3) avro_set_string(v, f::email_domain, r.email_domain);

  std::vector<char> buf(64 + 16 * r.values.size() + 8 * (r.display_name.size() + r.email.size() +
                                                         r.note.size() + r.email_domain.size()) +
                        64 * r.tags.size());
  buf[0] = static_cast<char>(r.stored_version);
  avro_writer_t out = avro_writer_memory(buf.data() + 1, static_cast<std::int64_t>(buf.size() - 1));
  if (avro_value_write(out, &v) != 0) avro_failed("write");
  const auto n = static_cast<std::size_t>(avro_writer_tell(out));
  avro_writer_free(out);
  return std::string(buf.data(), n + 1);
}

inline std::int64_t avro_long(avro_value_t& record, std::size_t i) {
  avro_value_t f = avro_field_of(record, i);
  std::int64_t out = 0;
  if (avro_value_get_long(&f, &out) != 0) avro_failed("get long");
  return out;
}
inline double avro_double(avro_value_t& record, std::size_t i) {
  avro_value_t f = avro_field_of(record, i);
  double out = 0;
  if (avro_value_get_double(&f, &out) != 0) avro_failed("get double");
  return out;
}
inline std::string_view avro_string(avro_value_t& v) {
  const char* s = nullptr;
  std::size_t size = 0;  // includes the NUL terminator
  if (avro_value_get_string(&v, &s, &size) != 0) avro_failed("get string");
  return {s, size == 0 ? 0 : size - 1};
}
inline std::string_view avro_string(avro_value_t& record, std::size_t i) {
  avro_value_t f = avro_field_of(record, i);
  return avro_string(f);
}

/// Every field from id to values of a value in the v3 layout (a v3 record or a resolved view);
/// the caller folds display_name (given here as `name_index`'s text), note and email_domain.
inline std::uint64_t fold_avro_common(std::uint64_t h, avro_value_t& r) {
  namespace f = avro_field;
  h = mix(h, static_cast<std::uint64_t>(avro_long(r, f::id)));
  h = mix_signed(h, avro_long(r, f::created_at));
  h = mix_signed(h, avro_long(r, f::kind));
  h = mix(h, static_cast<std::uint64_t>(avro_long(r, f::flags)));
  h = mix_double(h, avro_double(r, f::score));
  h = mix_string(h, avro_string(r, f::name));
  h = mix_string(h, avro_string(r, f::email));
  avro_value_t tags = avro_field_of(r, f::tags);
  std::size_t n = 0;
  avro_value_get_size(&tags, &n);
  h = mix(h, n);
  for (std::size_t i = 0; i < n; ++i) {
    avro_value_t t{};
    avro_value_get_by_index(&tags, i, &t, nullptr);
    h = mix_string(h, avro_string(t));
  }
  avro_value_t values = avro_field_of(r, f::values);
  avro_value_get_size(&values, &n);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    avro_value_t e{};
    avro_value_get_by_index(&values, i, &e, nullptr);
    std::int32_t x = 0;
    avro_value_get_int(&e, &x);
    sum += static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
  }
  return mix_sum(h, n, sum);
}

inline std::uint64_t fold_avro_two(std::uint64_t h, avro_value_t& r) {
  h = mix(h, static_cast<std::uint64_t>(avro_long(r, avro_field::id)));
  return mix_string(h, avro_string(r, avro_field::email));
}

}  // namespace uplift_bench::record
