// The subcommands of the smtptriage command line. Each takes the arguments after the subcommand
// name (args[0] is the first argument, not the program name), parses its own options, writes to
// the given streams and returns a process exit code (see exit_codes.h).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace smtptriage {

using Args = std::vector<std::string>;

int RunScan(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunExplain(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunRules(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunWatch(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunInvestigate(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunMerge(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunCheck(const Args& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace smtptriage
