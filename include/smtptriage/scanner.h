// The read loop of a batch run: opens each input file in time order, parses its events and feeds
// them to one session matcher per log kind (Send, Receive), whose finished sessions go to the
// sink. Records per-file statistics in the report and problems in the diagnostics.
// Not thread-safe.
#pragma once

#include <vector>

#include "smtptriage/diagnostics.h"
#include "smtptriage/input_files.h"
#include "smtptriage/report.h"
#include "smtptriage/session_matcher.h"

namespace smtptriage {

// Passes every session to each of the sinks in turn (the last one may take it by move).
class TeeSink : public SessionSink {
 public:
  TeeSink(SessionSink* first, SessionSink* second) : first_(first), second_(second) {}
  void OnSession(SessionRecord&& s) override {
    SessionRecord copy = s;
    first_->OnSession(std::move(copy));
    second_->OnSession(std::move(s));
  }

 private:
  SessionSink* first_;
  SessionSink* second_;
};

struct ScanStats {
  int files_read = 0;      // files that could be opened and held a readable log
  MatcherStats matcher;
};

// Reads `files` (indexes in SessionRecord refs are positions in this vector) into `sink`. Fills
// report->files, bytes and lines; problems go to `diag`.
ScanStats ScanFiles(const std::vector<InputFile>& files, SessionSink* sink,
                    const MatcherOptions& options, Diagnostics* diag, Report* report);

}  // namespace smtptriage
