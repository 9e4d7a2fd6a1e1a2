// Inbound sessions as the "Default Frontend" receive connector logs them (SmtpReceive: '<' is the
// client, '>' is us), our refusals and failed AUTH LOGIN attempts; and internal hops from this
// server to another Exchange server, which appear in the SmtpSend log.
#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

constexpr std::string_view kPermissions =
    "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders";
constexpr std::string_view kSendingCertificate =
    "Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after "
    "Subject alternate names";
constexpr std::string_view kOurCertificate =
    " CN=mail.ourorg.example CN=Ourorg Issuing CA 1, DC=ourorg, DC=example "
    "5A00000012C3A1F0B2D4E6A8000100000012 3F9A1C2B4D5E6F708192A3B4C5D6E7F809A1B2C3 "
    "2025-09-01T00:00:00.000Z 2027-09-01T00:00:00.000Z "
    "mail.ourorg.example;autodiscover.ourorg.example";
const char* const kLocalUsers[] = {"info", "sales",     "support",  "purchasing", "accounts",
                                   "hr",   "reception", "projects", "invoices",   "service"};
const char* const kLoginNames[] = {
    "administrator",       "admin@ourorg.example",      "test",  "scanner@ourorg.example",
    "info@ourorg.example", "postmaster@ourorg.example", "backup"};
const char* const kRemoteSenders[] = {"info",  "orders",        "billing", "noreply",
                                      "sales", "notifications", "support", "accounts"};
const char* const kBotHelos[] = {"User", "ylmf-pc", "WIN-CLJ1B0GQ6JP", "localhost"};

std::string Ehlo250(std::string_view client_ip, bool after_tls) {
  // Exchange 2013+ logs its own EHLO reply collapsed, with two spaces after 250 (qazeer RECV).
  std::string s = "250  ";
  s += kOurServerFqdn;
  s += " Hello [";
  s += client_ip;
  s += after_tls ? "] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES AUTH NTLM LOGIN X-EXPS "
                   "GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST"
                 : "] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS "
                   "AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST";
  return s;
}

std::string ClientIp(const std::string& key, uint64_t seed, bool bot) {
  const uint64_t h = Hash64(key, seed ^ 0xC11E47ull);
  std::string s = bot ? "192.0.2." : (h & 1) ? "203.0.113." : "192.0.2.";
  AppendUint(&s, bot ? 200 + h % 50 : 1 + (h >> 8) % 190);
  return s;
}

class ReceiveSession {
 public:
  ReceiveSession(GenState* g, RowStream* stream, const InboundPlan& p)
      : g_(g),
        rng_(g->rng),
        p_(p),
        sid_(SessionIdHex(g->next_session_id++)),
        bot_(p.has_fault && p.fault == Fault::kAuthFailInbound),
        client_ip_(
            ClientIp(bot_ ? std::to_string(g->rng.Below(40)) : *p.sender_domain, g->sc.seed, bot_)),
        rows_(stream, g->sc.server + "\\Default Frontend " + g->sc.server, sid_,
              client_ip_ + ":" + std::to_string(rng_.Range(1025, 65000))) {}

  void Run();

 private:
  void Us(std::string_view reply) { rows_.Add(t_, '>', reply, ""); }
  void Client(std::string_view cmd) { rows_.Add(t_, '<', cmd, ""); }
  void Think() { t_ += rng_.Range(1, 60); }
  void Record(const std::string& rcpt) {
    g_->result->failures.push_back(
        InjectedFailure{sid_, bot_ ? "" : *p_.sender_domain, rcpt, p_.fault, t_, true});
  }
  void Handshake(const std::string& helo);
  void AuthFailure();
  bool Message(int index);
  void Close(std::string_view who) {
    t_ += rng_.Range(1, 40);
    rows_.Add(t_, '-', "", who);
  }

  GenState* g_;
  Rng& rng_;
  const InboundPlan& p_;
  std::string sid_;
  bool bot_;
  std::string client_ip_;
  SessionRows rows_;
  int64_t t_ = 0;
  int messages_received_ = 0;
};

void ReceiveSession::Handshake(const std::string& helo) {
  rows_.SetLocal(std::string(kOurLocalIp) + ":25");
  rows_.Add(t_, '+', "", "");
  rows_.Add(t_, '*', kPermissions, "Set Session Permissions");
  Us("220 " + std::string(kOurServerFqdn) + " Microsoft ESMTP MAIL Service ready at " +
     Rfc2822(t_, 60));
  Think();
  Client("EHLO " + helo);
  Us(Ehlo250(client_ip_, false));
  Think();
  Client("STARTTLS");
  Us("220 2.0.0 SMTP server ready");
  rows_.Add(t_, '*', kOurCertificate, kSendingCertificate);
  t_ += rng_.Range(5, 60);
  rows_.Add(t_, '*', "", TlsSuccess(true, rng_.Next()));
  Think();
  Client("EHLO " + helo);
  Us(Ehlo250(client_ip_, true));
}

void ReceiveSession::AuthFailure() {
  Think();
  Client("AUTH LOGIN");
  t_ += rng_.Range(1, 5);
  Us("334 <authentication response>");
  t_ += rng_.Range(300, 4000);
  rows_.Add(t_, '*', "", "Inbound AUTH LOGIN failed because of LogonDenied");
  std::string user = kLoginNames[rng_.Below(std::size(kLoginNames))];
  rows_.Add(t_, '*', "", "User Name: " + user);
  Us("535 5.7.3 Authentication unsuccessful");
  Record("");
  Close("Remote");
}

// Returns false when the session ends here.
bool ReceiveSession::Message(int index) {
  const std::string& domain = *p_.sender_domain;
  const bool faulty = p_.has_fault && index == 0;
  const uint64_t variant = faulty ? rng_.Below(4) : 9;
  Think();
  std::string from = "MAIL FROM:<";
  from += kRemoteSenders[rng_.Below(std::size(kRemoteSenders))];
  from += '@';
  from += domain;
  int64_t size = rng_.Range(3000, 400000);
  from += "> SIZE=" + std::to_string(size);
  Client(from);
  if (variant == 0) {  // back pressure: the transport queue disk is nearly full
    Us("452 4.3.1 Insufficient system resources (UsedDiskSpace[C:\\Program Files\\Microsoft\\"
       "Exchange Server\\V15\\TransportRoles\\data\\Queue])");
    Record("");
    return false;
  }
  std::string receiving = sid_ + ";" + IsoMs(t_) + ";" + std::to_string(++messages_received_);
  rows_.Add(t_, '*', receiving, "receiving message");
  Us("250 2.1.0 Sender OK");
  const int n = rng_.Chance(0.8) ? 1 : static_cast<int>(rng_.Range(2, 4));
  int accepted = 0;
  for (int i = 0; i < n; ++i) {
    t_ += rng_.Range(0, 3);
    std::string rcpt;
    if (variant == 1 && i == 0) {  // a relay attempt to a domain that is not ours
      rcpt = "user" + std::to_string(rng_.Below(1000)) + "@relay-target.example";
    } else {
      rcpt = kLocalUsers[rng_.Below(std::size(kLocalUsers))];
      if (variant == 2 && i == 0) rcpt = "former.employee" + std::to_string(rng_.Below(90));
      rcpt += '@';
      rcpt += kOurDomain;
    }
    Client("RCPT TO:<" + rcpt + ">");
    if (variant == 1 && i == 0) {
      Us("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain");
      Record(rcpt);
    } else if (variant == 2 && i == 0) {
      Us("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup");
      Record(rcpt);
    } else {
      Us("250 2.1.5 Recipient OK");
      ++accepted;
    }
  }
  if (accepted == 0) {
    Think();
    Client("RSET");
    Us("250 2.0.0 Resetting");
    return true;
  }
  Think();
  Client("BDAT " + std::to_string(size) + " LAST");
  t_ += size / rng_.Range(1000, 10000);
  if (variant == 3) {
    Us("550 5.7.1 Message rejected as spam by Content Filtering.");
    Record("");
    return true;
  }
  std::string ok = "250 2.6.0 <";
  AppendLowerHex(&ok, rng_.Next(), 16);
  ok += '@';
  ok += domain;
  ok += "> [InternalId=";
  AppendUint(&ok, 20000000000000ull + rng_.Below(9999999999999ull));
  ok += ", Hostname=";
  ok += kOurServerFqdn;
  ok += "] Queued mail for delivery";
  Us(ok);
  return true;
}

void ReceiveSession::Run() {
  t_ = p_.start_ms;
  const std::string helo =
      bot_ ? kBotHelos[rng_.Below(std::size(kBotHelos))] : "mail." + *p_.sender_domain;
  Handshake(helo);
  if (bot_) {
    AuthFailure();
    return;
  }
  const int messages = rng_.Chance(0.2) ? 2 : 1;
  for (int m = 0; m < messages; ++m) {
    if (!Message(m)) {
      Think();
      Client("QUIT");
      Us("221 2.0.0 Service closing transmission channel");
      Close("Local");
      return;
    }
  }
  Think();
  Client("QUIT");
  Us("221 2.0.0 Service closing transmission channel");
  Close(rng_.Chance(0.7) ? "Local" : "Remote");
}

}  // namespace

void WriteInboundSession(GenState* g, RowStream* recv, const InboundPlan& plan) {
  ReceiveSession s(g, recv, plan);
  s.Run();
}

void WriteInternalSession(GenState* g, RowStream* send, int64_t start_ms) {
  Rng& rng = g->rng;
  const bool delivery = rng.Chance(0.6);
  const std::string remote = delivery ? "10.0.0.26:475" : "10.0.0.26:2525";
  const std::string sid = SessionIdHex(g->next_session_id++);
  SessionRows rows(send, "Intra-Organization SMTP Send Connector", sid, remote);
  int64_t t = start_ms;
  rows.Add(t, '*', "SendRoutingHeaders", "Set Session Permissions");
  rows.Add(t, '*', "", "attempting to connect");
  t += rng.Range(1, 3);
  rows.SetLocal(NextLocalEndpoint(g, false));
  rows.Add(t, '+', "", "");
  t += rng.Range(2, 20);
  rows.Add(t, '<',
           "220 EX02.ourorg.example Microsoft ESMTP MAIL Service ready at " + Rfc2822(t, 60), "");
  rows.Add(t, '>', "EHLO EX01.ourorg.example", "");
  t += rng.Range(1, 5);
  rows.Add(t, '<',
           "250  EX02.ourorg.example Hello [10.0.0.25] SIZE PIPELINING DSN "
           "ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME "
           "BINARYMIME CHUNKING XEXCH50 XRDST XSHADOWREQUEST XPROXY XPROXYFROM X-ADAT X-DSNENABLED",
           "");
  rows.Add(t, '>', "X-ANONYMOUSTLS", "");
  t += rng.Range(1, 4);
  rows.Add(t, '<', "220 2.0.0 SMTP server ready", "");
  t += rng.Range(3, 15);
  rows.Add(t, '*', "", TlsSuccess(false, rng.Next()));
  rows.Add(t, '>', "X-EXPS EXCHANGEAUTH SHA256", "");
  t += rng.Range(1, 4);
  rows.Add(t, '<', "235 <authentication response>", "");
  g->next_record_id += 1 + rng.Below(3);
  std::string msgid = "<";
  AppendLowerHex(&msgid, rng.Next(), 16);
  AppendLowerHex(&msgid, rng.Next(), 16);
  msgid += "@EX01.ourorg.example>";
  rows.Add(t, '*', "",
           "sending message with RecordId " + std::to_string(g->next_record_id) +
               " and InternetMessageId " + msgid);
  const int64_t size = rng.Range(3000, 200000);
  rows.Add(t, '>',
           "MAIL FROM:<user" + std::to_string(rng.Below(10000)) +
               "@ourorg.example> SIZE=" + std::to_string(size) + " AUTH=<>",
           "");
  rows.Add(t, '>',
           std::string("RCPT TO:<") + kLocalUsers[rng.Below(std::size(kLocalUsers))] +
               "@ourorg.example>",
           "");
  t += rng.Range(1, 5);
  rows.Add(t, '<', "250 2.1.0 Sender OK", "");
  rows.Add(t, '<', "250 2.1.5 Recipient OK", "");
  rows.Add(t, '>', "BDAT " + std::to_string(size) + " LAST", "");
  t += rng.Range(5, 80);
  std::string ok = "250 2.6.0 " + msgid + " [InternalId=";
  AppendUint(&ok, 30000000000000ull + rng.Below(9999999999999ull));
  ok += ", Hostname=EX02.ourorg.example] Queued mail for delivery";
  rows.Add(t, '<', ok, "");
  rows.Add(t, '>', "QUIT", "");
  t += rng.Range(1, 3);
  rows.Add(t, '<', "221 2.0.0 Service closing transmission channel", "");
  rows.Add(t, '-', "", "Local");
}

}  // namespace smtptriage::loggen::internal
