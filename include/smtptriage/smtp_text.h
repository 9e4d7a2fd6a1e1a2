// Small text helpers for SMTP protocol rows: command stages, addresses, domains, endpoints,
// banners and the information rows Exchange writes. Pure functions; returned views point into
// the argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smtptriage/session.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}
bool IStartsWith(std::string_view s, std::string_view prefix);
std::string ToLower(std::string_view s);

// FNV-1a, for keys made of text.
uint64_t HashText(std::string_view s);

// "192.0.2.1:25" -> ("192.0.2.1", 25); "[2001:db8::1]:25" and "2001:db8::1:25" -> the address
// without brackets, port from after the last ':'. A value with no port gives port 0.
void SplitEndpoint(std::string_view ep, std::string* ip, int* port);

// The stage of a command line ("RCPT TO:<a@b>" -> kRcpt). For BDAT, *last_chunk tells whether
// it carries LAST (only then does its reply end the message).
Stage StageOfCommand(std::string_view command, bool* last_chunk);

// The address in "MAIL FROM:<a@b> SIZE=1" / "RCPT TO:<a@b>" (without <>; "" for the null sender).
std::string ExtractAddress(std::string_view command);
// The lower-cased domain of an address ("" when there is no '@').
std::string DomainOf(std::string_view address);
// The name given to EHLO/HELO.
std::string_view ExtractEhloName(std::string_view command);
// The host named in a 220 banner ("220 mx.example.com ESMTP ..." -> "mx.example.com").
std::string_view BannerHost(std::string_view banner);
// "Destination domain: example.com," inside a Failed to connect row (lower case, "" if none).
std::string ExtractDestinationDomain(std::string_view info);

// Appends one row of a multi-line reply to `out`: the first row whole (its '-' made a space),
// later rows without their repeated code and enhanced code.
void AppendReplyLine(std::string* out, std::string_view row, bool continuing);

// The Message-ID a reply names as queued, in Exchange's words ("250 2.6.0 <id@host>
// [InternalId=...] Queued mail for delivery"), with its <>; "" for any other reply. A Receive log
// names a message nowhere else.
std::string_view QueuedMessageId(std::string_view reply);
// A Message-ID as compared: without its <>, lower case (logs and users write it either way).
std::string BareMessageId(std::string_view id);

// Starts a new message in the session from a "sending message" information row (2016+:
// context "sending message with RecordId N and InternetMessageId <id>"; 2010: data N and context
// "sending message"), or an implicit one (both empty) when MAIL FROM comes with none open.
void StartMessage(SessionRecord& rec, std::string_view data, std::string_view context);

}  // namespace smtptriage
