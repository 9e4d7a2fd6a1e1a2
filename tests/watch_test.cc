#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "smtptriage/loggen.h"
#include "smtptriage/ndjson.h"
#include "smtptriage/platform.h"
#include "smtptriage/watch.h"
#include "json_schema.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::unique_ptr<Classifier> Rules() {
  std::unique_ptr<Classifier> c;
  REQUIRE(Classifier::Load("", {}, &c).ok());
  return c;
}

// The failure ids in an NDJSON file, with how often each appears; every line must be a valid
// event of docs/events.schema.json.
std::map<std::string, int> FailureIds(const fs::path& file) {
  static SchemaValidator validator(json::parse(
      std::ifstream(std::string(SMTPTRIAGE_SOURCE_DIR) + "/docs/events.schema.json")));
  std::map<std::string, int> ids;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    std::vector<std::string> problems = validator.Validate(j);
    INFO(line.substr(0, 200));
    REQUIRE(problems.empty());
    REQUIRE(j["schema"] == kEventSchema);
    if (j["type"] == "failure") ++ids[j["id"].get<std::string>()];
  }
  return ids;
}


// The events of `type` in the events file, in order.
std::vector<json> EventsOf(const fs::path& file, const std::string& type) {
  std::vector<json> events;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line);
    if (j["type"] == type) events.push_back(std::move(j));
  }
  return events;
}

WatchOptions Options(const fs::path& dir) {
  WatchOptions o;
  o.paths = {(dir / "logs").string()};
  o.state_file = (dir / "state.json").string();
  o.output_file = (dir / "events.ndjson").string();
  return o;
}

// The logs the test replays: the sample preset, generated into `staging`, in time order.
std::vector<fs::path> StageLogs(const fs::path& staging, loggen::Result* truth) {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("sample", 3, &sc));
  REQUIRE(loggen::Generate(sc, staging.string(), truth).ok());
  std::vector<fs::path> files;
  for (const std::string& f : truth->files) files.push_back(f);
  return files;
}

// The logs of the firewall preset (every outbound connection times out from 15:00 to the end
// of the day), generated into dir/staging.
loggen::Result FirewallLogs(const fs::path& dir) {
  loggen::Scenario sc;
  REQUIRE(loggen::Preset("firewall", 3, &sc));
  loggen::Result truth;
  REQUIRE(loggen::Generate(sc, (dir / "staging").string(), &truth).ok());
  return truth;
}

// The row of a session refused at connect (a failure), with its line end.
std::string RefusedRow(const std::string& id, const std::string& domain) {
  return Row(id, 22, 2, '*', "",
             "Failed to connect. Winsock error code: 10061, Win32 error code: 10061, "
             "Destination domain: " + domain + ", Error Message: refused") + "\r\n";
}

}  // namespace

TEST_CASE("watch reports every failure exactly once through bursts, rotation, deletion and "
          "restarts",
          "[watch]") {
  auto rules = Rules();
  TempDir dir;
  loggen::Result truth;
  std::vector<fs::path> staged = StageLogs(dir.path() / "staging", &truth);

  // The reference: one watcher over the complete logs in a single poll.
  fs::path ref_dir = dir.path() / "reference";
  fs::create_directories(ref_dir);
  fs::copy(dir.path() / "staging", ref_dir / "logs", fs::copy_options::recursive);
  {
    Watcher w(rules.get(), Options(ref_dir), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  std::map<std::string, int> reference = FailureIds(ref_dir / "events.ndjson");
  REQUIRE(reference.size() > 50);

  // Every failure the generator put in shows up (by session) in the reference.
  std::set<std::string> sessions_with_failures;
  {
    std::ifstream in(ref_dir / "events.ndjson");
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line);
      if (j["type"] == "failure") sessions_with_failures.insert(j["session"].get<std::string>());
    }
  }
  for (const loggen::InjectedFailure& f : truth.failures) {
    INFO(f.session_id << " " << f.domain);
    CHECK(sessions_with_failures.count(f.session_id) == 1);
  }

  // The live run: a writer thread appends the same bytes in bursts of random size (so lines
  // are cut in the middle), file after file, deleting files once they are old; the watcher
  // polls meanwhile and is restarted twice, once as after a crash between writing its events
  // and saving its checkpoint.
  fs::path live = dir.path() / "live";
  fs::create_directories(live / "logs");
  std::atomic<bool> writing{true};
  std::atomic<int> files_done{0};
  std::thread writer([&] {
    uint64_t seed = 12345;
    auto next = [&seed](uint64_t n) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      return (seed >> 33) % n;
    };
    for (size_t i = 0; i < staged.size(); ++i) {
      fs::path rel = fs::relative(staged[i], dir.path() / "staging");
      fs::path target = live / "logs" / rel;
      fs::create_directories(target.parent_path());
      std::string bytes = Slurp(staged[i]);
      if (target.extension() == ".gz") {
        // Rotated archives appear whole: written elsewhere, then moved in.
        std::ofstream(target.string() + ".part", std::ios::binary) << bytes;
        fs::rename(target.string() + ".part", target);
      } else {
        std::ofstream out(target, std::ios::binary);
        for (size_t pos = 0; pos < bytes.size();) {
          size_t n = std::min<size_t>(bytes.size() - pos, 1 + next(24000));
          out.write(bytes.data() + pos, static_cast<std::streamsize>(n));
          out.flush();
          pos += n;
          std::this_thread::sleep_for(std::chrono::microseconds(200 + next(800)));
        }
      }
      files_done = static_cast<int>(i + 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    writing = false;
  });

  auto watcher = std::make_unique<Watcher>(rules.get(), Options(live), nullptr);
  REQUIRE(watcher->Start().ok());
  int polls = 0;
  bool restarted = false, crashed = false;
  std::set<size_t> deleted;
  while (true) {
    bool last = !writing.load();
    REQUIRE(watcher->PollOnce().ok());
    ++polls;
    if (!restarted && files_done >= static_cast<int>(staged.size()) / 3) {
      // A clean restart: stop, start a new process from the state file.
      watcher = std::make_unique<Watcher>(rules.get(), Options(live), nullptr);
      REQUIRE(watcher->Start().ok());
      restarted = true;
    } else if (restarted && !crashed && files_done >= 2 * static_cast<int>(staged.size()) / 3) {
      // A crash right after writing the events of a poll, before its checkpoint was saved.
      std::string before = Slurp(live / "state.json");
      REQUIRE(watcher->PollOnce().ok());
      std::ofstream(live / "state.json", std::ios::binary) << before;
      watcher = std::make_unique<Watcher>(rules.get(), Options(live), nullptr);
      REQUIRE(watcher->Start().ok());
      crashed = true;
    }
    // Retention: the oldest file goes once it has been read to its end and later files exist.
    if (files_done.load() > 6 && deleted.empty()) {
      REQUIRE(watcher->PollOnce().ok());
      fs::remove(live / "logs" / fs::relative(staged[0], dir.path() / "staging"));
      deleted.insert(0);
    }
    if (last) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  writer.join();
  REQUIRE(watcher->PollOnce().ok());
  CHECK(restarted);
  CHECK(crashed);
  CHECK(deleted.count(0) == 1);

  std::map<std::string, int> seen = FailureIds(live / "events.ndjson");
  for (const auto& [id, n] : seen) {
    INFO("failure " << id);
    CHECK(n == 1);  // exactly once
  }
  std::set<std::string> a, b;
  for (const auto& [id, n] : seen) a.insert(id);
  for (const auto& [id, n] : reference) b.insert(id);
  std::vector<std::string> only_live, only_reference;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_live));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_reference));
  INFO("polls: " << polls);
  std::string diff;
  for (const std::string& id : only_live) diff += " live:" + id;
  for (const std::string& id : only_reference) diff += " reference:" + id;
  INFO("differences:" << diff);
  CHECK(only_live.empty());
  CHECK(only_reference.empty());
}

TEST_CASE("watch: a partial last line waits for its end", "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  std::string path = (dir.path() / "logs" / "SEND2026030206-1.LOG").string();
  std::string head = Header() + Row("0A", 1, 0, '*', "SendRoutingHeaders", "Set Session Permissions") +
                     "\r\n" + Row("0A", 1, 1, '*', "", "attempting to connect") + "\r\n";
  std::string fail = Row("0A", 22, 2, '*', "",
                         "Failed to connect. Winsock error code: 10060, Win32 error code: 10060, "
                         "Destination domain: fabrikam.example, Error Message: timed out") + "\r\n";
  std::ofstream(path, std::ios::binary) << head << fail.substr(0, 40);
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").empty());
  std::ofstream(path, std::ios::binary | std::ios::app) << fail.substr(40);
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 1);
  CHECK(w.follower().stats().lines == 8);
}

TEST_CASE("watch: a truncated or replaced file is read again from the start", "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  std::string path = (dir.path() / "logs" / "SEND2026030206-1.LOG").string();
  std::ofstream(path, std::ios::binary) << Header() << RefusedRow("0A", "a.example")
                                        << RefusedRow("0B", "b.example");
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 2);
  // Truncated and rewritten shorter: a new file's content.
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << Header() << RefusedRow("0C", "c.example");
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 3);
  CHECK(w.follower().stats().files_restarted == 1);
  // Emptied and written again longer than it was, all between two polls: by its size it grew.
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << Header() << RefusedRow("0D", "d.example") << RefusedRow("0E", "e.example")
      << RefusedRow("0F", "f.example");
  REQUIRE(w.PollOnce().ok());
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() == 6);
  for (const auto& [id, times] : ids) CHECK(times == 1);
  CHECK(w.follower().stats().files_restarted == 2);
  // And a log that only grew is read on, not again.
  std::ofstream(path, std::ios::binary | std::ios::app) << RefusedRow("10", "g.example");
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 7);
  CHECK(w.follower().stats().files_restarted == 2);
}

TEST_CASE("watch: a log compressed where it lies reports only its lines not read yet",
          "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  std::string path = (dir.path() / "logs" / "SEND2026030206-1.LOG").string();
  std::string content = Header() + RefusedRow("0A", "a.example") + RefusedRow("0B", "b.example");
  std::ofstream(path, std::ios::binary) << content;
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 2);
  // While the watcher is stopped, one more row arrives and the log is then gzipped in place.
  content += RefusedRow("0C", "c.example");
  gzFile gz = gzopen((path + ".gz").c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  REQUIRE(gzclose(gz) == Z_OK);
  fs::remove(path);
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  std::set<std::string> sessions;
  int failures = 0;
  std::ifstream in(dir.path() / "events.ndjson");
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line);
    if (j["type"] != "failure") continue;
    ++failures;
    sessions.insert(j["session"].get<std::string>());
  }
  CHECK(failures == 3);
  CHECK(sessions == std::set<std::string>{"0A", "0B", "0C"});
}

TEST_CASE("watch: a log folder out of reach for a while is not read again when it returns",
          "[watch]") {
  // A share that is unmounted for a moment, or a folder moved away and back: its files were not
  // deleted, and the watcher goes on where it was instead of reporting everything again.
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs" / "SmtpSend");
  std::string path = (dir.path() / "logs" / "SmtpSend" / "SEND2026030206-1.LOG").string();
  std::ofstream(path, std::ios::binary) << Header() << RefusedRow("0A", "a.example")
                                        << RefusedRow("0B", "b.example");
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 2);
  for (const char* away : {"logs", "logs/SmtpSend"}) {
    INFO(away);
    fs::rename(dir.path() / away, dir.path() / "away");
    REQUIRE(w.PollOnce().ok());
    fs::rename(dir.path() / "away", dir.path() / away);
    REQUIRE(w.PollOnce().ok());
    std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
    CHECK(ids.size() == 2);
    for (const auto& [id, n] : ids) CHECK(n == 1);
    CHECK(w.follower().stats().files_seen == 1);
  }
}

TEST_CASE("watch says on standard error which file and line it could not read", "[watch]") {
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  fs::path log = dir.path() / "logs" / "SEND2026030206-1.LOG";
  std::ofstream(log, std::ios::binary)
      << Header() << Lines(SendSession("0A", 10, "<m1@ourorg.example>", "bob@fabrikam.example",
                                       "250 2.1.5 Ok"))
      << "garbage that is no row\r\n";
  const std::string args = "watch --once --state '" + (dir.path() / "state.json").string() +
                           "' -o '" + (dir.path() / "events.ndjson").string() + "' '" +
                           (dir.path() / "logs").string() + "'";
  const fs::path events = dir.path() / "events.ndjson";
  std::string out, err;
  REQUIRE(RunCli(args, &out, &err) == 0);
  // The header is five lines and the session fourteen: the garbage is line 20.
  CHECK(err.find(log.string() + ":20: ") != std::string::npos);
  // So does the events file, which a log shipper reads (it never sees standard error).
  std::vector<json> problems = EventsOf(events, "file_problem");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0]["path"] == log.string());
  CHECK(problems[0]["problem"] == "malformed");
  CHECK(problems[0]["malformed_lines"] == 1);
  CHECK(problems[0]["first_line"] == 20);
  CHECK(problems[0]["detail"].get<std::string>().find("garbage that is no row") !=
        std::string::npos);
  CHECK(FailureIds(events).empty());  // (every event valid by the schema)
  // Said once, not at every poll; -q says nothing.
  REQUIRE(RunCli(args, &out, &err) == 0);
  CHECK(err.find(":20: ") == std::string::npos);
  CHECK(EventsOf(events, "file_problem").size() == 1);
  // A file that shrank is read again from the start, and the watcher says so: in the events
  // even with -q.
  std::ofstream(log, std::ios::binary | std::ios::trunc) << Header();
  REQUIRE(RunCli(args + " -q", &out, &err) == 0);
  CHECK(err.empty());
  problems = EventsOf(events, "file_problem");
  REQUIRE(problems.size() == 2);
  CHECK(problems[1]["problem"] == "note");
  CHECK(problems[1]["detail"].get<std::string>().find("read again from the start") !=
        std::string::npos);
  std::ofstream(log, std::ios::binary | std::ios::app) << "more garbage\r\n";
  REQUIRE(RunCli(args, &out, &err) == 0);
  CHECK(err.find(log.string() + ":6: ") != std::string::npos);
  problems = EventsOf(events, "file_problem");
  REQUIRE(problems.size() == 3);
  CHECK(problems[2]["first_line"] == 6);
  FailureIds(events);
}

TEST_CASE("watch: a poll with many malformed lines shows the first ten, then how many more",
          "[watch]") {
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  fs::path a = dir.path() / "logs" / "SEND2026030206-1.LOG";
  fs::path b = dir.path() / "logs" / "SEND2026030207-1.LOG";
  std::string garbage;
  for (int i = 1; i <= 12; ++i) garbage += "garbage " + std::to_string(i) + "\r\n";
  std::ofstream(a, std::ios::binary) << Header() << garbage;
  std::ofstream(b, std::ios::binary) << Header() << "other garbage\r\n";
  const std::string args = "watch --once --state '" + (dir.path() / "state.json").string() +
                           "' -o '" + (dir.path() / "events.ndjson").string() + "' '" +
                           (dir.path() / "logs").string() + "'";
  std::string out, err;
  REQUIRE(RunCli(args, &out, &err) == 0);
  // Lines 6 to 15 of the first file, written out; its last two and the other file's line as
  // a count.
  CHECK(err.find(a.string() + ":6: ") != std::string::npos);
  CHECK(err.find(a.string() + ":15: ") != std::string::npos);
  CHECK(err.find(a.string() + ":16: ") == std::string::npos);
  CHECK(err.find(b.string() + ":6: ") == std::string::npos);
  CHECK(err.find("smtptriage watch: 3 more lines could not be read\n") != std::string::npos);
  // Each file's event counts its lines and gives its first, whether shown or not.
  std::vector<json> problems = EventsOf(dir.path() / "events.ndjson", "file_problem");
  REQUIRE(problems.size() == 2);
  std::map<std::string, json> by_path;
  for (const json& p : problems) by_path[p["path"].get<std::string>()] = p;
  REQUIRE(by_path.count(a.string()) == 1);
  REQUIRE(by_path.count(b.string()) == 1);
  CHECK(by_path[a.string()]["malformed_lines"] == 12);
  CHECK(by_path[a.string()]["first_line"] == 6);
  CHECK(by_path[a.string()]["detail"].get<std::string>().find("garbage 1") != std::string::npos);
  CHECK(by_path[b.string()]["malformed_lines"] == 1);
  CHECK(by_path[b.string()]["first_line"] == 6);
  CHECK(by_path[b.string()]["detail"].get<std::string>().find("other garbage") !=
        std::string::npos);
}

namespace {

// A Send log of 200 sessions refused at connect (a failure each), gzipped through `scratch`.
std::string GzippedRefusals(const fs::path& scratch) {
  std::string content = Header();
  for (int i = 0; i < 200; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "%04X", i);
    content += Row(id, i, 2, '*', "",
                   "Failed to connect. Winsock error code: 10061, Win32 error code: 10061, "
                   "Destination domain: d" + std::to_string(i) + ".example, Error Message: "
                   "refused") + "\r\n";
  }
  gzFile gz = gzopen(scratch.string().c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) ==
          static_cast<int>(content.size()));
  REQUIRE(gzclose(gz) == Z_OK);
  return Slurp(scratch);
}

}  // namespace

TEST_CASE("watch: a .gz copied into the folder is read once it is whole", "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  std::string bytes = GzippedRefusals(dir.path() / "packed.gz");
  fs::path log = dir.path() / "logs" / "SEND2026030206-1.LOG.gz";
  // The copy is seen half written, then whole.
  std::ofstream(log, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  std::ofstream(log, std::ios::binary | std::ios::app) << bytes.substr(bytes.size() / 2);
  REQUIRE(w.PollOnce().ok());
  REQUIRE(w.PollOnce().ok());
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() == 200);
  for (const auto& [id, n] : ids) CHECK(n == 1);
}

namespace {

// A log of 200 refusals, gzipped and cut in the middle, in dir/logs.
void DamagedGzip(const fs::path& dir) {
  fs::create_directories(dir / "logs");
  std::string bytes = GzippedRefusals(dir / "packed.gz");
  std::ofstream(dir / "logs" / "SEND2026030206-1.LOG.gz", std::ios::binary)
      << bytes.substr(0, bytes.size() / 2);
}

}  // namespace

TEST_CASE("watch: a damaged .gz that stops changing is read as far as it goes", "[watch]") {
  auto rules = Rules();
  TempDir dir;
  DamagedGzip(dir.path());
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  for (int i = 0; i < 3; ++i) REQUIRE(w.PollOnce().ok());
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() > 20);
  CHECK(ids.size() < 200);
}

TEST_CASE("watch: a damaged .gz is read by the next run of a watch that runs once at a time",
          "[watch]") {
  // As a scheduler runs `watch --once --state FILE`: every poll is a new process.
  auto rules = Rules();
  TempDir dir;
  DamagedGzip(dir.path());
  std::ostringstream warnings;
  for (int run = 0; run < 2; ++run) {
    WatchOptions o = Options(dir.path());
    o.warnings = &warnings;
    Watcher w(rules.get(), o, nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
    // The first run takes it for a copy still being written, and says nothing.
    if (run == 0) CHECK(warnings.str().empty());
  }
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() > 20);
  CHECK(ids.size() < 200);
  CHECK(warnings.str().find("SEND2026030206-1.LOG.gz") != std::string::npos);
  CHECK(warnings.str().find("gzip stream is truncated") != std::string::npos);
  // Once, in the events file too, where a shipper sees it.
  std::vector<json> problems = EventsOf(dir.path() / "events.ndjson", "file_problem");
  for (const json& p : problems) UNSCOPED_INFO(p.dump());
  REQUIRE(problems.size() == 2);
  const std::string gz = (dir.path() / "logs" / "SEND2026030206-1.LOG.gz").string();
  // The rest of the file is skipped where the gzip stream ends; the line cut there is
  // malformed.
  CHECK(problems[0]["path"] == gz);
  CHECK(problems[0]["problem"] == "skipped");
  CHECK(problems[0]["detail"].get<std::string>().find("gzip stream is truncated") !=
        std::string::npos);
  CHECK(problems[1]["path"] == gz);
  CHECK(problems[1]["problem"] == "malformed");
  CHECK(problems[1]["malformed_lines"] == 1);
  CHECK(problems[0]["first_line"] == problems[1]["first_line"].get<int>() + 1);
}

TEST_CASE("watch: after the events file was rotated, a crash still repeats nothing",
          "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  std::string path = (dir.path() / "logs" / "SEND2026030206-1.LOG").string();
  std::ofstream(path, std::ios::binary) << Header() << RefusedRow("0A", "a.example")
                                        << RefusedRow("0B", "b.example");
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  // logrotate renames the events file and restarts the watcher, which begins a new one.
  fs::rename(dir.path() / "events.ndjson", dir.path() / "events.ndjson.1");
  std::ofstream(path, std::ios::binary | std::ios::app) << RefusedRow("0C", "c.example");
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 1);
  // A crash after a poll wrote its events, before its checkpoint.
  std::string before = Slurp(dir.path() / "state.json");
  std::ofstream(path, std::ios::binary | std::ios::app) << RefusedRow("0D", "d.example");
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  std::ofstream(dir.path() / "state.json", std::ios::binary | std::ios::trunc) << before;
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() == 2);
  for (const auto& [id, n] : ids) CHECK(n == 1);
}

TEST_CASE("watch: a log replaced by a longer copy of itself is read on, not again",
          "[watch]") {
  // A copy of the logs kept up to date by rsync: each sync writes the grown file under a
  // temporary name and renames it over the old one.
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  fs::path log = dir.path() / "logs" / "SEND2026030206-1.LOG";
  std::string content = Header() + RefusedRow("0A", "a.example") + RefusedRow("0B", "b.example");
  std::ofstream(log, std::ios::binary) << content;
  auto sync = [&](const std::string& more) {
    content += more;
    std::ofstream(dir.path() / "logs" / ".sync.tmp", std::ios::binary) << content;
    fs::rename(dir.path() / "logs" / ".sync.tmp", log);
  };
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
    sync(RefusedRow("0C", "c.example"));
    REQUIRE(w.PollOnce().ok());
    CHECK(w.follower().stats().files_restarted == 0);
  }
  // Also across a restart.
  sync(RefusedRow("0D", "d.example"));
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  std::map<std::string, int> ids = FailureIds(dir.path() / "events.ndjson");
  CHECK(ids.size() == 4);
  for (const auto& [id, n] : ids) CHECK(n == 1);
  // A file of other content under the name is new: read from the start.
  std::ofstream(dir.path() / "logs" / ".sync.tmp", std::ios::binary)
      << Header() << RefusedRow("0E", "e.example") << RefusedRow("0F", "f.example")
      << RefusedRow("10", "g.example") << RefusedRow("11", "h.example")
      << RefusedRow("12", "i.example");
  fs::rename(dir.path() / "logs" / ".sync.tmp", log);
  REQUIRE(w.PollOnce().ok());
  CHECK(FailureIds(dir.path() / "events.ndjson").size() == 9);
  CHECK(w.follower().stats().files_restarted == 1);
}

TEST_CASE("watch: an idle poll does not write the state file again", "[watch]") {
  // The state holds every file followed (thousands under a month of retention): rewritten at
  // every interval, it would be written gigabytes a day while no mail flows.
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  fs::path log = dir.path() / "logs" / "SEND2026030206-1.LOG";
  std::ofstream(log, std::ios::binary)
      << Header() << Lines(SendSession("0A", 10, "<m1@ourorg.example>", "bob@fabrikam.example",
                                       "250 2.1.5 Ok"));
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  platform::FileIdentity first, second;
  REQUIRE(platform::GetFileIdentity((dir.path() / "state.json").string(), &first));
  REQUIRE(w.PollOnce().ok());
  REQUIRE(platform::GetFileIdentity((dir.path() / "state.json").string(), &second));
  CHECK(first == second);
  // New lines: written.
  std::ofstream(log, std::ios::binary | std::ios::app)
      << Lines(SendSession("0B", 20, "<m2@ourorg.example>", "bob@fabrikam.example",
                           "250 2.1.5 Ok"));
  REQUIRE(w.PollOnce().ok());
  REQUIRE(platform::GetFileIdentity((dir.path() / "state.json").string(), &second));
  CHECK(!(first == second));
}

TEST_CASE("watch: a corrupt state file or one from another version is a clear error",
          "[watch]") {
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  struct Row {
    const char* content;
    const char* expect;
  };
  const Row rows[] = {
      {"{not json", "not a readable watch state file"},
      {"[1,2,3]", "not a watch state file"},
      {"{\"format\":\"smtptriage/watch-state@1\",\"version\":\"0.0.1\"}", "written by smtptriage 0.0.1"},
      {"{\"format\":\"smtptriage/watch-state@1\",\"version\":\"" SMTPTRIAGE_VERSION
       "\",\"follower\":{\"names\":[]}}",
       "damaged watch state"},
  };
  for (const Row& row : rows) {
    INFO(row.content);
    std::ofstream(dir.path() / "state.json", std::ios::binary | std::ios::trunc) << row.content;
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    Status s = w.Start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find(row.expect) != std::string::npos);
    CHECK(s.message().find("state.json") != std::string::npos);
  }
}

TEST_CASE("watch: numbers a state field cannot hold are a damaged state, not a crash",
          "[watch][fuzz]") {
  // Found by fuzzing (fuzz/fuzz_watch_state.cc): a session id written as 6.35e24 was converted
  // to a 64-bit integer unchecked (undefined behaviour). Each damaged number is now refused.
  auto rules = Rules();
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  auto start = [&](const json& state) {
    std::ofstream(dir.path() / "state.json", std::ios::binary | std::ios::trunc) << state.dump();
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    return w.Start();
  };
  json crasher = json::parse(std::ifstream(std::string(SMTPTRIAGE_SOURCE_DIR) +
                                           "/tests/data/crashers/watch_state_id_as_huge_float.json"));
  crasher["version"] = SMTPTRIAGE_VERSION;
  Status s = start(crasher);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("damaged watch state") != std::string::npos);

  // A real checkpoint with a session still open, then one damaged number at a time.
  std::ofstream(dir.path() / "logs" / "SEND2026030206-1.LOG", std::ios::binary)
      << Header() + Lines({Row("08DE6D209E9D3031", 1, 0, '+', ""),
                           Row("08DE6D209E9D3031", 2, 1, '<', "220 mx.example.com")});
  fs::remove(dir.path() / "state.json");
  {
    Watcher w(rules.get(), Options(dir.path()), nullptr);
    REQUIRE(w.Start().ok());
    REQUIRE(w.PollOnce().ok());
  }
  json state = json::parse(std::ifstream(dir.path() / "state.json"));
  REQUIRE(state["follower"]["send"]["sessions"].size() == 1);
  json& session = state["follower"]["send"]["sessions"][0];
  const std::vector<std::pair<json*, json>> damage = {
      {&session["id"], json(6.35e24)},
      {&session["id"], json(-1)},
      {&session["server"], json(4294967296ull)},
      {&session["last_time"], json(1.5)},
      {&state["follower"]["files"][0]["offset"], json(-3)},
      {&state["output_bytes"], json("12")},
  };
  for (const auto& [field, bad] : damage) {
    json before = *field;
    *field = bad;
    INFO(bad.dump());
    s = start(state);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("damaged watch state") != std::string::npos);
    *field = before;
  }
  s = start(state);  // put right again, the same state is accepted
  INFO(s.message());
  CHECK(s.ok());
}

TEST_CASE("watch: the same session id in two servers' folders is two sessions", "[watch]") {
  auto rules = Rules();
  TempDir dir;
  const std::string id = "08DE6D209E9D3031";
  // EX01's session is still waiting for its RCPT reply when EX02's, with the same id, fails.
  fs::create_directories(dir.path() / "logs" / "EX01");
  fs::create_directories(dir.path() / "logs" / "EX02");
  std::ofstream(dir.path() / "logs" / "EX01" / "SEND2026030206-1.LOG", std::ios::binary)
      << Header() + Lines({Row(id, 1, 0, '+', ""), Row(id, 2, 1, '>', "RCPT TO:<a@one.example>")});
  std::ofstream(dir.path() / "logs" / "EX02" / "SEND2026030206-1.LOG", std::ios::binary)
      << Header() + Lines({Row(id, 3, 0, '+', ""), Row(id, 4, 1, '>', "RCPT TO:<b@two.example>"),
                           Row(id, 5, 2, '<', "550 5.1.1 User unknown"),
                           Row(id, 6, 3, '-', "", "Local")});
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  REQUIRE(w.PollOnce().ok());
  std::ifstream in(dir.path() / "events.ndjson");
  std::string line;
  std::vector<std::string> domains;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    if (j["type"] == "failure") domains.push_back(j["domain"]);
  }
  CHECK(domains == std::vector<std::string>{"two.example"});
}

TEST_CASE("watch: a restart keeps an incident under way and the counts behind it", "[watch]") {
  // The firewall preset: every outbound connection times out from 15:00 to the end. Its logs are
  // given one hour at a time to one watcher, and to watchers started anew from the state file
  // for every hour (a restart per poll, as a scheduler running --once does).
  auto rules = Rules();
  TempDir dir;
  const loggen::Result truth = FirewallLogs(dir.path());
  auto run = [&](const fs::path& at, bool restart_every_poll) {
    fs::create_directories(at / "logs");
    auto watcher = std::make_unique<Watcher>(rules.get(), Options(at), nullptr);
    REQUIRE(watcher->Start().ok());
    for (const std::string& f : truth.files) {
      fs::path target = at / "logs" / fs::relative(f, dir.path() / "staging");
      fs::create_directories(target.parent_path());
      fs::copy_file(f, target);
      if (restart_every_poll) {
        watcher = std::make_unique<Watcher>(rules.get(), Options(at), nullptr);
        REQUIRE(watcher->Start().ok());
      }
      REQUIRE(watcher->PollOnce().ok());
    }
    // The incident events with what they say, and the last snapshot's counts.
    std::vector<std::string> said;
    std::ifstream in(at / "events.ndjson");
    json last_snapshot;
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line);
      if (j["type"] == "snapshot") last_snapshot = j;
      if (j["type"].get<std::string>().rfind("incident_", 0) != 0) continue;
      const json& inc = j["incident"];
      said.push_back(j["type"].get<std::string>() + " " + inc["family"].get<std::string>() +
                     " from " + inc["start"].get<std::string>() + ", " +
                     std::to_string(inc["failures"].get<int64_t>()) + " failures");
    }
    REQUIRE(last_snapshot.is_object());
    const json& s = last_snapshot;
    said.push_back("snapshot: " + std::to_string(s["sessions"].get<int64_t>()) + " sessions, " +
                   std::to_string(s["failed_recipients"].get<int64_t>()) + " failed recipients, " +
                   s["summary"].get<std::string>());
    return said;
  };
  std::vector<std::string> once = run(dir.path() / "one", false);
  std::vector<std::string> restarted = run(dir.path() / "restarted", true);
  REQUIRE(once.size() >= 3);
  CHECK(once.front().rfind("incident_opened connection from 2026-03-02T15:00:00.000Z", 0) == 0);
  CHECK(std::count_if(restarted.begin(), restarted.end(), [](const std::string& s) {
          return s.rfind("incident_opened", 0) == 0;
        }) == 1);
  CHECK(restarted == once);
}

TEST_CASE("watch: the state is written whole, and a state that cannot be written is an error",
          "[watch]") {
  TempDir dir;
  fs::path file = dir.path() / "state.json";
  std::string text(100000, 'x');
  REQUIRE(platform::WriteFileDurably(file.string(), text));
  CHECK(Slurp(file) == text);
  REQUIRE(platform::WriteFileDurably(file.string(), "{}"));
  CHECK(Slurp(file) == "{}");  // emptied first, not written over

  auto rules = Rules();
  fs::create_directories(dir.path() / "logs");
  WatchOptions o = Options(dir.path());
  o.state_file = (dir.path() / "no-such-folder" / "state.json").string();
  Watcher w(rules.get(), o, nullptr);
  REQUIRE(w.Start().ok());
  Status s = w.PollOnce();
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find(o.state_file + ": cannot write the watch state") == 0);
  CHECK(s.message().find("No such file or directory") != std::string::npos);
}

TEST_CASE("watch: an incident found again from an earlier hour closes the one announced",
          "[watch]") {
  // Every outbound connection times out from 15:00. The watcher reads 16:00 first and
  // announces an incident from 16:00; then the Send log of 15:00 arrives late. The incident now
  // starts at 15:00: announced anew, and the one from 16:00 closed, so that every
  // incident_opened has its close.
  auto rules = Rules();
  TempDir dir;
  const loggen::Result truth = FirewallLogs(dir.path());
  auto copy_hour = [&](const std::string& hour) {
    for (const std::string& f : truth.files) {
      if (fs::path(f).filename().string().find("SEND20260302" + hour) != 0) continue;
      fs::path target = dir.path() / "logs" / fs::relative(f, dir.path() / "staging");
      fs::create_directories(target.parent_path());
      fs::copy_file(f, target);
    }
  };
  Watcher w(rules.get(), Options(dir.path()), nullptr);
  REQUIRE(w.Start().ok());
  copy_hour("16");
  REQUIRE(w.PollOnce().ok());
  copy_hour("15");
  REQUIRE(w.PollOnce().ok());
  std::vector<std::string> said;
  for (const char* type : {"incident_opened", "incident_closed"}) {
    for (const json& e : EventsOf(dir.path() / "events.ndjson", type)) {
      said.push_back(std::string(type) + " " + e["incident"]["start"].get<std::string>());
    }
  }
  CHECK(said == std::vector<std::string>{"incident_opened 2026-03-02T16:00:00.000Z",
                                         "incident_opened 2026-03-02T15:00:00.000Z",
                                         "incident_closed 2026-03-02T16:00:00.000Z"});
  FailureIds(dir.path() / "events.ndjson");  // (every event valid by the schema)
}

TEST_CASE("watch says once that it does not follow message tracking logs", "[watch]") {
  TempDir dir;
  fs::create_directories(dir.path() / "logs" / "SmtpSend");
  fs::create_directories(dir.path() / "logs" / "MessageTracking");
  std::ofstream(dir.path() / "logs" / "SmtpSend" / "SEND2026030206-1.LOG", std::ios::binary)
      << Header() << Lines(SendSession("0A", 10, "<m1@ourorg.example>", "bob@fabrikam.example",
                                       "250 2.1.5 Ok"));
  std::ofstream(dir.path() / "logs" / "MessageTracking" / "MSGTRK2026030206-1.LOG",
                std::ios::binary)
      << "#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n"
         "#Log-type: Message Tracking Log\r\n";
  const std::string args = "watch --once --state '" + (dir.path() / "state.json").string() +
                           "' -o '" + (dir.path() / "events.ndjson").string() + "' '" +
                           (dir.path() / "logs").string() + "'";
  std::string out, err;
  REQUIRE(RunCli(args, &out, &err) == 0);
  CHECK(err.find("message tracking logs are not followed by watch") != std::string::npos);
  REQUIRE(RunCli(args, &out, &err) == 0);  // the next run of a scheduler: said already
  CHECK(err.find("message tracking") == std::string::npos);
  std::vector<json> notes = EventsOf(dir.path() / "events.ndjson", "file_problem");
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["path"] == (dir.path() / "logs" / "MessageTracking").string());
  CHECK(notes[0]["problem"] == "note");
}
