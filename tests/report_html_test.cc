// The HTML report: escaping of everything that comes from the logs, a page that needs nothing
// from outside, charts with text alternatives, the verdict in words, and a bounded size for an
// organisation with thousands of domains. The whole page for sample_logs/ is a golden test in
// cli_test.cc; the browser test renders it in Chromium.
#include "smtptriage/report_html.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "smtptriage/platform.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

constexpr TimeMs kStart = 1772431200000;  // 2026-03-02T06:00:00Z
constexpr TimeMs kHour = 3600000;

size_t Occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

FailureGroup Group(Reason reason, Family family, Side side, int64_t count, int64_t local) {
  FailureGroup g;
  g.reason = reason;
  g.family = family;
  g.side = side;
  g.rule = "test.rule";
  g.code = 550;
  g.enhanced = "5.1.1";
  g.command = Stage::kRcpt;
  g.count = count;
  g.local_count = local;
  g.first = kStart + 60000;
  g.last = kStart + 3 * kHour;
  g.sample = "550 5.1.1 user unknown";
  g.sample_ref = "SEND2026030206-1.LOG:12";
  return g;
}

DomainReport Domain(const std::string& name, const std::string& verdict, int64_t failures) {
  DomainReport d;
  d.domain = name;
  d.sessions = failures + 3;
  d.recipients = failures + 3;
  d.failed_recipients = failures;
  d.verdict = verdict;
  d.verdict_summary = {verdict + " summary", "resumen " + verdict};
  if (failures > 0) {
    d.failures.push_back(Group(Reason::kUserUnknown, Family::kRecipient, Side::kRemote, failures,
                               verdict == "local" ? failures : 0));
    d.failure_series = {{kStart, failures, {}}};
  }
  return d;
}

// A small report: six hours, one domain of ours, one of theirs, one healthy.
Report SmallReport(const std::string& side) {
  Report r;
  r.version = "test";
  r.generated = kStart + 24 * kHour;
  r.period_start = kStart;
  r.period_end = kStart + 6 * kHour - 1;
  r.empty_period = false;
  r.verdict.side = side;
  r.verdict.summary = {"Summary of the verdict.", "Resumen del veredicto."};
  r.domains = {Domain("ours.example", "local", 4), Domain("theirs.example", "remote", 2),
               Domain("fine.example", "healthy", 0)};
  for (int h = 0; h < 6; ++h) {
    TimelineBucket b;
    b.start = kStart + h * kHour;
    b.active_domains = 3;
    b.failures = h == 0 ? 6 : 0;
    b.by_family[static_cast<int>(Family::kRecipient)] = b.failures;
    r.timeline.push_back(b);
  }
  return r;
}

std::string Render(const Report& r, Lang lang = Lang::kEn) {
  RenderOptions o;
  o.lang = lang;
  std::ostringstream out;
  RenderHtml(r, o, out);
  return out.str();
}

}  // namespace

TEST_CASE("HTML: the page needs nothing from outside and runs no script", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  std::string page = Render(SmallReport("local"));
  CHECK(page.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
  CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(page.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") !=
        std::string::npos);
  CHECK(page.find("@media print") != std::string::npos);
  for (const char* outside : {"<script", "javascript:", " src=", "<link", "url(", "@import",
                              "<iframe", "<object", "<embed", " on"}) {
    INFO(outside);
    // " on" would start an event handler attribute such as onload=.
    if (std::string(outside) == " on") {
      CHECK(page.find(" onload=") == std::string::npos);
      CHECK(page.find(" onerror=") == std::string::npos);
    } else {
      CHECK(page.find(outside) == std::string::npos);
    }
  }
  CHECK(page.substr(page.size() - 8) == "</html>\n");
}

TEST_CASE("HTML: the verdict is said in words and marked by shape as well as colour", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  struct Case {
    std::string side;
    Lang lang;
    std::string css;
    std::string words;
  };
  for (const Case& c : std::vector<Case>{
           {"local", Lang::kEn, "verdict ours", "OURS: the failures point to our side"},
           {"remote", Lang::kEn, "verdict theirs",
            "THEIRS: the failures point to the receiving side"},
           {"none", Lang::kEn, "verdict none", "NOTHING TO REPORT"},
           {"local", Lang::kEs, "verdict ours", "NUESTRO: los fallos apuntan a nuestro lado"},
           {"remote", Lang::kEs, "verdict theirs", "SUYO: los fallos apuntan al lado receptor"},
           {"none", Lang::kEs, "verdict none", "NADA QUE SEÑALAR"}}) {
    INFO(c.side << " " << c.words);
    std::string page = Render(SmallReport(c.side), c.lang);
    CHECK(page.find("<section class=\"" + c.css + "\"") != std::string::npos);
    CHECK(page.find(c.words) != std::string::npos);
    CHECK(page.find(c.lang == Lang::kEs ? "Resumen del veredicto." : "Summary of the verdict.") !=
          std::string::npos);
    CHECK(page.find(c.lang == Lang::kEs ? "<html lang=\"es\">" : "<html lang=\"en\">") !=
          std::string::npos);
  }
  // In the table, each verdict badge has its word and its own shape.
  std::string page = Render(SmallReport("local"));
  CHECK(
      page.find("<span class=\"badge ours\"><span aria-hidden=\"true\">\xE2\x96\xB2</span> OURS") !=
      std::string::npos);
  CHECK(page.find("<span class=\"badge theirs\"><span aria-hidden=\"true\">\xE2\x97\x8F</span> "
                  "THEIRS") != std::string::npos);
  // Only domains with problems are listed, ours first.
  CHECK(page.find("fine.example") == std::string::npos);
  CHECK(page.find("ours.example") < page.find("theirs.example"));
}

TEST_CASE("HTML: every chart has a title and a description", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = SmallReport("local");
  Incident inc;
  inc.family = Family::kConnection;
  inc.reasons = {Reason::kConnectTimeout};
  inc.start = kStart + kHour;
  inc.end = kStart + 3 * kHour;
  inc.trend = "steady";
  inc.domains = 5;
  inc.failures = 40;
  inc.buckets = {{kStart + kHour, 5, 6}, {kStart + 2 * kHour, 4, 6}};
  inc.summary = {"Incident summary.", "Resumen del incidente."};
  r.incidents.push_back(inc);
  std::string page = Render(r);
  size_t charts = Occurrences(page, "<svg ");
  CHECK(charts == 1 + 1 + 2);  // the incident, the timeline, two sparklines
  CHECK(Occurrences(page, "role=\"img\"") == charts);
  CHECK(Occurrences(page, "<desc id=") == charts);
  CHECK(Occurrences(page, "<title id=") == charts);
  // The incident chart says its numbers in words.
  CHECK(page.find("per hour: 07:00 5/6, 08:00 4/6</desc>") != std::string::npos);
  CHECK(page.find("Incident summary.") != std::string::npos);
  // The timeline is also a table of numbers.
  CHECK(page.find("<td class=\"when\">06:00</td><td class=\"num\">6</td><td>recipient 6</td>") !=
        std::string::npos);
}

TEST_CASE("HTML: text from the logs cannot inject markup", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  const std::string evil = "<x-evil onclick=\"alert(1)\">&'</x-evil>";
  const std::string escaped =
      "&lt;x-evil onclick=&quot;alert(1)&quot;&gt;&amp;&#39;&lt;/x-evil&gt;";
  Report r = SmallReport("local");
  r.verdict.summary = {"verdict " + evil, "veredicto " + evil};
  r.verdict.remote_summary = {"remote " + evil, "remoto " + evil};
  r.verdict.rule = "rule" + evil;
  r.verdict.check_first = {{"check " + evil, "comprobar " + evil}};
  DomainReport& d = r.domains[0];
  d.domain = "dom" + evil;
  d.unresolved = true;
  d.verdict_summary = {"summary " + evil, "resumen " + evil};
  d.failures[0].sample = "550 " + evil;
  d.failures[0].sample_ref = "file" + evil + ":1";
  d.failures[0].enhanced = "5.1." + evil;
  d.failures[0].rule = "rule" + evil;
  Rule rule;
  rule.id = "rule" + evil;
  rule.reason = Reason::kUserUnknown;
  rule.explanation = {"explains " + evil, "explica " + evil};
  rule.checks = {{"check " + evil, "comprobar " + evil}};
  r.rules[rule.id] = rule;
  Incident inc;
  inc.family = Family::kConnection;
  inc.start = kStart;
  inc.end = kStart + kHour;
  inc.trend = "steady";
  inc.buckets = {{kStart, 3, 4}};
  inc.sample_domains = {"d" + evil};
  inc.summary = {"incident " + evil, "incidente " + evil};
  r.incidents.push_back(inc);
  AuthFailureGroup auth;
  auth.remote_ip = "ip" + evil;
  auth.count = 1;
  auth.users = {"user" + evil};
  auth.sample_ref = "ref" + evil;
  r.auth_failures.push_back(auth);
  // (a reason as a merged report gives it: any text)
  r.diagnostics.AddCounted("reason" + evil, 1, {"file" + evil + ":7"});
  r.diagnostics.Skipped("path" + evil, "why" + evil);
  r.diagnostics.Note("note" + evil, "note" + evil);
  InputFileReport f;
  f.path = "input" + evil;
  r.files.push_back(f);
  r.version = "1" + evil;

  for (Lang lang : {Lang::kEn, Lang::kEs}) {
    std::string page = Render(r, lang);
    CHECK(page.find("<x-evil") == std::string::npos);
    CHECK(page.find("</x-evil") == std::string::npos);
    CHECK(page.find("onclick=\"") == std::string::npos);
    // Each field shows up, escaped.
    CHECK(Occurrences(page, escaped) >= 20);
  }
}

TEST_CASE("HTML: a log reply with markup is shown as text", "[html][cli]") {
  TempDir dir;
  int seq = 0;
  const std::string id = "08DE0000000000E1";
  std::string log =
      Header() +
      Lines({Row(id, 10, seq++, '+', ""), Row(id, 10, seq++, '<', "220 mx.partner.example ESMTP"),
             Row(id, 10, seq++, '>', "EHLO mail.ourorg.example"),
             Row(id, 10, seq++, '<', "250 mx.partner.example"),
             Row(id, 10, seq++, '>', "MAIL FROM:<alice@ourorg.example>"),
             Row(id, 10, seq++, '>', "RCPT TO:<a@partner.example>"),
             Row(id, 10, seq++, '<', "250 2.1.0 Ok"),
             Row(id, 10, seq++, '<',
                 "550 5.1.1 <script>alert(1)</script><img src=x onerror=alert(2)>"),
             Row(id, 10, seq++, '>', "QUIT"), Row(id, 10, seq++, '<', "221 2.0.0 Bye"),
             Row(id, 10, seq++, '-', "", "Local")});
  // A folder name with markup, which shows up in every file:line.
  std::string path = dir.Write("x<i>y&z\"/SEND2026030206-1.LOG", log);
  std::string out, err;
  REQUIRE(RunCli("scan --format html --tz UTC '" + dir.path().string() + "'", &out, &err) == 0);
  INFO(err);
  CHECK(out.find("<script") == std::string::npos);
  CHECK(out.find("<img") == std::string::npos);
  CHECK(out.find("<i>") == std::string::npos);
  CHECK(out.find(
            "550 5.1.1 &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") !=
        std::string::npos);
  CHECK(out.find("x&lt;i&gt;y&amp;z&quot;/SEND2026030206-1.LOG:13") != std::string::npos);
  CHECK(out.find("partner.example") != std::string::npos);
}

TEST_CASE("HTML: thousands of domains keep the page to a few hundred KB", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = SmallReport("remote");
  r.domains.clear();
  r.timeline.clear();
  r.period_end = kStart + 7 * 24 * kHour - 1;  // a week: 168 hourly buckets
  for (int i = 0; i < 5000; ++i) {
    DomainReport d = Domain("partner" + std::to_string(i) + ".example", "remote", 168);
    d.failure_series.clear();
    for (int h = 0; h < 168; ++h) d.failure_series.push_back({kStart + h * kHour, 1, {}});
    for (int k = 0; k < 5; ++k) {
      d.failures.push_back(
          Group(static_cast<Reason>(k), FamilyOf(static_cast<Reason>(k)), Side::kRemote, 1, 0));
    }
    r.domains.push_back(std::move(d));
  }
  for (int h = 0; h < 168; ++h) {
    TimelineBucket b;
    b.start = kStart + h * kHour;
    b.active_domains = 5000;
    b.failures = 5000;
    b.by_family[static_cast<int>(Family::kRecipient)] = 5000;
    r.timeline.push_back(b);
  }
  std::string page = Render(r);
  CHECK(Occurrences(page, "<tr class=\"main\">") == kHtmlDomainRows);
  CHECK(page.find("4,900 more domains with failures are not shown") != std::string::npos);
  CHECK(page.size() < 400 * 1024);
  // A week of hours is drawn as 56 bars of 3 hours.
  CHECK(page.find("Outbound failures per 3 hours") != std::string::npos);
  CHECK(page.find("partner0.example") != std::string::npos);
  CHECK(page.find("partner4999.example") == std::string::npos);
}

TEST_CASE("HTML: an empty period says so instead of drawing", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r;
  r.version = "test";
  r.verdict.summary = {"No outbound delivery failures in the period.", "Ninguno."};
  std::string page = Render(r);
  CHECK(page.find("No sessions in the period.") != std::string::npos);
  CHECK(page.find("<svg") == std::string::npos);
  CHECK(page.find("No outbound domain had failures.") != std::string::npos);
  CHECK(page.find("NOTHING TO REPORT") != std::string::npos);
}

TEST_CASE("HTML: a reason partly ours says how many of its failures are", "[html]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = SmallReport("local");
  // theirs.example: 5 blocked, 3 of them naming our IP, 2 that the rules leave to either side.
  DomainReport& d = r.domains[1];
  d.failures = {Group(Reason::kBlocked, Family::kReputation, Side::kLocal, 3, 3),
                Group(Reason::kBlocked, Family::kReputation, Side::kEither, 2, 0)};
  d.failed_recipients = 5;
  r.domains[0].failures = {Group(Reason::kBlocked, Family::kReputation, Side::kLocal, 4, 4)};
  for (Lang lang : {Lang::kEn, Lang::kEs}) {
    std::string page = Render(r, lang);
    const bool es = lang == Lang::kEs;
    CHECK(page.find(std::string("<code>blocked</code> 5 <span class=\"tag\">\xE2\x96\xB2 3 ") +
                    (es ? "nuestros" : "ours") + "</span>") != std::string::npos);
    // All of them ours: the tag alone.
    CHECK(page.find(std::string("<code>blocked</code> 4 <span class=\"tag\">\xE2\x96\xB2 ") +
                    (es ? "nuestro" : "ours") + "</span>") != std::string::npos);
  }
}
