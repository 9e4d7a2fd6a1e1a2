#include <catch2/catch.hpp>

#include "smtptriage/event_parser.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

struct Parsed {
  std::vector<std::string> data;
  std::vector<int64_t> lines;
  LogKind kind;
};

Parsed ParseText(const std::string& content, Diagnostics* diag, LogKind hint = LogKind::kUnknown) {
  EventParser parser("f.LOG", MakeLineSource(MemoryByteStream(content)), diag, hint);
  Parsed p;
  ProtocolEvent ev;
  while (parser.Next(&ev)) {
    p.data.emplace_back(ev.data);
    p.lines.push_back(ev.line);
  }
  p.kind = parser.kind();
  return p;
}

}  // namespace

TEST_CASE("BOM, CRLF and a last line without newline", "[parser]") {
  Diagnostics diag;
  std::string content = "\xEF\xBB\xBF" + Header() + Row("08DE000000000001", 1, 0, '>', "EHLO a") +
                        "\r\n" + Row("08DE000000000001", 2, 1, '<', "250 ok");
  Parsed p = ParseText(content, &diag);
  CHECK(p.kind == LogKind::kSend);
  REQUIRE(p.data.size() == 2);
  CHECK(p.data[0] == "EHLO a");
  CHECK(p.data[1] == "250 ok");
  CHECK(p.lines[1] == 7);
  CHECK(diag.malformed_total() == 0);
}

TEST_CASE("Columns come from #Fields, and a new header switches schema", "[parser]") {
  Diagnostics diag;
  std::string content =
      "#Log-type: SMTP Receive Protocol Log\n"
      "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\n"
      "2026-03-02T06:00:00.000Z,EX\\Default,0A,0,1.1.1.1:25,2.2.2.2:1,<,EHLO x,\n"
      "#Fields: event,date-time,session-id,data\n"
      "<,2026-03-02T06:00:01.000Z,0A,MAIL FROM:<a@b>\n";
  Parsed p = ParseText(content, &diag);
  CHECK(p.kind == LogKind::kReceive);
  REQUIRE(p.data.size() == 2);
  CHECK(p.data[1] == "MAIL FROM:<a@b>");
  CHECK(diag.malformed_total() == 0);
}

TEST_CASE("Malformed rows are counted with file:line and the rest is read", "[parser]") {
  Diagnostics diag;
  std::string content = Header() +
                        "2026-03-02T06:00:00.000Z,C,0A,0,,1.1.1.1:25,*,too\r\n" +
                        "2026-03-02T06:00:00.000Z,C,0A,0,,1.1.1.1:25,*,x,y,extra\r\n" +
                        "not-a-time,C,0A,0,,1.1.1.1:25,*,x,\r\n" +
                        "2026-03-02T06:00:00.000Z,C,0A,0,,1.1.1.1:25,?,x,\r\n" +
                        "2026-03-02T06:00:00.000Z,C,0A,0,,1.1.1.1:25,*,\"open,\r\n" +
                        "2026-03-02T06:00:00.000Z,C,0A,0,,1.1.1.1:25,*,a" + std::string(1, '\0') + "b,\r\n" +
                        Row("0B", 3, 0, '*', "", "attempting to connect") + "\r\n";
  Parsed p = ParseText(content, &diag);
  REQUIRE(p.data.size() == 1);
  CHECK(diag.malformed_total() == 6);
  const auto& r = diag.by_reason();
  CHECK(r.at("fewer fields than #Fields").count == 1);
  CHECK(r.at("more fields than #Fields").count == 1);
  CHECK(r.at("bad date-time").count == 1);
  CHECK(r.at("unknown event type").count == 1);
  CHECK(r.at("unterminated quote").count == 1);
  CHECK(r.at("binary data (NUL bytes)").count == 1);
  CHECK(r.at("fewer fields than #Fields").examples[0] == "f.LOG:6");
  CHECK(diag.by_file().at("f.LOG").malformed == 6);
}

TEST_CASE("A file with no header is recognised from its rows and the assumption noted",
          "[parser]") {
  Diagnostics diag;
  Parsed p = ParseText(
      "2024-01-25T15:14:39.026Z,NETBIOS\\Default Frontend NETBIOS,08DC1DB8591B229B,0,10.11.12.13:25,"
      "10.11.12.14:53230,+,,\n",
      &diag);
  CHECK(p.kind == LogKind::kReceive);
  CHECK(p.data.size() == 1);
  REQUIRE(diag.notes().size() == 1);
  CHECK(diag.notes()[0].reason.find("assumed") != std::string::npos);
}

TEST_CASE("A log type that is not a protocol log is skipped with a message", "[parser]") {
  Diagnostics diag;
  Parsed p = ParseText("#Log-type: Transport Connectivity Log\n#Fields: a,b\n1,2\n", &diag);
  CHECK(p.data.empty());
  REQUIRE(diag.skipped().size() == 1);
  CHECK(diag.skipped()[0].path == "f.LOG");
  CHECK(diag.skipped()[0].line == 1);  // the rest of the file from its first line
  CHECK(diag.skipped()[0].where() == "f.LOG:1");
}

TEST_CASE("Lines of 1 MiB are read and lines over the limit are reported, not lost silently",
          "[parser]") {
  Diagnostics diag;
  std::string big(1 << 20, 'x');
  std::string huge(kMaxLineBytes + 100, 'y');
  std::string content = Header() + Row("0A", 1, 2, '<', "550 " + big) + "\n" + huge + "\n" +
                        Row("0A", 2, 3, '>', "QUIT") + "\n";
  Parsed p = ParseText(content, &diag);
  REQUIRE(p.data.size() == 2);
  CHECK(p.data[0].size() == big.size() + 4);
  CHECK(p.data[1] == "QUIT");
  CHECK(diag.by_reason().at("line longer than 8 MiB").count == 1);
}

namespace {

struct SeenLine {
  std::string text;
  int64_t number;
  bool overlong;
  bool operator==(const SeenLine& o) const {
    return text == o.text && number == o.number && overlong == o.overlong;
  }
};

std::vector<SeenLine> ReadLines(const std::string& path) {
  std::unique_ptr<LineSource> source;
  REQUIRE(OpenLineSource(path, &source).ok());
  std::vector<SeenLine> lines;
  LineView line;
  while (source->Next(&line)) lines.push_back({std::string(line.text), line.number, line.overlong});
  CHECK(source->status().ok());
  return lines;
}

}  // namespace

TEST_CASE("A file's lines across many reads: BOM, CRLF, an overlong line, no last line end",
          "[parser]") {
  TempDir dir;
  // A BOM, CRLF, an empty line, an overlong line (many reads long), many short lines after it
  // (lines cut by the ends of reads), and a last line without a line end.
  std::string content = "\xEF\xBB\xBF#Software: x\r\n\r\nshort\n" +
                        std::string(kMaxLineBytes + 5, 'y') + "\r\n";
  for (int i = 0; i < 200000; ++i) content += "row " + std::to_string(i) + ",a,b\r\n";
  content += "last";
  std::vector<SeenLine> lines = ReadLines(dir.Write("plain.LOG", content));
  REQUIRE(lines.size() == 200005);
  CHECK(lines[0] == SeenLine{"#Software: x", 1, false});
  CHECK(lines[1] == SeenLine{"", 2, false});
  CHECK(lines[2] == SeenLine{"short", 3, false});
  CHECK(lines[3].overlong);
  CHECK(lines[3].number == 4);
  CHECK(lines[3].text == std::string(kMaxLineBytes, 'y'));
  for (int i = 0; i < 200000; ++i) {
    if (lines[4 + i].text != "row " + std::to_string(i) + ",a,b") FAIL("line " << 5 + i);
  }
  CHECK(lines.back() == SeenLine{"last", 200005, false});

  // A line just over the limit that comes whole in one read (after an overlong line, reads are
  // large) is reported overlong too.
  std::string near = "first\n" + std::string(kMaxLineBytes + 5, 'y') + "\n" +
                     std::string(kMaxLineBytes + 1, 'z') + "\nafter\n";
  std::vector<SeenLine> near_lines = ReadLines(dir.Write("near.LOG", near));
  REQUIRE(near_lines.size() == 4);
  CHECK(near_lines[1].overlong);
  CHECK(near_lines[2].overlong);
  CHECK(near_lines[2].text == std::string(kMaxLineBytes, 'z'));
  CHECK(near_lines[3] == SeenLine{"after", 4, false});

  // UTF-16 is converted; an empty file has no line.
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("a,b\r\nc\r\n")) utf16 += std::string{c, '\0'};
  std::vector<SeenLine> from_utf16 = ReadLines(dir.Write("utf16.LOG", utf16));
  REQUIRE(from_utf16.size() == 2);
  CHECK(from_utf16[0].text == "a,b");
  CHECK(from_utf16[1].text == "c");
  CHECK(ReadLines(dir.Write("empty.LOG", "")).empty());
}

TEST_CASE("Lines of every length around the 64-byte blocks line ends are searched in", "[parser]") {
  TempDir dir;
  // Lengths 0 to 200 in turn, then a deterministic mix up to 300, with LF and CRLF, so that line
  // ends fall at every place of a block, several to a block or none, and across the ends of reads.
  std::vector<std::string> want;
  std::string content;
  uint32_t seed = 12345;
  for (int i = 0; i < 40000; ++i) {
    size_t len = i <= 200 ? static_cast<size_t>(i) : (seed = seed * 1103515245 + 12345) % 301;
    std::string text(len, static_cast<char>('a' + i % 26));
    if (len > 0) text[0] = '#';  // one character that differs at the start of each line
    want.push_back(text);
    content += text + (i % 3 == 0 ? "\r\n" : "\n");
  }
  std::vector<SeenLine> lines = ReadLines(dir.Write("lengths.LOG", content));
  REQUIRE(lines.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (lines[i].text != want[i] || lines[i].number != static_cast<int64_t>(i + 1)) {
      FAIL("line " << i + 1 << ": " << lines[i].text.size() << " bytes, want " << want[i].size());
    }
  }
}

TEST_CASE("Times remembered from the row before, and session ids, are those of the row itself",
          "[parser]") {
  // Rows that share a second, a minute, a day, or nothing with the row before; session ids that
  // repeat, alternate, are not hexadecimal, or are longer than 16 characters.
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"2026-03-02T06:00:00.001Z", "08DE000000000001"},
      {"2026-03-02T06:00:00.999Z", "08DE000000000001"},
      {"2026-03-02T06:00:01.000Z", "08de000000000002"},
      {"2026-03-02T06:01:01.000Z", "08DE000000000001"},
      {"2026-03-03T06:01:01.500Z", "not-hex-id"},
      {"2026-03-03T06:01:01.5Z", "not-hex-id"},
      {"2026-03-03T06:01:01.501Z", std::string(40, 'A')},
      {"2026-03-03T06:01:01.502Z", std::string(40, 'A')},
      {"2026-03-03T06:01:01.503Z", std::string(39, 'A') + "B"},
      {"2026-03-03T23:59:59.250Z", "0"},
      {"2026-03-03T23:59:59.750Z", ""},
      // Sixteen characters: every hexadecimal digit of either case, and the characters just
      // outside the digit and letter ranges, which make the id a hashed one.
      {"2026-03-04T00:00:00.000Z", "0123456789abcdef"},
      {"2026-03-04T00:00:00.001Z", "FEDCBA9876543210"},
      {"2026-03-04T00:00:00.002Z", "0123456789ABCDEF"},
      {"2026-03-04T00:00:00.003Z", "08DE00000000000G"},
      {"2026-03-04T00:00:00.004Z", "08DE00000000000:"},
      {"2026-03-04T00:00:00.005Z", "/8DE000000000001"},
      {"2026-03-04T00:00:00.006Z", "08DE00000000000@"},
      {"2026-03-04T00:00:00.007Z", "08DE00000000000`"},
      {"2026-03-04T00:00:00.008Z", "08DE00000000000g"},
      {"2026-03-04T00:00:00.009Z", "FFFFFFFFFFFFFFFF"},
  };
  std::string content = Header();
  for (size_t i = 0; i < rows.size(); ++i) {
    content += rows[i].first + ",C," + rows[i].second + "," + std::to_string(i) +
               ",,203.0.113.7:25,>,NOOP,\r\n";
  }
  Diagnostics diag;
  EventParser parser("f.LOG", MakeLineSource(MemoryByteStream(content)), &diag, LogKind::kSend);
  ProtocolEvent ev;
  std::vector<uint64_t> ids;
  for (const auto& [time, id] : rows) {
    INFO(time << " " << id);
    REQUIRE(parser.Next(&ev));
    TimeMs expected = 0;
    REQUIRE(ParseLogTimestamp(time, &expected));
    CHECK(ev.time == expected);
    CHECK(ev.session == id);
    ids.push_back(ev.session_id);
  }
  CHECK_FALSE(parser.Next(&ev));
  CHECK(ids[0] == 0x08DE000000000001ull);
  CHECK(ids[1] == ids[0]);
  CHECK(ids[2] == 0x08DE000000000002ull);
  CHECK(ids[3] == ids[0]);
  CHECK(ids[4] == ids[5]);
  CHECK(ids[4] >> 63 == 1);  // hashed
  CHECK(ids[6] == ids[7]);
  CHECK(ids[8] != ids[7]);
  CHECK(ids[9] == 0);
  CHECK(ids[10] != 0);
  CHECK(ids[11] == 0x0123456789ABCDEFull);
  CHECK(ids[12] == 0xFEDCBA9876543210ull);
  CHECK(ids[13] == ids[11]);
  for (size_t i = 14; i <= 19; ++i) {
    INFO(rows[i].second);
    CHECK(ids[i] >> 63 == 1);  // hashed
    CHECK(ids[i] != 0x08DE000000000000ull);
  }
  CHECK(ids[20] == 0xFFFFFFFFFFFFFFFFull);
}
