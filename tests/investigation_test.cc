#include <catch2/catch.hpp>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "smtptriage/investigation.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
using nlohmann::json;

TEST_CASE("Targets are told apart: domain, address, session id, IP address", "[investigate]") {
  struct Row {
    const char* text;
    Target::Kind kind;
    const char* value;
  };
  const Row rows[] = {
      {"Partner.Example", Target::Kind::kDomain, "partner.example"},
      {"Bob@Partner.Example", Target::Kind::kAddress, "bob@partner.example"},
      {"<bob@partner.example>", Target::Kind::kAddress, "bob@partner.example"},
      {"08de6c57743183e0", Target::Kind::kSession, "08DE6C57743183E0"},
      {"192.0.2.226", Target::Kind::kIp, "192.0.2.226"},
      {"[2001:DB8::25]", Target::Kind::kIp, "2001:db8::25"},
      {"::ffff:192.0.2.7", Target::Kind::kIp, "::ffff:192.0.2.7"},
      {"256.1.1.1", Target::Kind::kDomain, "256.1.1.1"},
      {"1.2.3", Target::Kind::kDomain, "1.2.3"},
      {"deadbeef.example", Target::Kind::kDomain, "deadbeef.example"},
      // Long runs of digits (a phone number, a Message-ID's) are no IP address, and no
      // arithmetic overflow on the way.
      {"12345678901234567890.1.1.1", Target::Kind::kDomain, "12345678901234567890.1.1.1"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    Target t = ParseTarget(row.text);
    CHECK(t.kind == row.kind);
    CHECK(t.value == row.value);
    CHECK(TargetProblem(row.text).empty());
  }
  // What the logs are searched for is in one case; what is shown is as it was given.
  CHECK(ParseTarget("<AbC.1@Host.Example>").written == "AbC.1@Host.Example");
  CHECK(ParseTarget("<AbC.1@Host.Example>").value == "abc.1@host.example");
  // A session id a digit short is a mistake, not a domain.
  CHECK(TargetProblem("08DE6C57743183E").find("has 15 hexadecimal digits") !=
        std::string::npos);
  std::string out, err;
  CHECK(RunCli("investigate 08DE6C57743183E sample_logs", &out, &err) == 2);
  CHECK(err.find("looks like a session id, but has 15 hexadecimal digits") != std::string::npos);
}

TEST_CASE("A target no session involves is said to be absent, with the names close to it",
          "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate proseware-suply.example sample_logs", &out, &err) == 0);
  CHECK(out.find("Verdict: NOT IN THE LOGS - No session in the logs involves the target. Domains "
                 "in the logs with a name close to it: proseware-supply.example.\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate --lang es someone@proseware-supply.exampel sample_logs", &out,
                 &err) == 0);
  CHECK(out.find("Veredicto: NO ESTÁ EN LOS REGISTROS - ") != std::string::npos);
  CHECK(out.find("con un nombre parecido: proseware-supply.example.") != std::string::npos);
  REQUIRE(RunCli("investigate nothing-like-it.example sample_logs --format json", &out, &err) ==
          0);
  json j = json::parse(out);
  CHECK(j["verdict"]["side"] == "not_found");
  CHECK(j["verdict"]["summary"] == "No session in the logs involves the target.");
  // Outside --since/--until it is the period that has none.
  REQUIRE(RunCli("investigate treyresearch.example sample_logs --until 2026-03-02T06:00:00Z",
                 &out, &err) == 0);
  CHECK(out.find("No session in the period asked for involves the target.") !=
        std::string::npos);
}

TEST_CASE("Investigating a domain shows what our server refused of its mail, apart",
          "[investigate]") {
  std::string out, err;
  // Its only failure: our server refused its mail to an address we do not have (scan's inbound
  // list).
  REQUIRE(RunCli("investigate humongousinsurance-supply.example sample_logs --tz UTC", &out,
                 &err) == 0);
  INFO(out);
  CHECK(out.find("Verdict: REFUSED BY US - No failure of mail we sent; 1 refusal by our own "
                 "server of mail sent to us (our own policy, below).\n") != std::string::npos);
  CHECK(out.find("1x user_unknown (recipient)  550 5.1.10  at rcpt") != std::string::npos);
  CHECK(out.find("Refused by our server (mail sent to us): neither side's failure") !=
        std::string::npos);
  REQUIRE(RunCli("investigate humongousinsurance-supply.example sample_logs --format json", &out,
                 &err) == 0);
  json j = json::parse(out);
  CHECK(j["verdict"]["side"] == "refused");
  CHECK(j["failures"] == 1);
  CHECK(j["inbound_failures"] == 1);
  CHECK(j["local_failures"] == 0);
  REQUIRE(j["failure_kinds"].size() == 1);
  CHECK(j["failure_kinds"][0]["inbound"] == true);
  CHECK(j["occurrences"][0]["side"] == "refused");
  // scan says the same of it: refused, not a side.
  REQUIRE(RunCli("scan sample_logs --format json", &out, &err) == 0);
  bool seen = false;
  const json scan = json::parse(out);
  for (const json& d : scan["domains"]) {
    if (d["domain"] != "humongousinsurance-supply.example" || d["direction"] != "inbound") {
      continue;
    }
    seen = true;
    CHECK(d["verdict"] == "refused");
    CHECK(d["verdict_summary"] ==
          "Refused by our own server (mail sent to us, our own policy): user_unknown (1).");
  }
  CHECK(seen);

  // Mail to it failed too: the verdict weighs only that, and says the rest.
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --format json", &out, &err) ==
          0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "remote");
  CHECK(j["verdict"]["summary"] ==
        "43 of 43 failures point to the remote side. Another failure was temporary: its message "
        "was delivered on retry. Also 3 refusals by our own server of mail sent to us (below): 1 "
        "for a fault of its own (system_full: ours), 2 by our own policy.");
  CHECK(j["failures"] == 47);
  CHECK(j["inbound_failures"] == 3);
  CHECK(j["inbound_ours"] == 1);
  // Hour by hour too: at 08:00, twelve timeouts of our mail and one refusal of its mail.
  bool hour_seen = false;
  for (const json& h : j["timeline"]) {
    if (h["start"] != "2026-03-02T08:00:00.000Z") continue;
    hour_seen = true;
    CHECK(h["failures"] == 13);
    CHECK(h["refused_by_us"] == 1);
  }
  CHECK(hour_seen);
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC", &out, &err) == 0);
  CHECK(out.find("\n  2026-03-02 08:00 +00:00  sessions 15  failures 13 (1 refused by us)  "
                 "connect_timeout 12  system_full 1\n") != std::string::npos);
  CHECK(out.find("\n  2026-03-02 07:00 +00:00  sessions 15  failures 12  connect_timeout 12\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC --lang es", &out,
                 &err) == 0);
  CHECK(out.find("fallos 13 (1 rechazado por nosotros)") != std::string::npos);
}

TEST_CASE("A domain's sessions and recipients are told by direction, as scan counts them",
          "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate gmail.com sample_logs", &out, &err) == 0);
  CHECK(out.find("\nSessions: 18 (13 outbound, 5 inbound), recipients: 39 (31 outbound, 8 "
                 "inbound), failures: 7\n") != std::string::npos);
  REQUIRE(RunCli("investigate gmail.com sample_logs --lang es", &out, &err) == 0);
  CHECK(out.find("\nSesiones: 18 (13 salientes, 5 entrantes), destinatarios: 39 (31 salientes, 8 "
                 "entrantes), fallos: 7\n") != std::string::npos);
  // All one way: the direction alone.
  REQUIRE(RunCli("investigate 192.0.2.239 sample_logs", &out, &err) == 0);
  CHECK(out.find("\nSessions: 2 inbound, recipients: 0, failures: 2\n") != std::string::npos);
  REQUIRE(RunCli("investigate 08DE6C57743183E0 sample_logs --lang es", &out, &err) == 0);
  CHECK(out.find("\nSesiones: 1 saliente, destinatarios: 0, fallos: 1\n") != std::string::npos);

  REQUIRE(RunCli("scan sample_logs --format json", &out, &err) == 0);
  const json scan = json::parse(out);
  for (const char* domain : {"gmail.com", "proseware-supply.example"}) {
    INFO(domain);
    REQUIRE(RunCli(std::string("investigate ") + domain + " sample_logs --format json", &out,
                   &err) == 0);
    const json j = json::parse(out);
    int64_t sessions = 0, recipients = 0;
    for (const json& d : scan["domains"]) {
      if (d["domain"] != domain) continue;
      const std::string direction = d["direction"];
      CHECK(j["sessions_by_direction"][direction] == d["sessions"]);
      CHECK(j["recipients_by_direction"][direction] == d["recipients"]);
      sessions += d["sessions"].get<int64_t>();
      recipients += d["recipients"].get<int64_t>();
    }
    CHECK(j["sessions"] == sessions);
    CHECK(j["recipients"] == recipients);
    CHECK(j["sessions_by_direction"]["internal"] == 0);
  }
}

TEST_CASE("A failure on a hop between our own servers is ours in investigate as in scan",
          "[investigate]") {
  // Our transport server hands two messages to a mailbox server (port 2525), which is out of
  // resources: whatever the reply says, a hop of ours is our side.
  const std::string internet = ",203.0.113.7:25,", mailbox = ",10.0.0.26:2525,";
  std::vector<std::string> rows;
  for (const auto& [id, sec] : {std::pair<std::string, int>{"08DE6C5700000001", 10},
                                {"08DE6C5700000002", 70}}) {
    for (std::string row : SendSession(id, sec, "<" + id + "@EX01.ourorg.example>",
                                       "bob@ourorg.example",
                                       "452 4.3.1 Insufficient system resources")) {
      size_t at = row.find(internet);
      if (at != std::string::npos) row.replace(at, internet.size(), mailbox);
      rows.push_back(row);
    }
  }
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  const std::string path = "'" + dir.path().string() + "'";
  std::string out, err;
  REQUIRE(RunCli("scan " + path + " --format json", &out, &err) == 0);
  const json scan = json::parse(out);
  const json* hop = nullptr;
  for (const json& d : scan["domains"]) {
    if (d["domain"] == "ourorg.example") hop = &d;
  }
  REQUIRE(hop != nullptr);
  CHECK((*hop)["direction"] == "internal");
  CHECK((*hop)["verdict"] == "local");
  REQUIRE(RunCli("investigate ourorg.example " + path + " --format json", &out, &err) == 0);
  const json j = json::parse(out);
  INFO(j["verdict"].dump());
  CHECK(j["failures"] == 2);
  CHECK(j["local_failures"] == 2);
  CHECK(j["verdict"]["side"] == "local");
  for (const json& o : j["occurrences"]) CHECK(o["side"] == "local");
}

TEST_CASE("Investigating an IP address: the sessions with it at the other end", "[investigate]") {
  std::string out, err;
  // A client that failed to log in twice (scan's failed AUTH list).
  REQUIRE(RunCli("investigate 192.0.2.239 sample_logs --tz UTC", &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Investigation of IP address 192.0.2.239\nVerdict: REFUSED BY US") == 0);
  CHECK(out.find("2x security_error (sender)  535 5.7.3  at auth") != std::string::npos);
  CHECK(out.find("Clients: 192.0.2.239") != std::string::npos);
  // The others are other senders, not the target itself.
  CHECK(out.find("The same reason hit 4 other senders in the same hours (192.0.2.226,") !=
        std::string::npos);
  REQUIRE(RunCli("investigate 192.0.2.239 sample_logs --format json", &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["target"]["kind"] == "ip");
  CHECK(j["sessions"] == 2);
  CHECK(j["failures"] == 2);
  // Our own public address, which only the replies name (the server is behind NAT): the
  // blocklists' refusals and a receiver's rate limit, and not an address it is the start of.
  REQUIRE(RunCli("investigate 198.51.100.25 sample_logs --format json", &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["failures"] == 10);
  CHECK(j["local_failures"] == 4);
  std::map<std::string, int64_t> kinds;
  for (const json& k : j["failure_kinds"]) kinds[k["reason"]] += k["count"].get<int64_t>();
  CHECK(kinds == std::map<std::string, int64_t>{{"blocked", 4}, {"rate_limited", 6}});
  // Barracuda's refusal at the banner names no domain; the scan counts it at the domain of the
  // other sessions to that server, which is its own, not "another domain".
  int barracuda = 0;
  for (const json& k : j["failure_kinds"]) {
    if (k["rule"] != "reputation.barracuda") continue;
    ++barracuda;
    INFO(k.dump());
    CHECK(k["other_domains_same_hours"] == 1);
    CHECK(k["other_domain_examples"] == json::array({"margiestravel.example"}));
  }
  CHECK(barracuda == 1);
  REQUIRE(RunCli("investigate 198.51.100.2 sample_logs --format json", &out, &err) == 0);
  CHECK(json::parse(out)["verdict"]["side"] == "not_found");
  // Our server's own address in the logs: the sessions that left from it (Gmail over IPv6).
  REQUIRE(RunCli("investigate 2001:DB8:100::25 sample_logs --format json", &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["sessions_by_direction"]["outbound"] == 13);
  CHECK(j["sessions_by_direction"]["inbound"] == 0);
  // A receiving server's address (one of proseware-supply.example's two MX): our mail to it.
  REQUIRE(RunCli("investigate 203.0.113.100 sample_logs --format json", &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "remote");
  CHECK(j["inbound_failures"] == 0);
  REQUIRE(!j["failure_kinds"].empty());
  CHECK(j["failure_kinds"][0]["reason"] == "connect_timeout");
  CHECK(j["failure_kinds"][0]["remote_ips"] == json::array({"203.0.113.100"}));
}

TEST_CASE("Investigating a domain whose MX is down: timeline, isolation, verdict",
          "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC", &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Investigation of domain proseware-supply.example") != std::string::npos);
  CHECK(out.find("Verdict: THEIRS") != std::string::npos);
  CHECK(out.find("connect_timeout") != std::string::npos);
  CHECK(out.find("No other domain saw it in the same hours: isolated.") != std::string::npos);
  CHECK(out.find("What to check:") != std::string::npos);
  CHECK(out.find("Failed to connect. Winsock error code: 10060") != std::string::npos);
  // A connect failure shows its Winsock code, as in the scan report.
  CHECK(out.find("36x connect_timeout (connection)  Winsock 10060  at connect  ") !=
        std::string::npos);
  // Per hour, sessions and failures: one session can fail for several recipients.
  CHECK(out.find("  2026-03-02 07:00 +00:00  sessions ") != std::string::npos);
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC --lang es", &out,
                 &err) == 0);
  CHECK(out.find("  2026-03-02 07:00 +00:00  sesiones ") != std::string::npos);
  CHECK(out.find("Investigación del dominio proseware-supply.example\n"
                 "Veredicto: SUYO - 43 de 43 fallos apuntan al lado remoto. Otro fallo fue "
                 "temporal: su mensaje se entregó al reintentar. Además, 3 rechazos de nuestro "
                 "propio servidor al correo que nos enviaron (abajo): 1 por un fallo propio "
                 "(system_full: nuestro), 2 por nuestra propia política.\n") == 0);
  // Back pressure on our own server is ours, the refusals by policy neither side's.
  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --tz UTC", &out, &err) == 0);
  CHECK(out.find("  Refused by our server (mail sent to us) for a fault of its own: ours   rule "
                 "exchange.back-pressure.ours\n") != std::string::npos);
  CHECK(out.find("  Refused by our server (mail sent to us): neither side's failure   rule "
                 "sender.relay-denied.inbound\n") != std::string::npos);
  // 08:10-08:30 holds only the refusal for lack of queue disk: none by policy to weigh it with.
  const std::string window =
      " --since 2026-03-02T08:10:00Z --until 2026-03-02T08:30:00Z sample_logs --tz UTC";
  REQUIRE(RunCli("investigate proseware-supply.example" + window, &out, &err) == 0);
  CHECK(out.find("Also 1 refusal by our own server of mail sent to us (below), for a fault of "
                 "its own (system_full: ours).\n") != std::string::npos);
  REQUIRE(RunCli("investigate proseware-supply.example --lang es" + window, &out, &err) == 0);
  CHECK(out.find("Además, 1 rechazo de nuestro propio servidor al correo que nos enviaron "
                 "(abajo), por un fallo propio (system_full: nuestro).\n") != std::string::npos);

  REQUIRE(RunCli("investigate proseware-supply.example sample_logs --format json", &out, &err) ==
          0);
  json j = json::parse(out);
  CHECK(j["schema"] == "smtptriage/investigation@1");
  CHECK(j["verdict"]["side"] == "remote");
  REQUIRE(!j["failure_kinds"].empty());
  const json& top = j["failure_kinds"][0];
  CHECK(top["reason"] == "connect_timeout");
  CHECK(top["other_domains_same_hours"] == 0);
  CHECK(!top["transcript"].empty());
  int attempts = 0;
  for (const json& h : j["timeline"]) attempts += h["attempts"].get<int>();
  CHECK(attempts == j["sessions"].get<int>());
  // One failure is "the one failure", not "1 of 1 failures".
  REQUIRE(RunCli("investigate adventure-works-gmbh.example sample_logs", &out, &err) == 0);
  CHECK(out.find("Verdict: THEIRS - The one failure points to the remote side.\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate adventure-works-gmbh.example sample_logs --lang es", &out, &err) ==
          0);
  CHECK(out.find("Veredicto: SUYO - El único fallo apunta al lado remoto.\n") != std::string::npos);
  REQUIRE(RunCli("investigate treyresearch.example sample_logs", &out, &err) == 0);
  CHECK(out.find("Verdict: OURS - The one failure points to our side.\n") != std::string::npos);
  REQUIRE(RunCli("investigate treyresearch.example sample_logs --lang es", &out, &err) == 0);
  CHECK(out.find("Veredicto: NUESTRO - El único fallo apunta a nuestro lado.\n") !=
        std::string::npos);
}

TEST_CASE("Investigating a recipient lists every failure to it", "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate contact154@proseware-supply.example sample_logs --format json",
                 &out, &err) == 0);
  json j = json::parse(out);
  REQUIRE(j["occurrences"].size() >= 1);
  for (const json& o : j["occurrences"]) {
    CHECK(o["recipient"] == "contact154@proseware-supply.example");
    CHECK(o["side"] == "remote");
    CHECK(o["ref"].get<std::string>().find("sample_logs/SmtpSend/") == 0);
  }
  // In time order, whichever logs they come from: mail to the address greylisted at 11:01 (a
  // Send log), then mail from it that our server refused at 11:46 (a Receive log, read first).
  REQUIRE(RunCli("investigate sales@proseware-supply.example sample_logs --tz UTC", &out, &err) ==
          0);
  const size_t sent = out.find("  2026-03-02 11:01 +00:00  user0654@ourorg.example -> "
                               "sales@proseware-supply.example  theirs  451 4.7.1 ");
  const size_t received = out.find("  2026-03-02 11:46 +00:00  sales@proseware-supply.example -> "
                                   "user965@relay-target.example  refused by us  550 5.7.54 ");
  REQUIRE(sent != std::string::npos);
  REQUIRE(received != std::string::npos);
  CHECK(sent < received);
  // The only relay attempt in the logs is the address's own: no "other sender" had it.
  CHECK(out.find("The same reason hit 1 other sender") == std::string::npos);
  CHECK(out.find("No other sender had it in the same hours: isolated.") != std::string::npos);
  REQUIRE(RunCli("investigate sales@proseware-supply.example sample_logs --format json", &out,
                 &err) == 0);
  j = json::parse(out);
  REQUIRE(j["occurrences"].size() == 2);
  CHECK(j["occurrences"][0]["time"] < j["occurrences"][1]["time"]);
}

TEST_CASE("Investigating a Message-ID: each recipient of the message, in the session that "
          "carried it", "[investigate]") {
  std::string out, err;
  // Greylisted at 07:24 and sent again at 07:36 (a Send log's "sending message ...
  // InternetMessageId <...>" row).
  REQUIRE(RunCli("investigate '<81cb7032e6937406957c462100f923f2@EX01.ourorg.example>' "
                 "sample_logs --tz UTC",
                 &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Investigation of message <81cb7032e6937406957c462100f923f2@EX01.ourorg.example>"
                 "\nVerdict: RESOLVED - The one failure was temporary: the message was delivered "
                 "on retry.\nSessions: 2 outbound, recipients: 2 outbound, failures: 1\n") == 0);
  CHECK(out.find("\nEvery recipient\n  2026-03-02 07:24 +00:00  user6247@ourorg.example -> "
                 "info@fineartschool-partner.example  failed, theirs (greylisted)  451 4.7.1 ") !=
        std::string::npos);
  CHECK(out.find("\n      Delivered on retry at 07:36 in session 08DE6C57743183F9\n  2026-03-02 "
                 "07:36 +00:00  user6247@ourorg.example -> info@fineartschool-partner.example  "
                 "delivered  session 08DE6C57743183F9  ") != std::string::npos);
  CHECK(out.find("What it means: Greylisting") != std::string::npos);
  // Each of its sessions, once, from its start to the rows of the message.
  CHECK(out.find("Session 08DE6C57743183F0  send  ") != std::string::npos);
  CHECK(out.find("Session 08DE6C57743183F9  send  ") != std::string::npos);
  CHECK(out.find("Example session") == std::string::npos);
  CHECK(out.find("> MAIL FROM:<user6247@ourorg.example> SIZE=56796   SEND2026030207-1.LOG:244") !=
        std::string::npos);

  // Without <>, the same; a message that went to two recipients gives both outcomes.
  REQUIRE(RunCli("investigate 6f81efb27d049970908a44f04b044ef0@EX01.ourorg.example sample_logs "
                 "--format json",
                 &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["target"]["kind"] == "message");
  CHECK(j["target"]["value"] == "6f81efb27d049970908a44f04b044ef0@EX01.ourorg.example");
  CHECK(j["recipients"] == 2);
  REQUIRE(j["message_recipients"].size() == 2);
  const json& delivered = j["message_recipients"][1];
  CHECK(delivered["recipient"] == "contact364@margiestravel.example");
  CHECK(delivered["outcome"] == "delivered");
  CHECK(delivered["session"] == "08DE6C5774318442");
  // Where the log shows it taken: "250 2.0.0 Ok: queued as ...", the reply to its BDAT.
  CHECK(delivered["ref"] == "sample_logs/SmtpSend/SEND2026030209-1.LOG:117");
  CHECK(!delivered.contains("failure"));
  const json& failed = j["message_recipients"][0];
  CHECK(failed["recipient"] == "sales@margiestravel.example");
  CHECK(failed["outcome"] == "failed");
  CHECK(failed["failure"]["reason"] == "user_unknown");
  CHECK(failed["failure"]["side"] == "remote");
  CHECK(failed["failure"]["ref"] == "sample_logs/SmtpSend/SEND2026030209-1.LOG:114");
  CHECK(failed["ref"] == "sample_logs/SmtpSend/SEND2026030209-1.LOG:114");  // (the refusal)
  REQUIRE(j["sessions_found"].size() == 1);
  CHECK(j["sessions_found"][0]["session"] == "08DE6C5774318442");
  // The session's three other messages and their recipients are not the message's.
  CHECK(j["failures"] == 1);
  REQUIRE(RunCli("investigate 6f81efb27d049970908a44f04b044ef0@EX01.ourorg.example sample_logs "
                 "--tz UTC --lang es",
                 &out, &err) == 0);
  CHECK(out.find("Investigación del mensaje <6f81efb27d049970908a44f04b044ef0@EX01.ourorg.example>"
                 "\n") == 0);
  CHECK(out.find("\nCada destinatario\n") != std::string::npos);
  CHECK(out.find("-> contact364@margiestravel.example  entregado  sesión 08DE6C5774318442") !=
        std::string::npos);
  CHECK(out.find("-> sales@margiestravel.example  falló, suyo (user_unknown)  550") !=
        std::string::npos);

  // Mail to us: a Receive log names the message only in our reply that queued it.
  REQUIRE(RunCli("investigate '<6e1ca329e1b7992b@fineartschool-partner.example>' sample_logs "
                 "--format json",
                 &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["target"]["kind"] == "message");
  CHECK(j["verdict"]["side"] == "healthy");
  CHECK(j["sessions_by_direction"]["inbound"] == 1);
  REQUIRE(j["message_recipients"].size() == 1);
  CHECK(j["message_recipients"][0]["recipient"] == "purchasing@ourorg.example");
  CHECK(j["message_recipients"][0]["outcome"] == "received");
  CHECK(j["message_recipients"][0]["log"] == "receive");

  // A Message-ID the logs do not have is not called an address.
  REQUIRE(RunCli("investigate '<0000@EX01.ourorg.example>' sample_logs", &out, &err) == 0);
  CHECK(out.find("Investigation of address or Message-ID 0000@EX01.ourorg.example\nVerdict: NOT "
                 "IN THE LOGS") == 0);
  // An address is still one: its sessions are not listed as a message's are.
  REQUIRE(RunCli("investigate info@fineartschool-partner.example sample_logs --format json", &out,
                 &err) == 0);
  j = json::parse(out);
  CHECK(j["target"]["kind"] == "address");
  CHECK(j["sessions_found"].empty());
  CHECK(j["message_recipients"].empty());
}

TEST_CASE("A Message-ID is shown as it was written and found in any case", "[investigate]") {
  // A Message-ID's local part is case-sensitive: the one the user gives (as the NDR and the
  // log have it) is shown so, while finding it in the logs does not depend on its case.
  const std::string id = "CAFmT1+4Qx@EX01.OurOrg.example";
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG",
            Header() + Lines(SendSession("08DE6C5700000003", 10, "<" + id + ">",
                                         "bob@partner.example", "550 5.1.1 User unknown")));
  const std::string path = "'" + dir.path().string() + "'";
  std::string out, err;
  REQUIRE(RunCli("investigate '<" + id + ">' " + path + " --tz UTC", &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Investigation of message <CAFmT1+4Qx@EX01.OurOrg.example>\n") == 0);
  CHECK(out.find("-> bob@partner.example  failed, theirs (user_unknown)") != std::string::npos);
  REQUIRE(RunCli("investigate " + id + " " + path + " --format json", &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["target"]["kind"] == "message");
  CHECK(j["target"]["value"] == id);
  CHECK(j["failures"] == 1);
  // Another case finds the same message, and is shown as it was given.
  REQUIRE(RunCli("investigate CAFMT1+4QX@ex01.ourorg.example " + path + " --format json", &out,
                 &err) == 0);
  j = json::parse(out);
  CHECK(j["target"]["kind"] == "message");
  CHECK(j["target"]["value"] == "CAFMT1+4QX@ex01.ourorg.example");
  CHECK(j["failures"] == 1);
  // Not in the logs: it may be a Message-ID too, and is not lowered either.
  REQUIRE(RunCli("investigate '<Zz9@EX01.OurOrg.example>' " + path, &out, &err) == 0);
  CHECK(out.find("Investigation of address or Message-ID Zz9@EX01.OurOrg.example\n") == 0);
}

TEST_CASE("Investigating a session id shows its transcript with file:line", "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate 08DE6C57743183E0 sample_logs --format json", &out, &err) == 0);
  json j = json::parse(out);
  REQUIRE(j["sessions_found"].size() == 1);
  const json& s = j["sessions_found"][0];
  CHECK(s["session"] == "08DE6C57743183E0");
  REQUIRE(s["transcript"].size() >= 2);
  CHECK(s["transcript"][0]["ref"].get<std::string>().find("SEND2026030207-1.LOG:") !=
        std::string::npos);
  // Its connect timeout went to proseware-supply.example, the only domain that timed out: the
  // session's own domain is not "another domain" that saw the same.
  REQUIRE(j["failure_kinds"].size() == 1);
  CHECK(j["failure_kinds"][0]["reason"] == "connect_timeout");
  CHECK(j["failure_kinds"][0]["other_domains_same_hours"] == 0);
  // In text the session's rows are printed once, in full, not again as an example.
  REQUIRE(RunCli("investigate 08DE6C57743183E0 sample_logs --tz UTC", &out, &err) == 0);
  size_t first = out.find("attempting to connect");
  REQUIRE(first != std::string::npos);
  CHECK(out.find("attempting to connect", first + 1) == std::string::npos);
  CHECK(out.find("Example session") == std::string::npos);
  // Nor is a recipient's own domain; another domain that saw the same is named, in the singular.
  REQUIRE(RunCli("investigate contact473@firstupconsultants-partner.example sample_logs --tz UTC",
                 &out, &err) == 0);
  CHECK(out.find("(firstupconsultants-partner.example") == std::string::npos);
  CHECK(out.find("The same reason hit 1 other domain in the same hours "
                 "(wingtiptoys-logistics.example)") != std::string::npos);
}

TEST_CASE("investigate groups thousands as scan does", "[investigate]") {
  std::vector<std::string> rows;
  for (int i = 0; i < 1000; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "08DE5A3B1C2D%04X", i);
    const std::string reply = i < 2 ? "550 5.1.1 User unknown" : "250 2.1.5 Ok";
    for (const std::string& row : SendSession(id, i, "<T" + std::to_string(i) + "@ourorg.example>",
                                              "user" + std::to_string(i) + "@bulk.example",
                                              reply)) {
      rows.push_back(row);
    }
  }
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  std::string out, err;
  REQUIRE(RunCli("investigate bulk.example " + dir.path().string(), &out, &err) == 0);
  CHECK(out.find("\nSessions: 1,000 outbound, recipients: 1,000 outbound, failures: 2\n") !=
        std::string::npos);
  // Spanish groups from five digits on.
  REQUIRE(RunCli("investigate bulk.example --lang es " + dir.path().string(), &out, &err) == 0);
  CHECK(out.find("\nSesiones: 1000 salientes, destinatarios: 1000 salientes, fallos: 2\n") !=
        std::string::npos);
}

TEST_CASE("Several failures made good on retry are counted in the verdict", "[investigate]") {
  const std::string greylisted = "451 4.7.1 Greylisted, please try again later";
  std::vector<std::string> rows;
  auto add = [&](const std::vector<std::string>& session) {
    rows.insert(rows.end(), session.begin(), session.end());
  };
  add(SendSession("08DE5A3B1C2D0C01", 1, "<P1@ourorg.example>", "ann@retry.example", greylisted));
  add(SendSession("08DE5A3B1C2D0C02", 2, "<P2@ourorg.example>", "ben@retry.example", greylisted));
  add(SendSession("08DE5A3B1C2D0C03", 600, "<P1@ourorg.example>", "ann@retry.example",
                  "250 2.1.5 Ok"));
  add(SendSession("08DE5A3B1C2D0C04", 601, "<P2@ourorg.example>", "ben@retry.example",
                  "250 2.1.5 Ok"));
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  const std::string logs = dir.path().string();
  std::string out, err;
  REQUIRE(RunCli("investigate retry.example " + logs + " --format json", &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["verdict"]["side"] == "healthy");
  CHECK(j["verdict"]["summary"] ==
        "Both failures were temporary: their messages were delivered on retry.");
  REQUIRE(RunCli("investigate retry.example " + logs + " --lang es", &out, &err) == 0);
  CHECK(out.find(" - Los 2 fallos fueron temporales: sus mensajes se entregaron al "
                 "reintentar.\n") != std::string::npos);

  // Two refusals for good besides: the verdict is theirs, and the two made good said apart.
  rows.clear();
  const std::string unknown = "550 5.1.1 Recipient address rejected: User unknown";
  add(SendSession("08DE5A3B1C2D0C05", 1200, "<P3@ourorg.example>", "cid@retry.example", unknown));
  add(SendSession("08DE5A3B1C2D0C06", 1201, "<P4@ourorg.example>", "dan@retry.example", unknown));
  dir.Write("SmtpSend/SEND2026030206-2.LOG", Header() + Lines(rows));
  REQUIRE(RunCli("investigate retry.example " + logs + " --format json", &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "remote");
  const std::string summary = j["verdict"]["summary"].get<std::string>();
  INFO(summary);
  CHECK(summary.find("to the remote side. 2 other failures were temporary: their messages were "
                     "delivered on retry.") != std::string::npos);
  REQUIRE(RunCli("investigate retry.example " + logs + " --lang es", &out, &err) == 0);
  CHECK(out.find(" al lado remoto. Otros 2 fallos fueron temporales: sus mensajes se entregaron "
                 "al reintentar.\n") != std::string::npos);
}

TEST_CASE("A temporary failure that a later session made good is said to be delivered on retry",
          "[investigate]") {
  const std::string greylisted =
      "451 4.7.1 <info@partner.example>: Recipient address rejected: Greylisted, see "
      "https://postgrey.schweikert.ch/help/partner.example.html";
  std::vector<std::string> rows = SendSession("08DE5A3B1C2D0B01", 1, "<M1@ourorg.example>",
                                              "info@partner.example", greylisted);
  for (const std::string& row : SendSession("08DE5A3B1C2D0B02", 600, "<M1@ourorg.example>",
                                            "info@partner.example", "250 2.1.5 Ok")) {
    rows.push_back(row);
  }
  // A failure that stays one: another message, refused for good.
  for (const std::string& row :
       SendSession("08DE5A3B1C2D0B03", 1200, "<M2@ourorg.example>", "bob@partner.example",
               "550 5.1.1 <bob@partner.example>: Recipient address rejected: User unknown")) {
    rows.push_back(row);
  }
  TempDir dir;
  dir.Write("SmtpSend/SEND2026030206-1.LOG", Header() + Lines(rows));
  const std::string logs = dir.path().string();
  std::string out, err;

  // Its one failure made good: the verdict says so, not "theirs".
  REQUIRE(RunCli("investigate info@partner.example " + logs + " --tz UTC", &out, &err) == 0);
  INFO(out);
  CHECK(out.find("Verdict: RESOLVED - The one failure was temporary: the message was delivered "
                 "on retry.\n") != std::string::npos);
  CHECK(out.find("  Delivered on retry: 1 / 1 (the same message to the same recipient, later; "
                 "the last at 06:10)\n") != std::string::npos);
  CHECK(out.find("  theirs  451 4.7.1 ") != std::string::npos);
  CHECK(out.find("      Delivered on retry at 06:10 in session 08DE5A3B1C2D0B02\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate info@partner.example " + logs + " --tz UTC --lang es", &out, &err) ==
          0);
  CHECK(out.find("Veredicto: RESUELTO - El único fallo fue temporal: el mensaje se entregó al "
                 "reintentar.\n") != std::string::npos);
  CHECK(out.find("  Entregados al reintentar: 1 / 1 (el mismo mensaje al mismo destinatario, más "
                 "tarde; el último a las 06:10)\n") != std::string::npos);
  CHECK(out.find("      Entregado al reintentar a las 06:10 en la sesión 08DE5A3B1C2D0B02\n") !=
        std::string::npos);
  REQUIRE(RunCli("investigate info@partner.example " + logs + " --format json", &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["verdict"]["side"] == "healthy");
  CHECK(j["verdict"]["summary"] ==
        "The one failure was temporary: the message was delivered on retry.");
  CHECK(j["failures"] == 1);  // the counts are those of the logs, as before
  CHECK(j["delivered_on_retry"] == 1);
  REQUIRE(j["occurrences"].size() == 1);
  CHECK(j["occurrences"][0]["side"] == "remote");
  CHECK(j["occurrences"][0]["delivered_on_retry"]["time"] == "2026-03-02T06:10:00.000Z");
  CHECK(j["occurrences"][0]["delivered_on_retry"]["session"] == "08DE5A3B1C2D0B02");
  REQUIRE(j["failure_kinds"].size() == 1);
  CHECK(j["failure_kinds"][0]["delivered_on_retry"] == 1);

  // The domain: the side is that of the failure left; the one made good is said apart.
  REQUIRE(RunCli("investigate partner.example " + logs + " --format json", &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "remote");
  CHECK(j["verdict"]["summary"] == "The one failure points to the remote side. Another failure "
                                   "was temporary: its message was delivered on retry.");
  REQUIRE(RunCli("investigate partner.example " + logs + " --lang es", &out, &err) == 0);
  CHECK(out.find("Veredicto: SUYO - El único fallo apunta al lado remoto. Otro fallo fue "
                 "temporal: su mensaje se entregó al reintentar.\n") != std::string::npos);

  // The message: its failed attempt, then its delivery.
  REQUIRE(RunCli("investigate '<M1@ourorg.example>' " + logs + " --tz UTC", &out, &err) == 0);
  CHECK(out.find("-> info@partner.example  failed, theirs (greylisted)  451 4.7.1 ") !=
        std::string::npos);
  CHECK(out.find("      Delivered on retry at 06:10 in session 08DE5A3B1C2D0B02\n  2026-03-02 "
                 "06:10 +00:00  alice@ourorg.example -> info@partner.example  delivered") !=
        std::string::npos);

  // Another message to the same recipient later is not this one delivered.
  std::vector<std::string> other = SendSession("08DE5A3B1C2D0B04", 1500, "<M3@ourorg.example>",
                                               "carol@elsewhere.example",
                                               "451 4.7.1 Greylisted, please try again later");
  for (const std::string& row : SendSession("08DE5A3B1C2D0B05", 2100, "<M4@ourorg.example>",
                                            "carol@elsewhere.example", "250 2.1.5 Ok")) {
    other.push_back(row);
  }
  dir.Write("SmtpSend/SEND2026030206-2.LOG", Header() + Lines(other));
  REQUIRE(RunCli("investigate carol@elsewhere.example " + logs + " --format json", &out, &err) ==
          0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "remote");
  CHECK(j["failures"] == 1);
  CHECK(j["delivered_on_retry"] == 0);
  REQUIRE(j["occurrences"].size() == 1);
  CHECK(!j["occurrences"][0].contains("delivered_on_retry"));

  // In sample_logs, Exchange sends a greylisted message again 12 minutes later, and it goes
  // through.
  REQUIRE(RunCli("investigate info@fineartschool-partner.example sample_logs --tz UTC --format "
                 "json",
                 &out, &err) == 0);
  j = json::parse(out);
  CHECK(j["verdict"]["side"] == "healthy");
  CHECK(j["delivered_on_retry"] == 1);
  REQUIRE(j["occurrences"].size() == 1);
  CHECK(j["occurrences"][0]["reason"] == "greylisted");
  CHECK(j["occurrences"][0]["delivered_on_retry"]["session"] == "08DE6C57743183F9");
  // (the row of "250 2.6.0 <...> Queued mail for delivery")
  CHECK(j["occurrences"][0]["delivered_on_retry"]["ref"] ==
        "sample_logs/SmtpSend/SEND2026030207-1.LOG:379");
}

TEST_CASE("Investigate usage errors exit 2", "[investigate]") {
  std::string out, err;
  CHECK(RunCli("investigate", &out, &err) == 2);
  CHECK(RunCli("investigate example.com", &out, &err) == 2);
  CHECK(RunCli("investigate example.com sample_logs --format xml", &out, &err) == 2);
  // Words that can be no target at all, rather than a domain no log has.
  CHECK(RunCli("investigate 'not a target!' sample_logs", &out, &err) == 2);
  CHECK(err.find("'not a target!' is not a domain, an email address, a Message-ID, an IP "
                 "address or a session id") != std::string::npos);
  // An internationalised domain name is one.
  CHECK(RunCli("investigate 'b\xC3\xBC" "cher.example' sample_logs", &out, &err) == 0);
  // Nothing an investigation shows is broken down by server: not accepted, not listed.
  CHECK(RunCli("investigate example.com sample_logs --by-server", &out, &err) == 2);
  CHECK(RunCli("investigate --help", &out, &err) == 0);
  CHECK(out.find("--by-server") == std::string::npos);
  CHECK(RunCli("investigate example.com does/not/exist", &out, &err) == 3);
}

TEST_CASE("An address's messages are its own, not those of the session's other messages",
          "[investigate]") {
  std::string out, err;
  // hr@ourorg.example gets mail in sessions that also carry other senders' messages; one of
  // them, a relay attempt to user965@relay-target.example, was refused. That is not hr@'s.
  REQUIRE(RunCli("investigate hr@ourorg.example sample_logs --format json", &out, &err) == 0);
  json j = json::parse(out);
  CHECK(j["sessions"] == 10);
  CHECK(j["recipients"] == 10);  // one RCPT TO:<hr@ourorg.example> each
  CHECK(j["failures"] == 0);
  CHECK(j["verdict"]["side"] == "healthy");
  // A sender's own messages: not the other sender's message to us in the same session.
  REQUIRE(RunCli("investigate sales@proseware-supply.example sample_logs --format json", &out,
                 &err) == 0);
  j = json::parse(out);
  CHECK(j["recipients_by_direction"]["inbound"] == 1);
}

TEST_CASE("An account of ours that clients tried to log in as is found by its failed logins",
          "[investigate]") {
  std::string out, err;
  REQUIRE(RunCli("investigate postmaster@ourorg.example sample_logs --format json", &out, &err) ==
          0);
  json j = json::parse(out);
  CHECK(j["verdict"]["side"] == "refused");
  CHECK(j["sessions"] == 3);
  CHECK(j["failures"] == 3);
  REQUIRE(!j["failure_kinds"].empty());
  CHECK(j["failure_kinds"][0]["reason"] == "security_error");
  // An address of a domain the logs have, but not the address: the domain is no other name.
  REQUIRE(RunCli("investigate nobody-at-all@ourorg.example sample_logs", &out, &err) == 0);
  CHECK(out.find("name close to it: ourorg.example") == std::string::npos);
}
