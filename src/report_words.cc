// The words and numbers every report shares (text, HTML, the check's summary): families and
// counts as a language writes them, times in the chosen zone, the codes of a failure group,
// and the heading of the checks that come first. Declared in reporters.h.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "smtptriage/platform.h"
#include "smtptriage/reporters.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/time_util.h"

namespace smtptriage {

std::string_view FamilyName(Family f, Lang lang) {
  return lang == Lang::kEs ? FamilyInSpanish(f) : ToString(f);
}

std::string ServerHowWords(const std::string& how, Lang lang) {
  const bool es = lang == Lang::kEs;
  return how == "explicit" ? "--server"
         : how == "share"  ? (es ? "recurso compartido" : "share")
         : how == "layout" ? (es ? "estructura de carpetas" : "folder layout")
                           : (es ? "por defecto" : "default");
}

std::string GroupedCount(int64_t n, Lang lang) {
  std::string s = std::to_string(n < 0 ? -n : n);
  const bool es = lang == Lang::kEs;
  // Spanish groups thousands with a (non-breaking) space, and only from five digits on.
  if (!es || s.size() > 4) {
    const char* sep = es ? "\xC2\xA0" : ",";
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, sep);
  }
  return n < 0 ? "-" + s : s;
}

std::string ByteSize(int64_t b, Lang lang) {
  char buf[32];
  if (b >= (1 << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GB", b / 1073741824.0);
  } else if (b >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1048576.0);
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KB", b / 1024.0);
  } else {
    return GroupedCount(b, lang) + " bytes";
  }
  std::string s = buf;
  if (lang == Lang::kEs) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

std::string FailureCodes(const FailureGroup& g) {
  std::string s = g.code ? std::to_string(g.code) : "";
  if (!g.enhanced.empty()) s += (s.empty() ? "" : " ") + g.enhanced;
  if (s.empty()) {
    // Connect failures carry a Winsock code rather than an SMTP one.
    size_t at = g.sample.find("Winsock error code: ");
    if (at != std::string::npos) {
      s = "Winsock " + g.sample.substr(at + 20, g.sample.find_first_not_of("0123456789", at + 20) -
                                                    (at + 20));
    } else {
      s = "-";
    }
  }
  return s;
}

std::string FormatLocal(TimeMs t, bool with_date) {
  int off = platform::LocalOffsetMinutes(t);
  std::string iso = FormatIsoUtc(t + off * 60000LL);
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                std::abs(off) % 60);
  if (!with_date) return iso.substr(11, 5);
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " " + zone;
}

std::string CheckFirstSpan(const Report& report, Lang lang) {
  const bool es = lang == Lang::kEs;
  const int64_t n = report.verdict.rule_span.failures;
  const TimeMs first = report.verdict.rule_span.first, last = report.verdict.rule_span.last;
  if (n == 0) return "";
  std::string out = ", " + GroupedCount(n, lang) +
                    (n == 1 ? (es ? " fallo" : " failure") : (es ? " fallos" : " failures"));
  if (FormatLocal(first, false) == FormatLocal(last, false)) {
    return out + (es ? " a las " : " at ") + FormatLocal(first, false);
  }
  // Over more than a day the hours alone would mislead.
  const bool days = FormatLocal(first).substr(0, 10) != FormatLocal(last).substr(0, 10);
  return out + (es ? " de " : " from ") + FormatLocal(first, days) + (es ? " a " : " to ") +
         FormatLocal(last, days);
}

std::string SummaryText(const LocalizedText& summary, Lang lang) {
  const std::string& text = summary.Get(lang);
  std::string out;
  // The hours the incident model writes: yyyy-mm-ddThh:mmZ.
  auto hour_at = [&](size_t i) {
    static constexpr char kShape[] = "dddd-dd-ddTdd:ddZ";
    if (i + sizeof kShape - 1 > text.size()) return false;
    for (size_t k = 0; k + 1 < sizeof kShape; ++k) {
      char c = text[i + k];
      if (kShape[k] == 'd' ? !std::isdigit(static_cast<unsigned char>(c)) : c != kShape[k]) {
        return false;
      }
    }
    return true;
  };
  for (size_t i = 0; i < text.size();) {
    TimeMs t = 0;
    if (hour_at(i) && ParseIsoTime(text.substr(i, 17), &t)) {
      out += FormatLocal(t);
      i += 17;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace smtptriage
