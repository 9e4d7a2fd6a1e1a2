#include "smtptriage/event_parser.h"

#include <algorithm>
#include <charconv>
#include <cstring>

// (64-bit x86 only: the id leaves the vector register as one 64-bit integer)
#if (defined(__SSE2__) && defined(__x86_64__)) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_EVENT_SSE2 1
#endif

#include "smtptriage/session.h"

namespace smtptriage {

const std::array<std::string_view, kProtocolFieldCount> kProtocolFieldNames = {
    "date-time",      "connector-id",    "session-id", "sequence-number", "local-endpoint",
    "remote-endpoint", "event",          "data",       "context",
};

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The value of a hexadecimal digit, or 0xFF.
constexpr std::array<uint8_t, 256> kHexValue = [] {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = 0xFF;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<uint8_t>(c - 'A' + 10);
  return t;
}();

#ifdef SMTPTRIAGE_EVENT_SSE2
// Exchange's own form, 16 hexadecimal digits of either case, in one pass; false for any other
// character (then the digits go one at a time below, and other text is hashed).
bool ParseHex16(const char* p, uint64_t* out) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i zero = _mm_setzero_si128();
  const __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));  // 0-9 for '0'-'9'
  // 0-5 for 'a'-'f' and 'A'-'F'
  const __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_subs_epu8(digit, _mm_set1_epi8(9)), zero);
  const __m128i is_letter = _mm_cmpeq_epi8(_mm_subs_epu8(letter, _mm_set1_epi8(5)), zero);
  if (_mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) != 0xFFFF) return false;
  const __m128i nibble =
      _mm_or_si128(_mm_and_si128(is_digit, digit),
                   _mm_andnot_si128(is_digit, _mm_add_epi8(letter, _mm_set1_epi8(10))));
  // Each pair of digits into one byte (the first one high), then the eight bytes in order.
  const __m128i pairs = _mm_and_si128(
      _mm_or_si128(_mm_slli_epi16(nibble, 4), _mm_srli_epi16(nibble, 8)), _mm_set1_epi16(0xFF));
  uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs)));
#if defined(_MSC_VER)
  *out = _byteswap_uint64(bytes);
#else
  *out = __builtin_bswap64(bytes);
#endif
  return true;
}
#endif

uint64_t ParseSessionId(std::string_view s) {
#ifdef SMTPTRIAGE_EVENT_SSE2
  uint64_t id = 0;
  if (s.size() == 16 && ParseHex16(s.data(), &id)) return id;
#endif
  if (s.size() <= 16 && !s.empty()) {
    uint64_t v = 0;
    unsigned bad = 0;
    for (char c : s) {
      unsigned d = kHexValue[static_cast<unsigned char>(c)];
      bad |= d;
      v = v << 4 | (d & 0xF);
    }
    if (bad <= 0xF) return v;
  }
  // Not a 16-digit hex id: FNV-1a of the text, with the top bit set so it never looks like an
  // all-zero id.
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h | (1ull << 63);
}

bool IsEventType(std::string_view e) {
  if (e.size() != 1) return false;
  switch (e[0]) {
    case '+': case '-': case '<': case '>': case '*': return true;
    default: return false;
  }
}

// A decimal sequence number; -1 when empty, not a number, or too long.
int64_t ParseSequence(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t n = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// A message tracking row: a timestamp first and the 21 to 30 columns of that log.
bool LooksLikeTracking(std::span<const std::string_view> f) {
  TimeMs t;
  return f.size() >= 21 && f.size() <= 40 && ParseLogTimestamp(f[0], &t);
}

// NUL bytes never occur in a text log: they mark a file cut by a crash (zero-filled blocks) or
// binary garbage. memchr keeps this check cheap on every line.
bool LooksBinary(std::string_view line) {
  return std::memchr(line.data(), '\0', line.size()) != nullptr;
}

// A reply text over kMaxReplyText is kept cut to that length in the report: say so, once per file
// (the first such line), so that a sample that ends abruptly is explained.
void NoteLongField(Diagnostics* diag, const std::string& path, int64_t number, size_t size) {
  for (const SkippedFile& n : diag->notes()) {
    if (n.path == path && n.reason.find("64 KiB") != std::string::npos) return;
  }
  diag->Note(path, "line " + std::to_string(number) + ": a field of " + std::to_string(size) +
                       " bytes; reply texts longer than 64 KiB are kept truncated to 64 KiB");
}

}  // namespace

LogKind LogKindFromHeader(std::string_view log_type) {
  log_type = Trim(log_type);
  if (IEquals(log_type, "SMTP Send Protocol Log")) return LogKind::kSend;
  if (IEquals(log_type, "SMTP Receive Protocol Log")) return LogKind::kReceive;
  if (IEquals(log_type, "Message Tracking Log")) return LogKind::kTracking;
  return LogKind::kUnknown;
}

LogKind LogKindFromName(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() >= 4 && IEquals(name.substr(0, 4), "SEND")) return LogKind::kSend;
  if (name.size() >= 4 && IEquals(name.substr(0, 4), "RECV")) return LogKind::kReceive;
  if (name.size() >= 6 && IEquals(name.substr(0, 6), "MSGTRK")) return LogKind::kTracking;
  if (IContains(path, "SmtpSend")) return LogKind::kSend;
  if (IContains(path, "SmtpRec")) return LogKind::kReceive;
  return LogKind::kUnknown;
}

EventParser::EventParser(std::string path, std::unique_ptr<LineSource> source, Diagnostics* diag,
                         LogKind hint)
    : path_(std::move(path)), source_(std::move(source)), diag_(diag), kind_(hint) {
  column_.fill(-1);
}

void EventParser::Header(std::string_view line, int64_t number) {
  saw_header_ = true;
  if (line.rfind("#Log-type:", 0) == 0) log_type_line_ = std::string(line);
  if (line.rfind("#Fields:", 0) == 0) fields_line_ = std::string(line);
  if (line.rfind("#Log-type:", 0) == 0) {
    LogKind k = LogKindFromHeader(line.substr(10));
    if (k == LogKind::kSend || k == LogKind::kReceive) {
      kind_ = k;
      readable_ = true;
    } else {
      readable_ = false;
      diag_->Skipped(path_,
                     "#Log-type \"" + std::string(Trim(line.substr(10))) +
                         "\" is not an SMTP protocol log; the rest of the file is skipped",
                     number);
    }
    return;
  }
  if (line.rfind("#Fields:", 0) != 0 || !readable_) return;
  column_.fill(-1);
  std::string_view rest = Trim(line.substr(8));
  size_t count = 0;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view name = Trim(rest.substr(0, comma));
    for (int i = 0; i < kProtocolFieldCount; ++i) {
      if (IEquals(name, kProtocolFieldNames[i])) column_[i] = static_cast<int>(count);
    }
    ++count;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  field_count_ = count;
  have_fields_ = column_[kFieldDateTime] >= 0 && column_[kFieldSession] >= 0 &&
                 column_[kFieldEvent] >= 0;
  if (!have_fields_) {
    diag_->Malformed(path_, number, LineProblem::kProtocolFieldsShort, line);
  }
}

bool EventParser::InferLayout(std::span<const std::string_view> f) {
  TimeMs t;
  if (f.size() != kProtocolFieldCount || !ParseLogTimestamp(f[0], &t) || !IsEventType(f[6])) {
    return false;
  }
  for (int i = 0; i < kProtocolFieldCount; ++i) column_[i] = i;
  field_count_ = kProtocolFieldCount;
  have_fields_ = true;
  if (kind_ == LogKind::kUnknown) {
    // A receive connector id is SERVER\Name; a send connector id is a name alone.
    kind_ = f[1].find('\\') != std::string_view::npos ? LogKind::kReceive : LogKind::kSend;
  }
  diag_->Note(path_, std::string("no #Fields header: assumed the 9-column SMTP ") +
                         (kind_ == LogKind::kReceive ? "Receive" : "Send") +
                         " protocol log layout");
  return true;
}

bool EventParser::ParseTime(std::string_view s, TimeMs* out) {
  // Rows of a busy log share their second: then only the milliseconds are new.
  if (s.size() == 24 && s[19] == '.' && s[23] == 'Z' && second_start_ != kNoSecond &&
      std::memcmp(s.data(), second_text_, 19) == 0) {
    unsigned a = static_cast<unsigned char>(s[20]) - '0';
    unsigned b = static_cast<unsigned char>(s[21]) - '0';
    unsigned c = static_cast<unsigned char>(s[22]) - '0';
    if (a <= 9 && b <= 9 && c <= 9) {
      *out = second_start_ + a * 100 + b * 10 + c;
      return true;
    }
  }
  if (!ParseLogTimestamp(s, out)) return false;
  if (s.size() == 24 && s[19] == '.') {
    std::memcpy(second_text_, s.data(), 19);
    second_start_ = *out - ((s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0'));
  } else {
    second_start_ = kNoSecond;
  }
  return true;
}

bool EventParser::Convert(std::span<const std::string_view> f, int64_t number,
                          std::string_view line, ProtocolEvent* ev) {
  if (f.size() != field_count_) {
    // Exchange never writes a different count; a short row is usually a line cut by a full disk
    // or a copy, a long one a stray comma. Keep it out rather than guess which column moved.
    diag_->Malformed(path_, number,
                     f.size() < field_count_ ? LineProblem::kFewerFields : LineProblem::kMoreFields,
                     line);
    return false;
  }
  auto get = [&](int field) -> std::string_view {
    int c = column_[field];
    return c < 0 ? std::string_view() : f[c];
  };
  if (!ParseTime(get(kFieldDateTime), &ev->time)) {
    diag_->Malformed(path_, number, LineProblem::kBadTime, line);
    return false;
  }
  std::string_view event = get(kFieldEvent);
  if (!IsEventType(event)) {
    diag_->Malformed(path_, number, LineProblem::kUnknownEvent, line);
    return false;
  }
  ev->type = event[0];
  ev->connector = get(kFieldConnector);
  ev->session = get(kFieldSession);
  ev->session_id = ParseSessionId(ev->session);
  ev->sequence = ParseSequence(get(kFieldSequence));
  ev->local_endpoint = get(kFieldLocal);
  ev->remote_endpoint = get(kFieldRemote);
  ev->data = get(kFieldData);
  ev->context = get(kFieldContext);
  ev->line = number;
  if (ev->data.size() > kMaxReplyText || ev->context.size() > kMaxReplyText) {
    NoteLongField(diag_, path_, number, std::max(ev->data.size(), ev->context.size()));
  }
  return true;
}

bool EventParser::Next(ProtocolEvent* ev) {
  LineView line;
  while (source_ != nullptr && source_->Next(&line)) {
    if (ParseLine(line, ev)) return true;
  }
  if (source_ != nullptr && !source_->status().ok()) {
    // The rest of the file from that line (its message names the file: said once).
    diag_->Skipped(path_, source_->status().message() + "; the lines before it were read",
                   lines_ + 1);
  }
  return false;
}

bool EventParser::ParseLine(const LineView& line, ProtocolEvent* ev) {
  lines_ = line.number;
  std::string_view text = line.text;
  if (line.overlong) {
    diag_->Malformed(path_, line.number, LineProblem::kTooLong, text.substr(0, 200));
    return false;
  }
  if (text.empty()) return false;
  if (text[0] == '#') {
    Header(text, line.number);
    return false;
  }
  if (!readable_) return false;
  // One pass splits the common line; a line with a quote or a NUL byte takes the long way.
  if (!csv_.SplitPlain(text)) {
    if (LooksBinary(text)) {
      diag_->Malformed(path_, line.number, LineProblem::kBinary, text.substr(0, 80));
      return false;
    }
    if (csv_.SplitQuoted(text) != CsvError::kNone) {
      diag_->Malformed(path_, line.number, LineProblem::kUnterminatedQuote, text);
      return false;
    }
  }
  if (!have_fields_ && !saw_header_ && LooksLikeTracking(csv_.fields())) {
    readable_ = false;
    diag_->Skipped(path_, "message tracking log rows (no header): scan reads SMTP protocol "
                          "logs; the file is skipped");
    return false;
  }
  if (!have_fields_ && !InferLayout(csv_.fields())) {
    diag_->Malformed(path_, line.number,
                     saw_header_ ? LineProblem::kRowBeforeFields : LineProblem::kNotProtocolRow,
                     text);
    return false;
  }
  return Convert(csv_.fields(), line.number, text, ev);
}

}  // namespace smtptriage
