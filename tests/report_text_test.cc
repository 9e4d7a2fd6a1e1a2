// The text report's wording that the golden report of sample_logs/ does not reach: counts and
// sizes written as each language writes them, singular and plural of what is left out, the
// inbound list named for what it lists, and the machine's zone named in the report's language.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "smtptriage/diagnostics.h"
#include "smtptriage/platform.h"
#include "smtptriage/reporters.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

constexpr TimeMs kStart = 1772431200000;  // 2026-03-02T06:00:00Z

DomainReport Failing(const std::string& name, Direction direction, int64_t failures) {
  DomainReport d;
  d.domain = name;
  d.direction = direction;
  d.sessions = failures;
  d.failed_sessions = failures;
  d.verdict = "remote";
  FailureGroup g;
  g.reason = Reason::kUserUnknown;
  g.family = Family::kRecipient;
  g.side = Side::kRemote;
  g.rule = "recipient.unknown";
  g.code = 550;
  g.enhanced = "5.1.1";
  g.command = Stage::kRcpt;
  g.count = failures;
  g.first = kStart;
  g.last = kStart;
  g.sample = "550 5.1.1 user unknown";
  g.sample_ref = "SEND2026030206-1.LOG:12";
  d.failures.push_back(g);
  return d;
}

// Three failing domains each way, one of them inbound known only by its address, and one
// healthy inbound domain.
Report ThreeEachWay() {
  Report r;
  r.period_start = kStart;
  r.period_end = kStart + 3600000;
  r.bytes = 1288490;  // 1.2 MiB
  r.lines = 12345;
  for (int i = 0; i < 3; ++i) {
    r.domains.push_back(Failing("partner" + std::to_string(i) + ".example", Direction::kOutbound,
                                3 - i));
  }
  r.domains.push_back(Failing("sender0.example", Direction::kInbound, 3));
  r.domains.push_back(Failing("sender1.example", Direction::kInbound, 2));
  DomainReport ip = Failing("192.0.2.7", Direction::kInbound, 1);
  ip.unresolved = true;
  r.domains.push_back(ip);
  DomainReport quiet = Failing("quiet.example", Direction::kInbound, 0);
  quiet.failures.clear();
  r.domains.push_back(quiet);
  return r;
}

std::string Text(const Report& r, Lang lang, size_t top) {
  RenderOptions o;
  o.lang = lang;
  o.top = top;
  std::ostringstream out;
  RenderText(r, o, out);
  return out.str();
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("Counts and sizes are written as each language writes them", "[text]") {
  CHECK(GroupedCount(0, Lang::kEn) == "0");
  CHECK(GroupedCount(999, Lang::kEn) == "999");
  CHECK(GroupedCount(1234, Lang::kEn) == "1,234");
  CHECK(GroupedCount(1234567, Lang::kEn) == "1,234,567");
  CHECK(GroupedCount(-12345, Lang::kEn) == "-12,345");
  // Spanish: no grouping of four digits, then a non-breaking space.
  CHECK(GroupedCount(1234, Lang::kEs) == "1234");
  CHECK(GroupedCount(12345, Lang::kEs) == "12\xC2\xA0" "345");
  CHECK(GroupedCount(1234567, Lang::kEs) == "1\xC2\xA0" "234\xC2\xA0" "567");

  CHECK(ByteSize(532, Lang::kEn) == "532 bytes");
  CHECK(ByteSize(1288490, Lang::kEn) == "1.2 MB");
  CHECK(ByteSize(1288490, Lang::kEs) == "1,2 MB");
  CHECK(ByteSize(int64_t{3} << 30, Lang::kEs) == "3,0 GB");
  CHECK(ByteSize(1536, Lang::kEn) == "1.5 KB");
}

TEST_CASE("Text report: the input line in Spanish uses Spanish numbers", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  CHECK(Has(Text(r, Lang::kEn, 20), "1.2 MB, 12,345 lines"));
  CHECK(Has(Text(r, Lang::kEs, 20), "1,2 MB, 12\xC2\xA0" "345 líneas"));
}

TEST_CASE("Text report: inbound lists senders, domains or client addresses", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  std::string en = Text(r, Lang::kEn, 20);
  CHECK(Has(en, "(3 of 3 domains had failures)"));
  CHECK(Has(en, "Inbound: what our server refused (3 of 4 senders had failures)"));
  CHECK(Has(en, "  192.0.2.7 (client IP)  1 failure:"));
  std::string es = Text(r, Lang::kEs, 20);
  CHECK(Has(es, "(3 de 3 dominios tuvieron fallos)"));
  CHECK(Has(es, "Entrante: lo que nuestro servidor rechazó (3 de 4 remitentes tuvieron fallos)"));
}

TEST_CASE("Text report: what --top leaves out is counted in the singular or the plural",
          "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  std::string one = Text(r, Lang::kEn, 2);
  CHECK(Has(one, "  ... 1 more domain with failures (see --top or --format json)\n"));
  CHECK(Has(one, "  ... 1 more sender with failures (see --top or --format json)\n"));
  std::string two = Text(r, Lang::kEn, 1);
  CHECK(Has(two, "  ... 2 more domains with failures (see --top or --format json)\n"));
  CHECK(Has(two, "  ... 2 more senders with failures (see --top or --format json)\n"));
  std::string uno = Text(r, Lang::kEs, 2);
  CHECK(Has(uno, "  ... 1 dominio más con fallos (ver --top o --format json)\n"));
  CHECK(Has(uno, "  ... 1 remitente más con fallos (ver --top o --format json)\n"));
  std::string dos = Text(r, Lang::kEs, 1);
  CHECK(Has(dos, "  ... 2 dominios más con fallos (ver --top o --format json)\n"));
  CHECK(Has(dos, "  ... 2 remitentes más con fallos (ver --top o --format json)\n"));
}

TEST_CASE("The machine's own zone is named in the report's language", "[text][cli]") {
  // No --tz and no TZ: the machine's zone, named in the words of the report.
  std::string en, es;
  REQUIRE(RunCli("scan sample_logs/", &en, nullptr, "", "env -u TZ") == 0);
  CHECK(Has(en, "Times are shown in this machine's zone"));
  REQUIRE(RunCli("scan --lang es sample_logs/", &es, nullptr, "", "env -u TZ") == 0);
  CHECK(Has(es, "Las horas se muestran en la zona de esta máquina"));
  CHECK_FALSE(Has(es, "machine"));
  REQUIRE(RunCli("scan --lang es --format html sample_logs/", &es, nullptr, "", "env -u TZ") == 0);
  CHECK(Has(es, "Las horas se muestran en la zona de esta máquina"));
  CHECK_FALSE(Has(es, "machine"));
  REQUIRE(platform::UseTimeZone("UTC"));
  CHECK(platform::TimeZoneName("la zona de esta máquina") == "UTC");
}

TEST_CASE("A domain's verdict names the failures that point the other way", "[text][cli]") {
  // Unknown recipients are theirs, our sending IP on a blocklist is ours: a domain with seven of
  // one and two of the other, one with three and one, and one with a single failure.
  const std::string blocked = "554 5.7.1 Service unavailable; Client host [198.51.100.25] blocked "
                              "using zen.spamhaus.org";
  std::vector<std::string> rows;
  int n = 0;
  auto sessions = [&](int count, const std::string& domain, const std::string& reply) {
    for (int i = 0; i < count; ++i, ++n) {
      char id[17];
      std::snprintf(id, sizeof id, "08DE5A3B1C2D%04X", n);
      const std::string to = "user" + std::to_string(n) + "@" + domain;
      for (const std::string& row :
           SendSession(id, 60 + 30 * n, "<M" + std::to_string(n) + "@ourorg.example>", to,
                       reply == "unknown" ? "550 5.1.1 <" + to + ">: User unknown" : reply)) {
        rows.push_back(row);
      }
    }
  };
  sessions(7, "seven.example", "unknown");
  sessions(2, "seven.example", blocked);
  sessions(3, "four.example", "unknown");
  sessions(1, "four.example", blocked);
  sessions(1, "one.example", "unknown");
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  const std::string logs = "'" + dir.path().string() + "'";
  std::string en, es;
  REQUIRE(RunCli("scan " + logs, &en) == 0);
  INFO(en);
  CHECK(Has(en, "=> 7 of 9 failures point to the remote side: user_unknown (7). The other 2 "
                "point to our side: blocked (2).\n"));
  CHECK(Has(en, "=> 3 of 4 failures point to the remote side: user_unknown (3). The other one "
                "points to our side: blocked (1).\n"));
  CHECK(Has(en, "=> The one failure points to the remote side: user_unknown (1).\n"));
  CHECK_FALSE(Has(en, " of 1 failures"));
  // Both are in the headline: what we can fix, named where it happened.
  CHECK(Has(en, "OURS: 2 domains refused mail for reasons on our side: seven.example: blocked "
                "(2); four.example: blocked (1).\n"));
  REQUIRE(RunCli("scan --lang es " + logs, &es) == 0);
  CHECK(Has(es, "Los otros 2 apuntan a nuestro lado: blocked (2).\n"));
  CHECK(Has(es, "El otro apunta a nuestro lado: blocked (1).\n"));
  CHECK(Has(es, "=> El único fallo apunta al lado remoto: user_unknown (1).\n"));
}

TEST_CASE("Text report: a server with no incident but failures of ours is not called healthy",
          "[text][servers]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  for (const char* name : {"EX01", "EX02", "EX03"}) {
    ServerReport s;
    s.name = name;
    s.sessions = 10;
    r.servers.push_back(s);
  }
  r.servers[0].local_by_rule = 4;   // a missing PTR, no incident
  r.servers[1].verdict = "local";    // its own incident
  r.servers[1].local_by_rule = 1;
  std::string en = Text(r, Lang::kEn, 20);
  CHECK(Has(en, "  EX01  [no incident]  10 sessions, 0 failed recipients, 0 sessions failed "
                "before any recipient, 4 failures whose reply puts them on our side\n"));
  CHECK(Has(en, "  EX02  [OURS: its own incident]  10 sessions, 0 failed recipients, 0 sessions "
                "failed before any recipient, 1 failure whose reply puts it on our side\n"));
  CHECK(Has(en, "  EX03  [healthy]  10 sessions, 0 failed recipients, 0 sessions failed before "
                "any recipient, 0 failures whose reply puts them on our side\n"));
  std::string es = Text(r, Lang::kEs, 20);
  CHECK(Has(es, "  EX01  [sin incidente]  "));
  CHECK(Has(es, ", 4 fallos que su respuesta atribuye a nuestro lado\n"));
  CHECK(Has(es, ", 1 fallo que su respuesta atribuye a nuestro lado\n"));
  CHECK(Has(es, "  EX03  [sano]  "));
}

TEST_CASE("Text report: none or one to count is said in words", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report one;
  one.domains.push_back(Failing("partner0.example", Direction::kOutbound, 2));
  one.domains.push_back(Failing("sender0.example", Direction::kInbound, 1));
  one.diagnostics.Malformed("SEND.LOG", 7, LineProblem::kNotProtocolRow, "x");
  std::string en = Text(one, Lang::kEn, 20);
  CHECK(Has(en, "Outbound problems by destination domain (the only domain had failures)\n"));
  CHECK(Has(en, "Inbound: what our server refused (the only sender had failures)\n"));
  CHECK(Has(en, ", 1 malformed\n"));
  std::string es = Text(one, Lang::kEs, 20);
  CHECK(Has(es, "(el único dominio tuvo fallos)\n"));
  CHECK(Has(es, "(el único remitente tuvo fallos)\n"));
  CHECK(Has(es, ", 1 mal formada\n"));

  one.domains[0].failures.clear();
  one.domains[0].failed_sessions = 0;
  CHECK(Has(Text(one, Lang::kEn, 20), "(the only domain had no failures)\n"));

  Report none;
  CHECK(Has(Text(none, Lang::kEn, 20),
            "Outbound problems by destination domain (no domains in the period)\n"));
  CHECK(Has(Text(none, Lang::kEs, 20), "(ningún dominio en el periodo)\n"));
  CHECK(Has(Text(none, Lang::kEs, 20), ", 0 mal formadas\n"));
}

TEST_CASE("Spanish output names families, tiers and how a session ended in Spanish",
          "[text][cli]") {
  std::string out;
  REQUIRE(RunCli("scan --lang es sample_logs/", &out) == 0);
  CHECK(Has(out, "4x require_ptr (autenticación, nuestro)  550 5.7.25 en data"));
  for (const char* english : {"(authentication,", "(connection,", "(recipient,", "(reputation,"}) {
    INFO(english);
    CHECK_FALSE(Has(out, english));
  }
  REQUIRE(RunCli("explain --lang es '550 5.1.1 user unknown'", &out) == 0);
  CHECK(Has(out, "Motivo: user_unknown (destinatario)\n"));
  CHECK(Has(out, "Regla aplicada: recipient.unknown (genérica) "));
  REQUIRE(RunCli("investigate --lang es 08DE6C57743183E0 sample_logs", &out) == 0);
  CHECK(Has(out, "Sesión 08DE6C57743183E0  envío  "));
  CHECK(Has(out, "  (la conexión falló)\n"));
  CHECK(Has(out, "x connect_timeout (conexión)"));
}

TEST_CASE("Text report: sessions cut off by the end of the logs are counted, only when any",
          "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  CHECK_FALSE(Has(Text(r, Lang::kEn, 20), "cut off"));
  r.totals.open_at_end = 12;
  CHECK(Has(Text(r, Lang::kEn, 20),
            ", 12 sessions cut off by the end of the logs (not counted as failures)\n"));
  CHECK(Has(Text(r, Lang::kEs, 20),
            ", 12 sesiones cortadas por el final de los registros (no cuentan como fallos)\n"));
  r.totals.open_at_end = 1;
  CHECK(Has(Text(r, Lang::kEn, 20),
            ", 1 session cut off by the end of the logs (not counted as a failure)\n"));
  CHECK(Has(Text(r, Lang::kEs, 20),
            ", 1 sesión cortada por el final de los registros (no cuenta como fallo)\n"));
}

TEST_CASE("Text report: the totals agree in number with their counts", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  r.totals = {};
  r.totals.sessions = 1;
  r.totals.internal_sessions = 1;
  r.totals.messages = 1;
  r.totals.recipients = 1;
  r.totals.failed_recipients = 1;
  r.totals.connect_failures = 1;
  CHECK(Has(Text(r, Lang::kEn, 20),
            "Totals: 1 session (0 inbound, 1 internal), 1 message, 1 recipient, 1 failed "
            "recipient, 1 connect failure\n"));
  CHECK(Has(Text(r, Lang::kEs, 20),
            "Totales: 1 sesión (0 entrantes, 1 interna), 1 mensaje, 1 destinatario, 1 "
            "destinatario fallido, 1 fallo de conexión\n"));
  r.totals.sessions = 2;
  r.totals.inbound_sessions = 1;
  r.totals.failed_recipients = 2;
  CHECK(Has(Text(r, Lang::kEs, 20), "Totales: 2 sesiones (1 entrante, 1 interna)"));
  CHECK(Has(Text(r, Lang::kEn, 20), ", 2 failed recipients, "));
}

TEST_CASE("Text report: why lines could not be read is said in Spanish too", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r = ThreeEachWay();
  r.diagnostics.Malformed("SEND2026030206-1.LOG", 7, LineProblem::kUnterminatedQuote, "x");
  // A reason this version does not know, from a report merged.
  r.diagnostics.AddCounted("a reason of a newer parser", 1, {"SEND2026030206-1.LOG:9"});
  const std::string es = Text(r, Lang::kEs, 20);
  CHECK(Has(es, "  Líneas mal formadas: 1 comillas sin cerrar (p. ej. SEND2026030206-1.LOG:7)\n"));
  CHECK(Has(es, "  Líneas mal formadas: 1 a reason of a newer parser (p. ej."));  // as it is
  CHECK(Has(Text(r, Lang::kEn, 20),
            "  Malformed lines: 1 unterminated quote (e.g. SEND2026030206-1.LOG:7)\n"));
  // Every reason has its own words in each language, found again from its English ones.
  std::set<std::string_view> seen_en, seen_es;
  for (int i = 0; i <= static_cast<int>(LineProblem::kTrackingFieldsShort); ++i) {
    const auto [english, spanish] = MalformedWords(static_cast<LineProblem>(i));
    INFO(english);
    CHECK(english != spanish);
    CHECK(seen_en.insert(english).second);
    CHECK(seen_es.insert(spanish).second);
    CHECK(MalformedWords(english, true) == spanish);
  }
}

TEST_CASE("Check first says how many failures its rule explains, and when", "[text]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  Report r;
  r.verdict.side = "local";
  r.verdict.rule = "auth.ptr";
  r.verdict.check_first = {{"Check the PTR record.", "Compruebe el registro PTR."}};
  auto group = [](const std::string& rule, int64_t n, TimeMs first, TimeMs last) {
    FailureGroup g;
    g.rule = rule;
    g.count = n;
    g.first = first;
    g.last = last;
    return g;
  };
  const TimeMs six = 1772431200000;  // 2026-03-02T06:00Z
  DomainReport gmail;
  gmail.domain = "gmail.com";
  gmail.failures = {group("auth.ptr", 3, six + 21 * 60000, six + 35 * 60000),
                    group("recipient.unknown", 9, six, six + 3600000)};
  DomainReport other;
  other.domain = "partner.example";
  other.failures = {group("auth.ptr", 1, six + 25 * 60000, six + 25 * 60000)};
  // Mail to us refused by a rule of the same id is not ours to count.
  DomainReport inbound = other;
  inbound.direction = Direction::kInbound;
  // Counted over every domain the verdict weighed, not only those a report lists (--domain).
  r.domains = {gmail};
  r.verdict.rule_span = SpanOfRule("auth.ptr", {&gmail, &other, &inbound});
  CHECK(CheckFirstSpan(r, Lang::kEn) == ", 4 failures from 06:21 to 06:35");
  CHECK(CheckFirstSpan(r, Lang::kEs) == ", 4 fallos de 06:21 a 06:35");
  r.verdict.rule_span = SpanOfRule("auth.ptr", {&other});
  CHECK(CheckFirstSpan(r, Lang::kEn) == ", 1 failure at 06:25");
  CHECK(CheckFirstSpan(r, Lang::kEs) == ", 1 fallo a las 06:25");
  CHECK(SpanOfRule("auth.ptr", {&inbound}).failures == 0);
  r.verdict.rule_span = {};
  CHECK(CheckFirstSpan(r, Lang::kEn).empty());
  // Over two days, the dates too.
  gmail.failures[0].last = six + 86400000;
  r.verdict.rule_span = SpanOfRule("auth.ptr", {&gmail});
  CHECK(CheckFirstSpan(r, Lang::kEn) ==
        ", 3 failures from 2026-03-02 06:21 +00:00 to 2026-03-03 06:00 +00:00");
  std::ostringstream out;
  RenderText(r, RenderOptions(), out);
  CHECK(out.str().find("\nCheck first (rule auth.ptr, 3 failures from 2026-03-02 06:21 +00:00 "
                       "to 2026-03-03 06:00 +00:00):\n  1. Check the PTR record.\n") !=
        std::string::npos);
}
