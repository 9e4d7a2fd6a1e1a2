// The verdicts' words: a domain's, from its failures on each side, and the report's, from the
// incidents and the domains; in English and Spanish. Internal to the incident model.
#include "incident_verdicts.h"

#include <algorithm>
#include <set>

#include "incident_servers.h"

namespace smtptriage {
namespace {

// The three main reasons with their counts, and how many more there are, so that the counts
// named add up to the number said.
std::string MainReasons(const ReasonCounts& m, bool es) {
  std::vector<std::pair<int64_t, std::string>> v;
  for (const auto& [r, n] : m) v.push_back({-n, r});
  std::sort(v.begin(), v.end());
  std::string out;
  int64_t rest = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i < 3) {
      out += (i ? ", " : "") + v[i].second + " (" + std::to_string(-v[i].first) + ")";
    } else {
      rest -= v[i].first;
    }
  }
  if (rest > 0) out += (es ? " y " : " and ") + std::to_string(rest) + (es ? " más" : " more");
  return out;
}

// The failures that went the other way than the verdict, named too: the headline lists a
// domain of theirs that also refused us for a reason of ours, and the two must agree.
LocalizedText OtherFailures(int64_t count, const ReasonCounts& reasons, bool ours) {
  if (count == 0) return LocalizedText{};
  const std::string c = std::to_string(count), why = MainReasons(reasons, false) + ".",
                    why_es = MainReasons(reasons, true) + ".";
  if (count == 1) {
    return LocalizedText{
        std::string(" The other one points to ") + (ours ? "our side: " : "the remote side: ") +
            why,
        std::string(" El otro apunta ") + (ours ? "a nuestro lado: " : "al lado remoto: ") +
            why_es};
  }
  return LocalizedText{
      " The other " + c + " point to " + (ours ? "our side: " : "the remote side: ") + why,
      " Los otros " + c + " apuntan " + (ours ? "a nuestro lado: " : "al lado remoto: ") +
          why_es};
}

// (failures on one side, "domain: reason (n)"), to be listed most first.
using DomainLines = std::vector<std::pair<int64_t, std::string>>;

// The first `max` lines, most failures first, and how many more there are.
std::string JoinMost(DomainLines list, size_t max, bool es) {
  std::sort(list.begin(), list.end());
  std::string out;
  for (size_t i = 0; i < list.size() && i < max; ++i) out += (i ? "; " : "") + list[i].second;
  if (list.size() > max) {
    out += (es ? "; y " : "; and ") + std::to_string(list.size() - max) + (es ? " más" : " more");
  }
  return out;
}

// The two main reasons of one side of a domain, with their counts.
std::string TwoMainReasons(const ReasonCounts& by) {
  std::vector<std::pair<int64_t, std::string>> v;
  for (const auto& [r, n] : by) v.push_back({-n, r});
  std::sort(v.begin(), v.end());
  std::string out;
  for (size_t i = 0; i < v.size() && i < 2; ++i) {
    out += (i ? ", " : "") + v[i].second + " (" + std::to_string(-v[i].first) + ")";
  }
  return out;
}

}  // namespace

// A domain's verdict from its failures on each side.
void SayDomainVerdict(const AggregatorOptions& opt, int64_t local, int64_t total,
                      const ReasonCounts& local_reasons, const ReasonCounts& remote_reasons,
                      DomainReport* dr) {
  if (total == 0) {
    dr->verdict = "healthy";
    dr->verdict_summary = {"No failures.", "Sin fallos."};
    return;
  }
  if (dr->direction == Direction::kInbound) {
    // What our own server refused of mail sent to us: our policy, neither side's failure.
    ReasonCounts all = local_reasons;
    for (const auto& [r, k] : remote_reasons) all[r] += k;
    dr->verdict = "refused";
    dr->verdict_summary = {"Refused by our own server (mail sent to us, our own policy): " +
                               MainReasons(all, false) + ".",
                           "Rechazado por nuestro propio servidor (correo que nos enviaron, "
                           "nuestra propia política): " +
                               MainReasons(all, true) + "."};
    return;
  }
  double share = static_cast<double>(local) / total;
  const std::string n = std::to_string(total);
  // "1 of 3 failures points", "1 de 3 fallos apunta".
  auto point = [](int64_t k) { return k == 1 ? " points" : " point"; };
  auto apunta = [](int64_t k) { return k == 1 ? " apunta" : " apuntan"; };
  if (total == 1) {  // not "1 of 1 failures point to ..."
    const bool ours = local == 1;
    dr->verdict = ours ? "local" : "remote";
    const std::string why = MainReasons(ours ? local_reasons : remote_reasons, false) + ".";
    dr->verdict_summary = {
        std::string("The one failure points to ") + (ours ? "our side: " : "the remote side: ") +
            why,
        std::string("El único fallo apunta ") + (ours ? "a nuestro lado: " : "al lado remoto: ") +
            why};
  } else if (share >= opt.local_share) {
    dr->verdict = "local";
    LocalizedText rest = OtherFailures(total - local, remote_reasons, false);
    dr->verdict_summary = {std::to_string(local) + " of " + n + " failures" + point(local) +
                               " to our side: " + MainReasons(local_reasons, false) + "." +
                               rest.en,
                           std::to_string(local) + " de " + n + " fallos" + apunta(local) +
                               " a nuestro lado: " + MainReasons(local_reasons, true) + "." +
                               rest.es};
  } else if (1 - share >= opt.local_share) {
    dr->verdict = "remote";
    std::string r = std::to_string(total - local);
    LocalizedText rest = OtherFailures(local, local_reasons, true);
    dr->verdict_summary = {r + " of " + n + " failures" + point(total - local) +
                               " to the remote side: " + MainReasons(remote_reasons, false) + "." +
                               rest.en,
                           r + " de " + n + " fallos" + apunta(total - local) +
                               " al lado remoto: " + MainReasons(remote_reasons, true) + "." +
                               rest.es};
  } else {
    dr->verdict = "mixed";
    std::string l = std::to_string(local), r = std::to_string(total - local);
    dr->verdict_summary = {"Mixed: " + l + " of " + n + " failures" + point(local) +
                               " to our side (" + MainReasons(local_reasons, false) + "), " + r +
                               " to the remote side (" + MainReasons(remote_reasons, false) +
                               ").",
                           "Mixto: " + l + " de " + n + " fallos" + apunta(local) +
                               " a nuestro lado (" + MainReasons(local_reasons, true) + "), " +
                               r + " al lado remoto (" + MainReasons(remote_reasons, true) + ")."};
  }
}

// The report's verdict: the main local incident, else the domains that name our side, else the
// hops between our servers, else the receivers' own failures.
void SayReportVerdict(const IncidentInput& in, Report* report) {
  Verdict& v = report->verdict;
  int64_t failures = 0, remote_failures = 0, domains_failing = 0, internal_failures = 0;
  std::string first_internal;
  DomainLines local_list, remote_list;
  // Mail to us that our own server refused for a fault of its own (back pressure: short of disk
  // or memory), not by policy: ours to fix, whatever became of our mail.
  ReasonCounts refused_for_us;
  std::set<std::string> refusing;  // which of our servers, when the run has several
  for (const IncidentDomain& d : in.domains) {
    const DomainReport& dr = *d.report;
    if (dr.direction == Direction::kInbound) {
      for (const FailureGroup& g : dr.failures) {
        if (g.side != Side::kLocal) continue;
        refused_for_us[std::string(ToString(g.reason))] += g.count;
        auto it = d.group_buckets->find(FailureGroupKey(g));
        if (it == d.group_buckets->end() || in.servers == nullptr || in.servers->size() < 2) {
          continue;
        }
        for (const auto& [at, n] : it->second) {
          if (at.second < in.servers->size()) refusing.insert((*in.servers)[at.second]);
        }
      }
    }
    if (dr.direction == Direction::kInternal && dr.failures_total() > 0) {
      if (internal_failures == 0) first_internal = dr.domain;
      internal_failures += dr.failures_total();
    }
    if (dr.direction != Direction::kOutbound || dr.failures_total() == 0) continue;
    ++domains_failing;
    failures += dr.failures_total();
    // Per side: failures by reason, to name them in the summaries.
    ReasonCounts local_by, remote_by;
    int64_t local = 0, remote = 0;
    bool names_us = false;  // a rule whose text names our configuration
    for (const FailureGroup& g : dr.failures) {
      local += g.local_count;
      remote += g.count - g.local_count;
      if (g.local_count > 0) local_by[std::string(ToString(g.reason))] += g.local_count;
      if (g.count > g.local_count)
        remote_by[std::string(ToString(g.reason))] += g.count - g.local_count;
      names_us |= g.side == Side::kLocal;
    }
    remote_failures += remote;
    // Any receiver that names our configuration is worth a line in the verdict, even when the
    // rest of that domain's failures are theirs.
    if (local > 0 && (dr.verdict == "local" || names_us)) {
      local_list.push_back({-local, dr.domain + ": " + TwoMainReasons(local_by)});
    }
    if (remote > 0) remote_list.push_back({-remote, dr.domain + ": " + TwoMainReasons(remote_by)});
  }
  if (!remote_list.empty()) {
    std::string n = std::to_string(remote_failures);
    const bool one = remote_failures == 1;
    v.remote_summary = {n + (one ? " failure points" : " failures point") +
                            " to the receiving side, each isolated: " +
                            JoinMost(remote_list, 3, false) + ".",
                        n + (one ? " fallo apunta" : " fallos apuntan") +
                            " al lado receptor, cada uno aislado: " +
                            JoinMost(remote_list, 3, true) + "."};
  }
  if (!report->incidents.empty()) {
    const Incident* main = &report->incidents.front();
    for (const Incident& inc : report->incidents) {
      if (inc.open && !main->open) main = &inc;
      else if (inc.open == main->open && inc.failures > main->failures) main = &inc;
    }
    v.side = "local";
    v.summary = main->summary;
    if (report->incidents.size() > 1) {
      std::string k = std::to_string(report->incidents.size());
      v.summary.en += " (" + k + " local incidents in all.)";
      v.summary.es += " (" + k + " incidentes locales en total.)";
    }
  } else if (!local_list.empty()) {
    v.side = "local";
    std::string k = std::to_string(local_list.size());
    bool one = local_list.size() == 1;
    v.summary = {k + (one ? " domain" : " domains") + " refused mail for reasons on our side: " +
                     JoinMost(local_list, 4, false) + ".",
                 k + (one ? " dominio rechazó" : " dominios rechazaron") +
                     " correo por motivos de nuestro lado: " + JoinMost(local_list, 4, true) +
                     "."};
  } else if (internal_failures > 0) {
    v.side = "local";
    std::string k = std::to_string(internal_failures);
    v.summary = {k + " failures on hops between our own servers (e.g. " + first_internal +
                     "); outbound delivery shows no local problem.",
                 k + " fallos en saltos entre nuestros propios servidores (p. ej. " +
                     first_internal + "); la entrega de salida no muestra problemas locales."};
  } else if (failures > 0) {
    v.side = "remote";
    std::string f = std::to_string(failures), d = std::to_string(domains_failing);
    const bool one_failure = failures == 1, one_domain = domains_failing == 1;
    v.summary = {f + (one_failure ? " failure to " : " failures to ") + d +
                     (one_domain ? " domain" : " domains") +
                     ", each isolated and pointing to the receiving side; no local incident. "
                     "Most: " + JoinMost(remote_list, 3, false) + ".",
                 f + (one_failure ? " fallo hacia " : " fallos hacia ") + d +
                     (one_domain ? " dominio" : " dominios") +
                     ", todos aislados y apuntando al lado receptor; ningún incidente local. "
                     "Los principales: " + JoinMost(remote_list, 3, true) + "."};
  } else {
    v.side = "none";
    v.summary = {"No outbound delivery failures in the period.",
                 "Ningún fallo de entrega de salida en el periodo."};
  }
  if (!refused_for_us.empty()) {
    // "our own server refused", or by name when the run has several: "EX01 and EX03 refused".
    std::vector<std::string> names(refusing.begin(), refusing.end());
    const std::string who_en = names.empty() ? "our own server" : JoinNames(names, " and "),
                      who_es = names.empty() ? "nuestro propio servidor" : JoinNames(names, " y ");
    const char* rechazo = names.size() > 1 ? " rechazaron" : " rechazó";
    const LocalizedText what = {
        " refused mail sent to us for reasons on our side: " +
            MainReasons(refused_for_us, false) + ".",
        std::string(rechazo) + " correo que nos enviaron por motivos de nuestro lado: " +
            MainReasons(refused_for_us, true) + "."};
    auto capital = [](std::string text) {
      if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = text[0] - 'a' + 'A';
      return text;
    };
    if (v.side == "local") {
      v.summary.en += " Also, " + who_en + what.en;
      v.summary.es += " Además, " + who_es + what.es;
    } else {
      // Our mail's failures, all on their side, are said after it ("Also THEIRS"); none at all,
      // in the same sentence.
      const LocalizedText after = v.side == "none" ? LocalizedText{" " + v.summary.en,
                                                                   " " + v.summary.es}
                                                   : LocalizedText{};
      v.side = "local";
      v.summary = {capital(who_en) + what.en + after.en, capital(who_es) + what.es + after.es};
    }
  }
}

}  // namespace smtptriage
