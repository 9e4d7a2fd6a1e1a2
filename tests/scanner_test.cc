#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "smtptriage/aggregator.h"
#include "smtptriage/loggen.h"
#include "smtptriage/progress.h"
#include "smtptriage/reporters.h"
#include "smtptriage/scanner.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
namespace fs = std::filesystem;

namespace {

void Write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::vector<SessionRecord> ScanWith(const fs::path& dir, unsigned jobs, ScanStats* stats = nullptr) {
  Diagnostics diag;
  std::ostringstream log;
  std::vector<InputFile> files = FindInputs({dir.string()}, &diag, false, log);
  CollectSink sink;
  Report report;
  ScanControl control;
  control.jobs = jobs;
  ScanStats s = ScanFiles(files, &sink, MatcherOptions(), &diag, &report, control);
  if (stats != nullptr) *stats = s;
  return std::move(sink.sessions);
}

struct RunShape {
  bool servers = false;  // a server table (AssignServers) and counts per server
  bool listen = false;   // a failure listener, which makes the aggregator take every session itself
};

// The JSON report of a run over `dir` with `jobs` threads, and its totals.
std::string JsonReport(const fs::path& dir, unsigned jobs, const Classifier& rules,
                       Totals* totals = nullptr, RunShape shape = {}) {
  Report report;
  std::ostringstream log;
  std::vector<InputFile> files = FindInputs({dir.string()}, &report.diagnostics, false, log);
  std::vector<ServerInput> servers;
  if (shape.servers) servers = AssignServers(&files, {});
  std::vector<std::string> names;
  for (const InputFile& f : files) names.push_back(f.path);
  AggregatorOptions options;
  options.file_names = &names;
  if (shape.servers) {
    options.servers = &servers;
    options.by_server = true;
  }
  Aggregator aggregator(&rules, options);
  int64_t heard = 0;
  if (shape.listen) aggregator.SetFailureListener([&](const FailureEvent&) { ++heard; });
  ScanControl control;
  control.jobs = jobs;
  int calls = 0;
  control.progress = [&](const ScanProgress& p) {
    ++calls;
    CHECK(p.files_done <= p.files_total);
    CHECK(p.bytes_done <= p.bytes_total);
  };
  ScanFiles(files, &aggregator, MatcherOptions(), &report.diagnostics, &report, control);
  CHECK(calls == static_cast<int>(files.size()) + 1);
  aggregator.Finish(&report);
  if (shape.listen) {
    int64_t failures = 0;
    for (const DomainReport& d : report.domains) failures += d.failures_total();
    CHECK(heard == failures);
  }
  if (totals != nullptr) *totals = report.totals;
  std::ostringstream out;
  RenderJson(report, RenderOptions(), out);
  return out.str();
}

}  // namespace

TEST_CASE("A session cut by a file rotation comes out as one session, with any number of jobs",
          "[scanner]") {
  TempDir dir;
  const std::string id = "08DE6D209E9D3031";
  // The session begins with "*" rows before its "+" (sequence 0 is its first row), and a second
  // session begins and ends inside the second file.
  Write(dir.path() / "SmtpSend" / "SEND2026030206-1.LOG",
        Header() + Lines({Row(id, 1, 0, '*', "SendRoutingHeaders", "Set Session Permissions"),
                          Row(id, 1, 1, '*', "", "attempting to connect"),
                          Row(id, 2, 2, '+', ""), Row(id, 2, 3, '<', "220 mx.example.com"),
                          Row(id, 3, 4, '>', "EHLO ex01.contoso.com"),
                          Row(id, 3, 5, '<', "250 mx.example.com"),
                          Row(id, 4, 6, '>', "MAIL FROM:<a@contoso.com>"),
                          Row(id, 4, 7, '>', "RCPT TO:<b@example.com>")}));
  Write(dir.path() / "SmtpSend" / "SEND2026030206-2.LOG",
        Header() + Lines({Row(id, 5, 8, '<', "250 2.1.0 Sender OK"),
                          Row("08DE6D209E9D3032", 5, 0, '+', ""),
                          Row(id, 5, 9, '<', "550 5.1.1 User unknown"),
                          Row("08DE6D209E9D3032", 6, 1, '<', "220 mx.example.org"),
                          Row(id, 6, 10, '>', "QUIT"), Row(id, 6, 11, '-', "", "Local"),
                          Row("08DE6D209E9D3032", 7, 2, '-', "", "Local")}));
  for (unsigned jobs : {1u, 2u, 4u}) {
    INFO("jobs " << jobs);
    ScanStats stats;
    std::vector<SessionRecord> sessions = ScanWith(dir.path(), jobs, &stats);
    REQUIRE(sessions.size() == 2);
    CHECK(stats.matcher.sessions == 2);
    CHECK(stats.matcher.events == 15);
    const SessionRecord* s = nullptr;
    for (const SessionRecord& r : sessions) {
      if (r.session == id) s = &r;
    }
    REQUIRE(s != nullptr);
    REQUIRE(s->messages.size() == 1);
    REQUIRE(s->messages[0].recipients.size() == 1);
    const RecipientOutcome& rcpt = s->messages[0].recipients[0];
    CHECK(rcpt.state == RecipientState::kFailed);
    REQUIRE(rcpt.failure.has_value());
    CHECK(rcpt.failure->enhanced == "5.1.1");
    CHECK(s->first_ref.file == 0);
    CHECK(rcpt.failure->ref.file == 1);
    CHECK(s->closed_cleanly);
  }
}

namespace {

void Append(std::vector<std::string>& rows, const std::vector<std::string>& more) {
  rows.insert(rows.end(), more.begin(), more.end());
}

// `row` (made by Row(), at 06:mm:ss) moved to another hour of the same day.
std::string AtHour(int hour, std::string row) {
  row[11] = static_cast<char>('0' + hour / 10);
  row[12] = static_cast<char>('0' + hour % 10);
  return row;
}

// A session whose rows stop once the remote has accepted its recipient, at `sec` past 06:00;
// with `error`, an information row says so first.
std::vector<std::string> StopsAfterRcpt(const std::string& id, int sec, const std::string& rcpt,
                                        const std::string& error = "") {
  int seq = 0;
  std::vector<std::string> rows = {
      Row(id, sec, seq++, '*', "", "attempting to connect"),
      Row(id, sec, seq++, '+', ""),
      Row(id, sec, seq++, '<', "220 mx.example.com"),
      Row(id, sec, seq++, '>', "EHLO ex01.contoso.com"),
      Row(id, sec, seq++, '<', "250 mx.example.com"),
      Row(id, sec, seq++, '>', "MAIL FROM:<a@contoso.com>"),
      Row(id, sec, seq++, '>', "RCPT TO:<" + rcpt + ">"),
      Row(id, sec, seq++, '<', "250 2.1.0 Sender OK"),
      Row(id, sec, seq++, '<', "250 2.1.5 Recipient OK"),
  };
  if (!error.empty()) rows.push_back(Row(id, sec + 1, seq++, '*', "", error));
  return rows;
}

// Sessions that deliver to example.org, one every ten minutes of `hour` from `minute` on: the
// log goes on.
std::vector<std::string> Traffic(int hour, int minute, const std::string& prefix) {
  std::vector<std::string> rows;
  for (int m = minute; m < 60; m += 10) {
    for (const std::string& r : SendSession(prefix + std::to_string(10 + m), m * 60, "<t@x>",
                                            "u@example.org", "250 2.1.5 Ok")) {
      rows.push_back(AtHour(hour, r));
    }
  }
  return rows;
}

const RecipientOutcome& OnlyRecipient(const std::vector<SessionRecord>& sessions,
                                      const std::string& id) {
  for (const SessionRecord& s : sessions) {
    if (s.session == id && s.messages.size() == 1 && s.messages[0].recipients.size() == 1) {
      return s.messages[0].recipients[0];
    }
  }
  FAIL("no session " << id << " with one recipient");
  static RecipientOutcome none;
  return none;
}

const SessionRecord& Session(const std::vector<SessionRecord>& sessions, const std::string& id) {
  for (const SessionRecord& s : sessions) {
    if (s.session == id) return s;
  }
  FAIL("no session " << id);
  static SessionRecord none;
  return none;
}

}  // namespace

TEST_CASE("A session cut off where the logs stop is open at the end, not a lost connection",
          "[scanner]") {
  // The hour-06 file ends while two sessions wait for their next rows; the hour-07 file is
  // missing, and the hour-08 one goes on without them. One of them had said the connection was
  // lost: that one failed.
  TempDir dir;
  const std::string cut = "08DE6D209E9D4001", dropped = "08DE6D209E9D4002";
  std::vector<std::string> first = Traffic(6, 0, "08DE6D209E9D50");
  Append(first, StopsAfterRcpt(cut, 55 * 60, "b@example.com"));
  Append(first, StopsAfterRcpt(dropped, 56 * 60, "c@example.com",
                               "421 4.4.2 Connection dropped due to SocketError"));
  Write(dir.path() / "SmtpSend" / "SEND2026030206-1.LOG", Header() + Lines(first));
  Write(dir.path() / "SmtpSend" / "SEND2026030208-1.LOG",
        Header() + Lines(Traffic(8, 0, "08DE6D209E9D60")));
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  Totals totals;
  std::string single = JsonReport(dir.path(), 1, *rules, &totals);
  CHECK(totals.failed_recipients == 1);
  CHECK(totals.failed_sessions == 1);
  CHECK(totals.open_at_end == 1);
  CHECK(totals.closed_idle == 0);
  for (unsigned jobs : {1u, 2u, 3u}) {
    INFO("jobs " << jobs);
    ScanStats stats;
    std::vector<SessionRecord> sessions = ScanWith(dir.path(), jobs, &stats);
    CHECK(stats.matcher.open_at_end == 1);
    CHECK(stats.matcher.closed_idle == 0);
    const SessionRecord& s = Session(sessions, cut);
    CHECK(s.open_at_end);
    CHECK(s.close_reason == "open at a gap in the logs");
    const RecipientOutcome& b = OnlyRecipient(sessions, cut);
    CHECK(b.state == RecipientState::kAccepted);
    CHECK_FALSE(b.failure.has_value());
    const RecipientOutcome& c = OnlyRecipient(sessions, dropped);
    CHECK(c.state == RecipientState::kFailed);
    REQUIRE(c.failure.has_value());
    CHECK(c.failure->stage == Stage::kLost);
    CHECK(c.failure->text.find("SocketError") != std::string::npos);
    CHECK_FALSE(Session(sessions, dropped).open_at_end);
    if (jobs > 1) CHECK(JsonReport(dir.path(), jobs, *rules) == single);
  }
}

TEST_CASE("A file cut short is a gap: its open sessions are not lost connections", "[scanner]") {
  // The hour-06 file stops at 06:20 (damaged); the hour-07 file is whole.
  TempDir dir;
  const std::string cut = "08DE6D209E9D4001";
  std::vector<std::string> first = Traffic(6, 0, "08DE6D209E9D50");
  first.resize(first.size() * 2 / 6);  // its sessions of 06:00 and 06:10
  Append(first, StopsAfterRcpt(cut, 19 * 60, "b@example.com"));
  Write(dir.path() / "SmtpSend" / "SEND2026030206-1.LOG", Header() + Lines(first));
  Write(dir.path() / "SmtpSend" / "SEND2026030207-1.LOG",
        Header() + Lines(Traffic(7, 0, "08DE6D209E9D60")));
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    std::vector<SessionRecord> sessions = ScanWith(dir.path(), jobs);
    CHECK(Session(sessions, cut).open_at_end);
    CHECK(OnlyRecipient(sessions, cut).state == RecipientState::kAccepted);
  }
}

TEST_CASE("A session the next file goes on without is lost; one it goes on with is whole",
          "[scanner]") {
  // No gap: the hour-07 file starts before the idle timeout of the session that stops at 06:58
  // could run out, and goes on for an hour without a row of it. Another session spans the two.
  TempDir dir;
  const std::string stops = "08DE6D209E9D4001", spans = "08DE6D209E9D4003";
  std::vector<std::string> first = Traffic(6, 0, "08DE6D209E9D50");
  Append(first, StopsAfterRcpt(stops, 58 * 60, "b@example.com"));
  std::vector<std::string> across = StopsAfterRcpt(spans, 59 * 60 + 59, "d@example.com");
  Append(first, across);
  std::vector<std::string> second = {
      AtHour(7, Row(spans, 1, 9, '>', "BDAT 1200 LAST")),
      AtHour(7, Row(spans, 1, 10, '<', "250 2.6.0 Queued mail for delivery")),
      AtHour(7, Row(spans, 2, 11, '>', "QUIT")),
      AtHour(7, Row(spans, 2, 12, '-', "", "Local")),
  };
  Append(second, Traffic(7, 1, "08DE6D209E9D60"));
  Write(dir.path() / "SmtpSend" / "SEND2026030206-1.LOG", Header() + Lines(first));
  Write(dir.path() / "SmtpSend" / "SEND2026030207-1.LOG", Header() + Lines(second));
  for (unsigned jobs : {1u, 2u}) {
    INFO("jobs " << jobs);
    ScanStats stats;
    std::vector<SessionRecord> sessions = ScanWith(dir.path(), jobs, &stats);
    CHECK(stats.matcher.open_at_end == 0);
    CHECK(stats.matcher.closed_idle == 1);
    const RecipientOutcome& b = OnlyRecipient(sessions, stops);
    CHECK(b.state == RecipientState::kFailed);
    REQUIRE(b.failure.has_value());
    CHECK(b.failure->stage == Stage::kLost);
    CHECK(Session(sessions, stops).close_reason == "no activity for 10 minutes");
    const SessionRecord& whole = Session(sessions, spans);
    CHECK(whole.closed_cleanly);
    CHECK(whole.first_ref.file == 0);
    CHECK(OnlyRecipient(sessions, spans).state == RecipientState::kDelivered);
  }
}

TEST_CASE("The same session id in two servers' folders is two sessions", "[scanner]") {
  TempDir dir;
  const std::string id = "08DE6D209E9D3031";
  for (const char* server : {"EX01", "EX02"}) {
    fs::path folder = dir.path() / server / "SmtpSend";
    Write(folder / "SEND2026030206-1.LOG",
          Header() + Lines({Row(id, 1, 0, '+', ""), Row(id, 2, 1, '<', "220 mx.example.com")}));
    // The next file of each folder goes on with that folder's session.
    Write(folder / "SEND2026030206-2.LOG",
          Header() + Lines({Row(id, 3, 2, '>', "QUIT"), Row(id, 4, 3, '-', "", "Local")}));
  }
  for (unsigned jobs : {1u, 3u}) {
    std::vector<SessionRecord> sessions = ScanWith(dir.path(), jobs);
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0].first_ref.file != sessions[1].first_ref.file);
    for (const SessionRecord& s : sessions) {
      CHECK(s.closed_cleanly);  // its "-" row was in the folder's second file
      CHECK(s.end - s.start == 3003);  // Row() puts the sequence number in the milliseconds
    }
  }
}

TEST_CASE("A parallel read gives the same report as a single-threaded one", "[scanner]") {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("sample", 11, &sc));
  sc.max_file_bytes = 48 << 10;  // many rotations, many sessions cut by them
  sc.straddle_hours = true;
  sc.background_greylist = 0.05;  // and messages delivered on retry, some in the next file
  TempDir dir;
  loggen::Result truth;
  REQUIRE(loggen::Generate(sc, dir.path().string(), &truth).ok());
  REQUIRE(truth.files.size() > 12);
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  Totals totals;
  std::string single = JsonReport(dir.path(), 1, *rules, &totals);
  CHECK(totals.sessions == truth.sessions);
  CHECK(totals.auth_failures > 0);
  CHECK(totals.connect_failures > 0);  // failures whose domain is learned at the end
  for (unsigned jobs : {2u, 3u, 8u}) {
    INFO("jobs " << jobs);
    CHECK(JsonReport(dir.path(), jobs, *rules) == single);
  }
  // Sessions handed over one by one (a listener hears every failure) give the same report.
  CHECK(JsonReport(dir.path(), 2, *rules, nullptr, {false, true}) == single);
  int64_t retried = 0;
  const nlohmann::json report = nlohmann::json::parse(single);
  for (const auto& d : report["domains"]) {
    for (const auto& g : d["failures"]) retried += g["delivered_on_retry"].get<int64_t>();
  }
  CHECK(retried > 0);
}

TEST_CASE("A temporary failure is delivered on retry across files, with any number of jobs",
          "[scanner]") {
  const std::string grey = "451 4.7.1 Greylisted, please try again later";
  const std::string ok = "250 2.1.5 Ok";
  std::vector<std::string> first, second;  // two files of the same hour, in time order
  auto add = [](std::vector<std::string>* to, const std::vector<std::string>& rows) {
    to->insert(to->end(), rows.begin(), rows.end());
  };
  // Delivered before it failed (sent again later): not made good by that delivery.
  add(&first, SendSession("08DE6D2000000001", 50, "<E@ourorg.example>", "dan@r.example", ok));
  // Made good in the same file.
  add(&first, SendSession("08DE6D2000000002", 100, "<B@ourorg.example>", "ben@r.example", grey));
  // Another message to the same recipient later is not this one delivered.
  add(&first, SendSession("08DE6D2000000003", 200, "<C@ourorg.example>", "cid@r.example", grey));
  add(&first, SendSession("08DE6D2000000004", 300, "<B@ourorg.example>", "ben@r.example", ok));
  // Refused for good: not a temporary failure, whatever came after.
  add(&first, SendSession("08DE6D2000000005", 400, "<F@ourorg.example>", "eve@r.example",
                          "550 5.1.1 User unknown"));
  // Made good in the next file, after two attempts: both count.
  add(&first, SendSession("08DE6D2000000006", 600, "<A@ourorg.example>", "ann@r.example", grey));
  add(&first, SendSession("08DE6D2000000007", 900, "<A@ourorg.example>", "ann@r.example", grey));
  // (addresses and Message-IDs compared without regard to case, as Exchange does)
  add(&second, SendSession("08DE6D2000000008", 1500, "<A@OurOrg.Example>", "Ann@R.example", ok));
  add(&second, SendSession("08DE6D2000000009", 1600, "<D@ourorg.example>", "cid@r.example", ok));
  add(&second, SendSession("08DE6D200000000A", 1700, "<E@ourorg.example>", "dan@r.example", grey));
  add(&second, SendSession("08DE6D200000000B", 1800, "<F@ourorg.example>", "eve@r.example", ok));
  // A hop of ours that failed for a message is not made good by that message delivered out:
  // each is its own retry (here while another failure of the outbound domain waits).
  const std::string no_room = "452 4.3.1 Insufficient system resources";
  for (std::string row :
       SendSession("08DE6D200000000C", 1000, "<M@ourorg.example>", "xav@ext.example", no_room)) {
    const std::string internet = ",203.0.113.7:25,", mailbox = ",10.0.0.26:2525,";
    const size_t at = row.find(internet);
    if (at != std::string::npos) row.replace(at, internet.size(), mailbox);
    first.push_back(row);
  }
  add(&second,
      SendSession("08DE6D200000000D", 1900, "<N@ourorg.example>", "yan@ext.example", grey));
  add(&second, SendSession("08DE6D200000000E", 2000, "<M@ourorg.example>", "xav@ext.example", ok));
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(first));
  dir.Write("SmtpSend/SEND2026030206-2.LOG", Header() + Lines(second));
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  const std::string single = JsonReport(dir.path(), 1, *rules);
  std::map<std::string, int64_t> retried, failed;
  const nlohmann::json report = nlohmann::json::parse(single);
  for (const auto& d : report["domains"]) {
    for (const auto& g : d["failures"]) {
      retried[g["reason"]] += g["delivered_on_retry"].get<int64_t>();
      failed[g["reason"]] += g["count"].get<int64_t>();
    }
  }
  CHECK(failed == std::map<std::string, int64_t>{
                       {"greylisted", 6}, {"system_full", 1}, {"user_unknown", 1}});
  CHECK(retried == std::map<std::string, int64_t>{
                       {"greylisted", 3}, {"system_full", 0}, {"user_unknown", 0}});
  CHECK(JsonReport(dir.path(), 2, *rules) == single);
  // The text says it beside the failures.
  std::string out, err;
  REQUIRE(RunCli("scan " + dir.path().string(), &out, &err) == 0);
  CHECK(out.find("  delivered on retry: 3\n") != std::string::npos);
}

TEST_CASE("A parallel read of several servers gives the same report as a single-threaded one",
          "[scanner]") {
  TempDir dir;
  int per_hour = 20;
  for (const char* server : {"EX01", "EX02"}) {
    loggen::Scenario sc;
    REQUIRE(loggen::Preset("sample", 5, &sc));
    sc.max_file_bytes = 32 << 10;
    sc.server = server;
    sc.sessions_per_hour = per_hour;
    per_hour += 15;
    loggen::Result truth;
    REQUIRE(loggen::Generate(sc, (dir.path() / server).string(), &truth).ok());
  }
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  std::string single = JsonReport(dir.path(), 1, *rules, nullptr, {true, false});
  nlohmann::json report = nlohmann::json::parse(single);
  REQUIRE(report["servers"].size() == 2);
  CHECK(!report["servers"][0]["receive_connector_hosts"].empty());
  for (unsigned jobs : {2u, 5u}) {
    INFO("jobs " << jobs);
    CHECK(JsonReport(dir.path(), jobs, *rules, nullptr, {true, false}) == single);
  }
}

TEST_CASE("A domain's remote addresses are the last eight it was sent to, most recent last",
          "[scanner]") {
  // Twelve sessions to example.com over three files, to 10 addresses: 1..9, then 1, 10 and 5.
  const int last_octet[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 10, 5};
  TempDir dir;
  std::vector<std::string> rows[3];
  for (int i = 0; i < 12; ++i) {
    char id[32];  // (room for any int: the compiler checks at -O1)
    std::snprintf(id, sizeof id, "08DE6D209E9D30%02d", i);
    std::string remote = "192.0.2." + std::to_string(last_octet[i]) + ":25";
    int t = 10 * i;
    std::vector<std::string>& file = rows[i < 3 ? 0 : i < 10 ? 1 : 2];
    for (std::string r : {Row(id, t, 0, '+', "", "", remote),
                          Row(id, t, 1, '<', "220 mx.example.com", "", remote),
                          Row(id, t + 1, 2, '>', "MAIL FROM:<a@contoso.com>", "", remote),
                          Row(id, t + 1, 3, '<', "250 2.1.0 Sender OK", "", remote),
                          Row(id, t + 1, 4, '>', "RCPT TO:<b@example.com>", "", remote),
                          Row(id, t + 2, 5, '<', "550 5.1.1 User unknown", "", remote),
                          Row(id, t + 2, 6, '>', "QUIT", "", remote),
                          Row(id, t + 3, 7, '-', "", "Local", remote)}) {
      file.push_back(r);
    }
  }
  for (int f = 0; f < 3; ++f) {
    Write(dir.path() / "SmtpSend" / ("SEND2026030206-" + std::to_string(f + 1) + ".LOG"),
          Header() + Lines(rows[f]));
  }
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  for (unsigned jobs : {1u, 2u, 3u}) {
    INFO("jobs " << jobs);
    nlohmann::json report = nlohmann::json::parse(JsonReport(dir.path(), jobs, *rules));
    REQUIRE(report["domains"].size() == 1);
    const nlohmann::json& d = report["domains"][0];
    CHECK(d["domain"] == "example.com");
    CHECK(d["sessions"] == 12);
    CHECK(d["remote_ips"] == nlohmann::json({"192.0.2.4", "192.0.2.6", "192.0.2.7", "192.0.2.8",
                                              "192.0.2.9", "192.0.2.1", "192.0.2.10",
                                              "192.0.2.5"}));
  }
}

TEST_CASE("The progress line fits the terminal and says files, bytes, speed and time left",
          "[scanner]") {
  ScanProgress p;
  p.files_done = 12;
  p.files_total = 80;
  p.bytes_done = 200ll << 20;
  p.bytes_total = 800ll << 20;
  std::string line = FormatProgress(p, 2.0, 100);
  CHECK(line.size() <= 99);
  CHECK(line.find("12/80 files") != std::string::npos);
  CHECK(line.find("200/800 MiB") != std::string::npos);
  CHECK(line.find("105 MB/s") != std::string::npos);  // 200 MiB in 2 s
  CHECK(line.find("ETA 0:06") != std::string::npos);  // 600 MiB more at that speed
  CHECK(line.rfind("[#######", 0) == 0);
  CHECK(FormatProgress(p, 2.0, 40).size() <= 39);
  p.bytes_done = 0;
  CHECK(FormatProgress(p, 0.0, 100).find("ETA --:--") != std::string::npos);
}
