#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "smtptriage/aggregator.h"
#include "smtptriage/input_files.h"
#include "smtptriage/loggen.h"
#include "smtptriage/reporters.h"

#include <nlohmann/json.hpp>
#include "smtptriage/scanner.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
namespace fs = std::filesystem;

namespace {

// Generates `sc` as the logs of server `name` under root/name, with the traffic scaled so that
// the servers do not write identical logs (same partner domains, same session ids).
void GenerateServer(loggen::Scenario sc, const fs::path& root, const std::string& name,
                    int sessions_per_hour, loggen::Result* truth = nullptr) {
  sc.sessions_per_hour = sessions_per_hour;
  sc.server = name;
  loggen::Result local;
  REQUIRE(loggen::Generate(sc, (root / name).string(), truth ? truth : &local).ok());
}

// A quiet day of servers EX01 and EX03, each in its folder under `root`.
void QuietDayOfTwoServers(const fs::path& root) {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("quiet-day", 3, &sc));
  GenerateServer(sc, root, "EX01", 30);
  GenerateServer(sc, root, "EX03", 30);
}

struct Run {
  Report report;
  std::vector<ServerInput> servers;
};

Run Scan(const std::vector<std::string>& paths, const std::vector<ServerPath>& explicit_servers = {}) {
  static std::unique_ptr<Classifier> rules = [] {
    std::unique_ptr<Classifier> c;
    REQUIRE(Classifier::Load("", {}, &c).ok());
    return c;
  }();
  Run run;
  std::ostringstream log;
  std::vector<InputFile> files = FindInputs(paths, &run.report.diagnostics, false, log);
  REQUIRE(!files.empty());
  run.servers = AssignServers(&files, explicit_servers);
  std::vector<std::string> names;
  for (const InputFile& f : files) names.push_back(f.path);
  AggregatorOptions options;
  options.file_names = &names;
  options.servers = &run.servers;
  options.by_server = true;
  Aggregator aggregator(rules.get(), options);
  ScanControl control;
  control.jobs = 2;
  ScanFiles(files, &aggregator, MatcherOptions(), &run.report.diagnostics, &run.report, control);
  aggregator.Finish(&run.report);
  CHECK(run.report.diagnostics.malformed_total() == 0);
  return run;
}

const ServerReport* Server(const Report& r, const std::string& name) {
  for (const ServerReport& s : r.servers) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Incident* IncidentOf(const Report& r, Family family) {
  for (const Incident& i : r.incidents) {
    if (i.family == family) return &i;
  }
  return nullptr;
}

// EX01 and EX03 deliver normally; EX02's outbound IP gets on a blocklist from 09:00, for more
// and more receivers (the same partner domains and session ids on every server).
void GenerateBlocklistOnEx02(const fs::path& root) {
  loggen::Scenario bad;
  REQUIRE(loggen::Preset("blocklist-growing", 9, &bad));
  loggen::Scenario good = bad;
  good.faults.clear();
  GenerateServer(good, root, "EX01", 120);
  GenerateServer(bad, root, "EX02", 120);
  GenerateServer(good, root, "EX03", 100);
}

// The failures of outbound mail and of internal hops whose rule puts them on our side, counted
// from the report's failure groups.
int64_t LocalByRule(const Report& r) {
  int64_t n = 0;
  for (const DomainReport& d : r.domains) {
    if (d.direction == Direction::kInbound) continue;
    for (const FailureGroup& g : d.failures) n += g.side == Side::kLocal ? g.count : 0;
  }
  return n;
}

// Each domain's summary names counts that add up to the number it says: "7 of 9 failures point
// to ...: a (4), b (2) and 1 more." and "The other 2 point to ...: c (2)."
void CheckSummaryCounts(const Report& r) {
  const std::regex clause(R"((\d+) of \d+ failures point to [^:]+: ([^.]+)\.)"
                          R"(|The other (\d+) point to [^:]+: ([^.]+)\.)");
  const std::regex count(R"(\((\d+)\)|and (\d+) more)");
  int checked = 0;
  for (const DomainReport& d : r.domains) {
    const std::string& s = d.verdict_summary.en;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), clause); it != std::sregex_iterator();
         ++it) {
      const std::smatch& m = *it;
      int64_t said = std::stoll(m[1].matched ? m[1].str() : m[3].str());
      std::string list = m[2].matched ? m[2].str() : m[4].str();
      int64_t named = 0;
      for (auto c = std::sregex_iterator(list.begin(), list.end(), count);
           c != std::sregex_iterator(); ++c) {
        named += std::stoll((*c)[1].matched ? (*c)[1].str() : (*c)[2].str());
      }
      INFO(d.domain << ": " << s);
      CHECK(named == said);
      ++checked;
    }
  }
  CHECK(checked > 0);
}

std::string Describe(const Report& r) {
  std::string out;
  for (const Incident& inc : r.incidents) {
    out += std::string(ToString(inc.family)) + " " + inc.scope + " [";
    for (const std::string& s : inc.servers) out += s + " ";
    out += "] " + inc.summary.en + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("Servers are told from the folder layout, share names and --server", "[servers]") {
  auto assign = [](std::vector<std::string> paths, const std::string& root,
                   const std::vector<ServerPath>& explicit_servers = {}) {
    std::vector<InputFile> files;
    for (const std::string& p : paths) {
      InputFile f;
      f.path = p;
      f.root = root;
      files.push_back(f);
    }
    std::vector<ServerInput> table = AssignServers(&files, explicit_servers);
    std::vector<std::string> names;
    for (const InputFile& f : files) names.push_back(table.at(f.server).name);
    return std::make_pair(names, table);
  };
  // The folder holding Exchange's log tree.
  auto [a, ta] = assign({"/logs/EX01/TransportRoles/Logs/Hub/ProtocolLog/SmtpSend/SEND2026030206-1.LOG",
                         "/logs/EX02/TransportRoles/Logs/Hub/ProtocolLog/SmtpSend/SEND2026030206-1.LOG",
                         "/logs/EX02/Logs/ProtocolLog/SmtpReceive/RECV2026030206-1.LOG"},
                        "/logs");
  CHECK(a == std::vector<std::string>{"EX01", "EX02", "EX02"});
  REQUIRE(ta.size() == 2);
  CHECK(ta[1].how == "layout");
  CHECK(ta[1].paths == std::vector<std::string>{"/logs/EX02"});
  // A Windows share names its host; an installation path does not name a server.
  auto [b, tb] = assign({"\\\\EX03\\d$\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\"
                         "Logs\\Hub\\ProtocolLog\\SmtpSend\\SEND2026030206-1.LOG",
                         "/srv/V15/TransportRoles/Logs/Hub/ProtocolLog/SmtpSend/SEND2026030206-1.LOG"},
                        "/");
  CHECK(b == std::vector<std::string>{"EX03", "local"});
  CHECK(tb[0].how == "share");
  CHECK(tb[0].paths == std::vector<std::string>{"\\\\EX03"});
  // One subfolder per server under the folder given; Exchange's own folder names are not servers.
  auto [c, tc] = assign({"/in/mbx1/SmtpSend/SEND2026030206-1.LOG", "/in/mbx2/SmtpSend/SEND2026030206-1.LOG"},
                        "/in");
  CHECK(c == std::vector<std::string>{"mbx1", "mbx2"});
  auto [d, td] = assign({"/in/SmtpSend/SEND2026030206-1.LOG", "/in/SmtpReceive/RECV2026030206-1.LOG"}, "/in");
  CHECK(d == std::vector<std::string>{"local", "local"});
  // One folder per server given as several paths; Exchange's folders are passed over for the
  // server's name; a day's or a copy's folder (digits only) names no server.
  auto several = [&](std::vector<std::pair<std::string, std::string>> file_roots) {
    std::vector<InputFile> files;
    for (const auto& [path, root] : file_roots) {
      InputFile f;
      f.path = path;
      f.root = root;
      files.push_back(f);
    }
    std::vector<ServerInput> table = AssignServers(&files, {});
    std::vector<std::string> names;
    for (const InputFile& f : files) names.push_back(table.at(f.server).name);
    return std::make_pair(names, table);
  };
  auto [g, tg] = several({{"/srv/EX01/SmtpSend/SEND2026030206-1.LOG", "/srv/EX01"},
                          {"/srv/EX02/SmtpSend/SEND2026030206-1.LOG", "/srv/EX02"},
                          {"/copy/EX03/SmtpSend/SEND2026030206-1.LOG", "/copy/EX03/SmtpSend"}});
  CHECK(g == std::vector<std::string>{"EX01", "EX02", "EX03"});
  CHECK(tg[2].how == "layout");
  CHECK(tg[2].paths == std::vector<std::string>{"/copy/EX03/SmtpSend"});
  auto [h, th] = several({{"/srv/EX01/SmtpSend/SEND2026030206-1.LOG", "/srv/EX01/SmtpSend"},
                          {"/srv/EX01/SmtpReceive/RECV2026030206-1.LOG", "/srv/EX01/SmtpReceive"},
                          {"/srv/2026-03-02/SEND2026030206-1.LOG", "/srv/2026-03-02"}});
  CHECK(h == std::vector<std::string>{"local", "local", "local"});
  auto [i, ti] = several({{"/srv/EX01/SEND2026030206-1.LOG", "/srv/EX01/SEND2026030206-1.LOG"},
                          {"/srv/EX02/SEND2026030206-1.LOG", "/srv/EX02/SEND2026030206-1.LOG"}});
  CHECK(i == std::vector<std::string>{"local", "local"});  // (files given one by one)
  // --server wins, the longest path first.
  auto [e, te] = assign({"/in/mbx1/SmtpSend/SEND2026030206-1.LOG", "/in/mbx2/SmtpSend/SEND2026030206-1.LOG"},
                        "/in", {{"ALL", "/in"}, {"EX09", "/in/mbx2"}});
  CHECK(e == std::vector<std::string>{"ALL", "EX09"});
  CHECK(te[1].how == "explicit");

  ServerPath sp;
  std::string error;
  CHECK(ParseServerPath("EX01=/logs/ex01", &sp, &error));
  CHECK((sp.name == "EX01" && sp.path == "/logs/ex01"));
  CHECK(!ParseServerPath("EX01", &sp, &error));
  CHECK(error.find("NAME=PATH") != std::string::npos);
}

TEST_CASE("Three servers with colliding session ids: each is counted apart and the totals add up",
          "[servers]") {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("sample", 5, &sc));
  TempDir dir;
  loggen::Result t1, t2, t3;
  GenerateServer(sc, dir.path(), "EX01", 60, &t1);
  GenerateServer(sc, dir.path(), "EX02", 50, &t2);
  GenerateServer(sc, dir.path(), "EX03", 40, &t3);
  Run all = Scan({dir.path().string()});
  REQUIRE(all.report.servers.size() == 3);
  int64_t sessions = 0, recipients = 0, failed = 0, failed_sessions = 0;
  for (const char* name : {"EX01", "EX02", "EX03"}) {
    Run one = Scan({(dir.path() / name).string()}, {{name, (dir.path() / name).string()}});
    const ServerReport* s = Server(all.report, name);
    REQUIRE(s != nullptr);
    CHECK(s->how == "layout");
    // Its receive connector ids (EX01\\Default Frontend EX01) confirm the name from the layout.
    CHECK(s->receive_connector_hosts == std::vector<std::string>{name});
    CHECK(s->sessions == one.report.totals.sessions);
    CHECK(s->recipients == one.report.totals.recipients);
    CHECK(s->failed_recipients == one.report.totals.failed_recipients);
    // The sample preset's missing IPv6 PTR (and more) on every server: ours, incident or not.
    CHECK(s->local_by_rule > 0);
    CHECK(s->local_by_rule == LocalByRule(one.report));
    CHECK(one.report.servers.at(0).local_by_rule == s->local_by_rule);
    sessions += one.report.totals.sessions;
    recipients += one.report.totals.recipients;
    failed += one.report.totals.failed_recipients;
    failed_sessions += one.report.totals.failed_sessions;
  }
  CHECK(all.report.totals.sessions == t1.sessions + t2.sessions + t3.sessions);
  CHECK(all.report.totals.sessions == sessions);
  CHECK(all.report.totals.recipients == recipients);
  CHECK(all.report.totals.failed_recipients == failed);
  CHECK(all.report.totals.failed_sessions == failed_sessions);
  CheckSummaryCounts(all.report);
  // A session id that every server used: investigate names the server of each session.
  std::string id;
  for (const DomainReport& d : all.report.domains) {
    for (const FailureGroup& g : d.failures) {
      if (id.empty() && g.sample_ref.find("EX01") != std::string::npos) id = g.sample_session;
    }
  }
  REQUIRE(!id.empty());
  std::string inv, inv_err;
  REQUIRE(RunCli("investigate " + id + " '" + dir.path().string() + "'", &inv, &inv_err) == 0);
  INFO(inv);
  CHECK(inv.find("Session " + id + " on EX01  ") != std::string::npos);
  CHECK((inv.find("Session " + id + " on EX02  ") != std::string::npos ||
         inv.find("Session " + id + " on EX03  ") != std::string::npos));
  std::ostringstream text;
  RenderText(all.report, RenderOptions(), text);
  INFO(text.str());
  const std::string ours = std::to_string(Server(all.report, "EX01")->local_by_rule) +
                           " failures whose reply puts them on our side\n";
  CHECK(text.str().find(ours) != std::string::npos);
  // --by-server: a domain's failures per server add up to its failures.
  for (const DomainReport& d : all.report.domains) {
    int64_t sum = 0;
    for (const auto& [server, n] : d.failures_by_server) sum += n;
    CHECK(sum == d.failures_total());
  }
}

TEST_CASE("A blocklist on one server's IP is that server's incident, not the others'",
          "[servers]") {
  TempDir dir;
  GenerateBlocklistOnEx02(dir.path());
  Run run = Scan({dir.path().string()});
  INFO(Describe(run.report));
  CheckSummaryCounts(run.report);
  const Incident* inc = IncidentOf(run.report, Family::kReputation);
  REQUIRE(inc != nullptr);
  CHECK(inc->scope == "server");
  CHECK(inc->servers == std::vector<std::string>{"EX02"});
  CHECK(inc->summary.en.rfind("EX02: ", 0) == 0);
  CHECK(inc->summary.en.find("EX01 and EX03 do not have it") != std::string::npos);
  CHECK(inc->summary.es.find("Solo en EX02") != std::string::npos);
  CHECK(Server(run.report, "EX02")->verdict == "local");
  CHECK(Server(run.report, "EX01")->verdict == "healthy");
  CHECK(Server(run.report, "EX03")->verdict == "healthy");
  CHECK(Server(run.report, "EX02")->local_by_rule > 0);
  for (const Incident& i : run.report.incidents) {
    CHECK(std::find(i.servers.begin(), i.servers.end(), "EX01") == i.servers.end());
  }
  // The incident counts EX02's failures of its family in its hours, not the few that EX01 and
  // EX03 had then too (each bucket of a failure group says whose its failures were).
  int64_t ex02 = 0, everyone = 0;
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound) continue;
    for (const FailureGroup& g : d.failures) {
      if (g.family != Family::kReputation) continue;
      for (const SeriesPoint& p : g.buckets) {
        if (p.start < inc->start || p.start >= inc->end) continue;
        everyone += p.failures;
        int64_t named = 0;
        for (const auto& [name, n] : p.servers) {
          named += n;
          if (name == "EX02") ex02 += n;
        }
        CHECK(named == p.failures);
      }
    }
  }
  CHECK(inc->failures == ex02);
  CHECK(everyone >= ex02);
  // The text and HTML reports show the servers and whose incident it is.
  std::ostringstream text, html;
  RenderText(run.report, RenderOptions(), text);
  CHECK(text.str().find("Servers (3)") != std::string::npos);
  CHECK(text.str().find("EX02  [OURS: its own incident]") != std::string::npos);
  CHECK(text.str().find("EX01  [healthy]") != std::string::npos);
  FindReporter("html")->render(run.report, RenderOptions(), html);
  CHECK(html.str().find("Servers (3)") != std::string::npos);
  // How each server was told, in words, and counts in the timeline in the singular for one.
  CHECK(html.str().find("(folder layout)") != std::string::npos);
  CHECK(html.str().find(": 1 failures ") == std::string::npos);
  CHECK(html.str().find(": 1 failure (") != std::string::npos);
  std::ostringstream html_es;
  RenderOptions es;
  es.lang = Lang::kEs;
  FindReporter("html")->render(run.report, es, html_es);
  CHECK(html_es.str().find("(estructura de carpetas)") != std::string::npos);
  CHECK(html_es.str().find(": 1 fallos ") == std::string::npos);
  CHECK(html_es.str().find(": 1 fallo (") != std::string::npos);
  CHECK(html.str().find("<td>EX02</td><td><span class=\"badge ours\">") != std::string::npos);
}

TEST_CASE("Receive logs of several servers read as one server are noted", "[servers]") {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("sample", 5, &sc));
  TempDir generated, flat;
  GenerateServer(sc, generated.path(), "EX01", 30);
  GenerateServer(sc, generated.path(), "EX02", 30);
  // One hour of each server's Receive log copied into one folder, numbered apart.
  int n = 0;
  for (const char* server : {"EX01", "EX02"}) {
    for (const auto& e : fs::directory_iterator(generated.path() / server / "SmtpReceive")) {
      std::string name = e.path().filename().string();
      if (name.rfind("RECV2026030208-", 0) != 0) continue;
      fs::copy_file(e.path(), flat.path() / ("RECV2026030208-" + std::to_string(++n) + ".LOG"));
    }
  }
  REQUIRE(n >= 2);
  Run run = Scan({flat.path().string()});
  REQUIRE(run.report.servers.size() == 1);
  const std::vector<SkippedFile>& notes = run.report.diagnostics.notes();
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].reason == "the Receive logs read as server 'local' name several servers (EX01, "
                           "EX02): session ids are unique only per server; give each server's "
                           "logs with --server NAME=PATH");
  // Each server's own folder: nothing to note.
  Run apart = Scan({(generated.path() / "EX01").string(), (generated.path() / "EX02").string()});
  CHECK(apart.report.servers.size() == 2);
  CHECK(apart.report.diagnostics.notes().empty());
}

TEST_CASE("An incident of one server takes only that server's failures", "[servers]") {
  // EX02's outbound connections time out from 15:00 (its firewall); in the same hours one
  // partner's server is down for EX01 too, and another partner blocklists EX01 for an hour.
  loggen::Scenario bad, good;
  REQUIRE(loggen::Preset("firewall", 9, &bad));
  good = bad;
  good.faults.clear();
  loggen::Scenario ex01 = good;
  const loggen::FaultWindow& outage = bad.faults.at(0);
  const std::string down = good.domains.at(5), blocking = good.domains.at(6);
  loggen::FaultWindow timeouts = outage, blocked = outage;
  timeouts.domains = {down};
  timeouts.start_ms = outage.start_ms + 2 * 3600 * 1000;
  timeouts.end_ms = timeouts.start_ms + 3 * 3600 * 1000;
  blocked.fault = loggen::Fault::kBlocklistSpamhaus;
  blocked.domains = {blocking};
  ex01.faults = {timeouts, blocked};
  TempDir dir;
  GenerateServer(ex01, dir.path(), "EX01", 120);
  GenerateServer(bad, dir.path(), "EX02", 120);
  GenerateServer(good, dir.path(), "EX03", 100);
  Run run = Scan({dir.path().string()});
  INFO(Describe(run.report));
  const Incident* inc = IncidentOf(run.report, Family::kConnection);
  REQUIRE(inc != nullptr);
  REQUIRE(inc->servers == std::vector<std::string>{"EX02"});
  // The failures of the incident's family in its hours, EX02's and everyone's.
  int64_t ex02 = 0, everyone = 0, down_local = 0, down_ex02 = 0;
  for (const DomainReport& d : run.report.domains) {
    if (d.direction != Direction::kOutbound) continue;
    for (const FailureGroup& g : d.failures) {
      if (g.family != Family::kConnection) continue;
      if (d.domain == down) down_local += g.local_count;
      for (const SeriesPoint& p : g.buckets) {
        if (p.start < inc->start || p.start >= inc->end) continue;
        everyone += p.failures;
        for (const auto& [name, n] : p.servers) {
          if (name != "EX02") continue;
          ex02 += n;
          if (d.domain == down) down_ex02 += n;
        }
      }
    }
  }
  CHECK(everyone > ex02);  // EX01's timeouts to the partner that was down
  CHECK(inc->failures == ex02);
  // The partner's outage is not ours on EX01: of its timeouts, only EX02's are.
  CHECK(down_local == down_ex02);
  CHECK(down_ex02 > 0);
  // EX01's own blocklisting is its failures on our side, not an incident of EX01.
  CHECK(Server(run.report, "EX01")->verdict == "healthy");
  CHECK(Server(run.report, "EX01")->local_by_rule > 0);
}

TEST_CASE("investigate counts a failure as ours by the incidents of its own server like scan",
          "[servers][investigate]") {
  // EX02's outbound connections time out from 15:00 (its firewall); from 17:00 to 20:00 one
  // partner's server is down, and EX01's connections to it time out too: those are the
  // partner's, as scan says, not EX02's incident's.
  loggen::Scenario bad, good;
  REQUIRE(loggen::Preset("firewall", 9, &bad));
  good = bad;
  const std::string down = good.domains.at(5);
  loggen::FaultWindow timeouts = bad.faults.at(0);
  timeouts.domains = {down};
  timeouts.start_ms = bad.faults.at(0).start_ms + 2 * 3600 * 1000;
  timeouts.end_ms = timeouts.start_ms + 3 * 3600 * 1000;
  good.faults = {timeouts};
  TempDir dir;
  GenerateServer(good, dir.path(), "EX01", 120);
  GenerateServer(bad, dir.path(), "EX02", 120);
  Run run = Scan({dir.path().string()});
  INFO(Describe(run.report));
  const Incident* inc = IncidentOf(run.report, Family::kConnection);
  REQUIRE(inc != nullptr);
  REQUIRE(inc->scope == "server");
  REQUIRE(inc->servers == std::vector<std::string>{"EX02"});
  const DomainReport* scanned = nullptr;
  for (const DomainReport& d : run.report.domains) {
    if (d.domain == down && d.direction == Direction::kOutbound) scanned = &d;
  }
  REQUIRE(scanned != nullptr);
  int64_t scan_local = 0;
  for (const FailureGroup& g : scanned->failures) scan_local += g.local_count;

  std::string out, err;
  REQUIRE(RunCli("investigate " + down + " '" + dir.path().string() + "' --format json", &out,
                 &err) == 0);
  const nlohmann::json j = nlohmann::json::parse(out);
  INFO(scanned->verdict_summary.en << "\n" << j["verdict"].dump());
  CHECK(j["failures"] == scanned->failures_total());
  CHECK(j["local_failures"] == scan_local);
  int64_t ex01 = 0, ex01_local = 0;
  for (const nlohmann::json& o : j["occurrences"]) {
    if (o["ref"].get<std::string>().find("/EX01/") == std::string::npos) continue;
    ++ex01;
    ex01_local += o["side"] == "local";
  }
  CHECK(ex01 > 0);
  CHECK(ex01_local == 0);
  CHECK(j["verdict"]["side"] == scanned->verdict);
}

TEST_CASE("A firewall outage on every server is organisation-wide", "[servers]") {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("firewall", 4, &sc));
  TempDir dir;
  GenerateServer(sc, dir.path(), "EX01", 120);
  GenerateServer(sc, dir.path(), "EX02", 100);
  GenerateServer(sc, dir.path(), "EX03", 90);
  Run run = Scan({dir.path().string()});
  INFO(Describe(run.report));
  const Incident* inc = IncidentOf(run.report, Family::kConnection);
  REQUIRE(inc != nullptr);
  CHECK(inc->scope == "organisation");
  CHECK(inc->servers == std::vector<std::string>{"EX01", "EX02", "EX03"});
  CHECK(inc->summary.en.find("organisation-wide") != std::string::npos);
  for (const ServerReport& s : run.report.servers) CHECK(s.verdict == "organisation");
}

TEST_CASE("merge of the servers' own reports equals one run over all their logs", "[servers]") {
  TempDir dir;
  GenerateBlocklistOnEx02(dir.path());
  Run all = Scan({dir.path().string()});

  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  AggregatorOptions options;
  options.by_server = true;
  Aggregator merged(rules.get(), options);
  for (const char* name : {"EX03", "EX01", "EX02"}) {  // any order
    Run one = Scan({(dir.path() / name).string()}, {{name, (dir.path() / name).string()}});
    std::ostringstream json;
    RenderJson(one.report, RenderOptions(), json);
    Status s = merged.Absorb(nlohmann::json::parse(json.str()));
    INFO(s.message());
    REQUIRE(s.ok());
  }
  Report m;
  merged.Finish(&m);

  const Totals &a = all.report.totals, &b = m.totals;
  CHECK(b.sessions == a.sessions);
  CHECK(b.failed_sessions == a.failed_sessions);
  CHECK(b.messages == a.messages);
  CHECK(b.recipients == a.recipients);
  CHECK(b.failed_recipients == a.failed_recipients);
  CHECK(b.connect_failures == a.connect_failures);
  CHECK(m.period_start == all.report.period_start);
  CHECK(m.period_end == all.report.period_end);
  CHECK(m.logs_end == all.report.logs_end);
  CHECK(m.logs_end > 0);
  REQUIRE(m.servers.size() == 3);
  for (const ServerReport& s : all.report.servers) {
    const ServerReport* t = Server(m, s.name);
    REQUIRE(t != nullptr);
    CHECK(t->sessions == s.sessions);
    CHECK(t->failed_recipients == s.failed_recipients);
    CHECK(t->local_by_rule == s.local_by_rule);
    CHECK(t->verdict == s.verdict);
  }
  INFO("single run:\n" << Describe(all.report) << "merged:\n" << Describe(m));
  REQUIRE(m.incidents.size() == all.report.incidents.size());
  REQUIRE(!m.incidents.empty());
  for (size_t i = 0; i < m.incidents.size(); ++i) {
    const Incident &x = all.report.incidents[i], &y = m.incidents[i];
    CHECK(y.family == x.family);
    CHECK(y.start == x.start);
    CHECK(y.end == x.end);
    CHECK(y.open == x.open);
    CHECK(y.domains == x.domains);
    CHECK(y.failures == x.failures);
    CHECK(y.servers == x.servers);
    CHECK(y.scope == x.scope);
    CHECK(y.summary.en == x.summary.en);
  }
  CHECK(m.verdict.summary.en == all.report.verdict.summary.en);
  REQUIRE(m.domains.size() == all.report.domains.size());
  for (size_t i = 0; i < m.domains.size(); ++i) {
    CHECK(m.domains[i].domain == all.report.domains[i].domain);
    CHECK(m.domains[i].failures_total() == all.report.domains[i].failures_total());
    CHECK(m.domains[i].verdict == all.report.domains[i].verdict);
    CHECK(m.domains[i].failures_by_server == all.report.domains[i].failures_by_server);
  }
}

TEST_CASE("merge keeps a server's first eight receive connector hosts, as a scan does",
          "[servers]") {
  std::ostringstream json;
  Run one = Scan({std::string(SMTPTRIAGE_SOURCE_DIR) + "/sample_logs"});
  RenderJson(one.report, RenderOptions(), json);
  nlohmann::json report = nlohmann::json::parse(json.str());
  REQUIRE(!report["servers"].empty());
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  Aggregator merged(rules.get(), AggregatorOptions());
  // Two reports of the same server, six hosts each, two of them in both.
  for (const auto& hosts : {std::vector<std::string>{"A", "B", "C", "D", "E", "F"},
                            std::vector<std::string>{"E", "F", "G", "H", "I", "J"}}) {
    report["servers"][0]["receive_connector_hosts"] = hosts;
    REQUIRE(merged.Absorb(report).ok());
  }
  Report m;
  merged.Finish(&m);
  REQUIRE(!m.servers.empty());
  CHECK(m.servers[0].receive_connector_hosts ==
        std::vector<std::string>{"A", "B", "C", "D", "E", "F", "G", "H"});
}

TEST_CASE("merge refuses what is not a report, naming what is wrong", "[servers]") {
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  Aggregator merged(rules.get(), AggregatorOptions());
  Status s = merged.Absorb(nlohmann::json::parse(R"({"schema": "smtptriage/report@1"})"));
  CHECK(!s.ok());
  CHECK(s.message().find("timeline") != std::string::npos);
  s = merged.Absorb(nlohmann::json::parse(R"({"schema": "other"})"));
  CHECK(s.message().find("not a report") != std::string::npos);
  // Other JSON: said in words, not in the JSON library's.
  for (const char* other : {R"({"injected": []})", "[1, 2]"}) {
    s = merged.Absorb(nlohmann::json::parse(other));
    CHECK(s.message().find("not a report: it has no \"schema\"") == 0);
  }
  s = merged.Absorb(nlohmann::json::parse(R"({"schema": "smtptriage/report@1", "timeline": {}})"));
  CHECK(s.message().find("timeline.bucket_seconds: key 'bucket_seconds' not found") == 0);
  CHECK(s.message().find("json.exception") == std::string::npos);
}

TEST_CASE("merge of one report gives that report back, in every format", "[servers]") {
  TempDir dir;
  const std::string fixed = " --now 2026-03-03T00:00:00Z --tz UTC --lang en";
  const std::string report = (dir.path() / "a.json").string();
  std::string scan_json, scan_text, merged, err;
  REQUIRE(RunCli("scan " + std::string(SMTPTRIAGE_SOURCE_DIR) + "/sample_logs --format json -o '" +
                     report + "'" + fixed,
                 &scan_json, &err) == 0);
  std::ifstream in(report);
  scan_json.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  REQUIRE(!scan_json.empty());
  REQUIRE(RunCli("merge '" + report + "'" + fixed, &merged, &err) == 0);
  CHECK(merged == scan_json);
  REQUIRE(RunCli("scan " + std::string(SMTPTRIAGE_SOURCE_DIR) + "/sample_logs" + fixed, &scan_text,
                 &err) == 0);
  REQUIRE(RunCli("merge --format text '" + report + "'" + fixed, &merged, &err) == 0);
  CHECK(merged == scan_text);

  // Not a report: exit 2 naming the file; a bucket of another size: said so.
  const std::string bad = (dir.path() / "bad.json").string();
  std::ofstream(bad) << "{\"schema\": \"smtptriage/report@1\", \"timeline\": {}}";
  CHECK(RunCli("merge '" + bad + "'", &merged, &err) == 2);
  CHECK(err.find(bad) != std::string::npos);
  CHECK(RunCli("merge --bucket 30m '" + report + "'", &merged, &err) == 2);
  CHECK(err.find("its time buckets are 3600 s (timeline.bucket_seconds), --bucket is 1800 s") !=
        std::string::npos);
  CHECK(RunCli("merge --format ndjson '" + report + "'", &merged, &err) == 2);
  // The same report twice would double every count; a copy of it under another name too.
  const std::string copy = (dir.path() / "copy.json").string();
  std::filesystem::copy_file(report, copy);
  CHECK(RunCli("merge '" + report + "' '" + copy + "'", &merged, &err) == 2);
  CHECK(err.find(copy + " is the same report as " + report) != std::string::npos);
  CHECK(RunCli("merge '" + report + "' '" + (dir.path() / "none.json").string() + "'", &merged,
               &err) == 3);
  CHECK(err.find("none.json: cannot read (no such file)") != std::string::npos);
}

TEST_CASE("merge warns when two servers' reports both call their server 'local'", "[servers]") {
  TempDir dir;
  QuietDayOfTwoServers(dir.path());
  std::string out, err;
  std::vector<std::string> reports;
  for (const char* name : {"EX01", "EX03"}) {
    // One server's folder on its own, without --server: named "local".
    std::string report = (dir.path() / (std::string(name) + ".json")).string();
    REQUIRE(RunCli("scan '" + (dir.path() / name).string() + "' --format json -o '" + report + "'",
                   &out, &err) == 0);
    reports.push_back(report);
  }
  REQUIRE(RunCli("merge '" + reports[0] + "' '" + reports[1] + "' --format json", &out, &err) ==
          0);
  INFO(err);
  CHECK(err.find("warning: " + reports[0] + " and " + reports[1] +
                 " both call their server 'local', but their receive connectors name EX01 and "
                 "EX03") != std::string::npos);
  // The same server's report twice over two periods is not two servers: no warning.
  const std::string early = (dir.path() / "early.json").string();
  const std::string late = (dir.path() / "late.json").string();
  const std::string ex01 = "'" + (dir.path() / "EX01").string() + "' --format json -o '";
  REQUIRE(RunCli("scan " + ex01 + early + "' --until 2026-03-02T12:00:00Z", &out, &err) == 0);
  REQUIRE(RunCli("scan " + ex01 + late + "' --since 2026-03-02T12:00:00Z", &out, &err) == 0);
  REQUIRE(RunCli("merge '" + early + "' '" + late + "'", &out, &err) == 0);
  CHECK(err.find("warning") == std::string::npos);
}

TEST_CASE("merge warns when two reports read the same server's logs for the same time",
          "[servers]") {
  TempDir dir;
  QuietDayOfTwoServers(dir.path());
  std::string out, err;
  auto scan = [&](const std::string& report, const std::string& what) {
    REQUIRE(RunCli("scan " + what + " --format json -o '" + (dir.path() / report).string() + "'",
                   &out, &err) == 0);
    return (dir.path() / report).string();
  };
  auto merge = [&](const std::string& a, const std::string& b) {
    REQUIRE(RunCli("merge '" + a + "' '" + b + "'", &out, &err) == 0);
    return err;
  };
  auto quoted = [&](const fs::path& p) { return "'" + (dir.path() / p).string() + "'"; };
  const std::string ex01 = quoted("EX01");
  const std::string day = scan("day.json", ex01);
  const std::string late = scan("late.json", ex01 + " --since 2026-03-02T12:00:00Z");
  // The whole day, then its afternoon again: the afternoon's failures would count twice.
  std::string said = merge(day, late);
  INFO(said);
  CHECK(said.find("warning: " + day + " and " + late + " both read the logs of server EX01 from "
                  "2026-03-02T12:00:") != std::string::npos);
  CHECK(said.find("counted twice") != std::string::npos);
  // The warning says what happened; the merge itself is not refused.
  const nlohmann::json whole_day = nlohmann::json::parse(std::ifstream(day));
  CHECK(nlohmann::json::parse(out)["totals"]["sessions"] > whole_day["totals"]["sessions"]);
  REQUIRE(RunCli("merge -q '" + day + "' '" + late + "'", &out, &err) == 0);
  CHECK(err.empty());
  // Runs whose periods touch, or overlap by the seconds a schedule drifts: nothing to say.
  const std::string until = scan("until.json", ex01 + " --until 2026-03-02T12:00:30Z");
  CHECK(merge(until, late).find("counted twice") == std::string::npos);
  // Another server the same day, even under the same default name: no overlap.
  CHECK(merge(day, scan("other.json", quoted("EX03"))).find("counted twice") ==
        std::string::npos);
  // The same server's logs in another folder (as its front-end and hub transport logs are,
  // files of the same names): other sessions, though its receive connectors name the same host.
  fs::create_directories(dir.path() / "other" / "SmtpReceive");
  for (const auto& f : fs::directory_iterator(dir.path() / "EX01" / "SmtpReceive")) {
    std::ofstream(dir.path() / "other" / "SmtpReceive" / f.path().filename(), std::ios::binary)
        << Slurp(f.path()) << "#Comment: another folder's file\r\n";
  }
  const std::string receive = scan("receive.json", quoted("EX01/SmtpReceive"));
  const std::string other = scan("other.json", quoted("other/SmtpReceive"));
  CHECK(merge(receive, other).find("counted twice") == std::string::npos);
  CHECK(merge(receive, day).find("both read the logs of server EX01") != std::string::npos);
  // The same files read through another path (here a copy; as well a share, or a relative path
  // against an absolute one): the same logs, counted twice.
  fs::create_directories(dir.path() / "copy");
  fs::copy(dir.path() / "EX01" / "SmtpReceive", dir.path() / "copy" / "SmtpReceive");
  const std::string copy = scan("copy.json", quoted("copy/SmtpReceive"));
  CHECK(merge(receive, copy).find("both read the logs of server EX01") != std::string::npos);
  const std::string dotted = scan("dotted.json", quoted("EX01/../EX01/SmtpReceive"));
  CHECK(merge(receive, dotted).find("both read the logs of server EX01") != std::string::npos);
  // A report of both servers has one period for the two: it is not weighed.
  CHECK(merge(scan("both.json", dir.path().string()), late).find("counted twice") ==
        std::string::npos);
  // Send logs alone name no receive connector: the name given by --server says it, in any case.
  const std::string send = quoted("EX01/SmtpSend");
  const std::string named = scan("named.json", "--server EX01=" + send + " " + send);
  const std::string named_late = scan("named-late.json", "--server ex01=" + send + " " + send +
                                                             " --since 2026-03-02T18:00:00Z");
  CHECK(nlohmann::json::parse(std::ifstream(named))["servers"][0]["receive_connector_hosts"]
            .empty());
  CHECK(merge(named, named_late).find("both read the logs of server EX01 from "
                                      "2026-03-02T18:00:") != std::string::npos);
  // And named on one side, told by its receive connectors on the other.
  CHECK(merge(named, day).find("both read the logs of server EX01") != std::string::npos);
  // Two servers' Send logs, each scanned under the default name: nothing says they are one.
  CHECK(merge(scan("plain01.json", send), scan("plain03.json", quoted("EX03/SmtpSend")))
            .find("counted twice") == std::string::npos);
}

TEST_CASE("merge gives the same period whatever the order of its reports", "[servers]") {
  // A day with mail and a day without (its report has --since and --until, and no session).
  TempDir dir;
  const std::string logs = std::string(SMTPTRIAGE_SOURCE_DIR) + "/sample_logs";
  const std::string busy = (dir.path() / "busy.json").string();
  const std::string quiet = (dir.path() / "quiet.json").string();
  std::string out, err;
  REQUIRE(RunCli("scan " + logs + " --format json -q -o '" + busy + "'", &out, &err) == 0);
  REQUIRE(RunCli("scan " + logs + " --since 2026-03-05T00:00Z --until 2026-03-06T00:00Z " +
                     "--format json -q -o '" + quiet + "'",
                 &out, &err) == 0);
  std::string first, second;
  REQUIRE(RunCli("merge '" + busy + "' '" + quiet + "' --now 2026-03-07T00:00:00Z", &first,
                 &err) == 0);
  REQUIRE(RunCli("merge '" + quiet + "' '" + busy + "' --now 2026-03-07T00:00:00Z", &second,
                 &err) == 0);
  nlohmann::json a = nlohmann::json::parse(first), b = nlohmann::json::parse(second);
  CHECK(a["period"] == b["period"]);
  CHECK(a["totals"] == b["totals"]);
}

TEST_CASE("The servers that refused mail to us for reasons of their own are named", "[servers]") {
  // The sample day on EX01 and EX03: each refuses one message to us for back pressure (its queue
  // disk nearly full), which is theirs to fix, not a policy.
  TempDir dir;
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("sample", 1, &sc));
  for (const char* name : {"EX01", "EX03"}) {
    sc.server = name;
    loggen::Result truth;
    REQUIRE(loggen::Generate(sc, (dir.path() / name).string(), &truth).ok());
  }
  std::string out, err;
  REQUIRE(RunCli("scan --by-server '" + dir.path().string() + "'", &out, &err) == 0);
  const std::string headline = out.substr(0, out.find('\n'));
  INFO(headline);
  CHECK(headline.find("EX01 and EX03 refused mail sent to us for reasons on our side: "
                      "system_full (2).") != std::string::npos);
  // One server on its own: "our own server".
  REQUIRE(RunCli("scan '" + (dir.path() / "EX01").string() + "'", &out, &err) == 0);
  CHECK(out.substr(0, out.find('\n'))
            .find("our own server refused mail sent to us for reasons on our side: system_full "
                  "(1).") != std::string::npos);
}

TEST_CASE("merge warns when a report was made with other incident settings", "[servers]") {
  TempDir dir;
  const std::string five = (dir.path() / "five.json").string();
  std::string out, err;
  REQUIRE(RunCli("scan sample_logs --format json --min-domains 5 -o '" + five + "'", &out, &err) ==
          0);
  REQUIRE(RunCli("merge '" + five + "'", &out, &err) == 0);
  CHECK(err.find("warning: " + five + " was made with --min-domains 5; the merged report finds "
                 "local incidents with --min-domains 3") != std::string::npos);
  REQUIRE(RunCli("merge --min-domains 5 '" + five + "'", &out, &err) == 0);
  CHECK(err.find("warning") == std::string::npos);
  REQUIRE(RunCli("merge --min-spread 0.5 --min-domains 5 '" + five + "'", &out, &err) == 0);
  CHECK(err.find("was made with --min-spread 0.20") != std::string::npos);
}
