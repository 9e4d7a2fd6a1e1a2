#include "smtptriage/svg.h"

#include <charconv>
#include <cmath>

namespace smtptriage::svg {

namespace {

// Length of the valid UTF-8 sequence at the start of `s` (0 when it is not valid).
size_t Utf8Length(std::string_view s) {
  auto c = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < s.size() && c(i) >= lo && c(i) <= hi;
  };
  unsigned b = c(0);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return cont(1) ? 2 : 0;
  if (b == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no UTF-16 surrogates
  if (b == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8Length(text.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (n == 1) {
      char ch = text[i];
      switch (ch) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        case '\t':
        case '\n':
          out += ch;
          break;
        default:
          out += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ? ' ' : ch;
      }
    } else if (n == 2 && static_cast<unsigned char>(text[i]) == 0xC2 &&
               static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += ' ';  // C1 control characters
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string Clip(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes > 3 ? max_bytes - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string Num(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "0";
  std::string s(buf, end);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Writer::Writer(double width, double height, std::string_view id, std::string_view title,
               std::string_view desc, std::string_view css_class) {
  std::string i = Escape(id);
  out_ = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + Escape(css_class) +
         "\" viewBox=\"0 0 " + Num(width) + " " + Num(height) +
         "\" role=\"img\" aria-labelledby=\"" + i + "-t\" aria-describedby=\"" + i +
         "-d\"><title id=\"" + i + "-t\">" + Escape(title) + "</title><desc id=\"" + i + "-d\">" +
         Escape(desc) + "</desc>\n";
}

void Writer::Tooltip(std::string_view tooltip, std::string_view element) {
  if (tooltip.empty()) {
    out_ += "/>";
  } else {
    out_ += "><title>" + Escape(tooltip) + "</title></" + std::string(element) + ">";
  }
  out_ += "\n";
}

void Writer::Rect(double x, double y, double w, double h, std::string_view css_class,
                  std::string_view tooltip) {
  out_ += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" +
          Num(h) + "\"";
  if (!css_class.empty()) out_ += " class=\"" + Escape(css_class) + "\"";
  Tooltip(tooltip, "rect");
}

void Writer::Line(double x1, double y1, double x2, double y2, std::string_view css_class) {
  out_ += "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" +
          Num(y2) + "\"";
  if (!css_class.empty()) out_ += " class=\"" + Escape(css_class) + "\"";
  out_ += "/>\n";
}

void Writer::Path(std::string_view d, std::string_view css_class, std::string_view tooltip) {
  if (d.empty()) return;
  out_ += "<path d=\"" + Escape(d) + "\"";
  if (!css_class.empty()) out_ += " class=\"" + Escape(css_class) + "\"";
  Tooltip(tooltip, "path");
}

void Writer::Text(double x, double y, std::string_view text, std::string_view css_class,
                  Anchor anchor) {
  out_ += "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\"";
  if (anchor == Anchor::kMiddle) out_ += " text-anchor=\"middle\"";
  if (anchor == Anchor::kEnd) out_ += " text-anchor=\"end\"";
  if (!css_class.empty()) out_ += " class=\"" + Escape(css_class) + "\"";
  out_ += ">" + Escape(text) + "</text>\n";
}

std::string Writer::Finish() {
  out_ += "</svg>";
  return std::move(out_);
}

std::string BarsPath(const std::vector<double>& values, double x0, double step, double bar,
                     double base, double scale, const std::vector<double>& below) {
  std::string d;
  for (size_t i = 0; i < values.size(); ++i) {
    double h = values[i] * scale;
    if (!(h > 0)) continue;
    double y = base - (i < below.size() ? below[i] * scale : 0.0);
    d += "M" + Num(x0 + i * step) + " " + Num(y) + "v" + Num(-h) + "h" + Num(bar) + "v" + Num(h) +
         "z";
  }
  return d;
}

}  // namespace smtptriage::svg
