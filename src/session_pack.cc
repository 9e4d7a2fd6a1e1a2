#include "smtptriage/session_pack.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace smtptriage {

// Every field of a session is listed once, in Fields below, for packing and unpacking alike; a
// field added to one of these structs must be added there, which these sizes (of the 64-bit
// libstdc++ build) are here to remind of.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(SessionRecord) == 456, "a SessionRecord field is missing from the pack");
static_assert(sizeof(MessageOutcome) == 168, "a MessageOutcome field is missing from the pack");
static_assert(sizeof(RecipientOutcome) == 80, "a RecipientOutcome field is missing from the pack");
static_assert(sizeof(FailureReply) == 160, "a FailureReply field is missing from the pack");
static_assert(sizeof(TranscriptRow) == 64, "a TranscriptRow field is missing from the pack");
#endif

namespace {

// The fields of a failure and of a session, in the order they are packed: `io` is an Out (on a
// const record) when packing, an In (on the record to fill) when unpacking.
template <typename Io, typename Failure>
void FailureFields(Io& io, Failure& f) {
  io(f.code);
  io(f.enhanced);
  io(f.text);
  io(f.stage);
  io(f.command);
  io(f.time);
  io(f.ref.file);
  io(f.ref.line);
  io(f.truncated);
  io.Classified(f.classified);
}

template <typename Io, typename Session>
void Fields(Io& io, Session& s) {
  io(s.log);
  io(s.direction);
  io(s.server);
  io(s.session);
  io(s.connector);
  io(s.local_endpoint);
  io(s.remote_endpoint);
  io(s.remote_ip);
  io(s.remote_port);
  io(s.remote_host);
  io(s.client_name);
  io(s.destination_hint);
  io(s.start);
  io(s.end);
  io(s.first_ref.file);
  io(s.first_ref.line);
  io(s.close_reason);
  io(s.closed_cleanly);
  io(s.open_at_end);
  io.List(s.messages, [&](auto& m) {
    io(m.record_id);
    io(m.message_id);
    io(m.sender);
    io(m.subject);
    io.List(m.recipients, [&](auto& rc) {
      io(rc.address);
      io(rc.domain);
      io(rc.state);
      io(rc.failure);
    });
    io(m.queued_ref.file);
    io(m.queued_ref.line);
  });
  io(s.session_failure);
  io(s.auth_failures);
  io(s.auth_ref.file);
  io(s.auth_ref.line);
  io.List(s.auth_users, [&](auto& u) { io(u); });
  io.List(s.transcript, [&](auto& t) {
    io(t.time);
    io(t.type);
    io(t.text);
    io(t.ref.file);
    io(t.ref.line);
  });
}

using ClassifiedList = std::vector<std::shared_ptr<const Classification>>;

class Out {
 public:
  Out(std::string* buf, ClassifiedList* classified) : buf_(buf), classified_(classified) {}

  template <typename T>
  void operator()(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void operator()(const std::string& s) {
    (*this)(static_cast<uint32_t>(s.size()));
    buf_->append(s);
  }
  void operator()(const Boxed<FailureReply>& f) {
    (*this)(static_cast<bool>(f));
    if (f) FailureFields(*this, *f);
  }
  // Shared, not copied: 0 when not classified yet, else 1 + its index in the pack's list.
  void Classified(const std::shared_ptr<const Classification>& c) {
    uint32_t index = 0;
    if (c) {
      classified_->push_back(c);
      index = static_cast<uint32_t>(classified_->size());
    }
    (*this)(index);
  }
  template <typename T, typename Each>
  void List(const std::vector<T>& list, Each each) {
    (*this)(static_cast<uint32_t>(list.size()));
    for (const T& item : list) each(item);
  }

 private:
  std::string* buf_;
  ClassifiedList* classified_;
};

class In {
 public:
  In(const std::string& buf, size_t* pos, const ClassifiedList& classified,
     std::vector<MessageOutcome>* spare_messages, std::vector<RecipientOutcome>* spare_recipients)
      : p_(buf.data() + *pos), begin_(buf.data()), pos_(pos), classified_(classified),
        spare_messages_(spare_messages), spare_recipients_(spare_recipients) {}
  ~In() { *pos_ = static_cast<size_t>(p_ - begin_); }

  template <typename T>
  void operator()(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
  }
  void operator()(std::string& s) {
    uint32_t n = 0;
    (*this)(n);
    s.assign(p_, n);
    p_ += n;
  }
  void operator()(Boxed<FailureReply>& box) {
    bool present = false;
    (*this)(present);
    if (!present) {
      box.reset();
      return;
    }
    if (!box) box = FailureReply();
    FailureFields(*this, *box);
  }
  void Classified(std::shared_ptr<const Classification>& c) {
    uint32_t index = 0;
    (*this)(index);
    if (index == 0) {
      c.reset();
    } else {
      c = classified_[index - 1];
    }
  }
  // Makes `list` hold the packed number of items, keeping those it has (and their buffers),
  // then reads each.
  template <typename T, typename Each>
  void List(std::vector<T>& list, Each each) {
    uint32_t n = 0;
    (*this)(n);
    Resize(list, n, Spare(static_cast<T*>(nullptr)));
    for (T& item : list) each(item);
  }

 private:
  static constexpr size_t kMaxSpare = 64;

  // Messages and recipients the record no longer needs are moved to the reader's spares, and
  // taken from there when it needs more: their buffers serve the next sessions instead of being
  // freed and allocated again as the counts go up and down from session to session.
  template <typename T>
  static void Resize(std::vector<T>& list, size_t n, std::vector<T>* spare) {
    if (spare != nullptr) {
      while (list.size() > n) {
        if (spare->size() < kMaxSpare) spare->push_back(std::move(list.back()));
        list.pop_back();
      }
      while (list.size() < n && !spare->empty()) {
        list.push_back(std::move(spare->back()));
        spare->pop_back();
      }
    }
    list.resize(n);
  }
  std::vector<MessageOutcome>* Spare(MessageOutcome*) { return spare_messages_; }
  std::vector<RecipientOutcome>* Spare(RecipientOutcome*) { return spare_recipients_; }
  template <typename T>
  std::vector<T>* Spare(T*) {
    return nullptr;
  }

  const char* p_;
  const char* begin_;
  size_t* pos_;
  const ClassifiedList& classified_;
  std::vector<MessageOutcome>* spare_messages_;
  std::vector<RecipientOutcome>* spare_recipients_;
};

}  // namespace

void SessionPack::Add(const SessionRecord& s) {
  Out out(&buf_, &classified_);
  Fields(out, s);
  ++count_;
}

bool SessionPack::Reader::Next(SessionRecord* s) {
  if (pos_ >= pack_.buf_.size()) return false;
  In in(pack_.buf_, &pos_, pack_.classified_, &spare_messages_, &spare_recipients_);
  Fields(in, *s);
  return true;
}

}  // namespace smtptriage
