// The data a finished SMTP session hands to the rest of the pipeline: its endpoints, its
// messages with one outcome per recipient, and the failure that ended it before any message
// when there was one. Owned values (they outlive the lines they came from). Plain structs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtptriage/time_util.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

enum class Direction { kOutbound, kInbound, kInternal };
std::string_view ToString(Direction d);

// Where a row came from: an index into the run's file table and a 1-based line number.
struct SourceRef {
  uint32_t file = 0;
  int64_t line = 0;
};

// A failed reply (or a failure written as an information row, e.g. a Winsock connect error).
struct Classification;

struct FailureReply {
  int code = 0;                 // 0 when the failure has no SMTP code
  std::string enhanced;         // "5.7.1", may be empty
  std::string text;             // the reply (all lines of a multi-line reply joined)
  Stage stage = Stage::kOther;  // the command it answered
  std::string command;          // the command as sent, e.g. "RCPT TO:<a@b>" (may be empty)
  TimeMs time = 0;
  SourceRef ref;
  bool truncated = false;       // the text was longer than kMaxReplyText and was cut
  // Its classification, when a reading thread worked it out ahead (SessionSink::Prepare).
  std::shared_ptr<const Classification> classified;
};

inline constexpr size_t kMaxReplyText = 64 * 1024;

// An optional value kept on the heap: the size of a pointer when empty, which it is for most
// recipients and sessions (they did not fail), and otherwise used like std::optional (copying
// it copies the value). It keeps the records the matcher builds, moves and lists small.
template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(std::nullopt_t) {}  // NOLINT: as std::optional
  Boxed(const T& v) : p_(std::make_unique<T>(v)) {}  // NOLINT
  Boxed(T&& v) : p_(std::make_unique<T>(std::move(v))) {}  // NOLINT
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(std::nullopt_t) {
    p_.reset();
    return *this;
  }
  Boxed& operator=(const T& v) {
    if (p_) {
      *p_ = v;
    } else {
      p_ = std::make_unique<T>(v);
    }
    return *this;
  }
  Boxed& operator=(T&& v) {
    if (p_) {
      *p_ = std::move(v);
    } else {
      p_ = std::make_unique<T>(std::move(v));
    }
    return *this;
  }
  Boxed& operator=(std::optional<T>&& o) {
    if (o) return *this = std::move(*o);
    p_.reset();
    return *this;
  }
  explicit operator bool() const { return p_ != nullptr; }
  bool has_value() const { return p_ != nullptr; }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  void reset() { p_.reset(); }

 private:
  std::unique_ptr<T> p_;
};

enum class RecipientState { kPending, kAccepted, kDelivered, kFailed };

struct RecipientOutcome {
  std::string address;          // as given in RCPT TO, without <>
  std::string domain;           // lower-cased part after '@'
  RecipientState state = RecipientState::kPending;
  Boxed<FailureReply> failure;
};

struct MessageOutcome {
  std::string record_id;        // Exchange's RecordId, when logged
  std::string message_id;       // InternetMessageId, when logged
  std::string sender;           // MAIL FROM address
  std::string subject;          // from message tracking, only with --show-subjects (privacy)
  std::vector<RecipientOutcome> recipients;
  SourceRef queued_ref;         // the reply that took the message (2xx to its data), if any
};

struct TranscriptRow {
  TimeMs time = 0;
  char type = 0;
  std::string text;             // data, or context for rows whose data is empty
  SourceRef ref;
};

struct SessionRecord {
  LogKind log = LogKind::kSend;
  Direction direction = Direction::kOutbound;
  uint32_t server = 0;          // index of the server the logs came from (0 when one server)
  std::string session;          // session id as logged
  std::string connector;
  std::string local_endpoint;
  std::string remote_endpoint;
  std::string remote_ip;
  int remote_port = 0;
  std::string remote_host;      // Send: the host named in the remote's 220 banner
  std::string client_name;      // Receive: the client's EHLO/HELO name
  std::string destination_hint; // "Destination domain:" of a connect failure (lower case)
  TimeMs start = 0;
  TimeMs end = 0;
  SourceRef first_ref;
  std::string close_reason;     // context of the '-' row, or how the matcher closed it
  bool closed_cleanly = false;  // ended by a '-' row
  bool open_at_end = false;     // cut off by the end of the logs or a gap: outcome unknown
  std::vector<MessageOutcome> messages;
  Boxed<FailureReply> session_failure;  // a failure before any message was sent
  int auth_failures = 0;        // Receive: failed AUTH attempts
  SourceRef auth_ref;           // the row that said the first of them failed
  std::vector<std::string> auth_users;
  std::vector<TranscriptRow> transcript;         // only when the matcher keeps transcripts
};

// Receives each session once, when it ends.
class SessionSink {
 public:
  virtual ~SessionSink() = default;
  virtual void OnSession(SessionRecord&& session) = 0;
  // Work on a session that needs nothing but the session itself (classifying its failures), done
  // ahead by the thread that read it, before OnSession is called on the sink's own thread. Must
  // be safe to call from several threads at once.
  virtual void Prepare(SessionRecord& session) const { (void)session; }
  // For a parallel read: an empty sink of the same kind, which the thread that reads a file fills
  // with the sessions that begin and end in it, to be joined into this one with MergePart, file
  // by file in order. Null (the default) when this sink must see each session itself: they are
  // then handed to it one by one. Must be safe to call from several threads at once.
  virtual std::unique_ptr<SessionSink> NewPart() const { return nullptr; }
  // Adds what a part from NewPart was given, as if its sessions had come here at this point.
  virtual void MergePart(SessionSink& part) { (void)part; }
  // Every session of one more file has been handed on (batch reads call it after each file, in
  // order, whether the file's sessions came one by one or in a part).
  virtual void FileDone() {}
};

}  // namespace smtptriage
