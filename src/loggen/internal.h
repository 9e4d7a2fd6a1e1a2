// Internals of the log generator shared by its .cc files: a small deterministic random number
// generator, fast text appenders for the hot loop, the per-domain remote server profile, and the
// row stream that orders rows of overlapping sessions by time and writes them into rotating files.
// Nothing here is thread-safe; one Generate() call owns all of it.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smtptriage/loggen.h"
#include "smtptriage/status.h"

namespace smtptriage::loggen::internal {

// xoshiro256** seeded through splitmix64. Own generator and own distributions (not <random>'s)
// so that the bytes are the same with every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  uint64_t Below(uint64_t n);             // [0, n); n > 0
  int64_t Range(int64_t lo, int64_t hi);  // [lo, hi]
  double Uniform();                       // [0, 1)
  bool Chance(double p) { return Uniform() < p; }
  double Exponential(double mean);

 private:
  uint64_t s_[4];
};

uint64_t Hash64(std::string_view s, uint64_t seed);

// Appenders. None of them allocates beyond growing `out`.
void AppendUint(std::string* out, uint64_t v);
void AppendPadded(std::string* out, uint64_t v, int width);
void AppendHex(std::string* out, uint64_t v, int digits);  // upper case
void AppendLowerHex(std::string* out, uint64_t v, int digits);
// RFC 4180: quoted when the value holds a comma, a quote or a line break; inner quotes doubled.
void AppendCsvField(std::string* out, std::string_view s);

struct Civil {
  int year;
  int month;  // 1..12
  int day;    // 1..31
  int hour;
  int minute;
  int second;
  int millis;
  int weekday;  // 0 = Sunday
};
Civil CivilFromMs(int64_t ms);
// "2026-03-02T06:00:01.123Z", caching the part up to the second.
class TimeFormatter {
 public:
  void Append(std::string* out, int64_t ms);

 private:
  int64_t cached_second_ = INT64_MIN;
  char prefix_[20];  // "2026-03-02T06:00:01."
};
std::string IsoMs(int64_t ms);
// "Mon, 2 Mar 2026 07:00:01 +0100": RFC 2822 in the server's local time.
std::string Rfc2822(int64_t utc_ms, int offset_minutes);
// .NET DateTime ticks, from which Exchange seeds its session ids.
uint64_t TicksFromMs(int64_t ms);

// The remote side of outbound sessions: what software answers for a domain.
enum class Software { kPostfix, kExchangeOnline, kExim, kExchangeOnPrem, kGmail, kYahoo };

struct RemoteHost {
  std::string name;
  std::string endpoint;  // "203.0.113.7:25" or "[2001:db8:4860::1b]:25"
  std::string ip;        // "203.0.113.7" or "2001:db8:4860::1b"
  bool ipv6 = false;
};

struct DomainProfile {
  std::string domain;
  Software software = Software::kPostfix;
  std::vector<RemoteHost> mx;  // one or two, preference order
  bool collapsed = false;      // multi-line replies logged as one row
  bool chunking = true;        // BDAT rather than DATA
  std::string connector;       // Send connector that routes to it
  double weight = 1.0;         // share of outbound traffic
};

Software SoftwareFor(const std::string& domain, uint64_t seed);
DomainProfile MakeProfile(const std::string& domain, int rank, const Scenario& sc);
// Stable fictitious partner names ("contoso-partner.example", ...) for a count and seed.
std::vector<std::string> MakeDomainNames(int count, uint64_t seed);

// Our side, shared by the session writers.
inline constexpr std::string_view kOurDomain = "ourorg.example";
inline constexpr std::string_view kOurHelo = "mail.ourorg.example";
inline constexpr std::string_view kOurServer = "EX01";
inline constexpr std::string_view kOurServerFqdn = "EX01.ourorg.example";
inline constexpr std::string_view kOurIpv4 = "198.51.100.25";
inline constexpr std::string_view kOurIpv6 = "2001:db8:100::25";
inline constexpr std::string_view kOurLocalIp = "10.0.0.25";

// Exchange buffers log rows and creates/picks the file when it writes the buffer out, so a file's
// #Date can be later than its first rows and the last seconds of an hour can land in the next
// hour's file (qazeer RECV2023011116-1.LOG: #Date 16:00:04.113, first row 15:59:51.433). We write
// the buffer every kFlushMs on a grid offset by FlushPhase(seed); a row goes into the file of the
// hour in which its buffer is written.
inline constexpr int64_t kFlushMs = 5000;
inline int64_t FlushPhase(uint64_t seed) { return 700 + static_cast<int64_t>(seed % 3600); }
inline int64_t FlushPointFor(int64_t t, int64_t phase) {
  const int64_t k = (t - phase + kFlushMs - 1) / kFlushMs;  // t > phase always in practice
  return k * kFlushMs + phase;
}

// One log folder (SmtpSend or SmtpReceive): rows of all sessions go in through AddRow in any
// order of sessions, each session's rows in its own time order; FlushBefore(t) writes, in time
// order, every row older than t. The caller promises that no row older than t is added later.
class RowStream {
 public:
  RowStream(const Scenario& sc, std::string dir, std::string prefix, std::string log_type,
            bool gzip_first);
  ~RowStream();
  RowStream(const RowStream&) = delete;
  RowStream& operator=(const RowStream&) = delete;

  // The caller appends one complete line (with line end) to arena() and then calls AddRow with
  // the offset where it began.
  std::string& arena() { return arena_; }
  void AddRow(int64_t time_ms, size_t begin);
  Status FlushBefore(int64_t t);
  Status Finish();

  std::string_view eol() const { return eol_; }
  TimeFormatter& time_formatter() { return time_; }
  int64_t generated_bytes() const { return generated_bytes_; }
  int64_t bytes() const { return bytes_; }
  int64_t lines() const { return lines_; }
  struct FileInfo {
    std::string path;
    int64_t created_ms;
  };
  const std::vector<FileInfo>& files() const { return files_; }

 private:
  struct Row {
    int64_t time_ms;
    uint64_t order;
    uint32_t offset;
    uint32_t length;
  };
  Status Emit(const Row& row);
  Status OpenFile(int64_t key, int instance, int64_t created_ms);
  Status CloseFile();
  Status WriteOut();
  void Compact();

  const Scenario& sc_;
  TimeFormatter time_;
  std::string dir_, prefix_, log_type_;
  std::string eol_;
  bool gzip_next_;
  int64_t phase_;
  std::string arena_;
  std::vector<Row> heap_;
  uint64_t order_ = 0;
  int64_t generated_bytes_ = 0;

  std::string out_;  // pending bytes of the open file
  FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  std::string path_;
  int64_t key_ = -1;
  int instance_ = 0;
  int64_t file_bytes_ = 0;
  int64_t lines_in_file_ = 0;
  int64_t bytes_ = 0;
  int64_t lines_ = 0;
  std::vector<FileInfo> files_;
};

// Appends the rows of one session to a stream; sequence numbers count from 0.
class SessionRows {
 public:
  SessionRows(RowStream* stream, std::string_view connector, std::string_view session_id,
              std::string_view remote);
  void SetLocal(std::string_view local) { local_ = local; }
  void Add(int64_t t, char event, std::string_view data, std::string_view context);
  int64_t last_time() const { return last_; }

 private:
  RowStream* stream_;
  std::string head_;  // ",connector,session-id,"
  std::string local_, remote_;
  int seq_ = 0;
  int64_t last_ = INT64_MIN;
};

std::string SessionIdHex(uint64_t id);

// What the remote servers say (dialect.cc). A reply may span lines ("550-5.7.25 ..."); Exchange
// logs it either one row per line or collapsed into one row, per remote server.
struct Reply {
  std::string code;      // "550"
  std::string enhanced;  // "5.7.25", or empty
  std::vector<std::string> lines;
};
void EmitReply(SessionRows* s, int64_t t, char event, const Reply& r, bool collapsed);

// Per-session details the texts mention.
struct RemoteCtx {
  const DomainProfile* profile;
  const RemoteHost* host;
  std::string tag;  // Gmail's "... - gsmtp" trace id, Postfix queue id seed
};
std::string Banner(const RemoteCtx& c, int64_t t);
Reply EhloReply(const RemoteCtx& c, bool after_tls);
std::string_view MailOk(Software sw);
std::string RcptOk(const RemoteCtx& c, const std::string& rcpt);
std::string_view StartTlsOk(Software sw);
std::string_view Data354(Software sw);
std::string_view RsetOk(Software sw);
std::string FinalOk(const RemoteCtx& c, const std::string& msgid, int64_t size, Rng* rng);
std::string QuitOk(const RemoteCtx& c);
// The remote's refusal for `fault` (recipient-level ones name `rcpt`).
Reply FailureReply(Fault f, const RemoteCtx& c, const std::string& rcpt);
// "Failed to connect. Winsock error code: ..." for the connect faults.
std::string ConnectFailure(Fault f, const std::string& domain, const RemoteHost& host);
std::string RemoteCertificate(const RemoteCtx& c, int64_t t);
std::string_view TlsSuccess(bool server, uint64_t h);

// State shared by the session writers of one Generate() call.
struct GenState {
  GenState(const Scenario& s, Result* r) : sc(s), rng(s.seed), result(r) {}
  const Scenario& sc;
  Rng rng;
  Result* result;
  uint64_t next_session_id = 0;
  uint64_t next_record_id = 0;
  uint32_t next_port = 49152;
};

std::string NextLocalEndpoint(GenState* g, bool ipv6, std::string_view ip = kOurLocalIp);
bool IsConnectFault(Fault f);
bool IsInboundFault(Fault f);

// A message refused for now (greylisting), which Exchange keeps in its queue and sends again:
// the same mail item (RecordId), Message-ID, sender, size and recipients.
struct HeldMessage {
  std::string message_id;
  uint64_t record_id = 0;
  std::string sender;
  int64_t size = 0;
  std::vector<std::string> recipients;
};
struct OutboundPlan {
  int64_t start_ms = 0;
  const DomainProfile* profile = nullptr;
  int mx_index = 0;
  bool has_fault = false;
  Fault fault = Fault::kConnectTimeout;
  bool greylist = false;          // background greylisting of this session
  double user_unknown = 0.0;      // per-recipient chance of a background 5.1.1
  int64_t min_message_bytes = 0;  // to make a session last (hour-straddling session)
  std::shared_ptr<const HeldMessage> resend;  // the session's first message, sent again
};
struct OutboundOutcome {
  int64_t end_ms = 0;
  bool connect_failed = false;
  std::shared_ptr<const HeldMessage> greylisted;  // the message to send again, if any
  int64_t recipients = 0;
};
OutboundOutcome WriteOutboundSession(GenState* g, RowStream* send, const OutboundPlan& plan);
// An internal hop to another Exchange server (port 2525 or 475); never fails.
void WriteInternalSession(GenState* g, RowStream* send, int64_t start_ms);

struct InboundPlan {
  int64_t start_ms = 0;
  const std::string* sender_domain = nullptr;
  bool has_fault = false;
  Fault fault = Fault::kRejectInbound;
};
void WriteInboundSession(GenState* g, RowStream* recv, const InboundPlan& plan);

// Writes out_dir/MessageTracking/MSGTRK<yyyyMMddHH>-1.LOG for the Send logs already listed in
// result->files (see tracking_writer.cc).
Status WriteTrackingLogs(const Scenario& sc, const std::string& out_dir, Result* result);

}  // namespace smtptriage::loggen::internal
