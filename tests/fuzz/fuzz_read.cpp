// Fuzz target: uplift::read<R> and uplift::read_object<R> of the shipped record demo.User. The
// version is in the input's header, so every stored version (v1..v3, and newer ones read under
// either policy) is reached; each input is read aligned and from an odd address.
#include <string_view>

#include <uplift/uplift.hpp>

#include "fuzz_support.hpp"
#include "user_uplift.hpp"

using uplift_fuzz::expect;

namespace {

std::size_t touch(const flatbuffers::String* s) { return s ? s->string_view().size() : 0; }

void read_both(uplift::bytes_view in, const uplift::options& o) {
  auto v = uplift::read<demo::User>(in, o);
  auto obj = uplift::read_object<demo::User>(in, o);
  expect(v.has_value() == obj.has_value(), "read and read_object accept the same inputs");
  if (!v) {
    expect(v.error().code == obj.error().code, "read and read_object give the same error");
    expect(!v.error().message().empty(), "an error has a message");
    return;
  }
  // Every field of the view is in bounds: the verifier said so.
  const demo::v3::User& u = **v;
  volatile std::size_t sink = touch(u.given_name()) + touch(u.family_name()) + touch(u.email()) +
                              static_cast<std::size_t>(u.id() + u.age() + u.created_at());
  (void)sink;
  expect(obj->email == (u.email() ? u.email()->str() : ""), "read and read_object agree");
  const uplift::bytes_view back = v->bytes();
  expect(uplift::peek(back).has_value(), "a view's bytes are a record");
  // What was read can be written and read again.
  const uplift::buffer again = uplift::write<demo::User>(*obj);
  expect(uplift::read_object<demo::User>(again.span()).has_value(), "a record read writes back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  uplift_fuzz::aligned_and_odd(data, size, [](uplift::bytes_view in) {
    read_both(in, {});
    read_both(in, {.newer = uplift::newer_policy::read_as_latest});
  });
  return 0;
}
