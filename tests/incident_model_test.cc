#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "smtptriage/aggregator.h"
#include "smtptriage/input_files.h"
#include "smtptriage/loggen.h"
#include "smtptriage/reporters.h"
#include "smtptriage/scanner.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

// Generates a preset of the log generator and runs the whole pipeline over it.
struct Run {
  loggen::Scenario scenario;
  loggen::Result truth;
  Report report;

  const DomainReport* Domain(const std::string& name) const {
    for (const DomainReport& d : report.domains) {
      if (d.domain == name && d.direction == Direction::kOutbound) return &d;
    }
    return nullptr;
  }
  const Incident* IncidentOf(Family f) const {
    for (const Incident& i : report.incidents) {
      if (i.family == f) return &i;
    }
    return nullptr;
  }
  std::string Describe() const {
    std::ostringstream s;
    s << "verdict " << report.verdict.side << ": " << report.verdict.summary.en << "\n";
    for (const Incident& i : report.incidents) s << "incident: " << i.summary.en << "\n";
    return s.str();
  }
};

TimeMs At(int hour) { return 1772409600000 + hour * 3600000LL; }  // 2026-03-02 hh:00Z

Run RunPreset(const std::string& name) {
  Run run;
  REQUIRE(loggen::Preset(name, 7, &run.scenario));
  TempDir dir;
  REQUIRE(loggen::Generate(run.scenario, dir.path().string(), &run.truth).ok());
  std::unique_ptr<Classifier> classifier;
  Status s = Classifier::Load("", {}, &classifier);
  REQUIRE(s.ok());
  std::ostringstream log;
  std::vector<InputFile> files = FindInputs({dir.path().string()}, &run.report.diagnostics, false, log);
  REQUIRE(!files.empty());
  AggregatorOptions options;
  Aggregator aggregator(classifier.get(), options);
  ScanFiles(files, &aggregator, MatcherOptions(), &run.report.diagnostics, &run.report);
  aggregator.Finish(&run.report);
  CHECK(run.report.diagnostics.malformed_total() == 0);
  return run;
}

}  // namespace

TEST_CASE("One partner's MX down for six hours: remote, no incident", "[verdict]") {
  Run run = RunPreset("remote-outage");
  INFO(run.Describe());
  const std::string outage = run.scenario.faults.at(0).domains.at(0);
  const DomainReport* d = run.Domain(outage);
  REQUIRE(d != nullptr);
  CHECK(d->failed_sessions > 20);
  CHECK(d->verdict == "remote");
  CHECK(run.report.incidents.empty());
  CHECK(run.report.verdict.side == "remote");
}

TEST_CASE("Every outbound connection times out from 15:00: a local connection incident",
          "[verdict]") {
  Run run = RunPreset("firewall");
  INFO(run.Describe());
  const Incident* inc = run.IncidentOf(Family::kConnection);
  REQUIRE(inc != nullptr);
  CHECK(run.report.incidents.size() == 1);
  CHECK(inc->start == At(15));
  CHECK(inc->open);
  for (const IncidentBucket& b : inc->buckets) {
    INFO(FormatIsoUtc(b.start));
    CHECK(b.affected_domains >= b.active_domains * 9 / 10);
  }
  CHECK(inc->domains >= 35);
  CHECK(std::find(inc->reasons.begin(), inc->reasons.end(), Reason::kConnectTimeout) !=
        inc->reasons.end());
  // Its peak is the hour of the largest share and, of hours with the same share, the one with
  // most domains.
  const IncidentBucket* peak = nullptr;
  for (const IncidentBucket& b : inc->buckets) {
    if (peak == nullptr ||
        b.affected_domains * peak->active_domains > peak->affected_domains * b.active_domains ||
        (b.affected_domains * peak->active_domains ==
             peak->affected_domains * b.active_domains &&
         b.affected_domains > peak->affected_domains)) {
      peak = &b;
    }
  }
  REQUIRE(peak != nullptr);
  CHECK(inc->summary.en.find("(up to " + std::to_string(peak->affected_domains) + " of " +
                             std::to_string(peak->active_domains) + " active domains") !=
        std::string::npos);
  int local = 0, failing = 0;
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound || d.failures_total() == 0) continue;
    ++failing;
    local += d.verdict == "local";
  }
  CHECK(local >= failing * 9 / 10);
  CHECK(run.report.verdict.side == "local");
  // The incident is open at the end of the logs: the timeouts after its last hour, in the few
  // sessions of the next one, are still its own.
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound) continue;
    for (const FailureGroup& g : d.failures) {
      if (g.reason != Reason::kConnectTimeout || g.first < inc->start) continue;
      INFO(d.domain << " " << FormatIsoUtc(g.last));
      CHECK(g.local_count == g.count);
    }
  }
  // The failures that point to the receivers all sit in domains the incident made ours; the
  // verdict still names them ("Also THEIRS: N failures ...").
  int64_t remote = 0;
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound) continue;
    for (const FailureGroup& g : d.failures) remote += g.count - g.local_count;
  }
  REQUIRE(remote > 0);
  CHECK(run.report.verdict.remote_summary.en.rfind(
            std::to_string(remote) + " failures point to the receiving side", 0) == 0);
}

TEST_CASE("Our IP on a blocklist from 09:00, more receivers every hour: growing reputation "
          "incident",
          "[verdict]") {
  Run run = RunPreset("blocklist-growing");
  INFO(run.Describe());
  const Incident* inc = run.IncidentOf(Family::kReputation);
  REQUIRE(inc != nullptr);
  CHECK(inc->start >= At(9));
  CHECK(inc->start <= At(11));
  CHECK(inc->trend == "growing");
  CHECK(run.report.verdict.side == "local");
  // The incident's line in the text report, in both languages.
  const std::string domains = std::to_string(inc->domains);
  RenderOptions o;
  std::ostringstream en, es;
  RenderText(run.report, o, en);
  CHECK(en.str().find("  trend growing  " + domains + " domains  ") != std::string::npos);
  o.lang = Lang::kEs;
  RenderText(run.report, o, es);
  CHECK(es.str().find("  tendencia creciente  " + domains + " dominios  ") != std::string::npos);
}

TEST_CASE("Lost connections to one domain only: remote", "[verdict]") {
  Run run = RunPreset("lost-one-domain");
  INFO(run.Describe());
  const DomainReport* d = run.Domain(run.scenario.faults.at(0).domains.at(0));
  REQUIRE(d != nullptr);
  CHECK(d->failures_total() > 20);
  CHECK(d->verdict == "remote");
  CHECK(run.IncidentOf(Family::kConnection) == nullptr);
}

TEST_CASE("Lost connections spreading through the afternoon: growing local incident",
          "[verdict]") {
  Run run = RunPreset("lost-spreading");
  INFO(run.Describe());
  const Incident* inc = run.IncidentOf(Family::kConnection);
  REQUIRE(inc != nullptr);
  CHECK(inc->start >= At(12));
  CHECK(inc->start <= At(15));
  CHECK(inc->trend == "growing");
  CHECK(run.report.verdict.side == "local");
}

TEST_CASE("One big provider refuses us for a missing IPv6 PTR: that domain is local",
          "[verdict]") {
  Run run = RunPreset("ipv6-ptr");
  INFO(run.Describe());
  const DomainReport* d = run.Domain("gmail.com");
  REQUIRE(d != nullptr);
  CHECK(d->failures_total() > 20);
  CHECK(d->verdict == "local");
  CHECK(run.report.incidents.empty());
  CHECK(run.report.verdict.side == "local");
  CHECK(run.report.verdict.summary.en.find("gmail.com") != std::string::npos);
}

TEST_CASE("A partner restricts a group to authenticated senders: remote", "[verdict]") {
  Run run = RunPreset("group-restricted");
  INFO(run.Describe());
  const DomainReport* d = run.Domain(run.scenario.faults.at(0).domains.at(0));
  REQUIRE(d != nullptr);
  CHECK(d->failures_total() > 10);
  CHECK(d->verdict == "remote");
  CHECK(run.report.incidents.empty());
}

TEST_CASE("A quiet day: scattered unknown users and greylisting are no incident", "[verdict]") {
  Run run = RunPreset("quiet-day");
  INFO(run.Describe());
  CHECK(run.report.incidents.empty());
  CHECK(run.report.verdict.side == "remote");
  int greylisted_domains = 0;
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound) continue;
    for (const FailureGroup& g : d.failures) {
      if (g.reason == Reason::kGreylisted) {
        ++greylisted_domains;
        INFO(d.domain);
        CHECK(d.verdict != "local");
      }
    }
  }
  CHECK(greylisted_domains >= 3);
}

TEST_CASE("The matcher finds exactly the failures the generator injected", "[verdict]") {
  Run run = RunPreset("sample");
  int64_t failures = 0;
  for (const DomainReport& d : run.report.domains) failures += d.failures_total();
  // Every injected outbound failure is at least one failed recipient or session.
  int64_t outbound_injected = 0;
  for (const loggen::InjectedFailure& f : run.truth.failures) outbound_injected += !f.inbound;
  CHECK(failures >= outbound_injected);
  CHECK(run.report.totals.sessions == run.truth.sessions);
}

namespace {

// One session: mail from `sender` to `recipient` refused with `reply` at RCPT (or delivered when
// `reply` is empty), in a Receive log (mail to us) or a Send log (ours).
SessionRecord OneSession(bool to_us, const std::string& id, TimeMs start, const std::string& sender,
                         const std::string& recipient, const std::string& reply) {
  SessionRecord s;
  s.log = to_us ? LogKind::kReceive : LogKind::kSend;
  s.direction = to_us ? Direction::kInbound : Direction::kOutbound;
  s.session = id;
  s.start = start;
  s.end = start + 2000;
  s.remote_ip = to_us ? "192.0.2.9" : "203.0.113.7";
  s.remote_endpoint = s.remote_ip + ":25";
  s.connector = to_us ? "EX01\\Default Frontend EX01" : "Internet Send Connector";
  s.closed_cleanly = true;
  MessageOutcome m;
  m.sender = sender;
  RecipientOutcome rc;
  rc.address = recipient;
  rc.domain = recipient.substr(recipient.find('@') + 1);
  rc.state = reply.empty() ? RecipientState::kDelivered : RecipientState::kFailed;
  if (!reply.empty()) {
    FailureReply f;
    f.code = std::stoi(reply.substr(0, 3));
    f.enhanced = reply.substr(4, 5);
    f.text = reply;
    f.stage = Stage::kRcpt;
    f.time = start + 1000;
    rc.failure = f;
  }
  m.recipients.push_back(rc);
  s.messages.push_back(m);
  return s;
}

Report VerdictOf(std::vector<SessionRecord> sessions) {
  std::unique_ptr<Classifier> classifier;
  REQUIRE(Classifier::Load("", {}, &classifier).ok());
  Aggregator aggregator(classifier.get(), AggregatorOptions());
  for (SessionRecord& s : sessions) aggregator.OnSession(std::move(s));
  Report report;
  aggregator.Finish(&report);
  return report;
}

}  // namespace

TEST_CASE("Our own server refusing mail for lack of resources is ours, whatever our mail did",
          "[verdict]") {
  const std::string back_pressure =
      "452 4.3.1 Insufficient system resources (UsedDiskSpace[C:\\Queue])";
  const SessionRecord refused =
      OneSession(true, "R1", At(8), "orders@partner.example", "sales@ourorg.example",
                 back_pressure);
  // Our mail failed only on their side: ours first, theirs after ("Also THEIRS").
  Report r = VerdictOf({refused, OneSession(false, "S1", At(9), "alice@ourorg.example",
                                            "bob@partner.example",
                                            "550 5.1.1 <bob@partner.example>: User unknown")});
  CHECK(r.verdict.side == "local");
  CHECK(r.verdict.summary.en ==
        "Our own server refused mail sent to us for reasons on our side: system_full (1).");
  CHECK(r.verdict.summary.es == "Nuestro propio servidor rechazó correo que nos enviaron por "
                                "motivos de nuestro lado: system_full (1).");
  CHECK(r.verdict.remote_summary.en.find("1 failure points to the receiving side") == 0);
  CHECK(r.verdict.remote_summary.es.find("1 fallo apunta al lado receptor") == 0);
  // Our mail all went through: said in the same sentence.
  r = VerdictOf({refused, OneSession(false, "S2", At(9), "alice@ourorg.example",
                                     "bob@partner.example", "")});
  CHECK(r.verdict.side == "local");
  CHECK(r.verdict.summary.en ==
        "Our own server refused mail sent to us for reasons on our side: system_full (1). No "
        "outbound delivery failures in the period.");
  // Our mail refused for reasons of ours too: one verdict, the refusals added.
  r = VerdictOf({refused,
                 OneSession(false, "S3", At(9), "alice@ourorg.example", "bob@partner.example",
                            "554 5.7.1 Service unavailable; Client host [198.51.100.25] blocked "
                            "using zen.spamhaus.org")});
  CHECK(r.verdict.side == "local");
  CHECK(r.verdict.summary.en.find(" Also, our own server refused mail sent to us for reasons on "
                                  "our side: system_full (1).") != std::string::npos);
  // Refusals by policy (a relay attempt) are not a fault of ours.
  r = VerdictOf({OneSession(true, "R2", At(8), "spam@elsewhere.example", "x@faraway.example",
                            "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")});
  CHECK(r.verdict.side == "none");
  // One failure of ours, theirs: said in the singular.
  r = VerdictOf({OneSession(false, "S4", At(9), "alice@ourorg.example", "bob@partner.example",
                            "550 5.1.1 <bob@partner.example>: User unknown")});
  CHECK(r.verdict.side == "remote");
  CHECK(r.verdict.summary.en.find("1 failure to 1 domain, each isolated") == 0);
  CHECK(r.verdict.summary.es.find("1 fallo hacia 1 dominio, todos aislados") == 0);
}

TEST_CASE("Check first: the rule still failing at the end, before the one with most failures",
          "[verdict]") {
  const std::string ptr = "550 5.7.25 [2001:db8::25] The IP address sending this message does "
                          "not have a PTR record setup";
  const std::string listed = "554 5.7.1 Service unavailable; Client host [198.51.100.25] blocked "
                             "using zen.spamhaus.org";
  std::vector<SessionRecord> sessions;
  auto add = [&](int hour, int minute, const std::string& domain, const std::string& reply) {
    const std::string id = "S" + std::to_string(sessions.size());
    sessions.push_back(OneSession(false, id, At(hour) + minute * 60000, "alice@ourorg.example",
                                  "bob@" + domain, reply));
  };
  // Four PTR refusals in the morning, then none; two blocklist refusals at the end.
  for (int i = 0; i < 4; ++i) add(6, 10 * i, "gmail.com", ptr);
  add(11, 5, "partner.example", listed);
  add(11, 40, "other.example", listed);
  Report r = VerdictOf(sessions);
  CHECK(r.verdict.side == "local");
  CHECK(r.verdict.rule == "reputation.spamhaus");
  // Both still failing in the last hour: the one with most failures.
  for (int i = 0; i < 4; ++i) add(11, 10 + i, "gmail.com", ptr);
  r = VerdictOf(sessions);
  CHECK(r.verdict.rule == "auth.ptr");
}
