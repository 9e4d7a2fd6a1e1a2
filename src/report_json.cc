#include "smtptriage/reporters.h"

#include "smtptriage/ndjson.h"
#include "smtptriage/report_html.h"

#include "json_text.h"

namespace smtptriage {

using nlohmann::ordered_json;

namespace {

ordered_json Time(TimeMs t) { return FormatIsoUtc(t, true); }

ordered_json IncidentToJson(const Incident& inc) {
  ordered_json reasons = ordered_json::array();
  for (Reason r : inc.reasons) reasons.push_back(ToString(r));
  ordered_json buckets = ordered_json::array();
  for (const IncidentBucket& b : inc.buckets) {
    buckets.push_back({{"start", Time(b.start)},
                       {"affected_domains", b.affected_domains},
                       {"active_domains", b.active_domains}});
  }
  return {{"side", inc.side},
          {"family", ToString(inc.family)},
          {"reasons", reasons},
          {"start", Time(inc.start)},
          {"end", inc.open ? ordered_json(nullptr) : Time(inc.end)},
          {"open", inc.open},
          {"trend", inc.trend},
          {"domains", inc.domains},
          {"failures", inc.failures},
          {"sample_domains", inc.sample_domains},
          {"servers", inc.servers},
          {"scope", inc.scope},
          {"buckets", buckets},
          {"summary", inc.summary.en}};
}

void WriteSeries(const std::vector<SeriesPoint>& series, JsonText& w) {
  w.BeginArray();
  for (const SeriesPoint& p : series) {
    w.BeginObject();
    w.Member("start", FormatIsoUtc(p.start, true));
    w.Member("failures", p.failures);
    if (!p.servers.empty()) {
      w.Key("servers");
      w.BeginObject();
      for (const auto& [name, n] : p.servers) w.Member(name, n);
      w.End();
    }
    w.End();
  }
  w.End();
}

// A failure group as JSON, written by `w` in the layout of nlohmann's dump(2). The one list of
// its members: FailureGroupToJson parses this text.
void WriteFailureGroup(const FailureGroup& g, JsonText& w) {
  w.BeginObject();
  w.Member("reason", ToString(g.reason));
  w.Member("family", ToString(g.family));
  w.Member("side", ToString(g.side));
  w.Member("retry", ToString(g.retry));
  w.Member("rule", g.rule);
  w.Key("code");
  if (g.code == 0) {
    w.Null();
  } else {
    w.Int(g.code);
  }
  w.Key("enhanced");
  if (g.enhanced.empty()) {
    w.Null();
  } else {
    w.String(g.enhanced);
  }
  w.Member("command", ToString(g.command));
  w.Member("count", g.count);
  w.Member("local_count", g.local_count);
  w.Member("delivered_on_retry", g.delivered_on_retry);
  w.Member("first", FormatIsoUtc(g.first, true));
  w.Member("last", FormatIsoUtc(g.last, true));
  w.Member("sample", g.sample);
  w.Member("sample_ref", g.sample_ref);
  w.Member("sample_session", g.sample_session);
  w.Member("sample_connector", g.sample_connector);
  w.Member("sample_local_endpoint", g.sample_local);
  w.Member("sample_remote_endpoint", g.sample_remote);
  w.Member("sample_remote_host", g.sample_remote_host);
  w.Member("sample_command", g.sample_command);
  w.Key("buckets");
  WriteSeries(g.buckets, w);
  w.End();
}

// A domain as JSON, written into `out` at depth `indent` in the layout of nlohmann's dump(2):
// what the JSON report holds for it. The one list of its members (ReportToJson parses this
// text when it is asked for the domains).
void WriteDomain(const DomainReport& d, int indent, std::string* out) {
  JsonText w(out, indent);
  w.BeginObject();
  w.Member("domain", d.domain);
  w.Member("direction", ToString(d.direction));
  w.Member("unresolved", d.unresolved);
  w.Member("sessions", d.sessions);
  w.Member("recipients", d.recipients);
  w.Member("failed_recipients", d.failed_recipients);
  w.Member("failed_sessions", d.failed_sessions);
  w.Member("verdict", d.verdict);
  w.Member("verdict_summary", d.verdict_summary.en);
  w.Member("remote_ips", d.remote_ips);
  w.Member("remote_hosts", d.remote_hosts);
  w.Key("failures");
  w.BeginArray();
  for (const FailureGroup& g : d.failures) WriteFailureGroup(g, w);
  w.End();
  w.Key("failure_series");
  WriteSeries(d.failure_series, w);
  if (!d.failures_by_server.empty()) {
    w.Key("failures_by_server");
    w.BeginObject();
    for (const auto& [server, count] : d.failures_by_server) w.Member(server, count);
    w.End();
  }
  w.Key("cells");
  w.BeginArray();
  for (const CellRecord& c : d.cells) {
    w.BeginObject();
    w.Member("start", FormatIsoUtc(c.start, true));
    w.Member("server", c.server);
    w.Member("attempts", c.attempts);
    w.Key("failed");
    w.BeginArray();
    for (const CellFailure& f : c.failed) {
      w.BeginObject();
      w.Member("reason", ToString(f.reason));
      w.Member("side", ToString(f.side));
      w.Member("sessions", f.sessions);
      w.End();
    }
    w.End();
    w.End();
  }
  w.End();
  w.End();
}

ordered_json ServerToJson(const ServerReport& s) {
  return {{"name", s.name},
          {"paths", s.paths},
          {"how", s.how},
          {"receive_connector_hosts", s.receive_connector_hosts},
          {"sessions", s.sessions},
          {"recipients", s.recipients},
          {"failed_recipients", s.failed_recipients},
          {"failed_sessions", s.failed_sessions},
          {"local_by_rule", s.local_by_rule},
          {"verdict", s.verdict}};
}

ordered_json TimelineToJson(const Report& r) {
  ordered_json buckets = ordered_json::array();
  for (const TimelineBucket& b : r.timeline) {
    ordered_json families = ordered_json::object();
    for (int f = 0; f < kFamilyCount; ++f) {
      if (b.by_family[f] > 0)
        families[std::string(ToString(static_cast<Family>(f)))] = b.by_family[f];
    }
    buckets.push_back({{"start", Time(b.start)},
                       {"active_domains", b.active_domains},
                       {"failures", b.failures},
                       {"by_family", families}});
  }
  return {{"bucket_seconds", r.bucket_ms / 1000}, {"buckets", buckets}};
}

ordered_json InputsToJson(const Report& r) {
  const Diagnostics& diag = r.diagnostics;
  ordered_json skipped = ordered_json::array();
  for (const SkippedFile& s : diag.skipped())
    skipped.push_back({{"path", s.where()}, {"reason", s.reason}});
  ordered_json notes = ordered_json::array();
  for (const SkippedFile& s : diag.notes()) notes.push_back({{"path", s.path}, {"note", s.reason}});
  ordered_json malformed = ordered_json::array();
  for (const auto& [reason, m] : diag.by_reason()) {
    malformed.push_back({{"reason", reason}, {"count", m.count}, {"examples", m.examples}});
  }
  ordered_json files = ordered_json::array();
  for (const InputFileReport& f : r.files) {
    auto it = diag.by_file().find(f.path);
    std::vector<int64_t> lines;
    if (it != diag.by_file().end()) lines = it->second.first_lines;
    files.push_back({{"path", f.path},
                     {"kind", ToString(f.kind)},
                     {"bytes", f.bytes},
                     {"lines", f.lines},
                     {"malformed_lines", f.malformed},
                     {"malformed_examples", lines}});
  }
  return {{"files", r.files.size()},
          {"bytes", r.bytes},
          {"lines", r.lines},
          {"malformed_lines", diag.malformed_total()},
          {"malformed", malformed},
          {"skipped_files", skipped},
          {"notes", notes},
          {"file_list", files}};
}

}  // namespace

ordered_json FailureGroupToJson(const FailureGroup& g) {
  std::string text;
  JsonText w(&text, 0);
  WriteFailureGroup(g, w);
  return ordered_json::parse(text);
}

ordered_json ReportToJson(const Report& r) { return ReportToJson(r, true); }

ordered_json ReportToJson(const Report& r, bool with_domains) {
  const Totals& t = r.totals;
  ordered_json incidents = ordered_json::array();
  for (const Incident& inc : r.incidents) incidents.push_back(IncidentToJson(inc));
  ordered_json domains = ordered_json::array();
  if (with_domains) {
    std::string text;
    for (const DomainReport& d : r.domains) {
      text.clear();
      WriteDomain(d, 0, &text);
      domains.push_back(ordered_json::parse(text));
    }
  }
  ordered_json servers = ordered_json::array();
  for (const ServerReport& s : r.servers) servers.push_back(ServerToJson(s));
  ordered_json auth = ordered_json::array();
  for (const AuthFailureGroup& a : r.auth_failures) {
    auth.push_back({{"remote_ip", a.remote_ip},
                    {"count", a.count},
                    {"users", a.users},
                    {"first", Time(a.first)},
                    {"last", Time(a.last)},
                    {"sample_ref", a.sample_ref}});
  }
  ordered_json checks = ordered_json::array();
  for (const LocalizedText& c : r.verdict.check_first) checks.push_back(c.en);
  ordered_json params = ordered_json::object();
  for (const auto& [k, v] : r.parameters) params[k] = v;
  return {
      {"schema", r.schema},
      {"generator", {{"name", "smtptriage"}, {"version", r.version}}},
      {"generated", Time(r.generated)},
      {"parameters", params},
      {"inputs", InputsToJson(r)},
      {"period",
       {{"start", r.period_start == 0 ? ordered_json() : Time(r.period_start)},
        {"end", r.period_end == 0 ? ordered_json() : Time(r.period_end)},
        {"logs_end", r.logs_end == 0 ? ordered_json() : Time(r.logs_end)}}},
      {"totals",
       {{"sessions", t.sessions},
        {"failed_sessions", t.failed_sessions},
        {"messages", t.messages},
        {"recipients", t.recipients},
        {"failed_recipients", t.failed_recipients},
        {"connect_failures", t.connect_failures},
        {"inbound_sessions", t.inbound_sessions},
        {"internal_sessions", t.internal_sessions},
        {"open_at_end", t.open_at_end},
        {"closed_idle", t.closed_idle},
        {"auth_failures", t.auth_failures}}},
      {"verdict",
       {{"side", r.verdict.side},
        {"summary", r.verdict.summary.en},
        {"remote_summary",
         r.verdict.remote_summary.en.empty() ? ordered_json(nullptr)
                                             : ordered_json(r.verdict.remote_summary.en)},
        {"rule", r.verdict.rule.empty() ? ordered_json(nullptr) : ordered_json(r.verdict.rule)},
        {"check_first", checks}}},
      {"servers", servers},
      {"incidents", incidents},
      {"timeline", TimelineToJson(r)},
      {"domains", domains},
      {"auth_failures", auth},
  };
}

void RenderJson(const Report& report, const RenderOptions&, std::ostream& out) {
  // Log text is not always valid UTF-8: replace bad bytes rather than fail the whole report.
  // The domains are written one at a time into the document's text: a report of a large run
  // holds thousands of domains with their cells, and a whole JSON tree of them would take
  // several times the memory of the report itself. The text is the same as one dump.
  const auto replace = ordered_json::error_handler_t::replace;
  std::string text = ReportToJson(report, false).dump(2, ' ', false, replace);
  const std::string marker = "\n  \"domains\": []";
  size_t at = text.find(marker);
  if (at == std::string::npos || report.domains.empty()) {
    out << text << '\n';
    return;
  }
  out.write(text.data(), static_cast<std::streamsize>(at));
  out << "\n  \"domains\": [";
  bool first = true;
  std::string one;  // one domain, at its place in the document
  for (const DomainReport& d : report.domains) {
    one.assign(first ? "\n    " : ",\n    ");
    first = false;
    WriteDomain(d, 4, &one);
    out.write(one.data(), static_cast<std::streamsize>(one.size()));
  }
  out << "\n  ]";
  size_t rest = at + marker.size();
  out.write(text.data() + rest, static_cast<std::streamsize>(text.size() - rest));
  out << '\n';
}

const std::vector<ReporterEntry>& Reporters() {
  static const std::vector<ReporterEntry> kReporters = {
      {"text", RenderText},
      {"json", RenderJson},
      {"prometheus", RenderPrometheus},
      {"ndjson", RenderNdjsonSummary, true},
      {"html", RenderHtml},
  };
  return kReporters;
}

const ReporterEntry* FindReporter(std::string_view name) {
  for (const ReporterEntry& e : Reporters()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace smtptriage
