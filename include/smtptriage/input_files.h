// Finding the input: the paths given on the command line are files or folders; folders are
// searched recursively for SMTP protocol logs (SEND*/RECV*, .LOG or .log, optionally .gz).
// Files are put in time order (by the timestamp in the name, then the -N counter) so that a
// session spanning a rotation reads as one. Not thread-safe.
#pragma once

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
};

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
