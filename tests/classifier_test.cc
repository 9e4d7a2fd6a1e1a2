// Tests for the classifier and the rule loader: every built-in rule's samples, the precedence
// order, site overrides, both languages, and one fixture per loader error.
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "smtptriage/builtin_rules.h"
#include "smtptriage/classifier.h"
#include "smtptriage/reply.h"

namespace smtptriage {
namespace {

const std::string kData = std::string(SMTPTRIAGE_SOURCE_DIR) + "/tests/data/";

std::unique_ptr<Classifier> MustLoad(const std::string& dir,
                                     const std::vector<std::string>& site = {}) {
  std::unique_ptr<Classifier> c;
  Status s = Classifier::Load(dir, site, &c, Classifier::EmbeddedSamples::kCheck);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

Classification Explain(const Classifier& c, const std::string& text, Stage stage = Stage::kOther,
                       LogKind log = LogKind::kSend) {
  Reply r = FindReply(text);
  return c.Classify(ReplyInput{r.code, r.enhanced, text, stage, log});
}

std::string Why(const Classifier& c, const std::string& text) {
  Reply r = FindReply(text);
  ReplyInput in{r.code, r.enhanced, text, Stage::kOther, LogKind::kSend};
  return c.Why(in, c.Classify(in));
}

TEST_CASE("The built-in knowledge base loads and is large enough") {
  auto c = MustLoad("");
  CHECK(kBuiltinRuleFileCount >= 5);
  CHECK(c->rules().size() >= 151);
  CHECK(c->rules().back().id == "builtin.undetermined");
}

TEST_CASE("Every built-in rule's samples are classified by that rule") {
  auto c = MustLoad("");
  for (const Rule& rule : c->rules()) {
    for (const RuleSample& sample : rule.samples) {
      INFO(rule.id << ": " << sample.reply);
      Classification got = Explain(*c, sample.reply, sample.stage, sample.log);
      CHECK(got.rule->id == rule.id);
    }
  }
}

TEST_CASE("A reply seen before gets the rule it got the first time, from any thread") {
  // The classifier remembers which patterns each text met, up to a few thousand texts, then
  // forgets them all. Two threads at once go three times over every sample, each between
  // distinct filler replies (more of them than are remembered). One text is the sample of two
  // rules told apart by the log it is in: what is remembered must not decide the rule.
  auto c = MustLoad("");
  struct Case {
    std::string reply;
    Stage stage;
    LogKind log;
    std::string rule;  // empty for a filler
  };
  std::vector<Case> cases;
  int filler = 0;
  for (const Rule& rule : c->rules()) {
    for (const RuleSample& sample : rule.samples) {
      cases.push_back({sample.reply, sample.stage, sample.log, rule.id});
      for (int k = 0; k < 16; ++k) {
        cases.push_back({"250 2.0.0 OK queued as " + std::to_string(filler++), Stage::kData,
                         LogKind::kSend, ""});
      }
    }
  }
  REQUIRE(filler > 5000);
  auto run = [&](bool backwards, std::vector<std::string>* wrong) {
    for (int round = 0; round < 3; ++round) {
      for (size_t n = 0; n < cases.size(); ++n) {
        const Case& k = cases[backwards ? cases.size() - 1 - n : n];
        Classification got = Explain(*c, k.reply, k.stage, k.log);
        if (!k.rule.empty() && got.rule->id != k.rule) {
          wrong->push_back(k.reply + " -> " + got.rule->id);
        }
      }
    }
  };
  std::vector<std::string> wrong_a, wrong_b;
  std::thread a(run, false, &wrong_a);
  std::thread b(run, true, &wrong_b);
  a.join();
  b.join();
  CHECK(wrong_a.empty());
  CHECK(wrong_b.empty());
  if (!wrong_a.empty()) CHECK(wrong_a.front() == "");
  if (!wrong_b.empty()) CHECK(wrong_b.front() == "");
}

TEST_CASE("Every built-in rule has English and Spanish texts and unique ids") {
  auto c = MustLoad("");
  std::set<std::string> ids;
  for (const Rule& rule : c->rules()) {
    INFO(rule.id);
    CHECK(ids.insert(rule.id).second);
    CHECK(!rule.explanation.en.empty());
    CHECK(!rule.explanation.es.empty());
    CHECK(rule.explanation.en != rule.explanation.es);
    REQUIRE(!rule.checks.empty());
    for (const LocalizedText& check : rule.checks) {
      CHECK(!check.en.empty());
      CHECK(!check.es.empty());
    }
    CHECK(rule.explanation.Get(Lang::kEs) == rule.explanation.es);
  }
}

// The Spanish prose, outside what it quotes (reply texts in "...", commands in (...)), with an
// English word that Spanish never uses: a sentence half translated. ("From" is left out: it is
// the name of a header.)
std::string EnglishWordIn(const std::string& es) {
  static const std::set<std::string> kEnglish = {"the", "which", "and", "with", "that",
                                                 "this", "our", "their", "your", "will", "is",
                                                 "are", "list", "level", "of"};
  std::string word;
  int quoted = 0, parens = 0;
  for (size_t i = 0; i <= es.size(); ++i) {
    char ch = i < es.size() ? es[i] : ' ';
    if (ch == '"') quoted ^= 1;
    if (ch == '(') ++parens;
    if (ch == ')' && parens > 0) --parens;
    if (std::isalpha(static_cast<unsigned char>(ch)) && !quoted && !parens) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else {
      if (kEnglish.count(word)) return word;
      word.clear();
    }
  }
  return "";
}

TEST_CASE("The Spanish texts of the built-in rules are Spanish throughout") {
  CHECK(EnglishWordIn("figura en a Spamhaus blocklist (ZEN, which combines)") == "");
  CHECK(EnglishWordIn("figura en the Barracuda Reputation Block List") == "the");
  CHECK(EnglishWordIn("citado tras \"responded with\"") == "");
  auto c = MustLoad("");
  for (const Rule& rule : c->rules()) {
    INFO(rule.id);
    CHECK(EnglishWordIn(rule.explanation.es) == "");
    for (const LocalizedText& check : rule.checks) CHECK(EnglishWordIn(check.es) == "");
  }
}

struct ExpectRow {
  const char* reply;
  const char* reason;
  const char* side;
};

TEST_CASE("Built-in rules explain well-known replies") {
  auto c = MustLoad("");
  const ExpectRow rows[] = {
      {"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus", "blocked",
       "local"},
      {"Remote Server returned '550 4.4.7 QUEUE.Expired; message expired'", "expired", "either"},
      {"550 5.7.1 You are not authorized to send to this group", "security_error", "remote"},
      {"550 5.7.1 Unable to relay", "relay_denied", "either"},
      {"Failed to connect. Winsock error code: 10061, Win32 error code: 10061", "connection_refused",
       "either"},
      {"550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found", "user_unknown", "local"},
      {"smtp; 552 5.2.2 Over quota", "mailbox_full", "remote"},
      {"451 4.7.1 Greylisted, please try again later", "greylisted", "remote"},
      {"550 5.9.9 something nobody wrote a rule for", "undetermined", "either"},
      {"totally unknown words", "undetermined", "either"},
  };
  for (const ExpectRow& row : rows) {
    INFO(row.reply);
    Classification got = Explain(*c, row.reply);
    CHECK(ToString(got.reason) == row.reason);
    CHECK(ToString(got.side) == row.side);
    CHECK(got.rule != nullptr);
    CHECK(Why(*c, row.reply).find(got.rule->id) != std::string::npos);
  }
  // Whether the sender retries is the reply's class: the same words in a 5xx and a 4xx.
  CHECK(Explain(*c, "552 5.2.2 Mailbox full").retry == Retry::kPermanent);
  CHECK(Explain(*c, "452 4.2.2 Mailbox full").retry == Retry::kTransient);
  CHECK(Explain(*c, "5.2.2 Mailbox full").retry == Retry::kPermanent);
  // Exchange's delay notice: the message is still queued, not lost; its expiry is final.
  Classification delayed = Explain(*c, "Remote Server returned '400 4.4.7 Message delayed'");
  CHECK(delayed.rule->id == "exchange.queue.delayed");
  CHECK(delayed.retry == Retry::kTransient);
  Classification expired = Explain(*c, "550 4.4.7 QUEUE.Expired; message expired");
  CHECK(expired.retry == Retry::kPermanent);
  // Words shared with other meanings do not decide: a refused login naming a disabled account
  // is not a recipient's mailbox, a banned attachment is not a blocklisted IP, a Postfix
  // "Access denied" is not Microsoft 365's edge blocking, a filter's poor score is not Gmail.
  CHECK(Explain(*c, "535 5.7.8 Error: authentication failed: account disabled").reason ==
        Reason::kSecurityError);
  CHECK(Explain(*c, "550 5.7.1 Message rejected: attachment type banned (.exe)").reason !=
        Reason::kBlocked);
  CHECK(Explain(*c, "554 5.7.1 <u@example.com>: Recipient address rejected: Access denied")
            .rule->id != "exchange.online.dbeb");
  CHECK(Explain(*c, "554 Your access to this mail system has been rejected due to the sending "
                    "MTA's poor reputation.")
            .rule->id == "reputation.poor");
  // The expiry's own code is the class of the last error met; retrying is over all the same.
  for (const char* notice : {"4.4.7 QUEUE.Expired; message expired",
                             "451 4.4.7 Retry timeout exceeded"}) {
    INFO(notice);
    Classification e = Explain(*c, notice);
    CHECK(e.reason == Reason::kExpired);
    CHECK(e.retry == Retry::kPermanent);
  }
  // TLS: a failed handshake, wherever the words stand, is a TLS failure (not the 4.7.x class's
  // reputation, nor the failover's connection); a receiver whose own TLS is broken is theirs.
  for (const char* reply :
       {"451 4.7.0 TLS handshake failed",
        "451 4.4.0 Primary target IP address responded with: \"451 4.7.0 TLS handshake failed.\" "
        "Attempted failover to alternate host, but that did not succeed."}) {
    INFO(reply);
    CHECK(ToString(Explain(*c, reply).reason) == std::string("tls_failure"));
  }
  Classification broken = Explain(*c, "454 4.7.0 TLS not available due to local problem");
  CHECK(broken.rule->id == "tls.remote-not-available");
  CHECK(broken.side == Side::kRemote);
  // A receiver metering what it takes from our address: a rate limit, to be retried.
  Classification metered = Explain(
      *c, "450 4.7.1 <a@partner.example>: Recipient address rejected: Too many recipients from "
          "[198.51.100.25], try again later");
  CHECK(ToString(metered.reason) == std::string("rate_limited"));
  CHECK(ToString(Explain(*c, "452 4.5.3 Too many recipients").reason) ==
        std::string("exceed_limit"));
}

TEST_CASE("Precedence: specific text, generic text, enhanced code, basic class") {
  auto c = MustLoad(kData + "rules_prec");
  struct Row {
    const char* reply;
    Stage stage;
    const char* rule;
  };
  const Row rows[] = {
      {"550 5.7.1 blocked using spamhaus", Stage::kOther, "t.specific"},
      {"550 5.7.1 you are blocked", Stage::kOther, "t.generic"},
      {"550 5.7.1 nothing known", Stage::kOther, "t.enhanced"},
      {"550 nothing known", Stage::kOther, "t.class"},
      {"550 nothing known", Stage::kRcpt, "t.rcpt"},
      {"451 nothing known", Stage::kOther, "builtin.undetermined"},
  };
  for (const Row& row : rows) {
    INFO(row.reply);
    CHECK(Explain(*c, row.reply, row.stage).rule->id == row.rule);
  }
  // The loader sorted the rules by tier, whatever the file order.
  CHECK(c->rules()[0].id == "t.specific");
  CHECK(c->rules()[c->rules().size() - 2].tier == "class");
}

TEST_CASE("A site rule overrides the knowledge base") {
  auto c = MustLoad(kData + "rules_prec", {kData + "rules_site/site.json"});
  Classification got = Explain(*c, "550 5.7.1 blocked using spamhaus");
  CHECK(got.rule->id == "site.spamhaus");
  CHECK(got.rule->tier == "site");
  CHECK(got.reason == Reason::kPolicyViolation);
  CHECK(got.side == Side::kRemote);
  CHECK(Why(*c, "550 5.7.1 blocked using spamhaus").find("(site)") != std::string::npos);
  // The site rule's conditions still apply: another code falls through to the built-in rules.
  CHECK(Explain(*c, "554 5.7.1 blocked using spamhaus").rule->id == "t.specific");
  // And site rules work on top of the built-in knowledge base too.
  auto b = MustLoad("", {kData + "rules_site/site.json"});
  CHECK(Explain(*b, "550 5.7.1 blocked using spamhaus").rule->id == "site.spamhaus");
}

TEST_CASE("Each loader error names the file, the rule and the problem") {
  struct Row {
    const char* dir;
    const char* rule;   // "" when the problem is not about one rule
    const char* what;
  };
  const Row rows[] = {
      {"bad_json", "", "invalid JSON"},
      {"unknown_key", "\"t.unknown-key\"", "unknown key \"colour\""},
      {"unknown_reason", "\"t.unknown-reason\"", "unknown reason \"blocked_forever\""},
      {"bad_re2", "\"t.bad-re2\"", "invalid RE2 pattern"},
      // Compiles within the set's budget, not within one pattern's.
      {"huge_pattern", "\"t.huge-pattern\"", "text pattern exceeds the memory budget of 8 MB"},
      {"duplicate_id", "\"t.twice\"", "duplicate id"},
      {"stolen_sample", "\"t.narrow\"", "taken by rule \"t.broad\""},
      {"missing_es", "\"t.missing-es\"", "missing es text"},
  };
  for (const Row& row : rows) {
    INFO(row.dir);
    std::unique_ptr<Classifier> c;
    Status s = Classifier::Load(kData + "rules_bad/" + row.dir, {}, &c);
    INFO(s.message());
    REQUIRE(!s.ok());
    CHECK(c == nullptr);
    const std::string& m = s.message();
    CHECK(m.find(std::string(row.dir) + "/rules.json") != std::string::npos);
    if (*row.rule) CHECK(m.find(std::string("rule ") + row.rule) != std::string::npos);
    CHECK(m.find(row.what) != std::string::npos);
  }
}

TEST_CASE("A rule with several problems has them all listed at once, its pattern's too") {
  std::unique_ptr<Classifier> c;
  Status s = Classifier::Load(kData + "rules_bad/several_problems", {}, &c);
  INFO(s.message());
  REQUIRE(!s.ok());
  for (const char* what : {"unknown reason \"no_such_reason\"", "unknown side \"mine\"",
                           "\"explanation\": missing es text",
                           "\"checks\" must be a non-empty list",
                           "invalid RE2 pattern: missing ): foo(bar",
                           "its samples are tried once the problems above are fixed"}) {
    INFO(what);
    CHECK(s.message().find("rule \"t.several-problems\": " + std::string(what)) !=
          std::string::npos);
  }
}

TEST_CASE("A JSON syntax error gives the line") {
  std::unique_ptr<Classifier> c;
  Status s = Classifier::Load(kData + "rules_bad/bad_json", {}, &c);
  CHECK(s.message().find("rules.json:3:") != std::string::npos);
}

TEST_CASE("A missing rules folder or site file is reported") {
  std::unique_ptr<Classifier> c;
  CHECK(!Classifier::Load(kData + "no_such_dir", {}, &c).ok());
  CHECK(!Classifier::Load("", {kData + "no_such_file.json"}, &c).ok());
}

TEST_CASE("ParseLang accepts en and es") {
  Lang l = Lang::kEn;
  CHECK(ParseLang("es", &l));
  CHECK(l == Lang::kEs);
  CHECK(ParseLang("en", &l));
  CHECK(l == Lang::kEn);
  CHECK(!ParseLang("fr", &l));
}

TEST_CASE("The default language is the locale of messages, as POSIX looks it up") {
  CHECK(LangOfLocale(nullptr, nullptr, "es_ES.UTF-8") == Lang::kEs);
  CHECK(LangOfLocale(nullptr, nullptr, "en_GB.UTF-8") == Lang::kEn);
  CHECK(LangOfLocale(nullptr, nullptr, nullptr) == Lang::kEn);
  // LC_ALL first, then LC_MESSAGES, then LANG; an empty one is not set.
  CHECK(LangOfLocale("es_MX.UTF-8", nullptr, "en_US.UTF-8") == Lang::kEs);
  CHECK(LangOfLocale(nullptr, "es_AR.UTF-8", nullptr) == Lang::kEs);
  CHECK(LangOfLocale("", "es_ES", "C") == Lang::kEs);
  CHECK(LangOfLocale("C", "es_ES", nullptr) == Lang::kEn);
  CHECK(LangOfLocale(nullptr, "en_US", "es_ES") == Lang::kEn);
}

}  // namespace
}  // namespace smtptriage

namespace smtptriage {

TEST_CASE("docs/REASONS.md lists every reason with its family and default side", "[vocabulary]") {
  std::ifstream in(std::string(SMTPTRIAGE_SOURCE_DIR) + "/docs/REASONS.md");
  REQUIRE(in);
  // "| reason | family | default side | what the reply says |" rows, after the header row.
  std::map<std::string, std::pair<std::string, std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| ", 0) != 0 || line.rfind("| reason ", 0) == 0) continue;
    std::vector<std::string> cells;
    size_t at = 1;
    for (size_t bar = line.find('|', at); bar != std::string::npos; bar = line.find('|', at)) {
      std::string cell = line.substr(at, bar - at);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
      at = bar + 1;
    }
    REQUIRE(cells.size() == 4);
    CHECK(rows.emplace(cells[0], std::make_pair(cells[1], cells[2])).second);  // once each
  }
  CHECK(rows.size() == static_cast<size_t>(kReasonCount));
  for (int i = 0; i < kReasonCount; ++i) {
    Reason r = static_cast<Reason>(i);
    INFO(ToString(r));
    auto it = rows.find(std::string(ToString(r)));
    REQUIRE(it != rows.end());
    CHECK(it->second.first == ToString(FamilyOf(r)));
    CHECK(it->second.second == ToString(DefaultSideOf(r)));
  }
}

}  // namespace smtptriage
