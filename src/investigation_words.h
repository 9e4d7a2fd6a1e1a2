// Words both renderings of an investigation use (investigation_report.cc for text,
// investigation_json.cc for JSON), and its verdict's (investigation_verdict.cc). Internal to
// the library.
#pragma once

#include <string>

#include "smtptriage/investigation.h"

namespace smtptriage::investigation_words {

// The kind of target: its JSON name, which English text uses too, or the Spanish for "of ...".
const char* KindName(Target::Kind k, Lang lang = Lang::kEn);

// A target as it was given (a Message-ID's case is its own), or as it is matched when it was
// made without ParseTarget.
const std::string& Written(const Target& t);

// What became of a message's recipient in one session: its JSON name, or the words for it.
std::string Outcome(const MessageRecipient& m, Lang lang, bool json = false);

// Sets r->verdict and its sentence, in both languages, from the counts Finish made (close_names
// found already). `period_asked`: --since or --until was given.
void SayVerdict(double local_share, bool period_asked, InvestigationResult* r);

}  // namespace smtptriage::investigation_words
