// The finished report: what the aggregator concludes from a run, in a form every reporter
// (text, json, ndjson, prometheus, html) formats without further analysis. Plain value types;
// times are UTC milliseconds. Schema documented in docs/report.schema.json.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "smtptriage/classifier.h"
#include "smtptriage/diagnostics.h"
#include "smtptriage/session.h"
#include "smtptriage/time_util.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

inline constexpr const char* kReportSchema = "smtptriage/report@1";

struct SeriesPoint {
  TimeMs start = 0;
  int64_t failures = 0;
  // A failure group's, in a report of two or more servers: how many were each server's.
  std::vector<std::pair<std::string, int64_t>> servers;
};

// Failures of one kind for one domain: same rule, reason, codes and command stage.
struct FailureGroup {
  Reason reason = Reason::kUndetermined;
  Family family = Family::kOther;
  Side side = Side::kEither;         // the side the rule points to
  Retry retry = Retry::kTransient;
  std::string rule;                  // id of the rule that classified it
  int code = 0;
  std::string enhanced;
  Stage command = Stage::kOther;
  int64_t count = 0;                 // failed recipients, or failed sessions when none is known
  int64_t local_count = 0;           // how many of them the aggregator attributes to our side
  // How many of them were temporary failures of mail we sent whose message a later session
  // delivered to the same recipient (Exchange retried it): no problem any more.
  int64_t delivered_on_retry = 0;
  TimeMs first = 0;
  TimeMs last = 0;
  std::string sample;                // one reply text
  std::string sample_ref;            // "file:line" of that reply
  std::string sample_session;        // session id of that reply
  std::string sample_connector;      // and where it happened: connector, endpoints,
  std::string sample_local;          // the remote host named in the banner, and the
  std::string sample_remote;         // command it answered
  std::string sample_remote_host;
  std::string sample_command;
  std::vector<SeriesPoint> buckets;  // count per time bucket (what `merge` adds up)
};

// One failure as it is found (a failed recipient, or a failed session when no recipient was
// reached): what the aggregator hands to a FailureListener, and what NDJSON `failure` events
// carry. Views are valid during the call only.
struct FailureEvent {
  TimeMs time = 0;
  std::string_view domain;           // destination (or sender domain / client IP for inbound)
  Direction direction = Direction::kOutbound;
  bool unresolved = false;
  const FailureGroup* group = nullptr;  // reason, family, side, retry, rule, codes, stage
  std::string_view text;             // the reply
  std::string_view command;
  std::string_view session;
  std::string_view connector;
  std::string_view local_endpoint;
  std::string_view remote_endpoint;
  std::string_view remote_host;
  std::string_view recipient;        // empty for session-level failures
  std::string_view sender;
  std::string_view message_id;
  std::string_view subject;          // only with --show-subjects
  std::string_view ref;              // "file:line"
  std::string_view server;           // the server's name, when the run knows its servers
  int64_t ordinal = 0;               // position of the recipient in its session (0: session)
};

// Where a failure happened, for the sample of its group.
struct FailureContext {
  LogKind log = LogKind::kSend;
  std::string session;
  std::string connector;
  std::string local_endpoint;
  std::string remote_endpoint;
  std::string remote_host;
  uint32_t server = 0;
  static FailureContext Of(const SessionRecord& s) {
    return {s.log,         s.session,         s.connector, s.local_endpoint,
            s.remote_endpoint, s.remote_host, s.server};
  }
};

// Failures of one domain in one time bucket (buckets without failures are left out).
// One cell of the incident model: a domain's sessions in a time bucket on one server, and per
// failure reason and side (local or either) how many of them failed that way. Carried in the
// JSON report so that `merge` can run the incident model again over several reports.
struct CellFailure {
  Reason reason = Reason::kUndetermined;
  Side side = Side::kEither;
  int64_t sessions = 0;
};
struct CellRecord {
  TimeMs start = 0;
  std::string server;                // empty when the run had no server table
  int64_t attempts = 0;
  std::vector<CellFailure> failed;
};

struct DomainReport {
  std::string domain;                // lower case; an IP address when `unresolved`
  Direction direction = Direction::kOutbound;
  bool unresolved = false;           // no domain could be learned: the remote IP stands in
  int64_t sessions = 0;
  int64_t recipients = 0;
  int64_t failed_recipients = 0;
  int64_t failed_sessions = 0;       // sessions that failed before any recipient
  std::vector<FailureGroup> failures;  // most frequent first
  std::vector<std::string> remote_ips;    // up to 8, most recent last
  std::vector<std::string> remote_hosts;  // banner names, up to 8, most recent last
  std::map<std::string, int64_t> failures_by_server;  // with --by-server only
  std::vector<CellRecord> cells;     // per server and time bucket, in time order
  std::string verdict = "healthy";   // healthy | remote | local | mixed | undetermined
  LocalizedText verdict_summary;
  std::vector<SeriesPoint> failure_series;  // failures per time bucket, oldest first
  int64_t failures_total() const;
};

struct IncidentBucket {
  TimeMs start = 0;
  int64_t affected_domains = 0;
  int64_t active_domains = 0;
};

// One time bucket of the whole period: outbound failures by family and the outbound domains
// that had sessions, for the timeline chart. Honours the --domain filter.
struct TimelineBucket {
  TimeMs start = 0;
  int64_t active_domains = 0;        // outbound domains with a session starting in the bucket
  int64_t failures = 0;              // outbound failures in the bucket
  std::array<int64_t, kFamilyCount> by_family{};  // those failures per family
};

struct Incident {
  std::string side = "local";
  Family family = Family::kOther;
  std::vector<Reason> reasons;       // main reasons, most frequent first
  TimeMs start = 0;
  TimeMs end = 0;                    // end of the last affected bucket
  bool open = false;                 // still going at the end of the period
  std::string trend;                 // growing | steady | falling
  int64_t domains = 0;               // distinct domains affected over the incident
  int64_t failures = 0;
  std::vector<IncidentBucket> buckets;
  std::vector<std::string> sample_domains;
  // The servers whose sessions show the incident, and whether that is every server active
  // during it ("organisation") or only some of them ("server": the cause is on those).
  std::vector<std::string> servers;
  std::string scope = "organisation";
  LocalizedText summary;
};

// A transport server of the run (its logs kept apart from the others').
struct ServerReport {
  std::string name;
  std::vector<std::string> paths;    // what was read as this server's logs
  std::string how;                   // explicit | share | layout | default
  // The server names that its receive connector ids (SERVER\Name) give, to confirm `name`.
  std::vector<std::string> receive_connector_hosts;
  int64_t sessions = 0;
  int64_t recipients = 0;
  int64_t failed_recipients = 0;
  int64_t failed_sessions = 0;       // sessions that failed before any recipient
  // Failures of outbound mail and of hops between our servers whose reply the rules put on our
  // side (a missing PTR, our IP on a blocklist): a server with no incident can still have them.
  // Failures that only a local incident puts on our side are not counted here.
  int64_t local_by_rule = 0;
  // healthy: no local incident; local: a local incident only this server (or some) had;
  // organisation: hit by an incident of every server.
  std::string verdict = "healthy";
};

struct AuthFailureGroup {
  std::string remote_ip;
  int64_t count = 0;
  std::vector<std::string> users;
  TimeMs first = 0;
  TimeMs last = 0;
  std::string sample_ref;
};

struct InputFileReport {
  std::string path;
  LogKind kind = LogKind::kUnknown;
  int64_t bytes = 0;
  int64_t lines = 0;
  int64_t malformed = 0;
};

struct Totals {
  int64_t sessions = 0;
  int64_t failed_sessions = 0;       // sessions with at least one failure
  int64_t messages = 0;
  int64_t recipients = 0;
  int64_t failed_recipients = 0;
  int64_t connect_failures = 0;
  int64_t inbound_sessions = 0;
  int64_t internal_sessions = 0;
  int64_t open_at_end = 0;           // sessions cut off by the end of the logs (or a gap in them)
  int64_t closed_idle = 0;           // sessions closed by the idle timeout
  int64_t auth_failures = 0;
};

// How many failures a rule explains, and when: those of our mail and of hops between our
// servers, and of mail to us only where our own server refused it for a fault of its own.
struct RuleSpan {
  int64_t failures = 0;
  TimeMs first = 0, last = 0;
};
RuleSpan SpanOfRule(const std::string& rule, const std::vector<const DomainReport*>& domains);

struct Verdict {
  std::string side = "none";         // local | remote | none
  LocalizedText summary;
  LocalizedText remote_summary;      // the failures that point away from us, when any
  std::string rule;                  // the rule whose checks come first
  std::vector<LocalizedText> check_first;
  RuleSpan rule_span;                // of `rule`, over every domain (--domain lists fewer)
};

struct Report {
  std::string schema = kReportSchema;
  std::string version;
  TimeMs generated = 0;
  TimeMs period_start = 0;
  TimeMs period_end = 0;
  bool empty_period = true;
  // Sessions read but left out by --since/--until, and when they ran: an empty period then
  // says where the logs' own period lies.
  struct OutsidePeriod {
    int64_t sessions = 0;
    TimeMs first = 0;
    TimeMs last = 0;
    void Add(int64_t n, TimeMs from, TimeMs to) {
      if (n == 0) return;
      if (sessions == 0 || from < first) first = from;
      if (to > last) last = to;
      sessions += n;
    }
  } outside_period;
  // When the newest session read ended, in the period or not (0: no session read): logs that
  // stopped being written end long before the period does.
  TimeMs logs_end = 0;
  std::vector<InputFileReport> files;
  int64_t bytes = 0;
  int64_t lines = 0;
  Diagnostics diagnostics;
  Totals totals;
  std::vector<ServerReport> servers;
  std::vector<DomainReport> domains;   // problems first
  std::vector<Incident> incidents;
  // Buckets with a session or a failure, oldest first (gaps are hours with no traffic).
  TimeMs bucket_ms = 3600 * 1000;
  std::vector<TimelineBucket> timeline;
  std::vector<AuthFailureGroup> auth_failures;
  Verdict verdict;
  // The rules that classified the failures of this report, by id (explanations and checks).
  std::map<std::string, Rule> rules;
  // The filters and parameters the run used, for the record.
  std::map<std::string, std::string> parameters;
};

}  // namespace smtptriage
