// smtptriage-loggen: writes realistic Exchange SMTP protocol logs for a named scenario.
//
//   smtptriage-loggen --preset NAME --out DIR [--seed N] [--size 1G] [--start ISO] [--hours N]
//                     [--truth FILE.json]
//   smtptriage-loggen --list
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "smtptriage/exit_codes.h"
#include "smtptriage/loggen.h"

namespace {

using smtptriage::loggen::Result;
using smtptriage::loggen::Scenario;

constexpr const char* kUsage =
    "usage: smtptriage-loggen --preset NAME --out DIR [--seed N] [--size SIZE] [--start TIME]\n"
    "                         [--send-size SIZE] [--server NAME]\n"
    "                         [--hours N] [--truth FILE.json] [--tracking FIELDS]\n"
    "       smtptriage-loggen --list\n"
    "  --preset NAME   scenario to generate (see --list)\n"
    "  --out DIR       writes DIR/SmtpSend and DIR/SmtpReceive\n"
    "  --seed N        random seed (default 1); the same seed gives the same bytes\n"
    "  --server NAME   the server's name in its receive connector ids (default EX01)\n"
    "  --size SIZE     generate until this much log is written, e.g. 500M, 1G\n"
    "  --send-size SIZE\n"
    "                  the same, counting the Send logs only\n"
    "  --start TIME    move the scenario to start at TIME, e.g. 2026-03-02T06:00:00Z\n"
    "  --hours N       generate N hours from the start\n"
    "  --truth FILE    write the injected failures as JSON (the ground truth for tests)\n"
    "  --tracking N    also write DIR/MessageTracking in the N-column layout (21, 26, 27, 30),\n"
    "                  with mistyped domains, expiries and a resolver outage in the last hour\n";

bool ParseSize(const std::string& s, int64_t* out) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v <= 0) return false;
  double mult = 1;
  const std::string unit = end;
  if (unit == "K" || unit == "k" || unit == "KB")
    mult = 1 << 10;
  else if (unit == "M" || unit == "m" || unit == "MB")
    mult = 1 << 20;
  else if (unit == "G" || unit == "g" || unit == "GB")
    mult = 1 << 30;
  else if (!unit.empty())
    return false;
  *out = static_cast<int64_t>(v * mult);
  return true;
}

// Accepts yyyy-MM-ddTHH:mm[:ss][Z] (UTC).
bool ParseStart(const std::string& s, int64_t* out) {
  int y, mo, d, h, mi, sec = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) < 5) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  // days_from_civil (Howard Hinnant).
  y -= mo <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  *out = ((days * 24 + h) * 60 + mi) * 60000 + int64_t{sec} * 1000;
  return true;
}

void Shift(Scenario* sc, int64_t new_start) {
  const int64_t delta = new_start - sc->start_ms;
  sc->start_ms += delta;
  sc->end_ms += delta;
  for (auto& w : sc->faults) {
    w.start_ms += delta;
    w.end_ms += delta;
  }
}

bool WriteTruth(const std::string& path, const Scenario& sc, const Result& r) {
  nlohmann::json j;
  j["scenario"] = sc.name;
  j["seed"] = sc.seed;
  j["files"] = r.files;
  j["bytes"] = r.bytes;
  j["lines"] = r.lines;
  j["sessions"] = r.sessions;
  j["inbound_sessions"] = r.inbound_sessions;
  j["internal_sessions"] = r.internal_sessions;
  j["recipients"] = r.recipients;
  j["domains"] = r.domains;
  j["sessions_per_domain"] = r.sessions_per_domain;
  j["failures_per_fault"] = r.failures_per_fault;
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    failures.push_back({{"session_id", f.session_id},
                        {"domain", f.domain},
                        {"recipient", f.recipient},
                        {"fault", smtptriage::loggen::FaultName(f.fault)},
                        {"time_ms", f.time_ms},
                        {"inbound", f.inbound}});
  }
  j["failures"] = std::move(failures);
  std::ofstream out(path, std::ios::binary);
  out << j.dump(1) << '\n';
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset, out_dir, truth, size_arg, start_arg, hours_arg, tracking_arg, server;
  bool send_only = false;  // --send-size
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&](std::string* dst) {
      if (i + 1 >= argc) return false;
      *dst = argv[++i];
      return true;
    };
    std::string seed_arg;
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return smtptriage::kExitOk;
    } else if (arg == "--list") {
      for (const auto& name : smtptriage::loggen::PresetNames()) std::printf("%s\n", name.c_str());
      return smtptriage::kExitOk;
    } else if (arg == "--preset") {
      ok = value(&preset);
    } else if (arg == "--out") {
      ok = value(&out_dir);
    } else if (arg == "--truth") {
      ok = value(&truth);
    } else if (arg == "--size" || arg == "--send-size") {
      ok = size_arg.empty() && value(&size_arg);  // one or the other
      send_only = arg == "--send-size";
    } else if (arg == "--start") {
      ok = value(&start_arg);
    } else if (arg == "--server") {
      ok = value(&server) && !server.empty() && server.find_first_of(",\\\"") == std::string::npos;
    } else if (arg == "--hours") {
      ok = value(&hours_arg);
    } else if (arg == "--tracking") {
      ok = value(&tracking_arg) && (tracking_arg == "21" || tracking_arg == "26" ||
                                    tracking_arg == "27" || tracking_arg == "30");
    } else if (arg == "--seed") {
      ok = value(&seed_arg);
      char* end = nullptr;
      if (ok) seed = std::strtoull(seed_arg.c_str(), &end, 10);
      ok = ok && end != seed_arg.c_str() && *end == '\0';
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "smtptriage-loggen: bad argument '%s'\n%s", arg.c_str(), kUsage);
      return smtptriage::kExitUsage;
    }
  }
  Scenario sc;
  if (preset.empty() || out_dir.empty()) {
    std::fputs(kUsage, stderr);
    return smtptriage::kExitUsage;
  }
  if (!smtptriage::loggen::Preset(preset, seed, &sc)) {
    std::fprintf(stderr, "smtptriage-loggen: unknown preset '%s' (see --list)\n", preset.c_str());
    return smtptriage::kExitUsage;
  }
  if (!server.empty()) sc.server = server;
  if (!start_arg.empty()) {
    int64_t start = 0;
    if (!ParseStart(start_arg, &start)) {
      std::fprintf(stderr, "smtptriage-loggen: bad --start '%s'\n", start_arg.c_str());
      return smtptriage::kExitUsage;
    }
    Shift(&sc, start);
  }
  if (!hours_arg.empty()) {
    const double hours = std::strtod(hours_arg.c_str(), nullptr);
    if (hours <= 0) {
      std::fprintf(stderr, "smtptriage-loggen: bad --hours '%s'\n", hours_arg.c_str());
      return smtptriage::kExitUsage;
    }
    sc.end_ms = sc.start_ms + static_cast<int64_t>(hours * 3600000);
    if (size_arg.empty()) sc.target_bytes = 0;
  }
  if (!size_arg.empty() && !ParseSize(size_arg, &sc.target_bytes)) {
    std::fprintf(stderr, "smtptriage-loggen: bad --%s '%s'\n", send_only ? "send-size" : "size",
                 size_arg.c_str());
    return smtptriage::kExitUsage;
  }
  sc.target_send_only = send_only;
  if (!tracking_arg.empty()) {
    sc.tracking_logs = true;
    sc.tracking_fields = std::atoi(tracking_arg.c_str());
    sc.tracking_nonexistent_domains = 3;
    sc.tracking_expired = 2;
    sc.tracking_dns_outage_start_ms = std::max(sc.start_ms, sc.end_ms - 3600000);
    sc.tracking_dns_outage_end_ms = sc.tracking_dns_outage_start_ms + 20 * 60000;
    sc.tracking_dns_outage_messages = 5 * std::max(sc.domain_count, 8);
  }

  Result result;
  const auto t0 = std::chrono::steady_clock::now();
  const smtptriage::Status status = smtptriage::loggen::Generate(sc, out_dir, &result);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!status.ok()) {
    std::fprintf(stderr, "smtptriage-loggen: %s\n", status.message().c_str());
    return smtptriage::kExitNoInput;
  }
  const size_t shown = result.files.size() <= 40 ? result.files.size() : 10;
  for (size_t i = 0; i < shown; ++i) std::printf("%s\n", result.files[i].c_str());
  for (const std::string& f : result.tracking_files) std::printf("%s\n", f.c_str());
  if (shown < result.files.size()) {
    std::printf("... and %zu more files\n", result.files.size() - shown);
  }
  const double mb = result.bytes / 1048576.0;
  std::printf(
      "preset %s, seed %llu: %zu files, %.1f MB, %lld rows, %lld sessions "
      "(%lld inbound, %lld internal), %lld recipients, %zu injected failures\n",
      sc.name.c_str(), static_cast<unsigned long long>(sc.seed), result.files.size(), mb,
      static_cast<long long>(result.lines), static_cast<long long>(result.sessions),
      static_cast<long long>(result.inbound_sessions),
      static_cast<long long>(result.internal_sessions), static_cast<long long>(result.recipients),
      result.failures.size());
  for (const auto& [fault, n] : result.failures_per_fault) {
    std::printf("  %-22s %lld\n", fault.c_str(), static_cast<long long>(n));
  }
  std::printf("generated in %.2f s (%.0f MB/s)\n", secs, secs > 0 ? mb / secs : 0.0);
  if (!truth.empty() && !WriteTruth(truth, sc, result)) {
    std::fprintf(stderr, "smtptriage-loggen: %s: cannot write\n", truth.c_str());
    return smtptriage::kExitNoInput;
  }
  return smtptriage::kExitOk;
}
