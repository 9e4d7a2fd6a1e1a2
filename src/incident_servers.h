// Which servers a local incident hit, and the sentence that says so: the part of the incident
// model that runs only when a run reads two or more servers. Internal to the library.
#pragma once

#include "smtptriage/incident_model.h"

namespace smtptriage {

// Fills inc->servers and inc->scope from the per-server cells of `in`.
void IncidentServers(const IncidentInput& in, Incident* inc);

// "EX01 and EX02" (or "EX01 y EX02" with last_sep " y ").
std::string JoinNames(const std::vector<std::string>& names, const char* last_sep);

// The sentence on servers that ends an incident's summary (empty with fewer than two servers).
LocalizedText ServersSentence(const IncidentInput& in, const Incident& inc);

}  // namespace smtptriage
