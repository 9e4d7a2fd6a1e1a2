// An investigation's verdict in words, English and Spanish side by side: the side it takes
// (the mail we sent decides; what was delivered on retry and what our server refused of mail
// to us are said apart), each sentence built once in both languages.
#include <algorithm>
#include <string>
#include <vector>

#include "investigation_words.h"

namespace smtptriage::investigation_words {
namespace {

// Both languages of one piece of the sentence.
LocalizedText operator+(LocalizedText a, const LocalizedText& b) {
  a.en += b.en;
  a.es += b.es;
  return a;
}

LocalizedText Same(const std::string& s) { return {s, s}; }

// "1 of 3 failures points", "2 of 3 failures point"; "1 de 3 fallos apunta", "... apuntan".
LocalizedText OfFailures(int64_t k, int64_t n) {
  const std::string of = std::to_string(k) + " of " + std::to_string(n);
  return {of + (k == 1 ? " failures points" : " failures point"),
          std::to_string(k) + " de " + std::to_string(n) +
              (k == 1 ? " fallos apunta" : " fallos apuntan")};
}

// What several failures whose messages were delivered on retry were, after the words naming
// them ("All 3 failures", "2 other failures").
const LocalizedText kTemporary{" were temporary: their messages were delivered on retry.",
                               " fueron temporales: sus mensajes se entregaron al reintentar."};

// What our own server refused of mail sent to us: by policy (a relay attempt, spam, a failed
// login), or for a fault of its own (back pressure, say: ours to fix), named by its reasons as
// the scan names them.
LocalizedText Refusals(const InvestigationResult& r) {
  const int64_t ours_in = r.inbound_ours, policy = r.inbound_failures - ours_in;
  std::vector<Reason> seen;
  std::string reasons;
  for (const InvestigatedFailure& k : r.failure_kinds) {
    if (!k.inbound || k.group.side != Side::kLocal) continue;
    if (std::find(seen.begin(), seen.end(), k.group.reason) != seen.end()) continue;
    seen.push_back(k.group.reason);
    reasons += (reasons.empty() ? "" : ", ") + std::string(ToString(k.group.reason));
  }
  const std::string n = std::to_string(r.inbound_failures);
  const bool one = r.inbound_failures == 1;
  LocalizedText s = {n + (one ? " refusal" : " refusals") + " by our own server of mail sent to us",
                     n + (one ? " rechazo" : " rechazos") +
                         " de nuestro propio servidor al correo que nos enviaron"};
  if (ours_in == 0) return s + LocalizedText{" (our own policy, below).",
                                             " (nuestra propia política, abajo)."};
  if (policy == 0) {
    return s + LocalizedText{" (below), for a fault of its own (" + reasons + ": ours).",
                             " (abajo), por un fallo propio (" + reasons + ": nuestro)."};
  }
  return s + LocalizedText{" (below): " + std::to_string(ours_in) +
                               " for a fault of its own (" + reasons + ": ours), " +
                               std::to_string(policy) + " by our own policy.",
                           " (abajo): " + std::to_string(ours_in) +
                               " por un fallo propio (" + reasons + ": nuestro), " +
                               std::to_string(policy) + " por nuestra propia política."};
}

LocalizedText NotFound(const InvestigationResult& r, bool period_asked) {
  LocalizedText s =
      period_asked
          ? LocalizedText{"No session in the period asked for involves the target.",
                          "Ninguna sesión del periodo pedido tiene que ver con el objetivo."}
          : LocalizedText{"No session in the logs involves the target.",
                          "Ninguna sesión de los registros tiene que ver con el objetivo."};
  if (r.close_names.empty()) return s;
  std::string names;
  for (size_t i = 0; i < r.close_names.size(); ++i) names += (i ? ", " : "") + r.close_names[i];
  return s + LocalizedText{" Domains in the logs with a name close to it: ",
                           " Dominios de los registros con un nombre parecido: "} +
         Same(names + ".");
}

}  // namespace

void SayVerdict(double local_share, bool period_asked, InvestigationResult* r) {
  // The verdict weighs the mail we sent; what our server refused is said apart.
  const int64_t sent = r->failures - r->inbound_failures;
  if (sent == 0 && r->inbound_failures > 0) {
    r->verdict = "refused";
    r->verdict_summary = LocalizedText{"No failure of mail we sent; ",
                                       "Ningún fallo del correo que enviamos; "} +
                         Refusals(*r);
    return;
  }
  if (!r->found()) {
    r->verdict = "not_found";
    r->verdict_summary = NotFound(*r, period_asked);
    return;
  }
  if (sent == 0) {
    r->verdict = "healthy";
    r->verdict_summary = {"No failures for the target.", "No hay fallos para el objetivo."};
    return;
  }
  // What was delivered on retry is said apart; the side is that of the rest.
  const int64_t retried = r->delivered_on_retry;
  const int64_t left = sent - retried;
  const int64_t ours = r->local_failures - r->delivered_on_retry_local;
  LocalizedText& s = r->verdict_summary;
  if (left == 0) {
    r->verdict = "healthy";
    s = sent == 1
            ? LocalizedText{"The one failure was temporary: the message was delivered on retry.",
                            "El único fallo fue temporal: el mensaje se entregó al reintentar."}
            : LocalizedText{sent == 2 ? "Both failures"
                                      : "All " + std::to_string(sent) + " failures",
                            "Los " + std::to_string(sent) + " fallos"} + kTemporary;
  } else if (left == 1) {  // not "1 of 1 failures point to ..."
    r->verdict = ours == 1 ? "local" : "remote";
    s = ours == 1 ? LocalizedText{"The one failure points to our side.",
                                  "El único fallo apunta a nuestro lado."}
                  : LocalizedText{"The one failure points to the remote side.",
                                  "El único fallo apunta al lado remoto."};
  } else if (static_cast<double>(ours) / left >= local_share) {
    r->verdict = "local";
    s = OfFailures(ours, left) + LocalizedText{" to our side.", " a nuestro lado."};
  } else if (static_cast<double>(left - ours) / left >= local_share) {
    r->verdict = "remote";
    s = OfFailures(left - ours, left) + LocalizedText{" to the remote side.", " al lado remoto."};
  } else {
    r->verdict = "mixed";
    s = OfFailures(ours, left) + LocalizedText{" to our side, the rest to the remote side.",
                                               " a nuestro lado; el resto, al lado remoto."};
  }
  if (left > 0 && retried > 0) {
    s = s + (retried == 1
                 ? LocalizedText{" Another failure was temporary: its message was delivered on "
                                 "retry.",
                                 " Otro fallo fue temporal: su mensaje se entregó al reintentar."}
                 : LocalizedText{" " + std::to_string(retried) + " other failures",
                                 " Otros " + std::to_string(retried) + " fallos"} +
                       kTemporary);
  }
  if (r->inbound_failures > 0) s = s + LocalizedText{" Also ", " Además, "} + Refusals(*r);
}

}  // namespace smtptriage::investigation_words
