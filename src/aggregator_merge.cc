// Aggregator::Absorb: adding up JSON reports for `smtptriage merge`.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "aggregator_internal.h"
#include "json_number.h"
#include "smtptriage/incident_model.h"
#include "smtptriage/time_util.h"

namespace smtptriage {

namespace {

using nlohmann::json;

TimeMs TimeOf(const json& j) {
  TimeMs t = 0;
  if (!j.is_string() || !ParseIsoTime(j.get<std::string>(), &t)) {
    throw std::runtime_error("not a time: " + j.dump());
  }
  return t;
}

template <typename T>
T Parsed(std::optional<T> v, const json& j, const char* what) {
  if (!v) throw std::runtime_error(std::string("unknown ") + what + ": " + j.dump());
  return *v;
}

FailureGroup GroupOf(const json& j) {
  FailureGroup g;
  g.reason = Parsed(ParseReason(j.at("reason").get<std::string>()), j.at("reason"), "reason");
  g.family = Parsed(ParseFamily(j.at("family").get<std::string>()), j.at("family"), "family");
  g.side = Parsed(ParseSide(j.at("side").get<std::string>()), j.at("side"), "side");
  g.retry = Parsed(ParseRetry(j.at("retry").get<std::string>()), j.at("retry"), "retry");
  g.rule = j.at("rule").get<std::string>();
  g.code = j.at("code").is_null() ? 0 : JsonInteger<int>(j.at("code"));
  g.enhanced = j.at("enhanced").is_null() ? "" : j.at("enhanced").get<std::string>();
  g.command = Parsed(ParseStage(j.at("command").get<std::string>()), j.at("command"), "command");
  g.count = JsonInteger<int64_t>(j.at("count"));
  if (j.contains("delivered_on_retry")) {
    g.delivered_on_retry = JsonInteger<int64_t>(j.at("delivered_on_retry"));
  }
  g.first = TimeOf(j.at("first"));
  g.last = TimeOf(j.at("last"));
  g.sample = j.at("sample").get<std::string>();
  g.sample_ref = j.at("sample_ref").get<std::string>();
  g.sample_session = j.at("sample_session").get<std::string>();
  g.sample_connector = j.at("sample_connector").get<std::string>();
  g.sample_local = j.at("sample_local_endpoint").get<std::string>();
  g.sample_remote = j.at("sample_remote_endpoint").get<std::string>();
  g.sample_remote_host = j.at("sample_remote_host").get<std::string>();
  g.sample_command = j.at("sample_command").get<std::string>();
  for (const json& b : j.at("buckets")) {
    g.buckets.push_back({TimeOf(b.at("start")), JsonInteger<int64_t>(b.at("failures")), {}});
    if (b.contains("servers")) {
      for (const auto& [name, n] : b.at("servers").items()) {
        g.buckets.back().servers.emplace_back(name, JsonInteger<int64_t>(n));
      }
    }
  }
  return g;
}

void AddCell(BucketCell& cell, const json& c) {
  cell.attempts = static_cast<int32_t>(std::min<int64_t>(
      INT32_MAX, int64_t{cell.attempts} + JsonInteger<int32_t>(c.at("attempts"))));
  for (const json& f : c.at("failed")) {
    Reason r = Parsed(ParseReason(f.at("reason").get<std::string>()), f.at("reason"), "reason");
    Side side = f.at("side").get<std::string>() == "local" ? Side::kLocal : Side::kEither;
    int index = BucketCell::Index(r, side);
    int64_t n = JsonInteger<int64_t>(f.at("sessions"));
    auto it = std::find_if(cell.failed.begin(), cell.failed.end(),
                           [&](const auto& p) { return p.first == index; });
    if (it == cell.failed.end()) {
      cell.failed.emplace_back(static_cast<uint8_t>(index), 0);
      it = cell.failed.end() - 1;
    }
    it->second = static_cast<uint16_t>(std::min<int64_t>(UINT16_MAX, it->second + n));
  }
}

}  // namespace

uint32_t Aggregator::ServerIndex(const std::string& name) {
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].name == name) return static_cast<uint32_t>(i);
  }
  ServerReport s;
  s.name = name;
  servers_.push_back(std::move(s));
  return static_cast<uint32_t>(servers_.size() - 1);
}

Status Aggregator::Absorb(const json& report) {
  const char* where = "the report";
  try {
    where = "schema";
    if (!report.is_object() || !report.contains("schema")) {
      return Status::Invalid(std::string("not a report: it has no \"schema\"") + kReportNeeded);
    }
    if (report.at("schema").get<std::string>() != kReportSchema) {
      return Status::Invalid(std::string("not a report of schema ") + kReportSchema +
                             kReportNeeded);
    }
    where = "timeline.bucket_seconds";
    const int64_t seconds = JsonInteger<int64_t>(report.at("timeline").at("bucket_seconds"));
    if (seconds * 1000 != options_.bucket_ms) {
      return Status::Invalid("its time buckets are " + std::to_string(seconds) +
                             " s (timeline.bucket_seconds), --bucket is " +
                             std::to_string(options_.bucket_ms / 1000) +
                             " s: give merge the --bucket the reports were made with");
    }
    where = "servers";
    const uint32_t only_server =
        report.at("servers").size() == 1
            ? ServerIndex(report.at("servers")[0].at("name").get<std::string>())
            : kAnyServer;
    for (const json& s : report.at("servers")) {
      ServerReport& mine = servers_[ServerIndex(s.at("name").get<std::string>())];
      mine.sessions += JsonInteger<int64_t>(s.at("sessions"));
      mine.recipients += JsonInteger<int64_t>(s.at("recipients"));
      mine.failed_recipients += JsonInteger<int64_t>(s.at("failed_recipients"));
      mine.failed_sessions += JsonInteger<int64_t>(s.at("failed_sessions"));
      // (absent from reports that earlier builds of smtptriage wrote)
      if (s.contains("local_by_rule")) {
        mine.local_by_rule += JsonInteger<int64_t>(s.at("local_by_rule"));
      }
      if (mine.how.empty()) mine.how = s.at("how").get<std::string>();
      for (const json& p : s.at("paths")) RememberUpTo(&mine.paths, p.get<std::string>(), 1 << 20);
      // The first eight, as a scan of the servers' logs in this order keeps them.
      for (const json& h : s.at("receive_connector_hosts")) {
        KeepFirst(&mine.receive_connector_hosts, h.get<std::string>(), 8);
      }
    }
    where = "totals";
    const json& t = report.at("totals");
    totals_.sessions += JsonInteger<int64_t>(t.at("sessions"));
    totals_.failed_sessions += JsonInteger<int64_t>(t.at("failed_sessions"));
    totals_.messages += JsonInteger<int64_t>(t.at("messages"));
    totals_.recipients += JsonInteger<int64_t>(t.at("recipients"));
    totals_.failed_recipients += JsonInteger<int64_t>(t.at("failed_recipients"));
    totals_.connect_failures += JsonInteger<int64_t>(t.at("connect_failures"));
    totals_.inbound_sessions += JsonInteger<int64_t>(t.at("inbound_sessions"));
    totals_.internal_sessions += JsonInteger<int64_t>(t.at("internal_sessions"));
    totals_.open_at_end += JsonInteger<int64_t>(t.at("open_at_end"));
    totals_.closed_idle += JsonInteger<int64_t>(t.at("closed_idle"));
    totals_.auth_failures += JsonInteger<int64_t>(t.at("auth_failures"));
    where = "period";
    const json& period = report.at("period");
    // The period of a report that read no session (a quiet day's --since/--until) says nothing
    // of the sessions merged, whichever report came first.
    if (!period.at("start").is_null() && !period.at("end").is_null() &&
        JsonInteger<int64_t>(t.at("sessions")) > 0) {
      TimeMs start = TimeOf(period.at("start")), end = TimeOf(period.at("end"));
      if (!any_ || start < first_) first_ = start;
      if (!any_ || end > last_) last_ = end;
      any_ = true;
    }
    if (period.contains("logs_end") && !period.at("logs_end").is_null()) {
      logs_end_ = std::max(logs_end_, TimeOf(period.at("logs_end")));
    }
    where = "domains";
    for (const json& d : report.at("domains")) {
      Direction dir = d.at("direction") == "inbound"    ? Direction::kInbound
                      : d.at("direction") == "internal" ? Direction::kInternal
                                                        : Direction::kOutbound;
      DomainAcc& acc =
          Domain(d.at("domain").get<std::string>(), dir, d.at("unresolved").get<bool>());
      DomainReport& r = acc.report;
      r.sessions += JsonInteger<int64_t>(d.at("sessions"));
      r.recipients += JsonInteger<int64_t>(d.at("recipients"));
      r.failed_recipients += JsonInteger<int64_t>(d.at("failed_recipients"));
      r.failed_sessions += JsonInteger<int64_t>(d.at("failed_sessions"));
      for (const json& ip : d.at("remote_ips")) KeepRecent(&r.remote_ips, ip.get<std::string>(), 8);
      for (const json& h : d.at("remote_hosts")) {
        KeepRecent(&r.remote_hosts, h.get<std::string>(), 8);
      }
      if (d.contains("failures_by_server")) {
        for (const auto& [name, n] : d.at("failures_by_server").items()) {
          acc.failures_by_server[ServerIndex(name)] += JsonInteger<int64_t>(n);
        }
      }
      for (const json& f : d.at("failures")) {
        FailureGroup g = GroupOf(f);
        std::string key = FailureGroupKey(g);
        for (const SeriesPoint& p : g.buckets) {
          // Whose each failure was: said per bucket by a report of several servers; else the
          // report's one server's, or unknown.
          int64_t named = 0;
          for (const auto& [name, n] : p.servers) {
            acc.group_buckets[key][{p.start, ServerIndex(name)}] += n;
            named += n;
          }
          if (p.failures > named)
            acc.group_buckets[key][{p.start, only_server}] += p.failures - named;
        }
        g.buckets.clear();
        g.local_count = 0;
        auto [it, fresh] = acc.groups.try_emplace(key, g);
        if (fresh) continue;
        FailureGroup& mine = it->second;
        if (g.first < mine.first) {  // the earliest failure is the sample, as in one run
          int64_t count = mine.count, retried = mine.delivered_on_retry;
          TimeMs last = mine.last;
          mine = g;
          mine.count += count;
          mine.delivered_on_retry += retried;
          mine.last = std::max(last, g.last);
        } else {
          mine.count += g.count;
          mine.delivered_on_retry += g.delivered_on_retry;
          mine.last = std::max(mine.last, g.last);
        }
      }
      for (const json& c : d.at("cells")) {
        TimeMs start = TimeOf(c.at("start"));
        AddCell(buckets_[start][acc.index], c);
        std::string server = c.at("server").get<std::string>();
        if (!server.empty()) {
          AddCell(server_buckets_[start][BucketCell::ServerKey(acc.index, ServerIndex(server))], c);
        }
      }
    }
    where = "auth_failures";
    for (const json& a : report.at("auth_failures")) {
      std::string ip = a.at("remote_ip").get<std::string>();
      AuthFailureGroup& mine = auth_[ip];
      TimeMs first = TimeOf(a.at("first")), last = TimeOf(a.at("last"));
      if (mine.count == 0 || first < mine.first) {
        mine.first = first;
        mine.sample_ref = a.at("sample_ref").get<std::string>();
      }
      mine.remote_ip = ip;
      mine.count += JsonInteger<int64_t>(a.at("count"));
      mine.last = std::max(mine.last, last);
      for (const json& u : a.at("users")) KeepRecent(&mine.users, u.get<std::string>(), 8);
    }
  } catch (const json::exception& e) {
    // "[json.exception.out_of_range.403] key 'x' not found": the part after the library's tag.
    std::string what = e.what();
    size_t tag = what.find("] ");
    if (what.rfind("[json.exception.", 0) == 0 && tag != std::string::npos) what.erase(0, tag + 2);
    return Status::Invalid(std::string(where) + ": " + what + kReportNeeded);
  } catch (const std::exception& e) {
    return Status::Invalid(std::string(where) + ": " + e.what() + kReportNeeded);
  }
  return Status::Ok();
}

}  // namespace smtptriage
