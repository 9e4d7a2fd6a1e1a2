// smtptriage watch: follow the logs and emit NDJSON events for monitoring.
#include <atomic>
#include <iostream>

#include "smtptriage/cli_common.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/platform.h"
#include "smtptriage/watch.h"

namespace po = boost::program_options;

namespace smtptriage {

int RunWatch(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string format = "ndjson", output, state, interval = "2s", lookback = "24h";
  std::string idle = "10m";
  int64_t top = 20;
  bool once = false;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("state", po::value(&state), "checkpoint file: positions and open sessions, saved at every "
                                   "interval and on Ctrl+C/SIGTERM; a restart resumes from it")
      ("interval", po::value(&interval)->default_value("2s"), "how often to look for new lines")
      ("format,f", po::value(&format)->default_value("ndjson"), "output format: ndjson")
      ("output,o", po::value(&output), "append events to this file (exactly once across restarts "
                                       "with --state); default: standard output")
      ("top-domains", po::value(&top)->default_value(20), "domains listed in snapshot events")
      ("lookback", po::value(&lookback)->default_value("24h"),
       "time window the incident model keeps")
      ("idle-timeout", po::value(&idle)->default_value("10m"),
       "close a session with no row for this long (log time) as lost")
      ("once", po::bool_switch(&once), "poll once, checkpoint and exit (for schedulers and tests)");
  // What watch has no use for: it writes no text, follows the files in one loop, and its
  // events name no server.
  AddCommonOptions(&desc, &common, {"tz", "jobs", "unparsed", "by-server", "server"});
  po::variables_map vm;
  if (!ParseArgs(args, "watch", desc, &common, &vm, err)) return kExitUsage;
  if (!CountsValid("watch", {{"--top-domains", top}}, err)) return kExitUsage;
  if (vm.count("help")) {
    out << "Usage: smtptriage watch [options] PATH...\n"
           "Follows the SMTP protocol logs in PATH (folders) as Exchange writes them and writes\n"
           "one JSON event per line: failure, incident_opened/updated/closed, snapshot.\n\n"
        << desc;
    return kExitOk;
  }
  if (format != "ndjson") {
    err << "smtptriage watch: unknown --format '" << format << "' (expected ndjson)\n";
    return kExitUsage;
  }
  if (common.paths.empty()) {
    err << "smtptriage watch: no PATH given\n";
    return kExitUsage;
  }
  RunSetup setup;
  if (!PrepareRun(common, err, &setup)) return kExitUsage;
  // A folder that is not there at the start is a mistyped path far more often than one Exchange
  // has yet to create: a service watching it would look healthy and never report anything.
  if (const std::string* missing = FirstMissingPath(common.paths)) {
    err << "smtptriage watch: " << *missing << ": no such file or folder\n";
    return kExitNoInput;
  }
  WatchOptions options;
  options.paths = common.paths;
  if (common.verbose) options.log = &err;
  if (!common.quiet) options.warnings = &err;
  options.state_file = state;
  options.output_file = output;
  options.top_domains = static_cast<size_t>(top);
  options.aggregator = setup.aggregator;
  if (!ParseDuration(interval, &options.interval_ms)) {
    err << "smtptriage watch: --interval: not a duration such as 500ms, 2s or 1m (whole numbers "
           "with a unit): '"
        << interval << "'\n";
    return kExitUsage;
  }
  if (options.interval_ms < 100) {
    err << "smtptriage watch: --interval: at least 100ms is needed, got '" << interval << "'\n";
    return kExitUsage;
  }
  if (!ParseDuration(lookback, &options.lookback_ms) || options.lookback_ms < 3600000) {
    err << "smtptriage watch: --lookback: a duration of at least 1h is needed\n";
    return kExitUsage;
  }
  if (!ParseDuration(idle, &options.matcher.idle_timeout_ms) ||
      options.matcher.idle_timeout_ms < 60000) {
    err << "smtptriage watch: --idle-timeout: a duration of at least 1m is needed\n";
    return kExitUsage;
  }
  Watcher watcher(setup.classifier.get(), options, &out);
  Status s = watcher.Start();
  if (!s.ok()) {
    err << "smtptriage watch: " << s.message() << "\n";
    return kExitUsage;
  }
  std::atomic<bool> stop{once};
  if (!once) platform::InstallStopHandler(&stop);
  s = watcher.Run(&stop);
  if (!s.ok()) {
    // Run fails only when the events or the state cannot be written.
    err << "smtptriage watch: " << s.message() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace smtptriage
