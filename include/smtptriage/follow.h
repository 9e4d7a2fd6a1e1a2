// Following growing logs: the line source of watch mode. Each Poll() finds the log files under
// the roots (new ones appear on rotation), reads the complete lines written since the last poll
// (a partial last line waits for its end), and feeds them to one session matcher per log kind.
// A file replaced or truncated (told by its identity and size, as `tail -F` does) is read again
// from the start, unless the replacement begins with the bytes read (a grown copy of the same
// log renamed over it, as rsync does); a file deleted by Exchange's retention is forgotten. No
// mmap: files are read with ordinary reads while Exchange writes them. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "smtptriage/diagnostics.h"
#include "smtptriage/event_parser.h"
#include "smtptriage/platform.h"
#include "smtptriage/session_matcher.h"

namespace smtptriage {

struct FollowStats {
  int64_t polls = 0;
  int64_t bytes = 0;
  int64_t lines = 0;
  int64_t files_seen = 0;
  int64_t files_restarted = 0;  // replaced or truncated, read again from the start
};

class LogFollower {
 public:
  LogFollower(std::vector<std::string> roots, SessionSink* sink, Diagnostics* diag,
              MatcherOptions options = {});
  ~LogFollower();

  // Reads what is new. At most max_bytes are read per file in one poll (the rest next time).
  void Poll(size_t max_bytes = 64u << 20);

  // Closes every open session (end of a run that will not resume).
  void Finish();

  // The run's file table: SourceRef::file indexes it. Grows as files appear; never shrinks.
  const std::vector<std::string>& file_names() const { return names_; }
  const FollowStats& stats() const { return stats_; }
  size_t open_sessions() const;

  // Checkpoint: file positions with identities, header lines in force, the file table and the
  // matchers' open sessions. LoadState before the first Poll().
  nlohmann::json SaveState() const;
  Status LoadState(const nlohmann::json& state);

  // After LoadState, before the first Poll(): gives `sink` again the sessions that ended in what
  // the checkpoint had read, for a sink that keeps its counts in memory only (watch's incident
  // model). Every line up to each file's recorded position is read again, in path order (as a
  // first start reads a backlog), into matchers of its own; what they hold open at the end is
  // dropped, since the checkpoint's open sessions carry on in this follower. Says nothing of bad
  // lines on the follower's diagnostics (they were said when first read): `diag` gets them.
  void Replay(SessionSink* sink, Diagnostics* diag) const;

 private:
  struct Tracked;
  Tracked& Track(const std::string& path);
  void ReadNew(Tracked& t, size_t max_bytes);
  void ReplayFile(const Tracked& t, SessionMatcher& send, SessionMatcher& receive,
                  Diagnostics* diag) const;

  std::vector<std::string> roots_;
  SessionSink* sink_;
  Diagnostics* diag_;
  MatcherOptions options_;
  SessionMatcher send_;
  SessionMatcher receive_;
  std::vector<std::string> names_;
  std::map<std::string, std::unique_ptr<Tracked>> files_;
  std::set<std::string> tracking_folders_;  // of message tracking logs, said to be left out
  FollowStats stats_;
  std::vector<char> buf_;
};

}  // namespace smtptriage
