#pragma once
// Avro C (libavro) with schema resolution, standing in for Avro C++'s ResolvingDecoder (Avro C++ is
// not packaged in Debian 12). A record is decoded with its writer's schema into a reused generic
// value, and read through avro_resolved_reader's view of it as the reader's schema: that resolves
// int -> long and float -> double and matches fields by name. Avro C knows no aliases and no
// reader defaults, so the rest of the evolution is written by hand: v1's `name` is read as the
// display name, a missing note is empty, email_domain is computed. A v3 record is read directly
// (its writer schema is the reader's).

#include <cstdint>
#include <memory>
#include <string_view>

#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

class avro_resolving {
 public:
  static constexpr std::string_view id = "avro";
  static constexpr std::string_view name = "Avro C: resolved reader + hand-written migration";
  static constexpr std::string_view input = "Avro binary";

  avro_resolving() : reader_(avro_reader_memory(nullptr, 0)) {
    namespace s = record::avro_schemas;
    from_[0] = std::make_unique<resolved>(s::v1, s::view_of_v1);
    from_[1] = std::make_unique<resolved>(s::v2, s::view_of_v2);
  }
  ~avro_resolving() { avro_reader_free(reader_); }
  avro_resolving(const avro_resolving&) = delete;
  avro_resolving& operator=(const avro_resolving&) = delete;

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    namespace f = record::avro_field;
    const char* bytes = reinterpret_cast<const char*>(d.peers.avro.data(i));
    const int version = bytes[0];
    avro_reader_memory_set_source(reader_, bytes + 1, static_cast<std::int64_t>(d.peers.avro.size(i) - 1));
    if (version == 3) {
      avro_value_t& v = latest_.value();
      if (avro_value_read(reader_, &v) != 0) [[unlikely]]
        record::avro_failed("read");
      h = record::fold_avro_common(h, v);
      h = mix_string(h, record::avro_string(v, f::note));
      return mix_string(h, record::avro_string(v, f::email_domain));
    }
    resolved& r = *from_[version == 2 ? 1 : 0];
    if (avro_value_read(reader_, &r.writer.value()) != 0) [[unlikely]]
      record::avro_failed("read");
    avro_value_t& v = r.view;
    h = record::fold_avro_common(h, v);
    h = mix_string(h, version == 2 ? record::avro_string(v, f::note) : std::string_view{});
    return mix_string(h, record::domain_of(record::avro_string(v, f::email)));
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.avro.total_bytes(); }

 private:
  /// A writer schema's value and the resolved reader's view of it.
  struct resolved {
    resolved(std::string_view writer_schema, std::string_view reader_schema)
        : writer(writer_schema), reader_schema_(record::avro_parse(reader_schema)) {
      iface_ = avro_resolved_reader_new(writer.schema(), reader_schema_);
      if (!iface_ || avro_resolved_reader_new_value(iface_, &view) != 0)
        record::avro_failed("resolved reader");
      avro_resolved_reader_set_source(&view, &writer.value());
    }
    ~resolved() {
      avro_value_decref(&view);
      avro_value_iface_decref(iface_);
      avro_schema_decref(reader_schema_);
    }
    resolved(const resolved&) = delete;
    resolved& operator=(const resolved&) = delete;

    record::avro_generic writer;
    avro_value_t view{};

   private:
    avro_schema_t reader_schema_;
    avro_value_iface_t* iface_ = nullptr;
  };

  avro_reader_t reader_;
  record::avro_generic latest_{record::avro_schemas::v3};
  std::unique_ptr<resolved> from_[2];
};

}  // namespace uplift_bench::version_mix
