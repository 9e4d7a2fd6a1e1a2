// The HTML report in a real browser: headless Chromium renders the page to a PNG and to a PDF
// without errors, and the page's text (--dump-dom) shows the verdict and the local incident.
// Needs the `chromium` command (scripts/bootstrap.sh --tests installs it); configure with
// -DSMTPTRIAGE_BROWSER_TESTS=OFF to leave this test out.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "smtptriage/loggen.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
using nlohmann::json;

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ChromiumInstalled() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

// Runs headless Chromium on `page` with the flags of a CI machine, a fresh profile folder and a
// time limit, plus `what` (the output to make); returns its exit code (124: timed out).
int Chromium(const TempDir& dir, const std::string& name, const std::string& page,
             const std::string& what, std::string* log) {
  std::filesystem::path profile = dir.path() / ("profile-" + name);
  std::filesystem::create_directories(profile);
  std::filesystem::path stderr_file = dir.path() / (name + ".stderr");
  std::string cmd =
      "timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir='" +
      profile.string() + "' " + what + " 'file://" + page + "' 2> '" + stderr_file.string() + "'";
  int status = std::system(cmd.c_str());
  *log = cmd + "\n" + ReadFile(stderr_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Text as Chromium's DOM dump writes it: &, < and > as entities.
std::string AsInDom(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// A preset of the log generator, written once per test run.
std::string PresetLogs(const std::string& preset, TempDir* dir) {
  loggen::Scenario scenario;
  REQUIRE(loggen::Preset(preset, 7, &scenario));
  loggen::Result truth;
  REQUIRE(loggen::Generate(scenario, dir->path().string(), &truth).ok());
  return dir->path().string();
}

}  // namespace

TEST_CASE("Browser: Chromium renders the HTML report and shows the verdict and the incident",
          "[browser][html]") {
  if (!ChromiumInstalled()) {
    FAIL(
        "chromium is not installed: run scripts/bootstrap.sh --tests (it installs chromium, "
        "chromium-driver and fonts), or configure with -DSMTPTRIAGE_BROWSER_TESTS=OFF");
  }
  // The firewall preset: from 15:00 every outbound connection times out, a local incident still
  // open at the end of the day.
  TempDir logs_dir, dir;
  std::string logs = PresetLogs("firewall", &logs_dir);
  std::string page = (dir.path() / "report.html").string();
  const std::string args = " --now 2026-03-03T00:00:00Z --tz UTC --lang en '" + logs + "'";
  std::string out, err;
  REQUIRE(RunCli("scan --format html -o '" + page + "'" + args, &out, &err) == 0);
  REQUIRE(RunCli("scan --format json" + args, &out, &err) == 0);
  json report = json::parse(out);
  REQUIRE(report["verdict"]["side"] == "local");
  REQUIRE(report["incidents"].size() == 1);

  std::string log;
  {  // a PNG screenshot
    std::filesystem::path png = dir.path() / "report.png";
    int rc = Chromium(dir, "png", page,
                      "--window-size=1200,2000 --screenshot='" + png.string() + "'", &log);
    INFO(log);
    REQUIRE(rc == 0);
    std::string bytes = ReadFile(png);
    REQUIRE(bytes.size() > 24);
    CHECK(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
    CHECK(bytes.substr(12, 4) == "IHDR");
    auto be32 = [&](size_t at) {
      uint32_t v = 0;
      for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
      return v;
    };
    CHECK(be32(16) == 1200);
    CHECK(be32(20) == 2000);
    CHECK(bytes.size() > 50 * 1024);  // charts and text, not a blank page
  }
  {  // a PDF print
    std::filesystem::path pdf = dir.path() / "report.pdf";
    int rc = Chromium(dir, "pdf", page,
                      "--no-pdf-header-footer --print-to-pdf='" + pdf.string() + "'", &log);
    INFO(log);
    REQUIRE(rc == 0);
    std::string bytes = ReadFile(pdf);
    CHECK(bytes.rfind("%PDF-", 0) == 0);
    CHECK(bytes.find("%%EOF", bytes.size() > 64 ? bytes.size() - 64 : 0) != std::string::npos);
    CHECK(bytes.size() > 50 * 1024);
  }
  {  // the page's text shows the verdict and the incident
    std::filesystem::path dom = dir.path() / "dom.html";
    int rc = Chromium(dir, "dom", page, "--dump-dom > '" + dom.string() + "'", &log);
    INFO(log);
    REQUIRE(rc == 0);
    std::string text = ReadFile(dom);
    INFO(text.substr(0, 3000));
    CHECK(text.find("OURS: the failures point to our side, something here needs fixing.") !=
          std::string::npos);
    // The summaries' UTC hours (2026-03-02T15:00Z) are shown in the report's zone, here UTC.
    auto shown = [](const json& summary) {
      static const std::regex hour(R"((\d{4}-\d\d-\d\d)T(\d\d:\d\d)Z)");
      return AsInDom(std::regex_replace(summary.get<std::string>(), hour, "$1 $2 +00:00"));
    };
    CHECK(text.find(shown(report["verdict"]["summary"])) != std::string::npos);
    CHECK(text.find("Local incidents (1)") != std::string::npos);
    CHECK(text.find(shown(report["incidents"][0]["summary"])) != std::string::npos);
    CHECK(text.find("connection: since 2026-03-02 15:00 +00:00, still open") != std::string::npos);
  }
}
