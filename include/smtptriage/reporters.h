// Reporters: free functions that format a finished Report, one file per format, listed in one
// table (adding a format is adding a row). Thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/report.h"

namespace smtptriage {

struct RenderOptions {
  Lang lang = Lang::kEn;
  size_t top = 20;            // text: domains listed in full
  bool verbose = false;
  bool show_healthy = false;  // text: list domains without failures too
  size_t top_domains = 20;    // prometheus: domains with their own series; the rest: "_other"
};

using ReporterFn = void (*)(const Report&, const RenderOptions&, std::ostream&);

struct ReporterEntry {
  std::string_view name;
  ReporterFn render;
  // NDJSON: each failure is written as an event while the logs are read, and `render` adds
  // the closing summary.
  bool streams_failures = false;
};

// The formats of `scan --format`.
const std::vector<ReporterEntry>& Reporters();
const ReporterEntry* FindReporter(std::string_view name);

void RenderText(const Report& report, const RenderOptions& options, std::ostream& out);
void RenderJson(const Report& report, const RenderOptions& options, std::ostream& out);
// The Prometheus text exposition format, for node_exporter's textfile collector
// (docs/MONITORING.md).
void RenderPrometheus(const Report& report, const RenderOptions& options, std::ostream& out);

// The report as a JSON value (schema docs/report.schema.json), shared by json and ndjson.
nlohmann::ordered_json ReportToJson(const Report& report);
// The same without the domains (an empty "domains" array), for writing them one at a time.
nlohmann::ordered_json ReportToJson(const Report& report, bool with_domains);
nlohmann::ordered_json FailureGroupToJson(const FailureGroup& g);

// The reply codes of a failure group: "550 5.7.1", or "Winsock 10060" for a connect failure,
// or "-".
std::string FailureCodes(const FailureGroup& g);

// A count with its thousands grouped as `lang` writes them: "12,345"; in Spanish "12 345", with a
// non-breaking space, and only from five digits on ("1234").
std::string GroupedCount(int64_t n, Lang lang);
// A size for people: "532 bytes", or KB, MB or GB (of 1024) with one decimal, written with the
// decimal mark of `lang` ("1.2 MB"; "1,2 MB" in Spanish).
std::string ByteSize(int64_t b, Lang lang);

// A failure family in the words of `lang` ("authentication"; "autenticación"). JSON and
// Prometheus keep ToString's names in every language.
std::string_view FamilyName(Family f, Lang lang);

// How a server was told from its logs (ServerReport::how), in words: "folder layout".
std::string ServerHowWords(const std::string& how, Lang lang);

// "2026-03-02 16:05 +01:00" in the zone chosen with platform::UseTimeZone.
std::string FormatLocal(TimeMs t, bool with_date = true);

// What stands after "Check first (rule auth.ptr" in text and HTML: how many failures that rule
// explains, and when (verdict.rule_span), so that an old problem is not taken for today's:
// ", 4 failures from 06:21 to 06:35" (", 4 fallos de 06:21 a 06:35"); empty without any.
std::string CheckFirstSpan(const Report& report, Lang lang);

// A summary of the report (a verdict's, an incident's) in `lang`, its times written in UTC for
// JSON ("from 2026-03-02T15:00Z") shown as FormatLocal shows every other time of the report.
std::string SummaryText(const LocalizedText& summary, Lang lang);

}  // namespace smtptriage
