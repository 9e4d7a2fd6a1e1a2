#include "smtptriage/ndjson.h"

#include <cstdio>
#include <string_view>

#include "smtptriage/reporters.h"
#include "smtptriage/smtp_text.h"

namespace smtptriage {

using nlohmann::ordered_json;

namespace {

ordered_json Head(const char* type, TimeMs t) {
  return {{"type", type}, {"time", FormatIsoUtc(t, true)}, {"schema", kEventSchema}};
}

}  // namespace

std::string FailureId(const FailureEvent& e) {
  // The file's name (not its folder: the same logs may be read through another path or share),
  // the line, the session and the recipient's position in it.
  std::string_view ref = e.ref;
  size_t slash = ref.find_last_of("/\\");
  if (slash != std::string_view::npos) ref.remove_prefix(slash + 1);
  std::string key = std::string(ref) + '|' + std::string(e.recipient) + '|' +
                    std::string(e.session) + '|' + std::to_string(e.ordinal);
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(HashText(key)));
  return buf;
}

ordered_json FailureEventJson(const FailureEvent& e) {
  ordered_json j = Head("failure", e.time);
  const FailureGroup& g = *e.group;
  j["id"] = FailureId(e);
  j["domain"] = e.domain;
  j["direction"] = ToString(e.direction);
  j["unresolved"] = e.unresolved;
  j["reason"] = ToString(g.reason);
  j["family"] = ToString(g.family);
  j["side"] = ToString(g.side);
  j["retry"] = ToString(g.retry);
  j["rule"] = g.rule;
  j["code"] = g.code == 0 ? ordered_json(nullptr) : ordered_json(g.code);
  j["enhanced"] = g.enhanced.empty() ? ordered_json(nullptr) : ordered_json(g.enhanced);
  j["command"] = ToString(g.command);
  j["command_text"] = e.command;
  j["reply"] = e.text;
  j["recipient"] = e.recipient;
  j["sender"] = e.sender;
  j["message_id"] = e.message_id;
  if (!e.subject.empty()) j["subject"] = e.subject;
  j["session"] = e.session;
  j["connector"] = e.connector;
  j["local_endpoint"] = e.local_endpoint;
  j["remote_endpoint"] = e.remote_endpoint;
  j["remote_host"] = e.remote_host;
  j["ref"] = e.ref;
  if (!e.server.empty()) j["server"] = e.server;
  return j;
}

ordered_json IncidentEventJson(const char* type, const Incident& inc, TimeMs now) {
  ordered_json j = Head(type, now);
  ordered_json reasons = ordered_json::array();
  for (Reason r : inc.reasons) reasons.push_back(ToString(r));
  j["incident"] = {{"family", ToString(inc.family)},
                   {"side", inc.side},
                   {"reasons", reasons},
                   {"start", FormatIsoUtc(inc.start, true)},
                   {"end", inc.open ? ordered_json(nullptr)
                                    : ordered_json(FormatIsoUtc(inc.end, true))},
                   {"open", inc.open},
                   {"trend", inc.trend},
                   {"domains", inc.domains},
                   {"failures", inc.failures},
                   {"servers", inc.servers},
                   {"scope", inc.scope},
                   {"summary", inc.summary.en}};
  return j;
}

ordered_json SnapshotEventJson(const Report& r, TimeMs now, size_t top_domains) {
  ordered_json j = Head("snapshot", now);
  ordered_json domains = ordered_json::array();
  int64_t other_failures = 0, other_sessions = 0;
  size_t n = 0;
  for (const DomainReport& d : r.domains) {
    if (d.failures_total() == 0) continue;
    if (n++ >= top_domains) {
      other_failures += d.failures_total();
      other_sessions += d.sessions;
      continue;
    }
    domains.push_back({{"domain", d.domain},
                       {"direction", ToString(d.direction)},
                       {"sessions", d.sessions},
                       {"failures", d.failures_total()},
                       {"verdict", d.verdict}});
  }
  if (n > top_domains) {
    domains.push_back({{"domain", "_other"}, {"direction", nullptr}, {"sessions", other_sessions},
                       {"failures", other_failures}, {"verdict", nullptr}});
  }
  j["verdict"] = r.verdict.side;
  j["summary"] = r.verdict.summary.en;
  j["sessions"] = r.totals.sessions;
  j["failed_recipients"] = r.totals.failed_recipients;
  j["open_incidents"] = 0;
  for (const Incident& inc : r.incidents)
    j["open_incidents"] = j["open_incidents"].get<int>() + inc.open;
  j["domains"] = domains;
  return j;
}

ordered_json FileProblemEventJson(const FileProblem& p, TimeMs now) {
  ordered_json j = Head("file_problem", now);
  j["path"] = p.path;
  j["problem"] = p.problem;
  j["detail"] = p.detail;
  if (std::string_view(p.problem) == "malformed") j["malformed_lines"] = p.lines;
  if (p.first_line > 0) j["first_line"] = p.first_line;
  return j;
}

ordered_json SummaryEventJson(const Report& r) {
  ordered_json full = ReportToJson(r, false);  // (the domains are not part of the summary)
  ordered_json j = Head("summary", r.generated);
  for (const char* key : {"period", "totals", "verdict", "incidents", "parameters"}) {
    j[key] = full[key];
  }
  ordered_json inputs = full["inputs"];
  inputs.erase("file_list");
  j["inputs"] = inputs;
  int64_t failing = 0;
  for (const DomainReport& d : r.domains) failing += d.failures_total() > 0;
  j["domains_with_failures"] = failing;
  return j;
}

std::string NdjsonLine(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

void RenderNdjsonSummary(const Report& report, const RenderOptions&, std::ostream& out) {
  out << NdjsonLine(SummaryEventJson(report));
}

}  // namespace smtptriage
