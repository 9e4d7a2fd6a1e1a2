#include "smtptriage/platform.h"

#include <chrono>
#include <csignal>
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
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

std::string TimeZoneName() {
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
  if (std::strftime(buf, sizeof buf, "%Z", &local) > 0) return std::string("this machine's zone (") + buf + ")";
  return "this machine's zone";
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

std::unique_ptr<MappedFile> MappedFile::Open(const std::string& path, int64_t quiet_ms) {
  std::unique_ptr<MappedFile> m(new MappedFile());
#ifdef _WIN32
  HANDLE h = CreateFileA(path.c_str(), GENERIC_READ,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, nullptr);
  if (h == INVALID_HANDLE_VALUE) return nullptr;
  LARGE_INTEGER size;
  FILETIME written, now;
  GetSystemTimeAsFileTime(&now);
  auto ticks = [](const FILETIME& t) {  // 100 ns units
    return static_cast<int64_t>((static_cast<uint64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime);
  };
  if (!GetFileSizeEx(h, &size) || size.QuadPart <= 0 || !GetFileTime(h, nullptr, nullptr, &written) ||
      (ticks(now) - ticks(written)) / 10000 < quiet_ms) {
    CloseHandle(h);
    return nullptr;
  }
  HANDLE mapping = CreateFileMappingA(h, nullptr, PAGE_READONLY, 0, 0, nullptr);
  if (mapping == nullptr) {
    CloseHandle(h);
    return nullptr;
  }
  void* view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
  if (view == nullptr) {
    CloseHandle(mapping);
    CloseHandle(h);
    return nullptr;
  }
  m->file_ = h;
  m->mapping_ = mapping;
  m->data_ = static_cast<const char*>(view);
  m->size_ = static_cast<size_t>(size.QuadPart);
#else
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
      NowMs() - static_cast<int64_t>(st.st_mtime) * 1000 < quiet_ms) {
    ::close(fd);
    return nullptr;
  }
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) return nullptr;
  madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  m->data_ = static_cast<const char*>(p);
  m->size_ = static_cast<size_t>(st.st_size);
#endif
  return m;
}

MappedFile::~MappedFile() {
#ifdef _WIN32
  UnmapViewOfFile(data_);
  CloseHandle(static_cast<HANDLE>(mapping_));
  CloseHandle(static_cast<HANDLE>(file_));
#else
  munmap(const_cast<char*>(data_), size_);
#endif
}

void MappedFile::Release(size_t offset) {
#ifdef _WIN32
  (void)offset;  // Windows trims the working set of a mapped view by itself
#else
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t upto = offset / page * page;
  if (upto <= released_) return;
  madvise(const_cast<char*>(data_) + released_, upto - released_, MADV_DONTNEED);
  released_ = upto;
#endif
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
