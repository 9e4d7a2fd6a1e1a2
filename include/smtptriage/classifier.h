// The classifier: explains a failed SMTP reply from the knowledge base in rules/ (JSON data,
// schema in docs/rules.schema.json). Rules are compiled once; Classify() is const and thread-safe
// after Load(). Precedence, first match wins: site rules (--rules FILE, in the order given), then
// "specific" text rules, then "generic" text rules, then enhanced-code rules, then basic-code
// class rules. Within a tier, rules keep file order (files sorted by name).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smtptriage/reply.h"
#include "smtptriage/status.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

enum class Lang { kEn, kEs };

struct LocalizedText {
  std::string en;
  std::string es;
  const std::string& Get(Lang lang) const { return lang == Lang::kEs && !es.empty() ? es : en; }
};

// The conditions of a rule; every condition given must hold. Empty/zero means "any".
struct RuleMatch {
  int code = 0;                    // exact basic code, e.g. 550
  int code_class = 0;              // 4 or 5 for "4xx"/"5xx"; with no basic code in the reply, the
                                   // class of its enhanced code is used
  std::string enhanced;            // "5.7.1" (exact) or "5.7." (prefix, ends with a dot)
  std::string text;                // RE2 pattern, case-insensitive, unanchored
  uint32_t stages = 0;             // bit (1 << Stage) per allowed stage; 0 = any
  uint32_t logs = 0;               // bit (1 << LogKind) per allowed log kind; 0 = any
};

// A reply a rule must classify (checked when the rules are loaded).
struct RuleSample {
  std::string reply;
  Stage stage = Stage::kOther;
  LogKind log = LogKind::kSend;
};

struct Rule {
  std::string id;
  std::string file;                // where it was loaded from ("<builtin>/name.json" for embedded)
  std::string tier;                // site | specific | generic | enhanced | class
  Reason reason = Reason::kUndetermined;
  Family family = Family::kOther;
  Side side = Side::kEither;       // the override when given, else the reason's default side
  Retry retry = Retry::kPermanent;
  LocalizedText explanation;
  std::vector<LocalizedText> checks;
  RuleMatch match;
  std::vector<RuleSample> samples;
};

// What the classifier is given: the reply, and where in the conversation it happened.
struct ReplyInput {
  int code = 0;                    // 0 = no SMTP code (e.g. a Winsock connect failure text)
  std::string_view enhanced;
  std::string_view text;           // the full reply text (code included when present)
  Stage stage = Stage::kOther;
  LogKind log = LogKind::kSend;
};

struct Classification {
  const Rule* rule = nullptr;      // never null: a built-in fallback rule answers when none match
  Reason reason = Reason::kUndetermined;
  Family family = Family::kOther;
  Side side = Side::kEither;
  Retry retry = Retry::kTransient;
};

class Classifier {
 public:
  // Loads the built-in knowledge base (embedded in the binary at build time from rules/), or
  // the *.json files of rules_dir when it is not empty, then each site file in order.
  // Validates everything; the first problems are reported as `file: rule "id": what is wrong`.
  // Every sample of a rule read from a file is classified to check it goes to its rule, and
  // every pattern is compiled on its own to check its memory budget. The embedded rules cannot
  // change after the build, so theirs are checked only when asked (`rules check` and the tests
  // do): those checks cost more than the rest of a scan's start-up.
  enum class EmbeddedSamples { kTrusted, kCheck };
  static Status Load(const std::string& rules_dir, const std::vector<std::string>& site_files,
                     std::unique_ptr<Classifier>* out,
                     EmbeddedSamples embedded = EmbeddedSamples::kTrusted);

  Classification Classify(const ReplyInput& in) const;
  // Why `c` is what Classify(in) gave, e.g. `rule smtp.blocked.spamhaus (specific): text matched
  // /spamhaus/, code 5xx` (for `explain`; a scan does not need it for every failure), in `lang`
  // after the rule's id and tier.
  std::string Why(const ReplyInput& in, const Classification& c, Lang lang = Lang::kEn) const;

  // Every rule in precedence order; the last one is the built-in fallback (id
  // "builtin.undetermined", tier "class") that answers when nothing else matches.
  const std::vector<Rule>& rules() const;
  ~Classifier();

 private:
  Classifier();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Default explanation language (--lang wins over it): the locale of messages, as POSIX looks it
// up, the first set of LC_ALL, LC_MESSAGES and LANG; one starting with "es" gives Spanish.
Lang DefaultLang();
// The same from the three values given (null or empty when not set).
Lang LangOfLocale(const char* lc_all, const char* lc_messages, const char* lang);
bool ParseLang(std::string_view s, Lang* out);

}  // namespace smtptriage
