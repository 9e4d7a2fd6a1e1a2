// RFC 4180 field splitting for one log line, without allocation on the common path. Fields are
// views into the line, or into the splitter's scratch buffer for quoted fields whose doubled
// quotes had to be undone; they stay valid until the next Split() call. Not thread-safe: one
// splitter per reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace smtptriage {

enum class CsvError { kNone, kUnterminatedQuote };

class CsvSplitter {
 public:
  // Splits `line` (no line terminator) at commas outside quotes into fields(). A quoted field
  // may contain commas and doubled quotes ("" -> "). Text after a closing quote is kept as part
  // of the field, as Excel does. Returns kUnterminatedQuote when a quote never closes (the
  // fields up to the open quote are still available).
  CsvError Split(std::string_view line);

  const std::vector<std::string_view>& fields() const { return fields_; }

 private:
  // The common case, a line without any quote, split at every comma; false (fields_ partly
  // filled) when the line has a quote.
  bool SplitUnquoted(std::string_view line);

  std::vector<std::string_view> fields_;
  std::string scratch_;
};

}  // namespace smtptriage
