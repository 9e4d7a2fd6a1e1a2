// Message tracking logs for a generated scenario. They are derived from the Send protocol logs
// just written (read back with the project's own parser and matcher), so every message a
// protocol session carried has its RECEIVE (submission), SEND, FAIL or DEFER rows with the same
// message id; then come the events no protocol log shows: NDRs for mistyped domains (the DNS
// says the domain does not exist), a resolver outage (DEFER "DNS query failed" for every domain)
// and messages deferred until QUEUE.Expired. Written as MessageTracking/MSGTRK<yyyyMMddHH>-1.LOG
// in the layout of scenario.tracking_fields.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "internal.h"
#include "smtptriage/event_parser.h"
#include "smtptriage/session_matcher.h"
#include "smtptriage/tracking_parser.h"

namespace smtptriage::loggen::internal {
namespace {

// The #Fields list of the layout the scenario asks for, as the reader knows it.
std::vector<std::string> Columns(int count) {
  std::string all = TrackingLayout(static_cast<size_t>(count));
  std::vector<std::string> cols;
  size_t start = 0;
  while (true) {
    size_t comma = all.find(',', start);
    cols.push_back(all.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cols;
}

struct TrackingRow {
  int64_t time_ms;
  uint64_t order;
  std::map<std::string, std::string> values;
};

class Collect : public SessionSink {
 public:
  void OnSession(SessionRecord&& s) override { sessions.push_back(std::move(s)); }
  std::vector<SessionRecord> sessions;
};

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ";") + p;
  return s;
}

class Writer {
 public:
  Writer(const Scenario& sc, Result* result)
      : sc_(sc), result_(result), rng_(sc.seed ^ 0x7472ull) {}

  void FromSession(const SessionRecord& s) {
    for (const MessageOutcome& m : s.messages) {
      if (m.message_id.empty() || m.recipients.empty()) continue;
      std::vector<std::string> all, sent, failed, failed_status, deferred, deferred_status;
      for (const RecipientOutcome& rc : m.recipients) {
        all.push_back(rc.address);
        if (rc.state != RecipientState::kFailed) {
          sent.push_back(rc.address);
        } else if (rc.failure && rc.failure->code >= 500) {
          failed.push_back(rc.address);
          failed_status.push_back(rc.failure->text);
        } else if (rc.failure) {
          deferred.push_back(rc.address);
          deferred_status.push_back(rc.failure->text);
        }
      }
      std::string internal_id = m.record_id.empty() ? std::to_string(++ids_) : m.record_id;
      Message(s.start - 1500, "STOREDRIVER", "RECEIVE", internal_id, m, all, {}, s);
      if (!sent.empty()) Message(s.end, "SMTP", "SEND", internal_id, m, sent, {}, s);
      if (!failed.empty()) {
        Message(s.end, "SMTP", "FAIL", internal_id, m, failed, failed_status, s);
        Dsn(s.end + 40, m.sender, m.message_id);
      }
      if (!deferred.empty())
        Message(s.end, "SMTP", "DEFER", internal_id, m, deferred, deferred_status, s);
    }
  }

  // Events with no protocol session: NDRs for mistyped domains, a resolver outage, expiry.
  void Synthetic(const std::vector<std::string>& domains) {
    int64_t span = std::max<int64_t>(sc_.end_ms - sc_.start_ms, 3600 * 1000);
    for (int i = 0; i < sc_.tracking_nonexistent_domains; ++i) {
      int64_t t = sc_.start_ms + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(span)));
      std::string to = "user" + std::to_string(i) + "@" + Typo(domains, i);
      Lone(t, "DNS", "FAIL", to, "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain");
      Dsn(t + 40, last_sender_, last_id_);
    }
    int64_t o_start = sc_.tracking_dns_outage_start_ms, o_end = sc_.tracking_dns_outage_end_ms;
    for (int i = 0; i < sc_.tracking_dns_outage_messages && o_end > o_start && !domains.empty();
         ++i) {
      int64_t t =
          o_start + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(o_end - o_start)));
      std::string to =
          "user" + std::to_string(i) + "@" + domains[static_cast<size_t>(i) % domains.size()];
      Lone(t, "DNS", "DEFER", to, "451 4.4.0 DNS query failed");
    }
    for (int i = 0; i < sc_.tracking_expired && !domains.empty(); ++i) {
      int64_t t = sc_.start_ms + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(span)));
      std::string to = "late" + std::to_string(i) + "@" +
                       domains[(static_cast<size_t>(i) * 7 + 3) % domains.size()];
      std::string host = "mx1." + DomainPart(to);
      std::string wrapped = "{[{LRT=" + IsoMs(t) +
                            "};{LED=441 4.4.1 Error encountered while "
                            "communicating with primary target IP address: \"Failed to connect. "
                            "Winsock error code: 10060, Win32 error code: 10060.\"};{FQDN=" +
                            host + "};{IP=198.51.100." + std::to_string(10 + i % 200) + "}]}";
      for (int retry = 0; retry < 3; ++retry) {
        Lone(t + retry * 600000, "QUEUE", "DEFER", to, wrapped);
      }
      // Exchange gives up when the message expires (two days by default; shortened here so that
      // it stays inside the scenario's period).
      Lone(t + 1800000, "QUEUE", "FAIL", to, "550 4.4.7 QUEUE.Expired; message expired");
      Dsn(t + 1800040, last_sender_, last_id_);
    }
  }

  Status Write(const std::string& out_dir) {
    std::string dir = out_dir + "/MessageTracking";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Io(dir + ": " + ec.message());
    std::sort(rows_.begin(), rows_.end(), [](const TrackingRow& a, const TrackingRow& b) {
      return a.time_ms != b.time_ms ? a.time_ms < b.time_ms : a.order < b.order;
    });
    std::vector<std::string> cols = Columns(sc_.tracking_fields);
    std::string fields;
    for (const std::string& c : cols) fields += (fields.empty() ? "" : ",") + c;
    const char* eol = sc_.crlf ? "\r\n" : "\n";
    std::map<std::string, std::string> files;  // name -> content, hourly
    for (const TrackingRow& r : rows_) {
      Civil c = CivilFromMs(r.time_ms);
      std::string name = "MSGTRK";
      AppendPadded(&name, static_cast<uint64_t>(c.year), 4);
      AppendPadded(&name, static_cast<uint64_t>(c.month), 2);
      AppendPadded(&name, static_cast<uint64_t>(c.day), 2);
      AppendPadded(&name, static_cast<uint64_t>(c.hour), 2);
      name += "-1.LOG";
      std::string& out = files[name];
      if (out.empty()) {
        if (sc_.bom) out += "\xEF\xBB\xBF";
        out += std::string("#Software: Microsoft Exchange Server") + eol +
               "#Version: " + Version() + eol + "#Log-type: Message Tracking Log" + eol +
               "#Date: " + IsoMs(r.time_ms) + eol + "#Fields: " + fields + eol;
      }
      for (size_t i = 0; i < cols.size(); ++i) {
        if (i > 0) out += ',';
        auto it = r.values.find(cols[i]);
        if (it != r.values.end()) AppendCsvField(&out, it->second);
      }
      out += eol;
      ++result_->tracking_rows;
    }
    for (const auto& [name, content] : files) {
      std::string path = dir + "/" + name;
      std::ofstream f(path, std::ios::binary);
      f << content;
      if (!f) return Status::Io(path + ": cannot write");
      result_->tracking_files.push_back(path);
      result_->bytes += static_cast<int64_t>(content.size());
    }
    return Status::Ok();
  }

 private:
  const char* Version() const {
    switch (sc_.tracking_fields) {
      case 21:
        return "08.03.0083.006";
      case 26:
        return "14.03.0123.004";
      case 27:
        return "15.00.1497.002";
      default:
        return "15.01.2375.007";
    }
  }

  static std::string DomainPart(const std::string& address) {
    return address.substr(address.find('@') + 1);
  }

  // A partner domain with one letter doubled, under the reserved .example: a typo that cannot
  // exist (gmail.com -> gmaail.example).
  static std::string Typo(const std::vector<std::string>& domains, int i) {
    std::string d =
        domains.empty() ? "partner.example" : domains[static_cast<size_t>(i) % domains.size()];
    std::string label = d.substr(0, d.find('.'));
    size_t at = static_cast<size_t>(i) % std::max<size_t>(1, label.size());
    return label.insert(at, 1, label[at]) + ".example";
  }

  TrackingRow& Add(int64_t t, const std::string& source, const std::string& event) {
    rows_.push_back({t, order_++, {}});
    TrackingRow& r = rows_.back();
    r.values["date-time"] = IsoMs(t);
    r.values["source"] = source;
    r.values["event-id"] = event;
    r.values["server-hostname"] = "EX01";
    r.values["directionality"] = "Originating";
    return r;
  }

  void Message(int64_t t, const std::string& source, const std::string& event,
               const std::string& internal_id, const MessageOutcome& m,
               const std::vector<std::string>& to, const std::vector<std::string>& status,
               const SessionRecord& s) {
    TrackingRow& r = Add(t, source, event);
    r.values["internal-message-id"] = internal_id;
    r.values["message-id"] = m.message_id;
    r.values["network-message-id"] = "5a2c" + internal_id;
    r.values["recipient-address"] = Join(to);
    r.values["recipient-count"] = std::to_string(to.size());
    r.values["sender-address"] = m.sender;
    r.values["return-path"] = m.sender;
    r.values["message-subject"] = "Order " + internal_id + ", second batch";
    if (event == "SEND") {
      r.values["connector-id"] = s.connector;
      r.values["server-hostname"] = s.remote_host;
      r.values["server-ip"] = s.remote_ip;
      r.values["client-ip"] = "10.0.0.25";
      // Exchange 2016+ writes no space between the code and the text here.
      std::vector<std::string> ok(to.size(), sc_.tracking_fields >= 30 ? "250 2.1.5Recipient OK"
                                                                       : "250 2.1.5 Recipient OK");
      r.values["recipient-status"] = Join(ok);
    } else if (event == "RECEIVE") {
      r.values["client-ip"] = "fe80::1234:5678:4321:1010%3";
      r.values["source-context"] = "MDB:1b2c, Mailbox:9f8e, Event:" + internal_id +
                                   ", MessageClass:IPM.Note, ClientType:MOMT";
    } else {
      r.values["connector-id"] = s.connector;
      r.values["recipient-status"] = Join(status);
    }
    last_sender_ = m.sender;
    last_id_ = m.message_id;
  }

  // A message that never reached a protocol session.
  void Lone(int64_t t, const std::string& source, const std::string& event, const std::string& to,
            const std::string& status) {
    if (lone_to_ != to) {
      lone_to_ = to;
      ++ids_;
      lone_id_ =
          "<" + std::to_string(ids_) + "." + std::to_string(sc_.seed) + "@EX01.ourorg.example>";
      static const char* const kSenders[] = {"alice@ourorg.example", "bob@ourorg.example",
                                             "carol@ourorg.example"};
      lone_sender_ = kSenders[ids_ % 3];
    }
    MessageOutcome m;
    m.message_id = lone_id_;
    m.sender = lone_sender_;
    SessionRecord none;
    Message(t, source, event, std::to_string(900000 + ids_), m, {to}, {status}, none);
  }

  void Dsn(int64_t t, const std::string& to, const std::string& original_id) {
    TrackingRow& r = Add(t, "DSN", "DSN");
    r.values["recipient-address"] = to;
    r.values["recipient-count"] = "1";
    r.values["sender-address"] = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@ourorg.example";
    r.values["related-recipient-address"] = to;
    r.values["reference"] = original_id;
    r.values["message-subject"] = "Undeliverable: (subject)";
  }

  const Scenario& sc_;
  Result* result_;
  Rng rng_;
  std::vector<TrackingRow> rows_;
  uint64_t order_ = 0;
  uint64_t ids_ = 0;
  std::string last_sender_, last_id_;
  std::string lone_to_, lone_id_, lone_sender_;
};

}  // namespace

Status WriteTrackingLogs(const Scenario& sc, const std::string& out_dir, Result* result) {
  Writer writer(sc, result);
  Collect sink;
  {
    SessionMatcher matcher(&sink);
    Diagnostics diag;
    for (const std::string& path : result->files) {
      if (path.find("/SmtpSend/") == std::string::npos) continue;
      std::unique_ptr<LineSource> source;
      Status s = OpenLineSource(path, &source);
      if (!s.ok()) return s;
      EventParser parser(path, std::move(source), &diag, LogKind::kSend);
      ProtocolEvent ev;
      while (parser.Next(&ev)) matcher.Feed(ev, LogKind::kSend, 0);
    }
    matcher.Finish();
  }
  for (const SessionRecord& s : sink.sessions) writer.FromSession(s);
  writer.Synthetic(result->domains);
  return writer.Write(out_dir);
}

}  // namespace smtptriage::loggen::internal
