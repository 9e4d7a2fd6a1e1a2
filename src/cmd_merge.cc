// `smtptriage merge`: one report from the JSON reports of several runs (other servers, other
// days), with the numbers a single run over all their logs would give.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_number.h"
#include "smtptriage/cli_common.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/reporters.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/time_util.h"

namespace po = boost::program_options;

namespace smtptriage {
namespace {

constexpr const char* kMergeUsage =
    "Usage: smtptriage merge [options] REPORT.json...\n"
    "Combines JSON reports of `smtptriage scan --format json` made on different servers or for\n"
    "different days into one: counts add up, time buckets align, and the local incidents and\n"
    "verdicts are worked out again from the summed buckets, as one run over all the logs would.\n"
    "The reports must use the same --bucket. Each report names its servers; give each server's\n"
    "run a --server NAME=PATH so that their names differ.\n";

// Files read, lines and what could not be read, from a report's "inputs".
void AbsorbInputs(const nlohmann::json& inputs, Report* report) {
  Diagnostics& diag = report->diagnostics;
  for (const auto& f : inputs.at("file_list")) {
    InputFileReport fr;
    fr.path = f.at("path").get<std::string>();
    fr.kind = ParseLogKind(f.at("kind").get<std::string>()).value_or(LogKind::kUnknown);
    fr.bytes = JsonInteger<int64_t>(f.at("bytes"));
    fr.lines = JsonInteger<int64_t>(f.at("lines"));
    fr.malformed = JsonInteger<int64_t>(f.at("malformed_lines"));
    if (fr.malformed > 0) {
      std::vector<int64_t> lines;
      for (const auto& l : f.at("malformed_examples")) lines.push_back(JsonInteger<int64_t>(l));
      diag.AddCountedFile(fr.path, fr.malformed, lines);
    }
    report->files.push_back(fr);
  }
  report->bytes += JsonInteger<int64_t>(inputs.at("bytes"));
  report->lines += JsonInteger<int64_t>(inputs.at("lines"));
  for (const auto& m : inputs.at("malformed")) {
    diag.AddCounted(m.at("reason").get<std::string>(), JsonInteger<int64_t>(m.at("count")),
                    m.at("examples").get<std::vector<std::string>>());
  }
  // (a file whose rest was skipped is named "path:line" there, and kept as the report wrote it)
  for (const auto& s : inputs.at("skipped_files")) {
    diag.Skipped(s.at("path").get<std::string>(), s.at("reason").get<std::string>());
  }
  for (const auto& n : inputs.at("notes")) {
    diag.Note(n.at("path").get<std::string>(), n.at("note").get<std::string>());
  }
}

// The host names a report's server entry gives for its receive connectors, as written.
std::set<std::string> ConnectorHosts(const nlohmann::json& server) {
  std::set<std::string> hosts;
  if (server.contains("receive_connector_hosts") &&
      server["receive_connector_hosts"].is_array()) {
    for (const nlohmann::json& h : server["receive_connector_hosts"]) {
      if (h.is_string()) hosts.insert(h.get<std::string>());
    }
  }
  return hosts;
}

// Whether two lists of host names share one; case does not count (EX01 is ex01).
bool ShareHost(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) {
    return std::any_of(b.begin(), b.end(), [&](const std::string& y) {
      return ToLower(x) == ToLower(y);
    });
  });
}

// The server entries of a report that are objects with a name.
std::vector<const nlohmann::json*> NamedServers(const nlohmann::json& report) {
  std::vector<const nlohmann::json*> servers;
  if (!report.is_object() || !report.contains("servers") || !report["servers"].is_array()) {
    return servers;
  }
  for (const nlohmann::json& sv : report["servers"]) {
    if (sv.is_object() && sv.contains("name") && sv["name"].is_string()) servers.push_back(&sv);
  }
  return servers;
}

// Per server name, the first report with it and the server names its receive connectors gave:
// two servers under one name (both "local", scanned without --server) are told apart by them.
using ServerNames = std::map<std::string, std::pair<std::string, std::set<std::string>>>;

// Warns when the report at `path` names a server as an earlier report did, while their receive
// connectors name different servers: merge would add up two servers as one.
void WarnSameName(const nlohmann::json& report, const std::string& path, ServerNames* named,
                  std::ostream& err) {
  for (const nlohmann::json* sv : NamedServers(report)) {
    std::set<std::string> hosts = ConnectorHosts(*sv);
    const std::string name = (*sv)["name"].get<std::string>();
    auto [it, fresh] = named->emplace(name, std::make_pair(path, hosts));
    const std::set<std::string>& before = it->second.second;
    if (fresh || hosts.empty() || before.empty() || ShareHost(hosts, before)) continue;
    err << "smtptriage merge: warning: " << it->second.first << " and " << path
        << " both call their server '" << name << "', but their receive connectors name "
        << *before.begin() << " and " << *hosts.begin()
        << ": their counts are added up as one server's. Scan each server's logs with "
           "--server NAME=PATH, or give one folder per server, to keep them apart.\n";
  }
}

// What a report of one server read: its period, the server (the name given with --server or by
// the folder, empty for the default "local"; its receive connectors' host names) and its files.
struct ReadSpan {
  std::string path;
  TimeMs start = 0, end = 0;
  std::string name;
  std::set<std::string> hosts;
  // Each file by its name (in lower case), size and lines: the same file read through another
  // path (relative or absolute, a share, a copy) is the same logs; a file of the same name in
  // another folder of the server (front-end and hub transport logs) holds other sessions.
  std::set<std::string> files;
};

// None for a report of several servers (a scan of all, or a merge): it has one period for all
// of them, which need not be each server's, so nothing is said of it. None without a period.
std::optional<ReadSpan> SpanOf(const nlohmann::json& report, const std::string& path) {
  ReadSpan span;
  span.path = path;
  std::vector<const nlohmann::json*> servers = NamedServers(report);
  if (servers.size() != 1 || !report.contains("period") || !report["period"].is_object()) {
    return std::nullopt;
  }
  const nlohmann::json& period = report["period"];
  for (auto [key, out] : {std::pair{"start", &span.start}, std::pair{"end", &span.end}}) {
    if (!period.contains(key) || !period[key].is_string() ||
        !ParseIsoTime(period[key].get<std::string>(), out)) {
      return std::nullopt;
    }
  }
  const nlohmann::json& sv = *servers.front();
  if (sv.value("how", std::string()) != "default") span.name = sv["name"].get<std::string>();
  span.hosts = ConnectorHosts(sv);
  if (report.contains("inputs") && report["inputs"].is_object() &&
      report["inputs"].contains("file_list") && report["inputs"]["file_list"].is_array()) {
    for (const nlohmann::json& f : report["inputs"]["file_list"]) {
      if (!f.is_object() || !f.contains("path") || !f["path"].is_string()) continue;
      std::string name = ToLower(f["path"].get<std::string>());
      std::replace(name.begin(), name.end(), '\\', '/');
      const size_t slash = name.rfind('/');
      if (slash != std::string::npos) name.erase(0, slash + 1);
      for (const char* count : {"bytes", "lines"}) {
        name += '|' + (f.contains(count) ? f[count].dump() : std::string("?"));
      }
      span.files.insert(std::move(name));
    }
  }
  return span;
}

// The name of the server two reports share, or "" when nothing says they read the same one: a
// host both their receive connectors name, or a name given to both (or given to one and named
// by the other's receive connectors). Case does not count.
std::string SameServer(const ReadSpan& a, const ReadSpan& b) {
  for (const std::string& h : a.hosts) {
    if (ShareHost({h}, b.hosts)) return h;
  }
  if (!a.name.empty() && (ToLower(a.name) == ToLower(b.name) || ShareHost({a.name}, b.hosts))) {
    return a.name;
  }
  if (!b.name.empty() && ShareHost({b.name}, a.hosts)) return b.name;
  return "";
}

// Warns when the report at `span` and an earlier one read the same log files of the same server
// over periods that overlap by a minute or more: the failures of that time are counted twice.
// (Scheduled runs with --since 24h overlap by the seconds their start times drift: not said.)
void WarnOverlap(const ReadSpan& span, const std::vector<ReadSpan>& earlier, std::ostream& err) {
  constexpr TimeMs kTolerance = 60 * 1000;
  for (const ReadSpan& e : earlier) {
    const TimeMs from = std::max(span.start, e.start), to = std::min(span.end, e.end);
    if (to - from < kTolerance) continue;
    const std::string who = SameServer(e, span);  // (as the first report writes it)
    if (who.empty()) continue;
    // The same server's logs in other folders (its front-end and hub transport logs) are other
    // sessions: only a file both read is counted twice.
    bool shared = std::any_of(span.files.begin(), span.files.end(),
                              [&](const std::string& f) { return e.files.count(f) > 0; });
    if (!shared) continue;
    err << "smtptriage merge: warning: " << e.path << " and " << span.path
        << " both read the logs of server " << who << " from " << FormatIsoUtc(from) << " to "
        << FormatIsoUtc(to) << ": the failures of that time are counted twice. Merge reports of "
        << "periods that do not overlap (scan with --since and --until).\n";
  }
}

// Warns when a report was made with other settings of the incident model than the merge's: the
// merge finds the incidents again from the counts, with its own (--bucket must match, and is
// checked where the counts are read).
void WarnOtherModel(const nlohmann::json& report, const std::string& path,
                    const std::map<std::string, std::string>& mine, std::ostream& err) {
  if (!report.is_object() || !report.contains("parameters") ||
      !report["parameters"].is_object()) {
    return;
  }
  const nlohmann::json& theirs = report["parameters"];
  for (const char* key : {"min_domains", "min_spread"}) {
    if (!theirs.contains(key) || !theirs[key].is_string()) continue;
    const std::string value = theirs[key].get<std::string>();
    auto it = mine.find(key);
    if (it == mine.end() || it->second == value) continue;
    std::string option = std::string("--") + key;
    std::replace(option.begin(), option.end(), '_', '-');
    err << "smtptriage merge: warning: " << path << " was made with " << option << " " << value
        << "; the merged report finds local incidents with " << option << " " << it->second
        << " (give " << option << " " << value << " to merge to keep it)\n";
  }
}

}  // namespace

int RunMerge(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string format = "json", output;
  int64_t top = 20, top_domains = 20;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("format,f", po::value(&format)->default_value("json"),
       "output format: json|text|prometheus|html")
      ("output,o", po::value(&output), "write the report to this file instead of stdout")
      ("top", po::value(&top)->default_value(20), "text: domains listed in full")
      ("top-domains", po::value(&top_domains)->default_value(20),
       "prometheus: domains with their own series");
  // The reports were read, filtered and classified already: what applies to reading logs has
  // no say here.
  AddCommonOptions(&desc, &common,
                   {"since", "until", "server", "rules", "rules-dir", "unparsed", "jobs",
                    "verbose"});
  po::variables_map vm;
  if (!ParseArgs(args, "merge", desc, &common, &vm, err)) return kExitUsage;
  if (!CountsValid("merge", {{"--top", top}, {"--top-domains", top_domains}}, err)) {
    return kExitUsage;
  }
  if (vm.count("help")) {
    out << kMergeUsage << "\n" << desc;
    return kExitOk;
  }
  if (common.paths.empty()) {
    err << "smtptriage merge: no REPORT.json given\n" << kMergeUsage;
    return kExitUsage;
  }
  const ReporterEntry* reporter = FindReporter(format);
  if (reporter == nullptr || reporter->streams_failures) {
    err << "smtptriage merge: --format must be json, text, prometheus or html, not '" << format
        << "'\n";
    return kExitUsage;
  }
  RunSetup setup;
  if (!PrepareRun(common, err, &setup)) return kExitUsage;
  Report report;
  report.version = SMTPTRIAGE_VERSION;
  report.generated = setup.now;
  RecordParameters(common, &report);
  Aggregator aggregator(setup.classifier.get(), setup.aggregator);
  // What each report read, to refuse the same report given twice (every count would double).
  std::map<std::string, std::string> read_by;
  ServerNames named;
  std::vector<ReadSpan> spans;
  for (const std::string& path : common.paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::error_code ec;
      err << "smtptriage merge: " << path << ": cannot read ("
          << (std::filesystem::exists(path, ec) ? "permission denied or not a file"
                                                : "no such file")
          << ")\n";
      return kExitNoInput;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      err << "smtptriage merge: " << path << ": not JSON (" << e.what() << ")\n";
      return kExitUsage;
    }
    if (j.is_object() && j.contains("inputs") && j.contains("servers")) {
      std::string what = j["inputs"].dump() + j["servers"].dump();
      auto [it, fresh] = read_by.emplace(what, path);
      if (!fresh) {
        err << "smtptriage merge: " << path << " is the same report as " << it->second
            << " (the same logs read on the same servers): merged, every failure would count "
               "twice\n";
        return kExitUsage;
      }
    }
    if (!common.quiet) {
      WarnSameName(j, path, &named, err);
      WarnOtherModel(j, path, report.parameters, err);
      if (std::optional<ReadSpan> span = SpanOf(j, path)) {
        WarnOverlap(*span, spans, err);
        spans.push_back(std::move(*span));
      }
    }
    Status s = aggregator.Absorb(j);
    if (s.ok()) {
      try {
        AbsorbInputs(j.at("inputs"), &report);
      } catch (const std::exception& e) {
        s = Status::Invalid(std::string("inputs: ") + e.what() + Aggregator::kReportNeeded);
      }
    }
    if (!s.ok()) {
      err << "smtptriage merge: " << path << ": " << s.message() << "\n";
      return kExitUsage;
    }
  }
  aggregator.Finish(&report);

  std::ofstream file;
  std::ostream* sink = OpenReportOutput(output, "merge", &file, out, err);
  if (sink == nullptr) return kExitUsage;
  RenderOptions ro;
  ro.lang = setup.lang;
  ro.top = static_cast<size_t>(top);
  ro.top_domains = static_cast<size_t>(top_domains);
  reporter->render(report, ro, *sink);
  sink->flush();
  if (!*sink) {
    err << "smtptriage merge: cannot write " << (output.empty() ? "standard output" : output)
        << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace smtptriage
