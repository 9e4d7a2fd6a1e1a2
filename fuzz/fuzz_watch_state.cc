// Fuzzes the state file of `watch`: any bytes as the checkpoint a watcher finds when it starts,
// over a folder holding a small Send log (from the sample preset of the generator). Whatever
// the file says, the watcher either refuses it with a message or resumes and keeps working: a
// poll reads the rest of the logs and the open sessions it restored are closed and reported.
// With SMTPTRIAGE_FUZZ_WRITE_SEED=FILE set, it first writes a genuine state file (one session
// still open) to FILE: scripts/fuzz.sh seeds the corpus with it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "smtptriage/classifier.h"
#include "smtptriage/watch.h"

namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::unique_ptr<smtptriage::Classifier> rules;
  fs::path dir;
  fs::path state;
  fs::path logs;

  Fixture() {
    if (!smtptriage::Classifier::Load("", {}, &rules).ok()) std::abort();
    // A fixed place, so that the paths in the seed state name the fixture's log.
    dir = fs::temp_directory_path() / "smtptriage-fuzz-watch";
    logs = dir / "logs";
    fs::create_directories(logs);
    state = dir / "state.json";
    // Two sessions: one ends, one is still open at the end of the file.
    std::ofstream(logs / "SEND20260301-1.LOG", std::ios::binary)
        << "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"
           "#Log-type: SMTP Send Protocol Log\r\n#Date: 2026-03-01T09:00:00.000Z\r\n"
           "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
           "remote-endpoint,event,data,context\r\n"
           "2026-03-01T09:00:00.000Z,Out,08D0000000000001,0,10.0.0.5:25000,192.0.2.7:25,+,,\r\n"
           "2026-03-01T09:00:00.100Z,Out,08D0000000000001,1,10.0.0.5:25000,192.0.2.7:25,<,"
           "220 mx.example.com ready,\r\n"
           "2026-03-01T09:00:00.200Z,Out,08D0000000000001,2,10.0.0.5:25000,192.0.2.7:25,>,"
           "EHLO ex01.contoso.com,\r\n"
           "2026-03-01T09:00:00.300Z,Out,08D0000000000001,3,10.0.0.5:25000,192.0.2.7:25,>,"
           "MAIL FROM:<a@contoso.com>,\r\n"
           "2026-03-01T09:00:00.400Z,Out,08D0000000000001,4,10.0.0.5:25000,192.0.2.7:25,>,"
           "RCPT TO:<b@example.com>,\r\n"
           "2026-03-01T09:00:00.500Z,Out,08D0000000000001,5,10.0.0.5:25000,192.0.2.7:25,<,"
           "550 5.1.1 User unknown,\r\n"
           "2026-03-01T09:00:00.600Z,Out,08D0000000000001,6,10.0.0.5:25000,192.0.2.7:25,-,,\r\n"
           "2026-03-01T09:00:01.000Z,Out,08D0000000000002,0,10.0.0.5:25001,192.0.2.8:25,+,,\r\n"
           "2026-03-01T09:00:01.100Z,Out,08D0000000000002,1,10.0.0.5:25001,192.0.2.8:25,>,"
           "RCPT TO:<c@example.org>,\r\n";
  }
  // A real checkpoint of these logs, for the seed corpus.
  static void WriteSeed(const Fixture& fx, const char* file) {
    smtptriage::WatchOptions o;
    o.paths = {fx.logs.string()};
    o.state_file = file;
    std::ostringstream events;
    smtptriage::Watcher w(fx.rules.get(), o, &events);
    if (!w.Start().ok() || !w.PollOnce().ok()) std::abort();
  }

  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fx;
  static const bool seeded = [] {
    const char* out = std::getenv("SMTPTRIAGE_FUZZ_WRITE_SEED");
    if (out != nullptr) Fixture::WriteSeed(fx, out);
    return true;
  }();
  (void)seeded;
  {
    std::ofstream out(fx.state, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  smtptriage::WatchOptions o;
  o.paths = {fx.logs.string()};
  o.state_file = fx.state.string();
  o.matcher.max_open_sessions = 4;
  std::ostringstream events;
  smtptriage::Watcher w(fx.rules.get(), o, &events);
  if (!w.Start().ok()) return 0;  // refused with a message: fine
  smtptriage::Status s = w.PollOnce();
  (void)s;  // a poll may fail (e.g. the checkpoint cannot be written); it must not crash
  return 0;
}
