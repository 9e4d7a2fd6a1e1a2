#include "incident_servers.h"

#include <algorithm>
#include <array>

namespace smtptriage {

// Which servers show an incident: those on which, in some bucket of the incident, at least
// min_domains outbound domains (or half of the server's active ones, when it had min_domains)
// failed with the family's failures as the model counts them. Every server active during the
// incident having it makes it organisation-wide; otherwise it is those servers' own.
void IncidentServers(const IncidentInput& in, Incident* inc) {
  if (in.servers == nullptr || in.servers->empty()) return;
  const std::vector<std::string>& names = *in.servers;
  if (in.server_buckets == nullptr || names.size() < 2) {
    inc->servers = names;
    inc->scope = "organisation";
    return;
  }
  const AggregatorOptions& opt = *in.options;
  const size_t n = names.size();
  std::vector<bool> active(n, false), hit(n, false);
  for (auto it = in.server_buckets->lower_bound(inc->start);
       it != in.server_buckets->end() && it->first < inc->end; ++it) {
    std::vector<int64_t> affected(n, 0), act(n, 0);
    for (const auto& [key, cell] : it->second) {
      size_t d = BucketCell::DomainOfKey(key);
      uint32_t k = BucketCell::ServerOfKey(key);
      if (k >= n || d >= in.domains.size()) continue;
      if (in.domains[d].report->direction != Direction::kOutbound) continue;
      ++act[k];
      bool aff = false;
      std::array<int, kReasonCount> failed{};
      for (const auto& [slot, sessions] : cell.failed) {
        Reason r = BucketCell::ReasonOf(slot);
        if (FamilyOf(r) != inc->family) continue;
        aff |= BucketCell::IsLocal(slot);
        failed[static_cast<int>(r)] += sessions;
      }
      for (int r = 0; r < kReasonCount; ++r) aff |= failed[r] > 0 && 2 * failed[r] >= cell.attempts;
      if (aff) ++affected[k];
    }
    for (size_t k = 0; k < n; ++k) {
      if (act[k] > 0) active[k] = true;
      if (affected[k] >= opt.min_domains ||
          (act[k] >= opt.min_domains && 2 * affected[k] >= act[k] && affected[k] > 0)) {
        hit[k] = true;
      }
    }
  }
  inc->servers.clear();
  bool every = true;
  for (size_t k = 0; k < n; ++k) {
    if (hit[k]) inc->servers.push_back(names[k]);
    if (active[k] && !hit[k]) every = false;
  }
  if (inc->servers.empty()) {
    // Seen only over the whole organisation's traffic (no server reached the threshold alone).
    for (size_t k = 0; k < n; ++k) {
      if (active[k]) inc->servers.push_back(names[k]);
    }
    every = true;
  }
  std::sort(inc->servers.begin(), inc->servers.end());
  inc->scope = every ? "organisation" : "server";
}

std::string JoinNames(const std::vector<std::string>& names, const char* last_sep) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? last_sep : ", ") + names[i];
  }
  return out;
}

// The sentence on servers that ends an incident's summary in a run over two or more servers.
LocalizedText ServersSentence(const IncidentInput& in, const Incident& inc) {
  if (in.servers == nullptr || in.servers->size() < 2 || inc.servers.empty()) return {};
  if (inc.scope == "organisation") {
    return {" On every server sending then (" + JoinNames(inc.servers, " and ") +
                "): organisation-wide.",
            " En todos los servidores que enviaban entonces (" + JoinNames(inc.servers, " y ") +
                "): afecta a toda la organización."};
  }
  std::vector<std::string> others;
  for (const std::string& s : *in.servers) {
    if (std::find(inc.servers.begin(), inc.servers.end(), s) == inc.servers.end()) {
      others.push_back(s);
    }
  }
  std::sort(others.begin(), others.end());
  std::string these_en = JoinNames(inc.servers, " and "), these_es = JoinNames(inc.servers, " y ");
  bool one = inc.servers.size() == 1;
  return {" Only on " + these_en + "; " + JoinNames(others, " and ") +
              (others.size() == 1 ? " does" : " do") +
              " not have it: check " + these_en + " first (" + (one ? "its" : "their") +
              " outbound IP, connectors and DNS).",
          " Solo en " + these_es + "; " + JoinNames(others, " y ") +
              (others.size() == 1 ? " no lo tiene" : " no lo tienen") +
              ": revise primero " + these_es + " (" + (one ? "su" : "sus") +
              " IP de salida, conectores y DNS)."};
}

}  // namespace smtptriage
