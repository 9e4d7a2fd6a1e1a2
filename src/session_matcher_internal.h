// The matcher's per-session state, shared by session_matcher.cc and the checkpoint code in
// session_matcher_state.cc. Internal to the library.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "smtptriage/session_matcher.h"

namespace smtptriage {

struct SessionMatcher::Pending {
  Stage stage = Stage::kOther;
  std::string command;
  int message = -1;         // index of the message a MAIL/RCPT/DATA belongs to
  int recipient = -1;       // index into that message's recipients (RCPT TO)
  bool last_chunk = true;   // BDAT without LAST answers one chunk only
  bool end_of_data = false; // the final reply after DATA's 354
  SourceRef ref;

  // As newly made, keeping the command's buffer. Field by field: assigning a fresh Pending built
  // on the stack cost a row more than its matching did.
  void Clear() {
    stage = Stage::kOther;
    command.clear();
    message = -1;
    recipient = -1;
    last_chunk = true;
    end_of_data = false;
    ref.file = 0;
    ref.line = 0;
  }
};

// The commands waiting for their replies, in order: a ring whose slots are reused, so that a
// command's text is copied into a string that already has room (no allocation per command).
// A slot taken off the front stays intact until the next push.
class SessionMatcher::PendingQueue {
#if defined(__GLIBCXX__) && defined(__x86_64__)
  // Pending::Clear() resets each field by name: a field added to Pending must be reset there,
  // which this size (of the 64-bit libstdc++ build) is here to remind of.
  static_assert(sizeof(Pending) == 72, "a Pending field is missing from Pending::Clear()");
#endif

 public:
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  const Pending& operator[](size_t i) const { return slots_[(head_ + i) & mask()]; }
  Pending& front() { return slots_[head_]; }
  // A slot at the back with every field reset but the command's buffer.
  Pending& PushBack() {
    if (count_ == slots_.size()) Widen();
    Pending& p = slots_[(head_ + count_) & mask()];
    ++count_;
    p.Clear();
    return p;
  }
  void push_back(Pending&& p) { PushBack() = std::move(p); }
  void push_front(Pending p) {
    if (count_ == slots_.size()) Widen();
    head_ = (head_ + slots_.size() - 1) & mask();
    ++count_;
    slots_[head_] = std::move(p);
  }
  void pop_front() {
    head_ = (head_ + 1) & mask();
    --count_;
  }
  void clear() { head_ = count_ = 0; }
  // Gives back the slots of a queue that grew past the usual few (a long pipelined batch).
  void Trim() {
    if (slots_.size() > 16) std::vector<Pending>().swap(slots_);
    clear();
  }

 private:
  // The ring's size is a power of two (4, 8, 16...), so that a slot is found by a mask rather
  // than by a division on every row. Only called with slots.
  size_t mask() const { return slots_.size() - 1; }
  void Widen() {
    std::vector<Pending> wider(std::max<size_t>(4, slots_.size() * 2));
    for (size_t i = 0; i < count_; ++i) wider[i] = std::move(slots_[(head_ + i) & mask()]);
    slots_ = std::move(wider);
    head_ = 0;
  }
  std::vector<Pending> slots_;
  size_t head_ = 0;
  size_t count_ = 0;
};

struct SessionMatcher::Open {
  Key key;
  SessionRecord rec;
  PendingQueue pending;
  std::string multiline;       // a multi-line reply being collected
  bool have_reply_start = false;
  SourceRef reply_start_ref;   // its first row: where a reader finds the whole reply
  bool banner_seen = false;
  bool quit_sent = false;
  bool data_sent = false;      // the current message's content was sent, final reply awaited
  bool message_open = false;   // MAIL FROM seen for the current message
  std::optional<FailureReply> mail_failure;
  std::optional<FailureReply> last_error;  // the latest failure before any message
  std::string last_command;
  Stage last_stage = Stage::kConnect;
  TimeMs last_time = 0;
  SourceRef last_ref;

  static constexpr size_t kKeepBytes = 4096;
  // Ready for a new session, keeping the buffers of the one before (see the matcher's pool).
  void Reset() {
    PendingQueue keep_pending = std::move(pending);
    std::string keep_multiline = std::move(multiline);
    std::string keep_command = std::move(last_command);
    *this = Open();
    // Only ordinary buffers are kept: a pooled session must not hold on to a huge reply.
    keep_pending.Trim();
    if (keep_multiline.capacity() > kKeepBytes) std::string().swap(keep_multiline);
    if (keep_command.capacity() > kKeepBytes) std::string().swap(keep_command);
    keep_multiline.clear();
    keep_command.clear();
    pending = std::move(keep_pending);
    multiline = std::move(keep_multiline);
    last_command = std::move(keep_command);
  }
};

}  // namespace smtptriage
