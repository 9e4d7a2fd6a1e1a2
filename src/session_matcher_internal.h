// The matcher's per-session state, shared by session_matcher.cc and the checkpoint code in
// session_matcher_state.cc. Internal to the library.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include "smtptriage/session_matcher.h"

namespace smtptriage {

struct SessionMatcher::Pending {
  Stage stage = Stage::kOther;
  std::string command;
  int message = -1;         // index of the message a MAIL/RCPT/DATA belongs to
  int recipient = -1;       // index into that message's recipients (RCPT TO)
  bool last_chunk = true;   // BDAT without LAST answers one chunk only
  bool end_of_data = false; // the final reply after DATA's 354
  SourceRef ref;
};

struct SessionMatcher::Open {

  Key key;
  SessionRecord rec;
  std::deque<Pending> pending;
  std::string multiline;       // a multi-line reply being collected
  bool have_reply_start = false;
  bool banner_seen = false;
  bool quit_sent = false;
  bool data_sent = false;      // the current message's content was sent, final reply awaited
  bool message_open = false;   // MAIL FROM seen for the current message
  std::optional<FailureReply> mail_failure;
  std::optional<FailureReply> last_error;  // the latest failure before any message
  std::string last_command;
  Stage last_stage = Stage::kConnect;
  TimeMs last_time = 0;
  SourceRef last_ref;
};

}  // namespace smtptriage
