// An investigation's verdict in words, English and Spanish side by side: the side it takes
// (the mail we sent decides; what was delivered on retry and what our server refused of mail
// to us are said apart), and the Spanish of that same sentence for the text report.
#include "investigation_words.h"

namespace smtptriage::investigation_words {
namespace {

// "1 of 3 failures points", "2 of 3 failures point".
const char* Point(int64_t k) { return k == 1 ? " points" : " point"; }

}  // namespace

void SayVerdict(double local_share, bool period_asked, InvestigationResult* r) {
  // The verdict weighs the mail we sent; what our server refused is said apart.
  const int64_t sent = r->failures - r->inbound_failures;
  // By policy (a relay attempt, spam, a failed login), or for a fault of its own (back
  // pressure: ours to fix).
  const int64_t ours_in = r->inbound_ours, policy = r->inbound_failures - ours_in;
  const std::string refusals =
      std::to_string(r->inbound_failures) + (r->inbound_failures == 1 ? " refusal" : " refusals") +
      " by our own server of mail sent to us" +
      (ours_in == 0  ? " (our own policy, below)."
       : policy == 0 ? " (for a fault of its own, back pressure: ours, below)."
                     : " (below): " + std::to_string(ours_in) +
                           " for a fault of its own (back pressure: ours), " +
                           std::to_string(policy) + " by our own policy.");
  if (sent == 0 && r->inbound_failures > 0) {
    r->verdict = "refused";
    r->verdict_summary = "No failure of mail we sent; " + refusals;
  } else if (r->sessions == 0) {
    r->verdict = "not_found";
    r->verdict_summary = period_asked ? "No session in the period asked for involves the target."
                                      : "No session in the logs involves the target.";
    if (!r->close_names.empty()) {
      r->verdict_summary += " Domains in the logs with a name close to it: ";
      for (size_t i = 0; i < r->close_names.size(); ++i) {
        r->verdict_summary += (i ? ", " : "") + r->close_names[i];
      }
      r->verdict_summary += ".";
    }
  } else if (sent == 0) {
    r->verdict = "healthy";
    r->verdict_summary = "No failures for the target.";
  } else {
    // What was delivered on retry is said apart; the side is that of the rest.
    const int64_t retried = r->delivered_on_retry;
    const int64_t left = sent - retried;
    const int64_t ours = r->local_failures - r->delivered_on_retry_local;
    const std::string n = std::to_string(left);
    if (left == 0) {
      r->verdict = "healthy";
      r->verdict_summary =
          sent == 1 ? "The one failure was temporary: the message was delivered on retry."
                    : "All " + std::to_string(sent) +
                          " failures were temporary: their messages were delivered on retry.";
    } else if (left == 1) {  // not "1 of 1 failures point to ..."
      r->verdict = ours == 1 ? "local" : "remote";
      r->verdict_summary = ours == 1 ? "The one failure points to our side."
                                          : "The one failure points to the remote side.";
    } else if (static_cast<double>(ours) / left >= local_share) {
      r->verdict = "local";
      r->verdict_summary =
          std::to_string(ours) + " of " + n + " failures" + Point(ours) + " to our side.";
    } else if (static_cast<double>(left - ours) / left >= local_share) {
      r->verdict = "remote";
      r->verdict_summary = std::to_string(left - ours) + " of " + n + " failures" +
                                Point(left - ours) + " to the remote side.";
    } else {
      r->verdict = "mixed";
      r->verdict_summary = std::to_string(ours) + " of " + n + " failures" + Point(ours) +
                                " to our side, the rest to the remote side.";
    }
    if (left > 0 && retried > 0) {
      r->verdict_summary +=
          retried == 1 ? " Another failure was temporary: its message was delivered on retry."
                       : " " + std::to_string(retried) +
                             " other failures were temporary: their messages were delivered on "
                             "retry.";
    }
    if (r->inbound_failures > 0) r->verdict_summary += " Also " + refusals;
  }
}

// The verdict's sentence in Spanish (the result carries the English one, which JSON keeps).
std::string VerdictSummaryEs(const InvestigationResult& r) {
  // As Finish weighs them: what was delivered on retry is said apart.
  const int64_t retried = r.delivered_on_retry;
  const int64_t sent = r.failures - r.inbound_failures - retried;
  const int64_t ours = r.local_failures - r.delivered_on_retry_local, theirs = sent - ours;
  const int64_t ours_in = r.inbound_ours, policy = r.inbound_failures - ours_in;
  const std::string refusals =
      std::to_string(r.inbound_failures) + (r.inbound_failures == 1 ? " rechazo" : " rechazos") +
      " de nuestro propio servidor al correo que nos enviaron" +
      (ours_in == 0  ? " (nuestra propia política, abajo)."
       : policy == 0 ? " (por un fallo propio, falta de recursos: nuestro, abajo)."
                     : " (abajo): " + std::to_string(ours_in) +
                           " por un fallo propio (falta de recursos: nuestro), " +
                           std::to_string(policy) + " por nuestra propia política.");
  if (r.verdict == "refused") return "Ningún fallo del correo que enviamos; " + refusals;
  const std::string also = r.inbound_failures > 0 ? " Además, " + refusals : "";
  if (retried > 0 && sent == 0) {
    return (retried == 1 ? "El único fallo fue temporal: el mensaje se entregó al reintentar."
                         : "Los " + std::to_string(retried) +
                               " fallos fueron temporales: sus mensajes se entregaron al "
                               "reintentar.") +
           also;
  }
  const std::string retry =
      retried == 0   ? ""
      : retried == 1 ? " Otro fallo fue temporal: su mensaje se entregó al reintentar."
                     : " Otros " + std::to_string(retried) +
                           " fallos fueron temporales: sus mensajes se entregaron al reintentar.";
  if (sent == 1) {
    return (ours == 1 ? "El único fallo apunta a nuestro lado."
                      : "El único fallo apunta al lado remoto.") +
           retry + also;
  }
  // "1 de 3 fallos apunta", "2 de 3 fallos apuntan".
  auto of = [&](int64_t k) {
    return std::to_string(k) + " de " + std::to_string(sent) +
           (k == 1 ? " fallos apunta" : " fallos apuntan");
  };
  if (r.verdict == "local") return of(ours) + " a nuestro lado." + retry + also;
  if (r.verdict == "remote") return of(theirs) + " al lado remoto." + retry + also;
  if (r.verdict == "mixed") {
    return of(ours) + " a nuestro lado; el resto, al lado remoto." + retry + also;
  }
  if (r.verdict == "not_found") {
    std::string s = r.verdict_summary.rfind("No session in the period", 0) == 0
                        ? "Ninguna sesión del periodo pedido tiene que ver con el objetivo."
                        : "Ninguna sesión de los registros tiene que ver con el objetivo.";
    if (!r.close_names.empty()) {
      s += " Dominios de los registros con un nombre parecido: ";
      for (size_t i = 0; i < r.close_names.size(); ++i) s += (i ? ", " : "") + r.close_names[i];
      s += ".";
    }
    return s;
  }
  return "No hay fallos para el objetivo.";
}

}  // namespace smtptriage::investigation_words
