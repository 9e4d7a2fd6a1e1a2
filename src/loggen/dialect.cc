// What remote mail servers answer, per kind of server: banners, EHLO capabilities, the usual
// positive replies, and the refusals the generator injects. The texts follow what Postfix, Exim,
// Exchange (on-premises and Online) and Gmail write, with our address and names substituted.
#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

std::string OurIp(const RemoteCtx& c) { return std::string(c.host->ipv6 ? kOurIpv6 : kOurIpv4); }

std::string Gsmtp(const RemoteCtx& c) { return c.tag + " - gsmtp"; }

Reply Multi(std::string code, std::string enhanced, std::vector<std::string> lines) {
  return Reply{std::move(code), std::move(enhanced), std::move(lines)};
}

Reply One(std::string code, std::string enhanced, std::string text) {
  return Reply{std::move(code), std::move(enhanced), {std::move(text)}};
}

bool IsExchange(Software sw) {
  return sw == Software::kExchangeOnline || sw == Software::kExchangeOnPrem;
}

}  // namespace

void EmitReply(SessionRows* s, int64_t t, char event, const Reply& r, bool collapsed) {
  std::string row;
  if (collapsed || r.lines.size() == 1) {
    row = r.code;
    row += ' ';
    if (!r.enhanced.empty()) row += r.enhanced + ' ';
    for (size_t i = 0; i < r.lines.size(); ++i) {
      if (i > 0) row += ' ';
      row += r.lines[i];
    }
    s->Add(t, event, row, "");
    return;
  }
  for (size_t i = 0; i < r.lines.size(); ++i) {
    row = r.code;
    row += i + 1 < r.lines.size() ? '-' : ' ';
    if (!r.enhanced.empty()) row += r.enhanced + ' ';
    row += r.lines[i];
    s->Add(t, event, row, "");
  }
}

std::string Banner(const RemoteCtx& c, int64_t t) {
  const std::string& host = c.host->name;
  switch (c.profile->software) {
    case Software::kPostfix:
      return "220 " + host + " ESMTP Postfix" + (c.tag[0] < '8' ? " (Debian/GNU)" : "");
    case Software::kExchangeOnline:
      return "220 " + host + " Microsoft ESMTP MAIL Service ready at " + Rfc2822(t, 0);
    case Software::kExchangeOnPrem:
      return "220 " + host + " Microsoft ESMTP MAIL Service ready at " + Rfc2822(t, 60);
    case Software::kExim:
      return "220 " + host + " ESMTP Exim 4.96 " + Rfc2822(t, 60);
    case Software::kGmail:
      return "220 mx.google.com ESMTP " + Gsmtp(c);
    case Software::kYahoo:
      return "220 " + host + " ESMTP ready";
  }
  return "220 " + host;
}

Reply EhloReply(const RemoteCtx& c, bool after_tls) {
  const std::string& host = c.host->name;
  const bool chunking = c.profile->chunking;
  std::vector<std::string> l;
  const auto tls = [&](const char* word) {
    if (!after_tls) l.push_back(word);
  };
  switch (c.profile->software) {
    case Software::kPostfix:
      l = {host, "PIPELINING", "SIZE 10240000", "VRFY", "ETRN"};
      tls("STARTTLS");
      l.insert(l.end(), {"ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"});
      if (chunking) l.push_back("CHUNKING");
      break;
    case Software::kExchangeOnline:
      l = {host + " Hello [" + OurIp(c) + "]", "SIZE 157286400", "PIPELINING", "DSN",
           "ENHANCEDSTATUSCODES"};
      tls("STARTTLS");
      l.insert(l.end(), {"8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"});
      break;
    case Software::kExchangeOnPrem:
      l = {host + " Hello [" + OurIp(c) + "]", "SIZE 37748736", "PIPELINING", "DSN",
           "ENHANCEDSTATUSCODES"};
      tls("STARTTLS");
      tls("X-ANONYMOUSTLS");
      l.insert(l.end(), {"AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME", "CHUNKING",
                         "SMTPUTF8", "XRDST"});
      break;
    case Software::kExim:
      l = {host + " Hello " + std::string(kOurHelo) + " [" + OurIp(c) + "]", "SIZE 52428800",
           "8BITMIME", "PIPELINING"};
      tls("STARTTLS");
      l.push_back("HELP");
      break;
    case Software::kGmail:
      l = {"mx.google.com at your service, [" + OurIp(c) + "]", "SIZE 157286400", "8BITMIME"};
      tls("STARTTLS");
      l.insert(l.end(), {"ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING", "SMTPUTF8"});
      break;
    case Software::kYahoo:
      l = {host, "PIPELINING", "SIZE 41943040", "8BITMIME"};
      tls("STARTTLS");
      break;
  }
  return Multi("250", "", std::move(l));
}

std::string_view MailOk(Software sw) {
  switch (sw) {
    case Software::kPostfix:
      return "250 2.1.0 Ok";
    case Software::kExim:
      return "250 OK";
    case Software::kGmail:
      return "250 2.1.0 OK";
    case Software::kYahoo:
      return "250 sender ok";
    default:
      return "250 2.1.0 Sender OK";
  }
}

std::string RcptOk(const RemoteCtx& c, const std::string& rcpt) {
  switch (c.profile->software) {
    case Software::kPostfix:
      return "250 2.1.5 Ok";
    case Software::kExim:
      return "250 Accepted";
    case Software::kGmail:
      return "250 2.1.5 OK " + Gsmtp(c);
    case Software::kYahoo:
      return "250 recipient <" + rcpt + "> ok";
    default:
      return "250 2.1.5 Recipient OK";
  }
}

std::string_view StartTlsOk(Software sw) {
  switch (sw) {
    case Software::kExchangeOnline:
    case Software::kExchangeOnPrem:
      return "220 2.0.0 SMTP server ready";
    case Software::kExim:
      return "220 TLS go ahead";
    case Software::kYahoo:
      return "220 Start TLS";
    default:
      return "220 2.0.0 Ready to start TLS";
  }
}

std::string_view Data354(Software sw) {
  switch (sw) {
    case Software::kPostfix:
      return "354 End data with <CR><LF>.<CR><LF>";
    case Software::kExim:
      return "354 Enter message, ending with \".\" on a line by itself";
    case Software::kGmail:
      return "354  Go ahead";
    case Software::kYahoo:
      return "354 Start Mail. End with CRLF.CRLF";
    default:
      return "354 Start mail input; end with <CRLF>.<CRLF>";
  }
}

std::string_view RsetOk(Software sw) {
  switch (sw) {
    case Software::kPostfix:
      return "250 2.0.0 Ok";
    case Software::kExim:
      return "250 Reset OK";
    case Software::kGmail:
      return "250 2.1.5 Flushed";
    case Software::kYahoo:
      return "250 reset ok";
    default:
      return "250 2.0.0 Resetting";
  }
}

std::string FinalOk(const RemoteCtx& c, const std::string& msgid, int64_t size, Rng* rng) {
  std::string s;
  switch (c.profile->software) {
    case Software::kPostfix: {
      static const char kAlnum[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
      s = "250 2.0.0 Ok: queued as 4";
      for (int i = 0; i < 11; ++i) s += kAlnum[rng->Below(sizeof(kAlnum) - 1)];
      return s;
    }
    case Software::kExchangeOnline:
    case Software::kExchangeOnPrem: {
      const int64_t ms = rng->Range(12, 900);
      s = "250 2.6.0 " + msgid + " [InternalId=";
      AppendUint(&s, 10000000000000ull + rng->Below(89999999999999ull));
      s += ", Hostname=" + c.host->name + "] ";
      AppendUint(&s, static_cast<uint64_t>(size));
      s += " bytes in 0.";
      AppendPadded(&s, static_cast<uint64_t>(ms), 3);
      s += ", ";
      const int64_t kbps = size * 1000 / ms;  // bytes per second / 1000 ~= KB/sec * 1.024
      AppendUint(&s, static_cast<uint64_t>(kbps / 1024));
      s += '.';
      AppendPadded(&s, static_cast<uint64_t>(kbps % 1000), 3);
      s += " KB/sec Queued mail for delivery";
      return s;
    }
    case Software::kExim:
      s = "250 OK id=1t";
      AppendHex(&s, rng->Below(0xFFFF), 4);
      s += "-000";
      AppendHex(&s, rng->Below(0xFFF), 3);
      s += "-";
      AppendHex(&s, rng->Below(0xFF), 2);
      return s;
    case Software::kGmail:
      s = "250 2.0.0 OK  1772";
      AppendPadded(&s, rng->Below(1000000), 6);
      s += ' ' + Gsmtp(c);
      return s;
    case Software::kYahoo:
      return "250 ok dirdel";
  }
  return "250 OK";
}

std::string QuitOk(const RemoteCtx& c) {
  switch (c.profile->software) {
    case Software::kPostfix:
      return "221 2.0.0 Bye";
    case Software::kExim:
      return "221 " + c.host->name + " closing connection";
    case Software::kGmail:
      return "221 2.0.0 closing connection " + Gsmtp(c);
    case Software::kYahoo:
      return "221 Service Closing transmission";
    default:
      return "221 2.0.0 Service closing transmission channel";
  }
}

Reply FailureReply(Fault f, const RemoteCtx& c, const std::string& rcpt) {
  const Software sw = c.profile->software;
  const std::string ip = OurIp(c);
  const std::string& host = c.host->name;
  switch (f) {
    case Fault::kBannerReject:
      return One("554", "", host + " ESMTP not accepting connections");
    case Fault::kEhloReject:
      return One("550", "5.7.1",
                 "<" + std::string(kOurHelo) + ">: Helo command rejected: Host not found");
    case Fault::kMailFromRejected:  // `rcpt` is the sender here
      return One("550", "5.1.8", "<" + rcpt + ">: Sender address rejected: Domain not found");
    case Fault::kUserUnknown:
      if (IsExchange(sw)) {
        return One("550", "5.1.10",
                   "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup");
      }
      if (sw == Software::kGmail) {
        return Multi("550", "5.1.1",
                     {"The email account that you tried to reach does not exist. Please try",
                      "double-checking the recipient's email address for typos or",
                      "unnecessary spaces. For more information, go to",
                      " https://support.google.com/mail/?p=NoSuchUser " + Gsmtp(c)});
      }
      if (sw == Software::kExim) return One("550", "", "Unrouteable address");
      return One(
          "550", "5.1.1",
          "<" + rcpt + ">: Recipient address rejected: User unknown in virtual mailbox table");
    case Fault::kMailboxFull:
      if (sw == Software::kGmail) {
        return Multi(
            "552", "5.2.2",
            {"The email account that you tried to reach is over quota. Please direct",
             "the recipient to", " https://support.google.com/mail/?p=OverQuotaPerm " + Gsmtp(c)});
      }
      return One("552", "5.2.2", "<" + rcpt + ">: Recipient address rejected: Mailbox full");
    case Fault::kGroupRestricted:
      if (Hash64(rcpt, 7) & 1) {
        return One("550", "5.7.1",
                   "RESOLVER.RST.AuthRequired; authentication required [Stage: CreateMessage]");
      }
      return One("550", "5.7.133",
                 "RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery "
                 "restriction check failed because the sender was not authenticated when sending "
                 "to this group");
    case Fault::kRelayDenied:
      if (sw == Software::kExchangeOnline) {
        return One("550", "5.7.64", "TenantAttribution; Relay Access Denied [" + host + "]");
      }
      if (sw == Software::kExchangeOnPrem) {
        return One("550", "5.7.54", "SMTP; Unable to relay recipient in non-accepted domain");
      }
      if (sw == Software::kExim) return One("550", "", "relay not permitted");
      return One("554", "5.7.1", "<" + rcpt + ">: Relay access denied");
    case Fault::kBlocklistSpamhaus:
      if (sw == Software::kExim) {
        return One("550", "", "rejected because " + ip + " is in a black list at zen.spamhaus.org");
      }
      return One("554", "5.7.1",
                 "Service unavailable; Client host [" + ip +
                     "] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/" + ip);
    case Fault::kBlocklistBarracuda:
      return One("554", "",
                 "Service unavailable; Client host [" + ip +
                     "] blocked using Barracuda Reputation; "
                     "http://www.barracudanetworks.com/reputation/?pr=1&ip=" +
                     ip);
    case Fault::kIpv6Ptr:
      return Multi("550", "5.7.25",
                   {"[" + ip + "] The IP address sending this message does not have a PTR",
                    "record setup, or the corresponding forward DNS entry does not match the",
                    "sending IP. As a policy, Gmail does not accept messages from IPs with",
                    "missing PTR records. For more information, go to",
                    " https://support.google.com/mail/answer/81126#ip-rev " + Gsmtp(c)});
    case Fault::kGreylist:
      return One("451", "4.7.1",
                 "<" + rcpt +
                     ">: Recipient address rejected: Greylisted, see "
                     "https://postgrey.schweikert.ch/help/" +
                     c.profile->domain + ".html");
    case Fault::kRateLimited:
      if (sw == Software::kGmail) {
        return Multi("421", "4.7.28",
                     {"[" + ip + "] Our system has detected an unusual rate of",
                      "unsolicited mail originating from your IP address. To protect our",
                      "users from spam, mail sent from your IP address has been temporarily",
                      "rate limited. For more information, go to",
                      " https://support.google.com/mail/?p=UnsolicitedRateLimitError " + Gsmtp(c)});
      }
      if (IsExchange(sw)) {
        return One("451", "4.7.650",
                   "The mail server [" + ip +
                       "] has been temporarily rate limited due to IP reputation. For e-mail "
                       "delivery information, see https://aka.ms/postmaster (S775)");
      }
      return One("450", "4.7.1",
                 "<" + rcpt +
                     ">: Recipient address rejected: Too many "
                     "recipients from [" +
                     ip + "], try again later");
    case Fault::kDataRejectedSpam:
      if (sw == Software::kGmail) {
        return Multi("550", "5.7.1",
                     {"[" + ip + "] Gmail has detected that this message is likely",
                      "unsolicited mail. To reduce the amount of spam sent to Gmail, this",
                      "message has been blocked. For more information, go to",
                      " https://support.google.com/mail/?p=UnsolicitedMessageError " + Gsmtp(c)});
      }
      if (IsExchange(sw))
        return One("550", "5.7.1", "Message rejected as spam by Content Filtering.");
      if (sw == Software::kExim) return One("550", "", "High probability of spam");
      return One("554", "5.7.1", "Spam message rejected");
    default:
      return One("554", "5.0.0", "Transaction failed");
  }
}

std::string ConnectFailure(Fault f, const std::string& domain, const RemoteHost& host) {
  int code = 10060;
  std::string_view text =
      "A connection attempt failed because the connected party did not properly respond after a "
      "period of time, or established connection failed because connected host has failed to "
      "respond";
  if (f == Fault::kConnectRefused) {
    code = 10061;
    text = "No connection could be made because the target machine actively refused it";
  } else if (f == Fault::kNetworkUnreachable) {
    code = 10051;
    text = "A socket operation was attempted to an unreachable network";
  } else if (f == Fault::kHostUnreachable) {
    code = 10065;
    text = "A socket operation was attempted to an unreachable host";
  }
  std::string s = "Failed to connect. Winsock error code: " + std::to_string(code) +
                  ", Win32 error code: " + std::to_string(code) +
                  ", Destination domain: " + domain + ", Error Message: ";
  s += text;
  s += ' ';
  s += host.endpoint;
  s += '.';
  return s;
}

std::string RemoteCertificate(const RemoteCtx& c, int64_t t) {
  static const char* const kIssuers[] = {
      "CN=Example TLS RSA CA G1, O=Example Trust Services, C=US",
      "CN=Example Cloud Services CA 01, O=Example Corporation, C=US",
      "CN=Sample Issuing CA 2, OU=PKI, O=Sample Certificates Ltd, C=GB"};
  const uint64_t h = Hash64(c.host->name, 99);
  std::string s = " CN=" + c.host->name + ' ' + kIssuers[h % 3] + ' ';
  AppendHex(&s, h, 16);
  AppendHex(&s, h * 31 + 7, 16);
  s += ' ';
  AppendHex(&s, h * 131 + 1, 16);
  AppendHex(&s, h * 137 + 3, 16);
  AppendHex(&s, h >> 32, 8);
  const int64_t day = 86400000;
  const int64_t not_before = (t / day - 20 - static_cast<int64_t>(h % 60)) * day;
  s += ' ' + IsoMs(not_before) + ' ' + IsoMs(not_before + 90 * day) + ' ' + c.host->name;
  if (c.profile->software == Software::kPostfix || c.profile->software == Software::kExim) {
    s += ';' + c.profile->domain;
  }
  return s;
}

std::string_view TlsSuccess(bool server, uint64_t h) {
  static const std::string_view kClient[] = {
      "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm "
      "CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits "
      "and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits",
      "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded using bulk encryption algorithm "
      "CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits "
      "and key exchange algorithm CALG_ECDH_EPHEM with strength 256 bits"};
  static const std::string_view kServer[] = {
      "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm "
      "CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits "
      "and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits",
      "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm "
      "CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits "
      "and key exchange algorithm CALG_ECDH_EPHEM with strength 256 bits"};
  return server ? kServer[h & 1] : kClient[h & 1];
}

}  // namespace smtptriage::loggen::internal
