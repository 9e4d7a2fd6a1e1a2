#include "smtptriage/tracking_parser.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "smtptriage/aggregator.h"
#include "smtptriage/loggen.h"
#include "json_schema.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

const char* const k2007Fields =
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,recipient-address,recipient-status,"
    "total-bytes,recipient-count,related-recipient-address,reference,message-subject,"
    "sender-address,return-path,message-info";

// The #Fields list of a layout: 21 (2007), 26 (2010), 27 (2013) or 30 (2016/2019) columns.
// Written out here on purpose, apart from TrackingLayout(), so that a mistake in the reader's
// list shows as a failing test rather than agreeing with itself.
std::vector<std::string> Columns(int count) {
  std::vector<std::string> cols;
  std::string all = k2007Fields;
  if (count >= 26)
    all += ",directionality,tenant-id,original-client-ip,original-server-ip,custom-data";
  if (count >= 27) all.insert(all.find(",recipient-address"), ",network-message-id");
  if (count == 30) all += ",transport-traffic-type,log-id,schema-version";
  size_t start = 0;
  while (true) {
    size_t comma = all.find(',', start);
    cols.push_back(all.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cols;
}

std::string Quote(const std::string& f) {
  if (f.find_first_of(",\"") == std::string::npos) return f;
  std::string q = "\"";
  for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string TrackingHeader(int count) {
  std::string h =
      "#Software: Microsoft Exchange Server\r\n#Version: 15.01.2375.007\r\n"
      "#Log-type: Message Tracking Log\r\n#Date: 2026-03-02T06:00:00.000Z\r\n#Fields: ";
  std::vector<std::string> cols = Columns(count);
  for (size_t i = 0; i < cols.size(); ++i) h += (i ? "," : "") + cols[i];
  return h + "\r\n";
}

// One row of the layout, with the named columns set and the others empty.
std::string TrackingRow(int count, const std::map<std::string, std::string>& values) {
  std::string row;
  std::vector<std::string> cols = Columns(count);
  for (size_t i = 0; i < cols.size(); ++i) {
    auto it = values.find(cols[i]);
    row += (i ? "," : "") + (it == values.end() ? std::string() : Quote(it->second));
  }
  return row + "\r\n";
}

// A row's fields, copied (an event's views last only until the next row).
struct OwnedEvent {
  std::array<std::string, kTrkFieldCount> field;
  std::string get(TrackingField f) const { return field[f]; }
};

std::vector<OwnedEvent> ParseAll(const std::string& content, Diagnostics* diag,
                                 std::vector<SessionRecord>* records = nullptr) {
  TrackingParser parser("MSGTRK2026030206-1.LOG", MakeLineSource(MemoryByteStream(content)), diag);
  std::vector<OwnedEvent> out;
  TrackingEvent ev;
  while (parser.Next(&ev)) {
    OwnedEvent owned;
    for (int i = 0; i < kTrkFieldCount; ++i) owned.field[i] = std::string(ev.field[i]);
    out.push_back(std::move(owned));
    if (records != nullptr) {
      if (auto r = TrackingRecord(ev, 0)) records->push_back(std::move(*r));
    }
  }
  return out;
}

const std::string kWrapped =
    "{[{LRT=};{LED=550 5.7.1 RESOLVER.RST.AuthRequired; authentication required};"
    "{FQDN=mx1.partner.example};{IP=192.0.2.25}]}";

}  // namespace

TEST_CASE("A status wrapped as the queue's last error gives its reply and remote host",
          "[tracking]") {
  TrackingStatus st = ParseTrackingStatus(kWrapped);
  CHECK(st.code == 550);
  CHECK(st.enhanced == "5.7.1");
  CHECK(st.text == "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required");
  CHECK(st.remote_host == "mx1.partner.example");
  CHECK(st.remote_ip == "192.0.2.25");

  TrackingStatus plain = ParseTrackingStatus("550 4.4.7 QUEUE.Expired; message expired");
  CHECK(plain.code == 550);
  CHECK(plain.enhanced == "4.4.7");
  TrackingStatus tight = ParseTrackingStatus("250 2.1.5Recipient OK");
  CHECK(tight.code == 250);
}

TEST_CASE("Parallel recipient lists give one status per recipient", "[tracking]") {
  const std::string statuses =
      "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;" + kWrapped + ";250 2.1.5Recipient OK";
  auto pairs = SplitRecipients("a@partner.example;b@partner.example;c@other.example", statuses);
  REQUIRE(pairs.size() == 3);
  CHECK(pairs[0].first == "a@partner.example");
  CHECK(pairs[0].second == "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
  CHECK(pairs[1].second == kWrapped);
  CHECK(pairs[2].second == "250 2.1.5Recipient OK");

  // One recipient: the whole status, ';' and all.
  auto one = SplitRecipients("a@partner.example", "550 4.4.7 QUEUE.Expired; message expired");
  REQUIRE(one.size() == 1);
  CHECK(one[0].second == "550 4.4.7 QUEUE.Expired; message expired");
  // Fewer statuses than recipients: the last one applies to the rest.
  auto shared = SplitRecipients("a@x.example;b@y.example", "451 4.4.0 DNS query failed");
  REQUIRE(shared.size() == 2);
  CHECK(shared[1].second == "451 4.4.0 DNS query failed");
}

TEST_CASE("Every layout is read from #Fields, never from fixed positions", "[tracking]") {
  for (int count : {21, 26, 27, 30}) {
    INFO(count << " columns");
    std::string log = "\xEF\xBB\xBF" + TrackingHeader(count);
    log += TrackingRow(count, {{"date-time", "2026-03-02T06:00:01.000Z"},
                               {"client-ip", "2001:db8::25"},
                               {"server-hostname", "EX01"},
                               {"source", "SMTP"},
                               {"event-id", "FAIL"},
                               {"internal-message-id", "1234"},
                               {"message-id", "<m1@ourorg.example>"},
                               {"network-message-id", "5a2c"},
                               {"recipient-address", "bob@partner.example;eve@partner.example"},
                               {"recipient-status", kWrapped + ";" + kWrapped},
                               {"recipient-count", "2"},
                               {"message-subject", "Quarterly, final"},
                               {"sender-address", "alice@ourorg.example"},
                               {"source-context", "a, b, c"}});
    log += TrackingRow(count, {{"date-time", "2026-03-02T06:00:02.000Z"},
                               {"source", "AGENT"},
                               {"event-id", "SOMETHINGNEW"}});
    Diagnostics diag;
    std::vector<SessionRecord> records;
    std::vector<OwnedEvent> events = ParseAll(log, &diag, &records);
    CHECK(diag.malformed_total() == 0);
    REQUIRE(events.size() == 2);
    CHECK(events[0].get(kTrkClientIp) == "2001:db8::25");
    CHECK(events[0].get(kTrkSubject) == "Quarterly, final");
    CHECK(events[1].get(kTrkEventId) == "SOMETHINGNEW");  // passed through untouched
    REQUIRE(records.size() == 1);
    const SessionRecord& s = records[0];
    CHECK(s.log == LogKind::kTracking);
    CHECK(s.remote_host == "mx1.partner.example");
    REQUIRE(s.messages.size() == 1);
    CHECK(s.messages[0].sender == "alice@ourorg.example");
    CHECK(s.messages[0].message_id == "<m1@ourorg.example>");
    REQUIRE(s.messages[0].recipients.size() == 2);
    for (const RecipientOutcome& rc : s.messages[0].recipients) {
      CHECK(rc.domain == "partner.example");
      CHECK(rc.state == RecipientState::kFailed);
      REQUIRE(rc.failure);
      CHECK(rc.failure->code == 550);
      CHECK(rc.failure->stage == Stage::kQueue);
    }
  }
}

TEST_CASE("A damaged tracking .gz keeps its rows before the damage and names the file once",
          "[tracking]") {
  const int n = 27;
  std::string log = TrackingHeader(n);
  for (int i = 0; i < 30; ++i) {
    log += TrackingRow(n, {{"date-time", "2026-03-02T06:00:" + std::string(i < 10 ? "0" : "") +
                                             std::to_string(i) + ".000Z"},
                           {"source", "SMTP"},
                           {"event-id", "SEND"},
                           {"message-id", "<d" + std::to_string(i) + "@ourorg.example>"},
                           {"recipient-address", "bob@partner.example"},
                           {"recipient-status", "250 2.6.0 Queued mail for delivery"},
                           {"sender-address", "alice@ourorg.example"}});
  }
  const int64_t lines = std::count(log.begin(), log.end(), '\n');
  TempDir dir;
  // Blocks up to a byte boundary, then one of a type deflate does not have.
  dir.Write("MessageTracking/MSGTRK2026030206-1.LOG.gz",
            Gzip(log, Z_FULL_FLUSH) + "\x07" + Garbage(1024));
  std::string out, err;
  REQUIRE(RunCli("scan --format json " + dir.path().string(), &out, &err) == 0);
  INFO(out << err);
  const nlohmann::json j = nlohmann::json::parse(out);
  CHECK(j["inputs"]["file_list"][0]["lines"] == lines);
  REQUIRE(j["inputs"]["skipped_files"].size() == 1);
  const nlohmann::json& skipped = j["inputs"]["skipped_files"][0];
  const std::string file = (dir.path() / "MessageTracking" / "MSGTRK2026030206-1.LOG.gz").string();
  CHECK(skipped["path"] == file + ":" + std::to_string(lines + 1));
  CHECK(skipped["reason"] == "gzip error: invalid block type; the lines before it were read");
}

TEST_CASE("The real message tracking samples read with no malformed row", "[tracking][corpus]") {
  const std::string dir = std::string(SMTPTRIAGE_CORPUS_DIR) + "/";
  if (!std::filesystem::exists(dir)) {
    WARN("no corpus at " << dir);  // ctest counts the test as skipped
    return;
  }
  struct Sample {
    const char* path;
    size_t rows;
    bool headerless;
  };
  const Sample samples[] = {
      {"aws-kinesis-agent-windows/MSGTRK-exchange2013-15.00.1104.LOG", 2, false},
      {"elastic-beats/MSGTRK-exchange2010-with-BOM.LOG", 2, false},
      {"qazeer-artefacts-help/MSGTRKMS2022091915-1.LOG", 2, false},
      {"elastic-integrations/test-messagetracking.log", 6, true},
  };
  for (const Sample& sample : samples) {
    std::string path = dir + sample.path;
    INFO(path);
    REQUIRE(LooksLikeTrackingFile(path));
    std::unique_ptr<LineSource> source;
    REQUIRE(OpenLineSource(path, &source).ok());
    Diagnostics diag;
    TrackingParser parser(path, std::move(source), &diag);
    TrackingEvent ev;
    size_t rows = 0;
    std::vector<SessionRecord> records;
    while (parser.Next(&ev)) {
      ++rows;
      CHECK(!ev.get(kTrkEventId).empty());
      if (auto r = TrackingRecord(ev, 0)) records.push_back(std::move(*r));
    }
    CHECK(rows == sample.rows);
    CHECK(diag.malformed_total() == 0);
    CHECK(diag.notes().size() == (sample.headerless ? 1u : 0u));
    if (sample.headerless) {
      // RECEIVE (2), SEND and SENDEXTERNAL become records; the SEND row's status has no space.
      REQUIRE(records.size() == 4);
      CHECK(records[0].session == "08DC1DB12C345BE5");
      CHECK(records[0].direction == Direction::kInbound);
      CHECK(records[2].direction == Direction::kInternal);  // Intra-Organization connector
      CHECK(records[2].messages[0].recipients[0].state == RecipientState::kDelivered);
    }
  }
  // Not a tracking log: a protocol log sample is left to the protocol parser.
  CHECK(!LooksLikeTrackingFile(dir + "qazeer-artefacts-help/RECV2023011116-1.LOG"));
}

TEST_CASE("A message seen in both logs is counted once and carries both views", "[tracking]") {
  // The protocol log: bob@partner.example refused at RCPT TO, carol@partner.example accepted.
  const std::string id = "08DE5A3B1C2D00A1";
  int seq = 0;
  std::vector<std::string> rows = {
      Row(id, 1, seq++, '*', "", "attempting to connect"),
      Row(id, 1, seq++, '+', "", ""),
      Row(id, 1, seq++, '<', "220 mx.partner.example ESMTP"),
      Row(id, 1, seq++, '>', "EHLO mail.ourorg.example"),
      Row(id, 1, seq++, '<', "250 mx.partner.example"),
      Row(id, 2, seq++, '*', "",
          "sending message with RecordId 51 and InternetMessageId <M1@ourorg.example>"),
      Row(id, 2, seq++, '>', "MAIL FROM:<alice@ourorg.example>"),
      Row(id, 2, seq++, '>', "RCPT TO:<bob@partner.example>"),
      Row(id, 2, seq++, '>', "RCPT TO:<carol@partner.example>"),
      Row(id, 2, seq++, '<', "250 2.1.0 Ok"),
      Row(id, 2, seq++, '<',
          "550 5.1.1 <bob@partner.example>: Recipient address rejected: "
          "User unknown in virtual mailbox table"),
      Row(id, 2, seq++, '<', "250 2.1.5 Ok"),
      Row(id, 3, seq++, '>', "BDAT 1200 LAST"),
      Row(id, 3, seq++, '<', "250 2.0.0 Ok: queued"),
      Row(id, 3, seq++, '>', "QUIT"),
      Row(id, 3, seq++, '-', "", "Local"),
  };
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  // The tracking log: the same message (its FAIL for bob and SEND for carol), and a DNS failure
  // that no protocol log can show.
  const int n = 30;
  std::string trk = TrackingHeader(n);
  trk += TrackingRow(n, {{"date-time", "2026-03-02T06:00:02.500Z"},
                         {"source", "SMTP"},
                         {"event-id", "FAIL"},
                         {"message-id", "<m1@ourorg.example>"},
                         {"recipient-address", "bob@partner.example"},
                         {"recipient-status", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"},
                         {"sender-address", "alice@ourorg.example"}});
  trk += TrackingRow(n, {{"date-time", "2026-03-02T06:00:03.000Z"},
                         {"source", "SMTP"},
                         {"event-id", "SEND"},
                         {"connector-id", "Internet Send Connector"},
                         {"message-id", "<m1@ourorg.example>"},
                         {"recipient-address", "carol@partner.example"},
                         {"recipient-status", "250 2.1.5Recipient OK"},
                         {"sender-address", "alice@ourorg.example"}});
  trk += TrackingRow(
      n, {{"date-time", "2026-03-02T06:10:00.000Z"},
          {"source", "DNS"},
          {"event-id", "FAIL"},
          {"message-id", "<m2@ourorg.example>"},
          {"recipient-address", "dave@nowhere.example"},
          {"recipient-status", "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain"},
          {"sender-address", "alice@ourorg.example"}});
  dir.Write("MessageTracking/MSGTRK2026030206-1.LOG", trk);

  std::string out, err;
  REQUIRE(RunCli("scan --format json " + dir.path().string(), &out, &err) == 0);
  INFO(out << err);
  nlohmann::json j = nlohmann::json::parse(out);
  CHECK(j["totals"]["recipients"] == 3);         // bob, carol (protocol) and dave (tracking)
  CHECK(j["totals"]["failed_recipients"] == 2);  // bob once, not again from his FAIL row
  // Sessions are SMTP sessions: dave's message never left, and had none.
  CHECK(j["totals"]["sessions"] == 1);
  CHECK(j["totals"]["failed_sessions"] == 1);
  CHECK(j["servers"][0]["sessions"] == 1);
  bool saw_dns = false;
  for (const auto& d : j["domains"]) {
    if (d["domain"] == "partner.example") {
      CHECK(d["failed_recipients"] == 1);
      CHECK(d["recipients"] == 2);
    }
    if (d["domain"] == "nowhere.example") {
      saw_dns = true;
      CHECK(d["failures"][0]["reason"] == "host_unknown");
      CHECK(d["sessions"] == 0);
      CHECK(d["failed_recipients"] == 1);
    }
  }
  CHECK(saw_dns);
  // investigate counts as scan does: dave's message had no session, and is not 'not found'.
  REQUIRE(RunCli("investigate nowhere.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  const nlohmann::json tracked = nlohmann::json::parse(out);
  CHECK(tracked["sessions"] == 0);
  CHECK(tracked["messages_only_in_tracking"] == 1);
  CHECK(tracked["failures"] == 1);
  CHECK(tracked["verdict"]["side"] == "remote");
  // And says so in words, in either language.
  REQUIRE(RunCli("investigate nowhere.example " + dir.path().string(), &out, &err) == 0);
  CHECK(out.find("failures: 1; 1 message seen only in message tracking\n") != std::string::npos);
  REQUIRE(RunCli("investigate nowhere.example --lang es " + dir.path().string(), &out, &err) ==
          0);
  CHECK(out.find("fallos: 1; 1 mensaje visto solo en el seguimiento de mensajes\n") !=
        std::string::npos);

  // The same rows as a headerless excerpt named on the command line: still joined.
  std::string excerpt;
  for (size_t at = 0; at < trk.size();) {
    size_t end = trk.find('\n', at) + 1;
    if (trk[at] != '#') excerpt += trk.substr(at, end - at);
    at = end;
  }
  std::string excerpt_path = dir.Write("excerpt.log", excerpt);
  REQUIRE(RunCli("scan --format json " + (dir.path() / "SmtpSend").string() + " " + excerpt_path,
                 &out, &err) == 0);
  nlohmann::json named = nlohmann::json::parse(out);
  CHECK(named["totals"]["failed_recipients"] == 2);

  // The sender's NDRs: bob's with the remote's own reply and the NDR's status, and dave's.
  REQUIRE(RunCli("investigate alice@ourorg.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  nlohmann::json inv = nlohmann::json::parse(out);
  REQUIRE(inv["occurrences"].size() == 2);
  std::string bob = inv["occurrences"][0]["reply"];
  CHECK(bob.find("User unknown in virtual mailbox table") != std::string::npos);
  CHECK(bob.find("NDR: 550 5.1.1 RESOLVER.ADR.RecipNotFound") != std::string::npos);
  CHECK(inv["occurrences"][0]["session"] == id);
  CHECK(inv["occurrences"][1]["recipient"] == "dave@nowhere.example");
  CHECK(inv["failures"] == 2);

  // The recipient's view: the one failure to bob, not two.
  REQUIRE(RunCli("investigate bob@partner.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  nlohmann::json rcpt = nlohmann::json::parse(out);
  REQUIRE(rcpt["occurrences"].size() == 1);
  CHECK(rcpt["occurrences"][0]["side"] == "remote");
  CHECK(rcpt["failure_kinds"][0]["reason"] == "user_unknown");
  CHECK(!rcpt["failure_kinds"][0]["transcript"].empty());  // the protocol session's rows

  // The message: each recipient once, bob's failure with the NDR beside the remote's reply.
  REQUIRE(RunCli("investigate '<M1@ourorg.example>' --format json " + dir.path().string(), &out,
                 &err) == 0);
  nlohmann::json message = nlohmann::json::parse(out);
  CHECK(message["target"]["kind"] == "message");
  CHECK(message["recipients"] == 2);
  REQUIRE(message["message_recipients"].size() == 2);
  CHECK(message["message_recipients"][0]["recipient"] == "bob@partner.example");
  std::string ndr = message["message_recipients"][0]["failure"]["reply"];
  CHECK(ndr.find("NDR: 550 5.1.1 RESOLVER.ADR.RecipNotFound") != std::string::npos);
  CHECK(message["message_recipients"][1]["recipient"] == "carol@partner.example");
  CHECK(message["message_recipients"][1]["outcome"] == "delivered");
  // One only tracking shows: its FAIL row is where it is seen.
  REQUIRE(RunCli("investigate m2@ourorg.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  message = nlohmann::json::parse(out);
  CHECK(message["target"]["kind"] == "message");
  CHECK(message["sessions_found"].empty());  // a tracking row has no transcript
  REQUIRE(message["message_recipients"].size() == 1);
  CHECK(message["message_recipients"][0]["log"] == "tracking");
  CHECK(message["message_recipients"][0]["failure"]["reason"] == "host_unknown");
}

TEST_CASE("A deferred message that tracking shows sent later was delivered on retry",
          "[tracking][investigate]") {
  const int n = 30;
  const std::map<std::string, std::string> defer = {
      {"date-time", "2026-03-02T06:00:01.500Z"},
      {"source", "SMTP"},
      {"event-id", "DEFER"},
      {"connector-id", "Internet Send Connector"},
      {"message-id", "<M1@ourorg.example>"},
      {"recipient-address", "info@partner.example"},
      {"recipient-status", "451 4.7.1 Greylisted, see https://postgrey.schweikert.ch/help/"},
      {"sender-address", "alice@ourorg.example"}};
  std::map<std::string, std::string> sent = defer;
  sent["date-time"] = "2026-03-02T06:10:00.500Z";
  sent["event-id"] = "SEND";
  sent["recipient-status"] = "250 2.1.5 Ok";
  TempDir dir;
  dir.Write("MessageTracking/MSGTRK2026030206-1.LOG",
            TrackingHeader(n) + TrackingRow(n, defer) + TrackingRow(n, sent));
  std::string out, err;
  REQUIRE(RunCli("investigate info@partner.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  nlohmann::json j = nlohmann::json::parse(out);
  CHECK(j["verdict"]["side"] == "healthy");
  CHECK(j["failures"] == 1);
  CHECK(j["delivered_on_retry"] == 1);
  REQUIRE(j["occurrences"].size() == 1);
  const nlohmann::json& retry = j["occurrences"][0]["delivered_on_retry"];
  CHECK(retry["time"] == "2026-03-02T06:10:00.500Z");
  CHECK(retry["session"] == "");  // a tracking row is no session: its row is named instead
  CHECK(retry["ref"].get<std::string>().find("MSGTRK2026030206-1.LOG:7") != std::string::npos);

  // With the protocol log of both attempts too: the DEFER is the greylisted attempt's, not a
  // failure of its own.
  std::vector<std::string> rows =
      SendSession("08DE5A3B1C2D0B01", 1, "<M1@ourorg.example>", "info@partner.example",
                  "451 4.7.1 <info@partner.example>: Recipient address rejected: Greylisted");
  for (const std::string& row : SendSession("08DE5A3B1C2D0B02", 600, "<M1@ourorg.example>",
                                            "info@partner.example", "250 2.1.5 Ok")) {
    rows.push_back(row);
  }
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  REQUIRE(RunCli("investigate info@partner.example --format json " + dir.path().string(), &out,
                 &err) == 0);
  j = nlohmann::json::parse(out);
  CHECK(j["failures"] == 1);
  CHECK(j["delivered_on_retry"] == 1);
  REQUIRE(j["occurrences"].size() == 1);
  std::string reply = j["occurrences"][0]["reply"];
  CHECK(reply.find("Recipient address rejected: Greylisted | NDR: 451 4.7.1 Greylisted") !=
        std::string::npos);
  CHECK(j["occurrences"][0]["delivered_on_retry"]["session"] == "08DE5A3B1C2D0B02");
  // As scan counts it.
  REQUIRE(RunCli("scan --format json " + dir.path().string(), &out, &err) == 0);
  CHECK(nlohmann::json::parse(out)["totals"]["failed_recipients"] == 1);
}

TEST_CASE("Generated tracking logs in every layout match the protocol logs", "[tracking][loggen]") {
  namespace lg = smtptriage::loggen;
  const int64_t start = 1772409600000;  // 2026-03-02T00:00:00Z
  const int64_t hour = 3600 * 1000;
  for (int layout : {21, 26, 27, 30}) {
    INFO(layout << " columns");
    lg::Scenario sc;
    sc.name = "tracking";
    sc.seed = 11;
    sc.start_ms = start + 10 * hour;
    sc.end_ms = start + 13 * hour;
    sc.sessions_per_hour = 60;
    sc.domain_count = 12;
    sc.background_user_unknown = 0.05;
    sc.tracking_logs = true;
    sc.tracking_fields = layout;
    sc.tracking_nonexistent_domains = 3;
    sc.tracking_expired = 2;
    sc.tracking_dns_outage_start_ms = start + 12 * hour;
    sc.tracking_dns_outage_end_ms = start + 12 * hour + 40 * 60 * 1000;
    sc.tracking_dns_outage_messages = 60;
    TempDir dir;
    lg::Result r;
    REQUIRE(lg::Generate(sc, dir.path().string(), &r).ok());
    REQUIRE(!r.tracking_files.empty());

    int64_t rows = 0, failed_records = 0;
    for (const std::string& path : r.tracking_files) {
      INFO(path);
      std::unique_ptr<LineSource> source;
      REQUIRE(OpenLineSource(path, &source).ok());
      Diagnostics diag;
      TrackingParser parser(path, std::move(source), &diag);
      TrackingEvent ev;
      while (parser.Next(&ev)) {
        ++rows;
        CHECK(parser.field_count() == static_cast<size_t>(layout));
        if (auto rec = TrackingRecord(ev, 0)) {
          for (const RecipientOutcome& rc : rec->messages[0].recipients) {
            failed_records += rc.state == RecipientState::kFailed;
          }
        }
      }
      CHECK(diag.malformed_total() == 0);
    }
    CHECK(rows == r.tracking_rows);
    // The failures only tracking shows: 3 mistyped domains, 60 DNS deferrals, and 2 messages
    // deferred three times and then expired.
    const int64_t lone = 3 + 60 + 2 * 4;
    CHECK(failed_records > lone);

    std::string out, err;
    std::string protocol_only = (dir.path() / "SmtpSend").string();
    REQUIRE(RunCli("scan --format json " + protocol_only, &out, &err) == 0);
    nlohmann::json p = nlohmann::json::parse(out);
    REQUIRE(RunCli("scan --format json " + dir.path().string(), &out, &err) == 0);
    nlohmann::json both = nlohmann::json::parse(out);
    // Every message of a protocol session is counted once: the tracking view adds exactly the
    // failures that no protocol session carried.
    CHECK(both["totals"]["failed_recipients"].get<int64_t>() ==
          p["totals"]["failed_recipients"].get<int64_t>() + lone);
    bool dns_incident = false;
    for (const auto& inc : both["incidents"]) dns_incident |= inc["family"] == "dns";
    CHECK(dns_incident);
    std::ifstream schema_file(std::string(SMTPTRIAGE_SOURCE_DIR) + "/docs/report.schema.json");
    std::stringstream schema;
    schema << schema_file.rdbuf();
    SchemaValidator validator(nlohmann::json::parse(schema.str()));
    std::vector<std::string> problems = validator.Validate(both);
    for (const std::string& problem : problems) INFO(problem);
    CHECK(problems.empty());
  }
}
