// Finding the input: the paths given on the command line are files or folders; folders are
// searched recursively for SMTP protocol logs (SEND*/RECV*, .LOG or .log, optionally .gz).
// Files are put in time order (by the timestamp in the name, then the -N counter) so that a
// session spanning a rotation reads as one. Not thread-safe.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "smtptriage/diagnostics.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

struct InputFile {
  std::string path;
  LogKind kind = LogKind::kUnknown;  // from the name; the #Log-type header has the last word
  std::string stamp;                 // yyyyMMddHH from the name ("" when the name has none)
  int counter = 0;                   // the -N of the name
  bool explicit_arg = false;         // named on the command line (read whatever its name)
  std::string root;                  // the command-line path it was found under
  uint32_t server = 0;               // index into the run's server table (AssignServers)
};

// A transport server of the run, and the paths whose logs were taken as its own.
struct ServerInput {
  std::string name;
  std::vector<std::string> paths;
  std::string how;  // "explicit" (--server), "share" (\\HOST\...), "layout" or "default"
};

// `--server NAME=PATH`: the logs under PATH are NAME's.
struct ServerPath {
  std::string name;
  std::string path;
};

// Parses NAME=PATH; false with a message when it is not of that form.
bool ParseServerPath(const std::string& arg, ServerPath* out, std::string* error);

// Says which server wrote each file, and returns the server table (in order of name). First
// the explicit --server paths (the longest that holds the file wins); then the host of a
// \\HOST\share path; then the folder above the Exchange log tree (the part before
// `TransportRoles\Logs\...` or `Logs\...`); then, when a command-line folder holds one
// subfolder per server (two or more subfolders with logs, not named like Exchange's own log
// folders), that subfolder; else the one server "local".
std::vector<ServerInput> AssignServers(std::vector<InputFile>* files,
                                       const std::vector<ServerPath>& explicit_servers);

// Parses an Exchange log name: SEND2026030206-1.LOG, RECV20260302-2.log.gz, MSGTRK....
// Returns false for other names.
bool ParseLogName(const std::string& name, LogKind* kind, std::string* stamp, int* counter);

// Expands the arguments. A missing or unreadable path is recorded in `diag` as skipped and the
// others are still used. With `verbose`, ignored files are listed on `log`.
std::vector<InputFile> FindInputs(const std::vector<std::string>& args, Diagnostics* diag,
                                  bool verbose, std::ostream& log);

// True when any of the files is a message tracking log.
bool HasTrackingLogs(const std::vector<InputFile>& files);

}  // namespace smtptriage
