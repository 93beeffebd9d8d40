// The hooks of the benchmark record (schemas/bench/record): the computed field of the step
// v2 -> v3. The rest of every step is generated into record_uplift.hpp.
#include <string_view>

#include "record_uplift.hpp"

namespace bench::record {

// v2 -> v3: the email's domain, what follows its last '@' (empty without one): a view into the
// stored email. v2 has no field v3 lacks, so there is no downgrade hook; kind and score are
// narrowed by the generated step.
uplift::text upgrade_email_domain(const uplift_fields_Record::v2& from) {
  const std::string_view email = from.email();
  const auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string_view() : email.substr(at + 1);
}

}  // namespace bench::record
