// Options shared by the subcommands that read logs (scan, investigate): the rules, the period,
// the thresholds of the incident model, language and time zone. Each subcommand adds these to
// its Boost.Program_options description and turns them into a RunSetup.
#pragma once

#include <initializer_list>
#include <memory>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "smtptriage/aggregator.h"
#include "smtptriage/classifier.h"
#include "smtptriage/input_files.h"
#include "smtptriage/progress.h"
#include "smtptriage/report.h"

namespace smtptriage {

struct CommonOptions {
  std::vector<std::string> paths;
  std::vector<std::string> rules;
  std::string rules_dir;
  std::string since, until, now, tz, lang, bucket = "1h", unparsed;
  int min_domains = 3;
  double min_spread = 0.20;
  bool verbose = false;
  bool quiet = false;
  unsigned jobs = 0;                 // files read at once; 0: one per processor core
  std::vector<std::string> servers;  // --server NAME=PATH
  bool by_server = false;
};

// The most files a run reads at once (--jobs).
constexpr unsigned kMaxJobs = 256;

// The options every command shares, less those named in `leave_out` (long names) that the
// command has no use for: they are then neither listed by --help nor accepted. A --since
// already set in `o` is that command's default.
void AddCommonOptions(boost::program_options::options_description* desc, CommonOptions* o,
                      std::initializer_list<const char*> leave_out = {});

struct RunSetup {
  std::unique_ptr<Classifier> classifier;
  std::vector<ServerPath> server_paths;  // parsed --server options
  std::vector<ServerInput> servers;      // the run's servers, once the files are known
  AggregatorOptions aggregator;
  Lang lang = Lang::kEn;
  TimeMs now = 0;
};

// Validates the common options and loads the rules. On a problem, writes the message to `err`
// and returns false (the caller exits with kExitUsage).
bool PrepareRun(const CommonOptions& o, std::ostream& err, RunSetup* setup);

// Parses `args` for a subcommand: the options of `desc` (with AddCommonOptions already added),
// and the positional arguments into common->paths (after `target`, when given, takes the first).
// On a usage error writes "smtptriage COMMAND: what. Try ..." to `err` and returns false.
bool ParseArgs(const std::vector<std::string>& args, const char* command,
               const boost::program_options::options_description& desc, CommonOptions* common,
               boost::program_options::variables_map* vm, std::ostream& err,
               std::string* target = nullptr);

// Options that count (--top, --top-domains) are read as signed numbers: read into an unsigned
// one, "-1" would become its largest value and mean "no limit". A negative count is a usage
// error, said on `err` ("smtptriage COMMAND: --top: ..."); returns whether all are valid.
bool CountsValid(const char* command,
                 std::initializer_list<std::pair<const char*, int64_t>> counts,
                 std::ostream& err);

// Where a report goes: the file `path` (-o), opened into `file`, or `out` when `path` is empty.
// Null, said on `err` ("smtptriage COMMAND: cannot write PATH: why"), when it cannot be opened.
std::ostream* OpenReportOutput(const std::string& path, const char* command, std::ofstream* file,
                               std::ostream& out, std::ostream& err);

// Starts the report of a run: version, clock, parameters, and the --unparsed file, opened into
// `unparsed` (which must outlive the report). False, with *error set, when that file cannot be
// written.
bool StartReport(const CommonOptions& o, const RunSetup& setup, Report* report,
                 std::ofstream* unparsed, std::string* error);

// Says which server wrote each file (AssignServers with the --server options) and points the
// aggregator options at the server table. Call after FindInputs.
void AssignRunServers(std::vector<InputFile>* files, RunSetup* setup);

// The first of `paths` that does not exist, or null when they all do.
const std::string* FirstMissingPath(const std::vector<std::string>& paths);

// Why a run read nothing, one reason per entry: each skipped file with its reason, or, when no
// log file was found at all, the paths that were searched.
std::vector<std::string> NoInputReasons(const std::vector<InputFile>& files,
                                        const Diagnostics& diagnostics,
                                        const std::vector<std::string>& paths);

// How many files a run reads at once: --jobs, or the number of processor cores.
unsigned JobsOf(const CommonOptions& o);

// The read settings of a run: --jobs, and a progress line on `err` when standard error is a
// terminal and --quiet is not given (the line lives in *line, which erases it when destroyed).
ScanControl MakeScanControl(const CommonOptions& o, std::ostream& err,
                            std::unique_ptr<ProgressLine>* line);

// The parameters of a run, for the report's "parameters" object.
void RecordParameters(const CommonOptions& o, Report* report);

}  // namespace smtptriage
