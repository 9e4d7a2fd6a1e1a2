#include <catch2/catch.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/session_pack.h"

using namespace smtptriage;

namespace {

FailureReply Failure(int n, const std::string& tag) {
  FailureReply f;
  f.code = 550 + n;
  f.enhanced = "5.7." + std::to_string(n);
  f.text = std::string(40 + n, 'x') + " refused" + tag;
  f.stage = n % 2 ? Stage::kRcpt : Stage::kData;
  f.command = "RCPT TO:<someone" + std::to_string(n) + "@fabrikam.example>" + tag;
  f.time = 1772400000000 + n;
  f.ref = {static_cast<uint32_t>(n), 100 + n};
  f.truncated = n % 2 == 1;
  return f;
}

// A session with every field set to something other than its default, and different for each
// `n` (so that what a reused record held before cannot pass for the value read).
SessionRecord Full(int n, const std::shared_ptr<const Classification>& classified) {
  const std::string t = "#" + std::to_string(n);
  SessionRecord s;
  s.log = n % 2 ? LogKind::kReceive : LogKind::kSend;
  s.direction = n % 2 ? Direction::kInternal : Direction::kInbound;
  s.server = 3 + n;
  s.session = "08DE6C25299713D" + t;
  s.connector = "Internet Send Connector" + t;
  s.local_endpoint = "10.0.0.25:55459" + t;
  s.remote_endpoint = "203.0.113.100:25" + t;
  s.remote_ip = "203.0.113.100" + t;
  s.remote_port = 25 + n;
  s.remote_host = "mx1.proseware-supply.example" + t;
  s.client_name = "EX01.ourorg.example" + t;
  s.destination_hint = "proseware-supply.example" + t;
  s.start = 1772400000000 + n;
  s.end = 1772400009999 + n;
  s.first_ref = {7u + n, 1012 + n};
  s.close_reason = "Remote(SocketError)" + t;
  s.closed_cleanly = n % 2 == 0;
  s.open_at_end = n % 2 == 1;
  for (int m = 0; m < 2 + n; ++m) {
    const std::string tm = t + "/" + std::to_string(m);
    MessageOutcome msg;
    msg.record_id = "08DE6C25299713D9;2026-03-02T00:00:03.357Z" + tm;
    msg.message_id = "<9750205fcf6e091566b032e5c51daca1@EX01.ourorg.example>" + tm;
    msg.sender = "invoices@ourorg.example" + tm;
    msg.subject = "Invoice" + tm;
    for (int r = 0; r < 1 + (m + n) % 3; ++r) {  // 1 to 3 recipients
      RecipientOutcome rc;
      rc.address = "contact" + std::to_string(r) + "@tailwindtraders-gmbh.example" + tm;
      rc.domain = "tailwindtraders-gmbh.example" + tm;
      rc.state = static_cast<RecipientState>((r + n) % 4);
      if (r == 0 && m % 2 == 1) rc.failure = Failure(m, tm);
      if (r == 0 && m == 1) rc.failure->classified = classified;
      msg.recipients.push_back(rc);
    }
    msg.queued_ref = {11u + n, 2000 + 10 * n + m};
    s.messages.push_back(msg);
  }
  s.session_failure = Failure(9 + n, t);
  s.session_failure->classified = classified;
  s.auth_failures = 2 + n;
  s.auth_ref = {static_cast<uint32_t>(4 + n), 90 + n};
  s.auth_users = {"OURORG\\alice" + t, "bob@ourorg.example" + t};
  s.transcript.push_back({1772400000001 + n, '>', "EHLO EX01.ourorg.example" + t, {7u + n, 1013}});
  s.transcript.push_back({1772400000002, '<', "250-mx1.proseware-supply.example" + t, {7, 1014}});
  return s;
}

void CheckFailure(const Boxed<FailureReply>& a, const Boxed<FailureReply>& b) {
  REQUIRE(a.has_value() == b.has_value());
  if (!a) return;
  CHECK(a->code == b->code);
  CHECK(a->enhanced == b->enhanced);
  CHECK(a->text == b->text);
  CHECK(a->stage == b->stage);
  CHECK(a->command == b->command);
  CHECK(a->time == b->time);
  CHECK(a->ref.file == b->ref.file);
  CHECK(a->ref.line == b->ref.line);
  CHECK(a->truncated == b->truncated);
  CHECK(a->classified == b->classified);  // the same shared classification
}

void CheckSame(const SessionRecord& a, const SessionRecord& b) {
  CHECK(a.log == b.log);
  CHECK(a.direction == b.direction);
  CHECK(a.server == b.server);
  CHECK(a.session == b.session);
  CHECK(a.connector == b.connector);
  CHECK(a.local_endpoint == b.local_endpoint);
  CHECK(a.remote_endpoint == b.remote_endpoint);
  CHECK(a.remote_ip == b.remote_ip);
  CHECK(a.remote_port == b.remote_port);
  CHECK(a.remote_host == b.remote_host);
  CHECK(a.client_name == b.client_name);
  CHECK(a.destination_hint == b.destination_hint);
  CHECK(a.start == b.start);
  CHECK(a.end == b.end);
  CHECK(a.first_ref.file == b.first_ref.file);
  CHECK(a.first_ref.line == b.first_ref.line);
  CHECK(a.close_reason == b.close_reason);
  CHECK(a.closed_cleanly == b.closed_cleanly);
  CHECK(a.open_at_end == b.open_at_end);
  REQUIRE(a.messages.size() == b.messages.size());
  for (size_t m = 0; m < a.messages.size(); ++m) {
    const MessageOutcome& x = a.messages[m];
    const MessageOutcome& y = b.messages[m];
    CHECK(x.record_id == y.record_id);
    CHECK(x.message_id == y.message_id);
    CHECK(x.sender == y.sender);
    CHECK(x.subject == y.subject);
    CHECK(x.queued_ref.file == y.queued_ref.file);
    CHECK(x.queued_ref.line == y.queued_ref.line);
    REQUIRE(x.recipients.size() == y.recipients.size());
    for (size_t r = 0; r < x.recipients.size(); ++r) {
      CHECK(x.recipients[r].address == y.recipients[r].address);
      CHECK(x.recipients[r].domain == y.recipients[r].domain);
      CHECK(x.recipients[r].state == y.recipients[r].state);
      CheckFailure(x.recipients[r].failure, y.recipients[r].failure);
    }
  }
  CheckFailure(a.session_failure, b.session_failure);
  CHECK(a.auth_failures == b.auth_failures);
  CHECK(a.auth_ref.file == b.auth_ref.file);
  CHECK(a.auth_ref.line == b.auth_ref.line);
  CHECK(a.auth_users == b.auth_users);
  REQUIRE(a.transcript.size() == b.transcript.size());
  for (size_t t = 0; t < a.transcript.size(); ++t) {
    CHECK(a.transcript[t].time == b.transcript[t].time);
    CHECK(a.transcript[t].type == b.transcript[t].type);
    CHECK(a.transcript[t].text == b.transcript[t].text);
    CHECK(a.transcript[t].ref.file == b.transcript[t].ref.file);
    CHECK(a.transcript[t].ref.line == b.transcript[t].ref.line);
  }
}

}  // namespace

TEST_CASE("Packed sessions come back whole, in order, into one reused record", "[scanner]") {
  auto classified = std::make_shared<const Classification>();
  std::vector<SessionRecord> sessions;
  sessions.push_back(Full(2, classified));
  sessions.push_back(SessionRecord());  // every field at its default, after a full one
  sessions.push_back(Full(0, nullptr));  // fewer messages than the first, none classified
  SessionRecord big = Full(1, classified);
  big.messages[1].recipients[0].failure->text = std::string(kMaxReplyText, 'y');
  sessions.push_back(big);

  SessionPack pack;
  for (const SessionRecord& s : sessions) pack.Add(s);
  CHECK(pack.size() == sessions.size());
  CHECK(pack.bytes() > kMaxReplyText);

  SessionPack::Reader reader(pack);
  SessionRecord into = Full(3, nullptr);  // what the record held before must not leak through
  for (size_t i = 0; i < sessions.size(); ++i) {
    INFO("session " << i);
    REQUIRE(reader.Next(&into));
    CheckSame(into, sessions[i]);
    if (i == 1) SessionRecord stolen = std::move(into);  // a sink may move from it
  }
  CHECK_FALSE(reader.Next(&into));
  CHECK_FALSE(reader.Next(&into));
}

TEST_CASE("An empty pack reads as no session", "[scanner]") {
  SessionPack pack;
  CHECK(pack.empty());
  SessionRecord s;
  SessionPack::Reader reader(pack);
  CHECK_FALSE(reader.Next(&s));
}

TEST_CASE("A cleared pack, filled again, holds only its new sessions", "[scanner]") {
  auto first = std::make_shared<const Classification>();
  auto second = std::make_shared<const Classification>();
  SessionPack pack;
  pack.Reserve(1 << 16);
  pack.Add(Full(2, first));
  pack.Add(Full(1, first));
  pack.Clear();
  CHECK(pack.empty());
  CHECK(pack.bytes() == 0);
  CHECK(first.use_count() == 1);  // the pack holds on to nothing of the sessions cleared

  // Classified by another classification than before the clear: each must come back with its
  // own, not with one kept from the sessions cleared.
  std::vector<SessionRecord> sessions = {Full(0, second), Full(4, second)};
  for (const SessionRecord& s : sessions) pack.Add(s);
  CHECK(pack.size() == 2);
  SessionPack::Reader reader(pack);
  SessionRecord into;
  for (const SessionRecord& s : sessions) {
    REQUIRE(reader.Next(&into));
    CheckSame(into, s);
  }
  CHECK_FALSE(reader.Next(&into));
}
