#include "smtptriage/rules_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace smtptriage {
namespace {

using nlohmann::json;

const std::set<std::string> kRuleKeys = {"id",          "tier",   "match",   "reason",
                                         "side",        "retry",  "explanation", "checks",
                                         "samples",     "note"};
const std::set<std::string> kMatchKeys = {"code", "enhanced", "text", "stage", "log"};
const std::set<std::string> kSampleKeys = {"reply", "stage", "log"};
const std::set<std::string> kTextKeys = {"en", "es"};

// Collects the problems of one rule with the `file: rule "id": ` prefix.
class RuleProblems {
 public:
  RuleProblems(std::string_view label, std::string name, std::vector<std::string>* out)
      : prefix_(std::string(label) + ": rule " + std::move(name) + ": "), out_(out) {}
  void Add(const std::string& what) {
    out_->push_back(prefix_ + what);
    ++count_;
  }
  int count() const { return count_; }

 private:
  std::string prefix_;
  std::vector<std::string>* out_;
  int count_ = 0;
};

void CheckKeys(const json& obj, const std::set<std::string>& allowed, const std::string& where,
               RuleProblems* p) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!allowed.count(it.key())) p->Add("unknown key \"" + it.key() + "\"" + where);
  }
}

bool ValidId(const std::string& id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool ParseCode(const std::string& s, RuleMatch* m) {
  if (s.size() != 3 || (s[0] != '4' && s[0] != '5' && s[0] != '2')) return false;
  if (s[1] == 'x' && s[2] == 'x') {
    m->code_class = s[0] - '0';
    return true;
  }
  if (!std::isdigit(static_cast<unsigned char>(s[1])) ||
      !std::isdigit(static_cast<unsigned char>(s[2]))) {
    return false;
  }
  m->code = std::stoi(s);
  return true;
}

// "5.7.1" (exact), "5.7." or "5." (prefix).
bool ValidEnhanced(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    size_t digits = i - start;
    if (digits == 0 || digits > 3 || (parts == 0 && digits != 1)) return false;
    ++parts;
    if (i == s.size()) return parts == 3;
    if (s[i] != '.' || parts == 3) return false;
    ++i;
  }
  return parts >= 1 && parts < 3;  // ended with a dot: a prefix
}

// A string or a list of strings, each parsed with `parse` into a bit mask.
template <typename ParseFn>
uint32_t ParseMask(const json& v, const char* key, ParseFn parse, RuleProblems* p) {
  std::vector<json> items;
  if (v.is_string()) {
    items.push_back(v);
  } else if (v.is_array() && !v.empty()) {
    items.assign(v.begin(), v.end());
  } else {
    p->Add(std::string("\"") + key + "\" must be a name or a non-empty list of names");
    return 0;
  }
  uint32_t mask = 0;
  for (const json& item : items) {
    auto parsed = item.is_string() ? parse(item.get<std::string>()) : decltype(parse("")){};
    if (!parsed) {
      p->Add(std::string("unknown ") + key + " " + item.dump());
      continue;
    }
    mask |= 1u << static_cast<int>(*parsed);
  }
  return mask;
}

std::optional<LogKind> ParseRuleLog(std::string_view s) {
  auto k = ParseLogKind(s);
  if (k && *k == LogKind::kUnknown) return std::nullopt;
  return k;
}

void ParseMatch(const json& m, RuleMatch* out, RuleProblems* p) {
  if (!m.is_object()) {
    p->Add("\"match\" must be an object");
    return;
  }
  CheckKeys(m, kMatchKeys, " in \"match\"", p);
  if (m.contains("code")) {
    if (!m["code"].is_string() || !ParseCode(m["code"].get<std::string>(), out)) {
      p->Add("\"code\" must be a reply code such as \"550\" or a class \"4xx\"/\"5xx\", got " +
             m["code"].dump());
    }
  }
  if (m.contains("enhanced")) {
    if (!m["enhanced"].is_string() || !ValidEnhanced(m["enhanced"].get<std::string>())) {
      p->Add("\"enhanced\" must be an enhanced code such as \"5.7.1\" or a prefix such as "
             "\"5.7.\", got " + m["enhanced"].dump());
    } else {
      out->enhanced = m["enhanced"].get<std::string>();
    }
  }
  if (m.contains("text")) {
    if (!m["text"].is_string() || m["text"].get<std::string>().empty()) {
      p->Add("\"text\" must be a non-empty RE2 pattern");
    } else {
      out->text = m["text"].get<std::string>();
    }
  }
  if (m.contains("stage")) out->stages = ParseMask(m["stage"], "stage", ParseStage, p);
  if (m.contains("log")) out->logs = ParseMask(m["log"], "log", ParseRuleLog, p);
  if (!m.contains("code") && !m.contains("enhanced") && !m.contains("text")) {
    p->Add("\"match\" needs at least one of \"code\", \"enhanced\", \"text\"");
  }
}

bool ParseText(const json& v, const std::string& what, LocalizedText* out, RuleProblems* p) {
  if (!v.is_object()) {
    p->Add(what + " must be an object {\"en\": ..., \"es\": ...}");
    return false;
  }
  CheckKeys(v, kTextKeys, " in " + what, p);
  bool ok = true;
  for (const char* lang : {"en", "es"}) {
    if (!v.contains(lang) || !v[lang].is_string() || v[lang].get<std::string>().empty()) {
      p->Add(what + ": missing " + lang + " text");
      ok = false;
    }
  }
  if (ok) {
    out->en = v["en"].get<std::string>();
    out->es = v["es"].get<std::string>();
  }
  return ok;
}

void ParseSamples(const json& v, Rule* rule, RuleProblems* p) {
  if (!v.is_array() || v.empty()) {
    p->Add("\"samples\" must be a non-empty list of replies the rule must match");
    return;
  }
  for (const json& s : v) {
    RuleSample sample;
    if (s.is_string()) {
      sample.reply = s.get<std::string>();
    } else if (s.is_object() && s.contains("reply") && s["reply"].is_string()) {
      CheckKeys(s, kSampleKeys, " in a sample", p);
      sample.reply = s["reply"].get<std::string>();
      if (s.contains("stage")) {
        auto st = s["stage"].is_string() ? ParseStage(s["stage"].get<std::string>()) : std::nullopt;
        if (!st) p->Add("sample: unknown stage " + s["stage"].dump());
        else sample.stage = *st;
      }
      if (s.contains("log")) {
        auto lk = s["log"].is_string() ? ParseRuleLog(s["log"].get<std::string>()) : std::nullopt;
        if (!lk) p->Add("sample: unknown log " + s["log"].dump());
        else sample.log = *lk;
      }
    } else {
      p->Add("a sample must be a string or an object with \"reply\"");
      continue;
    }
    if (sample.reply.empty()) p->Add("empty sample");
    rule->samples.push_back(std::move(sample));
  }
}

void ParseTier(const json& r, bool site, Rule* rule, RuleProblems* p) {
  std::string implied = DefaultTier(rule->match);
  if (r.contains("tier") && !r["tier"].is_string()) p->Add("\"tier\" must be a string");
  std::string tier = r.contains("tier") && r["tier"].is_string() ? r["tier"].get<std::string>()
                                                                  : implied;
  if (site) {
    rule->tier = "site";
    return;
  }
  if (implied == "specific") {
    if (tier != "specific" && tier != "generic") {
      p->Add("a rule with \"text\" must have tier \"specific\" or \"generic\", not \"" + tier +
             "\"");
    }
  } else if (tier != implied) {
    p->Add("a rule without \"text\" " +
           std::string(implied == "enhanced" ? "but with \"enhanced\"" : "and \"enhanced\"") +
           " has tier \"" + implied + "\", not \"" + tier + "\"");
  }
  rule->tier = tier;
}

void ParseOneRule(const json& r, size_t index, std::string_view label, bool site,
                  std::vector<Rule>* out, std::vector<std::string>* problems) {
  std::string name = "#" + std::to_string(index + 1);
  if (r.is_object() && r.contains("id") && r["id"].is_string()) {
    name = "\"" + r["id"].get<std::string>() + "\"";
  }
  RuleProblems p(label, name, problems);
  if (!r.is_object()) {
    p.Add("a rule must be a JSON object");
    return;
  }
  CheckKeys(r, kRuleKeys, "", &p);
  Rule rule;
  rule.file = std::string(label);
  for (const char* key : {"id", "match", "reason", "retry", "explanation", "checks", "samples"}) {
    if (!r.contains(key)) p.Add(std::string("missing \"") + key + "\"");
  }
  if (r.contains("id")) {
    if (!r["id"].is_string() || !ValidId(r["id"].get<std::string>())) {
      p.Add("\"id\" must be a non-empty string of letters, digits, '.', '_' and '-'");
    } else {
      rule.id = r["id"].get<std::string>();
    }
  }
  if (r.contains("match")) ParseMatch(r["match"], &rule.match, &p);
  ParseTier(r, site, &rule, &p);
  if (r.contains("reason")) {
    auto reason = r["reason"].is_string() ? ParseReason(r["reason"].get<std::string>())
                                          : std::nullopt;
    if (!reason) {
      p.Add("unknown reason " + r["reason"].dump() + " (see docs/REASONS.md)");
    } else {
      rule.reason = *reason;
      rule.family = FamilyOf(*reason);
      rule.side = DefaultSideOf(*reason);
    }
  }
  if (r.contains("side")) {
    auto side = r["side"].is_string() ? ParseSide(r["side"].get<std::string>()) : std::nullopt;
    if (!side) p.Add("unknown side " + r["side"].dump() + " (remote, local or either)");
    else rule.side = *side;
  }
  if (r.contains("retry")) {
    auto retry = r["retry"].is_string() ? ParseRetry(r["retry"].get<std::string>())
                                        : std::nullopt;
    if (!retry) p.Add("unknown retry " + r["retry"].dump() + " (permanent or transient)");
    else rule.retry = *retry;
  }
  if (r.contains("explanation"))
    ParseText(r["explanation"], "\"explanation\"", &rule.explanation, &p);
  if (r.contains("checks")) {
    if (!r["checks"].is_array() || r["checks"].empty()) {
      p.Add("\"checks\" must be a non-empty list of {\"en\", \"es\"} objects");
    } else {
      for (size_t i = 0; i < r["checks"].size(); ++i) {
        LocalizedText t;
        if (ParseText(r["checks"][i], "check " + std::to_string(i + 1), &t, &p)) {
          rule.checks.push_back(std::move(t));
        }
      }
    }
  }
  if (r.contains("note") && !r["note"].is_string()) p.Add("\"note\" must be a string");
  if (r.contains("samples")) ParseSamples(r["samples"], &rule, &p);
  if (p.count() == 0) {
    out->push_back(std::move(rule));
    return;
  }
  // A rule left out for the problems above: its pattern is checked here all the same, so that
  // one pass of `rules check` lists what it can. (Its samples need the rule set.)
  if (!rule.match.text.empty()) {
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    RE2 re(rule.match.text, o);
    if (!re.ok()) p.Add("invalid RE2 pattern: " + re.error());
  }
  p.Add("its samples are tried once the problems above are fixed");
}

// "file:LINE: " for a byte offset of a JSON syntax error.
std::string LineOf(std::string_view data, size_t byte) {
  byte = std::min(byte, data.size());
  return std::to_string(1 + std::count(data.begin(), data.begin() + byte, '\n'));
}

}  // namespace

std::string DefaultTier(const RuleMatch& m) {
  if (!m.text.empty()) return "specific";
  if (!m.enhanced.empty()) return "enhanced";
  return "class";
}

void ParseRuleFile(std::string_view label, std::string_view data, bool site,
                   std::vector<Rule>* out, std::vector<std::string>* problems) {
  json doc;
  try {
    doc = json::parse(data.begin(), data.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    size_t cut = what.find("] ");
    if (cut != std::string::npos) what = what.substr(cut + 2);
    problems->push_back(std::string(label) + ":" + LineOf(data, e.byte) + ": invalid JSON: " +
                        what);
    return;
  }
  std::string prefix = std::string(label) + ": ";
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array()) {
    problems->push_back(prefix + "expected an object {\"rules\": [...]}");
    return;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "rules" && it.key() != "$schema" && it.key() != "description") {
      problems->push_back(prefix + "unknown top-level key \"" + it.key() + "\"");
    }
  }
  for (size_t i = 0; i < doc["rules"].size(); ++i) {
    ParseOneRule(doc["rules"][i], i, label, site, out, problems);
  }
}

Status ListRuleFiles(const std::string& dir, std::vector<std::string>* paths) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Status::NotFound(dir + ": cannot read the rules folder: " + ec.message());
  for (const auto& entry : it) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) {
      paths->push_back(entry.path().string());
    }
  }
  std::sort(paths->begin(), paths->end());
  if (paths->empty()) return Status::NotFound(dir + ": no *.json rule files in this folder");
  return Status::Ok();
}

Status ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Io(path + ": read error");
  *out = ss.str();
  return Status::Ok();
}

}  // namespace smtptriage
