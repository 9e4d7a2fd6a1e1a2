// The rules/*.json files embedded in the binary at build time (cmake/EmbedRules.cmake), sorted by
// file name. Static, immutable data.
#pragma once

#include <cstddef>

namespace smtptriage {

struct BuiltinRuleFile {
  const char* name;  // file name, e.g. "20-recipient.json"
  const char* data;  // file contents (not NUL-terminated as far as size goes; size is exact)
  size_t size;
};

extern const BuiltinRuleFile kBuiltinRuleFiles[];  // kBuiltinRuleFileCount entries, then a null one
extern const size_t kBuiltinRuleFileCount;

}  // namespace smtptriage
