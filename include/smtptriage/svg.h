// A small SVG writer for the charts of the HTML report: rectangles, lines, paths and text, each
// with a CSS class (colours live in the page's style sheet, so print and screen can differ) and an
// optional tooltip. The chart is an inline <svg> with role="img", a <title> and a <desc> as its
// text alternative. Numbers are written the same way in every locale. Text is escaped; bytes that
// are not valid UTF-8 become U+FFFD. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtptriage::svg {

// Escapes text for HTML and XML content and attribute values: & < > " ' become entities,
// control characters (other than tab and newline) a space, invalid UTF-8 U+FFFD.
std::string Escape(std::string_view text);

// At most `max_bytes` bytes of `text`, cut at a character boundary, with "..." when cut.
std::string Clip(std::string_view text, size_t max_bytes);

// `v` with at most `decimals` decimals, no trailing zeros, '.' as the separator.
std::string Num(double v, int decimals = 1);

enum class Anchor { kStart, kMiddle, kEnd };

class Writer {
 public:
  // A chart of width x height user units (it scales to its container). `id` must be unique in
  // the page: the title and description are referenced as id-t and id-d.
  Writer(double width, double height, std::string_view id, std::string_view title,
         std::string_view desc, std::string_view css_class = "chart");

  void Rect(double x, double y, double w, double h, std::string_view css_class,
            std::string_view tooltip = {});
  void Line(double x1, double y1, double x2, double y2, std::string_view css_class);
  // A path of absolute and relative commands, e.g. from BarsPath().
  void Path(std::string_view d, std::string_view css_class, std::string_view tooltip = {});
  void Text(double x, double y, std::string_view text, std::string_view css_class = {},
            Anchor anchor = Anchor::kStart);

  // The finished <svg> element.
  std::string Finish();

 private:
  void Tooltip(std::string_view tooltip, std::string_view element);
  std::string out_;
};

// One path drawing a bar per value (x from `x0`, `bar` wide with `step` between starts, rising
// from `base` by value * `scale`, on top of `below[i]` when given, for stacked bars); zero
// values draw nothing.
std::string BarsPath(const std::vector<double>& values, double x0, double step, double bar,
                     double base, double scale, const std::vector<double>& below = {});

}  // namespace smtptriage::svg
