// The pieces the HTML report's sections are made of: numbers, sizes and times in words, the
// time bins of its charts and their axes.
#include "report_html_parts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "smtptriage/platform.h"
#include "smtptriage/reporters.h"

namespace smtptriage::html {

namespace {

Lang LangOf(const Words& w) {
  return w.lang[0] == 'e' && w.lang[1] == 's' ? Lang::kEs : Lang::kEn;
}

}  // namespace

std::string N(int64_t n, const Words& w) { return GroupedCount(n, LangOf(w)); }

std::string Count(int64_t n, const Words& w, const char* one, const char* many) {
  return N(n, w) + " " + (n == 1 ? one : many);
}

std::string Format(const char* fmt, const std::string& a, const std::string& b) {
  std::string out;
  int arg = 0;
  for (const char* p = fmt; *p; ++p) {
    if (p[0] == '%' && p[1] == 's') {
      out += arg++ == 0 ? a : b;
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

std::string FormatInt(const char* fmt, int n) {
  char buf[96];
  std::snprintf(buf, sizeof buf, fmt, n);
  return buf;
}

std::string Bytes(int64_t b, const Words& w) { return ByteSize(b, LangOf(w)); }

std::string FamilyWord(Family f, const Words& w) {
  return std::string(LangOf(w) == Lang::kEs ? FamilyInSpanish(f)
                                            : std::string_view(w.families[static_cast<int>(f)]));
}

std::string FamilyClass(Family f) { return "f-" + std::string(ToString(f)); }

std::string Per(TimeMs step, const Words& w) {
  if (step % 3600000 != 0) return FormatInt(w.per_n_minutes, static_cast<int>(step / 60000));
  int64_t hours = step / 3600000;
  if (hours == 1) return w.per_hour;
  if (hours % 24 == 0) return hours == 24 ? w.per_day : FormatInt(w.per_n_days, hours / 24);
  return FormatInt(w.per_n_hours, static_cast<int>(hours));
}

std::string Hm(TimeMs t) { return FormatLocal(t, false); }
std::string Date(TimeMs t) { return FormatLocal(t).substr(0, 10); }

namespace {

TimeMs FloorTo(TimeMs t, TimeMs step, TimeMs offset) {
  TimeMs x = t + offset;
  return x - ((x % step) + step) % step - offset;
}

}  // namespace

Bins MakeBins(const Report& r) {
  Bins b;
  if (r.empty_period && r.timeline.empty()) return b;
  TimeMs bucket = r.bucket_ms > 0 ? r.bucket_ms : 3600000;
  TimeMs lo = r.period_start, hi = std::max(r.period_end, r.period_start);
  if (!r.timeline.empty()) {
    lo = std::min(lo, r.timeline.front().start);
    hi = std::max(hi, r.timeline.back().start);
  }
  int64_t n = (FloorTo(hi, bucket, 0) - FloorTo(lo, bucket, 0)) / bucket + 1;
  int64_t merge = 0;
  for (int64_t m : {1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168, 336, 720}) {
    if ((n + m - 1) / m <= Bins::kMaxBins) {
      merge = m;
      break;
    }
  }
  if (merge == 0) merge = (n + Bins::kMaxBins - 1) / Bins::kMaxBins;
  b.step = bucket * merge;
  // Merged bins start on local boundaries (a day bin at local midnight).
  TimeMs offset = merge > 1 ? platform::LocalOffsetMinutes(lo) * 60000LL : 0;
  b.start = FloorTo(lo, b.step, offset);
  b.count = static_cast<size_t>((hi - b.start) / b.step + 1);
  b.same_day = Date(lo) == Date(hi);
  return b;
}

std::string When(TimeMs t, const Bins& bins) {
  if (bins.same_day) return Hm(t);
  return FormatLocal(t).substr(5, 11);
}

std::string BinLabel(const Bins& bins, size_t i) {
  TimeMs t = bins.At(i);
  if (bins.step >= 24 * 3600000LL) return FormatLocal(t).substr(5, 5);
  return Hm(t);
}

double TickStep(double v) {
  if (v <= 5) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0}) {
    if (v / (m * p) <= 5) return std::max(1.0, m * p);
  }
  return 10 * p;
}

double AxisMax(double v) {
  double step = TickStep(v);
  return std::max(1.0, std::ceil(v / step) * step);
}

void TimeAxis(svg::Writer* c, const Bins& bins, double left, double step_x, double base,
              double width) {
  size_t every = std::max<size_t>(1, (bins.count + 11) / 12);
  std::string last_date;
  for (size_t i = 0; i < bins.count; i += every) {
    double x = left + (i + 0.5) * step_x;
    c->Line(x, base, x, base + 4, "axis");
    c->Text(x, base + 15, BinLabel(bins, i), "", svg::Anchor::kMiddle);
    std::string date = Date(bins.At(i));
    if (date != last_date && bins.step < 24 * 3600000LL) {
      // A date is wider than a bar: keep it inside the chart.
      constexpr double kHalfDate = 32;
      if (x + kHalfDate > width) {
        c->Text(width - 2, base + 28, date, "", svg::Anchor::kEnd);
      } else {
        c->Text(std::max(x, kHalfDate), base + 28, date, "", svg::Anchor::kMiddle);
      }
      last_date = date;
    }
  }
}

void YAxis(svg::Writer* c, double ymax, double left, double right, double top, double base) {
  double step = TickStep(ymax);
  for (double t = 0; t <= ymax + step / 2; t += step) {
    double y = base - (base - top) * t / ymax;
    c->Line(left, y, right, y, t == 0 ? "axis" : "grid");
    c->Text(left - 4, y + 4, svg::Num(t, 0), "", svg::Anchor::kEnd);
  }
}

}  // namespace smtptriage::html
