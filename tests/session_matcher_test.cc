#include <catch2/catch.hpp>

#include "smtptriage/session_matcher.h"
#include "smtptriage/smtp_text.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

// A session up to the moment a message starts, as Exchange 2016 writes it.
std::vector<std::string> Opening(const std::string& id, int sec, int* seq,
                                 const std::string& remote = "203.0.113.7:25") {
  std::vector<std::string> r;
  r.push_back(Row(id, sec, (*seq)++, '*', "SendRoutingHeaders", "Set Session Permissions", remote));
  r.push_back(Row(id, sec, (*seq)++, '*', "", "attempting to connect", remote));
  r.push_back(Row(id, sec, (*seq)++, '+', "", "", remote));
  r.push_back(Row(id, sec, (*seq)++, '<', "220 mx.partner.example ESMTP Postfix, hello", "", remote));
  r.push_back(Row(id, sec, (*seq)++, '>', "EHLO mail.ourorg.example", "", remote));
  r.push_back(Row(id, sec, (*seq)++, '<', "250-mx.partner.example", "", remote));
  r.push_back(Row(id, sec, (*seq)++, '<', "250-PIPELINING", "", remote));
  r.push_back(Row(id, sec, (*seq)++, '<', "250 CHUNKING", "", remote));
  return r;
}

void Append(std::vector<std::string>* rows, const std::vector<std::string>& more) {
  rows->insert(rows->end(), more.begin(), more.end());
}

const RecipientOutcome& Rcpt(const SessionRecord& s, const std::string& addr) {
  for (const MessageOutcome& m : s.messages) {
    for (const RecipientOutcome& r : m.recipients) {
      if (r.address == addr) return r;
    }
  }
  FAIL("no recipient " << addr);
  static RecipientOutcome none;
  return none;
}

}  // namespace

TEST_CASE("Pipelined RCPT replies are matched in order: accepted and refused recipients",
          "[matcher]") {
  const std::string id = "08DE5A3B1C2D0001";
  int seq = 0;
  std::vector<std::string> rows = Opening(id, 1, &seq);
  Append(&rows, {
      Row(id, 2, seq++, '*', "", "sending message with RecordId 51 and InternetMessageId <m1@ourorg.example>"),
      Row(id, 2, seq++, '>', "MAIL FROM:<alice@ourorg.example> SIZE=1200"),
      Row(id, 2, seq++, '>', "RCPT TO:<a@partner.example>"),
      Row(id, 2, seq++, '>', "RCPT TO:<b@Partner.Example>"),
      Row(id, 2, seq++, '>', "RCPT TO:<c@partner.example>"),
      Row(id, 2, seq++, '<', "250 2.1.0 Ok"),
      Row(id, 2, seq++, '<', "250 2.1.5 Ok"),
      Row(id, 2, seq++, '<', "550 5.1.1 <b@partner.example>: Recipient address rejected: User unknown"),
      Row(id, 2, seq++, '<', "250 2.1.5 Ok"),
      Row(id, 3, seq++, '>', "BDAT 1200 LAST"),
      Row(id, 3, seq++, '<', "250 2.0.0 Ok: queued as 4Xyz"),
      Row(id, 3, seq++, '>', "QUIT"),
      Row(id, 3, seq++, '<', "221 2.0.0 Bye"),
      Row(id, 3, seq++, '-', "", "Local"),
  });
  auto sessions = Match(Header() + Lines(rows));
  REQUIRE(sessions.size() == 1);
  const SessionRecord& s = sessions[0];
  CHECK(s.remote_host == "mx.partner.example");
  CHECK(s.remote_ip == "203.0.113.7");
  CHECK(s.remote_port == 25);
  CHECK(s.direction == Direction::kOutbound);
  REQUIRE(s.messages.size() == 1);
  CHECK(s.messages[0].message_id == "<m1@ourorg.example>");
  CHECK(s.messages[0].record_id == "51");
  CHECK(s.messages[0].sender == "alice@ourorg.example");
  CHECK(Rcpt(s, "a@partner.example").state == RecipientState::kDelivered);
  CHECK(Rcpt(s, "c@partner.example").state == RecipientState::kDelivered);
  const RecipientOutcome& b = Rcpt(s, "b@Partner.Example");
  CHECK(b.domain == "partner.example");
  REQUIRE(b.state == RecipientState::kFailed);
  CHECK(b.failure->code == 550);
  CHECK(b.failure->enhanced == "5.1.1");
  CHECK(b.failure->stage == Stage::kRcpt);
  CHECK(b.failure->command == "RCPT TO:<b@Partner.Example>");
  CHECK(b.failure->ref.line == 5 + 16);  // header lines + the reply's row
  CHECK_FALSE(s.session_failure);
}

TEST_CASE("A connect failure is one info row: the session fails with its domain", "[matcher]") {
  auto sessions = Match(Header() + Lines({
      Row("0A", 1, 0, '*', "SendRoutingHeaders", "Set Session Permissions"),
      Row("0A", 1, 1, '*', "", "attempting to connect"),
      Row("0A", 22, 2, '*', "",
          "Failed to connect. Winsock error code: 10060, Win32 error code: 10060, Destination "
          "domain: Fabrikam.example, Error Message: A connection attempt failed because the "
          "connected party did not properly respond after a period of time 203.0.113.7:25."),
  }));
  REQUIRE(sessions.size() == 1);
  const SessionRecord& s = sessions[0];
  REQUIRE(s.session_failure);
  CHECK(s.session_failure->stage == Stage::kConnect);
  CHECK(s.session_failure->code == 0);
  CHECK(s.destination_hint == "fabrikam.example");
  CHECK(s.local_endpoint.empty());
}

TEST_CASE("A refused MAIL FROM fails every recipient of the message", "[matcher]") {
  int seq = 0;
  std::vector<std::string> rows = Opening("0B", 1, &seq);
  Append(&rows, {
      Row("0B", 2, seq++, '>', "MAIL FROM:<alice@ourorg.example> SIZE=10"),
      Row("0B", 2, seq++, '>', "RCPT TO:<a@partner.example>"),
      Row("0B", 2, seq++, '>', "RCPT TO:<b@partner.example>"),
      Row("0B", 2, seq++, '<', "550 5.1.8 Sender address rejected: Domain not found"),
      Row("0B", 2, seq++, '<', "503 5.5.1 Error: need MAIL command"),
      Row("0B", 2, seq++, '<', "503 5.5.1 Error: need MAIL command"),
      Row("0B", 2, seq++, '>', "QUIT"),
      Row("0B", 2, seq++, '-', "", "Local"),
  });
  auto sessions = Match(Header() + Lines(rows));
  REQUIRE(sessions.size() == 1);
  for (const char* a : {"a@partner.example", "b@partner.example"}) {
    INFO(a);
    const RecipientOutcome& r = Rcpt(sessions[0], a);
    REQUIRE(r.state == RecipientState::kFailed);
    CHECK(r.failure->enhanced == "5.1.8");
    CHECK(r.failure->stage == Stage::kMail);
  }
}

TEST_CASE("DATA refused fails the accepted recipients only, and lost after DATA is a failure",
          "[matcher]") {
  int seq = 0;
  std::vector<std::string> rows = Opening("0C", 1, &seq);
  Append(&rows, {
      Row("0C", 2, seq++, '>', "MAIL FROM:<alice@ourorg.example>"),
      Row("0C", 2, seq++, '>', "RCPT TO:<a@partner.example>"),
      Row("0C", 2, seq++, '>', "RCPT TO:<gone@partner.example>"),
      Row("0C", 2, seq++, '<', "250 2.1.0 Ok"),
      Row("0C", 2, seq++, '<', "250 2.1.5 Ok"),
      Row("0C", 2, seq++, '<', "550 5.1.1 User unknown"),
      Row("0C", 2, seq++, '>', "DATA"),
      Row("0C", 2, seq++, '<', "354 End data with <CR><LF>.<CR><LF>"),
      Row("0C", 3, seq++, '<', "554 5.7.1 Message rejected as spam"),
      // a second message on the same connection, lost after its data
      Row("0C", 4, seq++, '*', "", "sending message with RecordId 52 and InternetMessageId <m2@o>"),
      Row("0C", 4, seq++, '>', "MAIL FROM:<bob@ourorg.example>"),
      Row("0C", 4, seq++, '>', "RCPT TO:<z@partner.example>"),
      Row("0C", 4, seq++, '<', "250 2.1.0 Ok"),
      Row("0C", 4, seq++, '<', "250 2.1.5 Ok"),
      Row("0C", 4, seq++, '>', "BDAT 5000 LAST"),
      Row("0C", 9, seq++, '-', "", "Remote(SocketError)"),
  });
  auto sessions = Match(Header() + Lines(rows));
  REQUIRE(sessions.size() == 1);
  const SessionRecord& s = sessions[0];
  REQUIRE(s.messages.size() == 2);
  const RecipientOutcome& a = Rcpt(s, "a@partner.example");
  REQUIRE(a.state == RecipientState::kFailed);
  CHECK(a.failure->stage == Stage::kData);
  CHECK(a.failure->enhanced == "5.7.1");
  CHECK(a.failure->command == "end of data");
  CHECK(Rcpt(s, "gone@partner.example").failure->stage == Stage::kRcpt);
  const RecipientOutcome& z = Rcpt(s, "z@partner.example");
  REQUIRE(z.state == RecipientState::kFailed);
  CHECK(z.failure->stage == Stage::kLost);
  CHECK(z.failure->text.find("after the message data") != std::string::npos);
  CHECK(z.failure->text.find("SocketError") != std::string::npos);
}

TEST_CASE("Interleaved sessions and a session spanning two files stay apart and whole",
          "[matcher]") {
  int s1 = 0, s2 = 0;
  std::vector<std::string> a = Opening("0D", 3580, &s1);
  std::vector<std::string> b = Opening("0E", 3580, &s2, "198.51.100.9:25");
  std::vector<std::string> mixed;
  for (size_t i = 0; i < a.size(); ++i) {
    mixed.push_back(a[i]);
    mixed.push_back(b[i]);
  }
  std::string file1 = Header() + Lines(mixed) + Lines({
      Row("0D", 3590, s1++, '>', "MAIL FROM:<alice@ourorg.example>"),
      Row("0D", 3590, s1++, '>', "RCPT TO:<x@partner.example>"),
  });
  std::string file2 = Header() + Lines({
      Row("0E", 3599, s2++, '>', "QUIT"),
      Row("0D", 3599, s1++, '<', "250 2.1.0 Ok"),
      Row("0D", 3599, s1++, '<', "452 4.2.2 Mailbox full"),
      Row("0D", 3599, s1++, '-', "", "Local"),
      Row("0E", 3599, s2++, '-', "", "Local"),
  });
  CollectSink sink;
  SessionMatcher matcher(&sink);
  Diagnostics diag;
  uint32_t index = 0;
  for (const std::string* f : {&file1, &file2}) {
    EventParser p("f", MakeLineSource(MemoryByteStream(*f)), &diag, LogKind::kUnknown);
    ProtocolEvent ev;
    while (p.Next(&ev)) matcher.Feed(ev, p.kind(), index);
    ++index;
  }
  matcher.Finish();
  REQUIRE(sink.sessions.size() == 2);
  const SessionRecord* d = sink.Find("0D");
  REQUIRE(d != nullptr);
  CHECK(d->first_ref.file == 0);
  const RecipientOutcome& x = Rcpt(*d, "x@partner.example");
  REQUIRE(x.state == RecipientState::kFailed);
  CHECK(x.failure->ref.file == 1);
  CHECK(x.failure->code == 452);
  const SessionRecord* e = sink.Find("0E");
  REQUIRE(e != nullptr);
  CHECK(e->remote_ip == "198.51.100.9");
  CHECK_FALSE(e->session_failure);
}

TEST_CASE("Multi-line replies: one row per line or collapsed give the same failure",
          "[matcher]") {
  for (bool collapsed : {false, true}) {
    INFO("collapsed=" << collapsed);
    int seq = 0;
    std::vector<std::string> rows = Opening("0F", 1, &seq);
    rows.push_back(Row("0F", 2, seq++, '>', "MAIL FROM:<alice@ourorg.example>"));
    rows.push_back(Row("0F", 2, seq++, '>', "RCPT TO:<u@gmail.com>"));
    rows.push_back(Row("0F", 2, seq++, '<', "250 2.1.0 OK"));
    rows.push_back(Row("0F", 2, seq++, '<', "250 2.1.5 OK"));
    rows.push_back(Row("0F", 2, seq++, '>', "BDAT 10 LAST"));
    const int64_t reply_line = 6 + static_cast<int64_t>(rows.size());  // (5 header lines)
    if (collapsed) {
      rows.push_back(Row("0F", 3, seq++, '<', "550 5.7.25 [2001:db8::25] The IP address sending this message does not have a PTR record setup"));
    } else {
      rows.push_back(Row("0F", 3, seq++, '<', "550-5.7.25 [2001:db8::25] The IP address sending this"));
      rows.push_back(Row("0F", 3, seq++, '<', "550-5.7.25 message does not have a PTR record"));
      rows.push_back(Row("0F", 3, seq++, '<', "550 5.7.25 setup"));
    }
    rows.push_back(Row("0F", 3, seq++, '-', "", "Local"));
    auto sessions = Match(Header() + Lines(rows));
    REQUIRE(sessions.size() == 1);
    const RecipientOutcome& u = Rcpt(sessions[0], "u@gmail.com");
    REQUIRE(u.state == RecipientState::kFailed);
    CHECK(u.failure->code == 550);
    CHECK(u.failure->enhanced == "5.7.25");
    CHECK(u.failure->text.find("PTR record") != std::string::npos);
    CHECK(u.failure->text.find("550-") == std::string::npos);
    CHECK(u.failure->stage == Stage::kData);
    // The reply's first row, where a reader of the log finds all of it.
    CHECK(u.failure->ref.line == reply_line);
  }
}

TEST_CASE("Failures before any message stay with the session: banner, EHLO, TLS", "[matcher]") {
  auto sessions = Match(Header() + Lines({
      Row("10", 1, 0, '+', ""),
      Row("10", 1, 1, '<', "554 5.7.1 mx.partner.example: Service unavailable; Client host [198.51.100.25] blocked using zen.spamhaus.org"),
      Row("10", 1, 2, '>', "QUIT"),
      Row("10", 1, 3, '-', "", "Local"),
      Row("11", 1, 0, '+', ""),
      Row("11", 1, 1, '<', "220 mx ESMTP"),
      Row("11", 1, 2, '>', "STARTTLS"),
      Row("11", 1, 3, '<', "220 2.0.0 SMTP server ready"),
      Row("11", 1, 4, '*', "", "TLS negotiation failed with error UnknownCredentials"),
      Row("11", 1, 5, '-', "", "Local"),
      Row("12", 1, 0, '+', ""),
      Row("12", 1, 1, '<', "220 mx ESMTP"),
      Row("12", 1, 2, '>', "EHLO mail.ourorg.example"),
      Row("12", 1, 3, '<', "550 5.7.1 Helo command rejected: Host not found"),
      Row("12", 1, 4, '>', "QUIT"),
      Row("12", 1, 5, '-', "", "Local"),
  }));
  REQUIRE(sessions.size() == 3);
  CollectSink sink;
  sink.sessions = std::move(sessions);
  REQUIRE(sink.Find("10")->session_failure);
  CHECK(sink.Find("10")->session_failure->stage == Stage::kBanner);
  CHECK(sink.Find("10")->session_failure->code == 554);
  REQUIRE(sink.Find("11")->session_failure);
  CHECK(sink.Find("11")->session_failure->stage == Stage::kTls);
  REQUIRE(sink.Find("12")->session_failure);
  CHECK(sink.Find("12")->session_failure->stage == Stage::kEhlo);
}

TEST_CASE("Receive logs: our refusals, failed AUTH, and all-zero session ids", "[matcher]") {
  auto r = [](int sec, int seq, const std::string& remote, char ev, const std::string& data,
              const std::string& ctx = "") {
    char t[64];
    std::snprintf(t, sizeof t, "2026-03-02T06:00:%02d.000Z", sec);
    return std::string(t) + ",EX01\\Default EX01,0000000000000000," + std::to_string(seq) +
           ",10.0.0.25:25," + remote + "," + ev + "," + data + "," + ctx;
  };
  std::string content = Header("SMTP Receive Protocol Log") + Lines({
      r(1, 0, "192.0.2.10:50001", '+', ""),
      r(1, 0, "192.0.2.11:50002", '+', ""),
      r(1, 1, "192.0.2.10:50001", '>', "220 mail.ourorg.example Microsoft ESMTP MAIL Service ready"),
      r(1, 1, "192.0.2.11:50002", '>', "220 mail.ourorg.example Microsoft ESMTP MAIL Service ready"),
      r(2, 2, "192.0.2.10:50001", '<', "EHLO client.example"),
      r(2, 2, "192.0.2.11:50002", '<', "EHLO spammer.example"),
      r(2, 3, "192.0.2.10:50001", '>', "250 mail.ourorg.example Hello"),
      r(2, 3, "192.0.2.11:50002", '>', "250 mail.ourorg.example Hello"),
      r(3, 4, "192.0.2.10:50001", '<', "MAIL FROM:<x@client.example>"),
      r(3, 5, "192.0.2.10:50001", '<', "RCPT TO:<nobody@ourorg.example>"),
      r(3, 6, "192.0.2.10:50001", '>', "250 2.1.0 Sender OK"),
      r(3, 7, "192.0.2.10:50001", '>', "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found"),
      r(3, 4, "192.0.2.11:50002", '<', "AUTH LOGIN"),
      r(3, 5, "192.0.2.11:50002", '>', "334 <authentication response>"),
      r(4, 6, "192.0.2.11:50002", '*', "", "Inbound AUTH LOGIN failed because of LogonDenied"),
      r(4, 7, "192.0.2.11:50002", '*', "", "User Name: admin@ourorg.example"),
      r(4, 8, "192.0.2.11:50002", '>', "535 5.7.3 Authentication unsuccessful"),
      r(5, 8, "192.0.2.10:50001", '-', "", "Remote"),
      r(5, 9, "192.0.2.11:50002", '-', "", "Remote"),
  });
  auto sessions = Match(content);
  REQUIRE(sessions.size() == 2);
  const SessionRecord& a = sessions[0].remote_ip == "192.0.2.10" ? sessions[0] : sessions[1];
  const SessionRecord& b = sessions[0].remote_ip == "192.0.2.10" ? sessions[1] : sessions[0];
  CHECK(a.direction == Direction::kInbound);
  CHECK(a.client_name == "client.example");
  const RecipientOutcome& n = Rcpt(a, "nobody@ourorg.example");
  REQUIRE(n.state == RecipientState::kFailed);
  CHECK(n.failure->enhanced == "5.1.10");
  CHECK(b.auth_failures == 1);
  REQUIRE(b.auth_users.size() == 1);
  CHECK(b.auth_users[0] == "admin@ourorg.example");
  REQUIRE(b.session_failure);
  CHECK(b.session_failure->stage == Stage::kAuth);
}

TEST_CASE("A Receive log's message is named by the reply that queued it", "[matcher]") {
  auto r = [](int seq, char ev, const std::string& data, const std::string& ctx = "") {
    return "2026-03-02T06:00:0" + std::to_string(seq / 4) + ".000Z,EX01\\Default EX01," +
           "08DE6C57743183DF," + std::to_string(seq) + ",10.0.0.25:25,192.0.2.77:10629," + ev +
           "," + data + "," + ctx;
  };
  auto sessions = Match(Header("SMTP Receive Protocol Log") + Lines({
      r(0, '+', ""),
      r(1, '>', "220 EX01.ourorg.example Microsoft ESMTP MAIL Service ready"),
      r(2, '<', "EHLO mail.partner.example"),
      r(3, '>', "250 EX01.ourorg.example Hello [192.0.2.77]"),
      r(4, '<', "MAIL FROM:<orders@partner.example> SIZE=1200"),
      r(5, '*', "08DE6C57743183DF;2026-03-02T06:00:01.000Z;1", "receiving message"),
      r(6, '>', "250 2.1.0 Sender OK"),
      r(7, '<', "RCPT TO:<purchasing@ourorg.example>"),
      r(8, '>', "250 2.1.5 Recipient OK"),
      r(9, '<', "BDAT 1200 LAST"),
      r(10, '>', "\"250 2.6.0 <6e1ca329e1b7992b@Partner.Example> [InternalId=27222099750964, "
                 "Hostname=EX01.ourorg.example] Queued mail for delivery\""),
      r(11, '<', "QUIT"),
      r(12, '>', "221 2.0.0 Service closing transmission channel"),
      r(13, '-', "", "Local"),
  }));
  REQUIRE(sessions.size() == 1);
  REQUIRE(sessions[0].messages.size() == 1);
  CHECK(sessions[0].messages[0].message_id == "<6e1ca329e1b7992b@Partner.Example>");
  CHECK(Rcpt(sessions[0], "purchasing@ourorg.example").state == RecipientState::kDelivered);
  // Only Exchange's words name a message: a queue id of another server is not a Message-ID.
  CHECK(QueuedMessageId("250 2.0.0 Ok: queued as 4Xyz <x@y>").empty());
  CHECK(QueuedMessageId("250 2.6.0 <no-at-sign> Queued mail for delivery").empty());
  CHECK(BareMessageId("<6e1ca329e1b7992b@Partner.Example>") == "6e1ca329e1b7992b@partner.example");
}

TEST_CASE("Unclosed sessions: idle ones are lost, recent ones are open at the end", "[matcher]") {
  int s1 = 0, s2 = 0;
  std::vector<std::string> rows = Opening("20", 1, &s1);
  rows.push_back(Row("20", 2, s1++, '>', "MAIL FROM:<alice@ourorg.example>"));
  rows.push_back(Row("20", 2, s1++, '>', "RCPT TO:<q@partner.example>"));
  rows.push_back(Row("20", 2, s1++, '<', "250 2.1.0 Ok"));
  rows.push_back(Row("20", 2, s1++, '<', "250 2.1.5 Ok"));
  rows.push_back(Row("20", 2, s1++, '>', "BDAT 10 LAST"));
  Append(&rows, Opening("21", 1790, &s2));
  rows.push_back(Row("21", 1799, s2++, '>', "MAIL FROM:<bob@ourorg.example>"));
  auto sessions = Match(Header() + Lines(rows));
  REQUIRE(sessions.size() == 2);
  CollectSink sink;
  sink.sessions = std::move(sessions);
  const SessionRecord* lost = sink.Find("20");
  CHECK(lost->close_reason == "no activity for 10 minutes");
  CHECK(Rcpt(*lost, "q@partner.example").state == RecipientState::kFailed);
  const SessionRecord* open = sink.Find("21");
  CHECK(open->open_at_end);
  CHECK_FALSE(open->session_failure);
}

TEST_CASE("A lost connection said in the rows is a failure even when the log then ends",
          "[matcher]") {
  int seq = 0;
  std::vector<std::string> rows = Opening("22", 1, &seq);
  rows.push_back(Row("22", 2, seq++, '>', "MAIL FROM:<alice@ourorg.example>"));
  rows.push_back(Row("22", 2, seq++, '>', "RCPT TO:<q@partner.example>"));
  rows.push_back(Row("22", 2, seq++, '<', "250 2.1.0 Ok"));
  rows.push_back(Row("22", 2, seq++, '<', "250 2.1.5 Ok"));
  rows.push_back(Row("22", 3, seq++, '*', "", "421 4.4.2 Connection dropped due to SocketError"));
  auto sessions = Match(Header() + Lines(rows));
  REQUIRE(sessions.size() == 1);
  CHECK_FALSE(sessions[0].open_at_end);
  const RecipientOutcome& q = Rcpt(sessions[0], "q@partner.example");
  REQUIRE(q.state == RecipientState::kFailed);
  CHECK(q.failure->stage == Stage::kLost);
  CHECK(q.failure->text.find("SocketError") != std::string::npos);
}

TEST_CASE("With the files' times known, a timeout that runs out between files cuts a session off",
          "[matcher]") {
  // Two files, 06:00-06:30 and 06:50-06:59. Session 40 stops at 06:05: its timeout runs out at
  // 06:15, in the first file, which goes on without it: lost. Session 41 stops at 06:25: its
  // timeout runs out at 06:35, between the files: cut off, its outcome unknown.
  auto stops = [](const std::string& id, int sec) {
    int seq = 0;
    std::vector<std::string> rows = Opening(id, sec, &seq);
    rows.push_back(Row(id, sec, seq++, '>', "MAIL FROM:<alice@ourorg.example>"));
    rows.push_back(Row(id, sec, seq++, '>', "RCPT TO:<q" + id + "@partner.example>"));
    rows.push_back(Row(id, sec, seq++, '<', "250 2.1.0 Ok"));
    rows.push_back(Row(id, sec, seq++, '<', "250 2.1.5 Ok"));
    return rows;
  };
  std::vector<std::string> first = stops("40", 5 * 60);
  Append(&first, stops("41", 25 * 60));
  for (int sec : {300, 900, 1500, 1800}) first.push_back(Row("42", sec, 0, '+', ""));
  std::vector<std::string> second;
  for (int sec : {3000, 3300, 3540}) second.push_back(Row("43", sec, 0, '+', ""));
  CollectSink sink;
  SessionMatcher matcher(&sink);
  auto feed = [&](const std::vector<std::string>& rows, uint32_t file) {
    Diagnostics diag;
    EventParser parser("test.LOG", MakeLineSource(MemoryByteStream(Header() + Lines(rows))),
                       &diag, LogKind::kUnknown);
    ProtocolEvent ev;
    while (parser.Next(&ev)) matcher.Feed(ev, parser.kind(), file);
  };
  const TimeMs six = 1772431200000;  // 2026-03-02T06:00:00Z
  matcher.AddFile(six + 300 * 1000, six + 1800 * 1000);
  feed(first, 0);
  matcher.AddFile(six + 3000 * 1000, six + 3540 * 1000);
  feed(second, 1);
  matcher.Finish();
  const SessionRecord* lost = sink.Find("40");
  REQUIRE(lost != nullptr);
  CHECK(lost->close_reason == "no activity for 10 minutes");
  CHECK_FALSE(lost->open_at_end);
  CHECK(Rcpt(*lost, "q40@partner.example").state == RecipientState::kFailed);
  const SessionRecord* cut = sink.Find("41");
  REQUIRE(cut != nullptr);
  CHECK(cut->close_reason == "open at a gap in the logs");
  CHECK(cut->open_at_end);
  CHECK(Rcpt(*cut, "q41@partner.example").state == RecipientState::kAccepted);
  CHECK(matcher.stats().closed_idle == 1);
  CHECK(matcher.stats().open_at_end == 3);  // 41 and 42 (its last row at 06:30), 43 at the end
}

TEST_CASE("A session id used again after its session ended starts a new session",
          "[matcher]") {
  auto sessions = Match(Header() + Lines({
      Row("30", 1, 0, '+', ""),
      Row("30", 1, 1, '<', "220 a ESMTP"),
      Row("30", 1, 2, '>', "QUIT"),
      Row("30", 1, 3, '-', "", "Local"),
      Row("30", 5, 0, '+', ""),
      Row("30", 5, 1, '<', "421 4.7.0 Too many connections"),
      Row("30", 5, 2, '-', "", "Remote"),
  }));
  REQUIRE(sessions.size() == 2);
  CHECK_FALSE(sessions[0].session_failure);
  REQUIRE(sessions[1].session_failure);
  CHECK(sessions[1].session_failure->code == 421);
}

TEST_CASE("A boxed failure is used like std::optional, and a copy is a copy", "[matcher]") {
  Boxed<FailureReply> a;
  CHECK_FALSE(a);
  FailureReply f;
  f.code = 550;
  f.text = "550 5.1.1 User unknown";
  a = f;
  REQUIRE(a.has_value());
  CHECK(a->code == 550);
  Boxed<FailureReply> b = a;  // copies the value
  b->text = "changed";
  CHECK(a->text == "550 5.1.1 User unknown");
  CHECK(b->text == "changed");
  b = a;
  CHECK(b->text == a->text);
  std::optional<FailureReply> none;
  b = std::move(none);
  CHECK_FALSE(b);
  std::optional<FailureReply> some = f;
  b = std::move(some);
  REQUIRE(b);
  CHECK((*b).code == 550);
  a = std::nullopt;
  CHECK_FALSE(a.has_value());
  Boxed<FailureReply> moved = std::move(b);
  CHECK(moved);
  a.reset();
  CHECK_FALSE(a);
}
