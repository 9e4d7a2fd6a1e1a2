#include "smtptriage/platform.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace smtptriage::platform {
namespace {

std::string g_zone_name;
std::atomic<bool>* g_stop_flag = nullptr;

extern "C" void OnStopSignal(int) {
  if (g_stop_flag != nullptr) g_stop_flag->store(true);
}

}  // namespace

TimeMs NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool UseTimeZone(const std::string& tz) {
  if (tz.empty()) return true;
  if (tz == "UTC" || tz == "Etc/UTC" || tz == "Z") {
    g_zone_name = "UTC";
#ifdef _WIN32
    _putenv_s("TZ", "UTC0");
    _tzset();
#else
    setenv("TZ", "UTC0", 1);
    tzset();
#endif
    return true;
  }
#ifdef _WIN32
  // The C runtime on Windows knows no IANA names; only UTC and the machine's zone are offered.
  return false;
#else
  // glibc silently falls back to UTC for a name it does not know: check the zone database.
  const char* dir = std::getenv("TZDIR");
  std::filesystem::path file = std::filesystem::path(dir ? dir : "/usr/share/zoneinfo") / tz;
  std::error_code ec;
  if (tz.find("..") != std::string::npos || !std::filesystem::is_regular_file(file, ec)) {
    return false;
  }
  setenv("TZ", tz.c_str(), 1);
  tzset();
  g_zone_name = tz;
  return true;
#endif
}

std::string TimeZonesAccepted() {
#ifdef _WIN32
  return "on Windows only UTC is known by name; leave --tz out for this machine's own zone";
#else
  return "use an IANA name such as Europe/Madrid, or UTC";
#endif
}

int LocalOffsetMinutes(TimeMs t) {
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm local{};
  std::tm utc{};
#ifdef _WIN32
  localtime_s(&local, &secs);
  gmtime_s(&utc, &secs);
#else
  localtime_r(&secs, &local);
  gmtime_r(&secs, &utc);
#endif
  // Portable: compare the broken-down times instead of relying on tm_gmtoff.
  int64_t l = DaysFromCivil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday) * 1440 +
              local.tm_hour * 60 + local.tm_min;
  int64_t u = DaysFromCivil(utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday) * 1440 +
              utc.tm_hour * 60 + utc.tm_min;
  return static_cast<int>(l - u);
}

std::string TimeZoneName(const std::string& machine_zone) {
  if (!g_zone_name.empty()) return g_zone_name;
  const char* tz = std::getenv("TZ");
  if (tz != nullptr && *tz != '\0') return tz;
  std::time_t now = std::time(nullptr);
  std::tm local{};
#ifdef _WIN32
  localtime_s(&local, &now);
#else
  localtime_r(&now, &local);
#endif
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%Z", &local) > 0) return machine_zone + " (" + buf + ")";
  return machine_zone;
}

void PrepareConsole() {
#ifdef _WIN32
  SetConsoleOutputCP(CP_UTF8);
#endif
}

bool StderrIsTerminal() {
#ifdef _WIN32
  return _isatty(_fileno(stderr)) != 0;
#else
  return isatty(STDERR_FILENO) != 0;
#endif
}

int TerminalColumns() {
#ifdef _WIN32
  CONSOLE_SCREEN_BUFFER_INFO info;
  if (GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &info)) {
    return info.srWindow.Right - info.srWindow.Left + 1;
  }
#else
  struct winsize ws {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
#endif
  return 80;
}

bool GetFileIdentity(const std::string& path, FileIdentity* out) {
#ifdef _WIN32
  HANDLE h = CreateFileA(path.c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  BY_HANDLE_FILE_INFORMATION info;
  bool ok = GetFileInformationByHandle(h, &info) != 0;
  CloseHandle(h);
  if (!ok) return false;
  out->device = info.dwVolumeSerialNumber;
  out->inode = (static_cast<uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  out->size = (static_cast<int64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  return true;
#else
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  out->device = static_cast<uint64_t>(st.st_dev);
  out->inode = static_cast<uint64_t>(st.st_ino);
  out->size = static_cast<int64_t>(st.st_size);
  return true;
#endif
}

bool SeekTo(std::FILE* f, int64_t offset) {
#ifdef _WIN32
  return _fseeki64(f, offset, SEEK_SET) == 0;
#else
  return fseeko(f, static_cast<off_t>(offset), SEEK_SET) == 0;
#endif
}

bool WriteFileDurably(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size() && std::fflush(f) == 0;
#ifdef _WIN32
  ok = ok && _commit(_fileno(f)) == 0;
#else
  ok = ok && fsync(fileno(f)) == 0;
#endif
  return std::fclose(f) == 0 && ok;
}

void TuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

void InstallStopHandler(std::atomic<bool>* flag) {
  g_stop_flag = flag;
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
#ifdef SIGBREAK
  std::signal(SIGBREAK, OnStopSignal);
#endif
}

}  // namespace smtptriage::platform
