#include "smtptriage/reply.h"

#include <cctype>

namespace smtptriage {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Length of an enhanced status code (class.subject.detail, RFC 3463) at s[pos], or 0. The class
// must be 2, 4 or 5; the code must not continue as a longer dotted number (an IP address).
size_t EnhancedAt(std::string_view s, size_t pos) {
  if (pos >= s.size() || (s[pos] != '2' && s[pos] != '4' && s[pos] != '5')) return 0;
  if (pos > 0 && (IsDigit(s[pos - 1]) || s[pos - 1] == '.')) return 0;
  size_t i = pos + 1;
  for (int part = 0; part < 2; ++part) {
    if (i >= s.size() || s[i] != '.') return 0;
    ++i;
    size_t digits = 0;
    while (i < s.size() && IsDigit(s[i]) && digits < 4) ++i, ++digits;
    if (digits == 0 || digits > 3) return 0;
  }
  if (i < s.size() && IsDigit(s[i])) return 0;
  if (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) return 0;
  return i - pos;
}

// The enhanced code that follows a basic code ending at `pos` ("550 5.1.1", "550-5.7.26",
// "550 #5.1.0"), or an empty view.
std::string_view EnhancedAfterCode(std::string_view s, size_t pos) {
  size_t i = pos;
  if (i < s.size() && (s[i] == ' ' || s[i] == '-')) ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && s[i] == '#') ++i;
  size_t n = EnhancedAt(s, i);
  return n ? s.substr(i, n) : std::string_view();
}

// True when s[pos..pos+3) is a basic reply code standing on its own: [245]xx, not part of a
// longer number, an IP address or a word, and followed by a space, '-', ':' or the end.
bool CodeAt(std::string_view s, size_t pos) {
  if (pos + 3 > s.size()) return false;
  if (s[pos] != '2' && s[pos] != '4' && s[pos] != '5') return false;
  if (!IsDigit(s[pos + 1]) || !IsDigit(s[pos + 2])) return false;
  if (pos > 0) {
    char p = s[pos - 1];
    if (IsAlnum(p) || p == '.' || p == ':' || p == '-' || p == '_' || p == '/' || p == '=') {
      return false;
    }
  }
  if (pos + 3 == s.size()) return true;
  char n = s[pos + 3];
  return n == ' ' || n == '-' || n == ':' || n == '\t';
}

}  // namespace

Reply ParseReply(std::string_view data) {
  Reply r;
  r.text = data;
  if (data.size() < 3 || !IsDigit(data[0]) || !IsDigit(data[1]) || !IsDigit(data[2])) return r;
  if (data.size() > 3 && IsDigit(data[3])) return r;
  r.code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
  r.continuation = data.size() > 3 && data[3] == '-';
  // Exchange writes "250 2.1.5Recipient OK" in tracking logs: the text may follow directly.
  size_t i = 3;
  if (i < data.size() && (data[i] == ' ' || data[i] == '-')) ++i;
  while (i < data.size() && data[i] == ' ') ++i;
  if (i < data.size() && IsDigit(data[i]) && i + 1 < data.size() && data[i + 1] == '.') {
    size_t start = i;
    size_t parts = 0;
    while (parts < 3) {
      size_t digits = 0;
      while (i < data.size() && IsDigit(data[i]) && digits < 4) ++i, ++digits;
      if (digits == 0 || digits > 3) break;
      ++parts;
      if (parts < 3) {
        if (i >= data.size() || data[i] != '.') break;
        ++i;
      }
    }
    if (parts == 3 && (i == data.size() || !IsDigit(data[i]))) {
      r.enhanced = data.substr(start, i - start);
    }
  }
  return r;
}

Reply FindReply(std::string_view noisy) {
  Reply r;
  r.text = noisy;
  size_t first_code = std::string_view::npos;
  for (size_t i = 0; i + 3 <= noisy.size(); ++i) {
    if (!CodeAt(noisy, i)) continue;
    std::string_view enh = EnhancedAfterCode(noisy, i + 3);
    if (!enh.empty()) {
      first_code = i;
      r.enhanced = enh;
      break;
    }
    if (first_code == std::string_view::npos) first_code = i;
  }
  if (first_code != std::string_view::npos) {
    r.code = (noisy[first_code] - '0') * 100 + (noisy[first_code + 1] - '0') * 10 +
             (noisy[first_code + 2] - '0');
    r.text = noisy.substr(first_code);
    r.continuation = first_code + 3 < noisy.size() && noisy[first_code + 3] == '-';
    if (r.enhanced.empty()) {
      // "550 ... (#5.1.1)": the enhanced code may stand further on, after the basic code.
      for (size_t i = first_code + 3; i < noisy.size(); ++i) {
        size_t n = EnhancedAt(noisy, i);
        if (n) {
          r.enhanced = noisy.substr(i, n);
          break;
        }
      }
    }
    return r;
  }
  for (size_t i = 0; i < noisy.size(); ++i) {
    size_t n = EnhancedAt(noisy, i);
    if (n) {
      r.enhanced = noisy.substr(i, n);
      r.text = noisy.substr(i);
      return r;
    }
  }
  return r;
}

}  // namespace smtptriage
