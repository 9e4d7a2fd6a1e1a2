// Tests of the log generator: file layout and framing, determinism, RFC 4180 rows, session
// structure, and that the recorded ground truth matches what was written.
#include "smtptriage/loggen.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace lg = smtptriage::loggen;

constexpr int64_t kMarch2 = 1772409600000;  // 2026-03-02T00:00:00Z
constexpr int64_t kHour = 3600000;
constexpr const char* kFields =
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,"
    "event,data,context";

// A fresh empty folder per call, removed at the end of the test run by the OS temp cleaner.
fs::path TempDir(const std::string& name) {
  static int counter = 0;
  const fs::path dir =
      fs::temp_directory_path() / ("smtptriage_loggen_" + std::to_string(::getpid()) + "_" +
                                   std::to_string(++counter) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadAll(const std::string& path) {
  std::string data;
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gzFile gz = gzopen(path.c_str(), "rb");
    REQUIRE(gz != nullptr);
    char buf[1 << 16];
    int n;
    while ((n = gzread(gz, buf, sizeof(buf))) > 0) data.append(buf, static_cast<size_t>(n));
    gzclose(gz);
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lines without their terminator (CRLF or LF) and without the BOM.
std::vector<std::string> Lines(std::string data) {
  if (data.rfind("\xEF\xBB\xBF", 0) == 0) data.erase(0, 3);
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    std::string line = data.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

// RFC 4180 split of one line; returns false on a malformed quote.
bool SplitCsv(const std::string& line, std::vector<std::string>* fields) {
  fields->clear();
  std::string cur;
  size_t i = 0;
  while (true) {
    cur.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cur += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur += line[i++];
      }
      if (i < line.size() && line[i] != ',') return false;
    } else {
      while (i < line.size() && line[i] != ',') cur += line[i++];
    }
    fields->push_back(cur);
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

struct Row {
  std::string file;
  std::vector<std::string> f;  // the 9 fields
};

std::vector<Row> DataRows(const lg::Result& r) {
  std::vector<Row> rows;
  std::vector<std::string> fields;
  for (const std::string& path : r.files) {
    for (const std::string& line : Lines(ReadAll(path))) {
      if (line.empty() || line[0] == '#') continue;
      INFO(path << ": " << line);
      REQUIRE(SplitCsv(line, &fields));
      rows.push_back(Row{path, fields});
    }
  }
  return rows;
}

lg::Scenario Small(uint64_t seed = 7) {
  lg::Scenario sc;
  sc.name = "small";
  sc.seed = seed;
  sc.start_ms = kMarch2 + 10 * kHour;
  sc.end_ms = kMarch2 + 12 * kHour;
  sc.sessions_per_hour = 150;
  sc.inbound_sessions_per_hour = 40;
  sc.domain_count = 12;
  sc.proxy_sessions = true;
  sc.background_user_unknown = 0.02;
  sc.background_greylist = 0.02;
  for (lg::Fault f : lg::AllFaults()) {
    lg::FaultWindow w;
    w.fault = f;
    w.start_ms = sc.start_ms;
    w.end_ms = sc.end_ms;
    w.probability = 0.03;
    sc.faults.push_back(w);
  }
  return sc;
}

lg::Result Run(const lg::Scenario& sc, const fs::path& dir) {
  lg::Result r;
  const smtptriage::Status s = lg::Generate(sc, dir.string(), &r);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(!r.files.empty());
  return r;
}

std::string Name(const std::string& path) { return fs::path(path).filename().string(); }

}  // namespace

TEST_CASE("loggen: the same seed gives the same bytes, another seed other bytes", "[loggen]") {
  const lg::Result a = Run(Small(), TempDir("det_a"));
  const lg::Result b = Run(Small(), TempDir("det_b"));
  const lg::Result c = Run(Small(8), TempDir("det_c"));
  REQUIRE(a.files.size() == b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    INFO(a.files[i]);
    CHECK(Name(a.files[i]) == Name(b.files[i]));
    CHECK(ReadAll(a.files[i]) == ReadAll(b.files[i]));
  }
  CHECK(a.failures.size() == b.failures.size());
  CHECK(ReadAll(a.files[0]) != ReadAll(c.files[0]));
}

TEST_CASE("loggen: every file opens with Exchange's header block", "[loggen]") {
  const lg::Result r = Run(Small(), TempDir("header"));
  for (const std::string& path : r.files) {
    INFO(path);
    const std::string data = ReadAll(path);
    CHECK(data.rfind("\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n", 0) == 0);
    const std::vector<std::string> lines = Lines(data);
    REQUIRE(lines.size() > 5);
    CHECK(lines[1] == "#Version: 15.0.0.0");
    const bool send = Name(path).rfind("SEND", 0) == 0;
    CHECK(lines[2] ==
          (send ? "#Log-type: SMTP Send Protocol Log" : "#Log-type: SMTP Receive Protocol Log"));
    REQUIRE(lines[3].size() == std::string("#Date: 2026-03-02T10:00:00.000Z").size());
    CHECK(lines[3].rfind("#Date: 2026-03-02T", 0) == 0);
    CHECK(lines[3].back() == 'Z');
    CHECK(lines[4] == kFields);
    CHECK(lines[5][0] != '#');
  }
}

TEST_CASE("loggen: BOM and CRLF are options", "[loggen]") {
  lg::Scenario sc = Small();
  sc.bom = false;
  sc.crlf = false;
  const lg::Result r = Run(sc, TempDir("lf"));
  for (const std::string& path : r.files) {
    const std::string data = ReadAll(path);
    CHECK(data.rfind("#Software:", 0) == 0);
    CHECK(data.find('\r') == std::string::npos);
    CHECK(data.back() == '\n');
  }
  const lg::Result crlf = Run(Small(), TempDir("crlf"));
  const std::string data = ReadAll(crlf.files.back());
  size_t lf = 0, crlf_count = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n') {
      ++lf;
      crlf_count += i > 0 && data[i - 1] == '\r';
    }
  }
  CHECK(lf > 10);
  CHECK(lf == crlf_count);
}

TEST_CASE("loggen: files rotate by hour and by size", "[loggen]") {
  lg::Scenario sc = Small();
  sc.max_file_bytes = 64 << 10;
  const lg::Result r = Run(sc, TempDir("rotate"));
  std::set<std::string> names;
  for (const std::string& path : r.files) {
    names.insert(Name(path));
    // A file passes the limit by less than one row.
    CHECK(static_cast<int64_t>(fs::file_size(path)) <= sc.max_file_bytes + 4096);
  }
  CHECK(names.count("SEND2026030210-1.LOG"));
  CHECK(names.count("SEND2026030210-2.LOG"));
  CHECK(names.count("SEND2026030211-1.LOG"));
  CHECK(names.count("RECV2026030210-1.LOG"));
  for (const std::string& path : r.files) {
    INFO(path);
    CHECK(fs::path(path).parent_path().filename() ==
          (Name(path).rfind("SEND", 0) == 0 ? "SmtpSend" : "SmtpReceive"));
  }

  sc.hourly_files = false;
  sc.max_file_bytes = 10 << 20;
  const lg::Result daily = Run(sc, TempDir("daily"));
  std::set<std::string> daily_names;
  for (const std::string& path : daily.files) daily_names.insert(Name(path));
  CHECK(daily_names == std::set<std::string>{"RECV20260302-1.LOG", "SEND20260302-1.LOG"});
}

TEST_CASE("loggen: rows are RFC 4180 with 9 fields, in time order, sequence per session",
          "[loggen]") {
  const lg::Result r = Run(Small(), TempDir("rows"));
  const std::vector<Row> rows = DataRows(r);
  REQUIRE(static_cast<int64_t>(rows.size()) == r.lines);
  std::map<std::string, int> last_seq;
  std::map<std::string, std::string> last_time_in_file;
  bool quoted_comma = false;
  for (const Row& row : rows) {
    INFO(row.file << " session " << (row.f.size() > 2 ? row.f[2] : ""));
    REQUIRE(row.f.size() == 9);
    CHECK(row.f[0].size() == 24);
    CHECK(row.f[2].size() == 16);
    CHECK(row.f[6].size() == 1);
    CHECK(std::string("+-<>*").find(row.f[6][0]) != std::string::npos);
    CHECK(row.f[0] >= last_time_in_file[row.file]);
    last_time_in_file[row.file] = row.f[0];
    const int seq = std::stoi(row.f[3]);
    const auto it = last_seq.find(row.f[2]);
    CHECK(seq == (it == last_seq.end() ? 0 : it->second + 1));
    last_seq[row.f[2]] = seq;
    quoted_comma |= row.f[7].find(',') != std::string::npos;
  }
  CHECK(static_cast<int64_t>(last_seq.size()) == r.sessions);
  CHECK(quoted_comma);  // banners with dates, TLS and certificate rows
}

TEST_CASE("loggen: every injected failure's session is in the logs", "[loggen]") {
  const lg::Result r = Run(Small(), TempDir("truth"));
  REQUIRE(r.failures.size() > 20);
  std::set<std::string> send_sessions, recv_sessions;
  for (const Row& row : DataRows(r)) {
    (row.file.find("SmtpSend") != std::string::npos ? send_sessions : recv_sessions)
        .insert(row.f[2]);
  }
  int64_t total = 0;
  for (const lg::InjectedFailure& f : r.failures) {
    INFO(f.session_id << " " << lg::FaultName(f.fault));
    CHECK((f.inbound ? recv_sessions : send_sessions).count(f.session_id) == 1);
    CHECK(f.time_ms >= Small().start_ms);
  }
  for (const auto& [name, n] : r.failures_per_fault) total += n;
  CHECK(total == static_cast<int64_t>(r.failures.size()));
}

TEST_CASE("loggen: outbound sessions look like Exchange's", "[loggen]") {
  const lg::Result r = Run(Small(), TempDir("shape"));
  std::map<std::string, std::vector<const Row*>> sessions;
  const std::vector<Row> rows = DataRows(r);
  for (const Row& row : rows) {
    if (row.file.find("SmtpSend") != std::string::npos) sessions[row.f[2]].push_back(&row);
  }
  int connect_failures = 0, pipelined = 0;
  for (const auto& [id, s] : sessions) {
    INFO(id);
    CHECK(s[0]->f[8] == "Set Session Permissions");
    CHECK(s[0]->f[4].empty());
    if (s.size() == 3 && s[2]->f[8].rfind("Failed to connect. Winsock error code: ", 0) == 0) {
      ++connect_failures;
      CHECK(s[2]->f[4].empty());
      continue;
    }
    // MAIL FROM and every RCPT TO are sent before the first reply is read.
    for (size_t i = 0; i + 2 < s.size(); ++i) {
      if (s[i]->f[7].rfind("MAIL FROM:", 0) != 0 || s[i + 2]->f[7].rfind("RCPT TO:", 0) != 0) {
        continue;
      }
      CHECK(s[i + 1]->f[7].rfind("RCPT TO:", 0) == 0);
      ++pipelined;
    }
  }
  CHECK(connect_failures > 0);
  CHECK(pipelined > 0);
}

TEST_CASE("loggen: a greylisted message is sent again, as Exchange retries it", "[loggen]") {
  // Greylisting alone: every retry is clean (a retry is never greylisted again).
  lg::Scenario sc = Small();
  sc.faults.clear();
  sc.background_user_unknown = 0;
  sc.background_greylist = 0.1;
  const lg::Result r = Run(sc, TempDir("greylist"));
  // Per Send session: its start, and per message ("sending message with RecordId ...") the
  // sender, the recipients and their replies.
  struct Message {
    std::string sender;
    std::vector<std::string> recipients;
    std::vector<std::string> replies;
  };
  struct Session {
    std::string start;
    std::vector<std::pair<std::string, Message>> messages;  // by the "sending message" text
  };
  std::map<std::string, Session> sessions;
  for (const Row& row : DataRows(r)) {
    if (row.file.find("SmtpSend") == std::string::npos) continue;
    Session& s = sessions[row.f[2]];
    if (s.start.empty()) s.start = row.f[0];
    if (row.f[8].rfind("sending message with RecordId ", 0) == 0) {
      s.messages.push_back({row.f[8], {}});
    } else if (!s.messages.empty() && row.f[7].rfind("MAIL FROM:<", 0) == 0) {
      s.messages.back().second.sender = row.f[7].substr(0, row.f[7].find('>') + 1);
    } else if (!s.messages.empty() && row.f[7].rfind("RCPT TO:", 0) == 0) {
      s.messages.back().second.recipients.push_back(row.f[7]);
    } else if (!s.messages.empty() && row.f[6] == "<" &&
               (row.f[7].rfind("250 2.1.5", 0) == 0 || row.f[7].rfind("451 4.7.1", 0) == 0)) {
      s.messages.back().second.replies.push_back(row.f[7]);
    }
  }
  // "2026-03-02T10:15:00.123Z": minutes since midnight, to the second.
  auto minutes = [](const std::string& t) {
    return std::stoi(t.substr(11, 2)) * 60 + std::stoi(t.substr(14, 2)) +
           std::stoi(t.substr(17, 2)) / 60.0;
  };
  int greylisted = 0, sent_again = 0;
  for (const lg::InjectedFailure& f : r.failures) {
    if (f.fault != lg::Fault::kGreylist || f.recipient.empty()) continue;
    const Session& first = sessions[f.session_id];
    REQUIRE(!first.messages.empty());
    const auto& [sending, message] = first.messages.front();
    if (message.recipients.front() != "RCPT TO:<" + f.recipient + ">") continue;  // one a message
    ++greylisted;
    INFO(f.session_id << " " << sending);
    // Another session sends the same mail item: RecordId, Message-ID, sender and recipients.
    for (const auto& [id, s] : sessions) {
      if (id == f.session_id || s.messages.empty() || s.messages.front().first != sending) continue;
      ++sent_again;
      const Message& again = s.messages.front().second;
      CHECK(again.sender == message.sender);
      CHECK(again.recipients == message.recipients);
      CHECK(again.replies.size() == message.recipients.size());
      for (const std::string& reply : again.replies) CHECK(reply.rfind("250 2.1.5", 0) == 0);
      const double wait = minutes(s.start) - minutes(first.start);
      CHECK(wait >= 5);
      CHECK(wait <= 16);
    }
  }
  CHECK(greylisted >= 5);
  // All of them, but for those greylisted too late for their retry to be in the logs.
  CHECK(sent_again >= greylisted - 2);
  CHECK(sent_again <= greylisted);
}

TEST_CASE("loggen: the first Send file can be gzipped", "[loggen]") {
  lg::Scenario sc = Small();
  sc.gzip_first_file = true;
  const lg::Result r = Run(sc, TempDir("gz"));
  std::vector<std::string> gz;
  for (const std::string& path : r.files) {
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) gz.push_back(path);
  }
  REQUIRE(gz.size() == 1);
  CHECK(Name(gz[0]) == "SEND2026030210-1.LOG.gz");
  const std::vector<std::string> lines = Lines(ReadAll(gz[0]));  // read through gzopen
  REQUIRE(lines.size() > 10);
  CHECK(lines[4] == kFields);
}

TEST_CASE("loggen: target_bytes decides the size", "[loggen]") {
  lg::Scenario sc;
  REQUIRE(lg::Preset("bench", 3, &sc));
  sc.target_bytes = 4 << 20;
  const lg::Result r = Run(sc, TempDir("bench"));
  CHECK(r.bytes >= sc.target_bytes);
  CHECK(r.bytes < sc.target_bytes + (1 << 20));
  CHECK(!r.failures.empty());

  // Counting the Send logs only (what the benchmark measures): they alone reach the size.
  sc.target_send_only = true;
  const fs::path dir = TempDir("bench-send");
  const lg::Result send = Run(sc, dir);
  int64_t send_bytes = 0;
  for (const auto& e : fs::directory_iterator(dir / "SmtpSend")) send_bytes += fs::file_size(e);
  CHECK(send_bytes >= sc.target_bytes);
  CHECK(send_bytes < sc.target_bytes + (1 << 20));
  CHECK(send.bytes > send_bytes);  // the Receive logs besides
}

TEST_CASE("loggen: the sample preset has every fault, both EHLO renderings, and is small",
          "[loggen]") {
  lg::Scenario sc;
  REQUIRE(lg::Preset("sample", 1, &sc));
  const lg::Result r = Run(sc, TempDir("sample"));
  for (lg::Fault f : lg::AllFaults()) {
    INFO(lg::FaultName(f));
    CHECK(r.failures_per_fault.count(lg::FaultName(f)) == 1);
  }
  CHECK(r.bytes < 1600000);
  bool one_per_line = false, collapsed = false, gz = false, doubled_quote = false;
  bool ptr_lines = false, ptr_collapsed = false;
  std::map<std::string, std::set<std::string>> files_of_session;
  for (const Row& row : DataRows(r)) {
    one_per_line |= row.f[7].rfind("250-", 0) == 0;
    collapsed |= row.f[6] == "<" && row.f[7].rfind("250 ", 0) == 0 &&
                 row.f[7].find("PIPELINING") != std::string::npos;
    doubled_quote |= row.f[7].find('"') != std::string::npos;  // Exim: ending with "."
    ptr_lines |= row.f[7].rfind("550-5.7.25 [", 0) == 0;
    ptr_collapsed |= row.f[7].rfind("550 5.7.25 [", 0) == 0 &&
                     row.f[7].find("missing PTR records") != std::string::npos;
    gz |= row.file.size() > 3 && row.file.compare(row.file.size() - 3, 3, ".gz") == 0;
    files_of_session[row.f[2]].insert(Name(row.file).substr(0, 14));  // SENDyyyyMMddHH
  }
  CHECK(one_per_line);
  CHECK(collapsed);
  CHECK(gz);
  CHECK(doubled_quote);
  CHECK(ptr_lines);
  CHECK(ptr_collapsed);
  const bool spans_hours = std::any_of(files_of_session.begin(), files_of_session.end(),
                                       [](const auto& e) { return e.second.size() > 1; });
  CHECK(spans_hours);
}

TEST_CASE("loggen: presets exist and the verdict cases show their pattern", "[loggen]") {
  const std::vector<std::string> names = lg::PresetNames();
  for (const char* name :
       {"sample", "bench", "remote-outage", "firewall", "blocklist-growing", "lost-one-domain",
        "lost-spreading", "ipv6-ptr", "group-restricted", "quiet-day"}) {
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
  lg::Scenario sc;
  CHECK_FALSE(lg::Preset("no-such-preset", 1, &sc));

  // The firewall closes at 15:00: from then on every outbound session to a partner fails.
  REQUIRE(lg::Preset("firewall", 1, &sc));
  sc.start_ms = kMarch2 + 13 * kHour;
  sc.end_ms = kMarch2 + 17 * kHour;
  const lg::Result fw = Run(sc, TempDir("firewall"));
  int64_t before = 0, after = 0;
  for (const lg::InjectedFailure& f : fw.failures) {
    if (f.fault != lg::Fault::kConnectTimeout) continue;
    (f.time_ms < kMarch2 + 15 * kHour ? before : after)++;
  }
  CHECK(before == 0);
  CHECK(after >= 2 * 150);

  // Remote outage: one domain, only between 09:00 and 15:00.
  REQUIRE(lg::Preset("remote-outage", 1, &sc));
  sc.start_ms = kMarch2 + 8 * kHour;
  sc.end_ms = kMarch2 + 16 * kHour;
  const lg::Result ro = Run(sc, TempDir("outage"));
  std::set<std::string> down;
  for (const lg::InjectedFailure& f : ro.failures) {
    if (f.fault != lg::Fault::kConnectTimeout) continue;
    down.insert(f.domain);
    CHECK(f.time_ms >= kMarch2 + 9 * kHour);
    CHECK(f.time_ms < kMarch2 + 15 * kHour + 60000);  // the failover session may end later
  }
  CHECK(down == std::set<std::string>{sc.faults[0].domains[0]});
}
