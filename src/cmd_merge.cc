// `smtptriage merge`: one report from the JSON reports of several runs (other servers, other
// days), with the numbers a single run over all their logs would give.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <map>
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

// What a report read: its period and, per server, the name it was given (empty for the default
// "local") and its receive connectors' host names.
struct ReadSpan {
  std::string path;
  std::string start, end;  // ISO 8601 in UTC, all written alike: ordered as text
  std::vector<std::pair<std::string, std::set<std::string>>> servers;
};

ReadSpan SpanOf(const nlohmann::json& report, const std::string& path) {
  ReadSpan span;
  span.path = path;
  if (report.is_object() && report.contains("period") && report["period"].is_object()) {
    const nlohmann::json& period = report["period"];
    if (period.contains("start") && period["start"].is_string()) span.start = period["start"];
    if (period.contains("end") && period["end"].is_string()) span.end = period["end"];
  }
  for (const nlohmann::json* sv : NamedServers(report)) {
    const bool given = sv->value("how", std::string()) != "default";
    span.servers.emplace_back(given ? (*sv)["name"].get<std::string>() : "", ConnectorHosts(*sv));
  }
  return span;
}

// "2026-03-02T06:00:46.495Z" as "2026-03-02 06:00:46 UTC".
std::string Readable(const std::string& iso) {
  std::string t = iso.substr(0, 19);
  if (t.size() > 10 && t[10] == 'T') t[10] = ' ';
  return t + " UTC";
}

// Warns when the report at `span` and an earlier one read the same server's logs (their receive
// connectors name the same host, or both were given the same server name) over periods that
// overlap: the failures of that time would be counted twice.
void WarnOverlap(const ReadSpan& span, const std::vector<ReadSpan>& earlier, std::ostream& err) {
  if (span.start.empty() || span.end.empty()) return;
  for (const ReadSpan& e : earlier) {
    if (e.start.empty() || e.end.empty()) continue;
    const std::string& from = std::max(span.start, e.start);
    const std::string& to = std::min(span.end, e.end);
    if (!(from < to)) continue;
    for (const auto& [name, hosts] : span.servers) {
      auto same = std::find_if(e.servers.begin(), e.servers.end(), [&](const auto& other) {
        if (ShareHost(hosts, other.second)) return true;
        return (hosts.empty() || other.second.empty()) && !name.empty() && name == other.first;
      });
      if (same == e.servers.end()) continue;
      std::string who = name;  // the shared host's name, else the name both were given
      for (const std::string& h : hosts) {
        if (ShareHost({h}, same->second)) {
          who = h;
          break;
        }
      }
      err << "smtptriage merge: warning: " << e.path << " and " << span.path
          << " both read the logs of server " << who << " from " << Readable(from) << " to "
          << Readable(to) << ": the failures of that time are counted twice. Merge reports of "
          << "periods that do not overlap (scan with --since and --until).\n";
      break;
    }
  }
}

}  // namespace

int RunMerge(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string format = "json", output;
  size_t top = 20, top_domains = 20;
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
      ReadSpan span = SpanOf(j, path);
      WarnOverlap(span, spans, err);
      spans.push_back(std::move(span));
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
  std::ostream* sink = &out;
  if (!output.empty()) {
    file.open(output, std::ios::binary);
    if (!file) {
      err << "smtptriage merge: cannot write " << output << "\n";
      return kExitUsage;
    }
    sink = &file;
  }
  RenderOptions ro;
  ro.lang = setup.lang;
  ro.top = top;
  ro.top_domains = top_domains;
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
