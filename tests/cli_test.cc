#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#ifdef __linux__
#include <sched.h>
#include <sys/wait.h>
#endif

#include "json_schema.h"
#include "test_util.h"

using namespace smtptriage::testing;
using nlohmann::json;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Source(const std::string& rel) { return std::string(SMTPTRIAGE_SOURCE_DIR) + "/" + rel; }

// The fixed arguments of the golden runs: a fixed clock and zone keep the output stable.
const char* kGoldenArgs = "--now 2026-03-03T00:00:00Z --tz UTC --lang en";

void CheckGolden(const std::string& args, const std::string& golden) {
  std::string out, err;
  int rc = RunCli(args, &out, &err);
  INFO("smtptriage " << args << "\nstderr: " << err);
  REQUIRE(rc == 0);
  std::string expected = ReadFile(Source(golden));
  if (out != expected) {
    // Show where they part, so a failure reads as a diff.
    size_t i = 0;
    while (i < out.size() && i < expected.size() && out[i] == expected[i]) ++i;
    size_t from = i > 200 ? i - 200 : 0;
    FAIL("output differs from " << golden << " at byte " << i << "\n--- expected\n"
                                << expected.substr(from, 400) << "\n--- got\n"
                                << out.substr(from, 400)
                                << "\n(scripts/update_goldens.sh regenerates the golden files)");
  }
}

}  // namespace

TEST_CASE("Golden text report of sample_logs", "[cli][golden]") {
  CheckGolden(std::string("scan sample_logs ") + kGoldenArgs, "tests/golden/scan_sample.txt");
}

TEST_CASE("Golden Spanish text report of sample_logs", "[cli][golden]") {
  CheckGolden(std::string("scan sample_logs --now 2026-03-03T00:00:00Z --tz Europe/Madrid --lang es"),
              "tests/golden/scan_sample.es.txt");
}

TEST_CASE("Golden JSON report of sample_logs", "[cli][golden]") {
  CheckGolden(std::string("scan sample_logs --format json ") + kGoldenArgs,
              "tests/golden/scan_sample.json");
}

TEST_CASE("Golden HTML report of sample_logs", "[cli][golden][html]") {
  CheckGolden(std::string("scan sample_logs --format html ") + kGoldenArgs,
              "tests/golden/scan_sample.html");
}

TEST_CASE("Golden Spanish HTML report of sample_logs", "[cli][golden][html]") {
  CheckGolden(
      "scan sample_logs --format html --now 2026-03-03T00:00:00Z --tz Europe/Madrid --lang es",
      "tests/golden/scan_sample.es.html");
}

TEST_CASE("The HTML report written with -o is the page on standard output", "[cli][html]") {
  TempDir dir;
  std::string file = (dir.path() / "report.html").string();
  std::string out, err;
  REQUIRE(RunCli(std::string("scan sample_logs --format html -o '") + file + "' " + kGoldenArgs,
                 &out, &err) == 0);
  CHECK(out.empty());
  CHECK(ReadFile(file) == ReadFile(Source("tests/golden/scan_sample.html")));
}

TEST_CASE("The JSON timeline and failure series add up to the domains' failures", "[cli]") {
  for (std::string filter : {"", " --domain proseware-supply.example"}) {
    INFO("filter:" << filter);
    std::string out, err;
    REQUIRE(RunCli("scan sample_logs --format json" + filter, &out, &err) == 0);
    json doc = json::parse(out);
    int64_t outbound = 0, outbound_domains = 0;
    for (const json& d : doc["domains"]) {
      int64_t failures =
          d["failed_recipients"].get<int64_t>() + d["failed_sessions"].get<int64_t>();
      int64_t series = 0;
      std::string previous;
      for (const json& p : d["failure_series"]) {
        series += p["failures"].get<int64_t>();
        CHECK(p["start"].get<std::string>() > previous);  // oldest first, each bucket once
        previous = p["start"];
      }
      INFO(d["domain"]);
      CHECK(series == failures);
      if (d["direction"] == "outbound") {
        outbound += failures;
        ++outbound_domains;
      }
    }
    CHECK(outbound > 0);
    const json& timeline = doc["timeline"];
    CHECK(timeline["bucket_seconds"] == 3600);
    REQUIRE(timeline["buckets"].size() >= 1);
    int64_t total = 0;
    for (const json& b : timeline["buckets"]) {
      int64_t by_family = 0;
      for (const auto& [family, n] : b["by_family"].items()) by_family += n.get<int64_t>();
      CHECK(by_family == b["failures"].get<int64_t>());
      CHECK(b["active_domains"].get<int64_t>() <= outbound_domains);
      total += b["failures"].get<int64_t>();
    }
    CHECK(total == outbound);
  }
}

namespace {

void CheckReportsAgainstSchema(const std::vector<std::string>& runs) {
  SchemaValidator validator(json::parse(ReadFile(Source("docs/report.schema.json"))));
  for (const std::string& args : runs) {
    INFO(args);
    std::string out, err;
    REQUIRE(RunCli(args, &out, &err) == 0);
    json doc = json::parse(out);
    std::vector<std::string> problems = validator.Validate(doc);
    for (const std::string& p : problems) INFO(p);
    CHECK(problems.empty());
  }
}

}  // namespace

TEST_CASE("The JSON report validates against docs/report.schema.json", "[cli][schema]") {
  CheckReportsAgainstSchema({"scan sample_logs --format json --now 2026-03-03T00:00:00Z",
                             "scan sample_logs --format json --domain no-such-domain.example",
                             "scan sample_logs --format json --since 2030-01-01"});
}

TEST_CASE("The JSON report of the real excerpts validates against the schema",
          "[cli][schema][corpus]") {
  // Real excerpts bring notes and skipped files, which the sample logs do not.
  if (!std::filesystem::exists(SMTPTRIAGE_CORPUS_DIR)) {
    WARN("no corpus at " << SMTPTRIAGE_CORPUS_DIR);  // ctest counts the test as skipped
    return;
  }
  CheckReportsAgainstSchema({std::string("scan '") + SMTPTRIAGE_CORPUS_DIR + "' --format json"});
}

#ifdef __linux__
TEST_CASE("A scan confined to one processor writes its report and nothing on stderr", "[cli]") {
  // As under taskset, or in a container given some of the machine's processors: an allocator
  // that sets itself up per processor may find their count changing and say so on stderr, at
  // every start of the program (in a monitoring check, on every run).
  REQUIRE(std::system("command -v taskset >/dev/null 2>&1") == 0);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  int cpu = 0;  // the first this test may use itself
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed)) ++cpu;
  REQUIRE(cpu < CPU_SETSIZE);
  for (const char* jobs : {"1", "2"}) {
    INFO("--jobs " << jobs);
    std::string out, err;
    REQUIRE(RunCli(std::string("scan sample_logs --format json --jobs ") + jobs, &out, &err, "",
                   "taskset -c " + std::to_string(cpu)) == 0);
    CHECK(err.empty());
    CHECK(json::parse(out)["totals"]["failed_sessions"].get<int64_t>() > 0);
  }
}
#endif

TEST_CASE("A report that cannot be written is an error that names where", "[cli]") {
  std::vector<std::string> outputs = {"does/not/exist/report.json"};
  // Opens, then every write fails: a full disk. (A Linux device; where it is missing the test
  // must not make a file of that name.)
  if (std::filesystem::is_character_file("/dev/full")) outputs.push_back("/dev/full");
  for (const std::string& output : outputs) {
    for (const char* format : {"text", "json"}) {
      INFO(output << " " << format);
      std::string out, err;
      CHECK(RunCli(std::string("scan sample_logs --format ") + format + " -o " + output, &out,
                   &err) == 2);
      CHECK(err.find("cannot write " + output) != std::string::npos);
    }
  }
}

TEST_CASE("Every command's answer that cannot be written to standard output is an error",
          "[cli]") {
  if (!std::filesystem::is_character_file("/dev/full")) return;  // (a Linux device)
  struct Case {
    const char* args;
    int rc;
  };
  // check is a monitoring plugin: UNKNOWN.
  for (const Case& c : {Case{"scan sample_logs", 2}, Case{"investigate gmail.com sample_logs", 2},
                        Case{"explain '550 5.1.1 User unknown'", 2}, Case{"rules check", 2},
                        Case{"check --now 2026-03-02T12:00:00Z sample_logs", 3}}) {
    INFO(c.args);
    TempDir dir;
    std::string err_path = (dir.path() / "stderr.txt").string();
    std::string cmd = std::string("cd '") + SMTPTRIAGE_SOURCE_DIR + "' && '" + SMTPTRIAGE_BINARY +
                      "' " + c.args + " >/dev/full 2>'" + err_path + "'";
    int status = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == c.rc);
    std::ifstream in(err_path);
    std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(err.find("cannot write standard output") != std::string::npos);
  }
}

TEST_CASE("smtptriage --version names the allocator the program runs on", "[cli]") {
  std::string out, err;
  REQUIRE(RunCli("--version", &out, &err) == 0);
  CHECK(out.rfind("smtptriage ", 0) == 0);
#if SMTPTRIAGE_EXPECT_JEMALLOC
  // Built with jemalloc: an allocation must be seen to go through it, not only the link.
  CHECK(out.find("\nallocator: jemalloc ") != std::string::npos);
#else
  CHECK(out.find("\nallocator: the C library's\n") != std::string::npos);
#endif
}

TEST_CASE("Exit codes: 0 done, 2 usage, 3 nothing readable, and messages name the path",
          "[cli]") {
  std::string out, err;
  CHECK(RunCli("", &out, &err) == 2);
  CHECK(RunCli("frobnicate", &out, &err) == 2);
  CHECK(err.find("unknown command") != std::string::npos);
  CHECK(RunCli("scan", &out, &err) == 2);
  CHECK(RunCli("scan sample_logs --format xml", &out, &err) == 2);
  CHECK(err.find("unknown --format 'xml'") != std::string::npos);
  CHECK(RunCli("scan sample_logs --since yesterday", &out, &err) == 2);
  CHECK(err.find("--since") != std::string::npos);
  CHECK(RunCli("scan sample_logs --tz Mars/Olympus", &out, &err) == 2);
  CHECK(err.find("--tz: unknown time zone 'Mars/Olympus' (use an IANA name such as "
                 "Europe/Madrid, or UTC)") != std::string::npos);
  CHECK(RunCli("scan sample_logs --bogus-option", &out, &err) == 2);
  CHECK(RunCli("scan --server EX01=sample_log sample_logs", &out, &err) == 2);  // a typo
  CHECK(err.find("--server EX01=sample_log: sample_log: no such file or folder") !=
        std::string::npos);
  CHECK(RunCli("scan -format json sample_logs", &out, &err) == 2);
  CHECK(err.find("-format: long options take two dashes (--format)") != std::string::npos);
  CHECK(RunCli("scan -fjson sample_logs", &out, &err) == 0);  // -f json, glued: still fine
  CHECK(out.find("\"schema\": \"smtptriage/report@1\"") != std::string::npos);
  CHECK(RunCli("scan does/not/exist", &out, &err) == 3);
  CHECK(err.find("does/not/exist") != std::string::npos);
  CHECK(RunCli("scan tests", &out, &err) == 3);  // a folder with no SEND*/RECV* logs
  CHECK(err.find("no SEND*/RECV*/MSGTRK* log files found under tests\n") != std::string::npos);
  CHECK(RunCli("check tests", &out, &err) == 3);
  CHECK(out.find("no SEND*/RECV*/MSGTRK* log files found under tests") != std::string::npos);
  // A file named on the command line that is no protocol log: nothing was read, not "all clear".
  CHECK(RunCli("scan README.md", &out, &err) == 3);
  CHECK(err.find("README.md: not an SMTP protocol log") != std::string::npos);
  CHECK(out.find("NOTHING TO REPORT") == std::string::npos);
  CHECK(RunCli("check README.md", &out, &err) == 3);
  CHECK(out.find("SMTPTRIAGE UNKNOWN") == 0);
  CHECK(RunCli("scan sample_logs/SmtpSend/SEND2026030206-2.LOG", &out, &err) == 0);
  CHECK(out.find("\nInput: 1 file, ") != std::string::npos);  // one file, in the singular
  CHECK(RunCli("scan README.md sample_logs --format json", &out, &err) == 0);
  CHECK(json::parse(out)["totals"]["sessions"].get<int>() > 0);
  // watch: a mistyped folder is an error at once, not a service that never reports anything;
  // a state that cannot be saved is a write error (2) that names the state file.
  CHECK(RunCli("watch --once does/not/exist", &out, &err) == 3);
  CHECK(err.find("does/not/exist: no such file or folder") != std::string::npos);
  CHECK(RunCli("watch --once -v sample_logs", &out, &err) == 0);
  CHECK(err.find("smtptriage watch: following sample_logs") != std::string::npos);
  CHECK(RunCli("watch --once --state does/not/exist/state.json sample_logs", &out, &err) == 2);
  CHECK(err.find("does/not/exist/state.json: cannot write the watch state") != std::string::npos);
  // "-1" read into an unsigned number is four billion jobs.
  CHECK(RunCli("scan sample_logs --jobs -1", &out, &err) == 2);
  CHECK(err.find("--jobs must be between 1 and 256") != std::string::npos);
  CHECK(RunCli("scan sample_logs --jobs 256 --format json", &out, &err) == 0);
  CHECK(RunCli("scan does/not/exist sample_logs --format json", &out, &err) == 0);
  json doc = json::parse(out);
  REQUIRE(doc["inputs"]["skipped_files"].size() >= 1);
  CHECK(doc["inputs"]["skipped_files"][0]["path"] == "does/not/exist");
  CHECK(doc["totals"]["sessions"].get<int>() > 0);
  CHECK(RunCli("scan --help", &out, &err) == 0);
  CHECK(out.find("--since") != std::string::npos);
  // Defaults read as an admin would type them, not as the nearest binary fraction.
  CHECK(out.find("--min-spread arg (=0.2)") != std::string::npos);
  CHECK(out.find("0000000") == std::string::npos);
  CHECK(out.find("--jobs ] arg") != std::string::npos);
  CHECK(out.find("  --since arg") != std::string::npos);
  // Each command lists, and takes, only the options it has a use for.
  CHECK(RunCli("merge --help", &out, &err) == 0);
  for (const char* none : {"  --since arg", "  --until arg", "  --server arg", "  --rules arg",
                           "  --unparsed arg", "--jobs ] arg"}) {
    INFO(none);
    CHECK(out.find(none) == std::string::npos);
  }
  CHECK(RunCli("merge --since 1h tests/golden/scan_sample.json", &out, &err) == 2);
  CHECK(RunCli("watch --help", &out, &err) == 0);
  for (const char* none : {"  --tz arg", "--jobs ] arg", "  --unparsed arg", "  --by-server",
                           "  --server arg"}) {
    INFO(none);
    CHECK(out.find(none) == std::string::npos);
  }
}

TEST_CASE("Filters narrow the report by domain and by period", "[cli]") {
  std::string out, err;
  REQUIRE(RunCli("scan sample_logs --format json", &out, &err) == 0);
  json all = json::parse(out);
  REQUIRE(all["domains"].size() > 1);
  std::string first = all["domains"][0]["domain"];
  REQUIRE(RunCli("scan sample_logs --format json --domain " + first, &out, &err) == 0);
  json one = json::parse(out);
  for (const json& d : one["domains"]) {
    std::string name = d["domain"];
    CHECK((name == first || name.size() > first.size()));
  }
  CHECK(one["domains"].size() < all["domains"].size());
  // The verdict still weighs every domain, and the text says so under it, what to check
  // first and its count included; a client's failed logins belong to no domain.
  CHECK(one["verdict"] == all["verdict"]);
  CHECK(!all["auth_failures"].empty());
  CHECK(one["auth_failures"].empty());
  std::string whole;
  REQUIRE(RunCli("scan sample_logs", &whole, &err) == 0);
  REQUIRE(RunCli("scan sample_logs --domain " + first, &out, &err) == 0);
  const size_t check = whole.find("\nCheck first (");
  REQUIRE(check != std::string::npos);
  const std::string heading = whole.substr(check, whole.find('\n', check + 1) - check);
  INFO(heading);
  const size_t below = out.find("\nBelow, only " + first + " and its subdomains (--domain). What "
                                "is above weighs every domain");
  CHECK(below != std::string::npos);
  CHECK(out.find(heading) < below);
  CHECK(whole.find("Failed AUTH attempts") != std::string::npos);
  CHECK(out.find("Failed AUTH attempts") == std::string::npos);
  // A domain the logs do not have is said to be absent, not the period to be empty.
  REQUIRE(RunCli("scan sample_logs --domain nosuch.example", &out, &err) == 0);
  CHECK(out.find("\nOutbound problems by destination domain (no session with nosuch.example or "
                 "its subdomains in the period)\n") != std::string::npos);
  REQUIRE(RunCli("scan sample_logs --format json --until 2000-01-01", &out, &err) == 0);
  json none = json::parse(out);
  CHECK(none["totals"]["sessions"] == 0);
  CHECK(none["verdict"]["side"] == "none");
  // In text, an empty period says where the logs' period lies, whatever the number of jobs.
  for (const char* jobs : {" --jobs 1", " --jobs 3"}) {
    REQUIRE(RunCli(std::string("scan sample_logs --tz UTC --since 2030-01-01") + jobs, &out,
                   &err) == 0);
    CHECK(out.find("\nNone of the " + all["totals"]["sessions"].dump() +
                   " sessions read falls in the period asked for (--since/--until): they run "
                   "from 2026-03-02 06:00 +00:00 to 2026-03-02 11:58 +00:00.\n") !=
          std::string::npos);
  }
}

TEST_CASE("The unparsed file gets the malformed lines with file:line", "[cli]") {
  TempDir dir;
  std::string log = dir.Write("SEND2026030206-1.LOG",
                              Header() + Row("0A", 1, 0, '*', "", "attempting to connect") +
                                  "\r\nthis line is not a log row\r\n");
  std::string unparsed = (dir.path() / "bad.txt").string();
  std::string out, err;
  REQUIRE(RunCli("scan '" + log + "' --format json --unparsed '" + unparsed + "'", &out, &err) == 0);
  std::string bad = ReadFile(unparsed);
  CHECK(bad.find("SEND2026030206-1.LOG:7: ") != std::string::npos);
  CHECK(bad.find("this line is not a log row") != std::string::npos);
  json doc = json::parse(out);
  CHECK(doc["inputs"]["malformed_lines"] == 1);
}

TEST_CASE("NDJSON: one failure event per failure then a summary, all valid events",
          "[cli][schema]") {
  SchemaValidator validator(json::parse(ReadFile(Source("docs/events.schema.json"))));
  std::string out, err;
  REQUIRE(RunCli("scan sample_logs --format ndjson --now 2026-03-03T00:00:00Z", &out, &err) == 0);
  std::istringstream lines(out);
  std::string line, last_type;
  int failures = 0;
  std::set<std::string> ids;
  while (std::getline(lines, line)) {
    json event = json::parse(line);
    std::vector<std::string> problems = validator.Validate(event);
    INFO(line.substr(0, 300));
    for (const std::string& p : problems) INFO(p);
    CHECK(problems.empty());
    last_type = event["type"];
    if (last_type == "failure") {
      ++failures;
      ids.insert(event["id"].get<std::string>());
    }
  }
  CHECK(last_type == "summary");
  CHECK(ids.size() == static_cast<size_t>(failures));
  REQUIRE(RunCli("scan sample_logs --format json", &out, &err) == 0);
  json report = json::parse(out);
  int64_t total = 0;
  for (const json& d : report["domains"]) {
    total += d["failed_recipients"].get<int64_t>() + d["failed_sessions"].get<int64_t>();
  }
  CHECK(failures == total);
}

TEST_CASE("Subjects from message tracking appear only with the show-subjects option",
          "[cli][tracking]") {
  TempDir dir;
  std::string logs = (dir.path() / "logs").string();
  std::string cmd = std::string("'") + SMTPTRIAGE_LOGGEN_BINARY + "' --preset sample --tracking 27 --out '" +
                    logs + "' > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string out, err;
  REQUIRE(RunCli("scan '" + logs + "' --format ndjson", &out, &err) == 0);
  CHECK(out.find("\"subject\"") == std::string::npos);
  REQUIRE(RunCli("scan '" + logs + "' --format ndjson --show-subjects", &out, &err) == 0);
  CHECK(out.find("\"subject\"") != std::string::npos);
  REQUIRE(RunCli("investigate alice@ourorg.example '" + logs + "' --format json", &out, &err) == 0);
  CHECK(out.find("\"subject\"") == std::string::npos);
  REQUIRE(RunCli("investigate alice@ourorg.example '" + logs + "' --format json --show-subjects",
                 &out, &err) == 0);
  CHECK(out.find("\"subject\"") != std::string::npos);
}

TEST_CASE("explain: a reply of our own server in a Receive log is ours to read, not a bounce",
          "[cli]") {
  std::string out, err;
  // Exchange's Content Filter agent refusing mail sent to us: no outbound advice (DKIM, test
  // messages), and no "either side" verdict.
  REQUIRE(RunCli("explain --log receive '550 5.7.1 Message rejected as spam by Content "
                 "Filtering.'",
                 &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Matched rule: content.spam-rejected.inbound ") != std::string::npos);
  CHECK(out.find("Points to: our own server's answer to mail sent to us (a Receive log)") !=
        std::string::npos);
  CHECK(out.find("Get-ContentFilterConfig") != std::string::npos);
  CHECK(out.find("DKIM") == std::string::npos);
  // The same text in a Send log is the receiver's filter.
  REQUIRE(RunCli("explain '550 5.7.1 Message rejected as spam by Content Filtering.'", &out,
                 &err) == 0);
  CHECK(out.find("Matched rule: content.spam ") != std::string::npos);
  CHECK(out.find("Points to: either side") != std::string::npos);
  // A relay refused by our server: never the advice to allow relay for the client's address.
  REQUIRE(RunCli("explain --log receive '550 5.7.54 SMTP; Unable to relay recipient in "
                 "non-accepted domain'",
                 &out, &err) == 0);
  CHECK(out.find("Matched rule: sender.relay-denied.inbound ") != std::string::npos);
  CHECK(out.find("never allow relay for it") != std::string::npos);
  REQUIRE(RunCli("explain '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain'",
                 &out, &err) == 0);
  CHECK(out.find("Matched rule: sender.relay-denied ") != std::string::npos);
  CHECK(out.find("Receive log") == std::string::npos);
}

TEST_CASE("explain answers for one reply, in both languages", "[cli]") {
  std::string out, err;
  REQUIRE(RunCli("explain '550 5.1.1 <a@b.example>: Recipient address rejected: User unknown'",
                 &out, &err) == 0);
  CHECK(out.find("  (550 5.1.1)\nReason: user_unknown (recipient)\n") != std::string::npos);
  CHECK(out.find("What to check:\n  1. ") != std::string::npos);
  // No basic code: the enhanced one alone, without a placeholder for the missing one.
  REQUIRE(RunCli("explain '4.4.7 Message delayed'", &out, &err) == 0);
  CHECK(out.find("\n  (4.4.7)\n") != std::string::npos);
  // The same words in the Receive log are our server refusing a client's login.
  REQUIRE(RunCli("explain --log receive --stage auth '535 5.7.3 Authentication unsuccessful'",
                 &out, &err) == 0);
  CHECK(out.find("Matched rule: sender.auth-failed.inbound") != std::string::npos);
  REQUIRE(RunCli("explain --stage auth '535 5.7.3 Authentication unsuccessful'", &out, &err) == 0);
  CHECK(out.find("Matched rule: sender.auth-failed ") != std::string::npos);
  REQUIRE(RunCli("explain --lang es '554 5.7.1 Client host [192.0.2.1] blocked using "
                 "zen.spamhaus.org'",
                 &out, &err) == 0);
  CHECK(out.find("figura en una lista de bloqueo de Spamhaus") != std::string::npos);
  CHECK(out.find("Regla aplicada: reputation.spamhaus (específica) \xE2\x80\x94 el texto coincide "
                 "con /") != std::string::npos);
  CHECK(out.find("text matched") == std::string::npos);
  // A text with no code that no rule knows says nothing of retrying; a rule without a code does.
  REQUIRE(RunCli("explain 'hello world'", &out, &err) == 0);
  CHECK(out.find("\nRetry: not known: the text holds no SMTP reply code") != std::string::npos);
  REQUIRE(RunCli("explain --format json 'hello world'", &out, &err) == 0);
  CHECK(json::parse(out)["retry"].is_null());
  REQUIRE(RunCli("explain --format json 'Failed to connect. Winsock error code: 10060'", &out,
                 &err) == 0);
  CHECK(json::parse(out)["retry"] == "transient");
}

TEST_CASE("explain -: a pasted NDR is explained by its reply, a list line by line", "[cli]") {
  const std::string ndr =
      "Delivery has failed to these recipients or groups:\n\n"
      "john.doe@contoso.example\n"
      "The email address you entered couldn't be found. Please check the recipient's email "
      "address and try to resend the message.\n\n"
      "Diagnostic information for administrators:\n\n"
      "Generating server: EX01.ourorg.example\n\n"
      "john.doe@contoso.example\n"
      "Remote Server returned '550-5.1.1 The email account that you tried to reach does not "
      "exist.'\n"
      "Remote Server returned '550 5.1.1 https://support.google.com/mail/?p=NoSuchUser'\n\n"
      "jane@contoso.example\n"
      "Remote Server returned '550-5.1.1 The email account that you tried to reach does not "
      "exist.'\n"
      "Remote Server returned '550 5.1.1 https://support.google.com/mail/?p=NoSuchUser'\n\n"
      "Original message headers:\n\n"
      "Received: from EX01.ourorg.example (10.0.0.25) by EX01.ourorg.example\r\n"
      " (10.0.0.25) with Microsoft SMTP Server (version=TLS1_2) id 15.2.1258.12; Mon, 2 Mar 2026\n"
      "Subject: Quote\n";
  std::string out, err;
  REQUIRE(RunCli("explain --format json -", &out, &err, ndr) == 0);
  std::vector<json> answers;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) answers.push_back(json::parse(line));
  // The two lines of the reply as one, and the same reply for the second recipient once.
  REQUIRE(answers.size() == 1);
  CHECK(answers[0]["reason"] == "user_unknown");
  CHECK(answers[0]["input"].get<std::string>().find("not exist.' Remote Server returned '550 ") !=
        std::string::npos);
  // A list of replies, one with no code among them: every line is explained.
  const std::string list =
      "550 5.1.1 User unknown\n"
      "Failed to connect. Winsock error code: 10060\n"
      "452 4.2.2 Mailbox full\n";
  REQUIRE(RunCli("explain --format json -", &out, &err, list) == 0);
  CHECK(std::count(out.begin(), out.end(), '\n') == 3);

  // A reply of several lines copied from a log is one reply, whatever the share of its lines.
  const std::string gmail =
      "550-5.7.25 [2001:db8:100::25] The IP address sending this message does not have a PTR\n"
      "550-5.7.25 record setup, or the corresponding forward DNS entry does not match the\n"
      "550-5.7.25 sending IP. As a policy, Gmail does not accept messages from IPs with\n"
      "550-5.7.25 missing PTR records.\n"
      "550 5.7.25  https://support.google.com/mail/answer/81126#ip-rev - gsmtp\n";
  REQUIRE(RunCli("explain --format json -", &out, &err, gmail) == 0);
  REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);
  json one = json::parse(out);
  CHECK(one["reason"] == "require_ptr");
  CHECK(one["input"] == "550 5.7.25 [2001:db8:100::25] The IP address sending this message does "
                        "not have a PTR record setup, or the corresponding forward DNS entry "
                        "does not match the sending IP. As a policy, Gmail does not accept "
                        "messages from IPs with missing PTR records.  "
                        "https://support.google.com/mail/answer/81126#ip-rev - gsmtp");
  // One answer a line for a list, even of replies that each start as a continuation line: each
  // holds its code again, a whole reply collapsed into one line.
  const std::string collapsed =
      "550-5.7.26 The MAIL FROM domain has an SPF record with a hard fail policy 550-5.7.26 "
      "(-all) but it fails to pass SPF checks.\n"
      "550-5.7.26 This mail has been blocked because the sender is unauthenticated. 550-5.7.26 "
      "Gmail requires all senders to authenticate with either SPF or DKIM.\n";
  REQUIRE(RunCli("explain --format json -", &out, &err, collapsed) == 0);
  CHECK(std::count(out.begin(), out.end(), '\n') == 2);
  // A short NDR, half of it replies: its prose is not explained as replies.
  const std::string short_ndr =
      "Delivery has failed to these recipients or groups:\n"
      "Generating server: EX01.ourorg.example\n"
      "Remote Server returned '550-5.1.1 The email account that you tried to reach does not "
      "exist.'\n"
      "Remote Server returned '550 5.1.1 https://support.google.com/mail/?p=NoSuchUser'\n";
  REQUIRE(RunCli("explain --format json -", &out, &err, short_ndr) == 0);
  REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(json::parse(out)["reason"] == "user_unknown");
  // Only the words for users, no code anywhere: the whole text is the reply.
  REQUIRE(RunCli("explain --format json -", &out, &err, "bob wasn't found at example.com.\n") ==
          0);
  REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(json::parse(out)["reason"] == "user_unknown");
  // Nothing at all is not an answer of nothing.
  CHECK(RunCli("explain -", &out, &err, "\n\n") == 2);
  CHECK(err.find("nothing to explain on stdin") != std::string::npos);
}

TEST_CASE("CI runs the README's test command as it is written there", "[cli]") {
  // The README's two Quick start commands are indented code lines that start with
  // scripts/bootstrap.sh; the second (with --tests) is the one .ci/run must run, word for word.
  std::ifstream readme(Source("README.md"));
  std::string line, test_command;
  int commands = 0;
  while (std::getline(readme, line)) {
    if (line.rfind("    scripts/bootstrap.sh", 0) != 0) continue;
    ++commands;
    if (line.find("--tests") != std::string::npos) test_command = line.substr(4);
  }
  CHECK(commands == 2);
  REQUIRE_FALSE(test_command.empty());
  std::ifstream ci(Source(".ci/run"));
  std::vector<std::string> run;
  while (std::getline(ci, line)) {
    if (!line.empty() && line[0] != '#' && line.rfind("set ", 0) != 0 &&
        line.rfind("cd ", 0) != 0) {
      run.push_back(line);
    }
  }
  CHECK(run == std::vector<std::string>{test_command});
}

TEST_CASE("The README's rules check example counts the rules there are", "[cli]") {
  std::string out, err;
  REQUIRE(RunCli("rules check", &out, &err) == 0);
  const std::string readme = ReadFile(Source("README.md"));
  const size_t at = readme.find("$ build/smtptriage rules check\n");
  REQUIRE(at != std::string::npos);
  const size_t line = at + std::string("$ build/smtptriage rules check\n").size();
  CHECK(readme.substr(line, readme.find('\n', line) + 1 - line) == out);
}

TEST_CASE("A failed AUTH attempt points at the row that says it failed", "[cli]") {
  std::string out, err;
  REQUIRE(RunCli("scan sample_logs --format json", &out, &err) == 0);
  const json report = json::parse(out);
  REQUIRE(report["auth_failures"].size() >= 2);
  for (const json& a : report["auth_failures"]) {
    const std::string ref = a["sample_ref"];
    INFO(ref);
    const size_t colon = ref.rfind(':');
    REQUIRE(colon != std::string::npos);
    std::ifstream in(std::string(SMTPTRIAGE_SOURCE_DIR) + "/" + ref.substr(0, colon));
    std::string line;
    for (int n = std::stoi(ref.substr(colon + 1)); n > 0; --n) REQUIRE(std::getline(in, line));
    CHECK(line.find("AUTH") != std::string::npos);
    CHECK(line.find("failed") != std::string::npos);
    CHECK(line.find(a["remote_ip"].get<std::string>()) != std::string::npos);
  }
}
