// Fuzzes the rule file reader: any bytes as the JSON text of a site rule file and of a built-in
// one. The first byte picks which.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtptriage/rules_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool site = data[0] & 1;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<smtptriage::Rule> rules;
  std::vector<std::string> problems;
  smtptriage::ParseRuleFile("fuzz.json", text, site, &rules, &problems);
  for (const smtptriage::Rule& r : rules) {
    if (r.id.empty()) std::abort();  // a rule without an id must be a problem, not a rule
    smtptriage::DefaultTier(r.match);
  }
  return 0;
}
