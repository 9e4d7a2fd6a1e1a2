// The text rendering of an investigation, in English and Spanish (the JSON one is in
// investigation_json.cc).
#include <algorithm>
#include <array>
#include <ostream>

#include "smtptriage/investigation.h"
#include "smtptriage/reporters.h"
#include "investigation_words.h"
#include "smtptriage/smtp_text.h"

namespace smtptriage {

using investigation_words::KindName;
using investigation_words::Outcome;
using investigation_words::Written;

namespace {

// "1 thing" or "n things", the number grouped as in the scan's text report.
std::string Counted(int64_t n, Lang lang, const char* one, const char* many) {
  return GroupedCount(n, lang) + " " + (n == 1 ? one : many);
}

// How a session ended, in Spanish when smtptriage said it; the log's own words stay as they are.
std::string CloseReasonEs(const std::string& reason) {
  if (reason == "connect failed") return "la conexión falló";
  if (reason == "no activity for 10 minutes") return "sin actividad durante 10 minutos";
  if (reason == "open at end of input") return "abierta al final de la entrada";
  if (reason == "open at a gap in the logs") return "abierta en un hueco de los registros";
  return reason;
}

std::string VerdictWord(const InvestigationResult& r, Lang lang) {
  const bool es = lang == Lang::kEs;
  const std::string& verdict = r.verdict;
  // Failures there were, but every one was delivered on retry: not "no failures".
  if (verdict == "healthy" && r.delivered_on_retry > 0) return es ? "RESUELTO" : "RESOLVED";
  if (verdict == "local") return es ? "NUESTRO" : "OURS";
  if (verdict == "remote") return es ? "SUYO" : "THEIRS";
  if (verdict == "mixed") return es ? "MIXTO" : "MIXED";
  if (verdict == "refused") return es ? "RECHAZADO POR NOSOTROS" : "REFUSED BY US";
  if (verdict == "not_found") return es ? "NO ESTÁ EN LOS REGISTROS" : "NOT IN THE LOGS";
  return es ? "SIN FALLOS" : "NO FAILURES";
}

// A count told by direction, as scan tells a domain's mail out from its mail to us: "15 outbound"
// when all went one way, "20 (15 outbound, 5 inbound)" when not. `internal_es` agrees in gender
// with what is counted (sesiones internas, destinatarios internos).
std::string ByDirection(int64_t total, const std::array<int64_t, 3>& n, const char* internal_es,
                        Lang lang) {
  const bool es = lang == Lang::kEs;
  const std::array<std::string, 3> words = {es ? "salientes" : "outbound",
                                            es ? "entrantes" : "inbound",
                                            es ? internal_es : "internal"};
  std::string parts;
  int ways = 0;
  for (size_t d = 0; d < n.size(); ++d) {
    if (n[d] == 0) continue;
    // Spanish adjectives agree in number: 1 entrante, 2 entrantes.
    const std::string& word = words[d];
    parts += (ways++ ? ", " : "") + GroupedCount(n[d], lang) + " " +
             (es && n[d] == 1 ? word.substr(0, word.size() - 1) : word);
  }
  if (ways == 0) return GroupedCount(total, lang);
  return ways == 1 ? parts : GroupedCount(total, lang) + " (" + parts + ")";
}

void PrintRow(const TranscriptRow& r, const std::vector<std::string>& files, std::ostream& out) {
  std::string file = r.ref.file < files.size() ? files[r.ref.file] : "?";
  size_t slash = file.find_last_of("/\\");
  out << "      " << FormatIsoUtc(r.time, true).substr(11, 12) << " " << r.type << " "
      << (r.text.size() > 140 ? r.text.substr(0, 137) + "..." : r.text) << "   "
      << file.substr(slash == std::string::npos ? 0 : slash + 1) << ":" << r.ref.line << "\n";
}

// Prints the start of a session (where it connected) and its rows [from, to), saying how many
// are left out.
void TranscriptWindow(const std::vector<TranscriptRow>& rows, size_t from, size_t to,
                      const std::vector<std::string>& files, std::ostream& out, Lang lang) {
  const char* rows_word = lang == Lang::kEs ? " filas ...\n" : " rows ...\n";
  for (size_t i = 0; i < std::min<size_t>(3, from); ++i) PrintRow(rows[i], files, out);
  if (from > 3) out << "      ... " << (from - 3) << rows_word;
  for (size_t i = from; i < to; ++i) PrintRow(rows[i], files, out);
  if (to < rows.size()) out << "      ... " << (rows.size() - to) << rows_word;
}

// Prints a transcript; with a `focus` row, only the start of the session and the rows around
// the failure, so the reply that matters is on screen.
void Transcript(const std::vector<TranscriptRow>& rows, const std::vector<std::string>& files,
                std::ostream& out, const SourceRef* focus, Lang lang) {
  size_t at = rows.size();
  if (focus != nullptr) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].ref.file == focus->file && rows[i].ref.line == focus->line) at = i;
    }
  }
  if (at == rows.size() || rows.size() <= 16) {
    for (const TranscriptRow& r : rows) PrintRow(r, files, out);
    return;
  }
  TranscriptWindow(rows, at > 8 ? at - 8 : 0, std::min(rows.size(), at + 4), files, out, lang);
}

// Prints the rows of one message of a session: from the row that begins it (a Send log's
// "sending message ... InternetMessageId", a Receive log's MAIL FROM: it names the message only
// in the reply that queued it) to the row that begins the next one.
void MessageTranscript(const SessionRecord& s, const std::string& message_id,
                       const std::vector<std::string>& files, std::ostream& out, Lang lang) {
  const std::vector<TranscriptRow>& rows = s.transcript;
  const bool receive = s.log == LogKind::kReceive;
  auto begins_message = [&](const TranscriptRow& row) {
    return receive ? IStartsWith(row.text, "MAIL FROM")
                   : row.text.find("sending message") != std::string::npos;
  };
  size_t first = rows.size(), last = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (ToLower(rows[i].text).find(message_id) == std::string::npos) continue;
    first = std::min(first, i);
    last = i;
  }
  if (first == rows.size()) {
    Transcript(rows, files, out, nullptr, lang);
    return;
  }
  size_t from = first;
  while (from > 0 && !begins_message(rows[from])) --from;
  if (!begins_message(rows[from])) from = first;
  size_t to = last + 1;
  while (to < rows.size() && !begins_message(rows[to])) ++to;
  TranscriptWindow(rows, from, to, files, out, lang);
}

// Whose a failure was, for the lists of failures and of a message's recipients.
std::string SideWord(const Occurrence& o, Lang lang) {
  const bool es = lang == Lang::kEs;
  if (o.inbound) return es ? "rechazado por nosotros" : "refused by us";
  return o.local ? (es ? "nuestro" : "ours") : (es ? "suyo" : "theirs");
}

// A reply cut to fit one line of a list.
std::string ShortReply(const std::string& reply) {
  return reply.size() > 100 ? reply.substr(0, 97) + "..." : reply;
}

// "Delivered on retry at 07:45 in session ...": the day too when it is not the failure's.
void PrintRetry(const Occurrence& o, Lang lang, std::ostream& out) {
  if (o.retry_time == 0) return;
  const bool same_day =
      FormatLocal(o.time).substr(0, 10) == FormatLocal(o.retry_time).substr(0, 10);
  out << "      "
      << (lang == Lang::kEs ? "Entregado al reintentar a las " : "Delivered on retry at ")
      << FormatLocal(o.retry_time, !same_day);
  if (o.retry_session.empty()) {
    out << "  " << o.retry_ref << "\n";  // a message tracking row
  } else {
    out << (lang == Lang::kEs ? " en la sesión " : " in session ") << o.retry_session << "\n";
  }
}

}  // namespace

namespace investigation_words {

const char* KindName(Target::Kind k, Lang lang) {
  const bool es = lang == Lang::kEs;
  switch (k) {
    case Target::Kind::kDomain: break;
    case Target::Kind::kAddress: return es ? "de la dirección" : "address";
    case Target::Kind::kSession: return es ? "de la sesión" : "session";
    case Target::Kind::kIp: return es ? "de la dirección IP" : "ip";
    case Target::Kind::kMessage: return es ? "del mensaje" : "message";
  }
  return es ? "del dominio" : "domain";
}

const std::string& Written(const Target& t) { return t.written.empty() ? t.value : t.written; }

std::string Outcome(const MessageRecipient& m, Lang lang, bool json) {
  const bool es = lang == Lang::kEs;
  switch (m.state) {
    case RecipientState::kFailed: return json ? "failed" : es ? "falló" : "failed";
    case RecipientState::kPending: return json ? "pending" : es ? "sin respuesta" : "no reply";
    case RecipientState::kAccepted:
    case RecipientState::kDelivered: break;
  }
  // Into our server (a Receive log, a tracking RECEIVE row): received; out of it: delivered
  // once the data was accepted, only accepted when the session ended before that was known.
  if (m.direction == Direction::kInbound) return json ? "received" : es ? "recibido" : "received";
  if (m.state == RecipientState::kDelivered) {
    return json ? "delivered" : es ? "entregado" : "delivered";
  }
  return json ? "accepted" : es ? "aceptado, sin respuesta final" : "accepted, no final reply";
}

}  // namespace investigation_words

void RenderInvestigation(const InvestigationResult& r, Lang lang, std::ostream& out) {
  const bool es = lang == Lang::kEs;
  const bool message = r.target.kind == Target::Kind::kMessage;
  // An address the logs do not have may as well have been a Message-ID: it has the same form.
  const bool either = r.target.kind == Target::Kind::kAddress && r.verdict == "not_found";
  out << (es ? "Investigación " : "Investigation of ")
      << (either ? (es ? "de la dirección o Message-ID" : "address or Message-ID")
          : r.target.kind == Target::Kind::kIp && !es ? "IP address"
                                                      : KindName(r.target.kind, lang))
      << " "
      << (message  ? "<" + Written(r.target) + ">"
          : either ? Written(r.target)  // (as a Message-ID would be shown)
                   : r.target.value)
      << "\n";
  out << (es ? "Veredicto: " : "Verdict: ") << VerdictWord(r, lang) << " - "
      << r.verdict_summary.Get(lang) << "\n";
  out << (es ? "Sesiones: " : "Sessions: ")
      << ByDirection(r.sessions, r.sessions_by_direction, "internas", lang) << ", "
      << (es ? "destinatarios: " : "recipients: ")
      << ByDirection(r.recipients, r.recipients_by_direction, "internos", lang) << ", "
      << (es ? "fallos: " : "failures: ") << GroupedCount(r.failures, lang);
  if (r.tracked_only > 0) {
    out << "; "
        << (es ? Counted(r.tracked_only, lang, "mensaje visto", "mensajes vistos") +
                     " solo en el seguimiento de mensajes"
               : Counted(r.tracked_only, lang, "message", "messages") +
                     " seen only in message tracking");
  }
  out << "\n";
  if (!r.timeline.empty()) {
    out << "\n"
        << (es ? "Por hora (hora local): las sesiones en la hora en que empezaron, los fallos en "
                 "la que ocurrieron"
               : "Per hour (local time): sessions in the hour they began, failures in the hour "
                 "they happened")
        << "\n";
    for (const HourRow& h : r.timeline) {
      // A session can fail for several recipients: "attempts 2  failures 4" read as a mistake.
      out << "  " << FormatLocal(h.start) << "  " << (es ? "sesiones " : "sessions ") << h.attempts
          << "  " << (es ? "fallos " : "failures ") << h.failures;
      // What our own server refused of mail to us is not a failure of our mail: said apart.
      if (h.refused_by_us > 0) {
        const char* refused = !es                    ? " refused by us)"
                              : h.refused_by_us == 1 ? " rechazado por nosotros)"
                                                     : " rechazados por nosotros)";
        out << " (" << h.refused_by_us << refused;
      }
      for (const auto& [reason, n] : h.by_reason) out << "  " << reason << " " << n;
      out << "\n";
    }
  }
  // A message's recipients, whatever became of each, session by session: what was asked, first.
  if (message && !r.message_recipients.empty()) {
    out << "\n" << (es ? "Cada destinatario" : "Every recipient") << "\n";
    for (const MessageRecipient& m : r.message_recipients) {
      out << "  " << FormatLocal(m.time) << "  " << m.sender << " -> " << m.recipient << "  "
          << Outcome(m, lang);
      if (m.occurrence < r.occurrences.size()) {
        const Occurrence& o = r.occurrences[m.occurrence];
        out << ", " << SideWord(o, lang) << " (" << ToString(o.reason) << ")  "
            << ShortReply(o.reply) << "  " << o.ref << "\n";
        PrintRetry(o, lang, out);
      } else {
        out << "  " << (es ? "sesión " : "session ") << m.session << "  " << m.ref << "\n";
      }
    }
  }
  for (const InvestigatedFailure& k : r.failure_kinds) {
    const FailureGroup& g = k.group;
    out << "\n" << g.count << "x " << ToString(g.reason) << " ("
        << FamilyName(g.family, lang) << ")  "
        << FailureCodes(g) << "  " << (es ? "en " : "at ")
        << ToString(g.command) << "  " << FormatLocal(g.first) << " -> " << FormatLocal(g.last)
        << "\n";
    out << "  \"" << (g.sample.size() > 200 ? g.sample.substr(0, 197) + "..." : g.sample)
        << "\"  " << g.sample_ref << "\n";
    if (k.inbound) {
      // By policy, neither side's failure; for a fault of its own (back pressure), ours.
      const bool ours = g.side == Side::kLocal;
      out << "  "
          << (ours ? (es ? "Rechazado por nuestro servidor (correo que nos enviaron) por un fallo "
                           "propio: nuestro"
                         : "Refused by our server (mail sent to us) for a fault of its own: ours")
                   : (es ? "Rechazado por nuestro servidor (correo que nos enviaron): no es fallo "
                           "de ningún lado"
                         : "Refused by our server (mail sent to us): neither side's failure"))
          << "   " << (es ? "regla " : "rule ") << g.rule << "\n";
    } else {
      out << "  " << (es ? "Nuestro lado: " : "Our side: ") << g.local_count << " / " << g.count
          << "   " << (es ? "regla " : "rule ") << g.rule << "\n";
    }
    // A temporary failure that a later session made good is not the state of things now.
    if (k.delivered_on_retry > 0) {
      out << "  " << (es ? "Entregados al reintentar: " : "Delivered on retry: ")
          << k.delivered_on_retry << " / " << g.count
          << (es ? " (el mismo mensaje al mismo destinatario, más tarde; el último a las "
                 : " (the same message to the same recipient, later; the last at ")
          << FormatLocal(k.last_retry, false) << ")\n";
    }
    if (!k.remote_ips.empty()) {
      out << "  "
          << (k.inbound ? (es ? "Clientes: " : "Clients: ")
                        : (es ? "Servidores remotos: " : "Remote servers: "));
      for (size_t i = 0; i < k.remote_ips.size(); ++i) out << (i ? ", " : "") << k.remote_ips[i];
      for (const std::string& h : k.remote_hosts) out << " " << h;
      out << "\n";
    }
    out << "  " << (es ? "Qué significa: " : "What it means: ") << k.rule.explanation.Get(lang)
        << "\n";
    if (!k.rule.checks.empty()) {
      out << "  " << (es ? "Qué comprobar:" : "What to check:") << "\n";
      int n = 0;
      for (const LocalizedText& c : k.rule.checks)
        out << "    " << ++n << ". " << c.Get(lang) << "\n";
    }
    // Inbound, the others are senders to us: domains, or client IPs when unknown.
    if (k.other_domains == 0) {
      out << "  "
          << (k.inbound ? (es ? "Ningún otro remitente lo tuvo en las mismas horas: aislado."
                              : "No other sender had it in the same hours: isolated.")
                        : (es ? "Ningún otro dominio lo vio en las mismas horas: aislado."
                              : "No other domain saw it in the same hours: isolated."))
          << "\n";
    } else {
      const int64_t n = k.other_domains;
      out << "  " << (es ? "El mismo motivo afectó a " : "The same reason hit ")
          << (k.inbound ? (es ? Counted(n, lang, "remitente más", "remitentes más")
                              : Counted(n, lang, "other sender", "other senders"))
                        : (es ? Counted(n, lang, "dominio más", "dominios más")
                              : Counted(n, lang, "other domain", "other domains")))
          << (es ? " en las mismas horas (" : " in the same hours (");
      for (size_t i = 0; i < k.other_examples.size(); ++i)
        out << (i ? ", " : "") << k.other_examples[i];
      out << (k.other_domains > static_cast<int64_t>(k.other_examples.size()) ? ", ...)" : ")")
          << "\n";
    }
    // A session investigated, or one that carried the message investigated, is printed below:
    // no example of it here.
    const bool shown = std::any_of(
        r.sessions_found.begin(), r.sessions_found.end(),
        [&](const SessionView& v) { return v.record.session == k.example_session; });
    if (!k.transcript.empty() && !shown) {
      out << "  " << (es ? "Sesión de ejemplo " : "Example session ") << k.example_session << ":\n";
      Transcript(k.transcript, r.file_names, out, &k.example_ref, lang);
    }
  }
  for (const SessionView& v : r.sessions_found) {
    const SessionRecord& s = v.record;
    // Session ids are unique per server only: with several, say whose this one is.
    const bool many = r.server_names.size() >= 2 && s.server < r.server_names.size();
    out << "\n" << (es ? "Sesión " : "Session ") << s.session
        << (many ? (es ? " de " : " on ") + r.server_names[s.server] : std::string()) << "  "
        << (!es                             ? ToString(s.log)
            : s.log == LogKind::kSend       ? "envío"
            : s.log == LogKind::kReceive    ? "recepción"
            : s.log == LogKind::kTracking   ? "seguimiento"
                                            : ToString(s.log))
        << "  "
        << s.connector << "  " << s.remote_endpoint << "  " << FormatLocal(s.start) << " -> "
        << FormatLocal(s.end) << "  (" << (es ? CloseReasonEs(s.close_reason) : s.close_reason)
        << ")\n";
    if (message) {
      MessageTranscript(s, r.target.value, r.file_names, out, lang);
    } else {
      Transcript(s.transcript, r.file_names, out, nullptr, lang);
    }
  }
  if (r.target.kind == Target::Kind::kAddress && !r.occurrences.empty()) {
    out << "\n" << (es ? "Cada fallo" : "Every failure") << "\n";
    for (const Occurrence& o : r.occurrences) {
      out << "  " << FormatLocal(o.time) << "  " << o.sender << " -> " << o.recipient << "  "
          << SideWord(o, lang) << "  " << ShortReply(o.reply) << "  " << o.ref << "\n";
      if (!o.subject.empty())
        out << "      " << (es ? "Asunto: " : "Subject: ") << o.subject << "\n";
      PrintRetry(o, lang, out);
    }
  }
}

}  // namespace smtptriage
