// The read loop of a batch run. Each protocol log file is read on its own, by one of `jobs`
// threads (the calling thread among them): its events go to a session matcher of its own, which
// keeps aside the rows of sessions that began in an earlier file. The files are then joined in
// time order, one at a time, per folder and log kind: the sessions still open at the end of a
// file take the rows kept aside by the next one, so that a session spanning a rotation comes out
// as one. The sink sees the sessions in the same order whatever the number of threads, so the
// report does not depend on it. Message tracking files are read after that. Records per-file
// statistics in the report and problems in the diagnostics. Not thread-safe: one ScanFiles call
// at a time per sink.
#pragma once

#include <functional>
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
  void FileDone() override {
    first_->FileDone();
    second_->FileDone();
  }

 private:
  SessionSink* first_;
  SessionSink* second_;
};

struct ScanProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  int64_t bytes_done = 0;    // on disk (compressed size for .gz)
  int64_t bytes_total = 0;
};

struct ScanControl {
  unsigned jobs = 1;         // files read at once; 1 reads on the calling thread
  // Called after each file is joined, one call at a time (with several jobs, by the reading
  // threads in turn), and once at the end on the calling thread.
  std::function<void(const ScanProgress&)> progress;
};

struct ScanStats {
  int files_read = 0;      // files that could be opened and held a readable log
  MatcherStats matcher;
};

// Reads `files` (indexes in SessionRecord refs are positions in this vector) into `sink`. Fills
// report->files, bytes and lines; problems go to `diag`. The sink, `diag` and `report` are used
// by one thread at a time, not always the calling one: with several jobs, the reading threads
// join their files in turn.
ScanStats ScanFiles(const std::vector<InputFile>& files, SessionSink* sink,
                    const MatcherOptions& options, Diagnostics* diag, Report* report,
                    const ScanControl& control = {});

}  // namespace smtptriage
