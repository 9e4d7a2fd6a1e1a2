// Parsing of SMTP replies: "550 5.1.1 <a@b>: Recipient address rejected", "250-SIZE", and the
// noisy renderings a help desk pastes from an NDR ("Remote Server returned '550 4.4.7 ...'",
// "smtp; 550 ..."). Returned views point into the input and live as long as it does.
// Pure functions, thread-safe.
#pragma once

#include <string_view>

namespace smtptriage {

struct Reply {
  int code = 0;                  // 3-digit basic code, 0 when none was found
  std::string_view enhanced;     // "5.1.1", empty when none
  std::string_view text;         // the whole reply as found, starting at the code when present
  bool continuation = false;     // "250-..." (more lines follow)
};

// Parses a reply as it stands in a protocol log's data field: the code is the first three
// characters, the enhanced code the next token when it matches \d\.\d{1,3}\.\d{1,3}.
Reply ParseReply(std::string_view data);

// Finds the reply inside free text (NDR bodies, tracking statuses, "smtp; 550 ..."): the first
// 3-digit code in [245]xx that stands alone (not inside a number, an IP address or a word) and is
// followed by a space, '-', ':' or the end, preferring one followed by an enhanced code ("550
// 5.1.1", "550-5.7.26", "550 #5.1.0"); else an enhanced code alone ("4.4.1 connect to ...",
// "(#5.1.2)"); else no code (the text is kept whole). With a basic code but no enhanced code right
// after it, the first enhanced code further on is taken.
Reply FindReply(std::string_view noisy);

}  // namespace smtptriage
