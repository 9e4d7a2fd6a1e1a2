// Watch mode: follows the logs as Exchange writes them and emits NDJSON events (failures,
// incidents opened/updated/closed, periodic snapshots), checkpointing its position and open
// sessions so that after a restart, or a crash between two checkpoints, every failure is
// reported exactly once. Not thread-safe; one Watcher per process.
//
// Exactly once: events found in a poll are written and flushed first, then the checkpoint
// (write to a temporary file, then rename) records the positions reached and the size of the
// output file. On restart the output file is cut back to the recorded size and reading resumes
// from the recorded positions, so the events of an unfinished poll are written again, once.
// With standard output (no -o) a crash can repeat the events of one poll; each failure event
// has a stable `id` for the consumer to drop repeats.
#pragma once

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "smtptriage/aggregator.h"
#include "smtptriage/classifier.h"
#include "smtptriage/diagnostics.h"
#include "smtptriage/follow.h"
#include "smtptriage/status.h"

namespace smtptriage {

inline constexpr const char* kWatchStateFormat = "smtptriage/watch-state@1";

struct WatchOptions {
  std::vector<std::string> paths;
  std::string state_file;            // empty: no checkpoints
  std::string output_file;           // empty: the stream given to the Watcher
  TimeMs interval_ms = 2000;
  TimeMs snapshot_every_ms = 60000;  // a snapshot event at most this often (log time)
  TimeMs lookback_ms = 24 * 3600 * 1000LL;  // buckets older than this are dropped
  size_t top_domains = 20;
  AggregatorOptions aggregator;
  MatcherOptions matcher;
  std::ostream* log = nullptr;       // --verbose: each log file as it is first followed
  // Unless --quiet: what could not be read (files skipped, lines malformed, files truncated or
  // replaced), each said once, naming file and line, in the poll that finds it.
  std::ostream* warnings = nullptr;
};

struct WatchStats {
  int64_t events = 0;
  int64_t failures = 0;
};

class Watcher {
 public:
  // `out` receives the events when options.output_file is empty.
  Watcher(const Classifier* classifier, WatchOptions options, std::ostream* out);
  ~Watcher();

  // Loads the state file when it exists (a corrupt one, or one from another version, is an
  // error naming the file) and opens the output.
  Status Start();
  // One round: read what is new, emit its events, then checkpoint.
  Status PollOnce();
  // Polls every interval until *stop is set, then checkpoints a last time.
  Status Run(const std::atomic<bool>* stop);

  const WatchStats& stats() const { return stats_; }
  const LogFollower& follower() const { return *follower_; }

 private:
  Status Checkpoint();
  Status Emit();
  void Incidents(const Report& r, TimeMs now);
  // After loading a checkpoint: the sessions it had read, counted again without their events.
  void Rebuild();
  // The files not read, or not all of, since the last poll: an event each, and a warning.
  void FileProblems(TimeMs now);
  void NoteMalformed(const MalformedLine& m);

  // Hands the follower's sessions to the aggregator, which is built after the follower (it
  // needs the follower's file table).
  struct Forward : SessionSink {
    Aggregator* to = nullptr;
    void OnSession(SessionRecord&& s) override { to->OnSession(std::move(s)); }
  };

  const Classifier* classifier_;
  WatchOptions options_;
  Forward forward_;
  std::ostream* out_;
  std::FILE* file_ = nullptr;
  int64_t output_bytes_ = 0;
  size_t files_logged_ = 0;  // file_names() already announced on options_.log
  // The malformed lines of this poll, not yet said: each file's first, as (line, "reason:
  // text"), and the first few written out for the warnings, with how many there were in all.
  struct PollMalformed {
    std::map<std::string, std::pair<int64_t, std::string>> first;
    std::vector<std::string> shown;
    int64_t lines = 0;
  };
  PollMalformed malformed_;
  size_t skipped_said_ = 0, notes_said_ = 0;  // diag_'s skipped() and notes() already said
  std::map<std::string, int64_t> malformed_said_;  // malformed lines of a file already said
  Diagnostics diag_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<LogFollower> follower_;
  std::string pending_;               // events of the current round, not yet written
  bool replaying_ = false;            // Rebuild() at work: failures are not events
  std::set<std::string> open_incidents_;  // "family|start" of incidents announced as open
  // The open ones as last announced or updated (after a restart, as the logs read again show
  // them): an update is said when their failures change.
  std::map<std::string, Incident> last_seen_;
  TimeMs last_snapshot_ = 0;
  std::string checkpointed_;          // the state file's content as last written
  TimeMs latest_ = 0;
  WatchStats stats_;
};

}  // namespace smtptriage
