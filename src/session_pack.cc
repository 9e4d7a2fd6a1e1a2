#include "smtptriage/session_pack.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace smtptriage {

// Every field of a session is packed below; a field added to one of these structs must be added
// there too, which these sizes (of the 64-bit libstdc++ build) are here to remind of.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(SessionRecord) == 440, "a SessionRecord field is missing from the pack");
static_assert(sizeof(MessageOutcome) == 152, "a MessageOutcome field is missing from the pack");
static_assert(sizeof(RecipientOutcome) == 80, "a RecipientOutcome field is missing from the pack");
static_assert(sizeof(FailureReply) == 160, "a FailureReply field is missing from the pack");
static_assert(sizeof(TranscriptRow) == 64, "a TranscriptRow field is missing from the pack");
#endif

namespace {

class Out {
 public:
  Out(std::string* buf, std::vector<std::shared_ptr<const Classification>>* classified)
      : buf_(buf), classified_(classified) {}

  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void Put(const std::string& s) {
    Put(static_cast<uint32_t>(s.size()));
    buf_->append(s);
  }
  void Put(SourceRef r) {
    Put(r.file);
    Put(r.line);
  }
  void Put(const Boxed<FailureReply>& f) {
    Put(static_cast<bool>(f));
    if (!f) return;
    Put(f->code);
    Put(f->enhanced);
    Put(f->text);
    Put(f->stage);
    Put(f->command);
    Put(f->time);
    Put(f->ref);
    Put(f->truncated);
    uint32_t index = 0;  // 0: not classified yet, else 1 + its index
    if (f->classified) {
      classified_->push_back(f->classified);
      index = static_cast<uint32_t>(classified_->size());
    }
    Put(index);
  }

 private:
  std::string* buf_;
  std::vector<std::shared_ptr<const Classification>>* classified_;
};

class In {
 public:
  In(const std::string& buf, size_t* pos,
     const std::vector<std::shared_ptr<const Classification>>& classified)
      : p_(buf.data() + *pos), begin_(buf.data()), pos_(pos), classified_(classified) {}
  ~In() { *pos_ = static_cast<size_t>(p_ - begin_); }

  template <typename T>
  void Get(T* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(v, p_, sizeof *v);
    p_ += sizeof *v;
  }
  void Get(std::string* s) {
    uint32_t n = 0;
    Get(&n);
    s->assign(p_, n);
    p_ += n;
  }
  void Get(SourceRef* r) {
    Get(&r->file);
    Get(&r->line);
  }
  void Get(Boxed<FailureReply>* box) {
    bool present = false;
    Get(&present);
    if (!present) {
      box->reset();
      return;
    }
    if (!*box) *box = FailureReply();
    FailureReply& f = **box;
    Get(&f.code);
    Get(&f.enhanced);
    Get(&f.text);
    Get(&f.stage);
    Get(&f.command);
    Get(&f.time);
    Get(&f.ref);
    Get(&f.truncated);
    uint32_t index = 0;
    Get(&index);
    if (index == 0) {
      f.classified.reset();
    } else {
      f.classified = classified_[index - 1];
    }
  }
  // Makes `v` hold n elements, keeping the ones it has (and their buffers).
  template <typename T>
  size_t Count(std::vector<T>* v) {
    uint32_t n = 0;
    Get(&n);
    v->resize(n);
    return n;
  }
  // The same, moving the elements it no longer needs to `spare`, and taking the ones it needs
  // more from there: their buffers serve the next sessions instead of being freed and allocated
  // again as the number of messages and recipients goes up and down from session to session.
  template <typename T>
  size_t Count(std::vector<T>* v, std::vector<T>* spare) {
    uint32_t n = 0;
    Get(&n);
    while (v->size() > n) {
      if (spare->size() < kMaxSpare) spare->push_back(std::move(v->back()));
      v->pop_back();
    }
    while (v->size() < n && !spare->empty()) {
      v->push_back(std::move(spare->back()));
      spare->pop_back();
    }
    v->resize(n);
    return n;
  }
  static constexpr size_t kMaxSpare = 64;

 private:
  const char* p_;
  const char* begin_;
  size_t* pos_;
  const std::vector<std::shared_ptr<const Classification>>& classified_;
};

}  // namespace

void SessionPack::Add(const SessionRecord& s) {
  Out out(&buf_, &classified_);
  out.Put(s.log);
  out.Put(s.direction);
  out.Put(s.server);
  out.Put(s.session);
  out.Put(s.connector);
  out.Put(s.local_endpoint);
  out.Put(s.remote_endpoint);
  out.Put(s.remote_ip);
  out.Put(s.remote_port);
  out.Put(s.remote_host);
  out.Put(s.client_name);
  out.Put(s.destination_hint);
  out.Put(s.start);
  out.Put(s.end);
  out.Put(s.first_ref);
  out.Put(s.close_reason);
  out.Put(s.closed_cleanly);
  out.Put(s.open_at_end);
  out.Put(static_cast<uint32_t>(s.messages.size()));
  for (const MessageOutcome& m : s.messages) {
    out.Put(m.record_id);
    out.Put(m.message_id);
    out.Put(m.sender);
    out.Put(m.subject);
    out.Put(static_cast<uint32_t>(m.recipients.size()));
    for (const RecipientOutcome& rc : m.recipients) {
      out.Put(rc.address);
      out.Put(rc.domain);
      out.Put(rc.state);
      out.Put(rc.failure);
    }
  }
  out.Put(s.session_failure);
  out.Put(s.auth_failures);
  out.Put(static_cast<uint32_t>(s.auth_users.size()));
  for (const std::string& u : s.auth_users) out.Put(u);
  out.Put(static_cast<uint32_t>(s.transcript.size()));
  for (const TranscriptRow& t : s.transcript) {
    out.Put(t.time);
    out.Put(t.type);
    out.Put(t.text);
    out.Put(t.ref);
  }
  ++count_;
}

bool SessionPack::Reader::Next(SessionRecord* s) {
  if (pos_ >= pack_.buf_.size()) return false;
  In in(pack_.buf_, &pos_, pack_.classified_);
  in.Get(&s->log);
  in.Get(&s->direction);
  in.Get(&s->server);
  in.Get(&s->session);
  in.Get(&s->connector);
  in.Get(&s->local_endpoint);
  in.Get(&s->remote_endpoint);
  in.Get(&s->remote_ip);
  in.Get(&s->remote_port);
  in.Get(&s->remote_host);
  in.Get(&s->client_name);
  in.Get(&s->destination_hint);
  in.Get(&s->start);
  in.Get(&s->end);
  in.Get(&s->first_ref);
  in.Get(&s->close_reason);
  in.Get(&s->closed_cleanly);
  in.Get(&s->open_at_end);
  in.Count(&s->messages, &spare_messages_);
  for (MessageOutcome& m : s->messages) {
    in.Get(&m.record_id);
    in.Get(&m.message_id);
    in.Get(&m.sender);
    in.Get(&m.subject);
    in.Count(&m.recipients, &spare_recipients_);
    for (RecipientOutcome& rc : m.recipients) {
      in.Get(&rc.address);
      in.Get(&rc.domain);
      in.Get(&rc.state);
      in.Get(&rc.failure);
    }
  }
  in.Get(&s->session_failure);
  in.Get(&s->auth_failures);
  in.Count(&s->auth_users);
  for (std::string& u : s->auth_users) in.Get(&u);
  in.Count(&s->transcript);
  for (TranscriptRow& t : s->transcript) {
    in.Get(&t.time);
    in.Get(&t.type);
    in.Get(&t.text);
    in.Get(&t.ref);
  }
  return true;
}

}  // namespace smtptriage
