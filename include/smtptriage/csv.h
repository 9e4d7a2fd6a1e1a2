// RFC 4180 field splitting for one log line, without allocation on the common path. Fields are
// views into the line, or into the splitter's scratch buffer for quoted fields whose doubled
// quotes had to be undone; they stay valid until the next Split() call. Not thread-safe: one
// splitter per reader.
#pragma once

#include <span>
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

  // The common case on its own: a line with no quote and no NUL byte, split at every comma.
  // False, with fields() unspecified, when the line has either (then call Split).
  bool SplitPlain(std::string_view line);

  // Split without trying SplitPlain first: for a line SplitPlain has just turned down.
  CsvError SplitQuoted(std::string_view line);

  std::span<const std::string_view> fields() const { return {store_.data(), count_}; }

 private:
  void Grow(size_t room);
  void Add(const char* p, size_t n) {
    if (count_ == store_.size()) Grow(1);
    store_[count_++] = std::string_view(p, n);
  }

  std::vector<std::string_view> store_;  // fields() is its first count_ entries
  size_t count_ = 0;
  std::string scratch_;
};

}  // namespace smtptriage
