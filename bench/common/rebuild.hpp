#pragma once
// What every hand-written FlatBuffers -> FlatBuffers rebuild does the same way: copying strings
// and vectors from an old table into a builder (a null field stays absent).

#include <cstdint>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

namespace uplift_bench {

inline flatbuffers::Offset<flatbuffers::String> copy_string(flatbuffers::FlatBufferBuilder& fbb,
                                                            const flatbuffers::String* s) {
  return s ? fbb.CreateString(s->c_str(), s->size()) : 0;
}
inline flatbuffers::Offset<flatbuffers::String> copy_string(flatbuffers::FlatBufferBuilder& fbb,
                                                            std::string_view s) {
  return s.empty() ? 0 : fbb.CreateString(s.data(), s.size());
}

/// A vector of strings; `scratch` holds the offsets on the way (reused across records).
inline flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
copy_strings(flatbuffers::FlatBufferBuilder& fbb,
             const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v,
             std::vector<flatbuffers::Offset<flatbuffers::String>>& scratch) {
  if (!v) return 0;
  scratch.clear();
  for (const flatbuffers::String* s : *v) scratch.push_back(copy_string(fbb, s));
  return fbb.CreateVector(scratch);
}

/// A vector of scalars, copied as one block.
template <class T>
flatbuffers::Offset<flatbuffers::Vector<T>> copy_scalars(flatbuffers::FlatBufferBuilder& fbb,
                                                         const flatbuffers::Vector<T>* v) {
  return v ? fbb.CreateVector(v->data(), v->size()) : 0;
}

}  // namespace uplift_bench
