#include "smtptriage/cli_common.h"

#include "smtptriage/platform.h"

#include <boost/make_shared.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>

namespace po = boost::program_options;

namespace smtptriage {

void AddCommonOptions(po::options_description* desc, CommonOptions* o,
                      std::initializer_list<const char*> leave_out) {
  auto add = [&](const char* name, const po::value_semantic* value, const char* help) {
    std::string_view long_name = std::string_view(name).substr(0, std::string_view(name).find(','));
    for (const char* out : leave_out) {
      if (long_name == out) {
        delete value;
        return;
      }
    }
    desc->add(boost::make_shared<po::option_description>(name, value, help));
  };
  // A command with a period of its own (check: the last hour) sets it in `o` beforehand, and
  // --help shows it.
  po::typed_value<std::string>* since = po::value(&o->since);
  if (!o->since.empty()) since->default_value(o->since);
  add("since", since,
      "only sessions from this time: ISO 8601 (UTC unless an offset is given) or a duration back "
      "from now (90m, 24h, 7d)");
  add("until", po::value(&o->until), "only sessions before this time (same forms as --since)");
  add("rules", po::value(&o->rules)->composing(),
      "site rules file (JSON), tried before the built-in rules; repeatable");
  add("rules-dir", po::value(&o->rules_dir),
      "use the rules in this folder instead of the built-in ones");
  add("lang", po::value(&o->lang),
      "language of explanations: en or es (default: from LC_ALL, LC_MESSAGES or LANG)");
  add("tz", po::value(&o->tz),
      ("time zone for times in text output (default: this machine's; " +
       platform::TimeZonesAccepted() + "); JSON is always UTC")
          .c_str());
  add("bucket", po::value(&o->bucket)->default_value("1h"), "time bucket of the incident model");
  add("min-domains", po::value(&o->min_domains)->default_value(3),
      "domains a failure family must hit in one bucket to be a local incident");
  add("min-spread", po::value(&o->min_spread)->default_value(0.20, "0.2"),
      "share of active domains a spreading failure must reach to be a local incident");
  const bool period = std::find_if(leave_out.begin(), leave_out.end(), [](const char* n) {
                        return std::string_view(n) == "since";
                      }) == leave_out.end();
  add("now", po::value(&o->now),
      period ? "the current time (ISO 8601), for durations and reports; with --since and no "
               "--until, the period ends there"
             : "the current time (ISO 8601), for the time the report says it was made");
  add("unparsed", po::value(&o->unparsed), "write the malformed lines to this file");
  add("verbose,v", po::bool_switch(&o->verbose), "say which files are read and which ignored");
  add("server", po::value(&o->servers)->composing(),
      "NAME=PATH: the logs under PATH are server NAME's (repeatable; by default the server is "
      "told from the folder layout)");
  add("by-server", po::bool_switch(&o->by_server), "break each domain's failures down by server");
  add("jobs,j", po::value(&o->jobs)->default_value(0),
      "log files read at once (0: one per processor core); the report is the same for any value");
  add("quiet,q", po::bool_switch(&o->quiet), "no progress or notes on stderr");
}

void AssignRunServers(std::vector<InputFile>* files, RunSetup* setup) {
  setup->servers = AssignServers(files, setup->server_paths);
  setup->aggregator.servers = &setup->servers;
}

const std::string* FirstMissingPath(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return &p;
  }
  return nullptr;
}

std::vector<std::string> NoInputReasons(const std::vector<InputFile>& files,
                                        const Diagnostics& diagnostics,
                                        const std::vector<std::string>& paths) {
  std::vector<std::string> reasons;
  for (const SkippedFile& s : diagnostics.skipped()) reasons.push_back(s.where() + ": " + s.reason);
  if (files.empty() && reasons.empty()) {
    std::string under;
    for (const std::string& p : paths) under += (under.empty() ? "" : ", ") + p;
    reasons.push_back("no SEND*/RECV*/MSGTRK* log files found under " + under);
  }
  return reasons;
}

unsigned JobsOf(const CommonOptions& o) {
  if (o.jobs > 0) return o.jobs;
  return std::max(1u, std::thread::hardware_concurrency());
}

ScanControl MakeScanControl(const CommonOptions& o, std::ostream& err,
                            std::unique_ptr<ProgressLine>* line) {
  ScanControl c;
  c.jobs = JobsOf(o);
  if (!o.quiet && platform::StderrIsTerminal()) {
    *line = std::make_unique<ProgressLine>(&err, platform::TerminalColumns());
    ProgressLine* p = line->get();
    c.progress = [p](const ScanProgress& progress) { p->Update(progress); };
  }
  return c;
}

bool PrepareRun(const CommonOptions& o, std::ostream& err, RunSetup* setup) {
  setup->now = platform::NowMs();
  if (!o.now.empty() && !ParseIsoTime(o.now, &setup->now)) {
    err << "smtptriage: --now: not an ISO 8601 time: '" << o.now << "'\n";
    return false;
  }
  TimeMs t;
  if (!o.since.empty()) {
    if (!ParseTimeArg(o.since, setup->now, &t)) {
      err << "smtptriage: --since: not an ISO 8601 time or a duration (90m, 24h, 7d): '"
          << o.since << "'\n";
      return false;
    }
    setup->aggregator.since = t;
  }
  if (!o.until.empty()) {
    if (!ParseTimeArg(o.until, setup->now, &t)) {
      err << "smtptriage: --until: not an ISO 8601 time or a duration (90m, 24h, 7d): '"
          << o.until << "'\n";
      return false;
    }
    setup->aggregator.until = t;
  } else if (!o.now.empty() && setup->aggregator.since) {
    // "The last hour, as at --now": what came after --now is not in it (a replay of the past).
    setup->aggregator.until = setup->now;
  }
  if (setup->aggregator.since && setup->aggregator.until &&
      *setup->aggregator.until <= *setup->aggregator.since) {
    err << "smtptriage: " << (o.until.empty() ? "--now" : "--until")
        << " must be later than --since\n";
    return false;
  }
  if (!ParseDuration(o.bucket, &setup->aggregator.bucket_ms) ||
      setup->aggregator.bucket_ms < 60000) {
    err << "smtptriage: --bucket: a duration of at least 1m is needed, e.g. 1h: '" << o.bucket
        << "'\n";
    return false;
  }
  if (o.min_domains < 1) {
    err << "smtptriage: --min-domains must be at least 1\n";
    return false;
  }
  // Each job holds a file's read buffer and results; a number read from "-1" must not start
  // four billion of them.
  if (o.jobs > kMaxJobs) {
    err << "smtptriage: --jobs must be between 1 and " << kMaxJobs
        << " (0, the default: one per processor core)\n";
    return false;
  }
  if (!(o.min_spread > 0 && o.min_spread <= 1)) {
    err << "smtptriage: --min-spread must be a share between 0 and 1, e.g. 0.2\n";
    return false;
  }
  for (const std::string& arg : o.servers) {
    ServerPath sp;
    std::string error;
    if (!ParseServerPath(arg, &sp, &error)) {
      err << "smtptriage: " << error << "\n";
      return false;
    }
    std::error_code ec;
    if (!std::filesystem::exists(sp.path, ec)) {
      err << "smtptriage: --server " << arg << ": " << sp.path << ": no such file or folder\n";
      return false;
    }
    setup->server_paths.push_back(std::move(sp));
  }
  setup->aggregator.by_server = o.by_server;
  setup->aggregator.min_domains = o.min_domains;
  setup->aggregator.min_spread = o.min_spread;
  setup->lang = DefaultLang();
  if (!o.lang.empty() && !ParseLang(o.lang, &setup->lang)) {
    err << "smtptriage: --lang: expected en or es, got '" << o.lang << "'\n";
    return false;
  }
  if (!platform::UseTimeZone(o.tz)) {
    err << "smtptriage: --tz: unknown time zone '" << o.tz << "' ("
        << platform::TimeZonesAccepted() << ")\n";
    return false;
  }
  Status s = Classifier::Load(o.rules_dir, o.rules, &setup->classifier);
  if (!s.ok()) {
    err << "smtptriage: rules: " << s.message() << "\n";
    return false;
  }
  return true;
}

std::ostream* OpenReportOutput(const std::string& path, const char* command, std::ofstream* file,
                               std::ostream& out, std::ostream& err) {
  if (path.empty()) return &out;
  file->open(path, std::ios::binary);
  if (!*file) {
    err << "smtptriage " << command << ": cannot write " << path << ": " << std::strerror(errno)
        << "\n";
    return nullptr;
  }
  return file;
}

bool CountsValid(const char* command,
                 std::initializer_list<std::pair<const char*, int64_t>> counts,
                 std::ostream& err) {
  for (const auto& [name, n] : counts) {
    if (n >= 0) continue;
    err << "smtptriage " << command << ": " << name << ": expected a number, 0 or more, got " << n
        << "\nTry 'smtptriage " << command << " --help'.\n";
    return false;
  }
  return true;
}

bool ParseArgs(const std::vector<std::string>& args, const char* command,
               const po::options_description& desc, CommonOptions* common,
               po::variables_map* vm, std::ostream& err, std::string* target) {
  po::options_description hidden;
  if (target != nullptr) hidden.add_options()("target", po::value(target));
  hidden.add_options()("path", po::value(&common->paths)->composing());
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  if (target != nullptr) pos.add("target", 1);
  pos.add("path", -1);
  // "-format json" is -f with the value "ormat" to the parser; name the slip instead.
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a.size() < 3 || a[0] != '-' || a[1] == '-') continue;
    std::string name = a.substr(1, a.find('=') == std::string::npos ? std::string::npos
                                                                    : a.find('=') - 1);
    if (desc.find_nothrow(name, false) != nullptr) {
      err << "smtptriage " << command << ": " << a << ": long options take two dashes (--"
          << name << ")\nTry 'smtptriage " << command << " --help'.\n";
      return false;
    }
  }
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    err << "smtptriage " << command << ": " << e.what() << "\nTry 'smtptriage " << command
        << " --help'.\n";
    return false;
  }
  return true;
}

bool StartReport(const CommonOptions& o, const RunSetup& setup, Report* report,
                 std::ofstream* unparsed, std::string* error) {
  report->version = SMTPTRIAGE_VERSION;
  report->generated = setup.now;
  if (!o.unparsed.empty()) {
    unparsed->open(o.unparsed, std::ios::binary);
    if (!*unparsed) {
      *error = "--unparsed: cannot write " + o.unparsed;
      return false;
    }
    report->diagnostics = Diagnostics(unparsed);
  }
  RecordParameters(o, report);
  return true;
}

void RecordParameters(const CommonOptions& o, Report* report) {
  auto& p = report->parameters;
  if (!o.since.empty()) p["since"] = o.since;
  if (!o.until.empty()) p["until"] = o.until;
  p["bucket"] = o.bucket;
  p["min_domains"] = std::to_string(o.min_domains);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", o.min_spread);
  p["min_spread"] = buf;
  for (size_t i = 0; i < o.rules.size(); ++i) p["site_rules_" + std::to_string(i + 1)] = o.rules[i];
}

}  // namespace smtptriage
