#include "smtptriage/investigation.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "smtptriage/incident_model.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/tracking_parser.h"
#include "investigation_words.h"

namespace smtptriage {

using investigation_words::SayVerdict;

namespace {

// Whether `text` names the address `ip` (lower case) as a whole, not as a part of a longer
// one: "[198.51.100.25]" names 198.51.100.25, "198.51.100.250" does not.
bool NamesIp(std::string_view text, const std::string& ip) {
  auto part = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' ||
                                  c == ':'; };
  const std::string lower = ToLower(text);  // (IPv6 hex digits may be written in capitals)
  for (size_t at = 0; (at = lower.find(ip, at)) != std::string::npos; ++at) {
    const size_t end = at + ip.size();
    if ((at == 0 || !part(lower[at - 1])) && (end == lower.size() || !part(lower[end]))) {
      return true;
    }
  }
  return false;
}

// The address an endpoint ("10.0.0.25:55475", "[2001:db8::25]:25") stands for, lower case.
std::string EndpointIp(std::string_view endpoint) {
  std::string ip;
  int port = 0;
  SplitEndpoint(endpoint, &ip, &port);
  return ToLower(ip);
}

bool DomainMatches(const std::string& domain, const std::string& want) {
  return domain == want || (domain.size() > want.size() &&
                            domain.compare(domain.size() - want.size(), want.size(), want) == 0 &&
                            domain[domain.size() - want.size() - 1] == '.');
}

size_t Distance(const std::string& a, const std::string& b, size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit) return limit + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return std::min(row[b.size()], limit + 1);
}

}  // namespace

Investigation::Investigation(Target target, const Aggregator* aggregator,
                             const AggregatorOptions& options,
                             const std::vector<std::string>* file_names)
    : target_(std::move(target)), aggregator_(aggregator), options_(options),
      file_names_(file_names) {
  result_.target = target_;
}

std::string Investigation::Ref(SourceRef r) const {
  std::string file = r.file < file_names_->size() ? (*file_names_)[r.file] : "?";
  return file + ":" + std::to_string(r.line);
}

bool Investigation::MatchesRecipient(const RecipientOutcome& rc, const MessageOutcome& m) const {
  switch (target_.kind) {
    case Target::Kind::kSession:
    case Target::Kind::kIp: return true;
    case Target::Kind::kAddress:
      return ToLower(rc.address) == target_.value || ToLower(m.sender) == target_.value ||
             IsTargetMessage(m);
    case Target::Kind::kDomain: return DomainMatches(rc.domain, target_.value);
    case Target::Kind::kMessage: return false;  // only Finish makes a target a message
  }
  return false;
}

bool Investigation::NamesTargetIp(const SessionRecord& s) const {
  if (s.session_failure && NamesIp(s.session_failure->text, target_.value)) return true;
  for (const MessageOutcome& m : s.messages) {
    for (const RecipientOutcome& rc : m.recipients) {
      if (rc.failure && NamesIp(rc.failure->text, target_.value)) return true;
    }
  }
  return false;
}

bool Investigation::IsTargetMessage(const MessageOutcome& m) const {
  if (target_.kind != Target::Kind::kAddress) return false;
  // Most messages are told apart by length alone, without a lower-cased copy of their id.
  const size_t brackets = !m.message_id.empty() && m.message_id.front() == '<' ? 2 : 0;
  return m.message_id.size() == target_.value.size() + brackets &&
         BareMessageId(m.message_id) == target_.value;
}

bool Investigation::CarriesTargetMessage(const SessionRecord& s) const {
  return std::any_of(s.messages.begin(), s.messages.end(), [&](const MessageOutcome& m) {
    return !m.recipients.empty() && IsTargetMessage(m);
  });
}

void Investigation::OnSession(SessionRecord&& s) {
  if ((options_.since && s.start < *options_.since) ||
      (options_.until && s.start >= *options_.until)) {
    return;
  }
  if (s.log == LogKind::kTracking) JoinTracking(s);
  const bool inbound = s.direction == Direction::kInbound;
  if (!inbound) {
    for (const MessageOutcome& m : s.messages) {
      for (const RecipientOutcome& rc : m.recipients) {
        if (!rc.domain.empty() && !s.remote_ip.empty()) ++ip_domains_[s.remote_ip][rc.domain];
      }
    }
  }
  switch (target_.kind) {
    case Target::Kind::kSession:
      if (ToLower(s.session) == ToLower(target_.value)) Take(s, true);
      return;
    case Target::Kind::kIp:
      // The server at the other end; or ours: the address a session left from, or the one a
      // reply names ("Client host [198.51.100.25] blocked"), our public address behind NAT.
      if (ToLower(s.remote_ip) == target_.value || EndpointIp(s.local_endpoint) == target_.value ||
          NamesTargetIp(s)) {
        Take(s, true);
      }
      return;
    case Target::Kind::kMessage:  // (never: an address target becomes one at Finish)
    case Target::Kind::kAddress:
    case Target::Kind::kDomain: {
      // Our mail to the target, and its mail to us: what our server refused of it is kept apart
      // (InvestigatedFailure::inbound). An address may be ours (a sender) or theirs.
      bool any = false;
      std::string sender_domain;
      for (const MessageOutcome& m : s.messages) {
        if (inbound && sender_domain.empty()) sender_domain = DomainOf(m.sender);
        for (const RecipientOutcome& rc : m.recipients) any |= MatchesRecipient(rc, m);
      }
      // An account of ours that clients tried to log in as (password guessing): the user name
      // of a failed AUTH.
      if (target_.kind == Target::Kind::kAddress) {
        for (const std::string& user : s.auth_users) any |= ToLower(user) == target_.value;
      }
      if (target_.kind == Target::Kind::kDomain) {
        any |= DomainMatches(s.destination_hint, target_.value);
        any |= inbound && DomainMatches(sender_domain, target_.value);
        if (!any && s.session_failure && s.destination_hint.empty() && !inbound) {
          unresolved_.push_back(std::move(s));  // decided at Finish, by its IP
          return;
        }
      }
      if (!any) return;
      // The same form names an address or a message: which the logs saw it as decides (Finish).
      const bool carries = CarriesTargetMessage(s);
      if (carries) {
        named_message_ = true;
      } else {
        named_address_ = true;
      }
      size_t before = result_.occurrences.size();
      // A domain's session is all its own (its mail to us, ours to its servers); an address's
      // messages and a message's recipients are theirs, not those of the session's others.
      Take(s, target_.kind == Target::Kind::kDomain && (inbound || !s.destination_hint.empty()) &&
                  !carries);
      if (s.log == LogKind::kTracking) return;
      // Remember which occurrence each message+recipient became, for its tracking rows.
      for (const MessageOutcome& m : s.messages) {
        if (m.message_id.empty()) continue;
        for (const RecipientOutcome& rc : m.recipients) {
          size_t at = SIZE_MAX;
          for (size_t i = before; i < result_.occurrences.size(); ++i) {
            if (result_.occurrences[i].recipient == rc.address) at = i;
          }
          // A failure and then its delivery on retry: the failure's tracking row (DEFER) still
          // joins it, whichever session came first.
          const uint64_t key = MessageJoinKey(m.message_id, rc.address, s.direction);
          auto [seen, fresh] = protocol_seen_.try_emplace(key, at);
          if (!fresh && at != SIZE_MAX) seen->second = at;
        }
      }
      return;
    }
  }
}

void Investigation::JoinTracking(SessionRecord& s) {
  for (MessageOutcome& m : s.messages) {
    auto& rcs = m.recipients;
    rcs.erase(std::remove_if(rcs.begin(), rcs.end(), [&](const RecipientOutcome& rc) {
                if (m.message_id.empty()) return false;
                auto it = protocol_seen_.find(MessageJoinKey(m.message_id, rc.address,
                                                             s.direction));
                if (it == protocol_seen_.end()) return false;
                // Delivered as far as the protocol log saw, failed later: the NDR is news.
                if (it->second == SIZE_MAX) return rc.state != RecipientState::kFailed;
                if (rc.failure) {
                  Occurrence& o = result_.occurrences[it->second];
                  if (o.reply.find(rc.failure->text) == std::string::npos) {
                    o.reply += " | NDR: " + rc.failure->text + " (" + Ref(rc.failure->ref) + ")";
                  }
                }
                return true;
              }), rcs.end());
  }
}

void Investigation::Take(const SessionRecord& s, bool whole_session) {
  const size_t direction = static_cast<size_t>(s.direction);
  HourRow& h = hours_[BucketStart(s.start, options_.bucket_ms)];
  h.start = BucketStart(s.start, options_.bucket_ms);
  // A message tracking row is a message no protocol log showed, not an SMTP session (as scan
  // counts them): one that never left had none.
  if (s.log == LogKind::kTracking) {
    ++result_.tracked_only;
  } else {
    ++result_.sessions;
    ++result_.sessions_by_direction[direction];
    ++h.attempts;
  }
  // A message's sessions are shown as a session's is; a tracking row has no rows to show.
  const bool carries = CarriesTargetMessage(s);
  if (target_.kind == Target::Kind::kSession || (carries && s.log != LogKind::kTracking)) {
    result_.sessions_found.push_back({s});
  }
  for (const MessageOutcome& m : s.messages) {
    for (const RecipientOutcome& rc : m.recipients) {
      if (!whole_session && !MatchesRecipient(rc, m)) continue;
      ++result_.recipients;
      ++result_.recipients_by_direction[direction];
      size_t occurrence = SIZE_MAX;
      if (rc.state == RecipientState::kFailed && rc.failure) {
        occurrence = AddFailure(s, *rc.failure, &m, rc.address);
      }
      if (rc.state == RecipientState::kDelivered && !m.message_id.empty() &&
          s.direction != Direction::kInbound) {
        // Where the log shows it taken: the reply to its data (a tracking row is its own).
        const SourceRef taken = m.queued_ref.line > 0 ? m.queued_ref : s.first_ref;
        const Delivery delivery{s.start, s.session, taken};
        const uint64_t key = MessageJoinKey(m.message_id, rc.address, s.direction);
        auto [at, fresh] = deliveries_.try_emplace(key, delivery);
        if (!fresh && s.start < at->second.time) at->second = delivery;
      }
      if (carries && IsTargetMessage(m)) {
        const bool kept = occurrence < result_.occurrences.size();
        // A recipient the message reached points at the reply that took it, one it failed at
        // the reply that refused it, the others at the session's start.
        const bool taken = rc.state == RecipientState::kDelivered && m.queued_ref.line > 0;
        const SourceRef at = taken                                         ? m.queued_ref
                             : rc.state == RecipientState::kFailed && rc.failure ? rc.failure->ref
                                                                                 : s.first_ref;
        result_.message_recipients.push_back(
            {kept ? result_.occurrences[occurrence].time : s.start, s.start, s.session, s.log,
             s.direction, m.sender, rc.address, rc.state, Ref(at), occurrence});
      }
    }
  }
  if (s.session_failure) AddFailure(s, *s.session_failure, nullptr, "");
}

size_t Investigation::AddFailure(const SessionRecord& s, const FailureReply& f,
                                 const MessageOutcome* m, const std::string& recipient) {
  Classification c = aggregator_->Classify(f, s.log);
  FailureGroup probe = StartFailureGroup(c, f);
  const bool inbound = s.direction == Direction::kInbound;
  // By direction, as scan keeps a domain's mail out, its mail to us and our own hops apart.
  const char* apart = inbound ? "inbound|" : s.direction == Direction::kInternal ? "internal|" : "";
  std::string key = apart + FailureGroupKey(probe);
  auto [it, fresh] = kind_index_.emplace(key, result_.failure_kinds.size());
  if (fresh) {
    InvestigatedFailure k;
    k.direction = s.direction;
    k.inbound = inbound;
    k.group = probe;
    k.group.sample_ref = Ref(f.ref);
    k.group.sample_session = s.session;
    k.rule = *c.rule;
    k.example_session = s.session;
    k.example_ref = f.ref;
    k.transcript = s.transcript;
    result_.failure_kinds.push_back(std::move(k));
  }
  InvestigatedFailure& k = result_.failure_kinds[it->second];
  ++k.group.count;
  k.group.first = std::min(k.group.first, f.time);
  k.group.last = std::max(k.group.last, f.time);
  auto remember = [](std::vector<std::string>* v, const std::string& x) {
    if (!x.empty() && v->size() < 10 && std::find(v->begin(), v->end(), x) == v->end()) {
      v->push_back(x);
    }
  };
  ++k.per_bucket[{BucketStart(f.time, options_.bucket_ms), s.server}];
  // Where the failure went: the recipient's domain, or for a session's own failure (a connect
  // failure, a refused MAIL) the domain it was for. Mail to us is the sender's: its domain, or
  // the client's address where no sender was given (as scan lists them).
  if (inbound) {
    for (const MessageOutcome& msg : s.messages) {
      if (!msg.sender.empty()) k.own_domains.insert(DomainOf(msg.sender));
    }
    k.own_domains.insert(s.remote_ip);  // (the name of a sender of no domain in the scan)
  } else if (!recipient.empty()) {
    k.own_domains.insert(DomainOf(recipient));
  } else if (!s.destination_hint.empty()) {
    k.own_domains.insert(s.destination_hint);
  } else {
    for (const MessageOutcome& m : s.messages) {
      for (const RecipientOutcome& rc : m.recipients) k.own_domains.insert(rc.domain);
    }
    // No domain known here (refused at the banner): the scan names it after the other sessions
    // to the same server, or after the address when there were none; found below either way.
    if (!s.remote_ip.empty()) k.own_ips.insert(s.remote_ip);
  }
  remember(&k.remote_ips, s.remote_ip);
  remember(&k.remote_hosts, s.remote_host);
  ++result_.failures;
  HourRow& h = hours_[BucketStart(f.time, options_.bucket_ms)];
  h.start = BucketStart(f.time, options_.bucket_ms);
  ++h.failures;
  if (inbound) ++h.refused_by_us;
  ++h.by_reason[std::string(ToString(c.reason))];
  size_t occurrence = SIZE_MAX;
  if (result_.occurrences.size() < kMaxOccurrences) {
    occurrence = result_.occurrences.size();
    Occurrence& o = result_.occurrences.emplace_back();
    o.time = f.time;
    o.session = s.session;
    o.sender = m ? m->sender : "";
    o.recipient = recipient;
    o.reply = f.text;
    o.ref = Ref(f.ref);
    o.kind = it->second;
    o.server = s.server;
    o.reason = c.reason;
    o.subject = m ? m->subject : "";
  }
  // Exchange retries what failed for a while: a later session may deliver it (Finish).
  if (m != nullptr && !m->message_id.empty() && !inbound && c.retry == Retry::kTransient) {
    retryable_.push_back({MessageJoinKey(m->message_id, recipient, s.direction), f.time,
                          it->second, s.server, occurrence});
  }
  return occurrence;
}

InvestigationResult Investigation::Finish(const Report& report) {
  for (const SessionRecord& s : unresolved_) {
    auto it = ip_domains_.find(s.remote_ip);
    if (it == ip_domains_.end() || it->second.empty()) continue;
    auto best = std::max_element(it->second.begin(), it->second.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    if (DomainMatches(best->first, target_.value)) Take(s, true);
  }
  unresolved_.clear();
  if (target_.kind == Target::Kind::kAddress && named_message_ && !named_address_) {
    result_.target.kind = Target::Kind::kMessage;
    // Sessions end in any order, and tracking rows are read after every protocol log.
    std::stable_sort(result_.message_recipients.begin(), result_.message_recipients.end(),
                     [](const MessageRecipient& a, const MessageRecipient& b) {
                       return a.session_start < b.session_start;
                     });
  } else if (target_.kind != Target::Kind::kSession) {
    result_.sessions_found.clear();
    result_.message_recipients.clear();
  }
  result_.period_start = report.period_start;
  result_.period_end = report.period_end;
  result_.file_names = *file_names_;
  for (auto& [start, row] : hours_) result_.timeline.push_back(row);

  // Our side or theirs, failure by failure, as scan attributes it: the rule's side, or a local
  // incident of the family on the failure's server. What our server refused is neither side's
  // fault: out of the verdict.
  auto local_at = [&](const InvestigatedFailure& k, TimeMs t, uint32_t server) {
    const std::string_view name =
        server < result_.server_names.size() ? result_.server_names[server] : std::string_view();
    return !k.inbound && FailureIsLocal(report.incidents, k.group, k.direction, t, name);
  };
  for (Occurrence& o : result_.occurrences) {
    const InvestigatedFailure& k = result_.failure_kinds[o.kind];
    o.inbound = k.inbound;
    o.local = local_at(k, o.time, o.server);
  }
  // A transient failure that a later session made good is no problem now: said, not weighed.
  for (const Retryable& f : retryable_) {
    auto it = deliveries_.find(f.key);
    if (it == deliveries_.end() || it->second.time <= f.time) continue;
    InvestigatedFailure& k = result_.failure_kinds[f.kind];
    ++k.delivered_on_retry;
    k.last_retry = std::max(k.last_retry, it->second.time);
    ++result_.delivered_on_retry;
    if (local_at(k, f.time, f.server)) ++result_.delivered_on_retry_local;
    if (f.occurrence != SIZE_MAX) {
      Occurrence& o = result_.occurrences[f.occurrence];
      o.retry_time = it->second.time;
      o.retry_session = it->second.session;
      o.retry_ref = Ref(it->second.ref);
    }
  }
  // In time order: Send and Receive logs are read one after the other, and sessions end in any
  // order. A message's recipients point at their failure by index: moved with it.
  {
    std::vector<size_t> order(result_.occurrences.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return result_.occurrences[a].time < result_.occurrences[b].time;
    });
    std::vector<size_t> moved_to(order.size());
    std::vector<Occurrence> sorted;
    sorted.reserve(order.size());
    for (size_t i : order) {
      moved_to[i] = sorted.size();
      sorted.push_back(std::move(result_.occurrences[i]));
    }
    result_.occurrences = std::move(sorted);
    for (MessageRecipient& m : result_.message_recipients) {
      if (m.occurrence < moved_to.size()) m.occurrence = moved_to[m.occurrence];
    }
  }
  for (InvestigatedFailure& k : result_.failure_kinds) {
    k.group.local_count = 0;
    for (const auto& [at, n] : k.per_bucket) {
      if (local_at(k, at.first, at.second)) k.group.local_count += n;
    }
    result_.local_failures += k.group.local_count;
    if (k.inbound) result_.inbound_failures += k.group.count;
    if (k.inbound && k.group.side == Side::kLocal) result_.inbound_ours += k.group.count;
    // The rest of the traffic: other domains with the same reason in the same hours (senders
    // to us, for what our server refused).
    const Direction direction = k.inbound ? Direction::kInbound : Direction::kOutbound;
    TimeMs from = BucketStart(k.group.first, options_.bucket_ms);
    TimeMs to = BucketStart(k.group.last, options_.bucket_ms) + options_.bucket_ms;
    for (const DomainReport& d : report.domains) {
      if (d.direction != direction) continue;
      if (target_.kind == Target::Kind::kDomain && DomainMatches(d.domain, target_.value)) continue;
      if (target_.kind == Target::Kind::kIp && d.domain == target_.value) continue;
      if (k.own_domains.count(d.domain) || k.own_ips.count(d.domain)) continue;
      if (std::any_of(d.remote_ips.begin(), d.remote_ips.end(),
                      [&](const std::string& ip) { return k.own_ips.count(ip) > 0; })) {
        continue;  // where the failure itself was counted
      }
      bool same = false;
      for (const FailureGroup& g : d.failures) {
        same |= g.reason == k.group.reason && g.first < to && g.last >= from;
      }
      if (same && d.failures_total() > 0) {
        ++k.other_domains;
        if (k.other_examples.size() < 5) k.other_examples.push_back(d.domain);
      }
    }
  }
  std::sort(result_.failure_kinds.begin(), result_.failure_kinds.end(),
            [](const InvestigatedFailure& a, const InvestigatedFailure& b) {
              return a.group.count > b.group.count;
            });
  // Nothing found, most often a typing mistake: name what the logs have that is close to it.
  if (!result_.found() &&
      (target_.kind == Target::Kind::kDomain || target_.kind == Target::Kind::kAddress)) {
    const std::string want = target_.kind == Target::Kind::kDomain ? target_.value
                                                                   : DomainOf(target_.value);
    std::set<std::string> close;
    for (const DomainReport& d : report.domains) {
      // (the address's own domain is no other name for it)
      if (!d.unresolved && d.domain != want && Distance(d.domain, want, 2) <= 2 &&
          close.size() < 3) {
        close.insert(d.domain);
      }
    }
    for (const std::string& c : close) result_.close_names.push_back(c);
  }
  SayVerdict(options_.local_share, options_.since || options_.until, &result_);
  return std::move(result_);
}

}  // namespace smtptriage
