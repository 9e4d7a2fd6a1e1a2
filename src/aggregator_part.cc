// Aggregator::NewPart and MergePart: the sessions of one file counted by the thread that read it,
// then joined into the run's aggregator in file order. The join gives exactly what counting the
// same sessions here one by one would have given: sums add up; what the first session decides
// (a failure group's sample, the first AUTH failure of an address, the order in which domains
// and the reasons of a cell appear) is taken from the part only when it is new here; the lists
// of recent values (KeepRecent) are kept recent over the earlier ones; first-come lists
// (KeepFirst) take the part's values in order until full; and failures still waiting for their
// domain wait on here.
#include <algorithm>
#include <cstdint>

#include "aggregator_internal.h"

namespace smtptriage {

namespace {

void AddTotals(const Totals& from, Totals* to) {
  to->sessions += from.sessions;
  to->failed_sessions += from.failed_sessions;
  to->messages += from.messages;
  to->recipients += from.recipients;
  to->failed_recipients += from.failed_recipients;
  to->connect_failures += from.connect_failures;
  to->inbound_sessions += from.inbound_sessions;
  to->internal_sessions += from.internal_sessions;
  to->open_at_end += from.open_at_end;
  to->closed_idle += from.closed_idle;
  to->auth_failures += from.auth_failures;
}

void AddCell(const BucketCell& from, BucketCell* to) {
  to->attempts += from.attempts;
  for (const auto& [index, n] : from.failed) {
    auto it = std::find_if(to->failed.begin(), to->failed.end(),
                           [&](const auto& p) { return p.first == index; });
    if (it == to->failed.end()) {
      to->failed.emplace_back(index, n);
    } else {
      it->second = static_cast<uint16_t>(std::min<int>(UINT16_MAX, it->second + n));
    }
  }
}

// Adds the cells of `from` into `to`, their keys translated by `key_here`.
template <typename KeyHere>
void AddBuckets(const BucketMap& from, KeyHere key_here, BucketMap* to) {
  for (const auto& [start, cells] : from) {
    auto& into = (*to)[start];
    for (const auto& [key, cell] : cells) AddCell(cell, &into[key_here(key)]);
  }
}

}  // namespace

std::unique_ptr<SessionSink> Aggregator::NewPart() const {
  if (listener_ || options_.resolve_at_once || options_.join_tracking) return nullptr;
  AggregatorOptions options = options_;
  options.servers = nullptr;  // counted by index; the names and paths stay here
  auto part = std::make_unique<Aggregator>(classifier_, std::move(options));
  part->servers_.resize(servers_.size());
  part->part_ = true;
  return part;
}

void Aggregator::MergePart(SessionSink& sink) {
  Aggregator& part = dynamic_cast<Aggregator&>(sink);
  if (part.any_) {
    if (!any_ || part.first_ < first_) first_ = part.first_;
    if (!any_ || part.last_ > last_) last_ = part.last_;
    any_ = true;
  }
  AddTotals(part.totals_, &totals_);
  outside_.Add(part.outside_.sessions, part.outside_.first, part.outside_.last);
  logs_end_ = std::max(logs_end_, part.logs_end_);

  for (size_t i = 0; i < part.servers_.size() && i < servers_.size(); ++i) {
    const ServerReport& from = part.servers_[i];
    ServerReport& to = servers_[i];
    to.sessions += from.sessions;
    to.recipients += from.recipients;
    to.failed_recipients += from.failed_recipients;
    to.failed_sessions += from.failed_sessions;
    to.local_by_rule += from.local_by_rule;
    for (const std::string& h : from.receive_connector_hosts) {
      KeepFirst(&to.receive_connector_hosts, h, 8);
    }
  }

  for (auto& [ip, from] : part.auth_) {
    AuthFailureGroup& to = auth_[ip];
    if (to.count == 0) {
      to = std::move(from);
      continue;
    }
    to.count += from.count;
    to.last = std::max(to.last, from.last);
    for (const std::string& u : from.users) KeepRecent(&to.users, u, 8);
  }

  // The part's domains in the order it met them, so that new ones are numbered here in the order
  // the sessions would have brought them.
  std::vector<size_t> index_here(part.domains_.size());
  // The part's failure groups that failures waiting for a retry point to, and their groups here.
  std::unordered_map<const FailureGroup*, FailureGroup*> group_here;
  for (auto& from : part.domains_) {
    const DomainReport& f = from->report;
    DomainAcc& to = Domain(f.domain, f.direction, f.unresolved);
    index_here[from->index] = to.index;
    DomainReport& d = to.report;
    d.sessions += f.sessions;
    d.recipients += f.recipients;
    d.failed_recipients += f.failed_recipients;
    d.failed_sessions += f.failed_sessions;
    for (const std::string& ip : f.remote_ips) KeepRecent(&d.remote_ips, ip, 8);
    for (const std::string& host : f.remote_hosts) KeepRecent(&d.remote_hosts, host, 8);
    for (const auto& [server, n] : from->failures_by_server) to.failures_by_server[server] += n;
    for (auto& [key, g] : from->groups) {
      auto [it, fresh] = to.groups.try_emplace(key, std::move(g));
      if (!part.retry_waits_.empty()) group_here[&g] = &it->second;
      if (fresh) continue;
      FailureGroup& here = it->second;
      here.count += g.count;
      here.delivered_on_retry += g.delivered_on_retry;
      here.first = std::min(here.first, g.first);
      here.last = std::max(here.last, g.last);
    }
    for (const auto& [key, per_bucket] : from->group_buckets) {
      auto& into = to.group_buckets[key];
      for (const auto& [start, n] : per_bucket) into[start] += n;
    }
  }

  for (const auto& [ip, per_domain] : part.ip_domains_) {
    auto& into = ip_domains_[ip];
    for (const auto& [domain, n] : per_domain) into[domain] += n;
  }
  AddBuckets(part.buckets_, [&](size_t d) { return index_here[d]; }, &buckets_);
  AddBuckets(part.server_buckets_,
             [&](size_t key) {
               return BucketCell::ServerKey(index_here[BucketCell::DomainOfKey(key)],
                                            BucketCell::ServerOfKey(key));
             },
             &server_buckets_);
  for (PendingFailure& p : part.pending_) pending_.push_back(std::move(p));

  // The part's deliveries make good what failed in earlier files, then its own failures that are
  // still waiting wait here: as if its sessions had come here one by one. (Those of its
  // failures that its own deliveries made good were counted in the part.)
  for (const PartDelivery& d : part.part_deliveries_) {
    if (domains_[index_here[d.domain]]->retry_waits > 0) DeliveredAt(d.key, d.time);
  }
  for (const auto& [key, waits] : part.retry_waits_) {
    for (const RetryWait& w : waits) {
      AddRetryWait(key, {w.time, index_here[w.domain], group_here.at(w.group)});
    }
  }
}

}  // namespace smtptriage
