// The log generator: writes realistic Exchange 2013-2019 SMTP Send and Receive protocol logs
// (and, later, message tracking logs) for sample_logs/, for tests that need a known traffic
// pattern, and for the benchmark. Deterministic: the same Scenario (seed included) gives the same
// bytes. Not thread-safe per call; separate calls are independent.
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
  kConnectTimeout,       // "Failed to connect. Winsock error code: 10060 ..." (no '+' row)
  kConnectRefused,       // Winsock 10061
  kNetworkUnreachable,   // Winsock 10051
  kHostUnreachable,      // Winsock 10065
  kBannerReject,         // 554 5.7.1 in the 220 banner's place
  kEhloReject,           // 550 5.7.1 to EHLO/HELO
  kTlsFailure,           // STARTTLS then "TLS negotiation failed with error ..."
  kMailFromRejected,     // 550 5.1.8 sender domain rejected: every recipient fails
  kUserUnknown,          // 550 5.1.1 to one RCPT TO (others accepted: pipelining)
  kMailboxFull,          // 552 5.2.2
  kGroupRestricted,      // 550 5.7.1 RESOLVER.RST.AuthRequired / not authorized to send to group
  kRelayDenied,          // 550 5.7.1 Unable to relay
  kBlocklistSpamhaus,    // 554 5.7.1 Service unavailable; Client host [ip] blocked using Spamhaus
  kBlocklistBarracuda,   // 554 Service unavailable; Client host [ip] blocked using Barracuda
  kIpv6Ptr,              // Gmail's 550-5.7.25 IPv6 PTR message (multi-line)
  kGreylist,             // 451 4.7.1 greylisted, try again later
  kRateLimited,          // 421 4.7.28 / 451 4.7.650
  kDataRejectedSpam,     // 550 5.7.1 after end of data: message rejected as spam
  kLostAfterData,        // data sent, no final reply, '-' row with Remote
  kLostMidSession,       // connection dropped after RCPT (no '-' row, or Remote(SocketError))
  kRejectInbound,        // Receive log: we answer 550 5.7.1 / 5.1.1 to a client
  kAuthFailInbound,      // Receive log: "Inbound AUTH LOGIN failed because of LogonDenied"
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
};

struct Scenario {
  std::string name;
  uint64_t seed = 1;
  int64_t start_ms = 0;                 // UTC epoch ms of the first session
  int64_t end_ms = 0;                   // no session starts at or after this
  int sessions_per_hour = 200;          // outbound sessions per hour, spread over the domains
  int inbound_sessions_per_hour = 0;    // 0 = no Receive logs
  int domain_count = 40;                // partner domains (names are stable for a seed)
  std::vector<std::string> domains;     // explicit domain names; overrides domain_count
  std::vector<FaultWindow> faults;
  double background_user_unknown = 0.0; // per-recipient chance of a scattered 5.1.1
  double background_greylist = 0.0;    // per-session chance of a greylisting 451
  // File layout.
  bool hourly_files = true;             // SENDyyyyMMddHH-N.LOG, else daily SENDyyyyMMdd-N.LOG
  int64_t max_file_bytes = 10 << 20;    // rotate to -N+1 past this size (Exchange's default)
  bool bom = true;
  bool crlf = true;
  bool gzip_first_file = false;         // write the oldest Send file as .LOG.gz
  bool collapsed_ehlo = false;          // EHLO replies collapsed into one row (else one per line)
  bool mixed_ehlo = true;               // both renderings, per remote server
  bool proxy_sessions = false;          // internal hops on port 2525/717 among the outbound ones
  int64_t target_bytes = 0;             // when > 0: keep generating until this many bytes
};

// The truth about what was generated, for tests: every failure it injected.
struct InjectedFailure {
  std::string session_id;               // 16 upper-hex digits as in the log
  std::string domain;                   // destination domain (lower case)
  std::string recipient;                // empty for session-level failures
  Fault fault;
  int64_t time_ms = 0;
  bool inbound = false;
};

struct Result {
  std::vector<std::string> files;       // paths written, in time order
  int64_t bytes = 0;
  int64_t lines = 0;
  int64_t sessions = 0;
  int64_t recipients = 0;
  std::vector<InjectedFailure> failures;
  std::map<std::string, int64_t> sessions_per_domain;
};

// Writes the scenario's logs under out_dir/SmtpSend and out_dir/SmtpReceive.
Status Generate(const Scenario& scenario, const std::string& out_dir, Result* result);

// Named presets: "sample" (sample_logs/), "bench", and the verdict cases of the aggregator
// tests ("remote-outage", "firewall", "blocklist-growing", "lost-one-domain", "lost-spreading",
// "ipv6-ptr", "group-restricted", "quiet-day"). Returns false for an unknown name.
bool Preset(const std::string& name, uint64_t seed, Scenario* out);
std::vector<std::string> PresetNames();

}  // namespace smtptriage::loggen
