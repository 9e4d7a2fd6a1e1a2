// Generate(): schedules outbound and inbound sessions (Poisson arrivals, partner domains weighted
// by a Zipf-like law), decides each session's fault from the scenario's windows, follows up with
// Exchange's own reactions (failover to the next MX, retry after greylisting), and streams the
// rows through the two RowStreams.
#include <algorithm>
#include <filesystem>
#include <queue>
#include <system_error>
#include <unordered_map>

#include "internal.h"

namespace smtptriage::loggen {

namespace {

using internal::DomainProfile;
using internal::GenState;
using internal::OutboundPlan;
using internal::RowStream;

constexpr struct {
  Fault fault;
  const char* name;
} kFaultNames[] = {
    {Fault::kConnectTimeout, "connect-timeout"},
    {Fault::kConnectRefused, "connect-refused"},
    {Fault::kNetworkUnreachable, "network-unreachable"},
    {Fault::kHostUnreachable, "host-unreachable"},
    {Fault::kBannerReject, "banner-reject"},
    {Fault::kEhloReject, "ehlo-reject"},
    {Fault::kTlsFailure, "tls-failure"},
    {Fault::kMailFromRejected, "mail-from-rejected"},
    {Fault::kUserUnknown, "user-unknown"},
    {Fault::kMailboxFull, "mailbox-full"},
    {Fault::kGroupRestricted, "group-restricted"},
    {Fault::kRelayDenied, "relay-denied"},
    {Fault::kBlocklistSpamhaus, "blocklist-spamhaus"},
    {Fault::kBlocklistBarracuda, "blocklist-barracuda"},
    {Fault::kIpv6Ptr, "ipv6-ptr"},
    {Fault::kGreylist, "greylist"},
    {Fault::kRateLimited, "rate-limited"},
    {Fault::kDataRejectedSpam, "data-rejected-spam"},
    {Fault::kLostAfterData, "lost-after-data"},
    {Fault::kLostMidSession, "lost-mid-session"},
    {Fault::kRejectInbound, "reject-inbound"},
    {Fault::kAuthFailInbound, "auth-fail-inbound"},
};

// A session Exchange starts on its own: failover to the next MX, or a retry.
struct Scheduled {
  int64_t start_ms;
  uint64_t order;
  int domain;
  int mx;
  bool forced;  // use `fault` as is; else decide from the windows
  bool has_fault;
  Fault fault;
  int64_t min_bytes;
  // A retry after greylisting (and its failovers): the greylisted message, sent again, with no
  // second background greylisting.
  std::shared_ptr<const internal::HeldMessage> resend;
  bool operator>(const Scheduled& o) const {
    return start_ms != o.start_ms ? start_ms > o.start_ms : order > o.order;
  }
};

class Generator {
 public:
  Generator(const Scenario& sc, const std::string& out_dir, Result* result)
      : sc_(sc),
        g_(sc, result),
        result_(result),
        send_(sc, out_dir + "/SmtpSend", "SEND", "SMTP Send Protocol Log", sc.gzip_first_file),
        recv_(sc, out_dir + "/SmtpReceive", "RECV", "SMTP Receive Protocol Log", false),
        hits_(sc.faults.size(), 0) {}

  Status Run();

 private:
  void Setup();
  int PickDomain();
  bool WindowMatches(const FaultWindow& w, int64_t t, int domain, bool inbound) const;
  bool ChooseFault(int64_t t, int domain, bool inbound, Fault* out);
  void Outbound(const Scheduled& s);
  void Inbound(int64_t t);
  void ScheduleStraddles();
  int64_t Generated() const { return send_.generated_bytes() + recv_.generated_bytes(); }

  const Scenario& sc_;
  GenState g_;
  Result* result_;
  RowStream send_;
  RowStream recv_;
  std::vector<int> hits_;
  std::vector<DomainProfile> domains_;
  std::unordered_map<std::string, int> index_;
  std::vector<double> cumulative_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> scheduled_;
  uint64_t order_ = 0;
};

void Generator::Setup() {
  std::vector<std::string> names =
      sc_.domains.empty() ? internal::MakeDomainNames(sc_.domain_count, sc_.seed) : sc_.domains;
  double total = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = names[i];
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    domains_.push_back(internal::MakeProfile(name, static_cast<int>(i), sc_));
    index_[name] = static_cast<int>(i);
    total += domains_.back().weight;
    cumulative_.push_back(total);
    result_->domains.push_back(name);
  }
  // Session ids: Exchange seeds its counter with DateTime ticks when the service starts, then
  // adds one per session (08DC1DB8591B229A is 2024-01-25), Send and Receive sharing it.
  const int64_t service_start = sc_.start_ms - g_.rng.Range(1, 20) * 86400000;
  g_.next_session_id = internal::TicksFromMs(service_start) + g_.rng.Below(1u << 20);
  g_.next_record_id = 150000000000ull + g_.rng.Below(10000000000ull);
  g_.next_port = 49152 + static_cast<uint32_t>(g_.rng.Below(16000));
}

int Generator::PickDomain() {
  const double x = g_.rng.Uniform() * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
  return static_cast<int>(std::min<ptrdiff_t>(it - cumulative_.begin(), cumulative_.size() - 1));
}

bool Generator::WindowMatches(const FaultWindow& w, int64_t t, int domain, bool inbound) const {
  if (t < w.start_ms || t >= w.end_ms || internal::IsInboundFault(w.fault) != inbound) {
    return false;
  }
  int position = domain;  // rank of the domain in the window's list
  size_t count = domains_.size();
  if (!w.domains.empty()) {
    const auto it = std::find(w.domains.begin(), w.domains.end(), domains_[domain].domain);
    if (it == w.domains.end()) return false;
    position = static_cast<int>(it - w.domains.begin());
    count = w.domains.size();
  }
  if (w.growing && w.end_ms > w.start_ms) {
    const double progress = static_cast<double>(t - w.start_ms) / (w.end_ms - w.start_ms);
    const double share = 0.1 + 0.9 * progress;
    if (position >= static_cast<int>(share * count + 0.999)) return false;
  }
  return true;
}

bool Generator::ChooseFault(int64_t t, int domain, bool inbound, Fault* out) {
  for (size_t i = 0; i < sc_.faults.size(); ++i) {
    const FaultWindow& w = sc_.faults[i];
    if (w.max_sessions > 0 && hits_[i] >= w.max_sessions) continue;
    if (!WindowMatches(w, t, domain, inbound)) continue;
    if (w.probability < 1.0 && !g_.rng.Chance(w.probability)) continue;
    ++hits_[i];
    *out = w.fault;
    return true;
  }
  return false;
}

void Generator::Outbound(const Scheduled& s) {
  OutboundPlan plan;
  plan.start_ms = s.start_ms;
  plan.profile = &domains_[s.domain];
  plan.mx_index = s.mx;
  plan.min_message_bytes = s.min_bytes;
  plan.user_unknown = sc_.background_user_unknown;
  plan.resend = s.resend;
  if (s.forced) {
    plan.has_fault = s.has_fault;
    plan.fault = s.fault;
  } else {
    plan.has_fault = ChooseFault(s.start_ms, s.domain, false, &plan.fault);
    plan.greylist = !plan.has_fault && s.resend == nullptr && sc_.background_greylist > 0 &&
                    g_.rng.Chance(sc_.background_greylist);
  }
  const internal::OutboundOutcome out = internal::WriteOutboundSession(&g_, &send_, plan);
  ++result_->sessions;
  ++result_->sessions_per_domain[plan.profile->domain];
  result_->recipients += out.recipients;
  if (out.connect_failed && s.mx + 1 < static_cast<int>(plan.profile->mx.size())) {
    // Exchange tries the next MX host of the domain right away.
    scheduled_.push(Scheduled{out.end_ms + g_.rng.Range(1, 40), ++order_, s.domain, s.mx + 1, true,
                              plan.has_fault, plan.fault, 0, s.resend});
  }
  if (out.greylisted) {
    scheduled_.push(Scheduled{out.end_ms + g_.rng.Range(300000, 900000), ++order_, s.domain, 0,
                              false, false, Fault::kGreylist, 0, out.greylisted});
  }
}

void Generator::Inbound(int64_t t) {
  internal::InboundPlan plan;
  plan.start_ms = t;
  const int domain = PickDomain();
  plan.sender_domain = &domains_[domain].domain;
  plan.has_fault = ChooseFault(t, domain, true, &plan.fault);
  internal::WriteInboundSession(&g_, &recv_, plan);
  ++result_->sessions;
  ++result_->inbound_sessions;
}

// A session that begins just before the last buffer write of each hour, with a message large
// enough that its later rows are written in the next hour's file. It goes to a domain that no
// lasting fault window covers, and does not fail.
void Generator::ScheduleStraddles() {
  const int64_t phase = internal::FlushPhase(sc_.seed);
  for (int64_t h = (sc_.start_ms / 3600000 + 1) * 3600000; h < sc_.end_ms; h += 3600000) {
    const int64_t last_flush = internal::FlushPointFor(h, phase) - internal::kFlushMs;
    const int64_t start = last_flush - 150;
    for (int d = 0; d < static_cast<int>(domains_.size()); ++d) {
      bool affected = false;
      for (const FaultWindow& w : sc_.faults) {
        affected |= w.max_sessions == 0 && WindowMatches(w, start, d, false);
      }
      if (affected) continue;
      scheduled_.push(
          Scheduled{start, ++order_, d, 0, true, false, Fault::kGreylist, 6000000, nullptr});
      break;
    }
  }
}

Status Generator::Run() {
  if (sc_.sessions_per_hour <= 0 && sc_.inbound_sessions_per_hour <= 0) {
    return Status::Invalid(sc_.name + ": no sessions per hour");
  }
  if (sc_.target_bytes <= 0 && sc_.end_ms <= sc_.start_ms) {
    return Status::Invalid(sc_.name + ": end is not after start");
  }
  if (sc_.max_file_bytes < 4096) return Status::Invalid(sc_.name + ": max_file_bytes too small");
  Setup();
  if (domains_.empty()) return Status::Invalid(sc_.name + ": no domains");
  if (sc_.straddle_hours && sc_.hourly_files && sc_.target_bytes <= 0) ScheduleStraddles();
  const bool by_size = sc_.target_bytes > 0;
  const double out_mean = sc_.sessions_per_hour > 0 ? 3600000.0 / sc_.sessions_per_hour : 0;
  const double in_mean =
      sc_.inbound_sessions_per_hour > 0 ? 3600000.0 / sc_.inbound_sessions_per_hour : 0;
  constexpr int64_t kNever = INT64_MAX;
  double next_out = out_mean > 0 ? sc_.start_ms + g_.rng.Exponential(out_mean) : kNever;
  double next_in = in_mean > 0 ? sc_.start_ms + g_.rng.Exponential(in_mean) : kNever;
  while (true) {
    const int64_t t_sched = scheduled_.empty() ? kNever : scheduled_.top().start_ms;
    const int64_t t_out = next_out >= kNever ? kNever : static_cast<int64_t>(next_out);
    const int64_t t_in = next_in >= kNever ? kNever : static_cast<int64_t>(next_in);
    const int64_t t = std::min({t_sched, t_out, t_in});
    const int64_t written = sc_.target_send_only ? send_.generated_bytes() : Generated();
    if (t == kNever || (by_size ? written >= sc_.target_bytes : t >= sc_.end_ms)) break;
    if (Status s = send_.FlushBefore(t); !s.ok()) return s;
    if (Status s = recv_.FlushBefore(t); !s.ok()) return s;
    if (t == t_sched) {
      const Scheduled s = scheduled_.top();
      scheduled_.pop();
      Outbound(s);
    } else if (t == t_out) {
      next_out += g_.rng.Exponential(out_mean);
      if (sc_.proxy_sessions && g_.rng.Chance(0.12)) {
        internal::WriteInternalSession(&g_, &send_, t);
        ++result_->sessions;
        ++result_->internal_sessions;
      } else {
        const int domain = PickDomain();
        // Gmail's MX hosts share the load; others are tried in preference order.
        const int mx = domains_[domain].software == internal::Software::kGmail
                           ? static_cast<int>(g_.rng.Below(domains_[domain].mx.size()))
                           : 0;
        Outbound(Scheduled{t, ++order_, domain, mx, false, false, Fault::kGreylist, 0, nullptr});
      }
    } else {
      next_in += g_.rng.Exponential(in_mean);
      Inbound(t);
    }
  }
  if (Status s = send_.Finish(); !s.ok()) return s;
  if (Status s = recv_.Finish(); !s.ok()) return s;
  std::vector<RowStream::FileInfo> files = send_.files();
  files.insert(files.end(), recv_.files().begin(), recv_.files().end());
  std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.path < b.path;
  });
  for (const auto& f : files) result_->files.push_back(f.path);
  result_->bytes = send_.bytes() + recv_.bytes();
  result_->lines = send_.lines() + recv_.lines();
  for (const InjectedFailure& f : result_->failures)
    ++result_->failures_per_fault[FaultName(f.fault)];
  return Status::Ok();
}

}  // namespace

const char* FaultName(Fault f) {
  for (const auto& e : kFaultNames) {
    if (e.fault == f) return e.name;
  }
  return "unknown";
}

bool ParseFault(const std::string& name, Fault* out) {
  for (const auto& e : kFaultNames) {
    if (name == e.name) {
      *out = e.fault;
      return true;
    }
  }
  return false;
}

std::vector<Fault> AllFaults() {
  std::vector<Fault> all;
  for (const auto& e : kFaultNames) all.push_back(e.fault);
  return all;
}

Status Generate(const Scenario& scenario, const std::string& out_dir, Result* result) {
  *result = Result();
  std::error_code ec;
  for (const char* sub : {"/SmtpSend", "/SmtpReceive"}) {
    if (std::string(sub) == "/SmtpReceive" && scenario.inbound_sessions_per_hour <= 0) continue;
    std::filesystem::create_directories(out_dir + sub, ec);
    if (ec) return Status::Io(out_dir + sub + ": " + ec.message());
  }
  Generator generator(scenario, out_dir, result);
  Status status = generator.Run();
  if (!status.ok() || !scenario.tracking_logs) return status;
  return internal::WriteTrackingLogs(scenario, out_dir, result);
}

}  // namespace smtptriage::loggen
