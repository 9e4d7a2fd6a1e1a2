#include "smtptriage/aggregator.h"

#include <algorithm>
#include <cstring>

#include "aggregator_internal.h"

#include "smtptriage/incident_model.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/tracking_parser.h"

namespace smtptriage {

int64_t DomainReport::failures_total() const { return failed_recipients + failed_sessions; }

Aggregator::Aggregator(const Classifier* classifier, AggregatorOptions options)
    : classifier_(classifier), options_(std::move(options)) {
  if (options_.servers != nullptr) {
    for (const ServerInput& in : *options_.servers) {
      ServerReport r;
      r.name = in.name;
      r.paths = in.paths;
      r.how = in.how;
      servers_.push_back(std::move(r));
    }
  }
}
Aggregator::~Aggregator() = default;

std::string Aggregator::Ref(SourceRef ref) const {
  const std::vector<std::string>* names = options_.file_names;
  std::string file = names != nullptr && ref.file < names->size() ? (*names)[ref.file]
                                                                  : "#" + std::to_string(ref.file);
  return file + ":" + std::to_string(ref.line);
}

bool Aggregator::InPeriod(TimeMs t) const {
  return (!options_.since || t >= *options_.since) && (!options_.until || t < *options_.until);
}

Classification Aggregator::Classify(const FailureReply& f, LogKind log) const {
  ReplyInput in;
  in.code = f.code;
  in.enhanced = f.enhanced;
  in.text = f.text;
  in.stage = f.stage;
  in.log = log;
  return classifier_->Classify(in);
}

void Aggregator::ClassifyOnce(FailureReply& f, LogKind log) const {
  if (!f.classified) f.classified = std::make_shared<const Classification>(Classify(f, log));
}

void Aggregator::Prepare(SessionRecord& s) const {
  for (MessageOutcome& m : s.messages) {
    for (RecipientOutcome& rc : m.recipients) {
      if (rc.state == RecipientState::kFailed && rc.failure) ClassifyOnce(*rc.failure, s.log);
    }
  }
  if (s.session_failure) ClassifyOnce(*s.session_failure, s.log);
}

Aggregator::DomainAcc& Aggregator::Domain(const std::string& name, Direction d, bool unresolved) {
  auto& index = domain_index_[static_cast<size_t>(d)];
  auto it = index.find(name);
  if (it != index.end()) return *domains_[it->second];
  auto acc = std::make_unique<DomainAcc>();
  acc->index = domains_.size();
  acc->report.domain = name;
  acc->report.direction = d;
  acc->report.unresolved = unresolved;
  index.emplace(name, acc->index);
  domains_.push_back(std::move(acc));
  return *domains_.back();
}

namespace {

// Eight bytes with their ASCII capitals made small (the others as they are).
uint64_t LowerWord(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  const uint64_t low7 = w & (0x7F * kOnes);
  const uint64_t above_z = low7 + (0x7F - 'Z') * kOnes;  // high bit set where > 'Z'
  const uint64_t from_a = low7 + (0x80 - 'A') * kOnes;   // high bit set where >= 'A'
  const uint64_t capital = ~w & (from_a ^ above_z) & (0x80 * kOnes);
  return w | (capital >> 2);
}

// Hashes `s` in lower case into `h`, eight bytes at a time.
uint64_t LowerHash(std::string_view s, uint64_t h) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ LowerWord(w)) * kMul;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ LowerWord(w) ^ (uint64_t{s.size()} << 56)) * kMul;
  return h ^ (h >> 32);
}

// The key of a message to one recipient, sent out or over a hop of ours (each its own: a hop
// retried is not the mail delivered out), for a delivery to find the failures it made good.
// Computed for every recipient delivered, so without building a string (MessageJoinKey does).
uint64_t RetryKey(std::string_view message_id, std::string_view recipient, Direction d) {
  if (message_id.size() >= 2 && message_id.front() == '<' && message_id.back() == '>') {
    message_id = message_id.substr(1, message_id.size() - 2);
  }
  const uint64_t seed = d == Direction::kInternal ? 0x9E6C63D0676A9A99ull : 0x2545F4914F6CDD1Dull;
  return LowerHash(recipient, LowerHash(message_id, seed));
}

void CountIn(BucketCell& cell, const std::vector<int>& failed) {
  ++cell.attempts;
  for (int index : failed) {
    auto it = std::find_if(cell.failed.begin(), cell.failed.end(),
                           [&](const auto& p) { return p.first == index; });
    if (it == cell.failed.end()) {
      cell.failed.emplace_back(static_cast<uint8_t>(index), 1);
    } else if (it->second < UINT16_MAX) {
      ++it->second;
    }
  }
}

}  // namespace

void Aggregator::Count(DomainAcc& acc, TimeMs t, const std::vector<int>& failed,
                       uint32_t server) {
  TimeMs b = BucketStart(t, options_.bucket_ms);
  CountIn(buckets_[b][acc.index], failed);
  if (servers_.size() >= 2)
    CountIn(server_buckets_[b][BucketCell::ServerKey(acc.index, server)], failed);
}

int Aggregator::AddFailure(DomainAcc& acc, const FailureReply& f, const FailureContext& where,
                           std::string_view recipient, const MessageOutcome* message,
                           int64_t ordinal) {
  std::optional<Classification> here;
  const Classification& c = f.classified ? *f.classified : here.emplace(Classify(f, where.log));
  FailureGroup start = StartFailureGroup(c, f);
  std::string key = FailureGroupKey(start);
  auto [it, fresh] = acc.groups.try_emplace(key, std::move(start));
  FailureGroup& g = it->second;
  if (fresh) {
    g.sample_ref = Ref(f.ref);
    g.sample_session = where.session;
    g.sample_connector = where.connector;
    g.sample_local = where.local_endpoint;
    g.sample_remote = where.remote_endpoint;
    g.sample_remote_host = where.remote_host;
  }
  ++g.count;
  g.first = std::min(g.first, f.time);
  g.last = std::max(g.last, f.time);
  ++acc.group_buckets[key][{BucketStart(f.time, options_.bucket_ms), where.server}];
  // Exchange retries what failed for a while: a later session may deliver it (DeliveredAt).
  // (A recipient of no domain is counted under its session's remote address, which its
  // delivery may not share: not followed.)
  if (message != nullptr && !message->message_id.empty() && !recipient.empty() &&
      acc.report.direction != Direction::kInbound && !acc.report.unresolved &&
      c.retry == Retry::kTransient) {
    AddRetryWait(RetryKey(message->message_id, recipient, acc.report.direction),
                 {f.time, acc.index, &g});
  }
  if (listener_) {
    FailureEvent e;
    e.time = f.time;
    e.domain = acc.report.domain;
    e.direction = acc.report.direction;
    e.unresolved = acc.report.unresolved;
    e.group = &g;
    e.text = f.text;
    e.command = f.command;
    e.session = where.session;
    e.connector = where.connector;
    e.local_endpoint = where.local_endpoint;
    e.remote_endpoint = where.remote_endpoint;
    e.remote_host = where.remote_host;
    e.recipient = recipient;
    e.ordinal = ordinal;
    if (message != nullptr) {
      e.sender = message->sender;
      e.message_id = message->message_id;
      e.subject = message->subject;
    }
    std::string ref = Ref(f.ref);
    e.ref = ref;
    if (where.server < servers_.size()) e.server = servers_[where.server].name;
    listener_(e);
  }
  return c.side == Side::kRemote ? -1 : BucketCell::Index(c.reason, c.side);
}

void RememberUpTo(std::vector<std::string>* list, const std::string& value, size_t max) {
  if (value.empty()) return;
  auto it = std::find(list->begin(), list->end(), value);
  if (it != list->end()) return;
  if (list->size() >= max) list->erase(list->begin());
  list->push_back(value);
}

void KeepFirst(std::vector<std::string>* list, const std::string& value, size_t max) {
  if (list->size() < max && std::find(list->begin(), list->end(), value) == list->end()) {
    list->push_back(value);
  }
}

void KeepRecent(std::vector<std::string>* list, const std::string& value, size_t max) {
  if (value.empty()) return;
  auto it = std::find(list->begin(), list->end(), value);
  if (it != list->end()) {
    std::rotate(it, it + 1, list->end());
    return;
  }
  if (list->size() >= max) list->erase(list->begin());
  list->push_back(value);
}

bool Aggregator::CountedElsewhere(SessionRecord& s) {
  if (!options_.join_tracking) return false;
  if (s.log != LogKind::kTracking) {
    for (const MessageOutcome& m : s.messages) {
      if (m.message_id.empty()) continue;
      for (const RecipientOutcome& rc : m.recipients) {
        protocol_keys_.insert(MessageJoinKey(m.message_id, rc.address, s.direction));
      }
    }
    return false;
  }
  // A tracking row adds only what no protocol log showed; a delivery seen in two tracking logs
  // (two servers) counts once.
  bool any = false;
  for (MessageOutcome& m : s.messages) {
    auto& rcs = m.recipients;
    rcs.erase(std::remove_if(rcs.begin(), rcs.end(), [&](const RecipientOutcome& rc) {
                if (m.message_id.empty()) return false;
                uint64_t key = MessageJoinKey(m.message_id, rc.address, s.direction);
                if (protocol_keys_.count(key) > 0) return true;
                return rc.state != RecipientState::kFailed && !tracking_keys_.insert(key).second;
              }), rcs.end());
    any |= !rcs.empty();
  }
  return !any;
}

void Aggregator::OnSession(SessionRecord&& s) {
  if (s.end > logs_end_) logs_end_ = s.end;
  if (!InPeriod(s.start)) {
    outside_.Add(1, s.start, s.end);
    return;
  }
  if (CountedElsewhere(s)) return;
  if (!any_ || s.start < first_) first_ = s.start;
  if (!any_ || s.end > last_) last_ = s.end;
  any_ = true;
  // A message tracking row is a message, not an SMTP session: one that never left (a DNS
  // failure, an expiry) had none. Its failures count all the same.
  const bool smtp = s.log != LogKind::kTracking;
  totals_.sessions += smtp;
  ServerReport* server = s.server < servers_.size() ? &servers_[s.server] : nullptr;
  if (server != nullptr) {
    server->sessions += smtp;
    // A receive connector id is SERVER\Name: the server's own name, where the log has it.
    size_t slash = s.connector.find('\\');
    if (s.log == LogKind::kReceive && slash != std::string::npos && slash > 0 &&
        server->receive_connector_hosts.size() < 8) {
      KeepFirst(&server->receive_connector_hosts, s.connector.substr(0, slash), 8);
    }
  }
  if (s.direction == Direction::kInbound) totals_.inbound_sessions += smtp;
  if (s.direction == Direction::kInternal) totals_.internal_sessions += smtp;
  if (s.open_at_end) ++totals_.open_at_end;
  if (s.close_reason == "no activity for 10 minutes") ++totals_.closed_idle;

  if (s.auth_failures > 0) {
    AuthFailureGroup& a = auth_[s.remote_ip];
    if (a.count == 0) {
      a.remote_ip = s.remote_ip;
      a.first = s.start;
      a.sample_ref = Ref(s.auth_ref.line > 0 ? s.auth_ref : s.first_ref);
    }
    a.count += s.auth_failures;
    a.last = std::max(a.last, s.end);
    for (const std::string& u : s.auth_users) KeepRecent(&a.users, u, 8);
    totals_.auth_failures += s.auth_failures;
  }

  const bool inbound = s.direction == Direction::kInbound;
  // Inbound sessions are grouped by the sender's domain, else by the client's address.
  std::string inbound_key;
  if (inbound) {
    for (const MessageOutcome& m : s.messages) {
      if (!m.sender.empty()) {
        inbound_key = DomainOf(m.sender);
        break;
      }
    }
  }
  bool session_failed = false;
  // The domains this session touched, each with the failure indexes it had there (usually one
  // domain: a vector searched in place beats a map here). Its slots are reused from session to
  // session, so that counting allocates nothing.
  touched_count_ = 0;
  auto touch = [this](size_t index) -> std::pair<std::vector<int>*, bool> {
    for (size_t k = 0; k < touched_count_; ++k) {
      if (touched_[k].first == index) return {&touched_[k].second, false};
    }
    if (touched_count_ == touched_.size()) touched_.emplace_back();
    auto& slot = touched_[touched_count_++];
    slot.first = index;
    slot.second.clear();
    return {&slot.second, true};
  };
  int64_t ordinal = 0;
  for (const MessageOutcome& m : s.messages) {
    if (m.recipients.empty()) continue;
    ++totals_.messages;
    for (const RecipientOutcome& rc : m.recipients) {
      ++ordinal;
      const std::string& named = inbound ? inbound_key : rc.domain;
      bool unresolved = named.empty();
      DomainAcc& acc = Domain(unresolved ? s.remote_ip : named, s.direction, unresolved);
      auto [failed_here, first_time] = touch(acc.index);
      if (first_time) {
        acc.report.sessions += smtp;
        KeepRecent(&acc.report.remote_ips, s.remote_ip, 8);
        KeepRecent(&acc.report.remote_hosts, inbound ? s.client_name : s.remote_host, 8);
        if (!inbound && !rc.domain.empty() && !s.remote_ip.empty()) {
          ++ip_domains_[s.remote_ip][rc.domain];
        }
      }
      ++totals_.recipients;
      ++acc.report.recipients;
      if (server != nullptr) ++server->recipients;
      if (rc.state == RecipientState::kFailed && rc.failure) {
        ++totals_.failed_recipients;
        ++acc.report.failed_recipients;
        if (server != nullptr) ++server->failed_recipients;
        if (options_.by_server) ++acc.failures_by_server[s.server];
        int index = AddFailure(acc, *rc.failure, FailureContext::Of(s), rc.address, &m, ordinal);
        if (server != nullptr && !inbound) CountLocal(index, server);
        NoteFailure(failed_here, index);
        session_failed = true;
      } else if (rc.state == RecipientState::kDelivered && !inbound && !unresolved &&
                 !m.message_id.empty() && (part_ || acc.retry_waits > 0)) {
        const uint64_t key = RetryKey(m.message_id, rc.address, s.direction);
        // A part cannot see the failures of earlier files: its join checks them.
        if (part_) part_deliveries_.push_back({key, s.start, acc.index});
        if (acc.retry_waits > 0) DeliveredAt(key, s.start);
      }
    }
  }
  if (s.session_failure) {
    session_failed = true;
    if (server != nullptr) ++server->failed_sessions;
    if (s.session_failure->stage == Stage::kConnect) ++totals_.connect_failures;
    std::string name = inbound ? (inbound_key.empty() ? s.remote_ip : inbound_key)
                               : s.destination_hint;
    bool unresolved = inbound && inbound_key.empty();
    if (name.empty() && !inbound && options_.resolve_at_once) {
      name = LearnedDomain(s.remote_ip);
      unresolved = name.empty();
      if (unresolved) name = s.remote_ip.empty() ? "(unknown)" : s.remote_ip;
    }
    if (name.empty() && !inbound) {
      // The domain may be learned from other sessions to the same IP, later in the input. It is
      // classified now: in a parallel run, by the thread that read it, not at the end by one.
      ClassifyOnce(*s.session_failure, s.log);
      pending_.push_back(
          {s.server, s.remote_ip, s.direction, FailureContext::Of(s), *s.session_failure});
    } else {
      DomainAcc& acc = Domain(name, s.direction, unresolved);
      auto [failed_here, first_time] = touch(acc.index);
      if (first_time) acc.report.sessions += smtp;
      ++acc.report.failed_sessions;
      if (options_.by_server) ++acc.failures_by_server[s.server];
      KeepRecent(&acc.report.remote_ips, s.remote_ip, 8);
      int index = AddFailure(acc, *s.session_failure, FailureContext::Of(s));
      if (server != nullptr && !inbound) CountLocal(index, server);
      NoteFailure(failed_here, index);
    }
  }
  for (size_t k = 0; k < touched_count_; ++k) {
    Count(*domains_[touched_[k].first], s.start, touched_[k].second, s.server);
  }
  if (session_failed && smtp) ++totals_.failed_sessions;
}

void Aggregator::AddRetryWait(uint64_t key, const RetryWait& w) {
  retry_waits_[key].push_back(w);
  ++domains_[w.domain]->retry_waits;
  if (part_) return;
  if (retry_filter_.empty()) retry_filter_.resize(1 << 16);
  uint16_t& slot = retry_filter_[key & 0xFFFF];
  if (slot != UINT16_MAX) ++slot;
}

void Aggregator::DropRetryWait(uint64_t key, const RetryWait& w) {
  --domains_[w.domain]->retry_waits;
  if (part_) return;
  uint16_t& slot = retry_filter_[key & 0xFFFF];
  if (slot != UINT16_MAX) --slot;  // (once full, it stays: a delivery then just looks)
}

void Aggregator::DeliveredAt(uint64_t key, TimeMs t) {
  if (!part_ && retry_filter_[key & 0xFFFF] == 0) return;  // nothing waits under its slot
  auto it = retry_waits_.find(key);
  if (it == retry_waits_.end()) return;
  std::vector<RetryWait>& waits = it->second;
  size_t kept = 0;
  for (const RetryWait& w : waits) {
    if (w.time < t) {
      ++w.group->delivered_on_retry;
      DropRetryWait(key, w);
    } else {
      waits[kept++] = w;  // (a session that ended late: its failure came after this delivery)
    }
  }
  waits.resize(kept);
  if (waits.empty()) retry_waits_.erase(it);
}

void Aggregator::ForgetOldRetryWaits() {
  // At most once per hour of logs: the whole table is walked.
  if (retry_waits_.empty() || last_ < retry_waits_checked_ + 3600 * 1000LL) return;
  retry_waits_checked_ = last_;
  for (auto it = retry_waits_.begin(); it != retry_waits_.end();) {
    std::vector<RetryWait>& waits = it->second;
    size_t kept = 0;
    for (const RetryWait& w : waits) {
      if (w.time + kRetryWindowMs < last_) {
        DropRetryWait(it->first, w);
      } else {
        waits[kept++] = w;
      }
    }
    waits.resize(kept);
    it = waits.empty() ? retry_waits_.erase(it) : std::next(it);
  }
}

void Aggregator::FileDone() { ForgetOldRetryWaits(); }

std::string Aggregator::LearnedDomain(const std::string& ip) const {
  auto it = ip_domains_.find(ip);
  if (it == ip_domains_.end() || it->second.empty()) return {};
  auto best = std::max_element(it->second.begin(), it->second.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best->first;
}

void Aggregator::DropBefore(TimeMs cutoff) {
  ForgetOldRetryWaits();
  buckets_.erase(buckets_.begin(), buckets_.lower_bound(cutoff));
  server_buckets_.erase(server_buckets_.begin(), server_buckets_.lower_bound(cutoff));
  for (auto& acc : domains_) {
    for (auto& [key, per_bucket] : acc->group_buckets) {
      per_bucket.erase(per_bucket.begin(), per_bucket.lower_bound({cutoff, 0}));
    }
  }
}

}  // namespace smtptriage
