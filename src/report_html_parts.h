// The pieces the HTML report's sections are made of (report_html.cc, report_html_domains.cc):
// numbers, sizes and times in words, the time bins of its charts and their axes. Internal to the
// library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "report_html_words.h"
#include "smtptriage/report.h"
#include "smtptriage/svg.h"

namespace smtptriage::html {

// A count with thousands grouped as the page's language does ("12,345"; "12 345" in Spanish).
std::string N(int64_t n, const Words& w);
// "1 session", "3 sessions": the count and the word for it.
std::string Count(int64_t n, const Words& w, const char* one, const char* many);
// `fmt` with its first "%s" replaced by `a` and its second by `b`.
std::string Format(const char* fmt, const std::string& a, const std::string& b = "");
std::string FormatInt(const char* fmt, int n);
// "1.5 MB" (with a decimal comma in Spanish).
std::string Bytes(int64_t b, const Words& w);
std::string FamilyWord(Family f, const Words& w);
std::string FamilyClass(Family f);  // the CSS class of a family's colour
// "per hour", "per 6 hours", "per day" for bins of `step` milliseconds.
std::string Per(TimeMs step, const Words& w);
std::string Hm(TimeMs t);    // local "06:21"
std::string Date(TimeMs t);  // local "2026-03-02"

// The time bins of the charts: the report's buckets over the whole period, merged into wider
// bins when there would be more than kMaxBins of them.
struct Bins {
  static constexpr int64_t kMaxBins = 72;
  TimeMs start = 0;
  TimeMs step = 3600000;
  size_t count = 0;
  bool same_day = true;  // the whole period falls on one local date: times need no date
  size_t Index(TimeMs t) const {
    if (t < start) return 0;
    return std::min(static_cast<size_t>((t - start) / step), count - 1);
  }
  TimeMs At(size_t i) const { return start + static_cast<TimeMs>(i) * step; }
};
Bins MakeBins(const Report& r);

// A time in a table: "06:21", or "03-02 06:21" when the period spans more than one day.
std::string When(TimeMs t, const Bins& bins);
// The label of bin `i` on a time axis.
std::string BinLabel(const Bins& bins, size_t i);
// The step between the labelled values of a y axis up to `v`: 1, 2 or 5 times a power of ten,
// at most five steps.
double TickStep(double v);
// The top of a y axis: `v` rounded up to a whole tick step (at least 1).
double AxisMax(double v);
// The time axis under a chart: a label under the middle of every few bins, and the date under
// the first one and wherever the day changes.
void TimeAxis(svg::Writer* c, const Bins& bins, double left, double step_x, double base,
              double width);
// The y axis of a chart, with its grid lines, from 0 to `ymax`.
void YAxis(svg::Writer* c, double ymax, double left, double right, double top, double base);

// The domains section (report_html_domains.cc).
void DomainsSection(const Report& r, const Bins& bins, const Words& w, Lang lang,
                    std::ostream& out);

}  // namespace smtptriage::html
