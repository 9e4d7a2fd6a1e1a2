// Checkpoints of the session matcher: the open sessions written as JSON so that follow mode can
// stop and resume without losing or repeating a session's outcome.
#include <nlohmann/json.hpp>

#include "json_number.h"
#include "session_matcher_internal.h"

namespace smtptriage {

using nlohmann::json;

namespace {

json RefJ(SourceRef r) { return json::array({r.file, r.line}); }
SourceRef RefOf(const json& j) {
  return {JsonInteger<uint32_t>(j.at(0)), JsonInteger<int64_t>(j.at(1))};
}

json FailureJ(const FailureReply& f) {
  return {{"code", f.code},       {"enhanced", f.enhanced}, {"text", f.text},
          {"stage", ToString(f.stage)}, {"command", f.command}, {"time", f.time},
          {"ref", RefJ(f.ref)},   {"truncated", f.truncated}};
}

Stage StageOf(const json& j) {
  std::optional<Stage> s = ParseStage(j.get<std::string>());
  if (!s) throw std::invalid_argument("unknown stage " + j.get<std::string>());
  return *s;
}

FailureReply FailureOf(const json& j) {
  FailureReply f;
  f.code = JsonInteger<int>(j.at("code"));
  f.enhanced = j.at("enhanced");
  f.text = j.at("text");
  f.stage = StageOf(j.at("stage"));
  f.command = j.at("command");
  f.time = JsonInteger<TimeMs>(j.at("time"));
  f.ref = RefOf(j.at("ref"));
  f.truncated = j.at("truncated");
  return f;
}

template <typename Optional>  // std::optional or Boxed
json OptFailureJ(const Optional& f) { return f ? FailureJ(*f) : json(nullptr); }
std::optional<FailureReply> OptFailureOf(const json& j) {
  if (j.is_null()) return std::nullopt;
  return FailureOf(j);
}

json RecordJ(const SessionRecord& r) {
  json messages = json::array();
  for (const MessageOutcome& m : r.messages) {
    json recipients = json::array();
    for (const RecipientOutcome& rc : m.recipients) {
      recipients.push_back({{"address", rc.address},
                            {"domain", rc.domain},
                            {"state", static_cast<int>(rc.state)},
                            {"failure", OptFailureJ(rc.failure)}});
    }
    messages.push_back({{"record_id", m.record_id},
                        {"message_id", m.message_id},
                        {"sender", m.sender},
                        {"recipients", recipients},
                        {"queued_ref", RefJ(m.queued_ref)}});
  }
  return {{"log", ToString(r.log)},
          {"direction", static_cast<int>(r.direction)},
          {"server", r.server},
          {"session", r.session},
          {"connector", r.connector},
          {"local", r.local_endpoint},
          {"remote", r.remote_endpoint},
          {"remote_ip", r.remote_ip},
          {"remote_port", r.remote_port},
          {"remote_host", r.remote_host},
          {"client_name", r.client_name},
          {"destination_hint", r.destination_hint},
          {"start", r.start},
          {"end", r.end},
          {"first_ref", RefJ(r.first_ref)},
          {"messages", messages},
          {"session_failure", OptFailureJ(r.session_failure)},
          {"auth_failures", r.auth_failures},
          {"auth_ref", RefJ(r.auth_ref)},
          {"auth_users", r.auth_users}};
}

SessionRecord RecordOf(const json& j) {
  SessionRecord r;
  std::optional<LogKind> log = ParseLogKind(j.at("log").get<std::string>());
  if (!log) throw std::invalid_argument("unknown log kind");
  r.log = *log;
  int dir = JsonInteger<int>(j.at("direction"));
  if (dir < 0 || dir > 2) throw std::invalid_argument("bad direction");
  r.direction = static_cast<Direction>(dir);
  r.server = JsonInteger<uint32_t>(j.at("server"));
  r.session = j.at("session");
  r.connector = j.at("connector");
  r.local_endpoint = j.at("local");
  r.remote_endpoint = j.at("remote");
  r.remote_ip = j.at("remote_ip");
  r.remote_port = JsonInteger<int>(j.at("remote_port"));
  r.remote_host = j.at("remote_host");
  r.client_name = j.at("client_name");
  r.destination_hint = j.at("destination_hint");
  r.start = JsonInteger<TimeMs>(j.at("start"));
  r.end = JsonInteger<TimeMs>(j.at("end"));
  r.first_ref = RefOf(j.at("first_ref"));
  for (const json& m : j.at("messages")) {
    MessageOutcome mo;
    mo.record_id = m.at("record_id");
    mo.message_id = m.at("message_id");
    mo.sender = m.at("sender");
    // (not in the state of versions before it)
    if (m.contains("queued_ref")) mo.queued_ref = RefOf(m.at("queued_ref"));
    for (const json& rc : m.at("recipients")) {
      RecipientOutcome o;
      o.address = rc.at("address");
      o.domain = rc.at("domain");
      int state = JsonInteger<int>(rc.at("state"));
      if (state < 0 || state > 3) throw std::invalid_argument("bad recipient state");
      o.state = static_cast<RecipientState>(state);
      o.failure = OptFailureOf(rc.at("failure"));
      mo.recipients.push_back(std::move(o));
    }
    r.messages.push_back(std::move(mo));
  }
  r.session_failure = OptFailureOf(j.at("session_failure"));
  r.auth_failures = JsonInteger<decltype(r.auth_failures)>(j.at("auth_failures"));
  if (j.contains("auth_ref")) r.auth_ref = RefOf(j.at("auth_ref"));  // (a state of before)
  r.auth_users = j.at("auth_users").get<std::vector<std::string>>();
  return r;
}

}  // namespace

json SessionMatcher::SaveState() const {
  json sessions = json::array();
  for (const auto& [key, s] : open_) {
    json pending = json::array();
    for (size_t i = 0; i < s->pending.size(); ++i) {
      const Pending& p = s->pending[i];
      pending.push_back({{"stage", ToString(p.stage)},
                         {"command", p.command},
                         {"message", p.message},
                         {"recipient", p.recipient},
                         {"last_chunk", p.last_chunk},
                         {"end_of_data", p.end_of_data},
                         {"ref", RefJ(p.ref)}});
    }
    sessions.push_back({{"server", key.server},
                        {"id", key.id},
                        {"record", RecordJ(s->rec)},
                        {"pending", pending},
                        {"multiline", s->multiline},
                        {"have_reply_start", s->have_reply_start},
                        {"reply_start_ref", RefJ(s->reply_start_ref)},
                        {"banner_seen", s->banner_seen},
                        {"quit_sent", s->quit_sent},
                        {"data_sent", s->data_sent},
                        {"message_open", s->message_open},
                        {"mail_failure", OptFailureJ(s->mail_failure)},
                        {"last_error", OptFailureJ(s->last_error)},
                        {"last_command", s->last_command},
                        {"last_stage", ToString(s->last_stage)},
                        {"last_time", s->last_time},
                        {"last_ref", RefJ(s->last_ref)}});
  }
  return {{"latest", latest_}, {"last_sweep", last_sweep_}, {"sessions", sessions}};
}

Status SessionMatcher::LoadState(const json& state) {
  std::unordered_map<Key, std::unique_ptr<Open>, KeyHash> loaded;
  try {
    for (const json& j : state.at("sessions")) {
      auto s = std::make_unique<Open>();
      s->key = {JsonInteger<uint32_t>(j.at("server")), JsonInteger<uint64_t>(j.at("id"))};
      s->rec = RecordOf(j.at("record"));
      for (const json& p : j.at("pending")) {
        Pending q;
        q.stage = StageOf(p.at("stage"));
        q.command = p.at("command");
        q.message = JsonInteger<int>(p.at("message"));
        q.recipient = JsonInteger<int>(p.at("recipient"));
        q.last_chunk = p.at("last_chunk");
        q.end_of_data = p.at("end_of_data");
        q.ref = RefOf(p.at("ref"));
        s->pending.push_back(std::move(q));
      }
      s->multiline = j.at("multiline");
      s->have_reply_start = j.at("have_reply_start");
      // (not in the state of versions before it: the reply's last row then)
      if (j.contains("reply_start_ref")) s->reply_start_ref = RefOf(j.at("reply_start_ref"));
      s->banner_seen = j.at("banner_seen");
      s->quit_sent = j.at("quit_sent");
      s->data_sent = j.at("data_sent");
      s->message_open = j.at("message_open");
      s->mail_failure = OptFailureOf(j.at("mail_failure"));
      s->last_error = OptFailureOf(j.at("last_error"));
      s->last_command = j.at("last_command");
      s->last_stage = StageOf(j.at("last_stage"));
      s->last_time = JsonInteger<TimeMs>(j.at("last_time"));
      s->last_ref = RefOf(j.at("last_ref"));
      Key key = s->key;
      loaded.emplace(key, std::move(s));
    }
    latest_ = JsonInteger<TimeMs>(state.at("latest"));
    last_sweep_ = JsonInteger<TimeMs>(state.at("last_sweep"));
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("open sessions: ") + e.what());
  }
  open_ = std::move(loaded);
  last_open_ = nullptr;
  return Status::Ok();
}

}  // namespace smtptriage
