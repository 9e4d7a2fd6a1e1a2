// Fuzzes reply parsing: ParseReply (a protocol log's data field) and FindReply (pasted NDR text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtptriage/reply.h"

namespace {

// Every view a parser returns must lie inside its input.
void CheckInside(std::string_view part, std::string_view whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) {
    std::abort();
  }
}

void Check(const smtptriage::Reply& r, std::string_view in) {
  CheckInside(r.text, in);
  CheckInside(r.enhanced, in);
  if (r.code != 0 && (r.code < 0 || r.code > 999)) std::abort();
  if (!r.enhanced.empty() && r.enhanced.size() < 5) std::abort();  // d.d.d at least
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(smtptriage::ParseReply(in), in);
  smtptriage::Reply found = smtptriage::FindReply(in);
  Check(found, in);
  if (found.code != 0 && (found.code < 200 || found.code >= 600)) std::abort();
  return 0;
}
