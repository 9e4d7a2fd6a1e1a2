// The progress line of a long batch run, on stderr when it is a terminal: files and bytes read,
// throughput and the time left, redrawn in place at most a few times a second and erased at
// the end. Not thread-safe: called on the thread that joins the files.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "smtptriage/scanner.h"

namespace smtptriage {

// One progress line of at most `columns` characters, e.g.
// "[########------------]  12/80 files  310/784 MiB  390 MB/s  ETA 0:01".
std::string FormatProgress(const ScanProgress& p, double seconds, int columns);

class ProgressLine {
 public:
  ProgressLine(std::ostream* err, int columns);
  ~ProgressLine();  // erases the line
  void Update(const ScanProgress& p);

 private:
  std::ostream* err_;
  int columns_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace smtptriage
