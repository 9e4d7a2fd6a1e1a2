// Telling what an investigation target is: a session id, an IP address, an address (or a
// Message-ID, which has the same form) or a domain.
#include <algorithm>
#include <cctype>

#include "smtptriage/investigation.h"
#include "smtptriage/smtp_text.h"

namespace smtptriage {
namespace {

bool AllHex(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// An IPv4 address (four numbers up to 255) or an IPv6 one (hex groups and colons, perhaps an
// IPv4 tail), as a log's endpoints give them.
bool LooksLikeIp(const std::string& text) {
  int parts = 0, value = -1;
  bool v4 = !text.empty();
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      value = std::min((value < 0 ? 0 : value) * 10 + (c - '0'), 256);  // (past 255: not v4)
      v4 = v4 && value <= 255;
    } else if (c == '.' && value >= 0) {
      ++parts;
      value = -1;
    } else {
      v4 = false;
    }
  }
  if (v4 && parts == 3 && value >= 0) return true;
  if (std::count(text.begin(), text.end(), ':') < 2) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
  });
}

// An IP address may be given as a log writes an IPv6 one, in brackets.
std::string Unbracketed(const std::string& text) {
  return text.size() > 2 && text.front() == '[' && text.back() == ']'
             ? text.substr(1, text.size() - 2)
             : text;
}

}  // namespace

std::string TargetProblem(const std::string& text) {
  // Exchange's session ids are 16 hexadecimal digits; a domain is not all hex digits.
  if (AllHex(text) && text.size() >= 8 && text.size() != 16) {
    return "'" + text + "' looks like a session id, but has " + std::to_string(text.size()) +
           " hexadecimal digits (a session id has 16)";
  }
  // Without an @ and not an IP address, a domain: letters (any script), digits, hyphens,
  // dots and underscores only.
  const bool name = std::all_of(text.begin(), text.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u >= 0x80 || c == '-' || c == '.' || c == '_';
  });
  if (text.find('@') == std::string::npos && !LooksLikeIp(Unbracketed(text)) &&
      (text.empty() || !name)) {
    return "'" + text + "' is not a domain, an email address, a Message-ID, an IP address or a "
           "session id";
  }
  return "";
}

Target ParseTarget(const std::string& text) {
  Target t;
  t.written = text;
  const std::string ip = Unbracketed(text);
  if (text.size() == 16 && AllHex(text)) {
    t.kind = Target::Kind::kSession;
    t.value = text;
    for (char& c : t.value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (LooksLikeIp(ip)) {
    t.kind = Target::Kind::kIp;
    t.value = ToLower(ip);
  } else {
    t.kind = text.find('@') != std::string::npos ? Target::Kind::kAddress : Target::Kind::kDomain;
    if (text.size() >= 2 && text.front() == '<' && text.back() == '>') {
      t.written = text.substr(1, text.size() - 2);
    }
    t.value = ToLower(t.written);
  }
  return t;
}

}  // namespace smtptriage
