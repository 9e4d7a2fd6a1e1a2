#include <catch2/catch.hpp>

#include <sstream>

#include "smtptriage/reporters.h"

using namespace smtptriage;

namespace {

FailureGroup Group(int n, std::string sample) {
  FailureGroup g;
  g.reason = n % 2 ? Reason::kUserUnknown : Reason::kGreylisted;
  g.family = n % 2 ? Family::kRecipient : Family::kThrottling;
  g.side = n % 2 ? Side::kRemote : Side::kLocal;
  g.retry = n % 2 ? Retry::kPermanent : Retry::kTransient;
  g.rule = "recipient.unknown." + std::to_string(n);
  g.code = n % 3 ? 550 : 0;  // 0 is written as null
  g.enhanced = n % 3 ? "5.1.1" : "";
  g.command = Stage::kRcpt;
  g.count = 12 + n;
  g.local_count = n;
  g.first = 1772409600000 + n;
  g.last = 1772413200999;
  g.sample = std::move(sample);
  g.sample_ref = "C:\\Program Files\\Microsoft\\Exchange Server\\SEND20260302-1.LOG:1012";
  g.sample_session = "08DE6C25299713D9";
  g.sample_connector = "Internet Send Connector";
  g.sample_local = "10.0.0.25:55459";
  g.sample_remote = "[2001:db8::25]:25";
  g.sample_remote_host = "";
  g.sample_command = "RCPT TO:<\"odd user\"@fabrikam.example>";
  if (n > 0) g.buckets = {{1772409600000, 3, {}}, {1772413200000, 9 + n, {}}};
  return g;
}

DomainReport Domain(int n) {
  DomainReport d;
  d.domain = n == 2 ? "203.0.113.7" : "fabrikam" + std::to_string(n) + ".example";
  d.direction = n == 1 ? Direction::kInbound : Direction::kOutbound;
  d.unresolved = n == 2;
  d.sessions = 100 + n;
  d.recipients = 250;
  d.failed_recipients = 30;
  d.failed_sessions = n;
  d.verdict = "remote";
  d.verdict_summary.en = "Their server refuses \"most\" recipients:\t5.1.1";
  if (n != 1) d.remote_ips = {"203.0.113.7", "2001:db8::25"};
  d.remote_hosts = {"mx1.fabrikam.example"};
  if (n == 0) {
    // Text from logs is not always clean: quotes, backslashes, control bytes, UTF-8 in several
    // lengths, bytes that are not UTF-8 at all, and DEL.
    d.failures.push_back(Group(0, "550 5.1.1 \"user\" unknown \\ see\r\n\x01\x1f end"));
    d.failures.push_back(Group(1, "550 5.7.1 Zugriff verweigert: M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x93\xa7"));
    d.failures.push_back(Group(2, "550 bad \xff\xfe bytes \xc3 cut \xe2\x82 short \x7f"));
    d.failures_by_server = {{"EX01", 20}, {"EX02 \"b\"", 10}};
  }
  if (n != 2) d.failure_series = {{1772409600000, 3, {}}, {1772413200000, 27, {}}};
  CellRecord cell;
  cell.start = 1772409600000;
  cell.server = n == 0 ? "EX01" : "";
  cell.attempts = 40;
  if (n == 0) cell.failed = {{Reason::kUserUnknown, Side::kRemote, 7}, {Reason::kGreylisted, Side::kLocal, 2}};
  d.cells.push_back(cell);
  if (n == 0) d.cells.push_back(CellRecord());
  return d;
}

}  // namespace

TEST_CASE("The JSON report's domains are the text one nlohmann dump of the report gives",
          "[report]") {
  Report report;
  report.generated = 1772496000000;
  report.period_start = 1772409600000;
  report.period_end = 1772496000000;
  for (int n = 0; n < 4; ++n) report.domains.push_back(Domain(n));
  report.domains.push_back(DomainReport());  // every field at its default

  std::ostringstream out;
  RenderJson(report, RenderOptions(), out);
  const std::string whole =
      ReportToJson(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  CHECK(out.str() == whole + "\n");
  // The awkward text is in it, escaped or replaced, not dropped.
  CHECK(whole.find("\\\"user\\\" unknown \\\\ see\\r\\n\\u0001\\u001f end") != std::string::npos);
  CHECK(whole.find("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x93\xa7") != std::string::npos);
  CHECK(whole.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(whole.find("\"failures_by_server\": {") != std::string::npos);
  CHECK(whole.find("\"code\": null") != std::string::npos);
}

TEST_CASE("Every character that needs escaping is escaped wherever it falls in a string",
          "[report]") {
  // Strings of 0 to 40 characters with one such character at each place: the report writer
  // checks 16 bytes at a time, so the places either side of each block boundary matter.
  Report report;
  DomainReport d;
  d.domain = "fabrikam.example";
  int n = 0;
  for (char odd : {'"', '\\', '\x01', '\x1f', '\x7f', '\x80', '\xff'}) {
    for (size_t length = 1; length <= 40; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = odd;
        d.failures.push_back(Group(n++, text));
      }
    }
  }
  d.failures.push_back(Group(n++, ""));
  d.failures.push_back(Group(n++, std::string(40, 'b')));
  report.domains.push_back(d);
  std::ostringstream out;
  RenderJson(report, RenderOptions(), out);
  CHECK(out.str() ==
        ReportToJson(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
            "\n");
}
