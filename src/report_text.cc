#include <algorithm>
#include <cctype>
#include <cstdio>

#include "smtptriage/platform.h"
#include "smtptriage/reporters.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/time_util.h"

namespace smtptriage {
namespace {

// The fixed words of the text report, in English and Spanish.
struct TextWords {
  const char* ours;
  const char* theirs;
  const char* nothing;
  const char* check_first;
  const char* incidents;
  const char* still_open;
  const char* to;
  const char* trend;
  const char* per_hour;
  const char* problems;
  const char* domains_with_failures;
  const char* failures;
  const char* sessions;
  const char* failure;   // singular
  const char* session;   // singular
  const char* inbound;
  const char* internal;
  const char* auth;
  const char* totals;
  const char* input;
  const char* skipped;
  const char* notes;
  const char* malformed;
  const char* times_in;
  const char* more_domains;
  const char* period;
  const char* also_theirs;
  const char* at;
  const char* rule;
  const char* totals_fmt[7];  // sessions, inbound, internal, messages, recipients, failed, connect
  const char* totals_one[7];  // their singulars
  const char* input_fmt[3];   // files, lines, malformed
  const char* open_at_end;
  const char* verdict_words[4];  // healthy, remote, local, mixed
  const char* side_words[3];     // remote, local, either
  const char* of;                // "14 of 16 domains had failures"
  const char* more;              // "... 2 more"
  const char* client_ip;         // an inbound "domain" that is a client's address
  const char* ip_only;           // an outbound destination known only by its address
  const char* users;             // the user names tried in failed AUTH attempts
  const char* domain;            // singular
  const char* domains;
  const char* trend_words[3];    // growing, falling, steady
  const char* file;              // singular of input_fmt[0]
  const char* open_at_end_one;   // singular of open_at_end
  const char* machine_zone;      // the zone when no --tz is given
  const char* senders_with_failures;  // inbound, where a sender is a domain or a client IP
  const char* more_domain;       // singular of more_domains
  const char* more_senders;
  const char* more_sender;
  const char* malformed_one;     // singular of input_fmt[2]
  // How many had failures, when there are none or one to count: no domain, or the only one
  // (domain, sender) with failures or without.
  const char* none_in_period;
  const char* only_one[2][2];    // [sender][had failures]
  Lang lang;
};

constexpr TextWords kTextEn = {
    "OURS", "THEIRS", "NOTHING TO REPORT", "Check first", "Local incidents", "still open", "to",
    "trend", "affected/active domains per hour", "Outbound problems by destination domain",
    "domains had failures", "failures", "sessions", "failure", "session",
    "Inbound: what our server refused", "Internal hops: between our own servers",
    "Failed AUTH attempts (per client IP)", "Totals", "Input", "Skipped", "Notes",
    "Malformed lines", "Times are shown in",
    "more domains with failures (see --top or --format json)", "Period", "Also THEIRS", "at",
    "rule",
    {"sessions", "inbound", "internal", "messages", "recipients", "failed recipients",
     "connect failures"},
    {"session", "inbound", "internal", "message", "recipient", "failed recipient",
     "connect failure"},
    {"files", "lines", "malformed"},
    "sessions cut off by the end of the logs (not counted as failures)",
    {"healthy", "THEIRS", "OURS", "MIXED"}, {"theirs", "ours", "either"},
    "of", "more", "client IP", "IP only: domain unknown", "users", "domain", "domains",
    {"growing", "falling", "steady"}, "file",
    "session cut off by the end of the logs (not counted as a failure)",
    "this machine's zone", "senders had failures",
    "more domain with failures (see --top or --format json)",
    "more senders with failures (see --top or --format json)",
    "more sender with failures (see --top or --format json)", "malformed",
    "no domains in the period",
    {{"the only domain had no failures", "the only domain had failures"},
     {"the only sender had no failures", "the only sender had failures"}},
    Lang::kEn};

constexpr TextWords kTextEs = {
    "NUESTRO", "SUYO", "NADA QUE SEÑALAR", "Comprobar primero", "Incidentes locales",
    "sigue abierto", "a", "tendencia", "dominios afectados/activos por hora",
    "Problemas de salida por dominio de destino", "dominios tuvieron fallos", "fallos", "sesiones",
    "fallo", "sesión",
    "Entrante: lo que nuestro servidor rechazó", "Saltos internos: entre nuestros servidores",
    "Intentos de AUTH fallidos (por IP cliente)",
    "Totales", "Entrada", "Omitidos", "Notas", "Líneas mal formadas", "Las horas se muestran en",
    "dominios más con fallos (ver --top o --format json)", "Periodo", "Además SUYO", "en", "regla",
    {"sesiones", "entrantes", "internas", "mensajes", "destinatarios", "destinatarios fallidos",
     "fallos de conexión"},
    {"sesión", "entrante", "interna", "mensaje", "destinatario", "destinatario fallido",
     "fallo de conexión"},
    {"archivos", "líneas", "mal formadas"},
    "sesiones cortadas por el final de los registros (no cuentan como fallos)",
    {"sano", "SUYO", "NUESTRO", "MIXTO"}, {"suyo", "nuestro", "cualquiera"},
    "de", "más", "IP cliente", "solo IP: dominio desconocido", "usuarios", "dominio", "dominios",
    {"creciente", "decreciente", "estable"}, "archivo",
    "sesión cortada por el final de los registros (no cuenta como fallo)",
    "la zona de esta máquina", "remitentes tuvieron fallos",
    "dominio más con fallos (ver --top o --format json)",
    "remitentes más con fallos (ver --top o --format json)",
    "remitente más con fallos (ver --top o --format json)", "mal formada",
    "ningún dominio en el periodo",
    {{"el único dominio no tuvo fallos", "el único dominio tuvo fallos"},
     {"el único remitente no tuvo fallos", "el único remitente tuvo fallos"}},
    Lang::kEs};

const char* VerdictWord(const TextWords& w, const std::string& v) {
  if (v == "remote") return w.verdict_words[1];
  if (v == "local") return w.verdict_words[2];
  if (v == "mixed") return w.verdict_words[3];
  return w.verdict_words[0];
}

std::string Num(int64_t n, const TextWords& w) { return GroupedCount(n, w.lang); }

std::string Count(int64_t n, const TextWords& w, const char* one, const char* many) {
  return Num(n, w) + " " + (n == 1 ? one : many);
}

std::string Clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

void Headline(const Report& r, const TextWords& w, Lang lang, std::ostream& out) {
  const char* word = r.verdict.side == "local"    ? w.ours
                     : r.verdict.side == "remote" ? w.theirs
                                                  : w.nothing;
  out << word << ": " << SummaryText(r.verdict.summary, lang) << "\n";
  if (r.verdict.side == "local" && !r.verdict.remote_summary.en.empty()) {
    out << w.also_theirs << ": " << r.verdict.remote_summary.Get(lang) << "\n";
  }
}

void Incidents(const Report& r, const TextWords& w, Lang lang, std::ostream& out) {
  if (r.incidents.empty()) return;
  out << "\n" << w.incidents << " (" << r.incidents.size() << ")\n";
  for (const Incident& inc : r.incidents) {
    out << "  " << FamilyName(inc.family, w.lang) << "  " << FormatLocal(inc.start) << " "
        << (inc.open ? std::string(w.still_open) : std::string(w.to) + " " + FormatLocal(inc.end))
        << "  " << w.trend << " "
        << w.trend_words[inc.trend == "growing" ? 0 : inc.trend == "falling" ? 1 : 2] << "  "
        << Count(inc.domains, w, w.domain, w.domains) << "  "
        << Count(inc.failures, w, w.failure, w.failures) << "\n";
    out << "    " << SummaryText(inc.summary, lang) << "\n";
    out << "    " << w.per_hour << ":";
    for (const IncidentBucket& b : inc.buckets) {
      out << " " << FormatLocal(b.start, false) << " " << b.affected_domains << "/"
          << b.active_domains;
    }
    out << "\n";
  }
}

// The servers of a run over two or more, with what was read as each (a wrong guess shows here)
// and whether a local incident was theirs alone.
void Servers(const Report& r, Lang lang, std::ostream& out) {
  if (r.servers.size() < 2) return;
  const bool es = lang == Lang::kEs;
  out << "\n" << (es ? "Servidores" : "Servers") << " (" << r.servers.size() << ")\n";
  for (const ServerReport& s : r.servers) {
    // "healthy" is no local incident; failures of ours outside incidents are not health.
    const char* verdict =
        s.verdict == "local"          ? (es ? "NUESTRO: incidente propio"
                                           : "OURS: its own incident")
        : s.verdict == "organisation" ? (es ? "incidente de toda la organización"
                                           : "organisation-wide incident")
        : s.local_by_rule > 0         ? (es ? "sin incidente" : "no incident")
                                      : (es ? "sano" : "healthy");
    const std::string how = ServerHowWords(s.how, lang);
    out << "  " << s.name << "  [" << verdict << "]  " << GroupedCount(s.sessions, lang) << " "
        << (es ? "sesiones" : "sessions") << ", " << GroupedCount(s.failed_recipients, lang) << " "
        << (es ? "destinatarios fallidos" : "failed recipients") << ", "
        << GroupedCount(s.failed_sessions, lang) << " "
        << (es ? "sesiones fallidas antes de los destinatarios"
               : "sessions failed before any recipient")
        // Counted from the replies: an incident can put more on our side (see the incidents).
        << ", " << GroupedCount(s.local_by_rule, lang) << " "
        << (es ? (s.local_by_rule == 1 ? "fallo que su respuesta atribuye a nuestro lado"
                                       : "fallos que su respuesta atribuye a nuestro lado")
               : (s.local_by_rule == 1 ? "failure whose reply puts it on our side"
                                       : "failures whose reply puts them on our side"))
        << "\n";
    out << "    " << (es ? "de" : "from");
    for (const std::string& p : s.paths) out << " " << p;
    out << " (" << how << ")";
    if (!s.receive_connector_hosts.empty()) {
      bool confirmed = false;
      for (const std::string& h : s.receive_connector_hosts) {
        confirmed |= h.size() == s.name.size() && IStartsWith(h, s.name);
      }
      out << "; " << (es ? "sus conectores de recepción dicen" : "its receive connectors say");
      for (const std::string& h : s.receive_connector_hosts) out << " " << h;
      if (!confirmed) {
        out << (es ? " (¿otro nombre? use --server)" : " (another name? use --server)");
      }
    }
    out << "\n";
  }
}

void DomainBlock(const DomainReport& d, const TextWords& w, Lang lang, std::ostream& out) {
  out << "  " << d.domain << (d.unresolved ? std::string(" (") + w.ip_only + ")" : "") << "  ["
      << VerdictWord(w, d.verdict) << "]  " << Count(d.failures_total(), w, w.failure, w.failures)
      << ", " << Count(d.sessions, w, w.session, w.sessions) << "\n";
  size_t shown = 0;
  for (const FailureGroup& g : d.failures) {
    if (++shown > 4) {
      out << "    ... " << (d.failures.size() - 4) << " " << w.more << "\n";
      break;
    }
    out << "    " << Num(g.count, w) << "x " << ToString(g.reason) << " ("
        << FamilyName(g.family, w.lang)
        << ", " << w.side_words[static_cast<int>(g.side)] << ")  " << FailureCodes(g) << " "
        << w.at << " " << ToString(g.command) << "  " << FormatLocal(g.first, false) << " -> "
        << FormatLocal(g.last, false);
    if (g.delivered_on_retry > 0) {  // temporary, and made good since: no problem any more
      out << "  " << (lang == Lang::kEs ? "entregados al reintentar: " : "delivered on retry: ")
          << Num(g.delivered_on_retry, w);
    }
    out << "\n";
    out << "      \"" << Clip(g.sample, 160) << "\"  " << g.sample_ref << "\n";
  }
  if (!d.failures_by_server.empty()) {
    out << "    " << (lang == Lang::kEs ? "por servidor" : "by server") << ":";
    for (const auto& [server, n] : d.failures_by_server) out << " " << server << " " << Num(n, w);
    out << "\n";
  }
  out << "    => " << d.verdict_summary.Get(lang) << "\n";
}

// Lists the domains of one direction that had failures, most failures first.
void DomainSection(const Report& r, const RenderOptions& o, const TextWords& w, Direction dir,
                   const std::string& title, bool always, std::ostream& out) {
  size_t failing = 0, all = 0;
  for (const DomainReport& d : r.domains) {
    if (d.direction != dir) continue;
    ++all;
    if (d.failures_total() > 0) ++failing;
  }
  if (failing == 0 && !always) return;
  // What is listed inbound is the sending side: its domain, or its address when unknown.
  const bool inbound = dir == Direction::kInbound;
  out << "\n" << title << " (";
  auto only = r.parameters.find("domain");
  if (all == 0 && only != r.parameters.end()) {  // (--domain: which may not be in the logs)
    out << (w.lang == Lang::kEs ? "ninguna sesión con " : "no session with ") << only->second
        << (w.lang == Lang::kEs ? " ni sus subdominios en el periodo"
                                : " or its subdomains in the period");
  } else if (all == 0) {
    out << w.none_in_period;
  } else if (all == 1) {
    out << w.only_one[inbound][failing];
  } else {
    out << Num(static_cast<int64_t>(failing), w) << " " << w.of << " "
        << Num(static_cast<int64_t>(all), w) << " "
        << (inbound ? w.senders_with_failures : w.domains_with_failures);
  }
  out << ")\n";
  size_t shown = 0;
  for (const DomainReport& d : r.domains) {
    if (d.direction != dir || d.failures_total() == 0) continue;
    if (shown++ >= o.top) {
      const size_t more = failing - o.top;
      out << "  ... " << Num(static_cast<int64_t>(more), w) << " "
          << (inbound ? (more == 1 ? w.more_sender : w.more_senders)
                      : (more == 1 ? w.more_domain : w.more_domains))
          << "\n";
      break;
    }
    if (inbound) {
      // What we refused is our own policy at work: one line each is enough.
      out << "  " << d.domain << (d.unresolved ? std::string(" (") + w.client_ip + ")" : "") << "  "
          << Count(d.failures_total(), w, w.failure, w.failures) << ":";
      for (size_t i = 0; i < d.failures.size() && i < 3; ++i) {
        const FailureGroup& g = d.failures[i];
        out << (i ? "," : "") << " " << ToString(g.reason) << " " << FailureCodes(g) << " "
            << w.at << " " << ToString(g.command) << " (" << g.count << ")";
      }
      out << "  " << d.failures[0].sample_ref << "\n";
    } else {
      DomainBlock(d, w, o.lang, out);
    }
  }
}

void Domains(const Report& r, const RenderOptions& o, const TextWords& w, std::ostream& out) {
  DomainSection(r, o, w, Direction::kOutbound, w.problems, true, out);
  DomainSection(r, o, w, Direction::kInternal, w.internal, false, out);
  DomainSection(r, o, w, Direction::kInbound, w.inbound, false, out);
  if (!r.auth_failures.empty()) {
    out << "\n" << w.auth << "\n";
    for (size_t i = 0; i < r.auth_failures.size() && i < o.top; ++i) {
      const AuthFailureGroup& a = r.auth_failures[i];
      out << "  " << a.remote_ip << "  " << Num(a.count, w) << "x  " << FormatLocal(a.first, false)
          << " -> " << FormatLocal(a.last, false);
      if (!a.users.empty()) {
        // Separated by commas: a user name can hold a space ("test administrator").
        out << "  " << w.users << ":";
        for (size_t i = 0; i < a.users.size(); ++i) out << (i ? ", " : " ") << a.users[i];
      }
      out << "  " << a.sample_ref << "\n";
    }
  }
}

void Footer(const Report& r, const TextWords& w, std::ostream& out) {
  const Totals& t = r.totals;
  auto n = [&](int64_t k, int i) { return Count(k, w, w.totals_one[i], w.totals_fmt[i]); };
  out << "\n" << w.totals << ": " << n(t.sessions, 0) << " (" << n(t.inbound_sessions, 1) << ", "
      << n(t.internal_sessions, 2) << "), " << n(t.messages, 3) << ", " << n(t.recipients, 4)
      << ", " << n(t.failed_recipients, 5) << ", " << n(t.connect_failures, 6);
  if (t.open_at_end > 0) out << ", " << Count(t.open_at_end, w, w.open_at_end_one, w.open_at_end);
  out << "\n";
  const Diagnostics& diag = r.diagnostics;
  out << w.input << ": " << Count(static_cast<int64_t>(r.files.size()), w, w.file, w.input_fmt[0])
      << ", " << ByteSize(r.bytes, w.lang) << ", " << Num(r.lines, w) << " " << w.input_fmt[1]
      << ", " << Num(diag.malformed_total(), w) << " "
      << (diag.malformed_total() == 1 ? w.malformed_one : w.input_fmt[2]) << "\n";
  for (const auto& [reason, m] : diag.by_reason()) {
    out << "  " << w.malformed << ": " << Num(m.count, w) << " "
        << MalformedWords(reason, w.lang == Lang::kEs)
        << (w.lang == Lang::kEs ? " (p. ej." : " (e.g.");
    for (const std::string& e : m.examples) out << " " << e;
    out << ")\n";
  }
  for (const SkippedFile& s : diag.skipped()) {
    out << "  " << w.skipped << ": " << s.where() << ": " << s.reason << "\n";
  }
  for (const SkippedFile& s : diag.notes()) {
    out << "  " << w.notes << ": " << s.path << ": " << s.reason << "\n";
  }
  out << w.times_in << " " << platform::TimeZoneName(w.machine_zone) << ".\n";
}

}  // namespace

void RenderText(const Report& r, const RenderOptions& o, std::ostream& out) {
  const TextWords& w = o.lang == Lang::kEs ? kTextEs : kTextEn;
  Headline(r, w, o.lang, out);
  if (!r.empty_period) {
    out << w.period << ": " << FormatLocal(r.period_start) << " " << w.to << " "
        << FormatLocal(r.period_end) << "\n";
  }
  // A period with nothing in it: say where the logs' own period lies, or a mistyped --since
  // reads as a quiet day.
  if (r.empty_period && r.outside_period.sessions > 0) {
    const bool es = o.lang == Lang::kEs;
    out << (es ? "Ninguna de las " : "None of the ") << Num(r.outside_period.sessions, w)
        << (es ? " sesiones leídas cae en el periodo pedido (--since/--until): van de "
               : " sessions read falls in the period asked for (--since/--until): they run from ")
        << FormatLocal(r.outside_period.first) << " " << w.to << " "
        << FormatLocal(r.outside_period.last) << ".\n";
  }
  if (!r.verdict.check_first.empty()) {
    out << "\n" << w.check_first << " (" << w.rule << " " << r.verdict.rule
        << CheckFirstSpan(r, o.lang) << "):\n";
    int n = 0;
    for (const LocalizedText& c : r.verdict.check_first) {
      out << "  " << ++n << ". " << c.Get(o.lang) << "\n";
    }
  }
  Incidents(r, w, o.lang, out);
  Servers(r, o.lang, out);
  // --domain narrows the lists, not the evidence: a fault of ours shows across domains.
  auto only = r.parameters.find("domain");
  if (only != r.parameters.end()) {
    out << "\n" << (o.lang == Lang::kEs ? "Abajo, solo " : "Below, only ") << only->second
        << (o.lang == Lang::kEs
                ? " y sus subdominios (--domain). Lo de arriba pesa todos los dominios de los "
                  "registros: así se ve un fallo de nuestro lado.\n"
                : " and its subdomains (--domain). What is above weighs every domain in the "
                  "logs: that is how a fault on our side shows.\n");
  }
  Domains(r, o, w, out);
  Footer(r, w, out);
}

}  // namespace smtptriage
