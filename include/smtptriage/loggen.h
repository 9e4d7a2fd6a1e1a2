// The log generator: writes realistic Exchange 2013-2019 SMTP Send and Receive protocol logs
// (and, on request, message tracking logs) for sample_logs/, for tests that need a known traffic
// pattern, and for the benchmark. Deterministic: the same Scenario (seed included) gives the same
// bytes. Not thread-safe per call; separate calls are independent.
//
// Layout written under out_dir: SmtpSend/SEND<yyyyMMddHH>-<n>.LOG and
// SmtpReceive/RECV<yyyyMMddHH>-<n>.LOG (daily names when hourly_files is false). As Exchange does,
// rows are buffered for a few seconds and the file is picked when the buffer is written, so a
// file's #Date can be later than its first rows and the last seconds of an hour can land in the
// next hour's file; within a file rows are in time order, sessions interleaved.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "smtptriage/status.h"

namespace smtptriage::loggen {

// A kind of failure the generator can inject into an outbound (Send) session, or into an
// inbound (Receive) session for the k*Inbound ones.
enum class Fault {
  kConnectTimeout,      // "Failed to connect. Winsock error code: 10060 ..." (no '+' row)
  kConnectRefused,      // Winsock 10061
  kNetworkUnreachable,  // Winsock 10051
  kHostUnreachable,     // Winsock 10065
  kBannerReject,        // 554 "<host> ESMTP not accepting connections" in the banner's place
  kEhloReject,          // 550 5.7.1 to EHLO/HELO
  kTlsFailure,          // STARTTLS then "TLS negotiation failed with error ..."
  kMailFromRejected,    // 550 5.1.8 sender domain rejected: every recipient fails
  kUserUnknown,         // 550 5.1.1 to one RCPT TO (others accepted: pipelining)
  kMailboxFull,         // 552 5.2.2
  kGroupRestricted,     // after DATA: 550 5.7.1 RESOLVER.RST.AuthRequired / 5.7.133 (one group)
  kRelayDenied,         // every RCPT: 554 5.7.1 Relay access denied, 550 5.7.54 / 5.7.64
  kBlocklistSpamhaus,   // every RCPT: 554 5.7.1 Service unavailable; ... zen.spamhaus.org
  kBlocklistBarracuda,  // banner: 554 Service unavailable; ... blocked using Barracuda Reputation
  kIpv6Ptr,             // after DATA: Gmail's 550-5.7.25 PTR message (multi-line or collapsed)
  kGreylist,            // every RCPT: 451 4.7.1 Greylisted (postgrey); retried minutes later
  kRateLimited,         // every RCPT: 451 4.7.650 (Exchange Online), 421-4.7.28 (Gmail) ...
  kDataRejectedSpam,    // 550 5.7.1 after end of data: message rejected as spam
  kLostAfterData,       // no final reply: '-' Remote, or '*' ...SocketError then '-' Local
  kLostMidSession,      // connection dropped after RCPT (no '-' row, or Remote(SocketError))
  kRejectInbound,       // Receive log: we refuse (5.1.10 recipient, 5.7.54 relay, 452 4.3.1, spam)
  kAuthFailInbound,     // Receive log: "Inbound AUTH LOGIN failed because of LogonDenied"
};

struct FaultWindow {
  Fault fault;
  std::vector<std::string> domains;  // the domains affected; empty = every domain
  int64_t start_ms = 0;              // UTC epoch milliseconds, inclusive
  int64_t end_ms = 0;                // exclusive
  double probability = 1.0;          // share of matching sessions that fail this way
  // When true, the affected domains are taken from `domains` (or all) progressively: at start
  // only the first ~10%, growing linearly to all of them at end (a spreading problem).
  bool growing = false;
  int max_sessions = 0;  // > 0: hit at most this many sessions (a scripted event)
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  std::string server = "EX01";        // the server's name in its receive connector ids
  int64_t start_ms = 0;               // UTC epoch ms of the first session
  int64_t end_ms = 0;                 // no session starts at or after this
  int sessions_per_hour = 200;        // outbound sessions per hour, spread over the domains
  int inbound_sessions_per_hour = 0;  // 0 = no Receive logs
  int domain_count = 40;              // partner domains (names are stable for a seed)
  std::vector<std::string> domains;   // explicit domain names; overrides domain_count
  std::vector<FaultWindow> faults;
  double background_user_unknown = 0.0;  // per-recipient chance of a scattered 5.1.1
  double background_greylist = 0.0;      // per-session chance of a greylisting 451
  // File layout.
  bool hourly_files = true;           // SENDyyyyMMddHH-N.LOG, else daily SENDyyyyMMdd-N.LOG
  int64_t max_file_bytes = 10 << 20;  // rotate to -N+1 past this size (Exchange's default)
  bool bom = true;
  bool crlf = true;
  bool gzip_first_file = false;  // write the oldest Send file as .LOG.gz
  bool collapsed_ehlo = false;   // EHLO replies collapsed into one row (else one per line)
  bool mixed_ehlo = true;        // both renderings, per remote server
  bool proxy_sessions = false;   // internal hops on port 2525/717 among the outbound ones
  int64_t target_bytes = 0;      // when > 0: keep generating until this many bytes
                                 // (end_ms is then ignored)
  bool target_send_only = false; // target_bytes counts the Send logs only
  bool straddle_hours = false;   // one session per hour boundary whose rows are split
                                 // between the two hours' files
  // Message tracking logs (MessageTracking/MSGTRK<yyyyMMddHH>-1.LOG) for the same messages as
  // the Send logs: RECEIVE, SEND, FAIL, DEFER and DSN rows. Off by default, so the presets'
  // output stays as it is.
  bool tracking_logs = false;
  int tracking_fields = 30;              // 21 (2007), 26 (2010), 27 (2013), 30 (2016/2019)
  int tracking_nonexistent_domains = 0;  // NDRs for mistyped domains (no protocol session)
  int tracking_expired = 0;              // messages deferred until QUEUE.Expired
  // Our resolver fails for every domain in [start, end): this many messages are deferred with
  // "451 4.4.0 DNS query failed", spread over the partner domains.
  int64_t tracking_dns_outage_start_ms = 0;
  int64_t tracking_dns_outage_end_ms = 0;
  int tracking_dns_outage_messages = 0;
};

// Stable lower-case names ("connect-timeout", "user-unknown", ...), for the CLI and reports.
const char* FaultName(Fault f);
bool ParseFault(const std::string& name, Fault* out);
std::vector<Fault> AllFaults();

// The truth about what was generated, for tests: every failure it injected. Session-level
// failures (connect errors, banner/EHLO refusals, Barracuda at the banner, TLS failure, inbound
// AUTH failures) give one record with an empty recipient; the others give one record per
// recipient that failed (for a refused message: every recipient that had been accepted).
// Exchange's failover to the next MX after a connect failure is a second session with its own
// record. Outbound domains are the destination; inbound ones the sender's (empty for AUTH).
struct InjectedFailure {
  std::string session_id;  // 16 upper-hex digits as in the log
  std::string domain;      // destination domain (lower case)
  std::string recipient;   // empty for session-level failures
  Fault fault;
  int64_t time_ms = 0;
  bool inbound = false;
};

struct Result {
  std::vector<std::string> files;  // paths written, in time order
  int64_t bytes = 0;
  int64_t lines = 0;
  int64_t sessions = 0;  // all sessions: outbound, internal hops and inbound
  int64_t inbound_sessions = 0;
  int64_t internal_sessions = 0;  // hops to our other Exchange server (2525/475)
  int64_t recipients = 0;         // outbound recipients to partner domains
  std::vector<InjectedFailure> failures;
  std::map<std::string, int64_t> sessions_per_domain;  // outbound, by destination domain
  std::map<std::string, int64_t> failures_per_fault;   // by FaultName
  std::vector<std::string> domains;  // the partner domains, heaviest traffic first
  std::vector<std::string> tracking_files;  // with Scenario::tracking_logs, in time order
  int64_t tracking_rows = 0;
};

// Writes the scenario's logs under out_dir/SmtpSend and out_dir/SmtpReceive (created if needed;
// existing files of the same name are overwritten, others left alone). `bytes` counts the
// uncompressed bytes, `lines` the data rows.
Status Generate(const Scenario& scenario, const std::string& out_dir, Result* result);

// Named presets: "sample" (sample_logs/), "bench", and the verdict cases of the aggregator
// tests ("remote-outage", "firewall", "blocklist-growing", "lost-one-domain", "lost-spreading",
// "ipv6-ptr", "group-restricted", "quiet-day"). Returns false for an unknown name.
bool Preset(const std::string& name, uint64_t seed, Scenario* out);
std::vector<std::string> PresetNames();

}  // namespace smtptriage::loggen
