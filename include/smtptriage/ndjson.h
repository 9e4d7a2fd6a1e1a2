// NDJSON events: one JSON object per line, for monitoring and log shippers (scan --format ndjson
// and watch). Every event has `type`, `time` and `schema` ("smtptriage/event@1"); the schema is
// documented in docs/events.schema.json. Pure functions; thread-compatible.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "smtptriage/report.h"

namespace smtptriage {

inline constexpr const char* kEventSchema = "smtptriage/event@1";

// A stable id for a failure: the same failure read twice (e.g. after a restart) has the same id.
std::string FailureId(const FailureEvent& e);

nlohmann::ordered_json FailureEventJson(const FailureEvent& e);
// `type` is incident_opened, incident_updated or incident_closed.
nlohmann::ordered_json IncidentEventJson(const char* type, const Incident& inc, TimeMs now);
nlohmann::ordered_json SnapshotEventJson(const Report& r, TimeMs now, size_t top_domains);
nlohmann::ordered_json SummaryEventJson(const Report& r);

// A log file the watcher could not read, or not all of: `problem` is "skipped" (not read, or
// not from `first_line` on: a damaged .gz, no permission), "malformed" (`lines` lines of it
// could not be read, the first of them `first_line`) or "note" (read again from the start, or
// deleted before its end).
struct FileProblem {
  std::string path;
  const char* problem = "skipped";
  std::string detail;
  int64_t lines = 0;       // malformed only
  int64_t first_line = 0;  // 0: not known, or the whole file
};
nlohmann::ordered_json FileProblemEventJson(const FileProblem& p, TimeMs now);

// One line: the JSON with invalid UTF-8 replaced, and '\n'.
std::string NdjsonLine(const nlohmann::ordered_json& j);

// The `scan --format ndjson` reporter: the summary line (the failure lines are streamed during
// the run through the aggregator's listener).
void RenderNdjsonSummary(const Report& report, const struct RenderOptions& options,
                         std::ostream& out);

}  // namespace smtptriage
