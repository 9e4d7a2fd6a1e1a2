// The session matcher: rebuilds SMTP sessions from the interleaved rows of protocol logs and
// hands each finished session, with one outcome per recipient, to a SessionSink. Replies are
// matched to commands in order (Exchange pipelines MAIL FROM and every RCPT TO before reading
// the replies); multi-line replies are accepted one row per line or collapsed. A session is
// keyed by (server, session id), plus the remote endpoint when the id is all zeros (Exchange 2010
// receive logs). Not thread-safe: one matcher per stream of events.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "smtptriage/event_parser.h"
#include "smtptriage/reply.h"
#include "smtptriage/session.h"
#include "smtptriage/status.h"

namespace smtptriage {

struct MatcherOptions {
  // A session with no row for this long is closed as lost (Exchange's send connectors drop an
  // idle connection after 10 minutes: ConnectionInactivityTimeOut 00:10:00), unless the log
  // was not written then (see SessionMatcher::AddFile).
  TimeMs idle_timeout_ms = 10 * 60 * 1000;
  bool keep_transcripts = false;
  bool keep_subjects = false;          // message tracking subjects (--show-subjects)
  size_t max_transcript_rows = 400;
  size_t max_open_sessions = 1 << 20;  // past this, the idlest sessions are closed early
};

struct MatcherStats {
  int64_t events = 0;
  int64_t sessions = 0;
  int64_t closed_idle = 0;       // closed by the idle timeout or the open-session bound
  int64_t open_at_end = 0;       // cut off by the end of input or a gap in the logs
  int64_t out_of_order = 0;      // rows older than their session's previous row
};

// A row kept aside by a matcher in carry mode (see SessionMatcher::CarryUnstarted): an owned
// copy of the event, for the matcher of the previous file to take.
class CarriedRow {
 public:
  CarriedRow(const ProtocolEvent& ev, LogKind kind, uint32_t file, uint32_t server);
  ProtocolEvent event() const;  // views into this row; valid while it lives
  LogKind kind() const { return kind_; }
  uint32_t file() const { return file_; }
  uint32_t server() const { return server_; }
  size_t bytes() const { return text_.size(); }

 private:
  ProtocolEvent ev_;              // without its text fields, which are in text_:
  std::string text_;              // connector, session, endpoints, data, context
  std::array<size_t, 6> ends_{};  // where each of them ends in text_
  LogKind kind_;
  uint32_t file_;
  uint32_t server_;
};

class SessionMatcher {
 public:
  SessionMatcher(SessionSink* sink, MatcherOptions options = {});
  ~SessionMatcher();

  // Feeds one event of a Send or Receive log; `file` indexes the run's file table.
  void Feed(const ProtocolEvent& ev, LogKind kind, uint32_t file, uint32_t server = 0);

  // Closes every open session (end of input). Sessions idle for longer than the timeout before
  // the last row seen are closed as lost (or cut off, see AddFile); the others as open at the
  // end of input.
  void Finish();

  // For a run over whole files (a scanner's chain), given in order: the log was written from
  // `first` to `last`, the times of a file's first and latest rows. From then on, a session the
  // timeout closes is lost only if a file was being written when its timeout ran out (the log
  // went on without it). Otherwise it is cut off by a gap in the logs (a file missing, damaged
  // or cut short, a service stopped), where its end may have been written: it is open at the
  // end, its outcome unknown, as at the end of input. Not kept in checkpoints.
  void AddFile(TimeMs first, TimeMs last);

  const MatcherStats& stats() const { return stats_; }

  // Carry mode, for reading one file of a rotated series on its own: a row of a session this
  // matcher has not seen begin (sequence number 0, or a '+' row when the log has no sequence
  // numbers) is not made a session here but kept in `carry`, in
  // order, for the matcher that holds the sessions still open at the end of the previous file
  // (see Adopt). Up to `max_bytes` of rows; past that, such rows start sessions here.
  void CarryUnstarted(std::vector<CarriedRow>* carry, size_t max_bytes);
  // Takes over the sessions still open in `other` (which is left empty), as if their rows had
  // been fed here; the clock moves to the later of the two.
  void Adopt(SessionMatcher* other);
  // Moves the clock to `t` (when later), closing the sessions idle since more than the timeout.
  void AdvanceClock(TimeMs t);
  TimeMs latest() const { return latest_; }

  // Checkpoints (follow mode): the open sessions and the clock, as JSON, and back. Loading
  // replaces the current state; a malformed state gives an Invalid status and changes nothing.
  nlohmann::json SaveState() const;
  Status LoadState(const nlohmann::json& state);
  size_t open_sessions() const;

 private:
  struct Open;
  struct Key {
    uint32_t server;
    uint64_t id;
    bool operator==(const Key& o) const { return server == o.server && id == o.id; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.id * 0x9E3779B97F4A7C15ull ^ k.server; }
  };

  enum class CloseKind { kRow, kConnectFailed, kIdle, kLogGap, kEndOfInput };
  struct Pending;
  class PendingQueue;
  void ApplyReply(Open& s, const Pending& p, const Reply& r, std::string_view text, TimeMs t,
                  SourceRef ref);
  void Close(Open& s, CloseKind kind);
  void SweepIdle(TimeMs now);
  bool Written(TimeMs t) const;  // by one of the files of AddFile
  Open* Find(const Key& key);  // nullptr when no such session is open

  SessionSink* sink_;
  MatcherOptions options_;
  MatcherStats stats_;
  using OpenMap = std::unordered_map<Key, std::unique_ptr<Open>, KeyHash>;
  OpenMap open_;
  // Finished sessions kept to be reused, so that a new session allocates nothing of its own.
  static constexpr size_t kFreeSessions = 256;
  std::vector<OpenMap::node_type> free_;
  // The session of the latest Find, valid until it is closed (Close clears it).
  Key last_key_{};
  Open* last_open_ = nullptr;
  TimeMs latest_ = 0;
  TimeMs last_sweep_ = 0;
  std::vector<CarriedRow>* carry_ = nullptr;
  size_t carry_max_bytes_ = 0;
  size_t carry_bytes_ = 0;
  std::vector<std::pair<TimeMs, TimeMs>> files_;  // see AddFile
};

}  // namespace smtptriage
