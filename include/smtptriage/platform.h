// The one seam for operating-system specific code: local time zones, the terminal, file
// identity and durable writes, the allocator and stop signals. Everything else in smtptriage is
// portable C++20. Implemented for POSIX and Windows in src/platform.cc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "smtptriage/time_util.h"

namespace smtptriage::platform {

TimeMs NowMs();

// Makes `tz` (an IANA name such as "Europe/Madrid", or "UTC") the zone of LocalOffsetMinutes.
// An empty name keeps the machine's own zone. Returns false when the zone is unknown.
bool UseTimeZone(const std::string& tz);
// Offset of local time from UTC at `t`, in minutes (DST-aware).
int LocalOffsetMinutes(TimeMs t);
// What UseTimeZone accepts here, for a message: the zones it knows and how to get the others.
std::string TimeZonesAccepted();
// The name of the zone in use ("UTC", "Europe/Madrid"), or for the machine's own zone
// `machine_zone` followed by its abbreviation in brackets ("this machine's zone (CET)").
std::string TimeZoneName(const std::string& machine_zone = "this machine's zone");

// Makes the console show the program's UTF-8 output as written ("sesión", not "sesiÃ³n"): on
// Windows, sets the console's output code page to UTF-8; elsewhere does nothing.
void PrepareConsole();

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

// Moves `f` to byte `offset` from its start, past 2 GiB too (where the C library's fseek takes a
// 32-bit long, as on Windows). False when it cannot.
bool SeekTo(std::FILE* f, int64_t offset);

// Writes `data` to `path` (created or emptied) and waits until the system has it on disk
// (fsync, or _commit on Windows), so that a file renamed over another afterwards is whole after
// a power loss, not empty. False, with errno set, when any step fails.
bool WriteFileDurably(const std::string& path, const std::string& data);

// Asks the C library's allocator to keep freed memory for reuse (up to a few tens of MiB)
// rather than give it back to the system after every burst of frees: a scan frees and allocates
// the same sizes all the time. Does nothing where the allocator has no such setting (the program
// built with jemalloc does not call it).
void TuneAllocator();

// Sets *flag when SIGINT or SIGTERM (Ctrl+C / Ctrl+Break on Windows) arrives.
void InstallStopHandler(std::atomic<bool>* flag);

}  // namespace smtptriage::platform
