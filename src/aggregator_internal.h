// The aggregator's per-domain state, shared by aggregator.cc and the merge of reports in
// aggregator_merge.cc, and the report it builds in aggregator_report.cc. Internal to the
// library.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "smtptriage/aggregator.h"

namespace smtptriage {

// Adds `value` (not empty, not yet there) at the end of `list`, dropping the oldest past `max`.
void RememberUpTo(std::vector<std::string>* list, const std::string& value, size_t max);

// Keeps `list` the first `max` distinct values seen: a value comes in only while there is room.
void KeepFirst(std::vector<std::string>* list, const std::string& value, size_t max);

// Keeps `list` the last `max` distinct values seen, most recent last: a value already there moves
// to the end. Unlike RememberUpTo, the result of two runs of values one after the other is the
// second's list kept recent over the first's, which lets a parallel run join its parts exactly.
void KeepRecent(std::vector<std::string>* list, const std::string& value, size_t max);

// Counts a failure of outbound mail or of a hop between our servers (its index from
// Aggregator::AddFailure) on `server` when the rules put it on our side.
inline void CountLocal(int index, ServerReport* server) {
  if (index >= 0 && BucketCell::IsLocal(index)) ++server->local_by_rule;
}

// Adds a failure index (see Aggregator::AddFailure; -1 for none) to a session's list once: a
// session counts once per reason.
inline void NoteFailure(std::vector<int>* failed, int index) {
  if (index >= 0 && std::find(failed->begin(), failed->end(), index) == failed->end()) {
    failed->push_back(index);
  }
}

struct Aggregator::DomainAcc {
  size_t index = 0;
  DomainReport report;
  // Failure groups by "rule|code|enhanced|stage", with the failures per time bucket kept for
  // the attribution to incidents.
  std::map<std::string, FailureGroup> groups;
  std::map<std::string, GroupBuckets> group_buckets;
  std::map<uint32_t, int64_t> failures_by_server;  // with AggregatorOptions::by_server
  size_t retry_waits = 0;  // entries of retry_waits_ that are this domain's
};

struct Aggregator::PendingFailure {
  uint32_t server = 0;
  std::string remote_ip;
  Direction direction;
  FailureContext where;
  FailureReply failure;
};

}  // namespace smtptriage
