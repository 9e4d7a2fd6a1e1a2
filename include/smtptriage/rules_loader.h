// Reading rule files (rules/*.json, site files given with --rules): JSON text to Rule values,
// with every schema problem reported as `file: rule "id": what is wrong`. The format is described
// by docs/rules.schema.json and docs/RULES.md. Compiling the patterns and checking the samples
// is the classifier's part (Classifier::Load). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smtptriage/classifier.h"
#include "smtptriage/status.h"

namespace smtptriage {

// Parses one rule file. `label` names the file in messages. With `site`, every rule gets tier
// "site" (a tier written in the file is accepted and ignored, so a built-in rule can be copied
// as is). Appends the rules that are valid to `out` and one line per problem to `problems`.
void ParseRuleFile(std::string_view label, std::string_view data, bool site,
                   std::vector<Rule>* out, std::vector<std::string>* problems);

// The tier a rule's match implies when none is written: "specific" with a text pattern,
// "enhanced" with an enhanced code, else "class".
std::string DefaultTier(const RuleMatch& m);

// The *.json files of `dir`, sorted by name.
Status ListRuleFiles(const std::string& dir, std::vector<std::string>* paths);

// The whole contents of a file.
Status ReadWholeFile(const std::string& path, std::string* out);

}  // namespace smtptriage
