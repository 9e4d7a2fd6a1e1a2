// What the run could not read: malformed lines counted per reason and per file, with the first
// few `file:line` examples, skipped files with the reason, and notes about files (e.g. a layout
// that had to be assumed). Shown in every report. Not thread-safe: one per reader thread, merged
// at the end with Merge().
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace smtptriage {

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
};

class Diagnostics {
 public:
  static constexpr size_t kMaxExamples = 5;

  // `unparsed`, when given, receives every malformed line as "file:line: reason: text".
  explicit Diagnostics(std::ostream* unparsed = nullptr) : unparsed_(unparsed) {}

  void Malformed(const std::string& file, int64_t line, std::string_view reason,
                 std::string_view text);
  void Skipped(const std::string& path, std::string reason);
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
  int64_t malformed_total_ = 0;
  std::map<std::string, MalformedReason> by_reason_;
  std::map<std::string, FileDiagnostics> by_file_;
  std::vector<SkippedFile> skipped_;
  std::vector<SkippedFile> notes_;
};

}  // namespace smtptriage
