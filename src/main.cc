// smtptriage: is a mail delivery failure ours or theirs? Reads Exchange SMTP protocol logs.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#ifdef SMTPTRIAGE_JEMALLOC
#include <jemalloc/jemalloc.h>

// jemalloc reads this setting before main; MALLOC_CONF in the environment still overrides it.
// Transparent huge pages for the heap: on a virtual machine a first touch of a 4 KiB page can
// cost over 10 us, and a scan touches thousands (loading the rules alone, some 450). With huge
// pages every arena in use holds at least one; a parallel scan reads on the main thread too, so
// it uses one arena per job. (Not jemalloc's percpu_arena: where the processors a program may
// use are not all the machine's, under taskset, in a container's cpuset, on a virtual machine
// that can be given more, it turns itself off and writes a warning to stderr at every start.)
const char* malloc_conf = "thp:always";
#endif

#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/platform.h"

namespace {

constexpr const char* kUsage =
    "smtptriage " SMTPTRIAGE_VERSION
    ": is a mail delivery failure ours or theirs? Reads Exchange SMTP logs.\n"
    "\n"
    "Usage: smtptriage COMMAND [options] ...\n"
    "\n"
    "Commands:\n"
    "  scan PATH...               report failures per domain, local incidents and the verdict\n"
    "  investigate TARGET PATH... one domain, address, IP, session or Message-ID: timeline,\n"
    "                             transcript, verdict\n"
    "  watch PATH...              follow the logs, NDJSON events for monitoring\n"
    "  explain REPLY... | -       explain an SMTP reply or NDR text from the rules\n"
    "  rules check [FILE...]      validate the built-in rules and site rule files\n"
    "  check PATH...              Nagios/Icinga plugin: status line, perfdata, exit 0-3\n"
    "  merge REPORT.json...       one report from the JSON reports of several servers or days\n"
    "\n"
    "Run 'smtptriage COMMAND --help' for the options of a command.\n"
    "Exit codes: 0 done (failures found in the logs are not an error), 1 rules check found\n"
    "            problems, 2 usage or configuration error, 3 no input could be read.\n"
    "            check answers as a monitoring plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n";

// The allocator behind malloc, for --version: "jemalloc VERSION" when the program is built with
// it and an allocation is seen to go through it, else the C library's.
std::string AllocatorInUse() {
#ifdef SMTPTRIAGE_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  uint64_t before = 0, after = 0;
  size_t count = sizeof(before);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 &&
      mallctl("thread.allocated", &before, &count, nullptr, 0) == 0) {
    void* volatile probe = std::malloc(1 << 16);
    bool seen = mallctl("thread.allocated", &after, &count, nullptr, 0) == 0 && after > before;
    std::free(probe);
    if (seen) return std::string("jemalloc ") + version;
  }
#endif
  return "the C library's";
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  smtptriage::platform::PrepareConsole();
#ifndef SMTPTRIAGE_JEMALLOC
  smtptriage::platform::TuneAllocator();
#endif
  if (argc < 2) {
    std::cerr << kUsage;
    return smtptriage::kExitUsage;
  }
  std::string command = argv[1];
  smtptriage::Args args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return smtptriage::kExitOk;
  }
  if (command == "--version") {
    std::cout << "smtptriage " SMTPTRIAGE_VERSION "\n"
              << "allocator: " << AllocatorInUse() << "\n";
    return smtptriage::kExitOk;
  }
  using Run = int (*)(const smtptriage::Args&, std::istream&, std::ostream&, std::ostream&);
  const std::pair<const char*, Run> commands[] = {
      {"scan", smtptriage::RunScan},       {"investigate", smtptriage::RunInvestigate},
      {"watch", smtptriage::RunWatch},     {"explain", smtptriage::RunExplain},
      {"rules", smtptriage::RunRules},     {"check", smtptriage::RunCheck},
      {"merge", smtptriage::RunMerge}};
  for (const auto& [name, run] : commands) {
    if (command != name) continue;
    int rc = smtptriage::kExitUsage;
    try {
      rc = run(args, std::cin, std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << "smtptriage " << command << ": internal error: " << e.what() << "\n";
      return smtptriage::kExitUsage;
    }
    // An answer that could not be written (a full disk, a closed output) is not a run that
    // went well. (A command that failed has said why already.)
    std::cout.flush();
    if (!std::cout && rc == smtptriage::kExitOk) {
      std::cerr << "smtptriage " << command << ": cannot write standard output\n";
      return command == "check" ? 3 : smtptriage::kExitUsage;  // check: UNKNOWN
    }
    return rc;
  }
  std::cerr << "smtptriage: unknown command '" << command << "'\n\n" << kUsage;
  return smtptriage::kExitUsage;
}
