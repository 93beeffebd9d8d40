#pragma once
// A set of records in every peer library's format, each format in one arena, each record written
// at its stored version.

#include "common/arena.hpp"
#include "record/avro.hpp"
#include "record/capnp.hpp"
#include "record/cereal.hpp"
#include "record/protobuf.hpp"
#include "record/record.hpp"

namespace uplift_bench::record {

struct peer_arenas {
  arena protobuf;  ///< the message of the stored version (bench/peers/record.proto)
  arena capnp;     ///< the struct of the stored version, one flat unpacked segment
  arena avro;      ///< the version byte, then the stored version's binary encoding
  arena cereal;    ///< a binary archive of the stored version's struct

  void add(const logical& r) {
    protobuf.add(encode_protobuf(r));
    const kj::Array<capnp::word> words = encode_capnp(r);
    capnp.add(words.begin(), words.size() * sizeof(capnp::word));
    avro.add(encode_avro(r));
    cereal.add(cereal_format::encode(r));
  }
};

}  // namespace uplift_bench::record
