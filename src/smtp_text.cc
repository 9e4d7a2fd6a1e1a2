#include "smtptriage/smtp_text.h"

#include <cctype>

namespace smtptriage {

std::string_view ToString(Direction d) {
  switch (d) {
    case Direction::kOutbound: return "outbound";
    case Direction::kInbound: return "inbound";
    case Direction::kInternal: return "internal";
  }
  return "outbound";
}

namespace {

// SMTP commands, domains and addresses are compared in ASCII, whatever the locale (and
// without a call per character, which the matcher's hot path felt).
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

bool IStartsWith(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[i]) != AsciiLower(prefix[i])) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

uint64_t HashText(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

void SplitEndpoint(std::string_view ep, std::string* ip, int* port) {
  *port = 0;
  std::string_view host = ep;
  std::string_view port_text;
  if (!ep.empty() && ep.front() == '[') {
    size_t close = ep.find(']');
    host = ep.substr(1, close == std::string_view::npos ? ep.size() - 1 : close - 1);
    if (close != std::string_view::npos && close + 1 < ep.size() && ep[close + 1] == ':') {
      port_text = ep.substr(close + 2);
    }
  } else if (size_t colon = ep.rfind(':'); colon != std::string_view::npos) {
    // IPv4 "a.b.c.d:port"; a bare IPv6 address with a port is written "2001:db8::1:25" and is
    // read, like the IPv4 form, from the last ':'.
    host = ep.substr(0, colon);
    port_text = ep.substr(colon + 1);
  }
  int v = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || v > 65535) {
      v = -1;
      break;
    }
    v = v * 10 + (c - '0');
  }
  if (v < 0 || port_text.empty()) {
    host = ep;  // not a port after all
    v = 0;
  }
  *port = v;
  ip->assign(host);
}

Stage StageOfCommand(std::string_view c, bool* last_chunk) {
  *last_chunk = true;
  if (IStartsWith(c, "RCPT")) return Stage::kRcpt;
  if (IStartsWith(c, "MAIL")) return Stage::kMail;
  if (IStartsWith(c, "EHLO") || IStartsWith(c, "HELO")) return Stage::kEhlo;
  if (IStartsWith(c, "BDAT")) {
    *last_chunk = c.find("LAST") != std::string_view::npos ||
                  c.find("last") != std::string_view::npos;
    return Stage::kData;
  }
  if (IStartsWith(c, "DATA")) return Stage::kData;
  if (IStartsWith(c, "STARTTLS") || IStartsWith(c, "X-ANONYMOUSTLS")) return Stage::kStarttls;
  if (IStartsWith(c, "AUTH") || IStartsWith(c, "X-EXPS")) return Stage::kAuth;
  if (IStartsWith(c, "RSET")) return Stage::kRset;
  if (IStartsWith(c, "QUIT")) return Stage::kQuit;
  return Stage::kOther;
}

std::string ExtractAddress(std::string_view c) {
  size_t colon = c.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view rest = c.substr(colon + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == '<') {
    size_t close = rest.find('>');
    return std::string(
        rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
  }
  size_t sp = rest.find(' ');
  return std::string(rest.substr(0, sp));
}

std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  return ToLower(address.substr(at + 1));
}

std::string_view ExtractEhloName(std::string_view c) {
  if (c.size() <= 5) return {};
  std::string_view rest = c.substr(5);
  size_t sp = rest.find(' ');
  return rest.substr(0, sp);
}

std::string_view BannerHost(std::string_view b) {
  if (b.size() <= 4) return {};
  std::string_view rest = b.substr(4);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  size_t sp = rest.find(' ');
  return rest.substr(0, sp);
}

std::string ExtractDestinationDomain(std::string_view info) {
  constexpr std::string_view kTag = "Destination domain: ";
  size_t at = info.find(kTag);
  if (at == std::string_view::npos) return {};
  std::string_view rest = info.substr(at + kTag.size());
  size_t end = rest.find_first_of(", ");
  return ToLower(rest.substr(0, end));
}

void AppendReplyLine(std::string* out, std::string_view row, bool continuing) {
  if (!continuing) {
    out->assign(row);
    if (out->size() > 3 && (*out)[3] == '-') (*out)[3] = ' ';
    return;
  }
  // Drop the repeated "550-5.7.25 " (code, separator, enhanced code) of the next lines.
  std::string_view rest = row;
  if (rest.size() >= 4 && std::isdigit(static_cast<unsigned char>(rest[0])) &&
      (rest[3] == '-' || rest[3] == ' ')) {
    rest.remove_prefix(4);
    size_t sp = rest.find(' ');
    std::string_view token = rest.substr(0, sp);
    if (token.size() >= 5 && std::isdigit(static_cast<unsigned char>(token[0])) &&
        token[1] == '.') {
      rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
    }
  }
  if (out->size() < kMaxReplyText) {
    out->push_back(' ');
    out->append(rest);
  }
}

std::string_view QueuedMessageId(std::string_view reply) {
  constexpr std::string_view kQueued = "250 2.6.0 <";
  if (!StartsWith(reply, kQueued)) return "";
  std::string_view id = reply.substr(kQueued.size() - 1);
  size_t end = id.find('>');
  if (end == std::string_view::npos || id.substr(0, end).find('@') == std::string_view::npos) {
    return "";
  }
  return id.substr(0, end + 1);
}

std::string BareMessageId(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return ToLower(id);
}

void StartMessage(SessionRecord& rec, std::string_view data, std::string_view context) {
  MessageOutcome m;
  constexpr std::string_view kRecord = "RecordId ";
  constexpr std::string_view kMessageId = "InternetMessageId ";
  size_t at = context.find(kRecord);
  if (at != std::string_view::npos) {
    std::string_view rest = context.substr(at + kRecord.size());
    m.record_id = std::string(rest.substr(0, rest.find(' ')));
  } else if (!data.empty()) {
    m.record_id = std::string(data);  // Exchange 2010: "*,729,sending message"
  }
  at = context.find(kMessageId);
  if (at != std::string_view::npos) {
    std::string_view rest = context.substr(at + kMessageId.size());
    m.message_id = std::string(rest.substr(0, rest.find(' ')));
  }
  rec.messages.push_back(std::move(m));
}

}  // namespace smtptriage
