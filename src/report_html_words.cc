#include "report_html_words.h"

namespace smtptriage::html {
namespace {

constexpr Words kEn = {
    .lang = "en",
    .title = "Mail delivery: ours or theirs?",
    .period = "Period",
    .to = "to",
    .times_in = "Times are shown in",
    .made_by = "Made by smtptriage",
    .verdict_line =
        {"OURS: the failures point to our side, something here needs fixing.",
         "THEIRS: the failures point to the receiving side, nothing on our side to fix.",
         "NOTHING TO REPORT: no outbound delivery failures in the period."},
    .verdict_badge = {"OURS", "THEIRS", "NOTHING TO REPORT"},
    .also_theirs = "Also theirs",
    .check_first = "Check first",
    .rule = "rule",
    .incidents = "Local incidents",
    .no_incident =
        "No local incident: no kind of failure spread over many unrelated domains at "
        "once.",
    .since = "since",
    .still_open = "still open",
    .from = "from",
    .until = "to",
    .trend = "trend",
    .trend_words = {"growing", "steady", "falling"},
    .domain_one = "domain",
    .domain_many = "domains",
    .failure_one = "failure",
    .failure_many = "failures",
    .session_one = "session",
    .session_many = "sessions",
    .eg = "e.g.",
    .affected = "affected domains (failing this way)",
    .active = "active domains (with sessions)",
    .affected_of_active = "Affected / active outbound domains",
    .timeline = "Timeline",
    .timeline_outbound = "Outbound failures",
    .local_incident = "local incident",
    .chart_data = "The numbers of the chart",
    .time = "Time",
    .no_sessions = "No sessions in the period.",
    .in_all = "in all",
    .most = "most",
    .per_hour = "per hour",
    .per_n_hours = "per %d hours",
    .per_day = "per day",
    .per_n_days = "per %d days",
    .per_n_minutes = "per %d minutes",
    .domains_heading = "Domains with problems",
    .outbound = "Outbound, by destination domain",
    .outbound_count = "%s of %s domains had failures; ours first.",
    .internal = "Internal hops: between our own servers",
    .inbound = "Inbound: what our server refused",
    .auth = "Failed AUTH attempts, per client IP",
    .no_outbound = "No outbound domain had failures.",
    .more_rows = "%s more domains with failures are not shown (the JSON report lists them all).",
    .more_rows_one = "%s more domain with failures is not shown (the JSON report lists it).",
    .more_senders = "%s more senders with failures are not shown (the JSON report lists them all).",
    .more_senders_one = "%s more sender with failures is not shown (the JSON report lists it).",
    .inbound_count = "%s of %s senders (domains or, when unknown, client IPs) had failures.",
    .outbound_count_one = "The only domain had failures.",
    .inbound_count_one = "The only sender (a domain or, when unknown, a client IP) had failures.",
    .machine_zone = "this machine's zone",
    .columns = {"Verdict", "Domain", "Reasons", "Codes", "Failures", "First \xE2\x80\x93 last seen",
                "Failures per hour"},
    .first = "First",
    .last = "Last",
    .badge_words = {"OURS", "MIXED", "THEIRS", "REFUSED", "HEALTHY"},
    .ours_tag = "ours",
    .more_reasons = "more",
    .ip_only = "IP only: domain unknown",
    .client_ip = "client IP",
    .users = "Users",
    .attempts = "Attempts",
    .reasons_heading = "What each reason means and what to check",
    .what_to_check = "What to check",
    .side_phrase = {"points to their side", "points to our side",
                    "either side: the pattern across domains decides"},
    .of_them_ours = "ours",
    .delivered_on_retry = "delivered on retry",
    .input = "Input",
    .files_read = "Files read",
    .log_text = "Log text",
    .lines = "Lines",
    .malformed = "Malformed lines",
    .skipped = "Skipped",
    .notes = "Notes",
    .sessions_label = "Sessions",
    .inbound_word = "inbound",
    .internal_word = "internal",
    .inbound_one = "inbound",
    .internal_one = "internal",
    .messages = "Messages",
    .recipients = "Recipients",
    .failed_recipients = "Failed recipients",
    .connect_failures = "Connect failures",
    .open_at_end = "Sessions cut off by the end of the logs (not counted as failures)",
    .file_list = "The files read",
    .more_files = "%s more files",
    .file_columns = {"File", "Kind", "Bytes", "Lines", "Malformed"},
    .kinds = {"send", "receive", "tracking", "unknown"},
    .families = {"recipient", "destination", "sender", "reputation", "authentication", "content",
                 "throttling", "protocol", "connection", "DNS", "expired", "other"},
};

constexpr Words kEs = {
    .lang = "es",
    .title = "Entrega de correo: ¿nuestro o suyo?",
    .period = "Periodo",
    .to = "a",
    .times_in = "Las horas se muestran en",
    .made_by = "Generado por smtptriage",
    .verdict_line = {"NUESTRO: los fallos apuntan a nuestro lado; hay algo que corregir aquí.",
                     "SUYO: los fallos apuntan al lado receptor; no hay nada que corregir en el "
                     "nuestro.",
                     "NADA QUE SEÑALAR: ningún fallo de entrega de salida en el periodo."},
    .verdict_badge = {"NUESTRO", "SUYO", "NADA QUE SEÑALAR"},
    .also_theirs = "Además, suyo",
    .check_first = "Comprobar primero",
    .rule = "regla",
    .incidents = "Incidentes locales",
    .no_incident =
        "Ningún incidente local: ningún tipo de fallo se extendió a la vez por muchos "
        "dominios sin relación.",
    .since = "desde",
    .still_open = "sigue abierto",
    .from = "de",
    .until = "a",
    .trend = "tendencia",
    .trend_words = {"creciente", "estable", "decreciente"},
    .domain_one = "dominio",
    .domain_many = "dominios",
    .failure_one = "fallo",
    .failure_many = "fallos",
    .session_one = "sesión",
    .session_many = "sesiones",
    .eg = "p. ej.",
    .affected = "dominios afectados (que fallan así)",
    .active = "dominios activos (con sesiones)",
    .affected_of_active = "Dominios de salida afectados / activos",
    .timeline = "Evolución",
    .timeline_outbound = "Fallos de salida",
    .local_incident = "incidente local",
    .chart_data = "Los datos del gráfico",
    .time = "Hora",
    .no_sessions = "Ninguna sesión en el periodo.",
    .in_all = "en total",
    .most = "máximo",
    .per_hour = "por hora",
    .per_n_hours = "cada %d horas",
    .per_day = "por día",
    .per_n_days = "cada %d días",
    .per_n_minutes = "cada %d minutos",
    .domains_heading = "Dominios con problemas",
    .outbound = "Salida, por dominio de destino",
    .outbound_count = "%s de %s dominios tuvieron fallos; primero los nuestros.",
    .internal = "Saltos internos: entre nuestros propios servidores",
    .inbound = "Entrante: lo que nuestro servidor rechazó",
    .auth = "Intentos de AUTH fallidos, por IP cliente",
    .no_outbound = "Ningún dominio de salida tuvo fallos.",
    .more_rows = "No se muestran %s dominios más con fallos (el informe JSON los incluye todos).",
    .more_rows_one = "No se muestra %s dominio más con fallos (el informe JSON lo incluye).",
    .more_senders =
        "No se muestran %s remitentes más con fallos (el informe JSON los incluye todos).",
    .more_senders_one = "No se muestra %s remitente más con fallos (el informe JSON lo incluye).",
    .inbound_count =
        "%s de %s remitentes (dominios o, si no se conocen, IP cliente) tuvieron fallos.",
    .outbound_count_one = "El único dominio tuvo fallos.",
    .inbound_count_one =
        "El único remitente (un dominio o, si no se conoce, una IP cliente) tuvo fallos.",
    .machine_zone = "la zona de esta máquina",
    .columns = {"Veredicto", "Dominio", "Motivos", "Códigos", "Fallos",
                "Visto primero \xE2\x80\x93 último", "Fallos por hora"},
    .first = "Primero",
    .last = "Último",
    .badge_words = {"NUESTRO", "MIXTO", "SUYO", "RECHAZADO", "SANO"},
    .ours_tag = "nuestro",
    .more_reasons = "más",
    .ip_only = "solo IP: dominio desconocido",
    .client_ip = "IP cliente",
    .users = "Usuarios",
    .attempts = "Intentos",
    .reasons_heading = "Qué significa cada motivo y qué comprobar",
    .what_to_check = "Qué comprobar",
    .side_phrase = {"apunta a su lado", "apunta a nuestro lado",
                    "cualquiera de los dos lados: decide el patrón entre dominios"},
    .of_them_ours = "nuestros",
    .delivered_on_retry = "entregados al reintentar",
    .input = "Entrada de datos",
    .files_read = "Archivos leídos",
    .log_text = "Texto de registro",
    .lines = "Líneas",
    .malformed = "Líneas mal formadas",
    .skipped = "Omitidos",
    .notes = "Notas",
    .sessions_label = "Sesiones",
    .inbound_word = "entrantes",
    .internal_word = "internas",
    .inbound_one = "entrante",
    .internal_one = "interna",
    .messages = "Mensajes",
    .recipients = "Destinatarios",
    .failed_recipients = "Destinatarios fallidos",
    .connect_failures = "Fallos de conexión",
    .open_at_end = "Sesiones cortadas por el final de los registros (no cuentan como fallos)",
    .file_list = "Los archivos leídos",
    .more_files = "%s archivos más",
    .file_columns = {"Archivo", "Tipo", "Bytes", "Líneas", "Mal formadas"},
    .kinds = {"envío", "recepción", "seguimiento", "desconocido"},
    .families = {},  // (FamilyInSpanish)
};

// The style sheet. Colours are safe for the common colour vision deficiencies and always come
// with a word or a shape: the verdicts (ours, theirs, nothing) in the Okabe-Ito palette, the
// failure families in Paul Tol's "muted" scheme, so that a family never looks like a verdict.
}  // namespace

const char* const kStyle = R"css(
:root{--ours:#D55E00;--theirs:#0072B2;--none:#009E73;--mixed:#CC79A7;--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.25em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--rule)}
h3{font-size:1.05em;margin:1.2em 0 .3em}
p,ol,ul{margin:.4em 0}
code,.mono{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.92em}
.meta{color:var(--muted);margin:0}
.verdict{border:2px solid;border-left-width:12px;border-radius:6px;padding:12px 16px;margin:12px 0}
.verdict.ours{border-color:var(--ours);background:#fdebdf}
.verdict.theirs{border-color:var(--theirs);background:#e2eff8}
.verdict.none{border-color:var(--none);background:#def3ec}
.verdict .line{font-size:1.3em;font-weight:700;margin:0 0 .3em}
.verdict .icon{display:inline-block;min-width:1.2em}
.verdict .summary{font-size:1.05em}
.verdict ol{padding-left:1.4em}
.badge{display:inline-block;padding:1px 7px;border-radius:4px;font-weight:700;font-size:.85em;white-space:nowrap;border:1px solid}
.badge.ours{background:#fdebdf;border-color:var(--ours);color:#8a3300}
.badge.theirs{background:#e2eff8;border-color:var(--theirs);color:#004a75}
.badge.mixed{background:#f7e6ef;border-color:var(--mixed);color:#7a2d59}
.badge.refused,.badge.healthy{background:#eee;border-color:#999;color:#333}
.tag{font-size:.8em;font-weight:700;color:#8a3300;white-space:nowrap}
.incident{border:1px solid var(--rule);border-radius:6px;padding:8px 14px;margin:10px 0;break-inside:avoid}
.incident h3{margin-top:.3em}
figure{margin:8px 0}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block;font-size:11px;font-family:inherit}
svg.small{max-width:460px}
.scroll{overflow-x:auto}
.scroll svg.chart{min-width:560px}
svg.spark{width:120px;height:24px;display:block}
svg text{fill:#333}
svg .grid{stroke:#e4e4e4;stroke-width:1}
svg .axis{stroke:#777;stroke-width:1}
svg .band{fill:#fbe3d0}
svg .band-label{fill:#8a3300;font-weight:700}
svg .hit{fill:transparent}
svg .hit:hover{fill:rgba(0,0,0,.08)}
svg .lbl{font-size:10px}
.act{fill:#c9c9c9;background:#c9c9c9}
.aff{fill:#D55E00;background:#D55E00}
.sp{fill:#0072B2}
.sp.ours{fill:#D55E00}
.sp-base{stroke:#bbb;stroke-width:1}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.9em}
.sw{display:inline-block;width:.9em;height:.9em;margin-right:5px;vertical-align:-1px;border:1px solid #0003}
.f-recipient{fill:#88CCEE;background:#88CCEE}
.f-destination{fill:#44AA99;background:#44AA99}
.f-sender{fill:#117733;background:#117733}
.f-reputation{fill:#AA4499;background:#AA4499}
.f-authentication{fill:#DDCC77;background:#DDCC77}
.f-content{fill:#999933;background:#999933}
.f-throttling{fill:#BBBBBB;background:#BBBBBB}
.f-protocol{fill:#882255;background:#882255}
.f-connection{fill:#332288;background:#332288}
.f-dns{fill:#CC6677;background:#CC6677}
.f-expired{fill:#666;background:#666}
.f-other{fill:#DDDDDD;background:#DDDDDD}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
table.domains{table-layout:fixed}
.domains th:nth-child(1){width:9em}
.domains th:nth-child(3){width:14em}
.domains th:nth-child(4){width:8.5em}
.domains th:nth-child(5){width:6.5em}
.domains th:nth-child(6){width:6.5em}
.domains th:nth-child(7){width:136px}
.domains td{overflow-wrap:anywhere}
.domains tr.main td{border-bottom:0;padding-bottom:2px}
.domains tr.detail td{padding-top:0;font-size:.9em;color:var(--muted)}
.domains tbody{break-inside:avoid}
.domains td.when{white-space:normal}
.sample{overflow-wrap:anywhere}
th,td{text-align:left;vertical-align:top;padding:5px 7px;border-bottom:1px solid var(--rule)}
th{background:#f3f3f3;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.when{white-space:nowrap}
.reasons{list-style:none;padding:0;margin:0}
.dom{font-weight:600;overflow-wrap:anywhere}
.note{color:var(--muted)}
.reason-block{border-left:4px solid var(--rule);padding:2px 12px;margin:10px 0;break-inside:avoid}
.reason-block.ours{border-left-color:var(--ours)}
.stats{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:6px 0}
.stats dt{font-weight:600}
.stats dd{margin:0}
details{margin:6px 0}
summary{cursor:pointer;color:var(--theirs)}
footer{color:var(--muted);font-size:.85em;margin:2em 0 1em;border-top:1px solid var(--rule);padding-top:6px}
@media screen and (max-width:800px){
body{font-size:14px}
main{padding:10px}
.verdict .line{font-size:1.12em}
table.domains thead{display:none}
table.domains,table.domains tbody,table.domains tr,table.domains td{display:block;width:100%}
table.domains tbody{border:1px solid var(--rule);border-radius:6px;margin:8px 0;padding:4px 0}
table.domains td{border:0;padding:2px 8px}
table.domains td.pad{display:none}
table.domains td[data-label]::before{content:attr(data-label);display:block;font-size:.8em;color:var(--muted)}
table.domains td.num{text-align:left}
}
@media print{
@page{margin:10mm}
body{font-size:10pt;background:#fff}
table{font-size:.85em}
.domains th:nth-child(1){width:7.5em}
.domains th:nth-child(3){width:11em}
.domains th:nth-child(4){width:7.5em}
.domains th:nth-child(5){width:6.5em}
.domains th:nth-child(6){width:5em}
.domains th:nth-child(7){width:112px}
svg.spark{width:96px}
main{max-width:none;padding:0}
.scroll{overflow:visible}
.scroll svg.chart{min-width:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h2{break-after:avoid}
figure,.verdict,.incident,tr,tbody,.reason-block{break-inside:avoid}
thead{display:table-header-group}
summary{color:var(--ink)}
svg .hit{display:none}
}
)css";

const Words& WordsFor(Lang lang) { return lang == Lang::kEs ? kEs : kEn; }

}  // namespace smtptriage::html
