// The aggregator's second half: the report built from what was counted (the failures that were
// waiting for their domain, the incident model, the timeline, verdicts and sorting), and the
// rules behind the failures.
#include "smtptriage/aggregator.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "aggregator_internal.h"
#include "smtptriage/incident_model.h"

namespace smtptriage {

void Aggregator::Snapshot(Report* report) const {
  Aggregator copy(classifier_, options_);
  for (const auto& acc : domains_) copy.domains_.push_back(std::make_unique<DomainAcc>(*acc));
  copy.domain_index_ = domain_index_;
  copy.ip_domains_ = ip_domains_;
  copy.buckets_ = buckets_;
  copy.server_buckets_ = server_buckets_;
  copy.servers_ = servers_;
  copy.auth_ = auth_;
  copy.totals_ = totals_;
  copy.first_ = first_;
  copy.last_ = last_;
  copy.any_ = any_;
  copy.outside_ = outside_;
  copy.logs_end_ = logs_end_;
  copy.Finish(report);
}

RuleSpan SpanOfRule(const std::string& rule, const std::vector<const DomainReport*>& domains) {
  RuleSpan span;
  for (const DomainReport* d : domains) {
    for (const FailureGroup& g : d->failures) {
      // Mail to us counts only where our own server refused it for a fault of its own.
      if (g.rule != rule) continue;
      if (d->direction == Direction::kInbound && g.side != Side::kLocal) continue;
      span.first = span.failures == 0 ? g.first : std::min(span.first, g.first);
      span.last = span.failures == 0 ? g.last : std::max(span.last, g.last);
      span.failures += g.count;
    }
  }
  return span;
}

void Aggregator::FillRules(Report* report) const {
  std::map<std::string, const Rule*> by_id;
  for (const Rule& r : classifier_->rules()) by_id.emplace(r.id, &r);
  // What to check first: of the rules behind failures on the verdict's side, those still
  // failing in the last bucket before the latest such failure (what is going on now, not what
  // stopped hours ago), and of them the one behind most failures.
  struct Tally {
    int64_t n = 0;
    TimeMs last = 0;
  };
  std::map<std::string, Tally> tallies;
  const bool local = report->verdict.side == "local";
  for (const auto& acc : domains_) {
    const DomainReport& d = acc->report;
    for (const FailureGroup& g : d.failures) {
      auto it = by_id.find(g.rule);
      if (it != by_id.end()) report->rules.emplace(g.rule, *it->second);
      int64_t n = 0;
      if (d.direction == Direction::kOutbound) {
        n = local ? g.local_count : g.count - g.local_count;
      } else if (d.direction == Direction::kInbound && local && g.side == Side::kLocal) {
        n = g.count;  // our own server refusing mail to us for a fault of its own
      }
      if (n == 0) continue;
      Tally& t = tallies[g.rule];
      t.n += n;
      t.last = std::max(t.last, g.last);
    }
  }
  TimeMs latest = 0;
  for (const auto& [rule, t] : tallies) latest = std::max(latest, t.last);
  const std::string* best = nullptr;
  int64_t best_n = 0;
  for (const auto& [rule, t] : tallies) {
    if (t.last + options_.bucket_ms < latest || t.n <= best_n) continue;
    best = &rule;
    best_n = t.n;
  }
  if (best != nullptr) {
    report->verdict.rule = *best;
    auto it = by_id.find(*best);
    if (it != by_id.end()) report->verdict.check_first = it->second->checks;
    std::vector<const DomainReport*> all;
    for (const auto& acc : domains_) all.push_back(&acc->report);
    report->verdict.rule_span = SpanOfRule(*best, all);
  }
}

void Aggregator::Finish(Report* report) {
  for (PendingFailure& p : pending_) {
    std::string name = LearnedDomain(p.remote_ip);
    bool unresolved = name.empty();
    if (unresolved) name = p.remote_ip;
    if (name.empty()) name = "(unknown)";
    DomainAcc& acc = Domain(name, p.direction, unresolved);
    ++acc.report.sessions;
    ++acc.report.failed_sessions;
    if (options_.by_server) ++acc.failures_by_server[p.server];
    // Added when missing, not made the most recent: the failure happened before the end.
    RememberUpTo(&acc.report.remote_ips, p.remote_ip, 8);
    std::vector<int> failed;
    int index = AddFailure(acc, p.failure, p.where);
    if (p.server < servers_.size()) CountLocal(index, &servers_[p.server]);  // (never inbound)
    NoteFailure(&failed, index);
    Count(acc, p.failure.time, failed, p.server);
  }
  pending_.clear();

  report->totals = totals_;
  report->empty_period = !any_;
  report->outside_period = outside_;
  report->logs_end = logs_end_;
  report->period_start = options_.since ? *options_.since : first_;
  report->period_end = options_.until ? *options_.until : last_;

  auto wanted = [&](const DomainReport& d) {
    if (options_.domain.empty()) return true;
    const std::string& want = options_.domain;
    return d.domain == want || (d.domain.size() > want.size() &&
                                d.domain.compare(d.domain.size() - want.size(), want.size(),
                                                 want) == 0 &&
                                d.domain[d.domain.size() - want.size() - 1] == '.');
  };

  IncidentInput model;
  model.buckets = &buckets_;
  model.bucket_ms = options_.bucket_ms;
  model.options = &options_;
  std::vector<std::string> server_names;
  for (const ServerReport& sr : servers_) server_names.push_back(sr.name);
  if (!server_names.empty()) model.servers = &server_names;
  if (servers_.size() >= 2) model.server_buckets = &server_buckets_;
  // The cells and per-bucket counts that `merge` needs, per server when there are several.
  {
    const bool per_server = servers_.size() >= 2;
    const BucketMap& cells = per_server ? server_buckets_ : buckets_;
    for (const auto& [start, by_key] : cells) {
      for (const auto& [key, cell] : by_key) {
        size_t d = per_server ? BucketCell::DomainOfKey(key) : key;
        uint32_t server = per_server ? BucketCell::ServerOfKey(key) : 0;
        if (d >= domains_.size()) continue;
        CellRecord c;
        c.start = start;
        if (server < servers_.size()) c.server = servers_[server].name;
        c.attempts = cell.attempts;
        for (const auto& [slot, n] : cell.failed) {
          c.failed.push_back({BucketCell::ReasonOf(slot),
                              BucketCell::IsLocal(slot) ? Side::kLocal : Side::kEither, n});
        }
        std::sort(c.failed.begin(), c.failed.end(), [](const CellFailure& a, const CellFailure& b) {
          return std::tie(a.reason, a.side) < std::tie(b.reason, b.side);
        });
        domains_[d]->report.cells.push_back(std::move(c));
      }
    }
    for (auto& acc : domains_) {
      std::sort(acc->report.cells.begin(), acc->report.cells.end(),
                [](const CellRecord& a, const CellRecord& b) {
                  return std::tie(a.start, a.server) < std::tie(b.start, b.server);
                });
      for (auto& [key, g] : acc->groups) {
        g.buckets.clear();
        auto it = acc->group_buckets.find(key);
        if (it == acc->group_buckets.end()) continue;
        for (const auto& [at, n] : it->second) {  // (the servers of a bucket added up)
          if (g.buckets.empty() || g.buckets.back().start != at.first) {
            g.buckets.push_back({at.first, 0, {}});
          }
          g.buckets.back().failures += n;
          if (per_server && at.second < servers_.size()) {
            g.buckets.back().servers.emplace_back(servers_[at.second].name, n);
          }
        }
      }
    }
  }
  for (auto& acc : domains_) {
    DomainReport& d = acc->report;
    for (const auto& [server, n] : acc->failures_by_server) {
      std::string name = server < servers_.size() ? servers_[server].name : std::to_string(server);
      d.failures_by_server[name] += n;
    }
    d.failures.reserve(acc->groups.size());
    for (auto& [key, g] : acc->groups) d.failures.push_back(std::move(g));  // (Finish runs once)
    std::sort(d.failures.begin(), d.failures.end(),
              [](const FailureGroup& a, const FailureGroup& b) {
                return a.count != b.count ? a.count > b.count : a.rule < b.rule;
              });
    model.domains.push_back({&d, &acc->group_buckets});
  }
  RunIncidentModel(model, report);
  FillTimeline(model, wanted, report);
  // A server's verdict: the local incidents it had, and whether others had them too.
  for (ServerReport& sr : servers_) {
    for (const Incident& inc : report->incidents) {
      if (std::find(inc.servers.begin(), inc.servers.end(), sr.name) == inc.servers.end()) continue;
      if (inc.scope == "server") {
        sr.verdict = "local";
      } else if (sr.verdict == "healthy") {
        sr.verdict = "organisation";
      }
    }
  }
  // A server's Receive logs hold only its own connectors (SERVER\Name): several names mean the
  // logs of several servers read as one, whose session ids may collide.
  for (const ServerReport& sr : servers_) {
    if (sr.receive_connector_hosts.size() < 2 || sr.how == "explicit") continue;
    std::string hosts;
    for (const std::string& h : sr.receive_connector_hosts)
      hosts += (hosts.empty() ? "" : ", ") + h;
    report->diagnostics.Note(sr.paths.empty() ? sr.name : sr.paths.front(),
                             "the Receive logs read as server '" + sr.name +
                                 "' name several servers (" + hosts +
                                 "): session ids are unique only per server; give each server's "
                                 "logs with --server NAME=PATH");
  }
  report->servers = servers_;
  std::sort(report->servers.begin(), report->servers.end(),
            [](const ServerReport& a, const ServerReport& b) { return a.name < b.name; });
  FillRules(report);

  for (auto& acc : domains_) {
    if (wanted(acc->report)) report->domains.push_back(std::move(acc->report));
  }
  std::sort(report->domains.begin(), report->domains.end(),
            [](const DomainReport& a, const DomainReport& b) {
              // Ours first (what we can fix), then mixed, then theirs, then healthy.
              auto rank = [](const std::string& v) {
                return v == "local" ? 0 : v == "mixed" ? 1 : v == "remote" ? 2 : 3;
              };
              if (rank(a.verdict) != rank(b.verdict)) return rank(a.verdict) < rank(b.verdict);
              int64_t fa = a.failures_total(), fb = b.failures_total();
              if (fa != fb) return fa > fb;
              if (a.sessions != b.sessions) return a.sessions > b.sessions;
              // A domain can be listed once per direction: mail to it first, whatever order
              // the logs (or the reports merged) gave them in.
              if (a.domain != b.domain) return a.domain < b.domain;
              return a.direction < b.direction;
            });
  // Failed logins are a client's, of no domain: a report of one domain leaves them out.
  if (options_.domain.empty()) {
    for (auto& [ip, a] : auth_) report->auth_failures.push_back(a);
  }
  std::sort(report->auth_failures.begin(), report->auth_failures.end(),
            [](const AuthFailureGroup& a, const AuthFailureGroup& b) {
              return a.count != b.count ? a.count > b.count : a.remote_ip < b.remote_ip;
            });
}

}  // namespace smtptriage
