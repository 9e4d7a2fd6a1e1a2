// Words both renderings of an investigation use (investigation_report.cc for text,
// investigation_json.cc for JSON). Internal to the library.
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

}  // namespace smtptriage::investigation_words
