// Tests of `smtptriage check`, the Nagios/Icinga plugin: each state and exit code on generated
// logs, the status line and the performance data syntax, and UNKNOWN for bad input and options.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "smtptriage/loggen.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

// The logs of a loggen preset (seed 7), generated once per test run. The presets cover
// 2026-03-02; --now is the end of that day.
std::string PresetLogs(const std::string& preset) {
  static std::map<std::string, std::unique_ptr<TempDir>> dirs;
  auto& dir = dirs[preset];
  if (dir == nullptr) {
    loggen::Scenario scenario;
    REQUIRE(loggen::Preset(preset, 7, &scenario));
    dir = std::make_unique<TempDir>();
    loggen::Result truth;
    REQUIRE(loggen::Generate(scenario, dir->path().string(), &truth).ok());
  }
  return dir->path().string();
}

constexpr const char* kNow = "--now 2026-03-03T00:00:00Z --tz UTC --lang en";

// 08:10-08:30 of the sample logs: six failures of our mail, theirs, and one message to us that
// our server refused for lack of queue disk (452 4.3.1), the one failure on our side.
constexpr const char* kBackPressureWindow =
    "--since 2026-03-02T08:10:00Z --until 2026-03-02T08:30:00Z --now 2026-03-02T08:30:00Z "
    "sample_logs ";

// The status line: the first line of the output.
std::string FirstLine(const std::string& out) { return out.substr(0, out.find('\n')); }

}  // namespace

TEST_CASE("check: states and exit codes on generated logs", "[check]") {
  struct Case {
    std::string what;
    std::string preset;
    std::string args;
    int rc;
    std::string starts;  // the start of the status line
  };
  const std::vector<Case> cases = {
      {"firewall: every connection times out, incident open at the end", "firewall", "", 2,
       "SMTPTRIAGE CRITICAL - local connection incident open since at least 2026-03-02 23:00 "
       "+00:00 (38 domains); "},
      {"firewall over the whole day", "firewall", "--since 24h", 2,
       "SMTPTRIAGE CRITICAL - local connection incident open since 2026-03-02 15:00 +00:00 "
       "(40 domains, steady); "},
      {"firewall, thresholds too high to matter: the incident alone", "firewall",
       "--warn 100000 --crit 200000", 2, "SMTPTRIAGE CRITICAL - local connection incident"},
      {"quiet day: failures, none ours", "quiet-day", "--since 24h", 0, "SMTPTRIAGE OK - 0 of "},
      {"quiet day, lowest threshold: still nothing ours", "quiet-day", "--since 24h --warn 0", 0,
       "SMTPTRIAGE OK - 0 of "},
      {"IPv6 PTR refusals are ours: default --warn 10", "ipv6-ptr", "--since 24h", 1,
       "SMTPTRIAGE WARNING - "},
      {"IPv6 PTR refusals, --crit reached", "ipv6-ptr", "--since 24h --warn 5 --crit 10", 2,
       "SMTPTRIAGE CRITICAL - "},
      {"IPv6 PTR refusals below --warn", "ipv6-ptr", "--since 24h --warn 1000000", 0,
       "SMTPTRIAGE OK - "},
      {"IPv6 PTR refusals, --warn off turns the warning off", "ipv6-ptr",
       "--since 24h --warn off", 0, "SMTPTRIAGE OK - "},
      {"IPv6 PTR refusals, --warn 0: any failure of ours", "ipv6-ptr", "--since 24h --warn 0", 1,
       "SMTPTRIAGE WARNING - "},
  };
  for (const Case& c : cases) {
    std::string out, err;
    int rc = RunCli(std::string("check ") + kNow + " " + c.args + " " + PresetLogs(c.preset), &out,
                    &err);
    INFO(c.what << "\nstdout: " << out << "\nstderr: " << err);
    CHECK(rc == c.rc);
    CHECK(FirstLine(out).rfind(c.starts, 0) == 0);
  }
}

TEST_CASE("check: the status line and the performance data", "[check]") {
  std::string out;
  REQUIRE(RunCli(std::string("check ") + kNow + " --warn 5 --crit 10 --since 24h " +
                     PresetLogs("ipv6-ptr"),
                 &out) == 2);
  std::string line = FirstLine(out);
  INFO(out);
  std::string summary, perfdata;
  REQUIRE(RE2::FullMatch(line, R"(SMTPTRIAGE (?:OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+) \| (.+))",
                         &summary, &perfdata));
  // 'label'=value[UOM];[warn];[crit];[min];[max], separated by spaces.
  const RE2 item(
      R"('([a-z_]+)'=(-?[0-9.]+)[a-zA-Z%]*;([0-9.]*);([0-9.]*);([0-9.]*)(?:;([0-9.]*))?)");
  std::map<std::string, std::string> values, warns, crits;
  re2::StringPiece rest(perfdata);
  std::string label, value, warn, crit, min, max;
  while (RE2::Consume(&rest, item, &label, &value, &warn, &crit, &min, &max)) {
    values[label] = value;
    warns[label] = warn;
    crits[label] = crit;
    CHECK(min == "0");
    if (!rest.empty()) REQUIRE(RE2::Consume(&rest, " "));
  }
  CHECK(rest.empty());
  for (const char* l : {"failures", "local_failures", "remote_failures", "failed_recipients",
                        "connect_failures", "inbound_failures", "incidents_open", "incidents",
                        "sessions", "malformed", "files_skipped"}) {
    INFO(l);
    CHECK(values.count(l) == 1);
  }
  CHECK(warns["local_failures"] == "5");
  CHECK(crits["local_failures"] == "10");
  CHECK(std::stoll(values["local_failures"]) + std::stoll(values["remote_failures"]) ==
        std::stoll(values["failures"]));
  CHECK(std::stoll(values["local_failures"]) >= 10);
  CHECK(values["incidents_open"] == "0");
  CHECK(values["malformed"] == "0");
  // The verdict follows as long output.
  CHECK(out.find("\n1 domain refused mail for reasons on our side: gmail.com") !=
        std::string::npos);
}

TEST_CASE("check: UNKNOWN (exit 3) when it cannot tell", "[check]") {
  TempDir empty;
  empty.Write("notes.txt", "not a log\n");
  struct Case {
    std::string what;
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"a missing path", "/nonexistent/smtptriage-logs", "/nonexistent/smtptriage-logs: no such"},
      {"a missing path next to a good one",
       PresetLogs("quiet-day") + " /nonexistent/smtptriage-logs", "no such file or folder"},
      {"a folder without logs", empty.path().string(), "no log could be read"},
      {"no path", "", "no PATH given"},
      {"a threshold that is not a number", "--warn lots " + PresetLogs("quiet-day"), "--warn"},
      {"a negative threshold", "--crit -1 " + PresetLogs("quiet-day"), "--crit"},
      {"--warn above --crit", "--warn 10 --crit 5 " + PresetLogs("quiet-day"), "above --crit"},
      {"an unknown option", "--frobnicate " + PresetLogs("quiet-day"), "frobnicate"},
      {"a bad --since", "--since yesterday " + PresetLogs("quiet-day"), "--since"},
  };
  for (const Case& c : cases) {
    std::string out, err;
    int rc = RunCli(std::string("check ") + kNow + " " + c.args, &out, &err);
    INFO(c.what << "\nstdout: " << out << "\nstderr: " << err);
    CHECK(rc == 3);
    CHECK(FirstLine(out).rfind("SMTPTRIAGE UNKNOWN - ", 0) == 0);
    CHECK(out.find(c.says) != std::string::npos);
    CHECK(out.find('|') == std::string::npos);
  }
  // --crit alone under the default --warn (10): the warning starts at the same count.
  std::string out, err;
  int rc =
      RunCli(std::string("check ") + kNow + " --crit 5 " + PresetLogs("quiet-day"), &out, &err);
  INFO(out);
  CHECK(rc != 3);
  CHECK(out.find("'local_failures'=") != std::string::npos);
  CHECK(out.find(";5;5;") != std::string::npos);
}

TEST_CASE("check --help documents the states and exit codes", "[check]") {
  std::string out;
  CHECK(RunCli("check --help", &out) == 0);
  for (const char* word : {"CRITICAL", "WARNING", "UNKNOWN", "--warn", "--crit", "--since",
                           "3 UNKNOWN (also for bad options)", "--since arg (=1h)",
                           "--stale arg (=4h)"}) {
    INFO(word);
    CHECK(out.find(word) != std::string::npos);
  }
  // Nothing in a status line is broken down by server.
  CHECK(out.find("--by-server") == std::string::npos);
  // The default is check's own: scan has none.
  CHECK(RunCli("scan --help", &out) == 0);
  CHECK(out.find("--since arg (=") == std::string::npos);
}

TEST_CASE("check: logs that end before the period say where they end", "[check]") {
  // The sample logs end at 11:58 on 2 March; the last hour before 13:00 has no session.
  std::string out, err;
  REQUIRE(RunCli("check --now 2026-03-02T13:00:00Z sample_logs/", &out, &err) == 0);
  INFO(out);
  CHECK(FirstLine(out).find("no sessions in the period (the 266 sessions read run from "
                            "2026-03-02 06:00 +00:00 to 2026-03-02 11:58 +00:00)") !=
        std::string::npos);
}

TEST_CASE("check: logs that stopped being written are a WARNING (--stale)", "[check]") {
  // The sample logs' newest session ends at 11:58:13 on 2 March.
  std::string out, err;
  REQUIRE(RunCli("check --tz UTC --now 2026-03-02T16:30:00Z sample_logs", &out, &err) == 1);
  INFO(out);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - no session since 2026-03-02 11:58 +00:00 "
                             "(4 h 31 min; --stale 4h); 0 of 0 failures on our side; no sessions "
                             "in the period | ",
                             0) == 0);
  CHECK(FirstLine(out).find(" 'log_age'=16306s;14400;;0") != std::string::npos);
  // Within --stale: the quiet hour alone is no warning.
  REQUIRE(RunCli("check --tz UTC --now 2026-03-02T15:30:00Z sample_logs", &out, &err) == 0);
  CHECK(FirstLine(out).find(" 'log_age'=12706s;14400;;0") != std::string::npos);
  // A longer --stale, or none, and a day's worth of silence in Spanish.
  REQUIRE(RunCli("check --now 2026-03-02T16:30:00Z --stale 5h sample_logs", &out, &err) == 0);
  REQUIRE(RunCli("check --now 2026-03-05T16:30:00Z --stale 0 sample_logs", &out, &err) == 0);
  CHECK(FirstLine(out).find(" 'log_age'=275506s;;;0") != std::string::npos);
  REQUIRE(RunCli("check --tz UTC --lang es --now 2026-03-05T16:30:00Z sample_logs", &out, &err) ==
          1);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - ninguna sesión desde 2026-03-02 11:58 +00:00 "
                             "(3 días; --stale 4h); ",
                             0) == 0);
  // Files with no session at all: nothing says the logging works.
  TempDir headers;
  headers.Write("SEND20260302-1.LOG",
                "#Software: Microsoft Exchange Server\n#Version: 15.0.0.0\n"
                "#Log-type: SMTP Send Protocol Log\n#Date: 2026-03-02T00:00:00.000Z\n"
                "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
                "remote-endpoint,event,data,context\n");
  int rc = RunCli("check --now 2026-03-02T16:30:00Z " + headers.path().string(), &out, &err);
  INFO(out << err);
  CHECK(rc == 1);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - the logs read hold no session; ", 0) == 0);
  CHECK(FirstLine(out).find("log_age") == std::string::npos);
  // A scan says the same where a monitoring system reads it, the period being after the logs.
  REQUIRE(RunCli("scan --format json --since 2026-03-02T13:00:00Z sample_logs", &out, &err) == 0);
  CHECK(out.find("\"period\": {\n    \"start\": \"2026-03-02T13:00:00.000Z\",\n    \"end\": null,"
                 "\n    \"logs_end\": \"2026-03-02T11:58:13.372Z\"\n  }") != std::string::npos);
  // A --stale under a minute, passed by seconds.
  REQUIRE(RunCli("check --tz UTC --now 2026-03-02T11:59:00Z --stale 30s sample_logs", &out,
                 &err) == 1);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - no session since 2026-03-02 11:58 +00:00 "
                             "(46 s; --stale 30s); ",
                             0) == 0);
  // Not a duration: UNKNOWN, as any bad option.
  CHECK(RunCli("check --stale soon sample_logs", &out, &err) == 3);
  CHECK(FirstLine(out) == "SMTPTRIAGE UNKNOWN - --stale: not a duration such as 30m, 4h or 2d: "
                          "'soon'");
}

TEST_CASE("check --lang es: the summary in Spanish, the states and perfdata as plugins have them",
          "[check]") {
  std::string out, err;
  REQUIRE(RunCli("check --lang es --since 6h --now 2026-03-02T12:00:00Z --warn 5 --crit 50 "
                 "sample_logs",
                 &out, &err) == 1);
  INFO(out);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - 11 de 85 fallos de nuestro lado (aviso por "
                             "encima de 5) | 'failures'=85;;;0 'local_failures'=11;5;50;0 ",
                             0) == 0);
  REQUIRE(RunCli("check --lang es --now 2026-03-02T13:00:00Z sample_logs", &out, &err) == 0);
  CHECK(FirstLine(out).find("; ninguna sesión en el periodo (las 266 sesiones leídas van de "
                            "2026-03-02 06:00 +00:00 a 2026-03-02 11:58 +00:00) | ") !=
        std::string::npos);
}

TEST_CASE("check --since with --now: the period ends at --now", "[check]") {
  // Replaying 08:00: the last hour is 07:00-08:00, not 07:00 to the end of the logs.
  std::string replay, window, err;
  REQUIRE(RunCli("check --since 1h --now 2026-03-02T08:00:00Z sample_logs", &replay, &err) == 0);
  REQUIRE(RunCli("check --since 2026-03-02T07:00:00Z --until 2026-03-02T08:00:00Z "
                 "--now 2026-03-02T08:00:00Z sample_logs",
                 &window, &err) == 0);
  INFO(replay << window);
  CHECK(FirstLine(replay) == FirstLine(window));
  std::string all;
  REQUIRE(RunCli("check --since 2026-03-02T07:00:00Z sample_logs", &all, &err) != 3);
  CHECK(FirstLine(replay) != FirstLine(all));  // the logs go on after 08:00
  // A --since after --now is refused, naming --now.
  CHECK(RunCli("check --since 2026-03-03T00:00:00Z --now 2026-03-02T00:00:00Z sample_logs",
               &replay, &err) == 3);
  CHECK(FirstLine(replay).find("--now must be later than --since") != std::string::npos);
}

TEST_CASE("check counts our own server's back pressure on our side", "[check]") {
  std::string out, err;
  REQUIRE(RunCli(std::string("check ") + kBackPressureWindow + "--warn 0", &out, &err) == 1);
  INFO(out);
  CHECK(FirstLine(out).rfind("SMTPTRIAGE WARNING - 1 of 7 failures on our side (warning above 0) "
                             "| 'failures'=7;;;0 'local_failures'=1;0;;0 'remote_failures'=6;;;0 ",
                             0) == 0);
  CHECK(out.find("Our own server refused mail sent to us for reasons on our side: system_full "
                 "(1).") != std::string::npos);
  // The report's checks are then those of back pressure, with its count and time.
  REQUIRE(RunCli("scan --tz UTC --since 2026-03-02T08:10:00Z --until 2026-03-02T08:30:00Z "
                 "sample_logs",
                 &out, &err) == 0);
  CHECK(out.find("\nCheck first (rule exchange.back-pressure.ours, 1 failure at 08:22):\n") !=
        std::string::npos);
}

TEST_CASE("check: a few minutes of the hour before do not hide an incident under way",
          "[check]") {
  // Every connection times out from 15:00. A check run a minute before the hour reads the last
  // minute of the hour before as well: its few sessions must not count as the family's normal
  // level, against which the hour after, failing as much, would look ordinary.
  for (const char* now : {"2026-03-02T17:59:50Z", "2026-03-02T19:59:00Z",
                          "2026-03-02T21:59:50Z"}) {
    std::string out, err;
    const int rc = RunCli(std::string("check --tz UTC --lang en --now ") + now + " " +
                              PresetLogs("firewall"),
                          &out, &err);
    INFO(now << "\n" << out);
    CHECK(rc == 2);
    CHECK(FirstLine(out).rfind("SMTPTRIAGE CRITICAL - local connection incident open since ", 0) ==
          0);
  }
}

TEST_CASE("check: a threshold N alerts above N, as Nagios reads it", "[check]") {
  const std::string window = std::string("check ") + kBackPressureWindow;
  std::string out, err;
  CHECK(RunCli(window + "--warn 1", &out, &err) == 0);  // 1 is not above 1
  CHECK(FirstLine(out).find("'local_failures'=1;1;;0") != std::string::npos);
  CHECK(RunCli(window + "--warn 0", &out, &err) == 1);
  CHECK(RunCli(window + "--warn 0 --crit 0", &out, &err) == 2);
  CHECK(FirstLine(out).find("(critical above 0)") != std::string::npos);
  CHECK(FirstLine(out).find("'local_failures'=1;0;0;0") != std::string::npos);
  CHECK(RunCli(window + "--warn 0 --crit 1", &out, &err) == 1);
  CHECK(RunCli(window + "--warn off --crit off", &out, &err) == 0);
  CHECK(FirstLine(out).find("'local_failures'=1;;;0") != std::string::npos);
}
