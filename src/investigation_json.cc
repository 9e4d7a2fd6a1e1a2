// The JSON rendering of an investigation (the text one is in investigation_report.cc).
#include <nlohmann/json.hpp>

#include "investigation_words.h"
#include "smtptriage/investigation.h"
#include "smtptriage/reporters.h"

namespace smtptriage {

using investigation_words::KindName;
using investigation_words::Outcome;
using investigation_words::Written;

nlohmann::ordered_json InvestigationToJson(const InvestigationResult& r) {
  using json = nlohmann::ordered_json;
  json timeline = json::array();
  for (const HourRow& h : r.timeline) {
    timeline.push_back({{"start", FormatIsoUtc(h.start, true)},
                        {"attempts", h.attempts},
                        {"failures", h.failures},
                        {"refused_by_us", h.refused_by_us},
                        {"by_reason", h.by_reason}});
  }
  auto rows = [&](const std::vector<TranscriptRow>& t) {
    json a = json::array();
    for (const TranscriptRow& row : t) {
      std::string file = row.ref.file < r.file_names.size() ? r.file_names[row.ref.file] : "?";
      a.push_back({{"time", FormatIsoUtc(row.time, true)},
                   {"event", std::string(1, row.type)},
                   {"text", row.text},
                   {"ref", file + ":" + std::to_string(row.ref.line)}});
    }
    return a;
  };
  json kinds = json::array();
  for (const InvestigatedFailure& k : r.failure_kinds) {
    json checks = json::array();
    for (const LocalizedText& c : k.rule.checks) checks.push_back(c.en);
    json j = FailureGroupToJson(k.group);
    j["explanation"] = k.rule.explanation.en;
    j["checks"] = checks;
    j["remote_ips"] = k.remote_ips;
    j["remote_hosts"] = k.remote_hosts;
    j["inbound"] = k.inbound;  // refused by our server: out of the verdict
    j["delivered_on_retry"] = k.delivered_on_retry;
    j["other_domains_same_hours"] = k.other_domains;
    j["other_domain_examples"] = k.other_examples;
    j["example_session"] = k.example_session;
    j["transcript"] = rows(k.transcript);
    kinds.push_back(j);
  }
  json occurrences = json::array();
  for (const Occurrence& o : r.occurrences) {
    occurrences.push_back({{"time", FormatIsoUtc(o.time, true)},
                           {"session", o.session},
                           {"sender", o.sender},
                           {"recipient", o.recipient},
                           {"reply", o.reply},
                           {"ref", o.ref},
                           {"side", o.inbound ? "refused" : o.local ? "local" : "remote"},
                           {"reason", ToString(o.reason)}});
    if (!o.subject.empty()) occurrences.back()["subject"] = o.subject;
    if (o.retry_time != 0) {
      occurrences.back()["delivered_on_retry"] = {{"time", FormatIsoUtc(o.retry_time, true)},
                                                  {"session", o.retry_session},
                                                  {"ref", o.retry_ref}};
    }
  }
  json message_recipients = json::array();
  for (const MessageRecipient& m : r.message_recipients) {
    json j = {{"time", FormatIsoUtc(m.time, true)},
              {"session", m.session},
              {"log", ToString(m.log)},
              {"direction", ToString(m.direction)},
              {"sender", m.sender},
              {"recipient", m.recipient},
              {"outcome", Outcome(m, Lang::kEn, true)},
              {"ref", m.ref}};
    if (m.occurrence < r.occurrences.size()) j["failure"] = occurrences[m.occurrence];
    message_recipients.push_back(std::move(j));
  }
  auto by_direction = [](const std::array<int64_t, 3>& n) {
    json j = json::object();
    for (Direction d : {Direction::kOutbound, Direction::kInbound, Direction::kInternal}) {
      j[std::string(ToString(d))] = n[static_cast<size_t>(d)];
    }
    return j;
  };
  json sessions = json::array();
  for (const SessionView& v : r.sessions_found) {
    sessions.push_back({{"session", v.record.session},
                        {"server", v.record.server < r.server_names.size()
                                       ? r.server_names[v.record.server]
                                       : std::string()},
                        {"log", ToString(v.record.log)},
                        {"connector", v.record.connector},
                        {"remote_endpoint", v.record.remote_endpoint},
                        {"start", FormatIsoUtc(v.record.start, true)},
                        {"end", FormatIsoUtc(v.record.end, true)},
                        {"close_reason", v.record.close_reason},
                        {"transcript", rows(v.record.transcript)}});
  }
  return {{"schema", "smtptriage/investigation@1"},
          {"target",
           {{"kind", KindName(r.target.kind)},
            {"value", r.target.kind == Target::Kind::kMessage ? Written(r.target)
                                                               : r.target.value}}},
          {"verdict", {{"side", r.verdict}, {"summary", r.verdict_summary.en}}},
          {"sessions", r.sessions},
          {"messages_only_in_tracking", r.tracked_only},
          {"recipients", r.recipients},
          {"sessions_by_direction", by_direction(r.sessions_by_direction)},
          {"recipients_by_direction", by_direction(r.recipients_by_direction)},
          {"failures", r.failures},
          {"local_failures", r.local_failures},
          {"inbound_failures", r.inbound_failures},
          {"inbound_ours", r.inbound_ours},
          {"delivered_on_retry", r.delivered_on_retry},
          {"timeline", timeline},
          {"failure_kinds", kinds},
          {"occurrences", occurrences},
          {"sessions_found", sessions},
          {"message_recipients", message_recipients}};
}

}  // namespace smtptriage
