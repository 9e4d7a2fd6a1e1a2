// Helpers that make each test a short story: build a log from rows, run it through the parser
// and the matcher, and look at the sessions that come out.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "smtptriage/diagnostics.h"
#include "smtptriage/event_parser.h"
#include "smtptriage/line_source.h"
#include "smtptriage/session_matcher.h"

namespace smtptriage::testing {

inline std::string Header(const char* log_type = "SMTP Send Protocol Log") {
  return std::string("#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: ") +
         log_type +
         "\r\n#Date: 2026-03-02T06:00:00.000Z\r\n#Fields: date-time,connector-id,session-id,"
         "sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";
}

inline std::string Lines(const std::vector<std::string>& rows) {
  std::string s;
  for (const std::string& r : rows) s += r + "\r\n";
  return s;
}

// One Send-log row of session `id` at second `sec` past 06:00.
inline std::string Row(const std::string& id, int sec, int seq, char event, const std::string& data,
                       const std::string& context = "", const std::string& remote = "203.0.113.7:25") {
  char t[64];
  std::snprintf(t, sizeof t, "2026-03-02T06:%02d:%02d.%03dZ", sec / 60 % 60, sec % 60, seq % 1000);
  // Exchange leaves the local endpoint empty until the TCP connection exists.
  bool before_connect = event == '*' && (seq < 2 || context.rfind("Failed to connect", 0) == 0);
  std::string local = before_connect ? "" : "10.0.0.25:50123";
  auto quote = [](const std::string& f) {
    if (f.find_first_of(",\"") == std::string::npos) return f;
    std::string q = "\"";
    for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  return std::string(t) + ",Internet Send Connector," + id + "," + std::to_string(seq) + "," +
         local + "," + remote + "," + std::string(1, event) + "," + quote(data) + "," +
         quote(context);
}

// One session of ours that sends message `message_id` from alice@ourorg.example to `recipient`,
// at `sec` seconds past 06:00, and gets `reply` to its RCPT TO.
inline std::vector<std::string> SendSession(const std::string& id, int sec,
                                            const std::string& message_id,
                                            const std::string& recipient,
                                            const std::string& reply) {
  int seq = 0;
  std::vector<std::string> rows = {
      Row(id, sec, seq++, '*', "", "attempting to connect"),
      Row(id, sec, seq++, '+', ""),
      Row(id, sec, seq++, '<', "220 mx.partner.example ESMTP"),
      Row(id, sec, seq++, '>', "EHLO mail.ourorg.example"),
      Row(id, sec, seq++, '<', "250 mx.partner.example"),
      Row(id, sec, seq++, '*', "",
          "sending message with RecordId 51 and InternetMessageId " + message_id),
      Row(id, sec, seq++, '>', "MAIL FROM:<alice@ourorg.example>"),
      Row(id, sec, seq++, '>', "RCPT TO:<" + recipient + ">"),
      Row(id, sec, seq++, '<', "250 2.1.0 Ok"),
      Row(id, sec, seq++, '<', reply),
  };
  if (reply.rfind("250", 0) == 0) {
    rows.push_back(Row(id, sec, seq++, '>', "BDAT 1200 LAST"));
    rows.push_back(Row(id, sec, seq++, '<', "250 2.0.0 Ok: queued"));
  } else {
    rows.push_back(Row(id, sec, seq++, '>', "RSET"));
    rows.push_back(Row(id, sec, seq++, '<', "250 2.0.0 Ok"));
  }
  rows.push_back(Row(id, sec, seq++, '>', "QUIT"));
  rows.push_back(Row(id, sec, seq++, '-', "", "Local"));
  return rows;
}

class CollectSink : public SessionSink {
 public:
  void OnSession(SessionRecord&& s) override { sessions.push_back(std::move(s)); }
  const SessionRecord* Find(const std::string& id) const {
    for (const SessionRecord& s : sessions) {
      if (s.session == id) return &s;
    }
    return nullptr;
  }
  std::vector<SessionRecord> sessions;
};

// Parses `content` as one file and feeds every event to a matcher; returns the sessions.
inline std::vector<SessionRecord> Match(const std::string& content, Diagnostics* diag = nullptr,
                                        LogKind hint = LogKind::kUnknown,
                                        MatcherOptions options = {}) {
  Diagnostics local;
  if (diag == nullptr) diag = &local;
  CollectSink sink;
  SessionMatcher matcher(&sink, options);
  EventParser parser("test.LOG", MakeLineSource(MemoryByteStream(content)), diag, hint);
  ProtocolEvent ev;
  while (parser.Next(&ev)) matcher.Feed(ev, parser.kind(), 0);
  matcher.Finish();
  return std::move(sink.sessions);
}

// A fresh temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("smtptriage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// `text` as a gzip file; with Z_FULL_FLUSH, one not ended: its blocks stop at a byte boundary,
// with no last block and no trailer, so that other bytes can follow.
std::string Gzip(const std::string& text, int flush = Z_FINISH);

// Reproducible garbage: every byte value, NULs and line ends included.
std::string Garbage(size_t n);

// The bytes of a file ("" when it cannot be read).
std::string Slurp(const std::filesystem::path& p);

// Runs the smtptriage binary with `args` (a shell-quoted string); returns its exit code and
// fills stdout/stderr. `launcher`, when given, is a command the binary is run under (taskset).
int RunCli(const std::string& args, std::string* out, std::string* err = nullptr,
           const std::string& stdin_text = "", const std::string& launcher = "");

}  // namespace smtptriage::testing
