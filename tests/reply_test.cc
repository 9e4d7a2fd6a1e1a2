// Tests for ParseReply (protocol-log data fields) and FindReply (noisy NDR text).
#include <string>

#include <catch2/catch.hpp>

#include "smtptriage/reply.h"

namespace smtptriage {
namespace {

struct ParseRow {
  const char* input;
  int code;
  const char* enhanced;
  bool continuation;
};

TEST_CASE("ParseReply reads the code, the enhanced code and continuation") {
  const ParseRow rows[] = {
      {"550 5.1.1 User unknown", 550, "5.1.1", false},
      {"250-SIZE 36700160", 250, "", true},
      {"550-5.7.26 Unauthenticated email", 550, "5.7.26", true},
      {"250 2.1.5Recipient OK", 250, "2.1.5", false},
      {"421 4.4.2 Connection dropped due to SocketError", 421, "4.4.2", false},
      {"550 5.1.351 Remote server returned unknown recipient", 550, "5.1.351", false},
      {"354 End data with <CR><LF>.<CR><LF>", 354, "", false},
      {"220 mx.example.com ESMTP", 220, "", false},
      {"250  HOST Hello [192.0.2.1] SIZE", 250, "", false},
      {"550 5.1.1234 odd", 550, "", false},
      {"Failed to connect. Winsock error code: 10060", 0, "", false},
      {"55", 0, "", false},
      {"5500 x", 0, "", false},
  };
  for (const ParseRow& row : rows) {
    INFO(row.input);
    Reply r = ParseReply(row.input);
    CHECK(r.code == row.code);
    CHECK(std::string(r.enhanced) == row.enhanced);
    CHECK(r.continuation == row.continuation);
  }
}

struct FindRow {
  const char* input;
  int code;
  const char* enhanced;
  const char* text_starts;
};

TEST_CASE("FindReply finds the reply inside the noise of an NDR") {
  const FindRow rows[] = {
      {"Remote Server returned '550 4.4.7 QUEUE.Expired; message expired'", 550, "4.4.7", "550 4.4.7"},
      {"smtp; 550 5.1.1 <a@example.org>: Recipient address rejected", 550, "5.1.1", "550 5.1.1"},
      {"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", 550, "5.1.1", "550 5.1.1"},
      {"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", 550, "5.1.1", "550"},
      {"4.4.1 connect to example.org[203.0.113.225]:25: Connection timed out", 0, "4.4.1", "4.4.1"},
      {"5.1.2 Sorry, I couldn't find any host named x. (#5.1.2)", 0, "5.1.2", "5.1.2"},
      {"550 #5.1.0 Address rejected.", 550, "5.1.0", "550"},
      {"550: : User unknown", 550, "", "550"},
      {"host 192.0.2.222 said: 554 5.7.1 blocked", 554, "5.7.1", "554 5.7.1"},
      {"Failed to connect. Winsock error code: 10060, Win32 error code: 10060.", 0, "", "Failed"},
      {"Your message was not delivered within 0 days and 1 hours.", 0, "", "Your"},
      {"IP 192.0.2.250 is listed", 0, "", "IP"},
      {"550-5.7.26 DMARC policy. Please contact", 550, "5.7.26", "550-5.7.26"},
      {"550 Unknown user, see (#5.1.1)", 550, "5.1.1", "550 Unknown"},
      {"x 2001:db8:250::1 y", 0, "", "x"},
  };
  for (const FindRow& row : rows) {
    INFO(row.input);
    Reply r = FindReply(row.input);
    CHECK(r.code == row.code);
    CHECK(std::string(r.enhanced) == row.enhanced);
    CHECK(std::string(r.text).rfind(row.text_starts, 0) == 0);
  }
}

TEST_CASE("FindReply prefers a code followed by an enhanced code") {
  Reply r = FindReply("421 dns.example.org busy; then 550 5.1.1 user unknown");
  CHECK(r.code == 550);
  CHECK(r.enhanced == "5.1.1");
}

}  // namespace
}  // namespace smtptriage
