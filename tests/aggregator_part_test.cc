#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "smtptriage/aggregator.h"
#include "smtptriage/reporters.h"

using namespace smtptriage;

namespace {

// A varied stream of sessions: Send and Receive, two servers, a few remote addresses shared by
// several domains, refused recipients, connect failures that name no domain, AUTH failures with
// user names, receive connectors of several hosts. Values are drawn from small sets so that the
// same domain, address, failure group, host or user comes back again and again.
std::vector<SessionRecord> Sessions(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  const char* replies[] = {"550 5.1.1 User unknown", "554 5.7.1 Relay access denied",
                           "451 4.7.1 Greylisted, try again later",
                           "550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org"};
  const int codes[] = {550, 554, 451, 550};
  const char* enhanced[] = {"5.1.1", "5.7.1", "4.7.1", "5.7.1"};
  std::vector<SessionRecord> out;
  TimeMs t = 1772409600000;  // 2026-03-02 00:00Z
  for (int i = 0; i < n; ++i) {
    SessionRecord s;
    t += 20000 + pick(200000);
    s.start = t;
    s.end = t + pick(60000);
    s.server = static_cast<uint32_t>(pick(2));
    s.session = "S" + std::to_string(i);
    s.first_ref = {static_cast<uint32_t>(i / 10), static_cast<int64_t>(i)};
    const bool receive = pick(4) == 0;
    s.log = receive ? LogKind::kReceive : LogKind::kSend;
    s.direction = receive ? Direction::kInbound : Direction::kOutbound;
    s.remote_ip = "192.0.2." + std::to_string(1 + pick(12));
    s.remote_endpoint = s.remote_ip + ":25";
    s.remote_host = "mx" + std::to_string(pick(10)) + ".example.net";
    s.client_name = "client" + std::to_string(pick(10)) + ".example.org";
    s.connector = receive ? "EX0" + std::to_string(pick(12)) + "\\Default Frontend"
                          : "Internet Send Connector";
    if (pick(5) == 0) s.close_reason = "no activity for 10 minutes";
    s.open_at_end = pick(50) == 0;
    if (receive && pick(3) == 0) {
      s.auth_failures = 1 + pick(3);
      for (int u = 0; u < s.auth_failures; ++u) s.auth_users.push_back("user" + std::to_string(pick(11)));
    }
    auto failure = [&](int which, Stage stage) {
      FailureReply f;
      f.code = codes[which];
      f.enhanced = enhanced[which];
      f.text = replies[which];
      f.stage = stage;
      f.time = s.start + 1000;
      f.ref = {static_cast<uint32_t>(i / 10), static_cast<int64_t>(i) + 1};
      return f;
    };
    if (!receive && pick(8) == 0) {
      FailureReply f = failure(0, Stage::kConnect);
      f.code = 0;
      f.enhanced.clear();
      f.text = "Failed to connect. Winsock error code: 10060";
      if (pick(2) == 0) s.destination_hint = "d" + std::to_string(pick(9)) + ".example";
      s.session_failure = f;  // with no hint: its domain is learned from the address at the end
    } else {
      int messages = 1 + pick(2);
      for (int m = 0; m < messages; ++m) {
        MessageOutcome msg;
        msg.sender = receive ? "someone@s" + std::to_string(pick(6)) + ".example" : "me@contoso.com";
        int recipients = 1 + pick(3);
        for (int r = 0; r < recipients; ++r) {
          RecipientOutcome rc;
          rc.domain = receive ? "contoso.com" : "d" + std::to_string(pick(9)) + ".example";
          rc.address = "u" + std::to_string(pick(50)) + "@" + rc.domain;
          rc.state = RecipientState::kDelivered;
          if (pick(5) == 0) {
            rc.state = RecipientState::kFailed;
            rc.failure = failure(pick(4), Stage::kRcpt);
          }
          msg.recipients.push_back(std::move(rc));
        }
        s.messages.push_back(std::move(msg));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string Render(Aggregator& a) {
  Report report;
  a.Finish(&report);
  std::ostringstream out;
  RenderJson(report, RenderOptions(), out);
  return out.str();
}

}  // namespace

TEST_CASE("Sessions counted in parts and joined in order give the report of counting them in turn",
          "[aggregator]") {
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  std::vector<ServerInput> servers(2);
  servers[0].name = "EX01";
  servers[1].name = "EX02";
  std::vector<std::string> names;
  for (int f = 0; f < 100; ++f) names.push_back("SEND" + std::to_string(f) + ".LOG");
  AggregatorOptions options;
  options.servers = &servers;
  options.by_server = true;
  options.file_names = &names;
  for (uint32_t seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    std::vector<SessionRecord> sessions = Sessions(seed, 900);
    Aggregator whole(rules.get(), options);
    for (const SessionRecord& s : sessions) whole.OnSession(SessionRecord(s));
    std::string expected = Render(whole);

    // The same sessions in parts of uneven sizes, as the files of a parallel read come.
    Aggregator joined(rules.get(), options);
    std::mt19937 rng(seed);
    size_t at = 0;
    int parts = 0;
    while (at < sessions.size()) {
      size_t n = std::min<size_t>(sessions.size() - at, 1 + rng() % 150);
      std::unique_ptr<SessionSink> part = joined.NewPart();
      REQUIRE(part != nullptr);
      for (size_t k = at; k < at + n; ++k) part->OnSession(SessionRecord(sessions[k]));
      joined.MergePart(*part);
      at += n;
      ++parts;
    }
    CHECK(parts > 5);
    std::string got = Render(joined);
    CHECK(got.size() == expected.size());
    CHECK(got == expected);
  }
}

TEST_CASE("An aggregator with a failure listener takes every session itself", "[aggregator]") {
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  Aggregator a(rules.get(), AggregatorOptions());
  CHECK(a.NewPart() != nullptr);
  a.SetFailureListener([](const FailureEvent&) {});
  CHECK(a.NewPart() == nullptr);
  AggregatorOptions at_once;
  at_once.resolve_at_once = true;
  CHECK(Aggregator(rules.get(), at_once).NewPart() == nullptr);
  AggregatorOptions tracking;
  tracking.join_tracking = true;
  CHECK(Aggregator(rules.get(), tracking).NewPart() == nullptr);
}
