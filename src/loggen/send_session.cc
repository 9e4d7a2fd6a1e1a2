// Outbound sessions as Exchange 2016/2019 writes them in the SmtpSend protocol log, including the
// injected failures: connect errors (a single '*' row, no '+'), refusals of the banner, EHLO,
// MAIL FROM, RCPT TO or the message, TLS failures and lost connections.
#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

const char* const kSenders[] = {"noreply",   "invoices",   "accounts.payable", "sales",
                                "support",   "purchasing", "newsletter",       "it-servicedesk",
                                "logistics", "orders",     "reception",        "hr-notifications"};
const char* const kRecipients[] = {"info",     "orders",      "sales",   "support",
                                   "accounts", "billing",     "contact", "service",
                                   "office",   "procurement", "team",    "dispatch"};
const char* const kGroups[] = {"all-staff",     "sales-team", "board",
                               "partners-list", "management", "project-team"};

// Faults that refuse every recipient of the session; Exchange then resets and quits.
bool RefusesAllRecipients(Fault f) {
  return f == Fault::kRelayDenied || f == Fault::kBlocklistSpamhaus || f == Fault::kGreylist ||
         f == Fault::kRateLimited;
}

bool RefusedAfterData(Fault f) {
  return f == Fault::kDataRejectedSpam || f == Fault::kIpv6Ptr || f == Fault::kGroupRestricted;
}

std::string Sender(Rng* rng) {
  std::string s;
  if (rng->Chance(0.6)) {
    s = kSenders[rng->Below(std::size(kSenders))];
  } else {
    s = "user";
    AppendPadded(&s, rng->Below(10000), 4);
  }
  s += '@';
  s += kOurDomain;
  return s;
}

std::string Recipient(const DomainProfile& p, Rng* rng) {
  std::string s;
  if (p.software == Software::kGmail || p.software == Software::kYahoo ||
      p.domain == "outlook.com") {
    s = "customer";
    AppendPadded(&s, rng->Below(100000), 5);
  } else if (rng->Chance(0.5)) {
    s = kRecipients[rng->Below(std::size(kRecipients))];
  } else {
    s = "contact";
    AppendUint(&s, rng->Below(1000));
  }
  return s + '@' + p.domain;
}

int64_t MessageSize(Rng* rng) {
  const uint64_t r = rng->Below(100);
  if (r < 70) return rng->Range(2500, 60000);
  if (r < 95) return rng->Range(60000, 1500000);
  return rng->Range(1500000, 20000000);
}

int64_t Rtt(Rng* rng, const RemoteHost& h) {
  return h.ipv6 ? rng->Range(8, 40) : rng->Range(2, 120);
}

int64_t ConnectDelay(Fault f, Rng* rng) {
  switch (f) {
    case Fault::kConnectTimeout:
      return 21000 + rng->Range(0, 400);  // Windows' SYN retries
    case Fault::kConnectRefused:
      return 1000 + rng->Range(0, 80);
    default:
      return rng->Range(1, 30);
  }
}

class SendSession {
 public:
  SendSession(GenState* g, RowStream* stream, const OutboundPlan& p)
      : g_(g),
        rng_(g->rng),
        p_(p),
        host_(p.profile->mx[p.mx_index]),
        sid_(SessionIdHex(g->next_session_id++)),
        rows_(stream, p.profile->connector, sid_, host_.endpoint) {
    ctx_.profile = p.profile;
    ctx_.host = &host_;
    AppendLowerHex(&ctx_.tag, rng_.Next(), 12);
    ctx_.tag += "si";
    AppendPadded(&ctx_.tag, rng_.Below(10000000), 7);
    ctx_.tag += "qtb.";
    AppendUint(&ctx_.tag, rng_.Range(1, 999));
  }

  OutboundOutcome Run();

 private:
  enum class After { kContinue, kStop, kGone };
  After Message(int index);
  bool HasFault(Fault f) const { return p_.has_fault && p_.fault == f; }
  void Record(Fault f, const std::string& rcpt, int64_t t) {
    g_->result->failures.push_back(InjectedFailure{sid_, p_.profile->domain, rcpt, f, t, false});
  }
  void Answer(const Reply& r) { EmitReply(&rows_, t_, '<', r, Collapsed()); }
  // Gmail's second front end is logged the other way, so both renderings of its multi-line
  // replies show up for the one domain.
  bool Collapsed() const {
    return p_.profile->collapsed != (p_.profile->software == Software::kGmail && p_.mx_index == 1);
  }
  void Send(std::string_view cmd) { rows_.Add(t_, '>', cmd, ""); }
  void Wait() { t_ += Rtt(&rng_, host_); }
  void QuitAndClose();
  void SessionFailure(Fault f) { Record(f, "", t_); }

  GenState* g_;
  Rng& rng_;
  const OutboundPlan& p_;
  const RemoteHost& host_;
  std::string sid_;
  SessionRows rows_;
  RemoteCtx ctx_;
  int64_t t_ = 0;
  OutboundOutcome out_;
};

void SendSession::QuitAndClose() {
  t_ += rng_.Range(0, 3);
  Send("QUIT");
  Wait();
  rows_.Add(t_, '<', QuitOk(ctx_), "");
  t_ += rng_.Range(0, 2);
  rows_.Add(t_, '-', "", "Local");
}

OutboundOutcome SendSession::Run() {
  const DomainProfile& prof = *p_.profile;
  t_ = p_.start_ms;
  rows_.Add(t_, '*', "SendRoutingHeaders", "Set Session Permissions");
  rows_.Add(t_, '*', "", "attempting to connect");
  if (p_.has_fault && IsConnectFault(p_.fault)) {
    t_ += ConnectDelay(p_.fault, &rng_);
    rows_.Add(t_, '*', "", ConnectFailure(p_.fault, prof.domain, host_));
    SessionFailure(p_.fault);
    out_.connect_failed = true;
    out_.end_ms = t_;
    return out_;
  }
  Wait();
  rows_.SetLocal(NextLocalEndpoint(g_, host_.ipv6));
  rows_.Add(t_, '+', "", "");
  t_ += rng_.Range(15, 400);
  if (HasFault(Fault::kBannerReject) || HasFault(Fault::kBlocklistBarracuda)) {
    Answer(FailureReply(p_.fault, ctx_, ""));
    SessionFailure(p_.fault);
    QuitAndClose();
    out_.end_ms = t_;
    return out_;
  }
  rows_.Add(t_, '<', Banner(ctx_, t_), "");
  const std::string ehlo = "EHLO " + std::string(kOurHelo);
  t_ += 1;
  Send(ehlo);
  Wait();
  if (HasFault(Fault::kEhloReject)) {
    Answer(FailureReply(p_.fault, ctx_, ""));
    SessionFailure(p_.fault);
    QuitAndClose();
    out_.end_ms = t_;
    return out_;
  }
  Answer(EhloReply(ctx_, false));
  t_ += 1;
  Send("STARTTLS");
  Wait();
  rows_.Add(t_, '<', StartTlsOk(prof.software), "");
  t_ += rng_.Range(5, 80);
  if (HasFault(Fault::kTlsFailure)) {
    static const char* const kErrors[] = {"SocketError", "IllegalMessage", "AlgorithmMismatch"};
    rows_.Add(t_, '*', "",
              std::string("TLS negotiation failed with error ") + kErrors[rng_.Below(3)]);
    SessionFailure(p_.fault);
    rows_.Add(t_, '-', "", "Local");
    out_.end_ms = t_;
    return out_;
  }
  rows_.Add(t_, '*', "", TlsSuccess(false, rng_.Next()));
  rows_.Add(t_, '*', RemoteCertificate(ctx_, t_),
            "Remote certificate Subject Issuer name Serial number Thumbprint Not before Not "
            "after Subject alternate names");
  t_ += 1;
  Send(ehlo);
  Wait();
  Answer(EhloReply(ctx_, true));
  const int messages = rng_.Chance(0.25) ? static_cast<int>(rng_.Range(2, 5)) : 1;
  for (int m = 0; m < messages; ++m) {
    const After after = Message(m);
    if (after == After::kGone) {
      out_.end_ms = t_;
      return out_;
    }
    if (after == After::kStop) break;
  }
  QuitAndClose();
  out_.end_ms = t_;
  return out_;
}

SendSession::After SendSession::Message(int index) {
  const DomainProfile& prof = *p_.profile;
  const Software sw = prof.software;
  const bool faulty = p_.has_fault && index == 0;
  const Fault f = p_.fault;
  t_ += index == 0 ? rng_.Range(1, 20) : rng_.Range(5, 1500);
  const HeldMessage* again = index == 0 ? p_.resend.get() : nullptr;
  HeldMessage m;
  if (again != nullptr) {
    m = *again;
  } else {
    m.message_id = "<";
    AppendLowerHex(&m.message_id, rng_.Next(), 16);
    AppendLowerHex(&m.message_id, rng_.Next(), 16);
    m.message_id += '@';
    m.message_id += kOurServerFqdn;
    m.message_id += '>';
    g_->next_record_id += 1 + rng_.Below(3);
    m.record_id = g_->next_record_id;
  }
  const std::string& msgid = m.message_id;
  std::string line = "sending message with RecordId ";
  AppendUint(&line, m.record_id);
  line += " and InternetMessageId " + msgid;
  rows_.Add(t_, '*', "", line);

  if (again == nullptr) {
    m.sender = Sender(&rng_);
    m.size = MessageSize(&rng_);
    if (index == 0 && p_.min_message_bytes > m.size) m.size = p_.min_message_bytes;
  }
  const std::string& sender = m.sender;
  const int64_t size = m.size;
  line = "MAIL FROM:<" + sender + "> SIZE=";
  AppendUint(&line, static_cast<uint64_t>(size));
  Send(line);
  std::vector<std::string>& rcpts = m.recipients;
  if (again != nullptr) {
    // (the recipients refused last time)
  } else if (faulty && f == Fault::kGroupRestricted) {
    rcpts.push_back(std::string(kGroups[rng_.Below(std::size(kGroups))]) + '@' + prof.domain);
  } else {
    const uint64_t r = rng_.Below(100);
    const int n = r < 65 ? 1 : r < 85 ? 2 : static_cast<int>(rng_.Range(3, 6));
    for (int i = 0; i < n; ++i) rcpts.push_back(Recipient(prof, &rng_));
  }
  out_.recipients += static_cast<int64_t>(rcpts.size());
  // Exchange pipelines: MAIL FROM and every RCPT TO go out before the first reply is read.
  for (const std::string& r : rcpts) Send("RCPT TO:<" + r + ">");
  Wait();

  if (faulty && f == Fault::kMailFromRejected) {
    Answer(FailureReply(f, ctx_, sender));
    for (const std::string& r : rcpts) {
      t_ += rng_.Range(0, 1);
      const bool exchange = sw == Software::kExchangeOnline || sw == Software::kExchangeOnPrem;
      rows_.Add(t_, '<',
                exchange ? "503 5.5.2 Need mail command" : "503 5.5.1 Error: need MAIL command",
                "");
      Record(f, r, t_);
    }
    Send("RSET");
    Wait();
    rows_.Add(t_, '<', RsetOk(sw), "");
    return After::kStop;
  }
  rows_.Add(t_, '<', MailOk(sw), "");

  const bool greylist = index == 0 && (p_.greylist || (faulty && f == Fault::kGreylist));
  const bool refuse_all = greylist || (faulty && RefusesAllRecipients(f));
  const Fault all_fault = greylist ? Fault::kGreylist : f;
  const size_t single = rng_.Below(rcpts.size());
  std::vector<size_t> accepted;
  bool closed_by_remote = false;
  for (size_t i = 0; i < rcpts.size(); ++i) {
    t_ += rng_.Range(0, 2);
    if (refuse_all) {
      const Reply r = FailureReply(all_fault, ctx_, rcpts[i]);
      Answer(r);
      Record(all_fault, rcpts[i], t_);
      if (r.code == "421") {  // the server closes right after a 421: the rest fail unanswered
        for (size_t j = i + 1; j < rcpts.size(); ++j) Record(all_fault, rcpts[j], t_);
        closed_by_remote = true;
        break;
      }
    } else if (faulty && (f == Fault::kUserUnknown || f == Fault::kMailboxFull) && i == single) {
      Answer(FailureReply(f, ctx_, rcpts[i]));
      Record(f, rcpts[i], t_);
    } else if (p_.user_unknown > 0 && rng_.Chance(p_.user_unknown)) {
      Answer(FailureReply(Fault::kUserUnknown, ctx_, rcpts[i]));
      Record(Fault::kUserUnknown, rcpts[i], t_);
    } else {
      rows_.Add(t_, '<', RcptOk(ctx_, rcpts[i]), "");
      accepted.push_back(i);
    }
  }
  // Exchange keeps the message in its queue and sends it again later.
  if (greylist) out_.greylisted = std::make_shared<const HeldMessage>(m);
  if (closed_by_remote) {
    t_ += rng_.Range(1, 20);
    rows_.Add(t_, '-', "", "Remote");
    return After::kGone;
  }
  if (faulty && f == Fault::kLostMidSession) {
    for (size_t i : accepted) Record(f, rcpts[i], t_);
    if (rng_.Chance(0.5)) return After::kGone;  // the session just stops: no '-' row
    t_ += rng_.Range(50, 5000);
    rows_.Add(t_, '-', "", "Remote(SocketError)");
    return After::kGone;
  }
  if (accepted.empty()) {
    t_ += 1;
    Send("RSET");
    Wait();
    rows_.Add(t_, '<', RsetOk(sw), "");
    return refuse_all ? After::kStop : After::kContinue;
  }

  t_ += 1;
  std::string data_cmd = "BDAT ";
  if (prof.chunking) {
    AppendUint(&data_cmd, static_cast<uint64_t>(size));
    data_cmd += " LAST";
    Send(data_cmd);
  } else {
    Send("DATA");
    Wait();
    rows_.Add(t_, '<', Data354(sw), "");
  }
  t_ += Rtt(&rng_, host_) + size / rng_.Range(2000, 20000);  // ~2-20 MB/s
  if (faulty && f == Fault::kLostAfterData) {
    for (size_t i : accepted) Record(f, rcpts[i], t_);
    if (rng_.Chance(0.5)) {
      t_ += rng_.Range(200, 20000);
      rows_.Add(t_, '-', "", "Remote");
    } else {
      t_ += rng_.Range(200, 20000);
      rows_.Add(t_, '*', "", "421 4.4.2 Connection dropped due to SocketError");
      rows_.Add(t_, '-', "", "Local");
    }
    return After::kGone;
  }
  if (faulty && RefusedAfterData(f)) {
    Answer(FailureReply(f, ctx_, rcpts[accepted[0]]));
    for (size_t i : accepted) Record(f, rcpts[i], t_);
    return After::kContinue;
  }
  rows_.Add(t_, '<', FinalOk(ctx_, msgid, size, &rng_), "");
  return After::kContinue;
}

}  // namespace

std::string NextLocalEndpoint(GenState* g, bool ipv6, std::string_view ip) {
  g->next_port += 1 + static_cast<uint32_t>(g->rng.Below(3));
  if (g->next_port > 65535) g->next_port = 49152 + (g->next_port - 65536);
  std::string s;
  s.reserve(48);
  if (ipv6) {
    s.push_back('[');
    s.append(kOurIpv6);
    s.push_back(']');
  } else {
    s.append(ip);
  }
  s += ':';
  AppendUint(&s, g->next_port);
  return s;
}

bool IsConnectFault(Fault f) {
  return f == Fault::kConnectTimeout || f == Fault::kConnectRefused ||
         f == Fault::kNetworkUnreachable || f == Fault::kHostUnreachable;
}

bool IsInboundFault(Fault f) { return f == Fault::kRejectInbound || f == Fault::kAuthFailInbound; }

OutboundOutcome WriteOutboundSession(GenState* g, RowStream* send, const OutboundPlan& plan) {
  SendSession s(g, send, plan);
  return s.Run();
}

}  // namespace smtptriage::loggen::internal
