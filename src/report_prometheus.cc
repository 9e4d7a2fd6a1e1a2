// The Prometheus text exposition format of a report (`scan --format prometheus`), for
// node_exporter's textfile collector. Every metric is a gauge describing the scanned period;
// label sets are bounded (per-domain series for the top domains only, the rest under "_other").
// Metrics and alert examples are documented in docs/MONITORING.md.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <tuple>

#include "smtptriage/reporters.h"

namespace smtptriage {
namespace {

constexpr std::array<Direction, 3> kDirections = {Direction::kOutbound, Direction::kInbound,
                                                  Direction::kInternal};

// Replaces bytes that are not valid UTF-8 by U+FFFD: label values must be UTF-8, log text is not.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len == 2) ok = c >= 0xC2;  // no overlong two-byte forms
    if (ok && len == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// A label value as the exposition format wants it: backslash, double quote and line feed escaped.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : ValidUtf8(v)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Seconds since the epoch with millisecond precision, e.g. "1772409600.123".
std::string Seconds(TimeMs t) {
  char buf[40];
  long long ms = static_cast<long long>(t);
  std::snprintf(buf, sizeof buf, "%s%lld.%03lld", ms < 0 ? "-" : "", (ms < 0 ? -ms : ms) / 1000,
                (ms < 0 ? -ms : ms) % 1000);
  return buf;
}

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Writes one metric family: HELP and TYPE, then its samples. Samples of a family stay together.
class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}

  void Family(std::string_view name, std::string_view help) {
    name_ = name;
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n";
  }
  void Sample(const Labels& labels, const std::string& value) {
    out_ << name_;
    if (!labels.empty()) {
      out_ << '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        out_ << (i ? "," : "") << labels[i].first << "=\"" << EscapeLabel(labels[i].second) << '"';
      }
      out_ << '}';
    }
    out_ << ' ' << value << '\n';
  }
  void Sample(const Labels& labels, int64_t value) { Sample(labels, std::to_string(value)); }
  void Sample(int64_t value) { Sample({}, value); }

 private:
  std::ostream& out_;
  std::string_view name_;
};

std::string Str(std::string_view s) { return std::string(s); }

void Failures(const Report& r, Writer& w) {
  // (direction, reason, family, side) -> failures, in a stable order.
  std::map<std::tuple<int, int, int, int>, int64_t> by_kind;
  std::array<int64_t, 3> local{}, remote{};
  for (const DomainReport& d : r.domains) {
    int dir = static_cast<int>(d.direction);
    for (const FailureGroup& g : d.failures) {
      by_kind[{dir, static_cast<int>(g.reason), static_cast<int>(g.family),
               static_cast<int>(g.side)}] += g.count;
      local[dir] += g.local_count;
      remote[dir] += g.count - g.local_count;
    }
  }
  w.Family("smtptriage_failures",
           "Failed recipients (or failed sessions when no recipient was reached) in the scanned "
           "period, by reason, family, the side the rule points to (local, remote, either) and "
           "direction.");
  for (const auto& [key, n] : by_kind) {
    const auto& [dir, reason, family, side] = key;
    w.Sample({{"reason", Str(ToString(static_cast<Reason>(reason)))},
              {"family", Str(ToString(static_cast<Family>(family)))},
              {"side", Str(ToString(static_cast<Side>(side)))},
              {"direction", Str(ToString(static_cast<Direction>(dir)))}},
             n);
  }
  w.Family("smtptriage_failures_attributed",
           "Failures of the period attributed to our side (local) or to the other end (remote) "
           "after the incident model, by direction.");
  for (Direction dir : kDirections) {
    int i = static_cast<int>(dir);
    w.Sample({{"direction", Str(ToString(dir))}, {"side", "local"}}, local[i]);
    w.Sample({{"direction", Str(ToString(dir))}, {"side", "remote"}}, remote[i]);
  }
}

void TotalsOf(const Report& r, Writer& w) {
  const Totals& t = r.totals;
  w.Family("smtptriage_sessions", "SMTP sessions in the scanned period, by direction.");
  w.Sample({{"direction", "outbound"}}, t.sessions - t.inbound_sessions - t.internal_sessions);
  w.Sample({{"direction", "inbound"}}, t.inbound_sessions);
  w.Sample({{"direction", "internal"}}, t.internal_sessions);
  w.Family("smtptriage_failed_sessions", "Sessions with at least one failure in the period.");
  w.Sample(t.failed_sessions);
  w.Family("smtptriage_messages", "Messages sent or received in the period.");
  w.Sample(t.messages);
  w.Family("smtptriage_recipients", "Recipients of the messages in the period.");
  w.Sample(t.recipients);
  w.Family("smtptriage_failed_recipients", "Recipients that failed in the period.");
  w.Sample(t.failed_recipients);
  w.Family("smtptriage_connect_failures",
           "Outbound connection attempts that failed (timeout, refused, unreachable) in the "
           "period.");
  w.Sample(t.connect_failures);
  w.Family("smtptriage_auth_failures", "Failed inbound AUTH attempts in the period.");
  w.Sample(t.auth_failures);
}

void Incidents(const Report& r, Writer& w) {
  std::array<int64_t, kFamilyCount> open{}, seen{};
  for (const Incident& inc : r.incidents) {
    if (inc.side != "local") continue;
    ++seen[static_cast<int>(inc.family)];
    if (inc.open) ++open[static_cast<int>(inc.family)];
  }
  w.Family("smtptriage_local_incidents_open",
           "Local incidents still open at the end of the period (the same failure at many "
           "unrelated domains at once), by failure family.");
  for (int f = 0; f < kFamilyCount; ++f) {
    w.Sample({{"family", Str(ToString(static_cast<Family>(f)))}}, open[f]);
  }
  w.Family("smtptriage_local_incidents",
           "Local incidents seen in the period, open or ended, by failure family.");
  for (int f = 0; f < kFamilyCount; ++f) {
    w.Sample({{"family", Str(ToString(static_cast<Family>(f)))}}, seen[f]);
  }
}

void Domains(const Report& r, const RenderOptions& o, Writer& w) {
  std::vector<const DomainReport*> failing;
  for (const DomainReport& d : r.domains) {
    if (d.failures_total() > 0) failing.push_back(&d);
  }
  std::stable_sort(failing.begin(), failing.end(),
                   [](const DomainReport* a, const DomainReport* b) {
                     int64_t fa = a->failures_total(), fb = b->failures_total();
                     if (fa != fb) return fa > fb;
                     return std::tie(a->domain, a->direction) < std::tie(b->domain, b->direction);
                   });
  auto local_of = [](const DomainReport& d) {
    int64_t n = 0;
    for (const FailureGroup& g : d.failures) n += g.local_count;
    return n;
  };
  std::array<int64_t, 3> other{}, other_local{};
  std::array<bool, 3> has_other{};
  for (size_t i = o.top_domains; i < failing.size(); ++i) {
    int dir = static_cast<int>(failing[i]->direction);
    has_other[dir] = true;
    other[dir] += failing[i]->failures_total();
    other_local[dir] += local_of(*failing[i]);
  }
  size_t top = std::min(o.top_domains, failing.size());
  for (bool local : {false, true}) {
    if (local) {
      w.Family("smtptriage_domain_local_failures",
               "Failures attributed to our side per domain, for the same domains as "
               "smtptriage_domain_failures.");
    } else {
      w.Family("smtptriage_domain_failures",
               "Failures per domain (destination domain outbound, sender domain or client IP "
               "inbound) for the domains with most failures; the rest are summed under "
               "domain=\"_other\".");
    }
    for (size_t i = 0; i < top; ++i) {
      const DomainReport& d = *failing[i];
      w.Sample({{"domain", d.domain}, {"direction", Str(ToString(d.direction))}},
               local ? local_of(d) : d.failures_total());
    }
    for (Direction dir : kDirections) {
      int i = static_cast<int>(dir);
      if (!has_other[i]) continue;
      w.Sample({{"domain", "_other"}, {"direction", Str(ToString(dir))}},
               local ? other_local[i] : other[i]);
    }
  }
}

// Per transport server (the `server` label): what it sent and the local incidents it had.
void Servers(const Report& r, Writer& w) {
  if (r.servers.empty()) return;
  w.Family("smtptriage_server_sessions", "SMTP sessions in the period, by transport server.");
  for (const ServerReport& s : r.servers) w.Sample({{"server", s.name}}, s.sessions);
  w.Family("smtptriage_server_failed_recipients",
           "Recipients that failed in the period, by transport server.");
  for (const ServerReport& s : r.servers) w.Sample({{"server", s.name}}, s.failed_recipients);
  w.Family("smtptriage_server_failed_sessions",
           "Sessions that failed before any recipient in the period, by transport server.");
  for (const ServerReport& s : r.servers) w.Sample({{"server", s.name}}, s.failed_sessions);
  w.Family("smtptriage_server_local_by_rule",
           "Failures of outbound mail and of hops between our servers whose reply the rules put "
           "on our side (a missing PTR, our IP on a blocklist), by transport server; not those "
           "that only a local incident puts on our side.");
  for (const ServerReport& s : r.servers) w.Sample({{"server", s.name}}, s.local_by_rule);
  w.Family("smtptriage_server_local_incidents_open",
           "Local incidents still open at the end of the period that the server shows, by "
           "failure family and scope (server: only some servers have it, so the cause is on "
           "them; organisation: every server sending then has it).");
  std::map<std::tuple<std::string, int, std::string>, int64_t> open;
  for (const Incident& inc : r.incidents) {
    if (!inc.open) continue;
    for (const std::string& s : inc.servers) ++open[{s, static_cast<int>(inc.family), inc.scope}];
  }
  for (const auto& [key, n] : open) {
    const auto& [server, family, scope] = key;
    w.Sample({{"server", server},
              {"family", Str(ToString(static_cast<Family>(family)))},
              {"scope", scope}},
             n);
  }
  w.Family("smtptriage_server_verdict",
           "1 for the server's verdict (healthy: no local incident, see "
           "smtptriage_server_local_by_rule for the failures whose reply puts them on our side; "
           "local: a local incident of its own; organisation: only incidents every server had), "
           "0 for the others.");
  for (const ServerReport& s : r.servers) {
    for (const char* v : {"healthy", "local", "organisation"}) {
      w.Sample({{"server", s.name}, {"verdict", v}}, s.verdict == v ? 1 : 0);
    }
  }
}

void Inputs(const Report& r, Writer& w) {
  w.Family("smtptriage_files_read", "Log files read.");
  w.Sample(static_cast<int64_t>(r.files.size()));
  w.Family("smtptriage_files_skipped", "Paths or files that could not be read.");
  w.Sample(static_cast<int64_t>(r.diagnostics.skipped().size()));
  w.Family("smtptriage_lines_read", "Log lines read.");
  w.Sample(r.lines);
  w.Family("smtptriage_malformed_lines", "Log lines that could not be parsed and were skipped.");
  w.Sample(r.diagnostics.malformed_total());
}

}  // namespace

void RenderPrometheus(const Report& r, const RenderOptions& o, std::ostream& out) {
  Writer w(out);
  w.Family("smtptriage_verdict",
           "The report's verdict: 1 for the side the failures of the period point to (local: "
           "ours, remote: theirs, none: nothing to report), 0 for the others.");
  for (const char* side : {"local", "remote", "none"}) {
    w.Sample({{"side", side}}, r.verdict.side == side ? 1 : 0);
  }
  Failures(r, w);
  Incidents(r, w);
  Domains(r, o, w);
  TotalsOf(r, w);
  Servers(r, w);
  Inputs(r, w);
  w.Family("smtptriage_period_start_timestamp_seconds",
           "Start of the scanned period: --since, else the first session read.");
  if (!r.empty_period || r.period_start != 0) w.Sample({}, Seconds(r.period_start));
  w.Family("smtptriage_period_end_timestamp_seconds",
           "End of the scanned period: --until, else the end of the last session read.");
  if (!r.empty_period || r.period_end != 0) w.Sample({}, Seconds(r.period_end));
  w.Family("smtptriage_logs_end_timestamp_seconds",
           "End of the newest session read, in the period or not: logs that stopped being "
           "written end long before the report is made.");
  if (r.logs_end != 0) w.Sample({}, Seconds(r.logs_end));
  w.Family("smtptriage_report_generated_timestamp_seconds", "When the report was made.");
  w.Sample({}, Seconds(r.generated));
  w.Family("smtptriage_build_info", "The smtptriage version that made the report.");
  w.Sample({{"version", r.version}}, 1);
}

}  // namespace smtptriage
