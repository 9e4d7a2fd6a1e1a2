#include "smtptriage/time_util.h"

#include <cstdio>
#include <cstring>

namespace smtptriage {
namespace {

constexpr TimeMs kMsPerDay = 86400000;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]) - '0';
    if (c > 9) return false;
    v = v * 10 + c;
  }
  *out = v;
  return true;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// Parses "yyyy-MM-dd" at s[0..10).
bool ParseDate(std::string_view s, int64_t* days) {
  int y, m, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &m) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || !ValidDate(y, m, d)) {
    return false;
  }
  *days = DaysFromCivil(y, m, d);
  return true;
}

// Parses "HH:mm[:ss[.fff…]]" at the start of s; *used gets the characters consumed.
bool ParseClock(std::string_view s, TimeMs* ms, size_t* used) {
  int h, mi, sec = 0, frac_ms = 0;
  if (!Digits(s, 0, 2, &h) || s.size() < 5 || s[2] != ':' || !Digits(s, 3, 2, &mi)) return false;
  size_t i = 5;
  if (i < s.size() && s[i] == ':') {
    if (!Digits(s, i + 1, 2, &sec)) return false;
    i += 3;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      size_t start = ++i;
      int scale = 100;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        frac_ms += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == start) return false;
    }
  }
  if (h > 23 || mi > 59 || sec > 60) return false;
  *ms = ((h * 60 + mi) * 60 + sec) * 1000LL + frac_ms;
  *used = i;
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (*m <= 2));
}

bool ParseLogTimestamp(std::string_view s, TimeMs* out) {
  // Fast path: exactly "yyyy-MM-ddTHH:mm:ss.fffZ", as Exchange always writes it; the day is
  // computed once per distinct date (a log holds one or two).
  if (s.size() == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
      s[16] == ':' && s[19] == '.' && s[23] == 'Z') {
    static thread_local char last_date[10] = {};
    static thread_local int64_t last_days = -1;
    int64_t days;
    if (last_days >= 0 && std::memcmp(last_date, s.data(), 10) == 0) {
      days = last_days;
    } else {
      if (!ParseDate(s, &days)) return false;
      std::memcpy(last_date, s.data(), 10);
      last_days = days;
    }
    unsigned d[9];
    static constexpr int kPos[9] = {11, 12, 14, 15, 17, 18, 20, 21, 22};
    for (int i = 0; i < 9; ++i) {
      d[i] = static_cast<unsigned char>(s[kPos[i]]) - '0';
      if (d[i] > 9) return false;
    }
    unsigned h = d[0] * 10 + d[1], mi = d[2] * 10 + d[3], sec = d[4] * 10 + d[5];
    if (h > 23 || mi > 59 || sec > 60) return false;
    *out = days * kMsPerDay + ((h * 60 + mi) * 60 + sec) * 1000LL + d[6] * 100 + d[7] * 10 + d[8];
    return true;
  }
  int64_t days;
  if (s.size() < 19 || s[10] != 'T' || !ParseDate(s, &days)) return false;
  TimeMs clock;
  size_t used;
  if (!ParseClock(s.substr(11), &clock, &used) || used < 8) return false;
  size_t end = 11 + used;
  if (end < s.size() && s[end] == 'Z') ++end;
  if (end != s.size()) return false;
  *out = days * kMsPerDay + clock;
  return true;
}

std::string FormatIsoUtc(TimeMs t, bool with_ms) {
  int64_t days = t >= 0 ? t / kMsPerDay : (t - kMsPerDay + 1) / kMsPerDay;
  TimeMs rem = t - days * kMsPerDay;
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int secs = static_cast<int>(rem / 1000);
  // Digit by digit rather than with snprintf, which was a third of the end of a scan: a report
  // writes a few of these for every failure group and every point of a series.
  char out[40];
  size_t n = 0;
  auto put = [&out, &n](int value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) {
      out[n + i] = static_cast<char>('0' + value % 10);
    }
    n += static_cast<size_t>(width);
  };
  auto sep = [&out, &n](char c) { out[n++] = c; };
  if (y >= 0 && y <= 9999) {
    put(y, 4);
  } else {
    n = static_cast<size_t>(std::snprintf(out, sizeof out, "%04d", y));  // as the C library would
  }
  sep('-');
  put(static_cast<int>(m), 2);
  sep('-');
  put(static_cast<int>(d), 2);
  sep('T');
  put(secs / 3600, 2);
  sep(':');
  put(secs / 60 % 60, 2);
  sep(':');
  put(secs % 60, 2);
  if (with_ms) {
    sep('.');
    put(static_cast<int>(rem % 1000), 3);
  }
  sep('Z');
  return std::string(out, n);
}

bool ParseIsoTime(std::string_view s, TimeMs* out) {
  int64_t days;
  if (!ParseDate(s, &days)) return false;
  if (s.size() == 10) {
    *out = days * kMsPerDay;
    return true;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
  TimeMs clock;
  size_t used;
  std::string_view rest = s.substr(11);
  if (!ParseClock(rest, &clock, &used)) return false;
  rest.remove_prefix(used);
  TimeMs offset = 0;
  if (rest == "Z" || rest == "z" || rest.empty()) {
    // UTC
  } else if ((rest[0] == '+' || rest[0] == '-') && (rest.size() == 6 || rest.size() == 5)) {
    int oh, om;
    size_t mpos = rest.size() == 6 ? 4 : 3;
    if (!Digits(rest, 1, 2, &oh) || (rest.size() == 6 && rest[3] != ':') ||
        !Digits(rest, mpos, 2, &om) || oh > 14 || om > 59) {
      return false;
    }
    offset = (oh * 60 + om) * 60000LL * (rest[0] == '-' ? -1 : 1);
  } else {
    return false;
  }
  *out = days * kMsPerDay + clock - offset;
  return true;
}

bool ParseDuration(std::string_view s, TimeMs* out_ms) {
  if (s.empty()) return false;
  TimeMs total = 0;
  size_t i = 0;
  while (i < s.size()) {
    int64_t n = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > 100000000) return false;
      ++i;
    }
    if (i == start || i == s.size()) return false;
    switch (s[i]) {
      case 's': total += n * 1000; break;
      case 'm':  // minutes, or milliseconds ("500ms")
        if (i + 1 < s.size() && s[i + 1] == 's') {
          total += n;
          ++i;
        } else {
          total += n * 60000;
        }
        break;
      case 'h': total += n * 3600000; break;
      case 'd': total += n * kMsPerDay; break;
      case 'w': total += n * 7 * kMsPerDay; break;
      default: return false;
    }
    ++i;
  }
  *out_ms = total;
  return true;
}

bool ParseTimeArg(std::string_view s, TimeMs now, TimeMs* out) {
  TimeMs d;
  if (ParseDuration(s, &d)) {
    *out = now - d;
    return true;
  }
  return ParseIsoTime(s, out);
}

}  // namespace smtptriage
