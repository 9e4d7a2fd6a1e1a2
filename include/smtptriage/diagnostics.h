// What the run could not read: malformed lines counted per reason and per file, with the first
// few `file:line` examples, skipped files with the reason, and notes about files (e.g. a layout
// that had to be assumed). Shown in every report. Not thread-safe: one per reader thread, merged
// at the end with Merge().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtptriage {

// Why a line could not be read. Its English words are what reports and `merge` key it by.
enum class LineProblem {
  kFewerFields,
  kMoreFields,
  kUnterminatedQuote,
  kBinary,
  kTooLong,
  kBadTime,
  kUnknownEvent,
  kRowBeforeFields,
  kNotProtocolRow,        // no #Fields header, and no protocol log row either
  kNotTrackingRow,        // no #Fields header, and no message tracking row either
  kProtocolFieldsShort,   // a #Fields header without the fields a protocol log needs
  kTrackingFieldsShort,   // a #Fields header without the fields a tracking log needs
};
// {English, Spanish}
std::pair<std::string_view, std::string_view> MalformedWords(LineProblem why);
// The words for a reason given in English (as a report has it) in `spanish` or not; a reason
// this program does not know (from a report of another version) as it is.
std::string_view MalformedWords(std::string_view english, bool spanish);

struct MalformedReason {
  int64_t count = 0;
  std::vector<std::string> examples;  // "file:line", the first kMaxExamples
};

struct FileDiagnostics {
  int64_t malformed = 0;
  std::vector<int64_t> first_lines;   // the first kMaxExamples malformed line numbers
};

struct SkippedFile {
  std::string path;
  std::string reason;
  int64_t line = 0;  // the rest of the file from this line was skipped; 0: the whole file
  // "path", or "path:line" when only the rest of the file was skipped.
  std::string where() const;
};

// One malformed line as a reader met it (for a listener; the views live for the call only).
struct MalformedLine {
  const std::string& file;
  int64_t line;
  std::string_view reason;
  std::string_view text;
};

// "file:line: reason: text", the text cut at 4 KiB: how a malformed line is written out.
std::string FormatMalformed(const MalformedLine& m);

class Diagnostics {
 public:
  static constexpr size_t kMaxExamples = 5;

  // `unparsed`, when given, receives every malformed line as FormatMalformed writes it.
  explicit Diagnostics(std::ostream* unparsed = nullptr) : unparsed_(unparsed) {}

  // Called for every malformed line as it is met (follow mode reports them as they come).
  using MalformedListener = std::function<void(const MalformedLine&)>;
  void SetMalformedListener(MalformedListener listener) { listener_ = std::move(listener); }

  void Malformed(const std::string& file, int64_t line, LineProblem why,
                 std::string_view text);
  // `line` > 0: the file was read up to that line, and the rest of it skipped.
  void Skipped(const std::string& path, std::string reason, int64_t line = 0);
  void Note(const std::string& path, std::string note);
  void Merge(const Diagnostics& other);
  // Counts recorded elsewhere (a report being merged): per reason with examples, per file.
  void AddCounted(const std::string& reason, int64_t count,
                  const std::vector<std::string>& examples);
  void AddCountedFile(const std::string& file, int64_t count, const std::vector<int64_t>& lines);

  std::ostream* unparsed() const { return unparsed_; }
  int64_t malformed_total() const { return malformed_total_; }
  const std::map<std::string, MalformedReason>& by_reason() const { return by_reason_; }
  const std::map<std::string, FileDiagnostics>& by_file() const { return by_file_; }
  const std::vector<SkippedFile>& skipped() const { return skipped_; }
  const std::vector<SkippedFile>& notes() const { return notes_; }

 private:
  std::ostream* unparsed_;
  MalformedListener listener_;
  int64_t malformed_total_ = 0;
  std::map<std::string, MalformedReason> by_reason_;
  std::map<std::string, FileDiagnostics> by_file_;
  std::vector<SkippedFile> skipped_;
  std::vector<SkippedFile> notes_;
};

}  // namespace smtptriage
