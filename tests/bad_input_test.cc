// The bad-input matrix: files cut short, in the wrong encoding, not logs at all, odd sessions,
// broken rules and options, and inputs that try to exhaust memory. In every case the run goes on,
// the rest of the input is still read and counted, and the report says what was skipped and where.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "smtptriage/csv.h"
#include "smtptriage/input_files.h"
#include "smtptriage/reply.h"
#include "smtptriage/report.h"
#include "smtptriage/rules_loader.h"
#include "smtptriage/scanner.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
using nlohmann::json;

namespace {

// One outbound session with one message to `rcpt` answered by `reply`, ended cleanly.
std::vector<std::string> Session(const std::string& id, int sec, const std::string& rcpt,
                                 const std::string& reply) {
  int seq = 0;
  return {Row(id, sec, seq++, '+', ""),
          Row(id, sec, seq++, '<', "220 mx.partner.example ESMTP"),
          Row(id, sec, seq++, '>', "EHLO mail.ourorg.example"),
          Row(id, sec, seq++, '<', "250 mx.partner.example"),
          Row(id, sec, seq++, '>', "MAIL FROM:<alice@ourorg.example>"),
          Row(id, sec, seq++, '>', "RCPT TO:<" + rcpt + ">"),
          Row(id, sec, seq++, '<', "250 2.1.0 Ok"),
          Row(id, sec, seq++, '<', reply),
          Row(id, sec, seq++, '>', "QUIT"),
          Row(id, sec, seq++, '<', "221 2.0.0 Bye"),
          Row(id, sec, seq++, '-', "", "Local")};
}

// The file beside every bad one: one session with one failure, which must always be counted.
std::string GoodLog() {
  return Header() + Lines(Session("08DE000000000001", 10, "a@good.example",
                                  "550 5.1.1 <a@good.example>: User unknown"));
}

// A well-formed session for the bad files, after (or around) the bad part.
std::string BadFileSession() {
  return Lines(Session("08DE0000000000B2", 20, "b@other.example",
                       "550 5.1.1 <b@other.example>: User unknown"));
}

std::string Utf16(const std::string& ascii, bool little_endian) {
  std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char c : ascii) {
    if (little_endian) {
      out += c;
      out += '\0';
    } else {
      out += '\0';
      out += c;
    }
  }
  return out;
}

struct ScanResult {
  int rc = -1;
  json doc;
  std::string err;
};

ScanResult ScanJson(const std::string& args) {
  ScanResult r;
  std::string out;
  r.rc = RunCli("scan " + args + " --format json --now 2026-03-03T00:00:00Z", &out, &r.err);
  r.doc = json::parse(out, nullptr, /*allow_exceptions=*/false);
  return r;
}

// Every message of the report's inputs section, as "where: what" lines.
std::vector<std::string> Messages(const json& doc, const char* section) {
  std::vector<std::string> out;
  for (const json& s : doc["inputs"][section]) {
    out.push_back(s["path"].get<std::string>() + ": " +
                  s[std::string(section) == "notes" ? "note" : "reason"].get<std::string>());
  }
  return out;
}

// The malformed-line examples ("file:line") given for a reason containing `reason`.
std::vector<std::string> MalformedExamples(const json& doc, const std::string& reason) {
  std::vector<std::string> out;
  for (const json& m : doc["inputs"]["malformed"]) {
    if (m["reason"].get<std::string>().find(reason) == std::string::npos) continue;
    for (const json& e : m["examples"]) out.push_back(e.get<std::string>());
  }
  return out;
}

bool AnyContains(const std::vector<std::string>& v, const std::string& a,
                 const std::string& b = "") {
  for (const std::string& s : v) {
    if (s.find(a) != std::string::npos && s.find(b) != std::string::npos) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += "\n  " + x;
  return s;
}

enum class Expect { kNothing, kMalformed, kSkipped, kNote };

struct BadFile {
  const char* what;
  std::string name;          // the bad file's name in the scanned folder
  std::string content;
  Expect expect;
  std::string message;       // part of the reason or note
  std::string where;         // "NAME:LINE" (or "NAME" for a note), "" when any place in NAME
  int64_t sessions;          // sessions in the bad file that must still be counted
};

}  // namespace

TEST_CASE("Bad files are reported with file and line and the rest is still read", "[bad_input]") {
  const std::string kName = "SEND2026030207-1.LOG";
  const std::string header_no_fields =
      "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"
      "#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-03-02T06:00:00.000Z\r\n";
  const std::string row = Row("08DE0000000000B1", 5, 0, '<', "250 ok");
  const std::string huge(10u << 20, 'x');
  std::string many;
  for (int i = 0; i < 300; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "08DE0000%08X", 0x1000 + i);
    many += Lines(Session(id, 20 + i % 30, "c@many.example", "550 5.1.1 User unknown"));
  }
  std::string gz = Gzip(Header() + many);
  std::string gz_cut = gz.substr(0, gz.size() * 6 / 10);

  // Line numbers: Header() is 5 lines, so the first row after it is line 6.
  const std::vector<BadFile> cases = {
      {"an empty file", kName, "", Expect::kNothing, "", "", 0},
      {"a header only", kName, Header(), Expect::kNothing, "", "", 0},
      {"no #Fields line", kName, header_no_fields + BadFileSession(), Expect::kNote,
       "no #Fields header", kName, 1},
      {"an unknown #Log-type", kName, Header("SMTP Mystery Log") + BadFileSession(),
       Expect::kSkipped, "is not an SMTP protocol log", kName + ":3", 0},
      {"fewer fields than #Fields", kName,
       Header() + "2026-03-02T06:00:05.000Z,Internet Send Connector,08DE0000000000B1,0\r\n" +
           BadFileSession(),
       Expect::kMalformed, "fewer fields", kName + ":6", 1},
      {"more fields than #Fields", kName, Header() + row + ",x,y\r\n" + BadFileSession(),
       Expect::kMalformed, "more fields", kName + ":6", 1},
      {"an unterminated quote", kName,
       Header() + row + ",\"550 never closed\r\n" + BadFileSession(), Expect::kMalformed,
       "unterminated quote", kName + ":6", 1},
      {"a line of 10 MiB", kName, Header() + huge + "\r\n" + BadFileSession(), Expect::kMalformed,
       "longer than 8 MiB", kName + ":6", 1},
      {"a last line of 10 MiB with no line end", kName, Header() + BadFileSession() + huge,
       Expect::kMalformed, "longer than 8 MiB", kName + ":17", 1},
      {"NUL bytes in a line", kName,
       Header() + std::string("2026-03-02T06:00:05.000Z,\0\0\0\0,", 30) + "\r\n" +
           BadFileSession(),
       Expect::kMalformed, "NUL bytes", kName + ":6", 1},
      {"a block of NULs (a file cut by a crash)", kName,
       Header() + BadFileSession() + std::string(4096, '\0'), Expect::kMalformed, "NUL bytes",
       kName + ":17", 1},
      {"binary garbage between rows", kName, Header() + Garbage(8192) + "\r\n" + BadFileSession(),
       Expect::kMalformed, "", kName + ":", 1},
      {"invalid UTF-8 in a reply", kName,
       Header() + Lines(Session("08DE0000000000B3", 20, "d@utf8.example",
                                "550 5.1.1 \xff\xfe bad \xc3\x28 user \xed\xa0\x80 unknown")),
       Expect::kNothing, "", "", 1},
      {"UTF-16 LE with BOM (Notepad's Unicode)", kName, Utf16(Header() + BadFileSession(), true),
       Expect::kNothing, "", "", 1},
      {"UTF-16 BE with BOM", kName, Utf16(Header() + BadFileSession(), false), Expect::kNothing,
       "", "", 1},
      {"a truncated .gz", kName + ".gz", gz_cut, Expect::kSkipped, "gzip stream is truncated",
       kName + ".gz:", -1},
      {"a .gz that is plain text", kName + ".gz", Header() + BadFileSession(), Expect::kNothing,
       "", "", 1},
      {"a .gz with gzip magic and garbage after it", kName + ".gz", "\x1f\x8b" + Garbage(4096),
       Expect::kSkipped, "gzip", kName + ".gz:", 0},
      {"random bytes named like a log", kName, Garbage(16384), Expect::kSkipped,
       "not an SMTP protocol log: no header and no log row in its", kName, 0},
      {"random bytes named like a gzipped log", kName + ".gz", "ab" + Garbage(16384),
       Expect::kSkipped,
       "not gzip data (no gzip header), and not an SMTP protocol log: no header and no log row",
       kName + ".gz", 0},
  };

  for (const BadFile& c : cases) {
    SECTION(c.what) {
      TempDir dir;
      dir.Write("SEND2026030206-1.LOG", GoodLog());
      dir.Write(c.name, c.content);
      ScanResult r = ScanJson("'" + dir.path().string() + "'");
      INFO("stderr: " << r.err);
      REQUIRE(r.rc == 0);
      REQUIRE(!r.doc.is_discarded());  // the JSON stays valid, whatever the input bytes
      INFO("skipped:" << Join(Messages(r.doc, "skipped_files")) << "\nnotes:"
                      << Join(Messages(r.doc, "notes"))
                      << "\nmalformed: " << r.doc["inputs"]["malformed"].dump());
      CHECK(r.doc["inputs"]["files"] == 2);
      // The good file is always read, and the good part of the bad one.
      int64_t sessions = r.doc["totals"]["sessions"].get<int64_t>();
      if (c.sessions >= 0) {
        CHECK(sessions == 1 + c.sessions);
      } else {
        CHECK(sessions > 1);  // some sessions come from before the cut
        CHECK(sessions < 301);
      }
      CHECK(r.doc["totals"]["failed_recipients"].get<int64_t>() >= 1);
      switch (c.expect) {
        case Expect::kNothing:
          CHECK(r.doc["inputs"]["skipped_files"].empty());
          CHECK(r.doc["inputs"]["malformed_lines"] == 0);
          break;
        case Expect::kMalformed:
          CHECK(AnyContains(MalformedExamples(r.doc, c.message), c.where));
          break;
        case Expect::kSkipped:
          CHECK(AnyContains(Messages(r.doc, "skipped_files"), c.where, c.message));
          break;
        case Expect::kNote:
          CHECK(AnyContains(Messages(r.doc, "notes"), c.where, c.message));
          break;
      }
    }
  }
}

TEST_CASE("A truncated gzip file keeps the lines before the cut", "[bad_input]") {
  std::string many;
  for (int i = 0; i < 300; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "08DE0000%08X", 0x1000 + i);
    many += Lines(Session(id, 20 + i % 30, "c@many.example", "550 5.1.1 User unknown"));
  }
  std::string gz = Gzip(Header() + many);
  TempDir dir;
  dir.Write("SEND2026030207-1.LOG.gz", gz.substr(0, gz.size() / 2));
  ScanResult r = ScanJson("'" + dir.path().string() + "'");
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  const json& f = r.doc["inputs"]["file_list"][0];
  CHECK(f["lines"].get<int64_t>() > 100);
  std::vector<std::string> skipped = Messages(r.doc, "skipped_files");
  INFO(Join(skipped));
  // Where the cut is: the line after the last one read.
  CHECK(AnyContains(skipped, "SEND2026030207-1.LOG.gz:" + std::to_string(f["lines"].get<int64_t>() + 1),
                    "the lines before it were read"));
  // The file is named once, by the location.
  REQUIRE(skipped.size() == 1);
  const std::string& m = skipped[0];
  CHECK(m.find("SEND2026030207-1.LOG.gz") == m.rfind("SEND2026030207-1.LOG.gz"));
  CHECK(m.find(".LOG.gz:" + std::to_string(f["lines"].get<int64_t>() + 1) +
               ": gzip stream is truncated") != std::string::npos);
}

TEST_CASE("A damaged gzip file keeps the lines before the damage", "[bad_input]") {
  // Sessions compressed up to a block boundary, then a block of a type deflate does not have
  // (damage from a bad disk or copy): zlib stops there with "invalid block type".
  std::string good = Header();
  for (int i = 0; i < 40; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "08DE0000%08X", 0x2000 + i);
    good += Lines(Session(id, 20 + i, "c@damaged.example", "550 5.1.1 User unknown"));
  }
  std::string gz = Gzip(good, Z_FULL_FLUSH) + "\x07" + Garbage(2048);
  const int64_t lines = std::count(good.begin(), good.end(), '\n');
  TempDir dir;
  dir.Write("SEND2026030207-1.LOG.gz", gz);
  ScanResult r = ScanJson("'" + dir.path().string() + "'");
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  CHECK(r.doc["inputs"]["file_list"][0]["lines"].get<int64_t>() == lines);
  CHECK(r.doc["totals"]["sessions"].get<int64_t>() == 40);
  std::vector<std::string> skipped = Messages(r.doc, "skipped_files");
  INFO(Join(skipped));
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].find("SEND2026030207-1.LOG.gz:" + std::to_string(lines + 1) +
                        ": gzip error: invalid block type; the lines before it were read") !=
        std::string::npos);
}

TEST_CASE("UTF-16 files read the same as their UTF-8 text", "[bad_input]") {
  std::string text = GoodLog();
  std::vector<SessionRecord> utf8 = Match(text);
  for (bool le : {true, false}) {
    Diagnostics diag;
    std::vector<SessionRecord> utf16 = Match(Utf16(text, le), &diag);
    INFO((le ? "LE" : "BE"));
    CHECK(diag.malformed_total() == 0);
    REQUIRE(utf16.size() == utf8.size());
    REQUIRE(utf16.size() == 1);
    CHECK(utf16[0].session == utf8[0].session);
    REQUIRE(utf16[0].messages.size() == 1);
    REQUIRE(utf16[0].messages[0].recipients.size() == 1);
    CHECK(utf16[0].messages[0].recipients[0].state == RecipientState::kFailed);
  }
  // Characters outside ASCII come out as UTF-8; a lone surrogate as U+FFFD.
  std::string le = "\xFF\xFE";
  for (char16_t c : std::u16string(u"a\u00e9\u20ac") + char16_t(0xD800) + u"z\r\n") {
    le += static_cast<char>(c & 0xFF);
    le += static_cast<char>(c >> 8);
  }
  auto source = MakeLineSource(MemoryByteStream(le));
  LineView line;
  REQUIRE(source->Next(&line));
  CHECK(line.text == "a\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBDz");
  CHECK(!source->Next(&line));
}

TEST_CASE("A path that does not exist among paths that do is skipped by name", "[bad_input]") {
  TempDir dir;
  std::string good = dir.Write("SEND2026030206-1.LOG", GoodLog());
  std::string missing = (dir.path() / "no-such-folder").string();
  ScanResult r = ScanJson("'" + good + "' '" + missing + "'");
  INFO(r.err);
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  CHECK(r.doc["totals"]["sessions"] == 1);
  CHECK(AnyContains(Messages(r.doc, "skipped_files"), missing));
  // Only missing paths: nothing could be read.
  std::string out, err;
  CHECK(RunCli("scan '" + missing + "'", &out, &err) == 3);
  CHECK(err.find(missing) != std::string::npos);
}

TEST_CASE("An unreadable file is skipped with the reason and the rest is read", "[bad_input]") {
  TempDir dir;
  dir.Write("SEND2026030206-1.LOG", GoodLog());
  std::string bad = dir.Write("SEND2026030207-1.LOG", Header() + BadFileSession());
  if (::geteuid() != 0) {
    REQUIRE(::chmod(bad.c_str(), 0) == 0);
    ScanResult r = ScanJson("'" + dir.path().string() + "'");
    REQUIRE(r.rc == 0);
    CHECK(r.doc["totals"]["sessions"] == 1);
    CHECK(AnyContains(Messages(r.doc, "skipped_files"), bad, "Permission denied"));
    ::chmod(bad.c_str(), 0644);
  } else {
    WARN("running as root, where chmod 000 does not deny reading: a read error is tested with "
         "/proc/self/mem instead");
  }
  // A file that opens but cannot be read: reading /proc/self/mem at offset 0 fails with EIO.
  ScanResult r = ScanJson("'" + dir.path().string() + "/SEND2026030206-1.LOG' /proc/self/mem");
  INFO(r.err);
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  CHECK(r.doc["totals"]["sessions"] == 1);
  CHECK(AnyContains(Messages(r.doc, "skipped_files"), "/proc/self/mem:1", "read error"));
}

TEST_CASE("A file deleted between the listing and the reading is skipped", "[bad_input]") {
  TempDir dir;
  dir.Write("SEND2026030206-1.LOG", GoodLog());
  std::string doomed = dir.Write("SEND2026030207-1.LOG", Header() + BadFileSession());
  Diagnostics diag;
  std::ostringstream log;
  std::vector<InputFile> files = FindInputs({dir.path().string()}, &diag, false, log);
  REQUIRE(files.size() == 2);
  std::filesystem::remove(doomed);
  CollectSink sink;
  Report report;
  ScanFiles(files, &sink, MatcherOptions(), &diag, &report);
  CHECK(sink.sessions.size() == 1);
  REQUIRE(diag.skipped().size() == 1);
  CHECK(diag.skipped()[0].path == doomed);
  CHECK(diag.skipped()[0].reason.find("No such file") != std::string::npos);
}

TEST_CASE("A folder loop through a symbolic link is walked once", "[bad_input]") {
  TempDir dir;
  dir.Write("logs/SmtpSend/SEND2026030206-1.LOG", GoodLog());
  std::filesystem::create_directory_symlink(dir.path() / "logs",
                                            dir.path() / "logs/SmtpSend/loop");
  ScanResult r = ScanJson("'" + (dir.path() / "logs").string() + "'");
  INFO(r.err);
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  CHECK(r.doc["inputs"]["files"] == 1);
  CHECK(r.doc["totals"]["sessions"] == 1);
}

TEST_CASE("Odd sessions: time out of order, from the future, duplicate sequence numbers and "
          "reused ids",
          "[bad_input]") {
  CollectSink sink;
  SessionMatcher matcher(&sink);
  auto feed = [&](const std::string& content) {
    Diagnostics diag;
    EventParser parser("odd.LOG", MakeLineSource(MemoryByteStream(content)), &diag,
                       LogKind::kUnknown);
    ProtocolEvent ev;
    while (parser.Next(&ev)) matcher.Feed(ev, parser.kind(), 0);
    CHECK(diag.malformed_total() == 0);
  };

  SECTION("rows of a session out of time order are counted and kept") {
    std::vector<std::string> rows = Session("08DE000000000010", 30, "a@x.example", "550 5.1.1 no");
    rows[7] = Row("08DE000000000010", 5, 7, '<', "550 5.1.1 no");  // 25 s earlier
    feed(Header() + Lines(rows));
    matcher.Finish();
    CHECK(matcher.stats().out_of_order == 1);
    REQUIRE(sink.sessions.size() == 1);
    CHECK(sink.sessions[0].messages.at(0).recipients.at(0).state == RecipientState::kFailed);
  }
  SECTION("a session from the future is read like any other") {
    std::string rows = Lines(Session("08DE000000000011", 30, "a@x.example", "550 5.1.1 no"));
    for (size_t p = rows.find("2026-03-02"); p != std::string::npos; p = rows.find("2026-03-02")) {
      rows.replace(p, 10, "2099-12-31");
    }
    feed(Header() + Lines(Session("08DE000000000012", 10, "b@x.example", "250 2.1.5 ok")) + rows);
    matcher.Finish();
    REQUIRE(sink.sessions.size() == 2);
    const SessionRecord* future = sink.Find("08DE000000000011");
    REQUIRE(future != nullptr);
    CHECK(future->messages.at(0).recipients.at(0).state == RecipientState::kFailed);
  }
  SECTION("duplicate sequence numbers do not lose rows") {
    std::vector<std::string> rows = Session("08DE000000000013", 30, "a@x.example", "550 5.1.1 no");
    // Every row claims sequence number 3.
    for (std::string& r : rows) {
      size_t a = r.find(",08DE000000000013,") + 18;
      r.replace(a, r.find(',', a) - a, "3");
    }
    feed(Header() + Lines(rows) + Lines(rows));
    matcher.Finish();
    REQUIRE(sink.sessions.size() >= 1);
    CHECK(sink.sessions[0].messages.at(0).recipients.at(0).state == RecipientState::kFailed);
  }
  SECTION("a session id used again after its session ended is a new session") {
    std::vector<std::string> first =
        Session("08DE000000000014", 10, "a@x.example", "550 5.1.1 first");
    std::vector<std::string> second =
        Session("08DE000000000014", 50, "b@y.example", "550 5.7.1 second");
    feed(Header() + Lines(first) + Lines(second));
    matcher.Finish();
    REQUIRE(sink.sessions.size() == 2);
    CHECK(sink.sessions[0].messages.at(0).recipients.at(0).address == "a@x.example");
    CHECK(sink.sessions[1].messages.at(0).recipients.at(0).address == "b@y.example");
    REQUIRE(sink.sessions[1].messages.at(0).recipients.at(0).failure);
    CHECK(sink.sessions[1].messages[0].recipients[0].failure->text.find("second") !=
          std::string::npos);
  }
}

TEST_CASE("Broken rules and bad options give a clear message and exit 2", "[bad_input]") {
  TempDir dir;
  std::string log = dir.Write("SEND2026030206-1.LOG", GoodLog());
  std::string broken = dir.Write("broken.json", "{\"rules\": [ {\"id\": \"x\", ");
  std::string expensive = dir.Write(
      "expensive.json",
      R"json({"rules": [{"id": "site.expensive", "match": {"text": "((((a{1,100}){1,100}){1,100}){1,100})"},
          "reason": "blocked", "explanation": {"en": "x"}, "checks": [{"en": "y"}]}]})json");
  struct Bad {
    std::string args;
    std::string message;
  };
  const std::vector<Bad> cases = {
      {"scan '" + log + "' --rules '" + broken + "'", "broken.json"},
      {"scan '" + log + "' --rules '" + expensive + "'", "site.expensive"},
      {"explain --rules '" + expensive + "' '550 5.7.1 no'", "site.expensive"},
      {"scan '" + log + "' --format xml", "xml"},
      {"scan '" + log + "' --since yesterday-ish", "yesterday-ish"},
      {"scan '" + log + "' --until 2026-13-45T99:00", "2026-13-45T99:00"},
      // A negative count is not "no limit".
      {"scan '" + log + "' --top-domains -1", "--top-domains: expected a number, 0 or more"},
      {"scan '" + log + "' --top -3", "--top: expected a number, 0 or more, got -3"},
      {"watch '" + dir.path().string() + "' --once --top-domains -1", "--top-domains"},
      {"watch '" + dir.path().string() + "' --once --interval 0.5s",
       "--interval: not a duration such as 500ms, 2s or 1m (whole numbers with a unit): '0.5s'"},
      {"watch '" + dir.path().string() + "' --once --interval 50ms",
       "--interval: at least 100ms is needed, got '50ms'"},
      // Nothing to explain.
      {"explain ''", "an empty REPLY"},
      // Where the report cannot go, and why.
      {"scan '" + log + "' -o '" + dir.path().string() + "/no/such/folder/report.html'",
       "report.html: No such file or directory"},
  };
  for (const Bad& c : cases) {
    std::string out, err;
    INFO(c.args << "\nstderr: " << err);
    CHECK(RunCli(c.args, &out, &err) == 2);
    INFO("stderr: " << err);
    CHECK(err.find(c.message) != std::string::npos);
    CHECK(err.size() < 2000);  // a message, not a dump
  }
}

namespace {

class CountSink : public SessionSink {
 public:
  void OnSession(SessionRecord&& s) override {
    ++sessions;
    if (s.close_reason == "no activity for 10 minutes" || !s.open_at_end) ++closed;
  }
  int64_t sessions = 0;
  int64_t closed = 0;
};

}  // namespace

TEST_CASE("A million sessions that never end keep memory bounded", "[bad_input][bounds]") {
  CountSink sink;
  MatcherOptions options;
  options.max_open_sessions = 10000;
  SessionMatcher matcher(&sink, options);
  std::string remote = "203.0.113.7:25";
  size_t most_open = 0;
  for (int64_t i = 0; i < 1000000; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(i + 1));
    ProtocolEvent ev;
    ev.time = 1772431200000 + i / 1000;  // a thousand new sessions a second, all at once
    ev.connector = "Internet";
    ev.session = id;
    ev.session_id = static_cast<uint64_t>(i + 1);
    ev.sequence = 0;
    ev.remote_endpoint = remote;
    ev.type = '+';
    ev.line = i + 6;
    matcher.Feed(ev, LogKind::kSend, 0);
    most_open = std::max(most_open, matcher.open_sessions());
  }
  CHECK(most_open <= options.max_open_sessions);
  CHECK(matcher.stats().closed_idle > 900000);  // closed early, and counted
  matcher.Finish();
  CHECK(matcher.stats().sessions == 1000000);
  CHECK(sink.sessions == 1000000);  // none lost
}

TEST_CASE("A reply longer than 64 KiB is kept truncated and the report says so", "[bad_input]") {
  std::string reply = "550 5.7.1 " + std::string(70000, 'z');
  std::string log = Header() + Lines(Session("08DE000000000020", 10, "a@big.example", reply));
  std::vector<SessionRecord> sessions = Match(log);
  REQUIRE(sessions.size() == 1);
  const RecipientOutcome& rc = sessions[0].messages.at(0).recipients.at(0);
  REQUIRE(rc.failure);
  CHECK(rc.failure->truncated);
  CHECK(rc.failure->text.size() == kMaxReplyText);

  TempDir dir;
  dir.Write("SEND2026030206-1.LOG", log);
  ScanResult r = ScanJson("'" + dir.path().string() + "'");
  REQUIRE(r.rc == 0);
  REQUIRE(!r.doc.is_discarded());
  std::vector<std::string> notes = Messages(r.doc, "notes");
  INFO(Join(notes));
  CHECK(AnyContains(notes, "SEND2026030206-1.LOG", "line 13"));
  CHECK(AnyContains(notes, "SEND2026030206-1.LOG", "64 KiB"));
}

TEST_CASE("Crashers found by fuzzing are read without harm", "[bad_input][fuzz]") {
  std::filesystem::path dir = std::filesystem::path(SMTPTRIAGE_SOURCE_DIR) / "tests/data/crashers";
  if (!std::filesystem::exists(dir)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string data = ss.str();
    INFO(entry.path().string());
    // Every crasher goes through each parser a fuzz target drives; the first byte was the
    // target's selector.
    Diagnostics diag;
    Match(data.empty() ? data : data.substr(1), &diag);
    Match(data, &diag);
    CsvSplitter csv;
    csv.Split(data);
    FindReply(data);
    ParseReply(data);
    std::vector<Rule> rules;
    std::vector<std::string> problems;
    ParseRuleFile("crasher.json", data, true, &rules, &problems);
    SUCCEED();
  }
}

TEST_CASE("A file that cannot be read is named once in its message", "[bad_input]") {
  Diagnostics diag;
  diag.Skipped("/logs/SEND2026030207-1.LOG", "/logs/SEND2026030207-1.LOG: cannot open: denied");
  diag.Skipped("/logs/SEND2026030208-1.LOG", "no such file or folder");
  REQUIRE(diag.skipped().size() == 2);
  CHECK(diag.skipped()[0].path == "/logs/SEND2026030207-1.LOG");
  CHECK(diag.skipped()[0].reason == "cannot open: denied");
  CHECK(diag.skipped()[1].reason == "no such file or folder");
}
