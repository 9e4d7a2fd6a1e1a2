#include "smtptriage/tracking_parser.h"

#include <cstring>

#include "smtptriage/reply.h"
#include "smtptriage/smtp_text.h"

namespace smtptriage {

const std::array<std::string_view, kTrkFieldCount> kTrackingFieldNames = {
    "date-time",        "client-ip",           "client-hostname", "server-ip",
    "server-hostname",  "source-context",      "connector-id",    "source",
    "event-id",         "internal-message-id", "message-id",      "recipient-address",
    "recipient-status", "recipient-count",     "message-subject", "sender-address",
    "return-path",      "directionality",
};

namespace {

// The column lists of the layouts Exchange writes, for files with no #Fields header.
constexpr std::string_view k2007 =
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,recipient-address,recipient-status,"
    "total-bytes,recipient-count,related-recipient-address,reference,message-subject,"
    "sender-address,return-path,message-info";
constexpr std::string_view k2010Extra =
    ",directionality,tenant-id,original-client-ip,original-server-ip,custom-data";
constexpr std::string_view k2016Extra = ",transport-traffic-type,log-id,schema-version";

}  // namespace

std::string TrackingLayout(size_t count) {
  std::string s(k2007);
  if (count == 21) return s;
  s += k2010Extra;
  if (count == 26) return s;
  size_t at = s.find(",recipient-address");
  s.insert(at, ",network-message-id");
  if (count == 27) return s;
  if (count == 30) return s + std::string(k2016Extra);
  return {};
}

namespace {

std::vector<std::string_view> SplitNames(std::string_view list) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.remove_suffix(1);
    out.push_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// An event id: upper-case letters only (RECEIVE, SENDEXTERNAL, HAREDIRECTFAIL...).
bool LooksLikeEventId(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Where a new status starts after a ';': a reply code ("550 ", "250 2.1.5Recipient") or a brace.
bool StartsStatus(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return false;
  if (s.front() == '{') return true;
  return s.size() >= 3 && IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) &&
         (s.size() == 3 || s[3] == ' ' || IsDigit(s[3]) || s[3] == '-');
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `{KEY=value}` inside a wrapped last error; empty when absent.
std::string_view WrappedValue(std::string_view wrapped, std::string_view key) {
  std::string needle = "{" + std::string(key) + "=";
  size_t at = wrapped.find(needle);
  if (at == std::string_view::npos) return {};
  at += needle.size();
  // The value runs to the '}' that closes this element: the next "};{" or "}]}".
  size_t end = wrapped.find("};{", at);
  if (end == std::string_view::npos) end = wrapped.find("}]}", at);
  if (end == std::string_view::npos) end = wrapped.find('}', at);
  return TrimView(
      wrapped.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
}

}  // namespace

TrackingStatus ParseTrackingStatus(std::string_view status) {
  TrackingStatus out;
  status = TrimView(status);
  std::string_view reply = status;
  if (StartsWith(status, "{[")) {
    reply = WrappedValue(status, "LED");
    out.remote_host = std::string(WrappedValue(status, "FQDN"));
    out.remote_ip = std::string(WrappedValue(status, "IP"));
  }
  Reply r = FindReply(reply);
  out.code = r.code;
  out.enhanced = std::string(r.enhanced);
  out.text = std::string(reply);
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> SplitRecipients(
    std::string_view addresses, std::string_view statuses) {
  std::vector<std::string_view> addr;
  while (!addresses.empty()) {
    size_t semi = addresses.find(';');
    std::string_view a = TrimView(addresses.substr(0, semi));
    if (!a.empty()) addr.push_back(a);
    if (semi == std::string_view::npos) break;
    addresses.remove_prefix(semi + 1);
  }
  std::vector<std::string_view> st;
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i < statuses.size() && addr.size() > 1; ++i) {
    char c = statuses[i];
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    if (c == ';' && depth == 0 && StartsStatus(statuses.substr(i + 1))) {
      st.push_back(TrimView(statuses.substr(start, i - start)));
      start = i + 1;
    }
  }
  st.push_back(TrimView(statuses.substr(start)));
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (size_t i = 0; i < addr.size(); ++i) {
    out.emplace_back(addr[i], i < st.size() ? st[i] : st.back());
  }
  return out;
}

TrackingParser::TrackingParser(std::string path, std::unique_ptr<LineSource> source,
                               Diagnostics* diag)
    : path_(std::move(path)), source_(std::move(source)), diag_(diag) {
  column_.fill(-1);
}

void TrackingParser::SetColumns(const std::vector<std::string_view>& names) {
  column_.fill(-1);
  for (size_t c = 0; c < names.size(); ++c) {
    for (int i = 0; i < kTrkFieldCount; ++i) {
      if (names[c] == kTrackingFieldNames[i]) column_[i] = static_cast<int>(c);
    }
  }
  field_count_ = names.size();
  have_fields_ = column_[kTrkDateTime] >= 0 && column_[kTrkEventId] >= 0;
}

void TrackingParser::Header(std::string_view line, int64_t number) {
  saw_header_ = true;
  if (StartsWith(line, "#Log-type:")) {
    std::string_view type = TrimView(line.substr(10));
    readable_ = type == "Message Tracking Log";
    if (!readable_) {
      diag_->Skipped(path_,
                     "#Log-type \"" + std::string(type) +
                         "\" is not a message tracking log; the rest of the file is skipped",
                     number);
    }
    return;
  }
  if (!StartsWith(line, "#Fields:") || !readable_) return;
  SetColumns(SplitNames(TrimView(line.substr(8))));
  if (!have_fields_) {
    diag_->Malformed(path_, number, LineProblem::kTrackingFieldsShort, line);
  }
}

bool TrackingParser::InferLayout(std::span<const std::string_view> f) {
  TimeMs t;
  std::string layout = TrackingLayout(f.size());
  if (layout.empty() || !ParseLogTimestamp(f[0], &t) || !LooksLikeEventId(f[8])) return false;
  SetColumns(SplitNames(layout));
  const char* version = f.size() == 21   ? "Exchange 2007"
                        : f.size() == 26 ? "Exchange 2010"
                        : f.size() == 27 ? "Exchange 2013"
                                         : "Exchange 2016/2019";
  diag_->Note(path_, "no #Fields header: assumed the " + std::to_string(f.size()) +
                         "-column message tracking log layout of " + version);
  return true;
}

bool TrackingParser::Next(TrackingEvent* ev) {
  LineView line;
  while (source_ != nullptr && source_->Next(&line)) {
    lines_ = line.number;
    std::string_view text = line.text;
    if (line.overlong) {
      diag_->Malformed(path_, line.number, LineProblem::kTooLong, text.substr(0, 200));
      continue;
    }
    if (text.empty()) continue;
    if (text[0] == '#') {
      Header(text, line.number);
      continue;
    }
    if (!readable_) continue;
    if (!csv_.SplitPlain(text)) {
      if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
        diag_->Malformed(path_, line.number, LineProblem::kBinary, text.substr(0, 80));
        continue;
      }
      if (csv_.SplitQuoted(text) != CsvError::kNone) {
        diag_->Malformed(path_, line.number, LineProblem::kUnterminatedQuote, text);
        continue;
      }
    }
    std::span<const std::string_view> f = csv_.fields();
    if (!have_fields_ && !InferLayout(f)) {
      diag_->Malformed(path_, line.number,
                       saw_header_ ? LineProblem::kRowBeforeFields : LineProblem::kNotTrackingRow,
                       text);
      continue;
    }
    if (f.size() != field_count_) {
      diag_->Malformed(
          path_, line.number,
          f.size() < field_count_ ? LineProblem::kFewerFields : LineProblem::kMoreFields, text);
      continue;
    }
    for (int i = 0; i < kTrkFieldCount; ++i) {
      ev->field[i] = column_[i] < 0 ? std::string_view() : f[column_[i]];
    }
    if (!ParseLogTimestamp(ev->field[kTrkDateTime], &ev->time)) {
      diag_->Malformed(path_, line.number, LineProblem::kBadTime, text);
      continue;
    }
    ev->line = line.number;
    return true;
  }
  if (source_ != nullptr && !source_->status().ok()) {
    diag_->Skipped(path_, source_->status().message() + "; the lines before it were read",
                   lines_ + 1);
  }
  return false;
}

bool LooksLikeTrackingFile(const std::string& path) {
  std::unique_ptr<LineSource> source;
  if (!OpenLineSource(path, &source).ok()) return false;
  CsvSplitter csv;
  LineView line;
  for (int n = 0; n < 20 && source->Next(&line); ++n) {
    std::string_view t = line.text;
    if (StartsWith(t, "#Log-type:")) return TrimView(t.substr(10)) == "Message Tracking Log";
    if (t.empty() || t[0] == '#') continue;
    if (csv.Split(t) != CsvError::kNone) return false;
    const auto& f = csv.fields();
    TimeMs time;
    return !TrackingLayout(f.size()).empty() && ParseLogTimestamp(f[0], &time) &&
           LooksLikeEventId(f[8]);
  }
  return false;
}

}  // namespace smtptriage
