#pragma once
// Avro C (libavro): the binary encoding read with avro_value_read into one reused generic value of
// the v3 schema (writer and reader schema are the same here: nothing to resolve), then the fields
// read through the value API.

#include <cstdint>
#include <string_view>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

template <class Fields>
class avro_read {
 public:
  static constexpr std::string_view id = "avro";
  static constexpr std::string_view name = "Avro C: avro_value_read + read";
  static constexpr std::string_view input = "Avro binary";

  avro_read() : reader_(avro_reader_memory(nullptr, 0)) {}
  ~avro_read() { avro_reader_free(reader_); }
  avro_read(const avro_read&) = delete;
  avro_read& operator=(const avro_read&) = delete;

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const char* bytes = reinterpret_cast<const char*>(d.peers.avro.data(i));
    avro_reader_memory_set_source(reader_, bytes + 1, static_cast<std::int64_t>(d.peers.avro.size(i) - 1));
    avro_value_t& v = value_.value();
    if (avro_value_read(reader_, &v) != 0) [[unlikely]]
      record::avro_failed("read");
    if constexpr (Fields::all) {
      h = record::fold_avro_common(h, v);
      h = mix_string(h, record::avro_string(v, record::avro_field::note));
      return mix_string(h, record::avro_string(v, record::avro_field::email_domain));
    } else {
      return record::fold_avro_two(h, v);
    }
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.avro.total_bytes(); }

 private:
  avro_reader_t reader_;
  record::avro_generic value_{record::avro_schemas::v3};
};

}  // namespace uplift_bench::read_latest
