#include "smtptriage/progress.h"

#include <algorithm>
#include <cstdio>

namespace smtptriage {

namespace {

std::string Clock(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

std::string FormatProgress(const ScanProgress& p, double seconds, int columns) {
  constexpr double kMiB = 1024.0 * 1024.0;
  char text[160];
  double rate = seconds > 0 ? p.bytes_done / seconds : 0;  // bytes per second
  std::string eta = "--:--";
  if (rate > 0 && p.bytes_total >= p.bytes_done) eta = Clock((p.bytes_total - p.bytes_done) / rate);
  std::snprintf(text, sizeof text, " %zu/%zu files  %.0f/%.0f MiB  %.0f MB/s  ETA %s",
                p.files_done, p.files_total, p.bytes_done / kMiB, p.bytes_total / kMiB,
                rate / 1e6, eta.c_str());
  std::string line(text);
  int bar = std::min(30, columns - 1 - static_cast<int>(line.size()) - 2);
  if (bar >= 5) {
    double share = p.bytes_total > 0 ? static_cast<double>(p.bytes_done) / p.bytes_total
                   : p.files_total > 0 ? static_cast<double>(p.files_done) / p.files_total
                                       : 0;
    int filled = static_cast<int>(std::clamp(share, 0.0, 1.0) * bar);
    line = "[" + std::string(filled, '#') + std::string(bar - filled, '-') + "]" + line;
  }
  if (static_cast<int>(line.size()) > columns - 1) line.resize(std::max(0, columns - 1));
  return line;
}

ProgressLine::ProgressLine(std::ostream* err, int columns)
    : err_(err), columns_(columns), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() {
  if (drawn_) *err_ << '\r' << std::string(std::max(0, columns_ - 1), ' ') << '\r' << std::flush;
}

void ProgressLine::Update(const ScanProgress& p) {
  auto now = std::chrono::steady_clock::now();
  // A short run shows nothing; then at most five redraws a second.
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  drawn_ = true;
  double seconds = std::chrono::duration<double>(now - start_).count();
  *err_ << '\r' << FormatProgress(p, seconds, columns_) << std::flush;
}

}  // namespace smtptriage
