// The one seam for operating-system specific code: local time zones, the terminal, file
// identity, mapped files and stop signals. Everything else in smtptriage is portable C++20. Implemented for
// POSIX and Windows in src/platform.cc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "smtptriage/time_util.h"

namespace smtptriage::platform {

TimeMs NowMs();

// Makes `tz` (an IANA name such as "Europe/Madrid", or "UTC") the zone of LocalOffsetMinutes.
// An empty name keeps the machine's own zone. Returns false when the zone is unknown.
bool UseTimeZone(const std::string& tz);
// Offset of local time from UTC at `t`, in minutes (DST-aware).
int LocalOffsetMinutes(TimeMs t);
// The name of the zone in use ("UTC", "Europe/Madrid", or the machine's abbreviation).
std::string TimeZoneName();

bool StderrIsTerminal();
int TerminalColumns();  // 80 when unknown

// Identity of a file (device and inode, or volume serial and file index on Windows), to tell a
// rotated or replaced file from the one that was read before.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  bool operator==(const FileIdentity& o) const { return device == o.device && inode == o.inode; }
};
bool GetFileIdentity(const std::string& path, FileIdentity* out);

// A whole file mapped read-only into memory (mmap, or MapViewOfFile on Windows), so that a large
// log is read where the system keeps it instead of being copied into a buffer first. Only for
// files that are complete while they are read (a batch scan): on POSIX systems, a file cut
// shorter while it is mapped stops the process (SIGBUS) when the lost part is read, so a file
// written to in the last `quiet_ms` (being copied or rewritten right now) is not mapped.
class MappedFile {
 public:
  // nullptr when the file is empty, was written to less than quiet_ms ago, or cannot be mapped
  // (the caller then reads it as a stream).
  static std::unique_ptr<MappedFile> Open(const std::string& path, int64_t quiet_ms);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // The bytes before `offset` will not be read again: their pages may leave the process's
  // resident set, which then stays bounded however large the file is.
  void Release(size_t offset);

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
#ifdef _WIN32
  void* file_ = nullptr;
  void* mapping_ = nullptr;
#endif
};

// Asks the C library's allocator to keep freed memory for reuse (up to a few tens of MiB)
// rather than give it back to the system after every burst of frees: a scan frees and allocates
// the same sizes all the time. Does nothing where the allocator has no such setting.
void TuneAllocator();

// Sets *flag when SIGINT or SIGTERM (Ctrl+C / Ctrl+Break on Windows) arrives.
void InstallStopHandler(std::atomic<bool>* flag);

}  // namespace smtptriage::platform
