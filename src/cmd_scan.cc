#include <fstream>
#include <iostream>
#include <sstream>

#include "smtptriage/cli_common.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/input_files.h"
#include "smtptriage/ndjson.h"
#include "smtptriage/reporters.h"
#include "smtptriage/scanner.h"
#include "smtptriage/smtp_text.h"

namespace po = boost::program_options;

namespace smtptriage {
namespace {

constexpr const char* kScanUsage =
    "Usage: smtptriage scan [options] PATH...\n"
    "Reads Exchange SMTP Send and Receive protocol logs and message tracking logs (files or\n"
    "folders, searched recursively for SEND*/RECV*/MSGTRK* .LOG files, plain or .gz) and reports\n"
    "the failed deliveries per domain, whose side each failure points to, and local incidents.\n"
    "A message seen in both kinds of log is counted once.\n";

std::string FormatNames() {
  std::string s;
  for (const ReporterEntry& e : Reporters()) s += (s.empty() ? "" : "|") + std::string(e.name);
  return s;
}

}  // namespace

int RunScan(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string format = "text", output, domain;
  int64_t top = 20, top_domains = 20;
  bool show_subjects = false;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("format,f", po::value(&format)->default_value("text"),
       ("output format: " + FormatNames()).c_str())
      ("output,o", po::value(&output), "write the report to this file instead of stdout")
      ("domain", po::value(&domain), "report only this domain (and its subdomains)")
      ("show-subjects", po::bool_switch(&show_subjects),
       "ndjson: add the subject from message tracking to failure events (off: personal data)")
      ("top", po::value(&top)->default_value(20), "text: domains listed in full")
      ("top-domains", po::value(&top_domains)->default_value(20),
       "prometheus: domains with their own series; the others are summed as domain=\"_other\"");
  AddCommonOptions(&desc, &common);
  po::variables_map vm;
  if (!ParseArgs(args, "scan", desc, &common, &vm, err)) return kExitUsage;
  if (!CountsValid("scan", {{"--top", top}, {"--top-domains", top_domains}}, err)) {
    return kExitUsage;
  }
  if (vm.count("help")) {
    out << kScanUsage << "\n" << desc;
    return kExitOk;
  }
  const ReporterEntry* reporter = FindReporter(format);
  if (reporter == nullptr) {
    err << "smtptriage scan: unknown --format '" << format << "' (expected " << FormatNames()
        << ")\n";
    return kExitUsage;
  }
  if (common.paths.empty()) {
    err << "smtptriage scan: no PATH given\n" << kScanUsage;
    return kExitUsage;
  }
  RunSetup setup;
  if (!PrepareRun(common, err, &setup)) return kExitUsage;
  setup.aggregator.domain = ToLower(domain);

  Report report;
  std::ofstream unparsed;
  std::string problem;
  if (!StartReport(common, setup, &report, &unparsed, &problem)) {
    err << "smtptriage scan: " << problem << "\n";
    return kExitUsage;
  }
  if (!domain.empty()) report.parameters["domain"] = setup.aggregator.domain;

  std::vector<InputFile> files = FindInputs(common.paths, &report.diagnostics, common.verbose, err);

  setup.aggregator.join_tracking = HasTrackingLogs(files);
  AssignRunServers(&files, &setup);
  std::vector<std::string> names;
  for (const InputFile& f : files) {
    names.push_back(f.path);
    if (common.verbose) err << "reading " << f.path << "\n";
  }
  setup.aggregator.file_names = &names;
  std::ofstream file;
  std::ostream* sink = OpenReportOutput(output, "scan", &file, out, err);
  if (sink == nullptr) return kExitUsage;
  Aggregator aggregator(setup.classifier.get(), setup.aggregator);
  if (reporter->streams_failures) {
    aggregator.SetFailureListener(
        [sink](const FailureEvent& e) { *sink << NdjsonLine(FailureEventJson(e)); });
  }
  MatcherOptions matcher;
  matcher.keep_subjects = show_subjects;
  std::unique_ptr<ProgressLine> progress;
  ScanStats stats = ScanFiles(files, &aggregator, matcher, &report.diagnostics, &report,
                              MakeScanControl(common, err, &progress));
  progress.reset();
  aggregator.Finish(&report);

  if (stats.files_read == 0) {
    err << "smtptriage scan: no input could be read";
    for (const std::string& why : NoInputReasons(files, report.diagnostics, common.paths)) {
      err << "\n  " << why;
    }
    err << "\n";
    return kExitNoInput;
  }
  RenderOptions ro;
  ro.lang = setup.lang;
  ro.top = static_cast<size_t>(top);
  ro.top_domains = static_cast<size_t>(top_domains);
  ro.verbose = common.verbose;
  reporter->render(report, ro, *sink);
  sink->flush();
  if (!*sink) {
    err << "smtptriage scan: cannot write " << (output.empty() ? "standard output" : output)
        << "\n";
    return kExitUsage;
  }
  if (!common.quiet) {
    for (const SkippedFile& s : report.diagnostics.skipped()) {
      err << "smtptriage: skipped " << s.where() << ": " << s.reason << "\n";
    }
  }
  return kExitOk;
}

}  // namespace smtptriage
