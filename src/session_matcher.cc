// The session matcher: the rows of interleaved sessions put back together, session by session,
// with each recipient's outcome. Across files: session_matcher_files.cc; checkpoints:
// session_matcher_state.cc.
#include "smtptriage/session_matcher.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "smtptriage/reply.h"
#include "smtptriage/smtp_text.h"
#include "session_matcher_internal.h"

namespace smtptriage {

namespace {

void KeepTranscript(SessionRecord& rec, const ProtocolEvent& ev, uint32_t file, size_t max) {
  if (rec.transcript.size() >= max) return;
  TranscriptRow row;
  row.time = ev.time;
  row.type = ev.type;
  row.text = std::string(ev.data.empty() ? ev.context : ev.data);
  if (!ev.data.empty() && !ev.context.empty()) row.text += " [" + std::string(ev.context) + "]";
  row.ref = {file, ev.line};
  rec.transcript.push_back(std::move(row));
}

FailureReply MakeFailure(const Reply& r, std::string_view full_text, Stage stage,
                         std::string_view command, TimeMs t, SourceRef ref) {
  FailureReply f;
  f.code = r.code;
  f.enhanced = std::string(r.enhanced);
  f.truncated = full_text.size() > kMaxReplyText;
  f.text = std::string(full_text.substr(0, kMaxReplyText));
  f.stage = stage;
  f.command = std::string(command);
  f.time = t;
  f.ref = ref;
  return f;
}

FailureReply InfoFailure(std::string_view text, Stage stage, TimeMs t, SourceRef ref) {
  Reply r = FindReply(text);
  return MakeFailure(r, text, stage, "", t, ref);
}

bool IsInternalHop(const SessionRecord& rec) {
  if (rec.remote_port == 2525 || rec.remote_port == 475 || rec.remote_port == 717) return true;
  if (rec.destination_hint == "internalproxy") return true;
  const std::string& c = rec.connector;
  return c.find("Intra-Organization") != std::string::npos ||
         c.find("Inbound Proxy Internal") != std::string::npos ||
         c.find("Mailbox Delivery") != std::string::npos ||
         c.find("Mailbox Transport") != std::string::npos;
}

}  // namespace

SessionMatcher::SessionMatcher(SessionSink* sink, MatcherOptions options)
    : sink_(sink), options_(options) {}
SessionMatcher::~SessionMatcher() = default;

size_t SessionMatcher::open_sessions() const { return open_.size(); }

SessionMatcher::Open* SessionMatcher::Find(const Key& key) {
  // Rows of one session often come together (a multi-line reply, a pipelined batch).
  if (last_open_ != nullptr && last_key_ == key) return last_open_;
  auto it = open_.find(key);
  if (it == open_.end()) return nullptr;
  last_key_ = key;
  last_open_ = it->second.get();
  return last_open_;
}

void SessionMatcher::AdvanceClock(TimeMs t) {
  if (t > latest_) latest_ = t;
  if (latest_ - last_sweep_ >= 60 * 1000) SweepIdle(latest_);
}

void SessionMatcher::Feed(const ProtocolEvent& ev, LogKind kind, uint32_t file, uint32_t server) {
  Key key{server, ev.session_id};
  if (ev.session_id == 0) {
    // Exchange 2010 receive logs write 0000000000000000 for every session: the remote
    // endpoint (ip:port, a new source port per connection) tells them apart.
    key.id = HashText(ev.remote_endpoint) | (1ull << 62);
  }
  if (ev.time > latest_) latest_ = ev.time;
  Open* found = Find(key);
  // A session begins with sequence number 0 (its first row, often "*" rows before the "+" of
  // the connection); without sequence numbers, with its "+" row.
  const bool begins = ev.sequence == 0 || (ev.sequence < 0 && ev.type == '+');
  if (found == nullptr && carry_ != nullptr && !begins && carry_bytes_ < carry_max_bytes_) {
    carry_->emplace_back(ev, kind, file, server);
    carry_bytes_ += carry_->back().bytes() + sizeof(CarriedRow);
    return;
  }
  ++stats_.events;
  if (latest_ - last_sweep_ >= 60 * 1000) {
    SweepIdle(latest_);
    found = Find(key);
  }
  if (found == nullptr) {
    if (ev.type == '-') return;  // the end of a session whose start we never saw
    if (open_.size() >= options_.max_open_sessions) SweepIdle(latest_);
    OpenMap::iterator it;
    if (free_.empty()) {
      it = open_.emplace(key, std::make_unique<Open>()).first;
    } else {
      // A finished session's node and state, with their buffers, made ready for this one.
      auto node = std::move(free_.back());
      free_.pop_back();
      node.key() = key;
      node.mapped()->Reset();
      it = open_.insert(std::move(node)).position;
    }
    Open* s = it->second.get();
    s->key = key;
    SessionRecord& r = s->rec;
    r.log = kind;
    r.server = server;
    r.session = std::string(ev.session);
    r.connector = std::string(ev.connector);
    r.remote_endpoint = std::string(ev.remote_endpoint);
    SplitEndpoint(ev.remote_endpoint, &r.remote_ip, &r.remote_port);
    r.start = ev.time;
    r.first_ref = {file, ev.line};
    r.direction = kind == LogKind::kReceive ? Direction::kInbound
                  : IsInternalHop(r)         ? Direction::kInternal
                                             : Direction::kOutbound;
    s->last_time = ev.time;
    ++stats_.sessions;
    found = s;
    last_key_ = key;
    last_open_ = s;
  }
  Open& s = *found;
  SessionRecord& rec = s.rec;
  if (ev.time < s.last_time) ++stats_.out_of_order;
  s.last_time = std::max(s.last_time, ev.time);
  rec.end = s.last_time;
  if (rec.local_endpoint.empty() && !ev.local_endpoint.empty()) {
    rec.local_endpoint = std::string(ev.local_endpoint);
  }
  if (options_.keep_transcripts) KeepTranscript(rec, ev, file, options_.max_transcript_rows);
  // `ref` is kept in registers (its address is never taken): copied from the stack, its 16 bytes
  // would be loaded right after they were stored as 4 and 8 bytes, a store the processor cannot
  // forward, which stalled every row.
  const SourceRef ref{file, ev.line};
  s.last_ref = ref;
  const bool send = kind != LogKind::kReceive;
  // In a Send log '>' is our command and '<' the remote's reply; a Receive log is the mirror.
  const char command_char = send ? '>' : '<';
  const char reply_char = send ? '<' : '>';

  if (ev.type == '*') {
    std::string_view info = !ev.context.empty() ? ev.context : ev.data;
    if (StartsWith(info, "Failed to connect.")) {
      rec.destination_hint = ExtractDestinationDomain(info);
      if (rec.destination_hint == "internalproxy") rec.direction = Direction::kInternal;
      s.last_error = InfoFailure(info, Stage::kConnect, ev.time, ref);
      Close(s, CloseKind::kConnectFailed);
      return;
    }
    if (StartsWith(info, "TLS negotiation failed")) {
      s.last_error = InfoFailure(info, Stage::kTls, ev.time, ref);
      return;
    }
    if (StartsWith(info, "sending message")) {
      StartMessage(rec, ev.data, ev.context);
      s.message_open = false;
      s.data_sent = false;
      s.mail_failure.reset();
      return;
    }
    if (!send && info.find("AUTH") != std::string_view::npos &&
        info.find("failed") != std::string_view::npos) {
      if (rec.auth_failures++ == 0) rec.auth_ref = ref;
      s.last_stage = Stage::kAuth;
      return;
    }
    if (!send && StartsWith(info, "User Name: ") && rec.auth_users.size() < 8) {
      std::string user(info.substr(11));
      if (std::find(rec.auth_users.begin(), rec.auth_users.end(), user) == rec.auth_users.end()) {
        rec.auth_users.push_back(std::move(user));
      }
      return;
    }
    if (info.find("SocketError") != std::string_view::npos ||
        info.find("connection was forcibly closed") != std::string_view::npos) {
      s.last_error = InfoFailure(info, Stage::kLost, ev.time, ref);
    }
    return;
  }
  if (ev.type == '+') return;
  if (ev.type == '-') {
    rec.close_reason = std::string(ev.context.empty() ? ev.data : ev.context);
    rec.closed_cleanly = true;
    Close(s, CloseKind::kRow);
    return;
  }
  if (ev.type == command_char) {
    Pending& p = s.pending.PushBack();
    p.ref = ref;
    p.command.assign(ev.data.substr(0, 1024));
    p.stage = StageOfCommand(ev.data, &p.last_chunk);
    s.last_command.assign(p.command);
    s.last_stage = p.stage;
    if (p.stage == Stage::kMail) {
      if (rec.messages.empty() || s.message_open || s.data_sent ||
          !rec.messages.back().recipients.empty()) {
        StartMessage(rec, "", "");
      }
      s.message_open = true;
      s.data_sent = false;
      s.mail_failure.reset();
      rec.messages.back().sender = ExtractAddress(ev.data);
    } else if (p.stage == Stage::kRcpt) {
      if (rec.messages.empty()) StartMessage(rec, "", "");
      RecipientOutcome& r = rec.messages.back().recipients.emplace_back();
      r.address = ExtractAddress(ev.data);
      r.domain = DomainOf(r.address);
      p.recipient = static_cast<int>(rec.messages.back().recipients.size()) - 1;
    } else if (p.stage == Stage::kData) {
      s.data_sent = p.last_chunk;
    } else if (p.stage == Stage::kQuit) {
      s.quit_sent = true;
    } else if (p.stage == Stage::kEhlo && !send) {
      rec.client_name = std::string(ExtractEhloName(ev.data));
    }
    p.message = static_cast<int>(rec.messages.size()) - 1;
    return;
  }
  if (ev.type != reply_char) return;

  // A reply row: collect multi-line replies until the last line.
  Reply r = ParseReply(ev.data);
  std::string_view text = ev.data;
  // A multi-line reply is referred to by its first row, where a reader finds all of it.
  SourceRef reply_ref = ref;
  if (r.continuation || s.have_reply_start) {
    if (!s.have_reply_start) s.reply_start_ref = ref;
    AppendReplyLine(&s.multiline, ev.data, s.have_reply_start);
    s.have_reply_start = r.continuation;
    if (r.continuation) return;
    text = s.multiline;
    r = ParseReply(s.multiline);
    reply_ref = s.reply_start_ref;
  }
  if (s.pending.empty()) {
    // A reply nobody asked for: the banner (Send) or our greeting (Receive).
    if (!s.banner_seen) {
      s.banner_seen = true;
      if (send && r.code == 220) rec.remote_host = std::string(BannerHost(text));
      if (r.code >= 400) {
        s.last_error = MakeFailure(r, text, Stage::kBanner, "", ev.time, reply_ref);
      }
    } else if (r.code >= 400) {
      // An unsolicited refusal (e.g. 421 before closing): it ends whatever was going on.
      s.last_error = MakeFailure(r, text, s.last_stage, s.last_command, ev.time, reply_ref);
    }
    s.multiline.clear();
    return;
  }
  const Pending& p = s.pending.front();  // intact until the next push
  s.pending.pop_front();
  ApplyReply(s, p, r, text, ev.time, reply_ref);
  s.multiline.clear();
}

void SessionMatcher::ApplyReply(Open& s, const Pending& p, const Reply& r,
                                std::string_view text, TimeMs t, SourceRef ref) {
  SessionRecord& rec = s.rec;
  const bool failed = r.code >= 400;
  MessageOutcome* msg = p.message >= 0 && p.message < static_cast<int>(rec.messages.size())
                            ? &rec.messages[p.message]
                            : nullptr;
  auto fail_open_recipients = [&](const FailureReply& f) {
    if (msg == nullptr) return;
    for (RecipientOutcome& rc : msg->recipients) {
      if (rc.state == RecipientState::kPending || rc.state == RecipientState::kAccepted) {
        rc.state = RecipientState::kFailed;
        rc.failure = f;
      }
    }
  };
  switch (p.stage) {
    case Stage::kMail:
      if (failed) {
        // A refused MAIL FROM fails every recipient of the message, whatever their own replies
        // (usually 503 "need MAIL first") say.
        s.mail_failure = MakeFailure(r, text, Stage::kMail, p.command, t, ref);
        fail_open_recipients(*s.mail_failure);
        // With no recipient named yet (a client refused at MAIL FROM), the session carries it.
        s.last_error = s.mail_failure;
      }
      return;
    case Stage::kRcpt: {
      if (msg == nullptr || p.recipient < 0 ||
          p.recipient >= static_cast<int>(msg->recipients.size())) {
        return;
      }
      RecipientOutcome& rc = msg->recipients[p.recipient];
      if (rc.state == RecipientState::kFailed) return;
      if (s.mail_failure) {
        rc.state = RecipientState::kFailed;
        rc.failure = *s.mail_failure;
      } else if (failed) {
        rc.state = RecipientState::kFailed;
        rc.failure = MakeFailure(r, text, Stage::kRcpt, p.command, t, ref);
      } else if (r.code / 100 == 2) {
        rc.state = RecipientState::kAccepted;
      }
      return;
    }
    case Stage::kData:
      if (r.code == 354 && !p.end_of_data) {
        Pending final_reply = p;  // a copy: p's slot is the one push_front writes
        final_reply.end_of_data = true;
        final_reply.command = "end of data";
        s.pending.push_front(std::move(final_reply));
        return;
      }
      if (failed) {
        fail_open_recipients(MakeFailure(r, text, Stage::kData, p.command, t, ref));
        s.data_sent = false;
      } else if (r.code / 100 == 2 && p.last_chunk) {
        if (msg != nullptr) {
          // A Receive log names the message only in our reply that queued it.
          if (msg->message_id.empty()) msg->message_id = std::string(QueuedMessageId(text));
          msg->queued_ref = ref;
          for (RecipientOutcome& rc : msg->recipients) {
            if (rc.state == RecipientState::kAccepted) rc.state = RecipientState::kDelivered;
          }
        }
        s.data_sent = false;
        s.message_open = false;
      }
      return;
    case Stage::kRset:
    case Stage::kQuit:
      return;
    default:
      if (failed) s.last_error = MakeFailure(r, text, p.stage, p.command, t, ref);
      return;
  }
}

void SessionMatcher::Close(Open& s, CloseKind kind) {
  SessionRecord& rec = s.rec;
  const bool send = rec.log != LogKind::kReceive;
  if (kind == CloseKind::kIdle && !files_.empty() &&
      !Written(s.last_time + options_.idle_timeout_ms)) {
    kind = CloseKind::kLogGap;
  }
  switch (kind) {
    case CloseKind::kConnectFailed: rec.close_reason = "connect failed"; break;
    case CloseKind::kIdle: rec.close_reason = "no activity for 10 minutes"; break;
    case CloseKind::kLogGap: rec.close_reason = "open at a gap in the logs"; break;
    case CloseKind::kEndOfInput: rec.close_reason = "open at end of input"; break;
    case CloseKind::kRow: break;
  }
  if (kind == CloseKind::kIdle) ++stats_.closed_idle;
  // Cut off by the end of the logs, the session's outcome is unknown: it is no failure, unless
  // its rows said the connection was lost before they stopped.
  const bool lost = s.last_error && s.last_error->stage == Stage::kLost;
  const bool unknown = (kind == CloseKind::kLogGap || kind == CloseKind::kEndOfInput) && !lost;
  if (unknown) {
    rec.open_at_end = true;
    ++stats_.open_at_end;
  }
  bool any_message = false;
  for (const MessageOutcome& m : rec.messages) any_message |= !m.recipients.empty();

  if (send && !unknown && !rec.messages.empty()) {
    // Recipients with no final answer when the connection ended: the message was not delivered
    // on this connection (Exchange retries it later).
    MessageOutcome& m = rec.messages.back();
    bool unfinished = false;
    for (const RecipientOutcome& rc : m.recipients) {
      unfinished |= rc.state == RecipientState::kPending || rc.state == RecipientState::kAccepted;
    }
    if (unfinished) {
      FailureReply f;
      std::string by = rec.close_reason.empty() ? "no disconnect row" : rec.close_reason;
      f.text = std::string("Connection lost ") +
               (s.data_sent ? "after the message data was sent, with no final reply"
                : !s.pending.empty() ? "before the remote answered " + s.pending.front().command
                                     : "before the message data was sent") +
               " (" + by + ")";
      if (lost) f.text += ": " + s.last_error->text;
      f.stage = Stage::kLost;
      f.command = s.data_sent ? "end of data" : s.last_command;
      f.time = rec.end;
      f.ref = s.last_ref;
      for (RecipientOutcome& rc : m.recipients) {
        if (rc.state == RecipientState::kPending || rc.state == RecipientState::kAccepted) {
          rc.state = RecipientState::kFailed;
          rc.failure = f;
        }
      }
    }
  }
  if (!any_message) {
    if (s.last_error) {
      rec.session_failure = std::move(s.last_error);
    } else if (send && kind == CloseKind::kRow && s.banner_seen && !s.quit_sent &&
               rec.close_reason.find("Remote") != std::string::npos) {
      FailureReply f;
      f.text = "Connection closed by the remote server (" + rec.close_reason + ") during " +
               std::string(ToString(s.last_stage)) + ", before any message was sent";
      f.stage = Stage::kLost;
      f.command = s.last_command;
      f.time = rec.end;
      f.ref = rec.first_ref;
      rec.session_failure = std::move(f);
    }
  }
  Key key = s.key;
  if (last_open_ == &s) last_open_ = nullptr;
  sink_->OnSession(std::move(rec));
  auto node = open_.extract(key);
  if (free_.size() < kFreeSessions) free_.push_back(std::move(node));  // else destroys s
}

void SessionMatcher::SweepIdle(TimeMs now) {
  last_sweep_ = now;
  std::vector<Open*> idle;
  for (auto& [key, s] : open_) {
    if (s->last_time + options_.idle_timeout_ms < now) idle.push_back(s.get());
  }
  if (open_.size() - idle.size() >= options_.max_open_sessions) {
    // Too many sessions that never end (a broken or hostile log): close the oldest tenth.
    std::vector<Open*> all;
    for (auto& [key, s] : open_) all.push_back(s.get());
    size_t n = all.size() / 10 + 1;
    std::nth_element(all.begin(), all.begin() + n, all.end(),
                     [](Open* a, Open* b) { return a->last_time < b->last_time; });
    idle.assign(all.begin(), all.begin() + n);
  }
  // Close in time order so that the sink sees them in a stable order.
  std::sort(idle.begin(), idle.end(), [](Open* a, Open* b) {
    return a->rec.start != b->rec.start ? a->rec.start < b->rec.start
                                        : a->rec.session < b->rec.session;
  });
  for (Open* s : idle) Close(*s, CloseKind::kIdle);
}

void SessionMatcher::Finish() {
  SweepIdle(latest_);
  std::vector<Open*> rest;
  for (auto& [key, s] : open_) rest.push_back(s.get());
  std::sort(rest.begin(), rest.end(), [](Open* a, Open* b) {
    return a->rec.start != b->rec.start ? a->rec.start < b->rec.start
                                        : a->rec.session < b->rec.session;
  });
  for (Open* s : rest) Close(*s, CloseKind::kEndOfInput);
}

}  // namespace smtptriage
