// Fuzzes the RFC 4180 field splitter: any bytes as one log line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtptriage/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static smtptriage::CsvSplitter splitter;  // reused, as the parser does
  std::string_view line(reinterpret_cast<const char*>(data), size);
  smtptriage::CsvError err = splitter.Split(line);
  size_t total = 0;
  for (std::string_view f : splitter.fields()) {
    // Touch every byte so that a dangling view is caught by AddressSanitizer.
    for (char c : f) total += static_cast<unsigned char>(c);
    if (f.size() > size) std::abort();  // a field is never longer than its line
  }
  if (splitter.fields().empty()) std::abort();  // even an empty line has one field
  if (err == smtptriage::CsvError::kNone && total == static_cast<size_t>(-1)) std::abort();
  return 0;
}
