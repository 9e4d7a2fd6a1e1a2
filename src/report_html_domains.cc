// The domains section of the HTML report: one table per direction, a row per domain with its
// verdict, its failure groups and a sparkline of its failures over the period, and the table of
// failed logins. The rest of the page is in report_html.cc.
#include <algorithm>
#include <string>
#include <vector>

#include "report_html_parts.h"
#include "smtptriage/report_html.h"
#include "smtptriage/reporters.h"
#include "smtptriage/svg.h"

namespace smtptriage::html {
namespace {

using svg::Escape;

// A domain's failures per bin as a small bar chart.
std::string Sparkline(const DomainReport& d, const Bins& bins, const Words& w, size_t id) {
  std::vector<double> values(bins.count, 0);
  for (const SeriesPoint& p : d.failure_series)
    values[bins.Index(p.start)] += static_cast<double>(p.failures);
  size_t peak = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] > values[peak]) peak = i;
  }
  std::string title = std::string(w.columns[6]) + ": " + N(d.failures_total(), w) + " " + w.in_all +
                      ", " + w.most + " " + svg::Num(values[peak], 0) + " (" +
                      When(bins.At(peak), bins) + ")";
  std::string desc;
  size_t listed = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] <= 0) continue;
    if (++listed > 24) {
      desc += ", ...";
      break;
    }
    desc += (desc.empty() ? "" : ", ") + When(bins.At(i), bins) + " " + svg::Num(values[i], 0);
  }
  const double W = 120, H = 24;
  svg::Writer c(W, H, "s" + std::to_string(id), title, desc, "spark");
  double step = W / bins.count;
  c.Line(0, H - 0.5, W, H - 0.5, "sp-base");
  c.Path(svg::BarsPath(values, step * 0.1, step, std::max(step * 0.8, 0.8), H - 1,
                       (H - 2) / std::max(values[peak], 1.0)),
         d.verdict == "local" ? "sp ours" : "sp");
  return c.Finish();
}

struct ReasonSum {
  Reason reason = Reason::kUndetermined;
  int64_t count = 0;
  int64_t local = 0;
  int64_t retried = 0;  // delivered on retry
};

void DomainRow(const DomainReport& d, const Bins& bins, const Words& w, Lang lang, size_t id,
               std::ostream& out) {
  const char* cls = "theirs";
  const char* icon = "\xE2\x97\x8F";  // circle
  int word = 2;
  if (d.direction == Direction::kInbound) {
    cls = "refused", icon = "\xE2\x96\xA0", word = 3;  // square
  } else if (d.verdict == "local") {
    cls = "ours", icon = "\xE2\x96\xB2", word = 0;  // triangle
  } else if (d.verdict == "mixed") {
    cls = "mixed", icon = "\xE2\x97\x86", word = 1;  // diamond
  } else if (d.verdict == "healthy") {
    cls = "healthy", icon = "\xE2\x9C\x93", word = 4;
  }
  // Reasons: the failure groups summed per reason, most first.
  std::vector<ReasonSum> reasons;
  std::vector<std::string> codes;
  TimeMs first = 0, last = 0;
  for (const FailureGroup& g : d.failures) {
    auto it = std::find_if(reasons.begin(), reasons.end(),
                           [&](const ReasonSum& s) { return s.reason == g.reason; });
    if (it == reasons.end()) it = reasons.insert(reasons.end(), ReasonSum{g.reason});
    it->count += g.count;
    it->local += g.local_count;
    it->retried += g.delivered_on_retry;
    std::string c = FailureCodes(g);
    if (codes.size() < 4 && std::find(codes.begin(), codes.end(), c) == codes.end())
      codes.push_back(c);
    first = first == 0 ? g.first : std::min(first, g.first);
    last = std::max(last, g.last);
  }
  // Most first, and of as many by name, as the verdict's sentence names them: the reasons the
  // column leaves out ("+1 more") are those the sentence leaves out.
  std::sort(reasons.begin(), reasons.end(), [](const ReasonSum& a, const ReasonSum& b) {
    return a.count != b.count ? a.count > b.count : ToString(a.reason) < ToString(b.reason);
  });
  // One <tbody> per domain: the figures, then the evidence under them.
  out << "<tbody class=\"" << cls << "\">\n<tr class=\"main\"><td data-label=\"" << w.columns[0]
      << "\"><span class=\"badge " << cls << "\"><span aria-hidden=\"true\">" << icon << "</span> "
      << w.badge_words[word] << "</span></td>\n<td data-label=\"" << w.columns[1]
      << "\"><div class=\"dom\">" << Escape(d.domain) << "</div>";
  if (d.unresolved) {
    out << "<div class=\"note\">(" << (d.direction == Direction::kInbound ? w.client_ip : w.ip_only)
        << ")</div>";
  }
  out << "</td>\n<td data-label=\"" << w.columns[2] << "\"><ul class=\"reasons\">";
  for (size_t i = 0; i < reasons.size() && i < 3; ++i) {
    out << "<li><code>" << ToString(reasons[i].reason) << "</code> " << N(reasons[i].count, w);
    if (reasons[i].local > 0 && d.direction != Direction::kInbound) {
      // Some of a reason's failures can be ours and the rest not: say how many are.
      out << " <span class=\"tag\">\xE2\x96\xB2 "
          << (reasons[i].local < reasons[i].count
                  ? N(reasons[i].local, w) + " " + w.of_them_ours
                  : std::string(w.ours_tag))
          << "</span>";
    }
    if (reasons[i].retried > 0) {  // temporary, and made good since: no problem any more
      out << " <span class=\"tag\">" << N(reasons[i].retried, w) << " " << w.delivered_on_retry
          << "</span>";
    }
    out << "</li>";
  }
  if (reasons.size() > 3) {
    out << "<li class=\"note\">+" << reasons.size() - 3 << " " << w.more_reasons << "</li>";
  }
  out << "</ul></td>\n<td data-label=\"" << w.columns[3] << "\">";
  for (size_t i = 0; i < codes.size(); ++i) {
    out << (i ? "<br>" : "") << "<span class=\"mono\">" << Escape(codes[i]) << "</span>";
  }
  out << "</td>\n<td class=\"num\" data-label=\"" << w.columns[4] << "\">"
      << N(d.failures_total(), w) << "<div class=\"note\">"
      << Count(d.sessions, w, w.session_one, w.session_many) << "</div></td>\n"
      << "<td class=\"when\" data-label=\"" << w.columns[5] << "\">" << Escape(When(first, bins))
      << " \xE2\x80\x93 " << Escape(When(last, bins)) << "</td>\n<td data-label=\"" << w.columns[6]
      << "\">" << (bins.count > 0 ? Sparkline(d, bins, w, id) : std::string()) << "</td></tr>\n"
      << "<tr class=\"detail\"><td class=\"pad\"></td><td colspan=\"6\">";
  // What our own server refused inbound is not a verdict on either side.
  if (d.direction != Direction::kInbound) {
    out << Escape(d.verdict_summary.Get(lang)) << " ";
  }
  if (!d.failures.empty()) {
    const FailureGroup& g = d.failures.front();
    out << "<span class=\"sample\">\"" << Escape(svg::Clip(g.sample, 160))
        << "\" <span class=\"mono\">" << Escape(g.sample_ref) << "</span></span>";
  }
  out << "</td></tr>\n</tbody>\n";
}

void DomainTable(const Report& r, const Bins& bins, const Words& w, Lang lang, Direction dir,
                 const char* heading, size_t* id, std::ostream& out) {
  size_t failing = 0, all = 0;
  for (const DomainReport& d : r.domains) {
    if (d.direction != dir) continue;
    ++all;
    failing += d.failures_total() > 0;
  }
  if (failing == 0 && dir != Direction::kOutbound) return;
  out << "<h3>" << Escape(heading) << "</h3>\n";
  if (dir == Direction::kOutbound) {
    if (failing == 0) {
      out << "<p>" << w.no_outbound << "</p>\n";
      return;
    }
    out << "<p class=\"note\">"
        << (all == 1 ? std::string(w.outbound_count_one)
                     : Format(w.outbound_count, N(failing, w), N(all, w)))
        << "</p>\n";
  } else if (dir == Direction::kInbound) {
    out << "<p class=\"note\">"
        << (all == 1 ? std::string(w.inbound_count_one)
                     : Format(w.inbound_count, N(failing, w), N(all, w)))
        << "</p>\n";
  }
  out << "<div class=\"table-wrap\"><table class=\"domains\">\n<thead><tr>";
  for (int i = 0; i < 7; ++i) {
    out << "<th" << (i == 4 ? " class=\"num\"" : "") << ">" << w.columns[i] << "</th>";
  }
  out << "</tr></thead>\n";
  size_t shown = 0;
  for (const DomainReport& d : r.domains) {
    if (d.direction != dir || d.failures_total() == 0) continue;
    if (shown == kHtmlDomainRows) break;
    ++shown;
    DomainRow(d, bins, w, lang, ++*id, out);
  }
  out << "</table></div>\n";
  if (failing > shown) {
    const size_t more = failing - shown;
    const bool inbound = dir == Direction::kInbound;
    const char* fmt = inbound ? (more == 1 ? w.more_senders_one : w.more_senders)
                              : (more == 1 ? w.more_rows_one : w.more_rows);
    out << "<p class=\"note\">" << Format(fmt, N(static_cast<int64_t>(more), w)) << "</p>\n";
  }
}

void AuthTable(const Report& r, const Bins& bins, const Words& w, std::ostream& out) {
  if (r.auth_failures.empty()) return;
  out << "<h3>" << w.auth
      << "</h3>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>IP</th><th class=\"num\">"
      << w.attempts << "</th><th>" << w.first << "</th><th>" << w.last << "</th><th>" << w.users
      << "</th></tr></thead>\n<tbody>\n";
  size_t shown = 0;
  for (const AuthFailureGroup& a : r.auth_failures) {
    if (++shown > kHtmlDomainRows) break;
    out << "<tr><td class=\"mono\">" << Escape(a.remote_ip) << "<div class=\"sample\">"
        << Escape(a.sample_ref) << "</div></td><td class=\"num\">" << N(a.count, w)
        << "</td><td class=\"when\">" << Escape(When(a.first, bins)) << "</td><td class=\"when\">"
        << Escape(When(a.last, bins)) << "</td><td>";
    for (size_t i = 0; i < a.users.size(); ++i) out << (i ? ", " : "") << Escape(a.users[i]);
    out << "</td></tr>\n";
  }
  out << "</tbody>\n</table></div>\n";
  if (r.auth_failures.size() > kHtmlDomainRows) {
    out << "<p class=\"note\">+"
        << N(static_cast<int64_t>(r.auth_failures.size() - kHtmlDomainRows), w) << "</p>\n";
  }
}

}  // namespace

void DomainsSection(const Report& r, const Bins& bins, const Words& w, Lang lang,
                    std::ostream& out) {
  out << "<section aria-labelledby=\"domains\">\n<h2 id=\"domains\">" << w.domains_heading
      << "</h2>\n";
  size_t id = 0;
  DomainTable(r, bins, w, lang, Direction::kOutbound, w.outbound, &id, out);
  DomainTable(r, bins, w, lang, Direction::kInternal, w.internal, &id, out);
  DomainTable(r, bins, w, lang, Direction::kInbound, w.inbound, &id, out);
  AuthTable(r, bins, w, out);
  out << "</section>\n";
}

}  // namespace smtptriage::html
