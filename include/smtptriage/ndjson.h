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

// One line: the JSON with invalid UTF-8 replaced, and '\n'.
std::string NdjsonLine(const nlohmann::ordered_json& j);

// The `scan --format ndjson` reporter: the summary line (the failure lines are streamed during
// the run through the aggregator's listener).
void RenderNdjsonSummary(const Report& report, const struct RenderOptions& options,
                         std::ostream& out);

}  // namespace smtptriage
