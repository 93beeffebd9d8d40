#pragma once
// The write scenario's contenders. Each writes one record (`write`, timed) into memory it keeps,
// and reads what it wrote back with its format's own reader (`fold_written`), which the scenario
// checks against the reference before anything is timed. A timed write folds the size it wrote
// into the checksum.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "harness.hpp"
#include "record/capnp.hpp"
#include "record/cereal.hpp"
#include "record/protobuf.hpp"
#include "write/dataset.hpp"

namespace uplift_bench::write {

using output = std::span<const std::uint8_t>;

/// An uplift record read back (verified) and folded.
inline std::uint64_t fold_uplift(std::uint64_t h, output bytes) {
  auto r = uplift::read<record::descriptor>(uplift::bytes_view(bytes.data(), bytes.size()));
  if (!r) die(r.error().message());
  return record::fold_all(h, **r);
}

/// A bare v3 FlatBuffer read back (verified) and folded.
inline std::uint64_t fold_flatbuffer(std::uint64_t h, output bytes) {
  flatbuffers::Verifier v(bytes.data(), bytes.size());
  if (!v.VerifyBuffer<v3::Record>(nullptr)) die("a written v3 FlatBuffer does not verify");
  return record::fold_all(h, *flatbuffers::GetRoot<v3::Record>(bytes.data()));
}

/// FlatBufferBuilder from the fields, then Finish: the baseline of a builder's write.
struct raw_finish {
  static constexpr std::string_view id = "raw_finish";
  static constexpr std::string_view name = "raw FlatBuffers: FlatBufferBuilder + Finish";
  static constexpr std::string_view input = "the fields";
  flatbuffers::FlatBufferBuilder fbb{1024};
  output write(const dataset& d, std::uint32_t i) {
    fbb.Clear();
    fbb.Finish(build_v3(fbb, d.records[i]));
    return {fbb.GetBufferPointer(), fbb.GetSize()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_flatbuffer(h, b); }
};

/// The same builder finished as an uplift record: the header pushed in front, no copy.
struct uplift_finish {
  static constexpr std::string_view id = "uplift_finish";
  static constexpr std::string_view name = "uplift::finish of a FlatBufferBuilder";
  static constexpr std::string_view input = "the fields";
  flatbuffers::FlatBufferBuilder fbb{1024};
  output write(const dataset& d, std::uint32_t i) {
    fbb.Clear();
    const uplift::bytes_view rec = uplift::finish<record::descriptor>(fbb, build_v3(fbb, d.records[i]));
    return {rec.data(), rec.size()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_uplift(h, b); }
};

/// The Object API struct packed into a reused builder: the baseline of a struct's write.
struct raw_pack {
  static constexpr std::string_view id = "raw_pack";
  static constexpr std::string_view name = "raw FlatBuffers: Object API Pack + Finish";
  static constexpr std::string_view input = "v3 Object API structs";
  flatbuffers::FlatBufferBuilder fbb{1024};
  output write(const dataset& d, std::uint32_t i) {
    fbb.Clear();
    fbb.Finish(v3::Record::Pack(fbb, &d.objects[i]));
    return {fbb.GetBufferPointer(), fbb.GetSize()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_flatbuffer(h, b); }
};

/// uplift::write of the struct into a reused write_buffer.
struct uplift_write_into {
  static constexpr std::string_view id = "uplift_write";
  static constexpr std::string_view name = "uplift::write into a write_buffer";
  static constexpr std::string_view input = "v3 Object API structs";
  uplift::write_buffer out;
  output write(const dataset& d, std::uint32_t i) {
    const uplift::bytes_view rec = uplift::write<record::descriptor>(d.objects[i], out);
    return {rec.data(), rec.size()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_uplift(h, b); }
};

/// uplift::write of the struct into a buffer of its own (one allocation per record).
struct uplift_write_owned {
  static constexpr std::string_view id = "uplift_write_owned";
  static constexpr std::string_view name = "uplift::write, an owned buffer each";
  static constexpr std::string_view input = "v3 Object API structs";
  uplift::buffer last;
  output write(const dataset& d, std::uint32_t i) {
    last = uplift::write<record::descriptor>(d.objects[i]);
    return {last.data(), last.size()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_uplift(h, b); }
};

/// A codec whose write version is v2, mid-rollout: the latest struct taken down to v2, written into
/// a reused write_buffer.
struct uplift_write_v2 {
  static constexpr std::string_view id = "uplift_write_v2";
  static constexpr std::string_view name = "codec::write at v2 (a rollout), into a write_buffer";
  static constexpr std::string_view input = "v3 Object API structs";
  uplift::codec<record::descriptor> codec =
      uplift::codec<record::descriptor>::make({.write_version = 2}).value();
  uplift::write_buffer out;
  output write(const dataset& d, std::uint32_t i) {
    auto rec = codec.write(d.objects[i], out);
    if (!rec) [[unlikely]]
      die(rec.error().message());
    return {rec->data(), rec->size()};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) { return fold_uplift(h, b); }
};

/// protobuf: SerializeToArray of a filled message into a reused array.
struct protobuf_serialize {
  static constexpr std::string_view id = "protobuf";
  static constexpr std::string_view name = "protobuf: SerializeToArray";
  static constexpr std::string_view input = "protobuf messages";
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(1 << 16);
  output write(const dataset& d, std::uint32_t i) {
    const bench::pb::Record& m = d.protobuf[i];
    const auto size = static_cast<int>(m.ByteSizeLong());
    if (!m.SerializeToArray(out.data(), size)) [[unlikely]]
      die("protobuf: SerializeToArray failed");
    return {out.data(), static_cast<std::size_t>(size)};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) {
    bench::pb::Record m;
    if (!m.ParseFromArray(b.data(), static_cast<int>(b.size()))) die("protobuf: a written record does not parse");
    return record::fold_all(h, m);
  }
};

/// Cap'n Proto: a MallocMessageBuilder filled from the fields; its one segment is the message.
struct capnp_build {
  static constexpr std::string_view id = "capnp";
  static constexpr std::string_view name = "Cap'n Proto: MallocMessageBuilder + build";
  static constexpr std::string_view input = "the fields";
  std::optional<capnp::MallocMessageBuilder> message;
  output write(const dataset& d, std::uint32_t i) {
    message.emplace();
    record::build_capnp(d.records[i], message->initRoot<bench::cp::Record>());
    const auto segments = message->getSegmentsForOutput();
    if (segments.size() != 1) [[unlikely]]
      die("Cap'n Proto: a record took more than one segment");
    return {reinterpret_cast<const std::uint8_t*>(segments[0].begin()),
            segments[0].size() * sizeof(capnp::word)};
  }
  static std::uint64_t fold_written(std::uint64_t h, output b) {
    const kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(b.data()),
                                                b.size() / sizeof(capnp::word));
    const kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments(&words, 1);
    capnp::SegmentArrayMessageReader reader(segments);
    const auto r = reader.getRoot<bench::cp::Record>();
    return record::fold_all(h, r, r.getKind(), r.getScore(), record::text(r.getEmailDomain()));
  }
};

/// cereal: a binary archive of the versioned struct into a reused string.
struct cereal_save {
  static constexpr std::string_view id = "cereal";
  static constexpr std::string_view name = "cereal: binary archive save";
  static constexpr std::string_view input = "cereal structs";

  /// Appends to a string it keeps (cleared, its memory kept, before each record).
  class string_sink : public std::streambuf {
   public:
    std::string bytes;

   protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      bytes.append(s, static_cast<std::size_t>(n));
      return n;
    }
    int_type overflow(int_type c) override {
      if (c != traits_type::eof()) bytes.push_back(static_cast<char>(c));
      return c;
    }
  };
  string_sink sink_buf;
  std::ostream stream{&sink_buf};
  record::cereal_format::reader back;

  output write(const dataset& d, std::uint32_t i) {
    sink_buf.bytes.clear();
    {
      cereal::BinaryOutputArchive ar(stream);
      ar(d.cereal[i]);
    }
    return {reinterpret_cast<const std::uint8_t*>(sink_buf.bytes.data()), sink_buf.bytes.size()};
  }
  std::uint64_t fold_written(std::uint64_t h, output b) {
    return record::cereal_format::fold_all(h, back.load(b.data(), b.size()));
  }
};

/// A contender of the harness from a writer: a timed write folds the size written; `check` reads
/// every record written back and folds it (once, before timing), and counts the bytes written.
template <class W>
struct timed : W {
  std::size_t written = 0;  ///< bytes of one pass over the set, counted by check()
  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    return mix(h, this->write(d, i).size());
  }
  std::uint64_t check(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const output bytes = this->write(d, i);
    written += bytes.size();
    return this->fold_written(h, bytes);
  }
  std::size_t input_bytes(const dataset&) const { return written; }
};

}  // namespace uplift_bench::write
