#include "smtptriage/report_html.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "report_html_parts.h"
#include "report_html_words.h"
#include "smtptriage/platform.h"
#include "smtptriage/svg.h"

namespace smtptriage {
namespace {

using namespace html;
using svg::Escape;

// ---- Sections ----

void Head(const Report& r, const Words& w, std::ostream& out) {
  int side = r.verdict.side == "local" ? 0 : r.verdict.side == "remote" ? 1 : 2;
  out << "<!DOCTYPE html>\n<html lang=\"" << w.lang << "\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"smtptriage " << Escape(r.version) << "\">\n"
      << "<title>" << w.verdict_badge[side] << " - " << Escape(w.title);
  if (!r.empty_period) {
    out << " " << Escape(FormatLocal(r.period_start)) << " " << w.to << " "
        << Escape(FormatLocal(r.period_end));
  }
  out << "</title>\n<style>" << html::kStyle << "</style>\n</head>\n<body>\n<main>\n";
  out << "<header>\n<h1>" << Escape(w.title) << "</h1>\n<p class=\"meta\">";
  if (!r.empty_period) {
    out << w.period << ": " << Escape(FormatLocal(r.period_start)) << " " << w.to << " "
        << Escape(FormatLocal(r.period_end)) << ". ";
  }
  out << w.times_in << " " << Escape(platform::TimeZoneName(w.machine_zone))
      << ".</p>\n</header>\n";
}

void VerdictSection(const Report& r, const Words& w, Lang lang, std::ostream& out) {
  int side = r.verdict.side == "local" ? 0 : r.verdict.side == "remote" ? 1 : 2;
  static const char* kClass[] = {"ours", "theirs", "none"};
  // Shape and word as well as colour: a triangle for a warning, a circle, a check mark.
  static const char* kIcon[] = {"\xE2\x96\xB2", "\xE2\x97\x8F", "\xE2\x9C\x93"};
  out << "<section class=\"verdict " << kClass[side] << "\" aria-labelledby=\"verdict\">\n"
      << "<h2 class=\"line\" id=\"verdict\"><span class=\"icon\" aria-hidden=\"true\">"
      << kIcon[side] << "</span> " << Escape(w.verdict_line[side]) << "</h2>\n"
      << "<p class=\"summary\">" << Escape(SummaryText(r.verdict.summary, lang)) << "</p>\n";
  if (side == 0 && !r.verdict.remote_summary.en.empty()) {
    out << "<p><b>" << w.also_theirs << ":</b> " << Escape(r.verdict.remote_summary.Get(lang))
        << "</p>\n";
  }
  if (!r.verdict.check_first.empty()) {
    out << "<h3>" << w.check_first << " (" << w.rule << " <code>" << Escape(r.verdict.rule)
        << "</code>" << Escape(CheckFirstSpan(r, lang)) << ")</h3>\n<ol>\n";
    for (const LocalizedText& c : r.verdict.check_first)
      out << "<li>" << Escape(c.Get(lang)) << "</li>\n";
    out << "</ol>\n";
  }
  out << "</section>\n";
}

std::string IncidentChart(const Incident& inc, const Report& r, const Words& w, size_t id) {
  Bins bins;
  bins.step = r.bucket_ms > 0 ? r.bucket_ms : 3600000;
  bins.start = inc.buckets.empty() ? inc.start : inc.buckets.front().start;
  bins.count = std::max<size_t>(
      1, inc.buckets.empty() ? 1 : (inc.buckets.back().start - bins.start) / bins.step + 1);
  const double W = 460, H = 170, left = 34, right = 8, top = 16, bottom = 34;
  const double base = H - bottom, pw = W - left - right;
  double max_active = 1;
  for (const IncidentBucket& b : inc.buckets)
    max_active = std::max<double>(max_active, b.active_domains);
  double ymax = AxisMax(max_active);
  double scale = (base - top) / ymax, step_x = pw / bins.count;
  std::string desc = std::string(w.affected_of_active) + " " + Per(bins.step, w) + ":";
  std::vector<double> act(bins.count, 0), aff(bins.count, 0);
  size_t listed = 0;
  for (const IncidentBucket& b : inc.buckets) {
    size_t i = bins.Index(b.start);
    act[i] = static_cast<double>(b.active_domains);
    aff[i] = static_cast<double>(b.affected_domains);
    if (++listed <= 48) {
      desc += (listed > 1 ? ", " : " ") + Hm(b.start) + " " + std::to_string(b.affected_domains) +
              "/" + std::to_string(b.active_domains);
    }
  }
  if (listed > 48) desc += ", ...";
  svg::Writer c(W, H, "i" + std::to_string(id),
                std::string(w.affected_of_active) + " " + Per(bins.step, w), desc, "chart small");
  YAxis(&c, ymax, left, W - right, top, base);
  double bar = std::max(step_x * 0.8, 1.0);
  c.Path(svg::BarsPath(act, left + step_x * 0.1, step_x, bar, base, scale), "act");
  c.Path(svg::BarsPath(aff, left + step_x * 0.25, step_x, std::max(step_x * 0.5, 1.0), base, scale),
         "aff");
  if (bins.count <= 12) {
    for (size_t i = 0; i < bins.count; ++i) {
      if (act[i] <= 0) continue;
      c.Text(left + (i + 0.5) * step_x, base - act[i] * scale - 3,
             svg::Num(aff[i], 0) + "/" + svg::Num(act[i], 0), "lbl", svg::Anchor::kMiddle);
    }
  }
  bins.same_day = true;
  TimeAxis(&c, bins, left, step_x, base, W);
  return c.Finish();
}

void IncidentsSection(const Report& r, const Words& w, Lang lang, std::ostream& out) {
  out << "<section aria-labelledby=\"incidents\">\n<h2 id=\"incidents\">" << w.incidents << " ("
      << r.incidents.size() << ")</h2>\n";
  if (r.incidents.empty()) out << "<p>" << Escape(w.no_incident) << "</p>\n";
  size_t id = 0;
  for (const Incident& inc : r.incidents) {
    int trend = inc.trend == "growing" ? 0 : inc.trend == "falling" ? 2 : 1;
    out << "<article class=\"incident\">\n<h3><span class=\"badge ours\">\xE2\x96\xB2 "
        << w.badge_words[0] << "</span> " << Escape(FamilyWord(inc.family, w)) << ": ";
    if (inc.open) {
      out << w.since << " " << Escape(FormatLocal(inc.start)) << ", " << w.still_open;
    } else {
      out << w.from << " " << Escape(FormatLocal(inc.start)) << " " << w.until << " "
          << Escape(FormatLocal(inc.end));
    }
    out << "</h3>\n<p class=\"meta\">" << Count(inc.domains, w, w.domain_one, w.domain_many) << ", "
        << Count(inc.failures, w, w.failure_one, w.failure_many) << ", " << w.trend << " "
        << w.trend_words[trend];
    if (!inc.reasons.empty()) {
      out << "; ";
      for (size_t i = 0; i < inc.reasons.size(); ++i) {
        out << (i ? ", " : "") << "<code>" << ToString(inc.reasons[i]) << "</code>";
      }
    }
    out << "</p>\n<p>" << Escape(SummaryText(inc.summary, lang)) << "</p>\n";
    if (!inc.sample_domains.empty()) {
      out << "<p class=\"note\">" << w.eg << " ";
      for (size_t i = 0; i < inc.sample_domains.size(); ++i) {
        out << (i ? ", " : "") << Escape(inc.sample_domains[i]);
      }
      out << "</p>\n";
    }
    out << "<figure>\n"
        << IncidentChart(inc, r, w, ++id)
        << "\n<ul class=\"legend\"><li><span class=\"sw aff\"></span>" << w.affected
        << "</li><li><span class=\"sw act\"></span>" << w.active
        << "</li></ul>\n</figure>\n</article>\n";
  }
  out << "</section>\n";
}

// The servers of a run over two or more: what was read as each, and whether a local incident
// was its own (the cause is on that server) or every server's.
void ServersSection(const Report& r, Lang lang, std::ostream& out) {
  if (r.servers.size() < 2) return;
  const bool es = lang == Lang::kEs;
  out << "<section aria-labelledby=\"servers\">\n<h2 id=\"servers\">"
      << (es ? "Servidores" : "Servers") << " (" << r.servers.size() << ")</h2>\n"
      << "<div class=\"table-wrap\"><table>\n<thead><tr><th>" << (es ? "Servidor" : "Server")
      << "</th><th>" << (es ? "Veredicto" : "Verdict") << "</th><th class=\"num\">"
      << (es ? "Sesiones" : "Sessions") << "</th><th class=\"num\">"
      << (es ? "Destinatarios fallidos" : "Failed recipients") << "</th><th class=\"num\">"
      << (es ? "Sesiones fallidas" : "Failed sessions") << "</th><th class=\"num\">"
      << (es ? "Fallos que la respuesta atribuye a nuestro lado"
             : "Failures whose reply puts them on our side")
      << "</th><th>"
      << (es ? "Registros leídos" : "Logs read") << "</th></tr></thead>\n<tbody>\n";
  for (const ServerReport& sv : r.servers) {
    const char* cls = sv.verdict == "local"          ? "ours"
                      : sv.verdict == "organisation" ? "mixed"
                                                     : "healthy";
    const char* word =
        sv.verdict == "local" ? (es ? "\xE2\x96\xB2 NUESTRO: incidente propio"
                                    : "\xE2\x96\xB2 OURS: its own incident")
        : sv.verdict == "organisation"
            ? (es ? "incidente de toda la organizaci\xC3\xB3n" : "organisation-wide incident")
        : sv.local_by_rule > 0 ? (es ? "SIN INCIDENTE" : "NO INCIDENT")
                               : (es ? "SANO" : "HEALTHY");
    out << "<tr><td>" << Escape(sv.name) << "</td><td><span class=\"badge " << cls << "\">" << word
        << "</span></td><td class=\"num\">" << GroupedCount(sv.sessions, lang)
        << "</td><td class=\"num\">" << GroupedCount(sv.failed_recipients, lang)
        << "</td><td class=\"num\">" << GroupedCount(sv.failed_sessions, lang)
        << "</td><td class=\"num\">" << GroupedCount(sv.local_by_rule, lang) << "</td><td>";
    for (size_t i = 0; i < sv.paths.size(); ++i) out << (i ? "<br>" : "") << Escape(sv.paths[i]);
    out << " <span class=\"note\">(" << Escape(ServerHowWords(sv.how, lang))
        << ")</span></td></tr>\n";
  }
  out << "</tbody></table></div>\n</section>\n";
}

void TimelineSection(const Report& r, const Bins& bins, const Words& w, std::ostream& out) {
  std::string per = Per(bins.step, w);
  out << "<section aria-labelledby=\"timeline\">\n<h2 id=\"timeline\">" << w.timeline << "</h2>\n";
  if (bins.count == 0) {
    out << "<p>" << w.no_sessions << "</p>\n</section>\n";
    return;
  }
  std::vector<std::array<double, kFamilyCount>> per_bin(bins.count);
  for (auto& a : per_bin) a.fill(0);
  std::array<int64_t, kFamilyCount> family_total{};
  std::vector<double> total(bins.count, 0);
  for (const TimelineBucket& b : r.timeline) {
    size_t i = bins.Index(b.start);
    for (int f = 0; f < kFamilyCount; ++f) {
      per_bin[i][f] += static_cast<double>(b.by_family[f]);
      family_total[f] += b.by_family[f];
    }
    total[i] += static_cast<double>(b.failures);
  }
  int64_t all = 0;
  for (int64_t n : family_total) all += n;
  size_t peak = 0;
  for (size_t i = 0; i < bins.count; ++i) {
    if (total[i] > total[peak]) peak = i;
  }
  std::string title = std::string(w.timeline_outbound) + " " + per;
  std::string desc = title + ", " + FormatLocal(bins.At(0)) + " " + w.to + " " +
                     FormatLocal(bins.At(bins.count)) + ": " + N(all, w) + " " + w.in_all;
  for (int f = 0; f < kFamilyCount; ++f) {
    if (family_total[f] > 0) {
      desc +=
          ", " + std::string(FamilyWord(static_cast<Family>(f), w)) + " " + N(family_total[f], w);
    }
  }
  if (all > 0) {
    desc += "; " + std::string(w.most) + " " + svg::Num(total[peak], 0) + " (" +
            When(bins.At(peak), bins) + ")";
  }
  desc += ".";

  const double W = 760, H = 250, left = 40, right = 8, top = 26, bottom = 34;
  const double base = H - bottom, pw = W - left - right, step_x = pw / bins.count;
  double ymax = AxisMax(total[peak]);
  double scale = (base - top) / ymax;
  svg::Writer c(W, H, "tl", title, desc);
  // The hours of local incidents, shaded behind the bars.
  for (const Incident& inc : r.incidents) {
    TimeMs end = inc.open ? bins.At(bins.count) : inc.end;
    double x1 =
        left +
        std::max<double>(0, static_cast<double>(inc.start - bins.start) / bins.step) * step_x;
    double x2 =
        left +
        std::min<double>(bins.count, static_cast<double>(end - bins.start) / bins.step) * step_x;
    if (x2 <= x1) continue;
    std::string label = std::string(w.local_incident) + " (" + FamilyWord(inc.family, w) + ")";
    c.Rect(x1, 2, x2 - x1, base - 2, "band", label);
    c.Text(x1 + 3, 15, label, "band-label");
  }
  YAxis(&c, ymax, left, W - right, top, base);
  std::vector<double> below(bins.count, 0);
  double bar = std::max(step_x * 0.8, 1.0);
  for (int f = 0; f < kFamilyCount; ++f) {
    if (family_total[f] == 0) continue;
    std::vector<double> values(bins.count);
    for (size_t i = 0; i < bins.count; ++i) values[i] = per_bin[i][f];
    c.Path(svg::BarsPath(values, left + step_x * 0.1, step_x, bar, base, scale, below),
           FamilyClass(static_cast<Family>(f)), FamilyWord(static_cast<Family>(f), w));
    for (size_t i = 0; i < bins.count; ++i) below[i] += values[i];
  }
  // One tooltip per bin with failures: its time and its failures by family.
  std::vector<std::string> rows(bins.count);
  for (size_t i = 0; i < bins.count; ++i) {
    if (total[i] <= 0) continue;
    std::string detail;
    for (int f = 0; f < kFamilyCount; ++f) {
      if (per_bin[i][f] > 0) {
        detail += (detail.empty() ? "" : ", ") +
                  std::string(FamilyWord(static_cast<Family>(f), w)) + " " +
                  svg::Num(per_bin[i][f], 0);
      }
    }
    rows[i] = detail;
    c.Rect(left + i * step_x, top, step_x, base - top, "hit",
           When(bins.At(i), bins) + ": " + svg::Num(total[i], 0) + " " +
               (total[i] == 1 ? w.failure_one : w.failure_many) + " (" + detail + ")");
  }
  TimeAxis(&c, bins, left, step_x, base, W);
  out << "<figure>\n<figcaption>" << Escape(title) << "</figcaption>\n<div class=\"scroll\">"
      << c.Finish() << "</div>\n";
  out << "<ul class=\"legend\">";
  for (int f = 0; f < kFamilyCount; ++f) {
    if (family_total[f] == 0) continue;
    out << "<li><span class=\"sw " << FamilyClass(static_cast<Family>(f)) << "\"></span>"
        << Escape(FamilyWord(static_cast<Family>(f), w)) << " " << N(family_total[f], w) << "</li>";
  }
  if (all == 0) out << "<li>0 " << w.failure_many << "</li>";
  out << "</ul>\n</figure>\n";
  if (all > 0) {
    out << "<details><summary>" << w.chart_data << "</summary>\n<table>\n<thead><tr><th>" << w.time
        << "</th><th class=\"num\">" << w.columns[4] << "</th><th></th></tr></thead>\n<tbody>\n";
    for (size_t i = 0; i < bins.count; ++i) {
      if (total[i] <= 0) continue;
      out << "<tr><td class=\"when\">" << Escape(When(bins.At(i), bins))
          << "</td><td class=\"num\">" << svg::Num(total[i], 0) << "</td><td>" << Escape(rows[i])
          << "</td></tr>\n";
    }
    out << "</tbody>\n</table>\n</details>\n";
  }
  out << "</section>\n";
}

void ReasonsSection(const Report& r, const Words& w, Lang lang, std::ostream& out) {
  if (r.rules.empty()) return;
  // Failures per rule, and the rules per reason.
  std::map<std::string, std::pair<int64_t, int64_t>> per_rule;  // id -> (count, ours)
  for (const DomainReport& d : r.domains) {
    for (const FailureGroup& g : d.failures) {
      per_rule[g.rule].first += g.count;
      if (d.direction != Direction::kInbound) per_rule[g.rule].second += g.local_count;
    }
  }
  struct Entry {
    Reason reason = Reason::kUndetermined;
    int64_t count = 0;
    int64_t ours = 0;
    std::vector<const Rule*> rules;
  };
  std::vector<Entry> entries;
  for (const auto& [id, rule] : r.rules) {
    const Reason reason = rule.reason;  // a structured binding cannot be captured before clang 16
    auto it = std::find_if(entries.begin(), entries.end(),
                           [reason](const Entry& e) { return e.reason == reason; });
    if (it == entries.end()) {
      Entry e;
      e.reason = rule.reason;
      it = entries.insert(entries.end(), std::move(e));
    }
    it->count += per_rule[id].first;
    it->ours += per_rule[id].second;
    it->rules.push_back(&rule);
  }
  // Ours first, then the most frequent.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if ((a.ours > 0) != (b.ours > 0)) return a.ours > 0;
    if (a.count != b.count) return a.count > b.count;
    return ToString(a.reason) < ToString(b.reason);
  });
  out << "<section aria-labelledby=\"reasons\">\n<h2 id=\"reasons\">" << w.reasons_heading
      << "</h2>\n";
  for (const Entry& e : entries) {
    out << "<article class=\"reason-block" << (e.ours > 0 ? " ours" : "") << "\">\n<h3><code>"
        << ToString(e.reason) << "</code> (" << Escape(FamilyWord(FamilyOf(e.reason), w))
        << "): " << Count(e.count, w, w.failure_one, w.failure_many);
    if (e.ours > 0) out << ", " << N(e.ours, w) << " " << w.of_them_ours;
    out << "</h3>\n";
    for (const Rule* rule : e.rules) {
      out << "<p class=\"note\">" << w.rule << " <code>" << Escape(rule->id) << "</code>, "
          << w.side_phrase[static_cast<int>(rule->side)] << "</p>\n<p>"
          << Escape(rule->explanation.Get(lang)) << "</p>\n";
      if (!rule->checks.empty()) {
        out << "<p><b>" << w.what_to_check << ":</b></p>\n<ol>\n";
        for (const LocalizedText& c : rule->checks)
          out << "<li>" << Escape(c.Get(lang)) << "</li>\n";
        out << "</ol>\n";
      }
    }
    out << "</article>\n";
  }
  out << "</section>\n";
}

void InputSection(const Report& r, const Words& w, Lang lang, std::ostream& out) {
  const Totals& t = r.totals;
  const Diagnostics& diag = r.diagnostics;
  out << "<section aria-labelledby=\"input\">\n<h2 id=\"input\">" << w.input
      << "</h2>\n<dl class=\"stats\">\n"
      << "<dt>" << w.files_read << "</dt><dd>" << N(static_cast<int64_t>(r.files.size()), w)
      << "</dd>\n"
      << "<dt>" << w.log_text << "</dt><dd>" << Bytes(r.bytes, w) << "</dd>\n"
      << "<dt>" << w.lines << "</dt><dd>" << N(r.lines, w) << "</dd>\n"
      << "<dt>" << w.malformed << "</dt><dd>" << N(diag.malformed_total(), w) << "</dd>\n"
      << "<dt>" << w.sessions_label << "</dt><dd>" << N(t.sessions, w) << " ("
      << Count(t.inbound_sessions, w, w.inbound_one, w.inbound_word) << ", "
      << Count(t.internal_sessions, w, w.internal_one, w.internal_word) << ")</dd>\n"
      << "<dt>" << w.messages << "</dt><dd>" << N(t.messages, w) << "</dd>\n"
      << "<dt>" << w.recipients << "</dt><dd>" << N(t.recipients, w) << "</dd>\n"
      << "<dt>" << w.failed_recipients << "</dt><dd>" << N(t.failed_recipients, w) << "</dd>\n"
      << "<dt>" << w.connect_failures << "</dt><dd>" << N(t.connect_failures, w) << "</dd>\n";
  if (t.open_at_end > 0)
    out << "<dt>" << w.open_at_end << "</dt><dd>" << N(t.open_at_end, w) << "</dd>\n";
  out << "</dl>\n";
  if (!diag.by_reason().empty()) {
    out << "<h3>" << w.malformed << "</h3>\n<ul>\n";
    for (const auto& [reason, m] : diag.by_reason()) {
      out << "<li>" << N(m.count, w) << " <b>"
          << Escape(std::string(MalformedWords(reason, lang == Lang::kEs))) << "</b> (" << w.eg;
      for (const std::string& e : m.examples)
        out << " <span class=\"mono\">" << Escape(e) << "</span>";
      out << ")</li>\n";
    }
    out << "</ul>\n";
  }
  if (!diag.skipped().empty()) {
    out << "<h3>" << w.skipped << "</h3>\n<ul>\n";
    for (const SkippedFile& s : diag.skipped()) {
      out << "<li><span class=\"mono\">" << Escape(s.where()) << "</span>: " << Escape(s.reason)
          << "</li>\n";
    }
    out << "</ul>\n";
  }
  if (!diag.notes().empty()) {
    out << "<h3>" << w.notes << "</h3>\n<ul>\n";
    for (const SkippedFile& s : diag.notes()) {
      out << "<li><span class=\"mono\">" << Escape(s.path) << "</span>: " << Escape(s.reason)
          << "</li>\n";
    }
    out << "</ul>\n";
  }
  if (!r.files.empty()) {
    constexpr size_t kMaxFiles = 100;
    out << "<details><summary>" << w.file_list << " (" << N(static_cast<int64_t>(r.files.size()), w)
        << ")</summary>\n<div class=\"table-wrap\"><table>\n<thead><tr>";
    for (int i = 0; i < 5; ++i)
      out << "<th" << (i >= 2 ? " class=\"num\"" : "") << ">" << w.file_columns[i] << "</th>";
    out << "</tr></thead>\n<tbody>\n";
    for (size_t i = 0; i < r.files.size() && i < kMaxFiles; ++i) {
      const InputFileReport& f = r.files[i];
      out << "<tr><td class=\"mono\">" << Escape(f.path) << "</td><td>"
          << w.kinds[static_cast<int>(f.kind)] << "</td><td class=\"num\">" << N(f.bytes, w)
          << "</td><td class=\"num\">" << N(f.lines, w) << "</td><td class=\"num\">"
          << N(f.malformed, w) << "</td></tr>\n";
    }
    out << "</tbody>\n</table></div>\n";
    if (r.files.size() > kMaxFiles) {
      out << "<p class=\"note\">"
          << Format(w.more_files, N(static_cast<int64_t>(r.files.size() - kMaxFiles), w))
          << "</p>\n";
    }
    out << "</details>\n";
  }
  out << "</section>\n";
}

}  // namespace

void RenderHtml(const Report& r, const RenderOptions& o, std::ostream& out) {
  const Words& w = html::WordsFor(o.lang);
  Bins bins = MakeBins(r);
  Head(r, w, out);
  VerdictSection(r, w, o.lang, out);
  IncidentsSection(r, w, o.lang, out);
  ServersSection(r, o.lang, out);
  TimelineSection(r, bins, w, out);
  DomainsSection(r, bins, w, o.lang, out);
  ReasonsSection(r, w, o.lang, out);
  InputSection(r, w, o.lang, out);
  out << "<footer>" << w.made_by << " " << Escape(r.version) << ", "
      << Escape(FormatLocal(r.generated)) << ". " << w.times_in << " "
      << Escape(platform::TimeZoneName(w.machine_zone))
      << ".</footer>\n</main>\n</body>\n</html>\n";
}

}  // namespace smtptriage
