#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "smtptriage/investigation.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
using nlohmann::json;

TEST_CASE("Targets are told apart: domain, address, session id", "[investigate]") {
  struct Row {
    const char* text;
    Target::Kind kind;
    const char* value;
  };
  const Row rows[] = {
      {"Partner.Example", Target::Kind::kDomain, "partner.example"},
      {"Bob@Partner.Example", Target::Kind::kAddress, "bob@partner.example"},
      {"<bob@partner.example>", Target::Kind::kAddress, "bob@partner.example"},
      {"08de6c57743183e0", Target::Kind::kSession, "08DE6C57743183E0"},
      {"08DE6C57743183E", Target::Kind::kDomain, "08de6c57743183e"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    Target t = ParseTarget(row.text);
    CHECK(t.kind == row.kind);
    CHECK(t.value == row.value);
  }
}

TEST_CASE("Investigating a domain whose MX is down: timeline, isolation, verdict",
          "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC", &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Investigation of domain proseware-supply.example") != std::string::npos);
  CHECK(out.find("Verdict: THEIRS") != std::string::npos);
  CHECK(out.find("connect_timeout") != std::string::npos);
  CHECK(out.find("No other domain saw it in the same hours: isolated.") != std::string::npos);
  CHECK(out.find("What to check:") != std::string::npos);
  CHECK(out.find("Failed to connect. Winsock error code: 10060") != std::string::npos);
  // A connect failure shows its Winsock code, as in the scan report.
  CHECK(out.find("42x connect_timeout (connection)  Winsock 10060  at connect  ") !=
        std::string::npos);
  // Per hour, sessions and failures: one session can fail for several recipients.
  CHECK(out.find("  2026-03-02 07:00 +00:00  sessions ") != std::string::npos);
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC --lang es", &out,
                 &err) == 0);
  CHECK(out.find("  2026-03-02 07:00 +00:00  sesiones ") != std::string::npos);
  CHECK(out.find("Investigación del dominio proseware-supply.example\n"
                 "Veredicto: SUYO - 44 de 44 fallos apuntan al lado remoto.\n") == 0);

  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --format json", &out, &err) ==
          0);
  json j = json::parse(out);
  CHECK(j["schema"] == "smtptriage/investigation@1");
  CHECK(j["verdict"]["side"] == "remote");
  REQUIRE(!j["failure_kinds"].empty());
  const json& top = j["failure_kinds"][0];
  CHECK(top["reason"] == "connect_timeout");
  CHECK(top["other_domains_same_hours"] == 0);
  CHECK(!top["transcript"].empty());
  int attempts = 0;
  for (const json& h : j["timeline"]) attempts += h["attempts"].get<int>();
  CHECK(attempts == j["sessions"].get<int>());
  // One failure is "the one failure", not "1 of 1 failures".
  REQUIRE(RunCli("investigate treyresearch.example sample_logs", &out, &err) == 0);
  CHECK(out.find("Verdict: THEIRS - The one failure points to the remote side.\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate treyresearch.example sample_logs --lang es", &out, &err) == 0);
  CHECK(out.find("Veredicto: SUYO - El único fallo apunta al lado remoto.\n") != std::string::npos);
}

TEST_CASE("Investigating a recipient lists every failure to it", "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate contact483@proseware-supply.example sample_logs --format json",
                 &out, &err) == 0);
  json j = json::parse(out);
  REQUIRE(j["occurrences"].size() >= 1);
  for (const json& o : j["occurrences"]) {
    CHECK(o["recipient"] == "contact483@proseware-supply.example");
    CHECK(o["side"] == "remote");
    CHECK(o["ref"].get<std::string>().find("sample_logs/SmtpSend/") == 0);
  }
}

TEST_CASE("Investigating a session id shows its transcript with file:line", "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate 08DE6C57743183E0 sample_logs --format json", &out, &err) == 0);
  json j = json::parse(out);
  REQUIRE(j["sessions_found"].size() == 1);
  const json& s = j["sessions_found"][0];
  CHECK(s["session"] == "08DE6C57743183E0");
  REQUIRE(s["transcript"].size() >= 2);
  CHECK(s["transcript"][0]["ref"].get<std::string>().find("SEND2026030207-1.LOG:") !=
        std::string::npos);
  // Its connect timeout went to proseware-supply.example, the only domain that timed out: the
  // session's own domain is not "another domain" that saw the same.
  REQUIRE(j["failure_kinds"].size() == 1);
  CHECK(j["failure_kinds"][0]["reason"] == "connect_timeout");
  CHECK(j["failure_kinds"][0]["other_domains_same_hours"] == 0);
  // In text the session's rows are printed once, in full, not again as an example.
  REQUIRE(RunCli("investigate 08DE6C57743183E0 sample_logs --tz UTC", &out, &err) == 0);
  size_t first = out.find("attempting to connect");
  REQUIRE(first != std::string::npos);
  CHECK(out.find("attempting to connect", first + 1) == std::string::npos);
  CHECK(out.find("Example session") == std::string::npos);
  // Nor is a recipient's own domain; another domain that saw the same is named, in the singular.
  REQUIRE(RunCli("investigate contact483@proseware-supply.example sample_logs --tz UTC", &out,
                 &err) == 0);
  CHECK(out.find("(proseware-supply.example") == std::string::npos);
  CHECK(out.find("The same reason hit 1 other domain in the same hours "
                 "(wingtiptoys-logistics.example)") != std::string::npos);
}

TEST_CASE("Investigate usage errors exit 2", "[investigate]") {
  std::string out, err;
  CHECK(RunCli("investigate", &out, &err) == 2);
  CHECK(RunCli("investigate example.com", &out, &err) == 2);
  CHECK(RunCli("investigate example.com sample_logs --format xml", &out, &err) == 2);
  // Nothing an investigation shows is broken down by server: not accepted, not listed.
  CHECK(RunCli("investigate example.com sample_logs --by-server", &out, &err) == 2);
  CHECK(RunCli("investigate --help", &out, &err) == 0);
  CHECK(out.find("--by-server") == std::string::npos);
  CHECK(RunCli("investigate example.com does/not/exist", &out, &err) == 3);
}
