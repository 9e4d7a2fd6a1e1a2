// Random numbers, hashing and the text appenders used in the generator's hot loop.
#include <array>
#include <cstring>

#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

uint64_t SplitMix(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Two digits at a time, from the end.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

const char* const kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = SplitMix(&x);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

// Multiply-shift: the tiny bias is irrelevant here and it is fast.
uint64_t Rng::Below(uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
}

int64_t Rng::Range(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Exponential(double mean) {
  // log1p(-u) with u in [0,1) never sees log(0).
  return -mean * __builtin_log1p(-Uniform());
}

uint64_t Hash64(std::string_view s, uint64_t seed) {
  uint64_t h = 0xCBF29CE484222325ull ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  uint64_t x = h;
  return SplitMix(&x);
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  char* p = buf + sizeof(buf);
  while (v >= 100) {
    const unsigned i = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  if (v >= 10) {
    const unsigned i = static_cast<unsigned>(v) * 2;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  out->append(p, buf + sizeof(buf) - p);
}

void AppendPadded(std::string* out, uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, width);
}

void AppendHex(std::string* out, uint64_t v, int digits) {
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = "0123456789ABCDEF"[v & 15];
    v >>= 4;
  }
  out->append(buf, digits);
}

void AppendLowerHex(std::string* out, uint64_t v, int digits) {
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  out->append(buf, digits);
}

void AppendCsvField(std::string* out, std::string_view s) {
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> t{};
    t[','] = t['"'] = t['\n'] = t['\r'] = true;
    return t;
  }();
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
  if (p == end) {
    out->append(s);
    return;
  }
  out->push_back('"');
  p = s.data();
  for (const char* q; (q = static_cast<const char*>(std::memchr(p, '"', end - p))) != nullptr;
       p = q + 1) {
    out->append(p, q + 1);  // up to and including the quote, which is then doubled
    out->push_back('"');
  }
  out->append(p, end);
  out->push_back('"');
}

Civil CivilFromMs(int64_t ms) {
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  Civil c;
  c.millis = static_cast<int>(rem % 1000);
  rem /= 1000;
  c.second = static_cast<int>(rem % 60);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.hour = static_cast<int>(rem / 3600);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  // Howard Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2));
  return c;
}

void TimeFormatter::Append(std::string* out, int64_t ms) {
  const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  if (second != cached_second_) {
    const Civil c = CivilFromMs(second * 1000);
    std::string s;
    AppendPadded(&s, c.year, 4);
    s += '-';
    AppendPadded(&s, c.month, 2);
    s += '-';
    AppendPadded(&s, c.day, 2);
    s += 'T';
    AppendPadded(&s, c.hour, 2);
    s += ':';
    AppendPadded(&s, c.minute, 2);
    s += ':';
    AppendPadded(&s, c.second, 2);
    s += '.';
    std::memcpy(prefix_, s.data(), sizeof(prefix_));
    cached_second_ = second;
  }
  const int millis = static_cast<int>(ms - second * 1000);
  char tail[4] = {static_cast<char>('0' + millis / 100), kDigitPairs[(millis % 100) * 2],
                  kDigitPairs[(millis % 100) * 2 + 1], 'Z'};
  out->append(prefix_, sizeof(prefix_));
  out->append(tail, 4);
}

std::string IsoMs(int64_t ms) {
  TimeFormatter f;
  std::string s;
  f.Append(&s, ms);
  return s;
}

std::string Rfc2822(int64_t utc_ms, int offset_minutes) {
  const Civil c = CivilFromMs(utc_ms + int64_t{offset_minutes} * 60000);
  std::string s = kWeekdays[c.weekday];
  s += ", ";
  AppendUint(&s, c.day);
  s += ' ';
  s += kMonths[c.month - 1];
  s += ' ';
  AppendUint(&s, c.year);
  s += ' ';
  AppendPadded(&s, c.hour, 2);
  s += ':';
  AppendPadded(&s, c.minute, 2);
  s += ':';
  AppendPadded(&s, c.second, 2);
  s += offset_minutes < 0 ? " -" : " +";
  const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  AppendPadded(&s, off / 60, 2);
  AppendPadded(&s, off % 60, 2);
  return s;
}

uint64_t TicksFromMs(int64_t ms) {
  constexpr int64_t kEpochOffsetMs = 62135596800000;  // 0001-01-01 to 1970-01-01
  return static_cast<uint64_t>(ms + kEpochOffsetMs) * 10000;
}

std::string SessionIdHex(uint64_t id) {
  std::string s;
  AppendHex(&s, id, 16);
  return s;
}

}  // namespace smtptriage::loggen::internal
