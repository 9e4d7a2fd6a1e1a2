// `smtptriage rules check`: validates the knowledge base and site rule files.
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"

namespace po = boost::program_options;

namespace smtptriage {
namespace {

constexpr const char* kRulesUsage =
    "Usage: smtptriage rules check [--rules-dir DIR] [FILE...]\n"
    "Loads the built-in rules (or those of DIR) and the given site rule files, and checks them:\n"
    "JSON and schema, RE2 patterns, reasons, duplicate ids, English and Spanish texts, and that\n"
    "every sample is classified by its own rule. Prints 'OK: N rules' or the problems.\n"
    "Exit: 0 no problems, 1 problems found, 2 usage error.\n";

}  // namespace

int RunRules(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    out << kRulesUsage;
    return kExitOk;
  }
  if (args.empty() || args[0] != "check") {
    err << "smtptriage rules: expected the subcommand 'check'\n" << kRulesUsage;
    return kExitUsage;
  }
  std::string rules_dir;
  std::vector<std::string> files;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("rules-dir", po::value(&rules_dir),
       "check the rules in this folder instead of the built-in ones");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&files)->composing());
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  try {
    Args rest(args.begin() + 1, args.end());
    po::store(po::command_line_parser(rest).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "smtptriage rules check: " << e.what() << "\nTry 'smtptriage rules --help'.\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    out << kRulesUsage << "\n" << desc;
    return kExitOk;
  }
  std::unique_ptr<Classifier> classifier;
  Status s = Classifier::Load(rules_dir, files, &classifier, Classifier::EmbeddedSamples::kCheck);
  if (s.code() == Status::Code::kNotFound || s.code() == Status::Code::kIo) {
    err << "smtptriage rules check: " << s.message() << "\n";
    return kExitUsage;
  }
  if (!s.ok()) {
    out << s.message() << "\n";
    return kExitFailure;
  }
  // The built-in fallback is not a rule anybody wrote; it is not counted.
  out << "OK: " << classifier->rules().size() - 1 << " rules\n";
  return kExitOk;
}

}  // namespace smtptriage
