// Named scenarios: the committed sample, the benchmark, and the traffic patterns the aggregator
// tests expect a verdict for. All start on Monday 2026-03-02 (UTC).
#include <functional>

#include "internal.h"

namespace smtptriage::loggen {

namespace {

constexpr int64_t kMarch2 = 1772409600000;  // 2026-03-02T00:00:00Z
constexpr int64_t kHour = 3600000;
constexpr int64_t kMinute = 60000;

int64_t At(int hour, int minute = 0) { return kMarch2 + hour * kHour + minute * kMinute; }

FaultWindow Window(Fault f, std::vector<std::string> domains, int64_t from, int64_t to,
                   double probability = 1.0, bool growing = false, int max_sessions = 0) {
  FaultWindow w;
  w.fault = f;
  w.domains = std::move(domains);
  w.start_ms = from;
  w.end_ms = to;
  w.probability = probability;
  w.growing = growing;
  w.max_sessions = max_sessions;
  return w;
}

// One scripted event: the first `count` matching sessions from `from` on fail this way.
FaultWindow Once(Fault f, int64_t from, int count = 1, std::vector<std::string> domains = {}) {
  return Window(f, std::move(domains), from, At(24), 1.0, false, count);
}

// The first domain from rank `from` on whose mail servers are of the given kind.
std::string FirstOfKind(const std::vector<std::string>& domains, uint64_t seed,
                        internal::Software kind, size_t from) {
  for (size_t i = from; i < domains.size(); ++i) {
    if (internal::SoftwareFor(domains[i], seed) == kind) return domains[i];
  }
  return domains[from];
}

// Moves the first partner domain from rank `pos` on that has a backup MX to rank `pos`, so that
// an outage there has traffic and shows Exchange's failover. Returns its name.
std::string BackupMxDomainAt(Scenario* sc, size_t pos) {
  for (size_t i = pos; i < sc->domains.size(); ++i) {
    const bool partner = sc->domains[i].ends_with(".example");
    if (partner && internal::MakeProfile(sc->domains[i], 0, *sc).mx.size() > 1) {
      std::swap(sc->domains[i], sc->domains[pos]);
      break;
    }
  }
  return sc->domains[pos];
}

// A day of ordinary traffic with 40 partners: ~200 outbound sessions an hour.
Scenario Day(const std::string& name, uint64_t seed) {
  Scenario sc;
  sc.name = name;
  sc.seed = seed;
  sc.start_ms = At(0);
  sc.end_ms = At(24);
  sc.sessions_per_hour = 200;
  sc.inbound_sessions_per_hour = 60;
  sc.domains = internal::MakeDomainNames(40, seed);
  sc.background_user_unknown = 0.002;
  sc.proxy_sessions = true;
  return sc;
}

Scenario Sample(uint64_t seed) {
  Scenario sc;
  sc.name = "sample";
  sc.seed = seed;
  sc.start_ms = At(6);
  sc.end_ms = At(12);
  sc.sessions_per_hour = 30;
  sc.inbound_sessions_per_hour = 12;
  std::vector<std::string> d = internal::MakeDomainNames(15, seed);
  d.insert(d.begin() + 2, "gmail.com");
  // An Exim partner among the busy ones: its DATA reply shows RFC 4180 quote doubling.
  const std::vector<std::string> more = internal::MakeDomainNames(80, seed);
  d[3] = FirstOfKind(more, seed, internal::Software::kExim, 15);
  sc.domains = d;
  sc.max_file_bytes = 96 << 10;
  sc.gzip_first_file = true;
  sc.proxy_sessions = true;
  sc.straddle_hours = true;
  sc.background_user_unknown = 0.03;
  sc.background_greylist = 0.02;
  const std::string outage = BackupMxDomainAt(&sc, 0);
  d = sc.domains;
  const std::string exo = FirstOfKind(d, seed, internal::Software::kExchangeOnline, 3);
  const std::string postfix = FirstOfKind(d, seed, internal::Software::kPostfix, 3);
  sc.faults = {
      // The partner whose MX hosts stop answering from 07:00 to 10:00.
      Window(Fault::kConnectTimeout, {outage}, At(7), At(10)),
      Once(Fault::kConnectRefused, At(6, 20)),
      Once(Fault::kNetworkUnreachable, At(6, 40)),
      Once(Fault::kHostUnreachable, At(7, 10)),
      Once(Fault::kBannerReject, At(6, 30)),
      Once(Fault::kLostAfterData, At(7, 30), 2),
      Once(Fault::kEhloReject, At(8, 0)),
      Once(Fault::kTlsFailure, At(8, 20), 2),
      Once(Fault::kMailFromRejected, At(8, 40)),
      Once(Fault::kUserUnknown, At(9, 0), 2),
      Once(Fault::kMailboxFull, At(9, 20)),
      Once(Fault::kLostMidSession, At(9, 40), 2),
      Once(Fault::kGroupRestricted, At(6, 0), 2, {exo}),
      Once(Fault::kRelayDenied, At(10, 0)),
      Once(Fault::kBlocklistSpamhaus, At(10, 20), 2, {postfix}),
      Once(Fault::kBlocklistBarracuda, At(10, 40)),
      Once(Fault::kIpv6Ptr, At(6, 0), 3, {"gmail.com"}),
      Once(Fault::kGreylist, At(11, 0)),
      Once(Fault::kRateLimited, At(11, 10)),
      Once(Fault::kDataRejectedSpam, At(11, 20)),
      Window(Fault::kAuthFailInbound, {}, At(6), At(12), 0.08),
      Window(Fault::kRejectInbound, {}, At(6), At(12), 0.1),
  };
  return sc;
}

Scenario Bench(uint64_t seed) {
  Scenario sc;
  sc.name = "bench";
  sc.seed = seed;
  sc.start_ms = At(0);
  sc.end_ms = At(24 * 30);
  sc.sessions_per_hour = 30000;
  sc.inbound_sessions_per_hour = 12000;
  sc.domain_count = 400;
  sc.domains = internal::MakeDomainNames(400, seed);
  sc.domains.insert(sc.domains.begin() + 3, "gmail.com");
  sc.target_bytes = int64_t{1} << 30;
  sc.proxy_sessions = true;
  sc.background_user_unknown = 0.01;
  sc.background_greylist = 0.005;
  const int64_t end = sc.end_ms;
  sc.faults = {Window(Fault::kConnectTimeout, {sc.domains[5]}, At(2), At(5)),
               Window(Fault::kConnectRefused, {sc.domains[17]}, At(1), At(3)),
               Window(Fault::kIpv6Ptr, {"gmail.com"}, At(0), end, 0.05)};
  for (Fault f : AllFaults()) {
    if (internal::IsInboundFault(f)) {
      sc.faults.push_back(Window(f, {}, At(0), end, 0.03));
    } else if (f != Fault::kIpv6Ptr) {
      sc.faults.push_back(Window(f, {}, At(0), end, 0.0015));
    }
  }
  return sc;
}

const std::vector<std::pair<std::string, std::function<Scenario(uint64_t)>>>& Table() {
  static const auto* table =
      new std::vector<std::pair<std::string, std::function<Scenario(uint64_t)>>>{
          {"sample", Sample},
          {"bench", Bench},
          {"remote-outage",
           [](uint64_t seed) {
             Scenario sc = Day("remote-outage", seed);
             sc.faults = {
                 Window(Fault::kConnectTimeout, {BackupMxDomainAt(&sc, 1)}, At(9), At(15))};
             return sc;
           }},
          {"firewall",
           [](uint64_t seed) {
             Scenario sc = Day("firewall", seed);
             sc.faults = {Window(Fault::kConnectTimeout, {}, At(15), At(24))};
             return sc;
           }},
          {"blocklist-growing",
           [](uint64_t seed) {
             Scenario sc = Day("blocklist-growing", seed);
             sc.faults = {Window(Fault::kBlocklistSpamhaus, {}, At(9), At(24), 1.0, true)};
             return sc;
           }},
          {"lost-one-domain",
           [](uint64_t seed) {
             Scenario sc = Day("lost-one-domain", seed);
             sc.faults = {Window(Fault::kLostAfterData, {sc.domains[2]}, At(8), At(20), 0.9)};
             return sc;
           }},
          {"lost-spreading",
           [](uint64_t seed) {
             Scenario sc = Day("lost-spreading", seed);
             sc.faults = {Window(Fault::kLostMidSession, {}, At(12), At(20), 0.9, true)};
             return sc;
           }},
          {"ipv6-ptr",
           [](uint64_t seed) {
             Scenario sc = Day("ipv6-ptr", seed);
             sc.domains.insert(sc.domains.begin() + 1, "gmail.com");
             sc.domains.pop_back();
             sc.faults = {Window(Fault::kIpv6Ptr, {"gmail.com"}, At(0), At(24))};
             return sc;
           }},
          {"group-restricted",
           [](uint64_t seed) {
             Scenario sc = Day("group-restricted", seed);
             const std::string exo =
                 FirstOfKind(sc.domains, seed, internal::Software::kExchangeOnline, 1);
             sc.faults = {Window(Fault::kGroupRestricted, {exo}, At(0), At(24), 0.35)};
             return sc;
           }},
          {"quiet-day",
           [](uint64_t seed) {
             Scenario sc = Day("quiet-day", seed);
             sc.background_user_unknown = 0.01;
             sc.background_greylist = 0.01;
             return sc;
           }},
      };
  return *table;
}

}  // namespace

bool Preset(const std::string& name, uint64_t seed, Scenario* out) {
  for (const auto& [preset, make] : Table()) {
    if (preset == name) {
      *out = make(seed);
      return true;
    }
  }
  return false;
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const auto& entry : Table()) names.push_back(entry.first);
  return names;
}

}  // namespace smtptriage::loggen
