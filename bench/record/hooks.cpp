// The hooks of the benchmark record (schemas/bench/record): the computed field of the step
// v2 -> v3. The rest of every step is generated into record_uplift.hpp.
#include <string>

#include "record_uplift.hpp"

namespace bench::record {

// v2 -> v3: the email's domain, what follows its last '@' (empty without one).
void upgrade(const v2::RecordT& from, v3::RecordT& to) {
  const auto at = from.email.rfind('@');
  if (at == std::string::npos)
    to.email_domain.clear();
  else
    to.email_domain.assign(from.email, at + 1);
}

// v3 -> v2: v2 has no field v3 lacks; kind and score are narrowed by the generated step.
void downgrade(const v3::RecordT&, v2::RecordT&) {}

}  // namespace bench::record
