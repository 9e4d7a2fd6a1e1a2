#include "smtptriage/classifier.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <re2/re2.h>
#include <re2/set.h>

#include "smtptriage/builtin_rules.h"
#include "smtptriage/rules_loader.h"

namespace smtptriage {
namespace {

// One pattern may use this much memory to compile; a pattern that needs more is a loader error
// (in practice a huge counted repetition such as .{1000}{1000}).
constexpr int64_t kPatternMaxMem = 8 << 20;
// The RE2::Set of all patterns, including the DFA cache it fills while matching.
constexpr int64_t kSetMaxMem = 64 << 20;
constexpr size_t kMaxProblems = 20;
// Texts whose pattern hits are remembered (then forgotten all at once, to start again), and the
// longest remembered: replies are a few hundred bytes, and a reply kept up to its 64 KiB limit
// must not make that memory 256 MiB.
constexpr size_t kMaxRemembered = 4096;
constexpr size_t kMaxRememberedText = 512;
constexpr const char* kFallbackId = "builtin.undetermined";

int TierRank(const std::string& tier) {
  static const char* const kOrder[] = {"site", "specific", "generic", "enhanced", "class"};
  for (int i = 0; i < 5; ++i) {
    if (tier == kOrder[i]) return i;
  }
  return 5;
}

RE2::Options PatternOptions(int64_t max_mem) {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false);
  o.set_max_mem(max_mem);
  return o;
}

Rule FallbackRule() {
  Rule r;
  r.id = kFallbackId;
  r.file = "<builtin>";
  r.tier = "class";
  r.reason = Reason::kUndetermined;
  r.family = Family::kOther;
  r.side = Side::kEither;
  r.retry = Retry::kTransient;
  r.explanation = {
      "No rule recognised this reply. Read the text itself: it usually names what the receiving "
      "server objected to.",
      "Ninguna regla reconoce esta respuesta. Lea el propio texto: normalmente dice qué rechazó "
      "el servidor receptor."};
  r.checks = {{"Look up the exact text of the reply on the receiving provider's postmaster or "
               "help pages.",
               "Busque el texto exacto de la respuesta en las páginas de postmaster o de ayuda "
               "del proveedor receptor."},
              {"If it recurs, write a site rule for it (docs/RULES.md) so that the next one is "
               "explained.",
               "Si se repite, escriba una regla local para ella (docs/RULES.md) para que la "
               "próxima quede explicada."}};
  return r;
}

bool EnhancedMatches(const std::string& want, std::string_view have) {
  if (want.empty()) return true;
  if (want.back() == '.') return have.size() > want.size() && have.substr(0, want.size()) == want;
  return have == want;
}

std::string Shorten(std::string_view s, size_t n) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

}  // namespace

struct Classifier::Impl {
  std::vector<Rule> rules;                     // precedence order, the fallback last
  std::vector<char> has_pattern;               // per rule: its text is in the set
  std::unique_ptr<RE2::Set> set;
  std::vector<size_t> set_rule;                // set index -> rule index
  // Each rule's pattern on its own, for the texts the set cannot answer (its DFA out of memory).
  // Those of rules read from files are compiled by Compile, which checks each against its
  // budget; the embedded ones, checked when the program was built, only when first needed.
  mutable std::vector<std::unique_ptr<RE2>> patterns;
  mutable std::once_flag patterns_once;

  // The patterns a text met, by text. Walking the set's automaton over a text costs a cache miss
  // per byte once a long scan has pushed the automaton out of the processor's caches, while the
  // same reply text recurs (a retried message, the same bounce to many recipients).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::mutex remembered_mu;
  mutable std::unordered_map<std::string, std::vector<int>, TextHash, std::equal_to<>> remembered;

  // Sets hit[rule] for every rule whose pattern `text` meets.
  void MatchPatterns(std::string_view text, std::vector<char>* hit) const;

  bool Conditions(const Rule& r, const ReplyInput& in) const;
  size_t Find(const ReplyInput& in, bool skip_site) const;
  std::string Why(size_t index, const ReplyInput& in, Lang lang) const;
  void Compile(bool check_embedded, std::vector<std::string>* problems);
  void CompileRemainingPatterns() const;
  void CheckSamples(bool embedded, std::vector<std::string>* problems) const;
};

bool Classifier::Impl::Conditions(const Rule& r, const ReplyInput& in) const {
  const RuleMatch& m = r.match;
  if (m.code && in.code != m.code) return false;
  if (m.code_class) {
    int cls = in.code ? in.code / 100 : (!in.enhanced.empty() ? in.enhanced[0] - '0' : 0);
    if (cls != m.code_class) return false;
  }
  if (!EnhancedMatches(m.enhanced, in.enhanced)) return false;
  if (m.stages && !(m.stages & (1u << static_cast<int>(in.stage)))) return false;
  if (m.logs && !(m.logs & (1u << static_cast<int>(in.log)))) return false;
  return true;
}

void Classifier::Impl::MatchPatterns(std::string_view text, std::vector<char>* hit) const {
  if (!set) return;
  const bool rememberable = text.size() <= kMaxRememberedText;
  if (rememberable) {
    std::lock_guard<std::mutex> lock(remembered_mu);
    auto it = remembered.find(text);
    if (it != remembered.end()) {
      for (int i : it->second) (*hit)[set_rule[i]] = 1;
      return;
    }
  }
  std::vector<int> v;
  RE2::Set::ErrorInfo info{};
  if (set->Match(text, &v, &info)) {
    for (int i : v) (*hit)[set_rule[i]] = 1;
  } else if (info.kind != RE2::Set::kNoError) {
    // The DFA ran out of its memory budget on this text: fall back to one pattern at a time.
    std::call_once(patterns_once, [this] { CompileRemainingPatterns(); });
    for (size_t i = 0; i < rules.size(); ++i) {
      if (patterns[i] && patterns[i]->ok()) (*hit)[i] = RE2::PartialMatch(text, *patterns[i]);
    }
    return;
  }
  if (!rememberable) return;
  std::lock_guard<std::mutex> lock(remembered_mu);
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.emplace(std::string(text), std::move(v));
}

size_t Classifier::Impl::Find(const ReplyInput& in, bool skip_site) const {
  std::vector<char> hit(rules.size(), 0);
  MatchPatterns(in.text, &hit);
  for (size_t i = 0; i + 1 < rules.size(); ++i) {
    const Rule& r = rules[i];
    if (skip_site && r.tier == "site") continue;
    if (has_pattern[i] && !hit[i]) continue;
    if (Conditions(r, in)) return i;
  }
  return rules.size() - 1;
}

namespace {

// A rule's tier (the key of rules files and of the JSON) in Spanish words.
std::string TierInSpanish(const std::string& tier) {
  if (tier == "site") return "del sitio";
  if (tier == "specific") return "específica";
  if (tier == "generic") return "genérica";
  if (tier == "enhanced") return "por código ampliado";
  if (tier == "class") return "por clase de código";
  return tier;
}

}  // namespace

std::string Classifier::Impl::Why(size_t index, const ReplyInput& in, Lang lang) const {
  const bool es = lang == Lang::kEs;
  const Rule& r = rules[index];
  std::string why = "rule " + r.id + " (" + (es ? TierInSpanish(r.tier) : r.tier) + "): ";
  if (index + 1 == rules.size()) {
    return why + (es ? "ninguna regla reconoce esta respuesta" : "no rule matched this reply");
  }
  const RuleMatch& m = r.match;
  std::vector<std::string> parts;
  if (!m.text.empty()) {
    parts.push_back((es ? "el texto coincide con /" : "text matched /") + Shorten(m.text, 80) +
                    "/");
  }
  const std::string code = es ? "código " : "code ";
  if (m.code) parts.push_back(code + std::to_string(m.code));
  if (m.code_class) {
    parts.push_back(code + std::to_string(m.code_class) + "xx" +
                    (in.code ? ""
                     : es    ? " (según el código ampliado)"
                             : " (from the enhanced code)"));
  }
  if (!m.enhanced.empty()) {
    parts.push_back((es ? "código ampliado " : "enhanced ") + m.enhanced +
                    (m.enhanced.back() == '.' ? "*" : ""));
  }
  if (m.stages) parts.push_back((es ? "etapa " : "stage ") + std::string(ToString(in.stage)));
  if (m.logs) parts.push_back((es ? "registro " : "log ") + std::string(ToString(in.log)));
  for (size_t i = 0; i < parts.size(); ++i) why += (i ? ", " : "") + parts[i];
  return why;
}

void Classifier::Impl::Compile(bool check_embedded, std::vector<std::string>* problems) {
  std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    return TierRank(a.tier) < TierRank(b.tier);
  });
  rules.push_back(FallbackRule());
  patterns.resize(rules.size());
  has_pattern.assign(rules.size(), 0);
  set = std::make_unique<RE2::Set>(PatternOptions(kSetMaxMem), RE2::UNANCHORED);
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string& text = rules[i].match.text;
    if (text.empty()) continue;
    std::string prefix = rules[i].file + ": rule \"" + rules[i].id + "\": ";
    std::unique_ptr<RE2> re;
    if (check_embedded || rules[i].file.rfind("<builtin>/", 0) != 0) {
      re = std::make_unique<RE2>(text, PatternOptions(kPatternMaxMem));
    }
    if (re && !re->ok()) {
      bool big = re->error_code() == RE2::ErrorPatternTooLarge;
      problems->push_back(prefix + (big ? "text pattern exceeds the memory budget of " +
                                              std::to_string(kPatternMaxMem >> 20) + " MB"
                                        : "invalid RE2 pattern: " + re->error()));
      continue;
    }
    std::string error;
    if (set->Add(text, &error) < 0) {
      problems->push_back(prefix + "invalid RE2 pattern: " + error);
      continue;
    }
    set_rule.push_back(i);
    has_pattern[i] = 1;
    patterns[i] = std::move(re);
  }
  if (!set_rule.empty() && !set->Compile()) {
    problems->push_back("<rules>: the patterns together exceed the memory budget of " +
                        std::to_string(kSetMaxMem >> 20) + " MB");
  }
  if (set_rule.empty()) set.reset();
}

void Classifier::Impl::CompileRemainingPatterns() const {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (has_pattern[i] && !patterns[i]) {
      patterns[i] = std::make_unique<RE2>(rules[i].match.text, PatternOptions(kPatternMaxMem));
    }
  }
}

void Classifier::Impl::CheckSamples(bool embedded, std::vector<std::string>* problems) const {
  for (size_t i = 0; i + 1 < rules.size(); ++i) {
    const Rule& r = rules[i];
    if (!embedded && r.file.rfind("<builtin>/", 0) == 0) continue;
    for (const RuleSample& s : r.samples) {
      Reply reply = FindReply(s.reply);
      ReplyInput in{reply.code, reply.enhanced, s.reply, s.stage, s.log};
      // Site rules are meant to take built-in samples over; they only compete among themselves.
      size_t got = Find(in, r.tier != "site");
      if (got == i) continue;
      const Rule& other = rules[got];
      std::string what = got < i ? "is taken by rule \"" + other.id + "\" (" + other.tier +
                                       ", " + other.file + ") of higher precedence"
                                 : "is not matched by this rule (it goes to \"" + other.id +
                                       "\")";
      problems->push_back(r.file + ": rule \"" + r.id + "\": sample \"" + Shorten(s.reply, 100) +
                          "\" " + what);
    }
  }
}

Classifier::Classifier() : impl_(std::make_unique<Impl>()) {}
Classifier::~Classifier() = default;

const std::vector<Rule>& Classifier::rules() const { return impl_->rules; }

Classification Classifier::Classify(const ReplyInput& in) const {
  size_t i = impl_->Find(in, false);
  const Rule& r = impl_->rules[i];
  Classification c;
  c.rule = &r;
  c.reason = r.reason;
  c.family = r.family;
  c.side = r.side;
  c.retry = r.retry;
  // Whether the sending server tries again is the reply's class, whatever the words: Exchange
  // gives up on a 5xx (an NDR follows) and retries a 4xx. A rule's own value is for what has no
  // code (a Winsock error, a lost connection), and for an expiry: the notice that retrying has
  // ended ("4.4.7 QUEUE.Expired"), whose class is that of the last error met.
  const int cls = in.code ? in.code / 100 : (!in.enhanced.empty() ? in.enhanced[0] - '0' : 0);
  const bool expired = r.reason == Reason::kExpired && r.retry == Retry::kPermanent;
  if (cls == 5 && !expired) c.retry = Retry::kPermanent;
  if (cls == 4 && !expired) c.retry = Retry::kTransient;
  return c;
}

std::string Classifier::Why(const ReplyInput& in, const Classification& c, Lang lang) const {
  return impl_->Why(static_cast<size_t>(c.rule - impl_->rules.data()), in, lang);
}

namespace {

std::string JoinProblems(const std::vector<std::string>& problems) {
  std::string msg;
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i) {
    msg += (i ? "\n" : "") + problems[i];
  }
  if (problems.size() > kMaxProblems) {
    msg += "\n... and " + std::to_string(problems.size() - kMaxProblems) + " more problems";
  }
  return msg;
}

void CheckDuplicates(const std::vector<Rule>& rules, std::vector<std::string>* problems) {
  std::vector<const Rule*> sorted;
  for (const Rule& r : rules) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Rule* a, const Rule* b) { return a->id < b->id; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->id == sorted[i - 1]->id) {
      problems->push_back(sorted[i]->file + ": rule \"" + sorted[i]->id +
                          "\": duplicate id (also in " + sorted[i - 1]->file + ")");
    }
  }
}

}  // namespace

Status Classifier::Load(const std::string& rules_dir, const std::vector<std::string>& site_files,
                        std::unique_ptr<Classifier>* out, EmbeddedSamples embedded) {
  std::unique_ptr<Classifier> c(new Classifier());
  std::vector<std::string> problems;
  if (rules_dir.empty()) {
    for (size_t i = 0; i < kBuiltinRuleFileCount; ++i) {
      const BuiltinRuleFile& f = kBuiltinRuleFiles[i];
      ParseRuleFile(std::string("<builtin>/") + f.name, std::string_view(f.data, f.size), false,
                    &c->impl_->rules, &problems);
    }
  } else {
    std::vector<std::string> paths;
    Status s = ListRuleFiles(rules_dir, &paths);
    if (!s.ok()) return s;
    for (const std::string& p : paths) {
      std::string data;
      s = ReadWholeFile(p, &data);
      if (!s.ok()) return s;
      ParseRuleFile(p, data, false, &c->impl_->rules, &problems);
    }
  }
  for (const std::string& p : site_files) {
    std::string data;
    Status s = ReadWholeFile(p, &data);
    if (!s.ok()) return s;
    ParseRuleFile(p, data, true, &c->impl_->rules, &problems);
  }
  CheckDuplicates(c->impl_->rules, &problems);
  c->impl_->Compile(embedded == EmbeddedSamples::kCheck, &problems);
  if (problems.empty()) {
    c->impl_->CheckSamples(embedded == EmbeddedSamples::kCheck, &problems);
  }
  if (!problems.empty()) return Status::Invalid(JoinProblems(problems));
  *out = std::move(c);
  return Status::Ok();
}

Lang LangOfLocale(const char* lc_all, const char* lc_messages, const char* lang) {
  for (const char* v : {lc_all, lc_messages, lang}) {
    if (v == nullptr || v[0] == '\0') continue;
    return (v[0] == 'e' || v[0] == 'E') && (v[1] == 's' || v[1] == 'S') ? Lang::kEs : Lang::kEn;
  }
  return Lang::kEn;
}

Lang DefaultLang() {
  return LangOfLocale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
}

bool ParseLang(std::string_view s, Lang* out) {
  if (s == "en" || s == "EN") {
    *out = Lang::kEn;
    return true;
  }
  if (s == "es" || s == "ES") {
    *out = Lang::kEs;
    return true;
  }
  return false;
}

}  // namespace smtptriage
