// The verdicts' words (incident_verdicts.cc): the part of the incident model that says, in
// English and Spanish, what the counts mean. Internal to the library.
#pragma once

#include <map>
#include <string>

#include "smtptriage/incident_model.h"

namespace smtptriage {

// Failures by reason name (one side of a domain's failures).
using ReasonCounts = std::map<std::string, int64_t>;

// A domain's verdict from its failures on each side.
void SayDomainVerdict(const AggregatorOptions& opt, int64_t local, int64_t total,
                      const ReasonCounts& local_reasons, const ReasonCounts& remote_reasons,
                      DomainReport* dr);

// The report's verdict: the main local incident, else the domains that name our side, else the
// hops between our servers, else the receivers' own failures; and our own server's refusals of
// mail to us for a fault of its own.
void SayReportVerdict(const IncidentInput& in, Report* report);

}  // namespace smtptriage
