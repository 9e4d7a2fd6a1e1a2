// Tests of `scan --format prometheus`: the exposition format (HELP and TYPE for every metric,
// valid names, escaped label values, no timestamps), the bounded per-domain series, and
// `promtool check metrics` on the output when promtool is installed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <re2/re2.h>
#include <sys/wait.h>

#include "smtptriage/reporters.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;

namespace {

// One sample line of the exposition format, parsed.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;  // values unescaped
  std::string value;
  std::string rest;  // anything after the value (a timestamp, which we never write)
};

// Parses `name{a="x",b="y"} value [rest]`; returns false when the line does not have that shape.
bool ParseSample(const std::string& line, Sample* s) {
  size_t i = line.find_first_of("{ ");
  if (i == std::string::npos) return false;
  s->name = line.substr(0, i);
  s->labels.clear();
  if (line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
      std::string key = line.substr(i, eq - i), value;
      size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] != '\\') {
          value += line[j];
          continue;
        }
        if (++j >= line.size()) return false;
        char c = line[j];
        if (c == 'n') {
          value += '\n';
        } else if (c == '\\' || c == '"') {
          value += c;
        } else {
          return false;  // not an escape the format knows
        }
      }
      if (j >= line.size()) return false;
      s->labels[key] = value;
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  std::string tail = line.substr(i + 1);
  size_t sp = tail.find(' ');
  s->value = tail.substr(0, sp);
  s->rest = sp == std::string::npos ? "" : tail.substr(sp + 1);
  return true;
}

// The whole exposition, parsed: HELP and TYPE per metric name, then the samples in order.
struct Exposition {
  std::map<std::string, std::string> help, type;
  std::vector<Sample> samples;
  std::vector<std::string> bad_lines;
  std::vector<std::string> without_header;  // samples seen before their HELP/TYPE

  explicit Exposition(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# HELP ", 0) == 0) {
        std::string rest = line.substr(7);
        help[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
      } else if (line.rfind("# TYPE ", 0) == 0) {
        std::string rest = line.substr(7);
        type[rest.substr(0, rest.find(' '))] = rest.substr(rest.find(' ') + 1);
      } else if (!line.empty() && line[0] != '#') {
        Sample s;
        if (!ParseSample(line, &s)) {
          bad_lines.push_back(line);
          continue;
        }
        if (!help.count(s.name) || !type.count(s.name)) without_header.push_back(line);
        samples.push_back(s);
      }
    }
  }
  std::vector<const Sample*> Of(const std::string& name) const {
    std::vector<const Sample*> out;
    for (const Sample& s : samples) {
      if (s.name == name) out.push_back(&s);
    }
    return out;
  }
  // The value of the one sample of `name` whose labels include `labels`; "" when none.
  std::string Value(const std::string& name,
                    const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample* s : Of(name)) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s->labels.find(k);
        match &= it != s->labels.end() && it->second == v;
      }
      if (match) return s->value;
    }
    return "";
  }
};

std::string ScanSampleLogs(const std::string& extra = "") {
  std::string out, err;
  int rc = RunCli("scan --format prometheus --now 2026-03-03T00:00:00Z " + extra + " sample_logs",
                  &out, &err);
  INFO("stderr: " << err);
  REQUIRE(rc == 0);
  return out;
}

// A report with `n` outbound domains failing 1..n times (domain i fails i times), plus one
// inbound client IP.
Report ManyDomains(int n) {
  Report r;
  r.version = "test";
  r.generated = 1772409600000;
  for (int i = 1; i <= n; ++i) {
    DomainReport d;
    d.domain = "d" + std::to_string(i) + ".example";
    d.sessions = i;
    d.failed_recipients = i;
    FailureGroup g;
    g.reason = Reason::kUserUnknown;
    g.family = Family::kRecipient;
    g.side = Side::kRemote;
    g.count = i;
    d.failures.push_back(g);
    r.domains.push_back(d);
  }
  DomainReport in;
  in.domain = "192.0.2.1";
  in.direction = Direction::kInbound;
  in.unresolved = true;
  in.failed_sessions = 1;
  FailureGroup g;
  g.reason = Reason::kRelayDenied;
  g.family = Family::kSender;
  g.count = 1;
  in.failures.push_back(g);
  r.domains.push_back(in);
  return r;
}

std::string Render(const Report& r, size_t top_domains = 20) {
  RenderOptions o;
  o.top_domains = top_domains;
  std::ostringstream out;
  RenderPrometheus(r, o, out);
  return out.str();
}

bool HavePromtool() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }

// Runs `promtool check metrics` on `text`; returns its exit code and fills `output`.
int Promtool(const std::string& text, std::string* output) {
  TempDir dir;
  std::string in = dir.Write("metrics.prom", text);
  std::string log = (dir.path() / "promtool.txt").string();
  int status = std::system(("promtool check metrics <'" + in + "' >'" + log + "' 2>&1").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *output = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("prometheus: every metric has HELP and TYPE, names are valid, no timestamps",
          "[prometheus]") {
  Exposition e(ScanSampleLogs());
  REQUIRE(!e.samples.empty());
  CHECK(e.bad_lines.empty());
  CHECK(e.without_header.empty());
  const RE2 metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
  const RE2 label_name("[a-zA-Z_][a-zA-Z0-9_]*");
  for (const Sample& s : e.samples) {
    INFO(s.name);
    CHECK(RE2::FullMatch(s.name, metric_name));
    CHECK(s.name.rfind("smtptriage_", 0) == 0);
    CHECK(s.rest.empty());
    CHECK(e.type[s.name] == "gauge");
    CHECK(!e.help[s.name].empty());
    char* end = nullptr;
    std::strtod(s.value.c_str(), &end);
    CHECK((!s.value.empty() && *end == '\0'));
    for (const auto& [k, v] : s.labels) {
      CHECK(RE2::FullMatch(k, label_name));
      CHECK(k.rfind("__", 0) != 0);
    }
  }
  for (const auto& [name, type] : e.type) {
    INFO(name);
    CHECK(RE2::FullMatch(name, metric_name));
    CHECK(e.help.count(name) == 1);
  }
}

TEST_CASE("prometheus: the values of sample_logs", "[prometheus]") {
  Exposition e(ScanSampleLogs());
  // The same numbers as the text report's verdict and footer (tests/golden/).
  struct Row {
    std::string name;
    std::map<std::string, std::string> labels;
    std::string value;
  };
  const std::vector<Row> rows = {
      {"smtptriage_verdict", {{"side", "local"}}, "1"},
      {"smtptriage_verdict", {{"side", "remote"}}, "0"},
      {"smtptriage_verdict", {{"side", "none"}}, "0"},
      {"smtptriage_sessions", {{"direction", "inbound"}}, "69"},
      {"smtptriage_sessions", {{"direction", "internal"}}, "16"},
      {"smtptriage_recipients", {}, "477"},
      {"smtptriage_failed_recipients", {}, "44"},
      {"smtptriage_connect_failures", {}, "39"},
      {"smtptriage_files_read", {}, "18"},
      // The headline's failures on our side: require_ptr (4); blocked (3); blocked (1);
      // require_ptr (1); sender_rejected (1).
      {"smtptriage_server_local_by_rule", {{"server", "local"}}, "10"},
      {"smtptriage_files_skipped", {}, "0"},
      {"smtptriage_malformed_lines", {}, "0"},
      {"smtptriage_lines_read", {}, "7360"},
      {"smtptriage_local_incidents_open", {{"family", "connection"}}, "0"},
      {"smtptriage_failures",
       {{"reason", "connect_timeout"},
        {"family", "connection"},
        {"side", "either"},
        {"direction", "outbound"}},
       "36"},
      {"smtptriage_failures",
       {{"reason", "require_ptr"}, {"family", "authentication"}, {"side", "local"}},
       "5"},
      {"smtptriage_domain_failures", {{"domain", "proseware-supply.example"}}, "44"},
      {"smtptriage_domain_local_failures", {{"domain", "gmail.com"}}, "4"},
      {"smtptriage_report_generated_timestamp_seconds", {}, "1772496000.000"},
      // The last session of the sample logs ends at 2026-03-02T11:58:13.372Z.
      {"smtptriage_logs_end_timestamp_seconds", {}, "1772452693.372"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    CHECK(e.Value(row.name, row.labels) == row.value);
  }
  // The attributed failures add up to all failures, per direction.
  for (const char* dir : {"outbound", "inbound", "internal"}) {
    INFO(dir);
    int64_t all = 0;
    for (const Sample* s : e.Of("smtptriage_failures")) {
      if (s->labels.at("direction") == dir) all += std::stoll(s->value);
    }
    int64_t local = std::stoll(
        e.Value("smtptriage_failures_attributed", {{"direction", dir}, {"side", "local"}}));
    int64_t remote = std::stoll(
        e.Value("smtptriage_failures_attributed", {{"direction", dir}, {"side", "remote"}}));
    CHECK(local + remote == all);
  }
}

TEST_CASE("prometheus: label values are escaped", "[prometheus]") {
  // A byte that is not UTF-8 becomes U+FFFD.
  const std::string kReplaced = std::string("bad\xEF\xBF\xBD") + "byte.example";
  struct Case {
    std::string domain;
    std::string written;    // as it must appear between the quotes
    std::string unescaped;  // as a parser reads it back
  };
  const std::vector<Case> cases = {
      {"plain.example", "plain.example", "plain.example"},
      {"quo\"te.example", "quo\\\"te.example", "quo\"te.example"},
      {"back\\slash.example", "back\\\\slash.example", "back\\slash.example"},
      {"new\nline.example", "new\\nline.example", "new\nline.example"},
      {"all\\\"\n.example", "all\\\\\\\"\\n.example", "all\\\"\n.example"},
      {std::string("bad\xff") + "byte.example", kReplaced, kReplaced},
      {"ñandú.example", "ñandú.example", "ñandú.example"},
  };
  for (const Case& c : cases) {
    INFO(c.written);
    Report r = ManyDomains(1);
    r.domains[0].domain = c.domain;
    std::string text = Render(r);
    CHECK(text.find("smtptriage_domain_failures{domain=\"" + c.written +
                    "\",direction=\"outbound\"} 1\n") != std::string::npos);
    Exposition e(text);
    CHECK(e.bad_lines.empty());
    CHECK(e.Value("smtptriage_domain_failures", {{"domain", c.unescaped}}) == "1");
    if (HavePromtool()) {
      std::string log;
      CHECK(Promtool(text, &log) == 0);
      INFO(log);
    }
  }
}

TEST_CASE("prometheus: domains past --top-domains are summed under _other", "[prometheus]") {
  struct Case {
    int domains;
    size_t top;
    std::vector<std::string> own;  // domains with their own series
    std::string other_outbound;    // "" = no _other series
    std::string other_inbound;
  };
  // Domain i fails i times; the inbound client IP fails once and, by name, ranks before d1.
  const std::vector<Case> cases = {
      {5,
       20,
       {"d5.example", "d4.example", "d3.example", "d2.example", "192.0.2.1", "d1.example"},
       "",
       ""},
      {5, 2, {"d5.example", "d4.example"}, "6", "1"},
      {5, 5, {"d5.example", "d4.example", "d3.example", "d2.example", "192.0.2.1"}, "1", ""},
      {30, 20, {}, "55", "1"},
      {3, 0, {}, "6", "1"},
  };
  for (const Case& c : cases) {
    INFO(c.domains << " domains, top " << c.top);
    Exposition e(Render(ManyDomains(c.domains), c.top));
    std::vector<std::string> own;
    int64_t sum = 0;
    for (const Sample* s : e.Of("smtptriage_domain_failures")) {
      sum += std::stoll(s->value);
      if (s->labels.at("domain") != "_other") own.push_back(s->labels.at("domain"));
    }
    CHECK(own.size() == std::min<size_t>(c.top, c.domains + 1));
    if (!c.own.empty()) CHECK(own == c.own);
    CHECK(sum == c.domains * (c.domains + 1) / 2 + 1);  // nothing lost, nothing counted twice
    CHECK(e.Value("smtptriage_domain_failures",
                  {{"domain", "_other"}, {"direction", "outbound"}}) == c.other_outbound);
    CHECK(e.Value("smtptriage_domain_failures", {{"domain", "_other"}, {"direction", "inbound"}}) ==
          c.other_inbound);
    CHECK(e.Of("smtptriage_domain_local_failures").size() ==
          e.Of("smtptriage_domain_failures").size());
  }
}

TEST_CASE("prometheus: scan --top-domains bounds the domain series", "[prometheus]") {
  Exposition all(ScanSampleLogs("--top-domains 1000"));
  Exposition top(ScanSampleLogs("--top-domains 3"));
  REQUIRE(all.Of("smtptriage_domain_failures").size() > 3);
  CHECK(all.Value("smtptriage_domain_failures", {{"domain", "_other"}}).empty());
  int64_t total_all = 0, total_top = 0, own = 0;
  for (const Sample* s : all.Of("smtptriage_domain_failures")) total_all += std::stoll(s->value);
  for (const Sample* s : top.Of("smtptriage_domain_failures")) {
    total_top += std::stoll(s->value);
    own += s->labels.at("domain") != "_other";
  }
  CHECK(own == 3);
  CHECK(!top.Value("smtptriage_domain_failures", {{"domain", "_other"}}).empty());
  CHECK(total_top == total_all);
}

TEST_CASE("prometheus: promtool check metrics accepts the output", "[prometheus]") {
  if (!HavePromtool()) {
    WARN("promtool not on PATH (Debian package prometheus): not checked");
    return;
  }
  struct Case {
    std::string what;
    std::string text;
  };
  Report empty;
  empty.version = "test";
  const std::vector<Case> cases = {
      {"scan sample_logs", ScanSampleLogs()},
      {"scan sample_logs --top-domains 2", ScanSampleLogs("--top-domains 2")},
      {"an empty period", ScanSampleLogs("--since 2020-01-01T00:00 --until 2020-01-02T00:00")},
      {"an empty report", Render(empty)},
      {"many domains", Render(ManyDomains(50), 5)},
  };
  for (const Case& c : cases) {
    std::string log;
    int rc = Promtool(c.text, &log);
    INFO(c.what << "\n" << log);
    CHECK(rc == 0);
  }
}
