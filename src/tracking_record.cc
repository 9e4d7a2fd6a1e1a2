// TrackingRecord(): one message tracking row as the pipeline's SessionRecord.
#include <cctype>

#include "smtptriage/smtp_text.h"
#include "smtptriage/tracking_parser.h"

namespace smtptriage {
namespace {

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool IsHex16(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Exchange's own components name themselves in the status (QUEUE.Expired,
// SMTPSEND.DNS.NonExistentDomain, RESOLVER.ADR.RecipNotFound, ROUTING.NoNextHop): the status is
// then Exchange's verdict, not a reply the remote server gave.
bool ExchangeComponent(std::string_view text) {
  for (std::string_view c : {"QUEUE.", "SMTPSEND.", "RESOLVER.", "ROUTING.", "CAT.", "STOREDRV."}) {
    if (Contains(text, c)) return true;
  }
  return false;
}

Stage StageOf(std::string_view source, const TrackingStatus& st) {
  if (Contains(st.text, "Failed to connect") || Contains(st.text, "Winsock error") ||
      Contains(st.text, "while communicating with")) {
    return Stage::kConnect;
  }
  if (source == "SMTP" && st.code >= 400 && !ExchangeComponent(st.text) &&
      !Contains(st.text, "DNS")) {
    return Stage::kRcpt;  // the remote server's answer to the recipient (or the message)
  }
  return Stage::kQueue;
}

}  // namespace

std::optional<SessionRecord> TrackingRecord(const TrackingEvent& ev, uint32_t file,
                                            bool keep_subject) {
  std::string_view id = ev.get(kTrkEventId);
  std::string_view source = ev.get(kTrkSource);
  const bool failure = id == "FAIL" || id == "DEFER";
  const bool sent = id == "SEND" || id == "SENDEXTERNAL";
  const bool received = id == "RECEIVE" && source == "SMTP";
  if (!failure && !sent && !received) return std::nullopt;
  std::string_view addresses = ev.get(kTrkRecipientAddress);
  if (addresses.empty()) return std::nullopt;

  SessionRecord s;
  s.log = LogKind::kTracking;
  s.connector = std::string(ev.get(kTrkConnector));
  s.start = s.end = ev.time;
  s.first_ref = {file, ev.line};
  s.closed_cleanly = true;
  s.close_reason = std::string(id);
  std::string_view context = ev.get(kTrkSourceContext);
  if (received) {
    s.direction = Direction::kInbound;
    s.remote_ip = std::string(ev.get(kTrkClientIp));
    s.client_name = std::string(ev.get(kTrkClientHostname));
    s.local_endpoint = std::string(ev.get(kTrkServerIp));
    // "08DC1DB12C345BE5;2024-01-25T15:16:09.544Z;0": the Receive protocol log's session id.
    std::string_view first = context.substr(0, context.find(';'));
    if (IsHex16(first)) s.session = std::string(first);
  } else {
    s.direction =
        Contains(s.connector, "Intra-Organization") ? Direction::kInternal : Direction::kOutbound;
    // On SEND the server columns name the next hop; on FAIL and DEFER the server that wrote the
    // row (ours), so the remote comes from the status (FQDN=, IP=) there.
    if (sent) {
      s.remote_ip = std::string(ev.get(kTrkServerIp));
      s.remote_host = std::string(ev.get(kTrkServerHostname));
    }
    s.local_endpoint = std::string(ev.get(kTrkClientIp));
  }
  s.remote_endpoint = s.remote_ip;

  MessageOutcome m;
  m.record_id = std::string(ev.get(kTrkInternalMessageId));
  m.message_id = std::string(ev.get(kTrkMessageId));
  m.sender = std::string(ev.get(kTrkSender));
  if (keep_subject) m.subject = std::string(ev.get(kTrkSubject));
  if (m.sender.empty()) m.sender = std::string(ev.get(kTrkReturnPath));
  for (const auto& [address, status] : SplitRecipients(addresses, ev.get(kTrkRecipientStatus))) {
    RecipientOutcome rc;
    rc.address = std::string(address);
    rc.domain = DomainOf(address);
    TrackingStatus st = ParseTrackingStatus(status);
    bool failed = failure || (sent && st.code >= 400);
    if (!failed) {
      rc.state = received ? RecipientState::kAccepted : RecipientState::kDelivered;
    } else {
      rc.state = RecipientState::kFailed;
      FailureReply f;
      f.code = st.code;
      f.enhanced = st.enhanced;
      f.text = st.text.empty() ? std::string(id) + " " + std::string(source) : st.text;
      if (f.text.size() > kMaxReplyText) {
        f.text.resize(kMaxReplyText);
        f.truncated = true;
      }
      f.stage = StageOf(source, st);
      f.time = ev.time;
      f.ref = {file, ev.line};
      rc.failure = std::move(f);
      if (!st.remote_host.empty() && s.remote_host.empty()) s.remote_host = st.remote_host;
      if (!st.remote_ip.empty() && s.remote_ip.empty()) {
        s.remote_ip = s.remote_endpoint = st.remote_ip;
      }
    }
    m.recipients.push_back(std::move(rc));
  }
  s.messages.push_back(std::move(m));
  return s;
}

uint64_t MessageJoinKey(std::string_view message_id, std::string_view address, Direction d) {
  return HashText(BareMessageId(message_id) + '\x1f' + ToLower(address) +
                  (d == Direction::kInbound ? "<" : ">"));
}

TrackingFileStats ScanTrackingFile(const std::string& path, uint32_t file, SessionSink* sink,
                                   Diagnostics* diag, bool keep_subjects) {
  TrackingFileStats stats;
  std::unique_ptr<LineSource> source;
  Status status = OpenLineSource(path, &source);
  if (!status.ok()) {
    diag->Skipped(path, status.message());
    return stats;
  }
  stats.opened = true;
  TrackingParser parser(path, std::move(source), diag);
  TrackingEvent ev;
  while (parser.Next(&ev)) {
    ++stats.events;
    std::optional<SessionRecord> rec = TrackingRecord(ev, file, keep_subjects);
    if (!rec) continue;
    ++stats.records;
    sink->OnSession(std::move(*rec));
  }
  stats.readable = parser.readable();
  stats.lines = parser.lines();
  stats.bytes = parser.bytes();
  return stats;
}

}  // namespace smtptriage
