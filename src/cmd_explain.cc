// `smtptriage explain`: explains SMTP replies (or NDR text pasted around them) from the rules.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/commands.h"
#include "smtptriage/exit_codes.h"
#include "smtptriage/reply.h"
#include "smtptriage/reporters.h"
#include "smtptriage/smtp_text.h"

namespace po = boost::program_options;

namespace smtptriage {
namespace {

constexpr const char* kExplainUsage =
    "Usage: smtptriage explain [options] REPLY...\n"
    "       smtptriage explain [options] -      (one reply per line from stdin, or a pasted\n"
    "                                            NDR: the lines that hold a reply code)\n"
    "Explains an SMTP reply, or the text of an NDR around it: the reason, whose side it points\n"
    "to, whether a retry can help, what it means and what to check.\n";

struct ExplainOptions {
  Lang lang = Lang::kEn;
  bool json = false;
  Stage stage = Stage::kOther;
  LogKind log = LogKind::kSend;
};

struct Labels {
  const char* reply;
  const char* reason;
  const char* points_to;
  const char* retry;
  const char* means;
  const char* check;
  const char* matched;
  const char* remote;
  const char* local;
  const char* either;
  const char* permanent;
  const char* transient;
  const char* unknown;  // retry, for a text with no code that no rule recognised
  const char* inbound;  // "Points to" for a reply of our own server (a Receive log)
};

constexpr Labels kEnLabels = {
    "Reply", "Reason", "Points to", "Retry", "What it means", "What to check", "Matched rule",
    "the recipient's side (theirs)", "our side (ours)",
    "either side: decide from how it spreads (one domain: theirs; many domains at once: ours)",
    "permanent: retrying the same message will not help until something changes",
    "transient: the sending server retries by itself; it may clear without action",
    "not known: the text holds no SMTP reply code, and no rule recognised it",
    "our own server's answer to mail sent to us (a Receive log): not a failure of our "
    "outgoing mail"};

constexpr Labels kEsLabels = {
    "Respuesta", "Motivo", "Apunta a", "Reintento", "Qué significa", "Qué comprobar",
    "Regla aplicada", "el lado del destinatario (suyo)", "nuestro lado (nuestro)",
    "cualquiera de los dos: decida por cómo se extiende (un dominio: suyo; muchos dominios a la "
    "vez: nuestro)",
    "permanente: reintentar el mismo mensaje no servirá hasta que algo cambie",
    "temporal: el servidor emisor reintenta solo; puede resolverse sin intervenir",
    "desconocido: el texto no tiene código de respuesta SMTP y ninguna regla lo reconoció",
    "la respuesta de nuestro propio servidor al correo que nos envían (un registro Receive): no "
    "es un fallo de nuestro correo saliente"};

// Whether a retry helps is the reply code's class, or what a rule says; a text with neither
// (not a reply, or one cut before its code) does not say.
bool RetryUnknown(const Reply& reply, const Classification& c) {
  return reply.code == 0 && reply.enhanced.empty() && c.rule->tier == "class";
}

const char* SideText(const Labels& l, Side s) {
  return s == Side::kRemote ? l.remote : s == Side::kLocal ? l.local : l.either;
}

void PrintText(const std::string& input, const Reply& reply, const Classification& c,
               const std::string& why_text, const ExplainOptions& o, std::ostream& out) {
  const Labels& l = o.lang == Lang::kEs ? kEsLabels : kEnLabels;
  const Rule& r = *c.rule;
  out << l.reply << ": " << input << "\n";
  if (reply.code || !reply.enhanced.empty()) {
    std::string codes = reply.code ? std::to_string(reply.code) : "";
    if (!reply.enhanced.empty()) codes += (codes.empty() ? "" : " ") + std::string(reply.enhanced);
    out << "  (" << codes << ")\n";
  }
  out << l.reason << ": " << ToString(c.reason) << " ("
      << FamilyName(c.family, o.lang) << ")\n";
  out << l.points_to << ": " << (o.log == LogKind::kReceive ? l.inbound : SideText(l, c.side))
      << "\n";
  out << l.retry << ": "
      << (RetryUnknown(reply, c)              ? l.unknown
          : c.retry == Retry::kPermanent ? l.permanent
                                              : l.transient)
      << "\n";
  out << l.means << ":\n  " << r.explanation.Get(o.lang) << "\n";
  out << l.check << ":\n";
  for (size_t i = 0; i < r.checks.size(); ++i) {
    out << "  " << (i + 1) << ". " << r.checks[i].Get(o.lang) << "\n";
  }
  std::string why = why_text;
  // "rule ID (tier): conditions" reads better as "ID (tier) — conditions" after the label.
  if (why.rfind("rule ", 0) == 0) why = why.substr(5);
  size_t colon = why.find("): ");
  if (colon != std::string::npos) why.replace(colon, 3, ") \xE2\x80\x94 ");
  out << l.matched << ": " << why << "\n";
}

void PrintJson(const std::string& input, const Reply& reply, const Classification& c,
               const std::string& why_text, const ExplainOptions& o, std::ostream& out) {
  nlohmann::ordered_json j;
  j["input"] = input;
  j["code"] = reply.code ? nlohmann::ordered_json(reply.code) : nlohmann::ordered_json(nullptr);
  j["enhanced"] = reply.enhanced.empty() ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(std::string(reply.enhanced));
  j["reason"] = ToString(c.reason);
  j["family"] = ToString(c.family);
  j["side"] = ToString(c.side);
  j["retry"] = RetryUnknown(reply, c) ? nlohmann::ordered_json(nullptr)
                                      : nlohmann::ordered_json(ToString(c.retry));
  j["rule"] = c.rule->id;
  j["tier"] = c.rule->tier;
  j["why"] = why_text;
  j["explanation"] = c.rule->explanation.Get(o.lang);
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const LocalizedText& t : c.rule->checks) checks.push_back(t.Get(o.lang));
  j["checks"] = checks;
  // Replies pasted from anywhere may hold invalid UTF-8; replace rather than throw.
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void ExplainOne(const Classifier& classifier, std::string input, const ExplainOptions& o,
                bool first, std::ostream& out) {
  while (!input.empty() && (input.back() == '\r' || input.back() == '\n')) input.pop_back();
  Reply reply = FindReply(input);
  // The whole pasted text is matched, not only the part from the code on: NDR wording around
  // the reply ("... blocked using dnsbl.sorbs.net") often carries the meaning.
  ReplyInput in{reply.code, reply.enhanced, input, o.stage, o.log};
  Classification c = classifier.Classify(in);
  if (o.json) {
    PrintJson(input, reply, c, classifier.Why(in, c), o, out);
  } else {
    if (!first) out << "\n";
    PrintText(input, reply, c, classifier.Why(in, c, o.lang), o, out);
  }
}

// The replies to explain in text read from stdin. A list of replies is explained line by line
// (one answer a line, for scripts), the raw lines of one multi-line reply ("550-5.7.25 ...",
// "550-5.7.25 ...", "550 5.7.25 ...", as a log holds them) joined into one. A pasted NDR (fewer
// than half of the lines hold a reply code, or it has Exchange's NDR headings) gives only its
// replies, consecutive lines of the same code joined, each reply once.
std::vector<std::string> RepliesOfPaste(std::istream& in) {
  struct Line {
    std::string text;
    int code;
    std::string enhanced;
    bool reply;
    bool continuation;  // "550-..." (more lines follow)
    size_t at;          // where the code stands in `text`
  };
  std::vector<Line> lines;
  size_t with_reply = 0;
  bool ndr = false;  // an Exchange NDR's headings: not a list of replies
  std::string text;
  while (std::getline(in, text)) {
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    Reply r = FindReply(text);
    const bool reply = r.code != 0 || !r.enhanced.empty();
    const size_t at = r.code != 0 ? static_cast<size_t>(r.text.data() - text.data()) : 0;
    lines.push_back({text, r.code, std::string(r.enhanced), reply, r.code != 0 && r.continuation,
                     at});
    with_reply += reply;
    for (const char* heading : {"Diagnostic information for administrators",
                                "Delivery has failed to these recipients",
                                "Generating server:", "Original message headers"}) {
      ndr |= text.find(heading) != std::string::npos;
    }
  }
  std::vector<std::string> out;
  if (with_reply == 0) {
    // No reply code anywhere (the user-facing part of an NDR, "bob wasn't found at
    // example.com."): the text as one reply, for the rules that know such words.
    std::string whole;
    for (const Line& l : lines) whole += (whole.empty() ? "" : " ") + l.text;
    if (!whole.empty()) out.push_back(std::move(whole));
    return out;
  }
  if (!ndr && 2 * with_reply >= lines.size()) {
    const Line* open = nullptr;  // the first line of a reply whose last line has not come yet
    for (Line& l : lines) {
      if (open != nullptr && l.at == 0 && l.code == open->code && l.enhanced == open->enhanced) {
        AppendReplyLine(&out.back(), l.text, true);
        if (!l.continuation) open = nullptr;
        continue;
      }
      open = nullptr;
      out.push_back(l.text);
      // (a line that holds its code again is a whole reply collapsed into one line already)
      const bool collapsed = l.text.find(l.text.substr(0, 3) + "-", 4) != std::string::npos;
      if (l.continuation && l.at == 0 && !collapsed) {
        out.back()[3] = ' ';
        open = &l;
      }
    }
    return out;
  }
  const Line* previous = nullptr;  // the line before, when it held a reply
  for (const Line& l : lines) {
    if (!l.reply) {
      previous = nullptr;
      continue;
    }
    if (previous != nullptr && previous->code == l.code && previous->enhanced == l.enhanced) {
      out.back() += " " + l.text;
    } else {
      out.push_back(l.text);
    }
    previous = &l;
  }
  std::vector<std::string> once;
  for (std::string& r : out) {
    if (std::find(once.begin(), once.end(), r) == once.end()) once.push_back(std::move(r));
  }
  return once;
}

}  // namespace

int RunExplain(const Args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string lang, format = "text", rules_dir, stage = "other", log = "send";
  std::vector<std::string> rules, replies;
  po::options_description desc("Options");
  desc.add_options()("help,h", "show this help")
      ("lang", po::value(&lang),
       "language of explanations: en or es (default: from LC_ALL, LC_MESSAGES or LANG)")
      ("format,f", po::value(&format)->default_value("text"), "text or json (one object a line)")
      ("rules", po::value(&rules)->composing(),
       "site rules file (JSON), tried before the built-in rules; repeatable")
      ("rules-dir", po::value(&rules_dir),
       "use the rules in this folder instead of the built-in ones")
      ("stage", po::value(&stage)->default_value("other"),
       "the SMTP stage the reply answered: connect, banner, ehlo, starttls, tls, auth, mail, "
       "rcpt, data, rset, quit, lost, queue, other")
      ("log", po::value(&log)->default_value("send"),
       "the log it came from: send, receive, tracking");
  po::options_description hidden;
  hidden.add_options()("reply", po::value(&replies)->composing());
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("reply", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "smtptriage explain: " << e.what() << "\nTry 'smtptriage explain --help'.\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    out << kExplainUsage << "\n" << desc;
    return kExitOk;
  }
  ExplainOptions o;
  o.lang = DefaultLang();
  if (!lang.empty() && !ParseLang(lang, &o.lang)) {
    err << "smtptriage explain: --lang: expected en or es, got '" << lang << "'\n";
    return kExitUsage;
  }
  if (format != "text" && format != "json") {
    err << "smtptriage explain: --format: expected text or json, got '" << format << "'\n";
    return kExitUsage;
  }
  o.json = format == "json";
  auto st = ParseStage(stage);
  auto lk = ParseLogKind(log);
  if (!st) {
    err << "smtptriage explain: --stage: unknown stage '" << stage << "'\n";
    return kExitUsage;
  }
  if (!lk || *lk == LogKind::kUnknown) {
    err << "smtptriage explain: --log: expected send, receive or tracking, got '" << log << "'\n";
    return kExitUsage;
  }
  o.stage = *st;
  o.log = *lk;
  if (replies.empty()) {
    err << "smtptriage explain: no REPLY given (use - to read replies from stdin)\n"
        << kExplainUsage;
    return kExitUsage;
  }
  for (const std::string& r : replies) {
    if (r.find_first_not_of(" \t\r\n") == std::string::npos) {
      err << "smtptriage explain: an empty REPLY: give the text of the reply (quoted), or - to "
             "read replies from stdin\n";
      return kExitUsage;
    }
  }
  std::unique_ptr<Classifier> classifier;
  Status s = Classifier::Load(rules_dir, rules, &classifier);
  if (!s.ok()) {
    err << "smtptriage explain: rules:\n" << s.message() << "\n";
    return kExitUsage;
  }
  bool first = true;
  for (const std::string& r : replies) {
    if (r == "-") {
      const std::vector<std::string> pasted = RepliesOfPaste(in);
      if (pasted.empty()) {
        err << "smtptriage explain: nothing to explain on stdin: paste the reply or the NDR\n";
        return kExitUsage;
      }
      for (const std::string& reply : pasted) {
        ExplainOne(*classifier, reply, o, first, out);
        first = false;
      }
    } else {
      ExplainOne(*classifier, r, o, first, out);
      first = false;
    }
  }
  out.flush();
  return kExitOk;
}

}  // namespace smtptriage
