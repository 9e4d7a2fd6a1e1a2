// Finished sessions kept packed in one buffer: how a thread that reads a log file hands its
// sessions to the thread that joins the files in order. Packing a session copies its text into
// the buffer once; the joining thread unpacks each into one record that it reuses, so neither
// thread allocates or frees per session, and the joining thread reads the buffer front to back
// instead of following the pointers of records built on another core.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "smtptriage/session.h"

namespace smtptriage {

class SessionPack {
 public:
  // Appends a copy of `s` (its classifications are shared, not copied).
  void Add(const SessionRecord& s);

  // Room for this many bytes of packed sessions, so that the buffer does not grow (each time
  // copying what it holds into new memory) while they are added.
  void Reserve(size_t bytes) { buf_.reserve(bytes); }

  // Empty again, its buffer kept for the next sessions.
  void Clear() {
    buf_.clear();
    count_ = 0;
    classified_.clear();
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t bytes() const { return buf_.size(); }

  // Reads the packed sessions in the order they were added, each into the same record.
  class Reader {
   public:
    explicit Reader(const SessionPack& pack) : pack_(pack) {}
    // Overwrites every field of `*s` with the next session; false after the last one. `*s` may
    // have been moved from since the previous call.
    bool Next(SessionRecord* s);

   private:
    const SessionPack& pack_;
    size_t pos_ = 0;
    // Messages and recipients the record had more of before, kept for the next ones.
    std::vector<MessageOutcome> spare_messages_;
    std::vector<RecipientOutcome> spare_recipients_;
  };

 private:
  std::string buf_;
  size_t count_ = 0;
  std::vector<std::shared_ptr<const Classification>> classified_;
};

}  // namespace smtptriage
