// smtptriage investigate: the help-desk view of one domain, address, message or session.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include "smtptriage/cli_common.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/input_files.h"
#include "smtptriage/investigation.h"
#include "smtptriage/reporters.h"
#include "smtptriage/scanner.h"
#include "smtptriage/smtp_text.h"

namespace po = boost::program_options;

namespace smtptriage {

int RunInvestigate(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  CommonOptions common;
  std::string format = "text", target;
  bool show_subjects = false;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("format,f", po::value(&format)->default_value("text"), "output format: text|json")
      ("show-subjects", po::bool_switch(&show_subjects),
       "show the subject of each NDR from message tracking (off: personal data)");
  AddCommonOptions(&desc, &common, {"by-server"});  // (nothing here is broken down by server)
  po::variables_map vm;
  if (!ParseArgs(args, "investigate", desc, &common, &vm, err, &target)) return kExitUsage;
  if (vm.count("help")) {
    out << "Usage: smtptriage investigate [options] TARGET PATH...\n"
           "TARGET is a domain (partner.example), an email address (recipient or sender), a\n"
           "Message-ID (<id@host>, the <> optional: every recipient of the message, in each\n"
           "session that carried it), an IP address (a receiving server, a client of ours, or\n"
           "one of our own: the sessions that left from it and the replies that name it, as a\n"
           "blocklist's \"Client host [IP] blocked\" does) or a session id (16 hexadecimal\n"
           "digits). Shows an hourly timeline, each distinct failure with an example\n"
           "transcript, its explanation, what to check, whether other domains saw the same in\n"
           "the same hours, and the verdict for the target. Mail we sent decides the verdict;\n"
           "what our own server refused of the target's mail to us is shown apart.\n\n"
        << desc;
    return kExitOk;
  }
  if (format != "text" && format != "json") {
    err << "smtptriage investigate: unknown --format '" << format << "' (expected text|json)\n";
    return kExitUsage;
  }
  if (target.empty() || common.paths.empty()) {
    err << "smtptriage investigate: need a TARGET and at least one PATH\n";
    return kExitUsage;
  }
  if (std::string problem = TargetProblem(target); !problem.empty()) {
    err << "smtptriage investigate: " << problem << "\n";
    return kExitUsage;
  }
  RunSetup setup;
  if (!PrepareRun(common, err, &setup)) return kExitUsage;

  Report report;
  std::ofstream unparsed;
  std::string problem;
  if (!StartReport(common, setup, &report, &unparsed, &problem)) {
    err << "smtptriage investigate: " << problem << "\n";
    return kExitUsage;
  }
  std::vector<InputFile> files = FindInputs(common.paths, &report.diagnostics, common.verbose, err);
  setup.aggregator.join_tracking = HasTrackingLogs(files);
  AssignRunServers(&files, &setup);
  std::vector<std::string> names;
  for (const InputFile& f : files) names.push_back(f.path);
  setup.aggregator.file_names = &names;

  Aggregator aggregator(setup.classifier.get(), setup.aggregator);
  Investigation investigation(ParseTarget(target), &aggregator, setup.aggregator, &names);
  investigation.SetServers(setup.servers);
  TeeSink tee(&investigation, &aggregator);
  MatcherOptions matcher;
  matcher.keep_transcripts = true;
  matcher.keep_subjects = show_subjects;
  std::unique_ptr<ProgressLine> progress;
  ScanStats stats = ScanFiles(files, &tee, matcher, &report.diagnostics, &report,
                              MakeScanControl(common, err, &progress));
  progress.reset();
  aggregator.Finish(&report);
  if (stats.files_read == 0) {
    err << "smtptriage investigate: no input could be read\n";
    for (const std::string& why : NoInputReasons(files, report.diagnostics, common.paths)) {
      err << "  " << why << "\n";
    }
    return kExitNoInput;
  }
  InvestigationResult result = investigation.Finish(report);
  if (format == "json") {
    out << InvestigationToJson(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    RenderInvestigation(result, setup.lang, out);
  }
  return kExitOk;
}

}  // namespace smtptriage
