// smtptriage check: a Nagios/Icinga plugin. Scans the recent logs with the scan pipeline and
// prints one status line with performance data; the exit code is the plugin state.
#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "smtptriage/cli_common.h"
#include "smtptriage/commands.h"
#include "smtptriage/incident_model.h"
#include "smtptriage/input_files.h"
#include "smtptriage/reporters.h"
#include "smtptriage/scanner.h"

namespace po = boost::program_options;

namespace smtptriage {
namespace {

// The plugin states and their exit codes (Nagios plugin guidelines).
enum State { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

constexpr const char* kStateNames[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

constexpr const char* kCheckUsage =
    "Usage: smtptriage check [options] PATH...\n"
    "A Nagios/Icinga plugin: reads the Exchange SMTP logs of the last --since (default 1h) and\n"
    "prints one status line, SMTPTRIAGE OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata,\n"
    "followed by the verdict and the open incidents.\n"
    "\n"
    "  CRITICAL  a local incident is open at the end of the period (the same failure at many\n"
    "            unrelated domains at once: our firewall, our IP on a blocklist), or the\n"
    "            failures attributed to our side are more than --crit\n"
    "  WARNING   the failures attributed to our side are more than --warn, or the newest session in\n"
    "            the logs ended more than --stale before now: logging stopped, the transport\n"
    "            service is down, or PATH is an old copy (perfdata log_age, in seconds)\n"
    "  OK        otherwise\n"
    "  UNKNOWN   a PATH does not exist, no log could be read, or an option is wrong\n"
    "\n"
    "Failures attributed to our side (perfdata local_failures) are failed recipients, or failed\n"
    "sessions when no recipient was reached, of outbound mail and of hops between our own\n"
    "servers, that the rules say are ours (blocklisted IP, missing PTR, SPF) or that happened\n"
    "inside a local incident (docs/VERDICTS.md), and mail to us that our own server refused\n"
    "for a fault of its own (back pressure); what it refused by policy is not counted. Exit\n"
    "codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad options).\n";

// A perfdata item: 'label'=value;warn;crit;min (counts, no unit). A threshold N reads as the
// plugin guidelines have it: alert above N.
std::string Perf(const char* label, int64_t value, std::optional<int64_t> warn = std::nullopt,
                 std::optional<int64_t> crit = std::nullopt) {
  std::string s = std::string("'") + label + "'=" + std::to_string(value) + ";";
  if (warn) s += std::to_string(*warn);
  s += ";";
  if (crit) s += std::to_string(*crit);
  return s + ";0";
}

// --warn and --crit: a count (alert when more failures than that are ours, as Nagios reads a
// threshold N), or off.
bool ParseThreshold(const std::string& text, std::optional<int64_t>* out) {
  if (text == "off" || text == "none") {
    out->reset();
    return true;
  }
  if (text.empty() || text.size() > 15 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::stoll(text);
  return true;
}

// Writes an UNKNOWN status line (the reason on one line) and returns its exit code.
int Unknown(const std::string& why, std::ostream& out) {
  std::string line = why;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  for (char& c : line) {
    if (c == '\n') c = ';';
    if (c == '|') c = '/';  // '|' starts the performance data
  }
  out << "SMTPTRIAGE UNKNOWN - " << line << "\n";
  return kUnknown;
}

// A time span as an administrator reads it: "40 s", "45 min", "5 h 12 min", "273 days".
std::string Age(TimeMs ms, bool es) {
  const int64_t minutes = ms / 60000;
  if (minutes == 0) return std::to_string(ms / 1000) + " s";
  if (minutes < 60) return std::to_string(minutes) + " min";
  if (minutes < 48 * 60) {
    std::string s = std::to_string(minutes / 60) + " h";
    return minutes % 60 == 0 ? s : s + " " + std::to_string(minutes % 60) + " min";
  }
  return std::to_string(minutes / (24 * 60)) + (es ? " días" : " days");
}

}  // namespace

int RunCheck(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string warn_arg = "10", crit_arg = "off";
  std::string stale_arg = "4h";
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("warn,w", po::value(&warn_arg)->default_value("10"),
       "WARNING when more than N failures are attributed to our side (0: any; off: never)")
      ("crit,c", po::value(&crit_arg)->default_value("off"),
       "CRITICAL when more than N failures are attributed to our side (0: any; off: only open "
       "incidents)")
      ("stale", po::value(&stale_arg)->default_value("4h"),
       "WARNING when the newest session in the logs ended longer ago than this (30m, 4h, 2d; "
       "0: never)");
  common.since = "1h";  // a plugin looks at the last hour unless told otherwise
  AddCommonOptions(&desc, &common, {"by-server"});  // (the status line is the whole run's)
  po::variables_map vm;
  std::ostringstream usage;
  if (!ParseArgs(args, "check", desc, &common, &vm, usage)) {
    // A plugin's first line is all the monitoring shows: the reason goes there.
    std::string text = usage.str();
    err << text;
    return Unknown(text.substr(0, text.find('\n')), out);
  }
  if (vm.count("help")) {
    out << kCheckUsage << "\n" << desc;
    return kOk;
  }
  if (common.paths.empty()) return Unknown("no PATH given (smtptriage check --help)", out);
  std::optional<int64_t> warn, crit;
  for (auto [name, text, to] : {std::tuple{"--warn", &warn_arg, &warn},
                                std::tuple{"--crit", &crit_arg, &crit}}) {
    if (!ParseThreshold(*text, to)) {
      return Unknown(std::string(name) + ": a count of failures (alert above it) or off, not '" +
                         *text + "'",
                     out);
    }
  }
  TimeMs stale = 0;
  if (stale_arg != "0" && !ParseDuration(stale_arg, &stale)) {
    return Unknown("--stale: not a duration such as 30m, 4h or 2d: '" + stale_arg + "'", out);
  }
  if (warn && crit && *warn > *crit) {
    // Only --crit given, under the default --warn: warn from the same count.
    if (vm["warn"].defaulted()) {
      warn = crit;
    } else {
      return Unknown("--warn " + std::to_string(*warn) + " is above --crit " +
                         std::to_string(*crit),
                     out);
    }
  }
  if (const std::string* missing = FirstMissingPath(common.paths)) {
    return Unknown(*missing + ": no such file or folder", out);
  }
  common.quiet = true;
  RunSetup setup;
  std::ostringstream setup_err;
  if (!PrepareRun(common, setup_err, &setup)) return Unknown(setup_err.str(), out);

  Report report;
  std::ofstream unparsed;
  std::string problem;
  if (!StartReport(common, setup, &report, &unparsed, &problem)) return Unknown(problem, out);
  std::ostringstream find_log;
  std::vector<InputFile> files = FindInputs(common.paths, &report.diagnostics, common.verbose,
                                            common.verbose ? err : find_log);
  setup.aggregator.join_tracking = HasTrackingLogs(files);
  AssignRunServers(&files, &setup);
  std::vector<std::string> names;
  for (const InputFile& f : files) names.push_back(f.path);
  setup.aggregator.file_names = &names;
  Aggregator aggregator(setup.classifier.get(), setup.aggregator);
  ScanControl control;
  control.jobs = JobsOf(common);  // no progress line: check runs from a monitoring agent
  ScanStats stats =
      ScanFiles(files, &aggregator, MatcherOptions(), &report.diagnostics, &report, control);
  aggregator.Finish(&report);
  if (stats.files_read == 0) {
    std::string why = "no log could be read";
    std::vector<std::string> reasons = NoInputReasons(files, report.diagnostics, common.paths);
    for (size_t i = 0; i < reasons.size(); ++i) {
      why += (i ? "; " : ": ") + reasons[i];
    }
    return Unknown(why, out);
  }

  // What the thresholds and the perfdata count (see kCheckUsage).
  int64_t failures = 0, local = 0, inbound = 0;
  for (const DomainReport& d : report.domains) {
    if (d.direction == Direction::kInbound) {
      inbound += d.failures_total();
      // What our own server refused for a fault of its own (back pressure) is ours; what it
      // refused by policy is neither side's.
      for (const FailureGroup& g : d.failures) {
        failures += g.local_count;
        local += g.local_count;
      }
      continue;
    }
    failures += d.failures_total();
    for (const FailureGroup& g : d.failures) local += g.local_count;
  }
  std::vector<const Incident*> open;
  int64_t incidents = 0;
  for (const Incident& inc : report.incidents) {
    if (inc.side != "local") continue;
    ++incidents;
    if (inc.open) open.push_back(&inc);
  }

  // The summary in the words of --lang; the states and the perfdata labels are the plugin
  // conventions', the same in every language.
  const bool es = setup.lang == Lang::kEs;
  auto n = [](int64_t v) { return std::to_string(v); };
  State state = kOk;
  std::vector<std::string> why;
  for (const Incident* inc : open) {
    state = kCritical;
    const std::string family(FamilyName(inc->family, setup.lang));
    // An incident found in the period's first hour may have begun before it (the check reads
    // only the period), and one hour has no trend.
    const bool cut = setup.aggregator.since && inc->start <= *setup.aggregator.since;
    const std::string since =
        (cut ? (es ? "al menos desde " : "since at least ") : (es ? "desde " : "since ")) +
        FormatLocal(inc->start);
    std::string trend = inc->buckets.size() < 2 ? ""
                        : es                    ? std::string(", ") + TrendInSpanish(inc->trend)
                                                : ", " + inc->trend;
    why.push_back(es ? "incidente local de tipo " + family + " abierto " + since + " (" +
                           n(inc->domains) + " dominios" + trend + ")"
                     : "local " + family + " incident open " + since + " (" + n(inc->domains) +
                           " domains" + trend + ")");
  }
  std::string counted = n(local) + (es ? " de " : " of ") + n(failures) +
                        (es ? " fallos de nuestro lado" : " failures on our side");
  if (crit && local > *crit) {
    state = kCritical;
    counted += (es ? " (crítico por encima de " : " (critical above ") + n(*crit) + ")";
  } else if (warn && local > *warn) {
    if (state < kWarning) state = kWarning;
    counted += (es ? " (aviso por encima de " : " (warning above ") + n(*warn) + ")";
  }
  why.push_back(counted);
  // How long before the end of the period the newest session ended: logs that stopped being
  // written look like a quiet hour otherwise.
  const TimeMs end = setup.aggregator.until ? *setup.aggregator.until : setup.now;
  const TimeMs age = report.logs_end > 0 ? std::max<TimeMs>(0, end - report.logs_end) : -1;
  const bool stopped = stale > 0 && (age < 0 || age > stale);
  if (stopped) {
    if (state < kWarning) state = kWarning;
    why.insert(why.begin(),
               age < 0 ? (es ? "los registros leídos no tienen ninguna sesión"
                             : "the logs read hold no session")
                       : (es ? "ninguna sesión desde " : "no session since ") +
                             FormatLocal(report.logs_end) + " (" + Age(age, es) +
                             "; --stale " + stale_arg + ")");
  }
  if (report.verdict.side == "remote") {
    why.push_back(es ? "los demás apuntan a los receptores" : "the others point to the receivers");
  }
  if (report.totals.sessions == 0) {
    // Logs that stopped being written look like a quiet hour: say where they end.
    std::string none = es ? "ninguna sesión en el periodo" : "no sessions in the period";
    if (report.outside_period.sessions > 0 && !stopped) {  // (else said first)
      none += (es ? " (las " : " (the ") + n(report.outside_period.sessions) +
              (es ? " sesiones leídas van de " : " sessions read run from ") +
              FormatLocal(report.outside_period.first) + (es ? " a " : " to ") +
              FormatLocal(report.outside_period.last) + ")";
    }
    why.push_back(none);
  }
  if (const size_t skipped = report.diagnostics.skipped().size(); skipped > 0) {
    why.push_back(n(static_cast<int64_t>(skipped)) +
                  (es ? (skipped == 1 ? " archivo omitido" : " archivos omitidos")
                      : (skipped == 1 ? " file skipped" : " files skipped")));
  }
  std::string summary;
  for (const std::string& w : why) summary += (summary.empty() ? "" : "; ") + w;
  for (char& c : summary) {
    if (c == '|' || c == '\n') c = ' ';
  }

  out << "SMTPTRIAGE " << kStateNames[state] << " - " << summary << " | "
      << Perf("failures", failures) << " " << Perf("local_failures", local, warn, crit) << " "
      << Perf("remote_failures", failures - local) << " "
      << Perf("failed_recipients", report.totals.failed_recipients) << " "
      << Perf("connect_failures", report.totals.connect_failures) << " "
      << Perf("inbound_failures", inbound) << " "
      << Perf("incidents_open", static_cast<int64_t>(open.size())) << " "
      << Perf("incidents", incidents) << " " << Perf("sessions", report.totals.sessions) << " "
      << Perf("malformed", report.diagnostics.malformed_total()) << " "
      << Perf("files_skipped", static_cast<int64_t>(report.diagnostics.skipped().size()));
  if (age >= 0) {
    out << " 'log_age'=" << age / 1000 << "s;" << (stale > 0 ? std::to_string(stale / 1000) : "")
        << ";;0";
  }
  out << "\n";
  // Long output, shown by Nagios and Icinga under the status line.
  auto line = [](std::string s) {
    for (char& c : s) {
      if (c == '|' || c == '\n') c = ' ';
    }
    return s;
  };
  if (!report.verdict.summary.en.empty()) {
    out << line(SummaryText(report.verdict.summary, setup.lang)) << "\n";
  }
  for (const Incident* inc : open) {
    // The verdict often is the summary of the one open incident: say it once.
    if (inc->summary.en != report.verdict.summary.en) {
      out << line(SummaryText(inc->summary, setup.lang)) << "\n";
    }
  }
  return state;
}

}  // namespace smtptriage
