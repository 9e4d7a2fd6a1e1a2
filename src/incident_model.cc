#include "smtptriage/incident_model.h"

#include "incident_servers.h"
#include "incident_verdicts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>

namespace smtptriage {

std::string FailureGroupKey(const FailureGroup& g) {
  return g.rule + '|' + std::to_string(g.code) + '|' + g.enhanced + '|' +
         std::string(ToString(g.command));
}

FailureGroup StartFailureGroup(const Classification& c, const FailureReply& f) {
  FailureGroup g;
  g.reason = c.reason;
  g.family = c.family;
  g.side = c.side;
  g.retry = c.retry;
  g.rule = c.rule->id;
  g.code = f.code;
  g.enhanced = f.enhanced;
  g.command = f.stage;
  g.first = g.last = f.time;
  g.sample = f.text;
  g.sample_command = f.command;
  return g;
}

namespace {

struct BucketCount {
  TimeMs start = 0;
  int64_t active = 0;
  int64_t local = 0;    // outbound domains with a local-side failure of the family
  int64_t either = 0;   // ... with a local- or either-side failure
  double Share() const { return active > 0 ? static_cast<double>(either) / active : 0.0; }
};

std::string Percent(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

std::string HourUtc(TimeMs t) { return FormatIsoUtc(t).substr(0, 16) + "Z"; }

// growing / steady / falling, from the affected share in the first and second half.
std::string Trend(const std::vector<IncidentBucket>& b) {
  if (b.size() < 2) return "steady";
  auto share = [](const IncidentBucket& x) {
    return x.active_domains > 0 ? static_cast<double>(x.affected_domains) / x.active_domains : 0.0;
  };
  size_t half = b.size() / 2;
  double first = 0, second = 0;
  for (size_t i = 0; i < half; ++i) first += share(b[i]);
  for (size_t i = b.size() - half; i < b.size(); ++i) second += share(b[i]);
  first /= half;
  second /= half;
  if (second > first * 1.25 && second - first >= 0.05) return "growing";
  if (second < first * 0.8 && first - second >= 0.05) return "falling";
  return "steady";
}

LocalizedText FamilyAdvice(Family f) {
  switch (f) {
    case Family::kConnection:
      return {"the failures spread over many unrelated domains at once, which points to our "
              "outbound path (firewall, proxy, route or NAT of the transport servers)",
              "los fallos se extienden a la vez por muchos dominios sin relación, lo que apunta a "
              "nuestra salida (cortafuegos, proxy, ruta o NAT de los servidores de transporte)"};
    case Family::kReputation:
      return {"receivers that consult reputation lists refuse our sending IP: check the IP on "
              "the blocklists named in the replies",
              "los receptores que consultan listas de reputación rechazan nuestra IP de envío: "
              "compruebe la IP en las listas de bloqueo citadas en las respuestas"};
    case Family::kAuthentication:
      return {"receivers find our SPF, DKIM, DMARC or PTR records wrong: check our DNS records",
              "los receptores ven mal nuestros registros SPF, DKIM, DMARC o PTR: compruebe "
              "nuestros registros DNS"};
    case Family::kDns:
      return {"lookups fail for many unrelated domains: check our DNS resolvers",
              "las consultas fallan para muchos dominios sin relación: compruebe nuestros "
              "servidores DNS"};
    case Family::kProtocol:
      return {"many receivers reject our SMTP commands: check the send connector's settings",
              "muchos receptores rechazan nuestros comandos SMTP: compruebe la configuración del "
              "conector de envío"};
    default:
      return {"many unrelated receivers refuse our mail the same way: the common factor is us",
              "muchos receptores sin relación rechazan nuestro correo del mismo modo: el factor "
              "común somos nosotros"};
  }
}

}  // namespace

bool AlwaysLocal(const FailureGroup& g, Direction direction) {
  return direction == Direction::kInternal || g.side == Side::kLocal;
}

const Incident* IncidentOfFailure(const std::vector<Incident>& incidents, Family family, TimeMs t,
                                  std::string_view server) {
  for (const Incident& inc : incidents) {
    // An open incident takes the stragglers after its last hour too: a timeout alone in the
    // first minutes of the next hour is still the incident's, not an isolated one.
    if (inc.family != family || t < inc.start || (t >= inc.end && !inc.open)) continue;
    // An incident of some servers only does not take the others' failures.
    if (inc.scope == "server" && !server.empty() &&
        std::find(inc.servers.begin(), inc.servers.end(), server) == inc.servers.end()) {
      continue;
    }
    return &inc;
  }
  return nullptr;
}

bool FailureIsLocal(const std::vector<Incident>& incidents, const FailureGroup& g,
                    Direction direction, TimeMs t, std::string_view server) {
  if (AlwaysLocal(g, direction)) return true;
  return direction == Direction::kOutbound && g.side == Side::kEither &&
         IncidentOfFailure(incidents, g.family, t, server) != nullptr;
}

const char* TrendInSpanish(const std::string& trend) {
  return trend == "growing" ? "creciente" : trend == "falling" ? "decreciente" : "estable";
}

namespace {

// Per hour, the outbound domains a family of failures reaches (see BucketCount).
std::vector<BucketCount> CountFamily(const IncidentInput& in, Family fam) {
  std::vector<BucketCount> counts;
  for (const auto& [start, cells] : *in.buckets) {
    BucketCount c;
    c.start = start;
    // Per reason of the family: domains where at least half of the hour's sessions failed
    // that way. One lost connection among ten sessions is noise, nine of ten is a pattern, and
    // a spreading fault fails many domains the same way, not each in its own way.
    std::array<int64_t, kReasonCount> spread{};
    for (const auto& [index, cell] : cells) {
      if (in.domains[index].report->direction != Direction::kOutbound) continue;
      ++c.active;
      bool local = false;
      std::array<int, kReasonCount> failed{};
      for (const auto& [slot, sessions] : cell.failed) {
        Reason r = BucketCell::ReasonOf(slot);
        if (FamilyOf(r) != fam) continue;
        local |= BucketCell::IsLocal(slot);
        failed[static_cast<int>(r)] += sessions;
      }
      // A receiver that names our configuration counts at once.
      if (local) ++c.local;
      for (int r = 0; r < kReasonCount; ++r) {
        if (failed[r] > 0 && 2 * failed[r] >= cell.attempts) ++spread[r];
      }
    }
    c.either = *std::max_element(spread.begin(), spread.end());
    c.either = std::max(c.either, c.local);
    counts.push_back(c);
  }
  return counts;
}

// A bucket is "hit" when the family reaches min_domains domains that point to us by the rules,
// or when it spreads over min_spread of the active domains, clearly above its own baseline in
// the buckets before. Remote-side failures never count.
std::vector<bool> HitBuckets(const std::vector<BucketCount>& counts,
                             const AggregatorOptions& opt) {
  double baseline_sum = 0;
  int baseline_n = 0;
  std::vector<bool> hit(counts.size(), false);
  for (size_t i = 0; i < counts.size(); ++i) {
    const BucketCount& c = counts[i];
    double baseline = baseline_n > 0 ? baseline_sum / baseline_n : 0.0;
    bool by_rule = c.local >= opt.min_domains;
    bool by_spread = c.either >= opt.min_domains && c.Share() >= opt.min_spread &&
                     c.Share() >= 3 * baseline;
    hit[i] = by_rule || by_spread;
    // The baseline is what the family does in hours that had the traffic to show it: the few
    // sessions of a period's first minutes, failing or not, say nothing of the hours after.
    if (!hit[i] && c.active >= opt.min_domains) {
      baseline_sum += c.Share();
      ++baseline_n;
    }
  }
  return hit;
}

// Per family: incidents over consecutive hit buckets.
void FindIncidents(const IncidentInput& in, Report* report) {
  const AggregatorOptions& opt = *in.options;
  for (int fi = 0; fi < kFamilyCount; ++fi) {
    Family fam = static_cast<Family>(fi);
    // Replies no rule recognised say nothing about whose side they point to: they are listed,
    // never turned into an incident.
    if (fam == Family::kOther) continue;
    std::vector<BucketCount> counts = CountFamily(in, fam);
    std::vector<bool> hit = HitBuckets(counts, opt);
    for (size_t i = 0; i < counts.size();) {
      if (!hit[i]) {
        ++i;
        continue;
      }
      size_t j = i;
      // One quiet bucket inside an incident does not end it.
      while (j + 1 < counts.size() && (hit[j + 1] || (j + 2 < counts.size() && hit[j + 2]))) ++j;
      Incident inc;
      inc.family = fam;
      inc.start = counts[i].start;
      inc.end = counts[j].start + in.bucket_ms;
      // Still open when no later bucket had enough traffic to show that it ended (the last
      // hour of a log is often a few stragglers).
      inc.open = true;
      for (size_t k = j + 1; k < counts.size(); ++k) {
        if (counts[k].active >= opt.min_domains) inc.open = false;
      }
      for (size_t k = i; k <= j; ++k) {
        inc.buckets.push_back({counts[k].start, counts[k].either, counts[k].active});
      }
      inc.trend = Trend(inc.buckets);
      report->incidents.push_back(std::move(inc));
      i = j + 1;
    }
  }
}

// What each incident took: failures by reason, and the domains they were to.
struct IncidentTally {
  std::vector<std::map<Reason, int64_t>> reasons;
  std::vector<std::set<std::string>> domains;
};

// Attributes every failure: local when the rule says so, or inside a local incident of the
// family on the failure's server (FailureIsLocal); then each domain's verdict. Returns what
// each incident took.
IncidentTally AttributeFailures(const IncidentInput& in, Report* report) {
  auto server_name = [&](uint32_t server) -> std::string_view {
    if (in.servers == nullptr || server >= in.servers->size()) return {};  // (kAnyServer)
    return (*in.servers)[server];
  };
  IncidentTally tally;
  tally.reasons.resize(report->incidents.size());
  tally.domains.resize(report->incidents.size());
  for (const IncidentDomain& d : in.domains) {
    DomainReport& dr = *d.report;
    int64_t local = 0, total = 0;
    ReasonCounts local_reasons, remote_reasons;
    for (FailureGroup& g : dr.failures) {
      // A hop between our own servers (proxy, mailbox delivery), whatever the reply, and a reply
      // the rules put on our side: all of them, in whichever bucket.
      const bool always = AlwaysLocal(g, dr.direction);
      g.local_count = always ? g.count : 0;
      // Outbound failures inside an incident of their family are the incident's; those the
      // rule left open (timeouts, lost connections) are ours because of it.
      auto it = d.group_buckets->find(FailureGroupKey(g));
      if (dr.direction == Direction::kOutbound && g.side != Side::kRemote &&
          it != d.group_buckets->end()) {
        for (const auto& [at, n] : it->second) {
          const Incident* inc =
              IncidentOfFailure(report->incidents, g.family, at.first, server_name(at.second));
          if (inc == nullptr) continue;
          if (!always) g.local_count += n;
          size_t idx = inc - report->incidents.data();
          tally.reasons[idx][g.reason] += n;
          tally.domains[idx].insert(dr.domain);
          report->incidents[idx].failures += n;
        }
      }
      local += g.local_count;
      total += g.count;
      if (g.local_count > 0) local_reasons[std::string(ToString(g.reason))] += g.local_count;
      if (g.count > g.local_count) {
        remote_reasons[std::string(ToString(g.reason))] += g.count - g.local_count;
      }
    }
    SayDomainVerdict(*in.options, local, total, local_reasons, remote_reasons, &dr);
  }
  return tally;
}

// Each incident's main reasons, domains and summary.
void DescribeIncidents(const IncidentInput& in, const IncidentTally& tally, Report* report) {
  for (size_t i = 0; i < report->incidents.size(); ++i) {
    Incident& inc = report->incidents[i];
    std::vector<std::pair<int64_t, Reason>> rs;
    for (const auto& [r, n] : tally.reasons[i]) rs.push_back({-n, r});
    std::sort(rs.begin(), rs.end());
    for (size_t k = 0; k < rs.size() && k < 3; ++k) inc.reasons.push_back(rs[k].second);
    inc.domains = static_cast<int64_t>(tally.domains[i].size());
    for (const std::string& d : tally.domains[i]) {
      if (inc.sample_domains.size() < 10) inc.sample_domains.push_back(d);
    }
    // The hour of the largest share; of hours with the same share, the one with most domains
    // ("38 of 38", not a quieter hour's "34 of 34").
    int64_t peak_aff = 0, peak_act = 0;
    for (const IncidentBucket& b : inc.buckets) {
      const int64_t share = b.affected_domains * std::max<int64_t>(peak_act, 1);
      const int64_t peak = peak_aff * std::max<int64_t>(b.active_domains, 1);
      if (share > peak || (share == peak && b.affected_domains >= peak_aff)) {
        peak_aff = b.affected_domains;
        peak_act = b.active_domains;
      }
    }
    std::string reasons;
    for (size_t k = 0; k < inc.reasons.size(); ++k) {
      reasons += (k ? ", " : "") + std::string(ToString(inc.reasons[k]));
    }
    std::string fam(ToString(inc.family)), fam_es(FamilyInSpanish(inc.family)),
        d = std::to_string(inc.domains),
        aff = std::to_string(peak_aff), act = std::to_string(peak_act),
        pct = Percent(peak_act ? static_cast<double>(peak_aff) / peak_act : 0);
    LocalizedText advice = FamilyAdvice(inc.family);
    inc.summary.en = "Local " + fam + " incident from " + HourUtc(inc.start) +
                     (inc.open ? ", still open" : " to " + HourUtc(inc.end)) + ": " + reasons +
                     " hit " + d + " domains (up to " + aff + " of " + act +
                     " active domains in one hour, " + pct + "), trend " + inc.trend + "; " +
                     advice.en + ".";
    inc.summary.es = "Incidente local de tipo " + fam_es + " desde " + HourUtc(inc.start) +
                     (inc.open ? ", sigue abierto" : " hasta " + HourUtc(inc.end)) + ": " +
                     reasons + " afectó a " + d + " dominios (hasta " + aff + " de " + act +
                     " dominios activos en una hora, " + pct + "), tendencia " +
                     TrendInSpanish(inc.trend) + "; " + advice.es + ".";
    LocalizedText servers = ServersSentence(in, inc);
    if (inc.scope == "server" && !servers.en.empty()) {
      std::string who_en = JoinNames(inc.servers, " and "), who_es = JoinNames(inc.servers, " y ");
      inc.summary.en = who_en + ": " + inc.summary.en;
      inc.summary.es = who_es + ": " + inc.summary.es;
    }
    inc.summary.en += servers.en;
    inc.summary.es += servers.es;
  }
}

}  // namespace

void RunIncidentModel(const IncidentInput& in, Report* report) {
  FindIncidents(in, report);
  for (Incident& inc : report->incidents) IncidentServers(in, &inc);
  IncidentTally tally = AttributeFailures(in, report);
  DescribeIncidents(in, tally, report);
  std::sort(report->incidents.begin(), report->incidents.end(),
            [](const Incident& a, const Incident& b) {
              return a.start != b.start ? a.start < b.start : a.failures > b.failures;
            });
  SayReportVerdict(in, report);
}

}  // namespace smtptriage
