// FillTimeline (declared in incident_model.h): the per-bucket series of a report, for charts.
#include <map>

#include "smtptriage/incident_model.h"

namespace smtptriage {

void FillTimeline(const IncidentInput& in,
                  const std::function<bool(const DomainReport&)>& wanted, Report* report) {
  report->bucket_ms = in.bucket_ms;
  std::map<TimeMs, TimelineBucket> timeline;
  for (const auto& [start, cells] : *in.buckets) {
    TimelineBucket& b = timeline[start];
    b.start = start;
    for (const auto& [index, cell] : cells) {
      const DomainReport& d = *in.domains[index].report;
      if (d.direction == Direction::kOutbound && cell.attempts > 0 && wanted(d)) ++b.active_domains;
    }
  }
  for (const IncidentDomain& d : in.domains) {
    DomainReport& dr = *d.report;
    if (!wanted(dr)) continue;
    std::map<std::string, Family> family_of;
    for (const FailureGroup& g : dr.failures) family_of.emplace(FailureGroupKey(g), g.family);
    std::map<TimeMs, int64_t> series;
    for (const auto& [key, per_bucket] : *d.group_buckets) {
      auto fam = family_of.find(key);
      for (const auto& [at, n] : per_bucket) {
        const TimeMs start = at.first;
        series[start] += n;
        if (dr.direction != Direction::kOutbound) continue;
        TimelineBucket& b = timeline[start];
        b.start = start;
        b.failures += n;
        if (fam != family_of.end()) b.by_family[static_cast<int>(fam->second)] += n;
      }
    }
    dr.failure_series.clear();
    for (const auto& [start, n] : series) {
      if (n > 0) dr.failure_series.push_back({start, n, {}});
    }
  }
  report->timeline.clear();
  for (auto& [start, b] : timeline) report->timeline.push_back(b);
}

}  // namespace smtptriage
