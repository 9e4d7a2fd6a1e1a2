// The incident model: tells an isolated remote fault from a spreading local one. Over the time
// buckets of a run it finds local incidents per failure family (many unrelated outbound domains
// failing the same way at once), attributes every failure group to our side or theirs, and
// gives each domain and the whole report a verdict with its evidence. The model is described for
// administrators in docs/VERDICTS.md. Pure function of its input; thread-compatible.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "smtptriage/aggregator.h"
#include "smtptriage/report.h"

namespace smtptriage {

struct IncidentDomain {
  DomainReport* report;  // failures[] must already be filled
  // failures per bucket and server for each failure group, by the group key of the aggregator
  const std::map<std::string, GroupBuckets>* group_buckets;
};

struct IncidentInput {
  const BucketMap* buckets = nullptr;
  // With two or more servers: the same cells per server (BucketCell::ServerKey), and the names
  // of the servers by index, to say which servers each incident hit.
  const BucketMap* server_buckets = nullptr;
  const std::vector<std::string>* servers = nullptr;
  TimeMs bucket_ms = 3600 * 1000;
  const AggregatorOptions* options = nullptr;
  std::vector<IncidentDomain> domains;  // indexed like the bucket cells
};

// Fills report->incidents and report->verdict, and each domain's verdict, verdict_summary and
// failure groups' local_count.
void RunIncidentModel(const IncidentInput& in, Report* report);

// Whose a failure is, as the model attributes it (scan's verdicts, and investigate's too).
// Whether every failure of group `g` of mail going `direction` is ours, whenever it happened: on
// a hop between our own servers, or with a reply the rules put on our side.
bool AlwaysLocal(const FailureGroup& g, Direction direction);
// The local incident of `family` that a failure at `t` on server `server` (its name) belongs to,
// or null: one covering the time bucket of `t` and, when it is some servers' own (scope
// "server"), one of those servers. An empty `server` (a merged report that does not say whose
// each failure was) belongs to any.
const Incident* IncidentOfFailure(const std::vector<Incident>& incidents, Family family, TimeMs t,
                                  std::string_view server);
// Whether a failure of group `g` of mail going `direction`, at `t` on server `server`, is ours:
// AlwaysLocal, or an outbound failure the rule leaves to either side (a timeout, a lost
// connection) inside a local incident of its family on that server (IncidentOfFailure).
bool FailureIsLocal(const std::vector<Incident>& incidents, const FailureGroup& g,
                    Direction direction, TimeMs t, std::string_view server);

// Fills report->timeline (outbound failures per bucket by family, active outbound domains) and
// each domain's failure_series, for the domains `wanted` accepts (the --domain filter).
void FillTimeline(const IncidentInput& in,
                  const std::function<bool(const DomainReport&)>& wanted, Report* report);

// The key the aggregator uses for a failure group (rule, code, enhanced code, stage).
std::string FailureGroupKey(const FailureGroup& g);

// An incident's trend (growing, falling, steady) in Spanish words.
const char* TrendInSpanish(const std::string& trend);

// A new failure group for a classified failure: classification, codes, stage, and the failure as
// its first sample (count 0; the caller counts and adds where it happened).
FailureGroup StartFailureGroup(const Classification& c, const FailureReply& f);

}  // namespace smtptriage
