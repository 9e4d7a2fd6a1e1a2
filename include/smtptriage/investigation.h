// The investigation of one target (a domain, an email address, a Message-ID, an IP address or a
// session id): a SessionSink placed beside the aggregator during a run, keeping the matching
// sessions' failures with an example transcript each, an hourly timeline, and, once the run's
// report is known, the comparison with the rest of the traffic and the verdict. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "smtptriage/aggregator.h"
#include "smtptriage/classifier.h"
#include "smtptriage/report.h"
#include "smtptriage/session.h"

namespace smtptriage {

struct Target {
  enum class Kind { kDomain, kAddress, kSession, kIp, kMessage };
  Kind kind = Kind::kDomain;
  std::string value;  // lower case (upper case for a session id), without <>
  // As given (without the <> of an address or Message-ID): a Message-ID is shown so, its local
  // part being case-sensitive, while `value` finds it in the logs in any case.
  std::string written;
};

// "alice@example.com" -> address; 16 hex digits -> session; an IPv4 or IPv6 address -> ip
// (the remote end of a session: a receiver's server, or a client of ours); anything else ->
// domain. A Message-ID has the form of an address: it is parsed as one, and the investigation
// makes it a message when the logs have it as a Message-ID and never as an address.
Target ParseTarget(const std::string& text);
// Why `text` cannot be a target ("" when it can): a session id with a digit too many or too few.
std::string TargetProblem(const std::string& text);

struct Occurrence {
  TimeMs time = 0;
  std::string session;
  std::string sender;
  std::string recipient;
  std::string reply;
  std::string ref;
  size_t kind = 0;       // index in failure_kinds (before sorting; see Finish)
  uint32_t server = 0;   // the session's (SessionRecord::server), for its server's incidents
  Reason reason = Reason::kUndetermined;
  std::string subject;   // only with --show-subjects
  bool local = false;
  bool inbound = false;  // refused by our server
  // A transient failure of mail we sent that a later session made good (the same message, by
  // its Message-ID, delivered to the same recipient): when (0: never), in which session (none
  // for a tracking row), and its first row.
  TimeMs retry_time = 0;
  std::string retry_session;
  std::string retry_ref;
};

struct InvestigatedFailure {
  FailureGroup group;
  Rule rule;
  std::vector<std::string> remote_ips;
  std::vector<std::string> remote_hosts;
  std::string example_session;
  SourceRef example_ref;                     // the failing row of the example session
  std::vector<TranscriptRow> transcript;
  int64_t other_domains = 0;                 // other domains with the same reason, same hours
  std::vector<std::string> other_examples;
  std::set<std::string> own_domains;         // the domains the target's own failures went to
  std::set<std::string> own_ips;             // their servers, where no domain was known
  GroupBuckets per_bucket;                   // failures per time bucket and server
  Direction direction = Direction::kOutbound;
  // Refused by our own server (a Receive log): neither side's fault, left out of the verdict.
  bool inbound = false;
  int64_t delivered_on_retry = 0;            // of `count`: made good later (Occurrence)
  TimeMs last_retry = 0;                     // when the last of them was
};

struct HourRow {
  TimeMs start = 0;
  int64_t attempts = 0;
  int64_t failures = 0;
  int64_t refused_by_us = 0;  // of the failures, mail to us that our own server refused
  std::map<std::string, int64_t> by_reason;
};

// One recipient of the message a Message-ID target names, in one session (or tracking row) that
// carried it, whatever became of it there.
struct MessageRecipient {
  TimeMs time = 0;                           // its failure's, else the session's start
  TimeMs session_start = 0;                  // they are listed session by session
  std::string session;
  LogKind log = LogKind::kSend;
  Direction direction = Direction::kOutbound;
  std::string sender;
  std::string recipient;
  RecipientState state = RecipientState::kPending;
  std::string ref;                           // the session's (or tracking row's) first row
  size_t occurrence = SIZE_MAX;              // its failure in `occurrences`, when it failed
};

struct SessionView {
  SessionRecord record;                      // with its transcript
};

struct InvestigationResult {
  Target target;
  TimeMs period_start = 0;
  TimeMs period_end = 0;
  int64_t sessions = 0;                      // SMTP sessions, as scan counts them
  int64_t tracked_only = 0;                  // messages seen only in message tracking logs
  bool found() const { return sessions > 0 || tracked_only > 0; }
  int64_t recipients = 0;
  // Of `sessions` and `recipients`, by Direction (outbound, inbound, internal): scan counts a
  // domain's mail out and its mail to us apart, and so must the investigation of it.
  std::array<int64_t, 3> sessions_by_direction{};
  std::array<int64_t, 3> recipients_by_direction{};
  int64_t failures = 0;
  int64_t local_failures = 0;
  int64_t inbound_failures = 0;              // of `failures`: refused by our server
  int64_t inbound_ours = 0;                  // of those: for a fault of its own (back pressure)
  // Of the failures of mail we sent: those a later session made good (Occurrence::retry_time),
  // and how many of them pointed to our side. The verdict weighs only the others.
  int64_t delivered_on_retry = 0;
  int64_t delivered_on_retry_local = 0;
  std::vector<HourRow> timeline;
  std::vector<InvestigatedFailure> failure_kinds;
  std::vector<Occurrence> occurrences;       // up to kMaxOccurrences, in time order
  std::vector<SessionView> sessions_found;   // for a session id or Message-ID target
  std::vector<MessageRecipient> message_recipients;  // for a Message-ID target
  // healthy | remote | local | mixed, from the failures of mail we sent (healthy too when every
  // one was delivered on retry); refused when the only failures are of mail sent to us that our
  // server refused; not_found when no session involves the target.
  std::string verdict = "healthy";
  LocalizedText verdict_summary;             // JSON keeps the English
  std::vector<std::string> file_names;
  std::vector<std::string> server_names;     // by SessionRecord::server; named when 2 or more
  std::vector<std::string> close_names;      // no session found: domains of a name close to it
};

class Investigation : public SessionSink {
 public:
  static constexpr size_t kMaxOccurrences = 500;

  Investigation(Target target, const Aggregator* aggregator, const AggregatorOptions& options,
                const std::vector<std::string>* file_names);
  void OnSession(SessionRecord&& s) override;
  // Completes the investigation with the run's finished report.
  InvestigationResult Finish(const Report& report);
  // The run's servers, so that a session id found on two of them is told apart.
  void SetServers(const std::vector<ServerInput>& servers) {
    result_.server_names.clear();
    for (const ServerInput& s : servers) result_.server_names.push_back(s.name);
  }

 private:
  bool MatchesRecipient(const RecipientOutcome& rc, const MessageOutcome& m) const;
  // An IP target named in one of the session's failed replies.
  bool NamesTargetIp(const SessionRecord& s) const;
  // For an address target: whether `m` is the message whose Message-ID it is.
  bool IsTargetMessage(const MessageOutcome& m) const;
  bool CarriesTargetMessage(const SessionRecord& s) const;
  void Take(const SessionRecord& s, bool whole_session);
  // A failure of message `m` (null for a session's own failure) to `recipient`. Returns its
  // index in `occurrences`, SIZE_MAX when no more are kept.
  size_t AddFailure(const SessionRecord& s, const FailureReply& f, const MessageOutcome* m,
                    const std::string& recipient);
  std::string Ref(SourceRef r) const;
  // A tracking row about a message a protocol session already showed: its status is added to
  // that failure (the NDR beside the remote's reply) instead of counting it again.
  void JoinTracking(SessionRecord& s);

  Target target_;
  const Aggregator* aggregator_;
  AggregatorOptions options_;
  const std::vector<std::string>* file_names_;
  InvestigationResult result_;
  std::map<std::string, size_t> kind_index_;   // failure group key -> index in failure_kinds
  std::map<TimeMs, HourRow> hours_;
  std::vector<SessionRecord> unresolved_;      // failed before RCPT, with only an IP
  std::unordered_map<std::string, std::map<std::string, int64_t>> ip_domains_;
  // Message+recipient seen in a protocol session -> its failure's occurrence, when it failed in
  // one (SIZE_MAX: it did not fail).
  std::unordered_map<uint64_t, size_t> protocol_seen_;
  // A transient failure of mail we sent, and the first delivery of each message+recipient
  // (MessageJoinKey): a delivery after the failure made it good. Sessions come in any order.
  struct Retryable {
    uint64_t key = 0;
    TimeMs time = 0;
    size_t kind = 0;
    uint32_t server = 0;
    size_t occurrence = SIZE_MAX;
  };
  struct Delivery {
    TimeMs time = 0;
    std::string session;
    SourceRef ref;
  };
  std::vector<Retryable> retryable_;
  std::unordered_map<uint64_t, Delivery> deliveries_;
  // An address target was found as an address, and as a Message-ID (see ParseTarget).
  bool named_address_ = false;
  bool named_message_ = false;
};

void RenderInvestigation(const InvestigationResult& r, Lang lang, std::ostream& out);
nlohmann::ordered_json InvestigationToJson(const InvestigationResult& r);

}  // namespace smtptriage
