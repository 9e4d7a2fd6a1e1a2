// The aggregator: receives finished sessions (it is the matcher's SessionSink), classifies each
// failure with the rules, and groups them per destination domain (or, for Receive logs, per
// sender domain or client) and per time bucket. Finish() resolves what could only be resolved at
// the end (the domain of a connect failure learned from other sessions to the same IP), runs the
// incident model and returns the Report. Not thread-safe; one per run (MergePart() joins the
// partial aggregators of a parallel run).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/input_files.h"
#include "smtptriage/report.h"
#include "smtptriage/session.h"
#include "smtptriage/status.h"

namespace smtptriage {

struct AggregatorOptions {
  std::optional<TimeMs> since;       // sessions starting before this are left out
  std::optional<TimeMs> until;       // sessions starting at or after this are left out
  std::string domain;                // when set, only this domain (and its subdomains)
  const std::vector<std::string>* file_names = nullptr;  // to write "file:line" references
  TimeMs bucket_ms = 3600 * 1000;
  // Incident model (see docs/VERDICTS.md).
  int min_domains = 3;
  double min_spread = 0.20;
  double local_share = 0.70;         // a domain's verdict needs this share for one side
  // Follow mode: name the domain of a failure with only an IP at once, from what is known so
  // far (the IP itself when nothing is), instead of waiting for the end of the input.
  bool resolve_at_once = false;
  // The input holds message tracking logs: remember which message+recipient the protocol logs
  // showed, so that a tracking row for it is not counted again. Off otherwise, so that memory
  // does not grow with the number of messages in a protocol-only run.
  bool join_tracking = false;
  // The run's servers, by the index in SessionRecord::server (AssignServers). With two or more,
  // the aggregator counts per server too, to say which servers a local incident hit.
  const std::vector<ServerInput>* servers = nullptr;
  bool by_server = false;            // break each domain's failures down by server
};

// Per time bucket and domain: sessions attempted, and per failure reason the sessions that
// failed with a local-side or an either-side reply of that reason (remote-side failures never
// make an incident, so they are not counted here). Sparse: most cells have no failure.
struct BucketCell {
  int32_t attempts = 0;
  std::vector<std::pair<uint8_t, uint16_t>> failed;  // (Index(reason, side), sessions)
  static int Index(Reason r, Side s) {
    return static_cast<int>(r) * 2 + (s == Side::kLocal ? 0 : 1);
  }
  static Reason ReasonOf(int index) { return static_cast<Reason>(index / 2); }
  static bool IsLocal(int index) { return index % 2 == 0; }
  // The key of a domain's cell on one server, in the per-server buckets.
  static size_t ServerKey(size_t domain, uint32_t server) { return domain << 8 | (server & 0xff); }
  static size_t DomainOfKey(size_t key) { return key >> 8; }
  static uint32_t ServerOfKey(size_t key) { return static_cast<uint32_t>(key & 0xff); }
};

using BucketMap = std::map<TimeMs, std::unordered_map<size_t, BucketCell>>;

// The start of the time bucket that `t` falls in: buckets are `bucket_ms` long from the epoch
// (a time before it rounds down too).
inline TimeMs BucketStart(TimeMs t, TimeMs bucket_ms) {
  return t - ((t % bucket_ms) + bucket_ms) % bucket_ms;
}

// A failure group's failures per time bucket and server (the server's index in the run), so
// that an incident of one server is not given another server's failures. kAnyServer: a merged
// report of several servers, which does not say whose each failure was.
using GroupBuckets = std::map<std::pair<TimeMs, uint32_t>, int64_t>;
constexpr uint32_t kAnyServer = UINT32_MAX;

class Aggregator : public SessionSink {
 public:
  Aggregator(const Classifier* classifier, AggregatorOptions options);
  ~Aggregator() override;

  void OnSession(SessionRecord&& s) override;
  // Classifies the session's failures (thread-safe: the classifier is read-only).
  void Prepare(SessionRecord& s) const override;
  // An aggregator with the same options, for the sessions of one file (see SessionSink). None
  // when the order of every session matters: with a failure listener (NDJSON, follow mode),
  // domains named at once, or message tracking to join.
  std::unique_ptr<SessionSink> NewPart() const override;
  void MergePart(SessionSink& part) override;
  // Forgets the temporary failures too old to be retried still (see kRetryWindowMs).
  void FileDone() override;

  // A temporary failure of mail we sent waits this long for its message to be delivered on
  // retry: Exchange gives up on a message after two days by default (MessageExpirationTimeout),
  // and a day more covers logs of several servers read one after the other.
  static constexpr TimeMs kRetryWindowMs = 3 * 24 * 3600 * 1000LL;

  // Called once for every failure, in input order (failures whose domain is learned at the end
  // are reported during Finish()). For NDJSON output and follow mode.
  using FailureListener = std::function<void(const FailureEvent&)>;
  void SetFailureListener(FailureListener listener) { listener_ = std::move(listener); }

  // Builds the report (domains, incidents, verdicts, totals). Inputs and diagnostics are filled
  // in by the caller. Call once.
  void Finish(Report* report);

  // The report so far, leaving the aggregator as it is (follow mode). Failures still waiting for
  // their domain are left out.
  void Snapshot(Report* report) const;

  // Forgets the time buckets that start before `cutoff` (follow mode keeps memory bounded to a
  // look-back window). Domain totals since the start are kept.
  void DropBefore(TimeMs cutoff);

  // Adds what a JSON report (docs/report.schema.json) counted, as if its sessions had been read
  // here: domains, failure groups with their buckets, the incident model's cells, servers,
  // totals and AUTH failures (for `smtptriage merge`). Incidents and verdicts are not read:
  // Finish() works them out again from the sums. Invalid, naming the field, when the report
  // lacks what is needed (the message then ends with kReportNeeded); the aggregator is then left
  // partly filled and should be dropped. A report made with another --bucket is Invalid too,
  // saying both sizes.
  Status Absorb(const nlohmann::json& report);
  static constexpr const char* kReportNeeded =
      " (a JSON report of smtptriage scan " SMTPTRIAGE_VERSION " is needed)";

  // The classification of one failure, as the aggregator does it (exposed for investigate).
  Classification Classify(const FailureReply& f, LogKind log) const;

 private:
  struct GroupKey;
  struct DomainAcc;
  struct PendingFailure;
  // A temporary failure waiting for its message to be delivered to its recipient.
  struct RetryWait {
    TimeMs time = 0;
    size_t domain = 0;
    FailureGroup* group = nullptr;
  };

  DomainAcc& Domain(const std::string& name, Direction d, bool unresolved);
  uint32_t ServerIndex(const std::string& name);  // adds a server seen in an absorbed report
  // Classifies and groups one failure; returns its BucketCell index (-1 for remote-side ones).
  int AddFailure(DomainAcc& acc, const FailureReply& f, const FailureContext& where,
                 std::string_view recipient = {}, const MessageOutcome* message = nullptr,
                 int64_t ordinal = 0);
  // Counts one session of a domain in the bucket of `t`, with the failure indexes it had.
  void Count(DomainAcc& acc, TimeMs t, const std::vector<int>& failed, uint32_t server);
  bool InPeriod(TimeMs t) const;
  // A delivery of mail we sent at `t` (its session's start): the failures waiting for it that
  // came before `t` were made good. Called only while some wait in the delivery's domain.
  void DeliveredAt(uint64_t key, TimeMs t);
  void AddRetryWait(uint64_t key, const RetryWait& w);
  void DropRetryWait(uint64_t key, const RetryWait& w);
  // Drops the failures that waited longer than kRetryWindowMs before the newest session.
  void ForgetOldRetryWaits();
  // Classifies `f` unless it already is (the reading thread may have done it, see Prepare).
  void ClassifyOnce(FailureReply& f, LogKind log) const;
  // Remembers a protocol session's messages; drops from a tracking record the recipients a
  // protocol log (or an earlier tracking row, for deliveries) already counted. True when nothing
  // is left to count.
  bool CountedElsewhere(SessionRecord& s);
  std::string Ref(SourceRef ref) const;
  std::string LearnedDomain(const std::string& ip) const;
  void FillRules(Report* report) const;

  const Classifier* classifier_;
  AggregatorOptions options_;
  FailureListener listener_;
  std::vector<std::unique_ptr<DomainAcc>> domains_;
  // Domain name -> index into domains_, one map per direction (no key built per recipient).
  std::array<std::unordered_map<std::string, size_t>, 3> domain_index_;
  std::vector<PendingFailure> pending_;
  // remote IP -> domain -> sessions, to name the domain of a failure that has only an IP.
  std::unordered_map<std::string, std::map<std::string, int64_t>> ip_domains_;
  BucketMap buckets_;
  BucketMap server_buckets_;  // by BucketCell::ServerKey, with two or more servers only
  std::vector<ServerReport> servers_;
  std::map<std::string, AuthFailureGroup> auth_;
  std::unordered_set<uint64_t> protocol_keys_;  // message+recipient seen in protocol logs
  std::unordered_set<uint64_t> tracking_keys_;  // deliveries counted from tracking rows
  // Temporary failures of mail we sent by message and recipient (RetryKey), in input order; a
  // key whose last wait goes is erased.
  std::unordered_map<uint64_t, std::vector<RetryWait>> retry_waits_;
  // How many waiting failures each key's low 16 bits have (saturating): a delivery looks in
  // retry_waits_, whose entries are scattered in memory, only when its slot is not zero. Not in
  // a part, whose few waits its domains' counts already tell.
  std::vector<uint16_t> retry_filter_;
  TimeMs retry_waits_checked_ = 0;  // last_ when ForgetOldRetryWaits last walked them
  // A part's deliveries (key, time, its domain), to be checked against the failures of earlier
  // files when it is joined.
  struct PartDelivery {
    uint64_t key;
    TimeMs time;
    size_t domain;
  };
  std::vector<PartDelivery> part_deliveries_;
  bool part_ = false;  // made by NewPart
  Totals totals_;
  // OnSession's scratch: the domains a session touched and the failure indexes it had there.
  std::vector<std::pair<size_t, std::vector<int>>> touched_;
  size_t touched_count_ = 0;
  TimeMs first_ = 0;
  TimeMs last_ = 0;
  bool any_ = false;
  Report::OutsidePeriod outside_;
  TimeMs logs_end_ = 0;  // the end of the newest session, in the period or not
};

}  // namespace smtptriage
