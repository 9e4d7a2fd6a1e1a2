// Partner domains and the mail servers that answer for them: fictitious names under .example,
// addresses from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32), and the EHLO capabilities each kind of server announces.
#include <cmath>

#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

// Fictitious company names used in Microsoft documentation, and neutral suffixes.
const char* const kBases[] = {"contoso",
                              "fabrikam",
                              "northwind",
                              "adventure-works",
                              "tailspintoys",
                              "wingtiptoys",
                              "woodgrovebank",
                              "litwareinc",
                              "proseware",
                              "fourthcoffee",
                              "alpineskihouse",
                              "blueyonder",
                              "cohowinery",
                              "lucernepublishing",
                              "margiestravel",
                              "treyresearch",
                              "wideworldimporters",
                              "humongousinsurance",
                              "relecloud",
                              "southridgevideo",
                              "adatum",
                              "consolidatedmessenger",
                              "graphicdesigninstitute",
                              "lamnahealthcare",
                              "nodpublishers",
                              "tailwindtraders",
                              "vanarsdel",
                              "fineartschool",
                              "cpandl",
                              "firstupconsultants"};
const char* const kSuffixes[] = {"-partner", "",        "-logistics", "-group",
                                 "-gmbh",    "-supply", "-services",  "-labs"};

std::string Ipv4(std::string_view net, uint64_t h) {
  // .1 .. .250, never our own .25 in 198.51.100.0/24.
  uint64_t host = 1 + h % 250;
  if (net == "198.51.100" && host == 25) host = 26;
  std::string s(net);
  s += '.';
  AppendUint(&s, host);
  return s;
}

RemoteHost MakeHost(std::string name, std::string ip, bool ipv6) {
  RemoteHost h;
  h.name = std::move(name);
  h.ip = std::move(ip);
  h.ipv6 = ipv6;
  h.endpoint = ipv6 ? "[" + h.ip + "]:25" : h.ip + ":25";
  return h;
}

// "AM6PR04MB5678.eurprd04.prod.outlook.com"-style front door names of Exchange Online.
std::string ExoServerName(uint64_t h) {
  static const char* const kRegions[][2] = {
      {"AM", "eurprd"}, {"DB", "eurprd"}, {"VI", "eurprd"}, {"BN", "namprd"}, {"CH", "namprd"}};
  const auto& r = kRegions[h % 5];
  const int shard = static_cast<int>(h / 5 % 9) + 1;
  std::string s = r[0];
  AppendUint(&s, 1 + h / 45 % 9);
  s += "PR0";
  AppendUint(&s, shard);
  s += "MB";
  AppendPadded(&s, h / 405 % 10000, 4);
  s += '.';
  s += r[1];
  s += '0';
  AppendUint(&s, shard);
  s += ".prod.outlook.com";
  return s;
}

}  // namespace

std::vector<std::string> MakeDomainNames(int count, uint64_t seed) {
  std::vector<std::string> all;
  for (const char* suffix : kSuffixes) {
    for (const char* base : kBases) all.push_back(std::string(base) + suffix + ".example");
  }
  Rng rng(seed ^ 0xD0A1D0A1ull);
  for (size_t i = all.size() - 1; i > 0; --i) std::swap(all[i], all[rng.Below(i + 1)]);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    const size_t n = all.size();
    std::string name = all[static_cast<size_t>(i) % n];
    if (static_cast<size_t>(i) >= n) {
      name.insert(name.size() - 8, std::to_string(i / n + 1));  // before ".example"
    }
    out.push_back(std::move(name));
  }
  return out;
}

Software SoftwareFor(const std::string& domain, uint64_t seed) {
  if (domain == "gmail.com" || domain == "googlemail.com") return Software::kGmail;
  if (domain == "outlook.com" || domain == "hotmail.com") return Software::kExchangeOnline;
  if (domain == "yahoo.com") return Software::kYahoo;
  const uint64_t r = Hash64(domain, seed ^ 0x50F7ull) % 100;
  if (r < 42) return Software::kPostfix;
  if (r < 72) return Software::kExchangeOnline;
  if (r < 84) return Software::kExim;
  return Software::kExchangeOnPrem;
}

DomainProfile MakeProfile(const std::string& domain, int rank, const Scenario& sc) {
  DomainProfile p;
  p.domain = domain;
  p.software = SoftwareFor(domain, sc.seed);
  const uint64_t h = Hash64(domain, sc.seed);
  p.collapsed = sc.mixed_ehlo ? ((h >> 8) & 1) != 0 : sc.collapsed_ehlo;
  p.connector = "Internet Send Connector";
  p.weight = 1.0 / std::pow(rank + 1.0, 0.85);
  const bool two_mx = (h >> 12) % 10 < 6;
  switch (p.software) {
    case Software::kPostfix:
      p.mx.push_back(MakeHost("mx1." + domain, Ipv4("203.0.113", h >> 16), false));
      if (two_mx) p.mx.push_back(MakeHost("mx2." + domain, Ipv4("198.51.100", h >> 24), false));
      p.chunking = ((h >> 32) & 1) != 0;
      break;
    case Software::kExchangeOnline:
      p.mx.push_back(MakeHost(ExoServerName(h >> 20), Ipv4("203.0.113", h >> 16), false));
      if (((h >> 40) & 3) == 0) p.connector = "Outbound to Office 365";
      p.chunking = true;
      break;
    case Software::kExim:
      p.mx.push_back(MakeHost("mail." + domain, Ipv4("198.51.100", h >> 16), false));
      if (two_mx) p.mx.push_back(MakeHost("mx-backup." + domain, Ipv4("192.0.2", h >> 24), false));
      p.chunking = false;
      break;
    case Software::kExchangeOnPrem:
      p.mx.push_back(MakeHost("mail." + domain, Ipv4("192.0.2", h >> 16), false));
      p.chunking = true;
      break;
    case Software::kGmail:
      // Gmail is reached over IPv6 when the sender has it; the log shows .NET's [addr]:port.
      p.mx.push_back(MakeHost("mx.google.com", "2001:db8:4860:4864::1b", true));
      p.mx.push_back(MakeHost("mx.google.com", "2001:db8:4860:4c13::1a", true));
      p.chunking = true;
      break;
    case Software::kYahoo:
      p.mx.push_back(MakeHost("mta7.am0.yahoodns.net", Ipv4("203.0.113", h >> 16), false));
      p.chunking = false;
      break;
  }
  return p;
}

}  // namespace smtptriage::loggen::internal
