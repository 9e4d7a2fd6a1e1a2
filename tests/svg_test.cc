#include "smtptriage/svg.h"

#include <catch2/catch.hpp>

using namespace smtptriage;

TEST_CASE("svg::Escape escapes markup, drops control characters and repairs bad UTF-8", "[svg]") {
  CHECK(svg::Escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(svg::Escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(svg::Escape("tab\tline\nend") == "tab\tline\nend");
  CHECK(svg::Escape(std::string("nul\0bell\a", 9)) == "nul bell ");
  CHECK(svg::Escape("señal \xE2\x9C\x93") == "señal \xE2\x9C\x93");  // valid UTF-8 kept
  CHECK(svg::Escape("latin1 \xF1") == "latin1 \xEF\xBF\xBD");        // a Latin-1 byte
  CHECK(svg::Escape("cut \xE2\x9C") == "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(svg::Escape("surrogate \xED\xA0\x80") == "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(svg::Escape("overlong \xC0\xBC") == "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(svg::Escape("c1 \xC2\x85") == "c1  ");
}

TEST_CASE("svg::Clip cuts at a character boundary", "[svg]") {
  CHECK(svg::Clip("short", 10) == "short");
  CHECK(svg::Clip("0123456789abc", 10) == "0123456...");
  // "ñ" is two bytes: the cut never splits it.
  std::string clipped = svg::Clip("aaaaaañbbbb", 10);
  CHECK(clipped == "aaaaaa...");
  CHECK(svg::Escape(clipped) == clipped);
}

TEST_CASE("svg::Num writes numbers the same way everywhere", "[svg]") {
  CHECK(svg::Num(0) == "0");
  CHECK(svg::Num(12.0) == "12");
  CHECK(svg::Num(12.26) == "12.3");
  CHECK(svg::Num(12.25, 2) == "12.25");
  CHECK(svg::Num(-0.01) == "0");
  CHECK(svg::Num(-3.5) == "-3.5");
  CHECK(svg::Num(1e6, 0) == "1000000");
}

TEST_CASE("svg::Writer makes an accessible chart with escaped text", "[svg]") {
  svg::Writer c(100, 50, "x1", "Failures <per hour>", "06:00 3 & 07:00 1");
  c.Rect(1, 2, 3.5, 4, "bar", "06:00: 3 <failures>");
  c.Line(0, 49.5, 100, 49.5, "axis");
  c.Text(50, 10, "a<b", "lbl", svg::Anchor::kMiddle);
  c.Path("M0 0h1", "p");
  c.Path("", "empty");
  std::string s = c.Finish();
  CHECK(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 100 50\" "
                "role=\"img\" aria-labelledby=\"x1-t\" aria-describedby=\"x1-d\">",
                0) == 0);
  CHECK(s.find("<title id=\"x1-t\">Failures &lt;per hour&gt;</title>") != std::string::npos);
  CHECK(s.find("<desc id=\"x1-d\">06:00 3 &amp; 07:00 1</desc>") != std::string::npos);
  CHECK(s.find("<rect x=\"1\" y=\"2\" width=\"3.5\" height=\"4\" class=\"bar\"><title>06:00: 3 "
               "&lt;failures&gt;</title></rect>") != std::string::npos);
  CHECK(s.find("<line x1=\"0\" y1=\"49.5\" x2=\"100\" y2=\"49.5\" class=\"axis\"/>") !=
        std::string::npos);
  CHECK(s.find("<text x=\"50\" y=\"10\" text-anchor=\"middle\" class=\"lbl\">a&lt;b</text>") !=
        std::string::npos);
  CHECK(s.find("<path d=\"M0 0h1\" class=\"p\"/>") != std::string::npos);
  CHECK(s.find("empty") == std::string::npos);
  CHECK(s.size() > 6);
  CHECK(s.substr(s.size() - 6) == "</svg>");
}

TEST_CASE("svg::BarsPath draws one bar per non-zero value, stacked when asked", "[svg]") {
  CHECK(svg::BarsPath({0, 2, 0, 1}, 10, 5, 4, 100, 10) == "M15 100v-20h4v20zM25 100v-10h4v10z");
  CHECK(svg::BarsPath({1, 1}, 0, 10, 8, 50, 5, {2, 0}) == "M0 40v-5h8v5zM10 50v-5h8v5z");
  CHECK(svg::BarsPath({}, 0, 1, 1, 1, 1).empty());
}
