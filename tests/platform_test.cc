// The operating-system seam (src/platform.cc), tested through what the rest of the program relies
// on. These tests use nothing but the seam and the standard library, so that
// scripts/check_windows.sh can build them for Windows and run them there too.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "smtptriage/platform.h"

#ifdef _WIN32
#include <windows.h>
#endif

namespace fs = std::filesystem;
using namespace smtptriage;

namespace {

// A folder of its own under the system's temporary folder, removed at the end. (Not test_util.h's
// TempDir, which names its folder after a POSIX process id and comes with helpers that run the
// program through a POSIX shell: this file must build for Windows as it is.)
class Scratch {
 public:
  Scratch() {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() / ("smtptriage-platform-" + std::to_string(stamp));
    fs::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  // The folder's path joined to `name` as text, the way the program passes names it read from
  // the command line or a listing to the C and C++ libraries.
  std::string File(const std::string& name) const { return path_.string() + "/" + name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("platform: a file keeps its identity as it grows and when renamed", "[platform]") {
  Scratch dir;
  const std::string log = dir.File("SEND2026030206-1.LOG");
  std::ofstream(log, std::ios::binary) << "#Software: Microsoft Exchange Server\r\n";
  platform::FileIdentity first, grown, renamed, other;
  REQUIRE(platform::GetFileIdentity(log, &first));
  CHECK(first.size == 38);
  std::ofstream(log, std::ios::binary | std::ios::app) << "a row\r\n";
  REQUIRE(platform::GetFileIdentity(log, &grown));
  CHECK(grown == first);
  CHECK(grown.size == 45);
  // Rotation by renaming: the same file under another name.
  const std::string moved = dir.File("SEND2026030206-1.LOG.old");
  fs::rename(log, moved);
  REQUIRE(platform::GetFileIdentity(moved, &renamed));
  CHECK(renamed == first);
  // A new file under the old name is another file, whatever its content.
  std::ofstream(log, std::ios::binary) << "#Software: Microsoft Exchange Server\r\n";
  REQUIRE(platform::GetFileIdentity(log, &other));
  CHECK_FALSE(other == first);
  CHECK_FALSE(platform::GetFileIdentity(dir.File("missing.LOG"), &other));
}

TEST_CASE("platform: file names are UTF-8, as the program writes them", "[platform]") {
  // A Spanish name and one outside any Western code page, given as UTF-8 text. On Windows the
  // system sees them as written only with the program's manifest (src/windows/utf8.manifest),
  // which makes UTF-8 the code page of the narrow strings the C runtime passes on.
  Scratch dir;
  const std::string name =
      "Env\xC3\xADo-\xD0\xB6\xD1\x83\xD1\x80\xD0\xBD\xD0\xB0\xD0\xBB.LOG";
  std::ofstream(dir.File(name), std::ios::binary) << "#Software: Microsoft Exchange Server\r\n";
  platform::FileIdentity id;
  REQUIRE(platform::GetFileIdentity(dir.File(name), &id));
  CHECK(id.size == 38);
  CHECK(Contents(dir.File(name)).size() == 38);
  // The name the system holds, read back in its own terms.
#ifdef _WIN32
  CHECK(GetACP() == CP_UTF8);
  WIN32_FIND_DATAW found;
  HANDLE h = FindFirstFileW((dir.path().wstring() + L"\\*.LOG").c_str(), &found);
  REQUIRE(h != INVALID_HANDLE_VALUE);
  FindClose(h);
  CHECK(std::wstring(found.cFileName) ==
        L"Env\u00EDo-\u0436\u0443\u0440\u043D\u0430\u043B.LOG");
#else
  int listed = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir.path())) {
    CHECK(e.path().filename().string() == name);
    ++listed;
  }
  CHECK(listed == 1);
#endif
}

TEST_CASE("platform: a durable write replaces the file whole, and says when it cannot",
          "[platform]") {
  Scratch dir;
  const std::string state = dir.File("state.json");
  REQUIRE(platform::WriteFileDurably(state, std::string(5000, 'x')));
  CHECK(Contents(state) == std::string(5000, 'x'));
  // Written again shorter: nothing of the longer content is left.
  REQUIRE(platform::WriteFileDurably(state, "{\"format\":1}\n"));
  CHECK(Contents(state) == "{\"format\":1}\n");
  CHECK_FALSE(platform::WriteFileDurably(dir.File("no-such-folder/state.json"), "{}"));
  // How watch saves its state: written whole beside it, then renamed over it, which must replace
  // the old file on Windows too (where rename() of the C library refuses to).
  REQUIRE(platform::WriteFileDurably(dir.File("state.json.tmp"), "{\"format\":2}\n"));
  std::error_code ec;
  fs::rename(dir.File("state.json.tmp"), dir.File("state.json"), ec);
  CHECK_FALSE(ec);
  CHECK(Contents(state) == "{\"format\":2}\n");
  CHECK_FALSE(fs::exists(dir.File("state.json.tmp")));
}

TEST_CASE("platform: a log is read on from an offset past 2 GiB", "[platform]") {
  // watch reads a followed log on from where it stopped; the C library's fseek takes a long,
  // 32 bits on Windows. A sparse file takes no room on disk.
  Scratch dir;
  const std::string big = dir.File("RECV2026030206-1.LOG");
  std::ofstream(big, std::ios::binary) << "#Software: Microsoft Exchange Server\r\n";
  const int64_t beyond = (int64_t{1} << 32) + 1234;  // 4 GiB on: beyond any 32-bit offset
  fs::resize_file(big, static_cast<std::uintmax_t>(beyond));
  std::FILE* f = std::fopen(big.c_str(), "r+b");
  REQUIRE(f != nullptr);
  REQUIRE(platform::SeekTo(f, beyond));
  CHECK(std::fputs("2026-03-02T06:00:00.000Z,row\r\n", f) >= 0);
  REQUIRE(platform::SeekTo(f, beyond));
  char line[64] = {};
  CHECK(std::fgets(line, sizeof line, f) != nullptr);
  CHECK(std::string(line) == "2026-03-02T06:00:00.000Z,row\r\n");
  REQUIRE(platform::SeekTo(f, 0));
  CHECK(std::fgetc(f) == '#');
  std::fclose(f);
  platform::FileIdentity id;
  REQUIRE(platform::GetFileIdentity(big, &id));
  CHECK(id.size == beyond + 30);
}

TEST_CASE("platform: UTC is known everywhere, an unknown zone is refused", "[platform]") {
  REQUIRE(platform::UseTimeZone("UTC"));
  CHECK(platform::TimeZoneName() == "UTC");
  CHECK(platform::LocalOffsetMinutes(1772431200000) == 0);  // 2026-03-02 06:00 UTC
  CHECK(platform::LocalOffsetMinutes(1784937600000) == 0);  // 2026-07-25, summer elsewhere
  CHECK_FALSE(platform::UseTimeZone("Nowhere/Atlantis"));
  CHECK_FALSE(platform::UseTimeZone("../../etc/passwd"));
  CHECK(platform::TimeZoneName() == "UTC");  // a refused zone changes nothing
}

TEST_CASE("platform: a named zone is used where the system knows it, else the message says so",
          "[platform]") {
#ifdef _WIN32
  // The C runtime knows no IANA names: the message must not suggest one.
  CHECK_FALSE(platform::UseTimeZone("Europe/Madrid"));
  CHECK(platform::TimeZonesAccepted().find("Europe/Madrid") == std::string::npos);
  CHECK(platform::TimeZonesAccepted().find("leave --tz out") != std::string::npos);
#else
  CHECK(platform::TimeZonesAccepted().find("Europe/Madrid") != std::string::npos);
  if (!fs::exists("/usr/share/zoneinfo/Europe/Madrid")) return;  // (tzdata not installed)
  REQUIRE(platform::UseTimeZone("Europe/Madrid"));
  CHECK(platform::TimeZoneName() == "Europe/Madrid");
  CHECK(platform::LocalOffsetMinutes(1772431200000) == 60);   // 2026-03-02: CET
  CHECK(platform::LocalOffsetMinutes(1784937600000) == 120);  // 2026-07-25: CEST
  REQUIRE(platform::UseTimeZone("UTC"));
#endif
}

TEST_CASE("platform: the terminal width is 80 when standard error is not a terminal",
          "[platform]") {
  // ctest and the Windows check both redirect standard error.
  if (!platform::StderrIsTerminal()) CHECK(platform::TerminalColumns() == 80);
  CHECK(platform::TerminalColumns() > 0);
}

TEST_CASE("platform: Ctrl+C and a termination request set the stop flag", "[platform]") {
  static std::atomic<bool> stop;  // outlives the test: the handlers keep pointing at it
  for (int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    stop = false;
    platform::InstallStopHandler(&stop);
    REQUIRE(std::raise(sig) == 0);
    CHECK(stop.load());
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
#ifdef SIGBREAK
  std::signal(SIGBREAK, SIG_DFL);
#endif
}
