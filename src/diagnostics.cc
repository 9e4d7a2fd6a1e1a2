#include "smtptriage/diagnostics.h"

#include <iterator>

namespace smtptriage {

namespace {

struct ProblemWords {
  LineProblem problem;
  std::string_view en, es;
};

// Each row names its problem, so that a row out of place is a compile error, not a reason said
// in the words of another.
constexpr ProblemWords kMalformedWords[] = {
    {LineProblem::kFewerFields, "fewer fields than #Fields", "menos campos que #Fields"},
    {LineProblem::kMoreFields, "more fields than #Fields", "más campos que #Fields"},
    {LineProblem::kUnterminatedQuote, "unterminated quote", "comillas sin cerrar"},
    {LineProblem::kBinary, "binary data (NUL bytes)", "datos binarios (bytes NUL)"},
    {LineProblem::kTooLong, "line longer than 8 MiB", "línea de más de 8 MiB"},
    {LineProblem::kBadTime, "bad date-time", "fecha y hora no válidas"},
    {LineProblem::kUnknownEvent, "unknown event type", "tipo de evento desconocido"},
    {LineProblem::kRowBeforeFields, "data row before #Fields", "fila de datos antes de #Fields"},
    {LineProblem::kNotProtocolRow, "no #Fields header and not a protocol log row",
     "sin cabecera #Fields y no es una fila de registro de protocolo"},
    {LineProblem::kNotTrackingRow, "no #Fields header and not a message tracking row",
     "sin cabecera #Fields y no es una fila de seguimiento de mensajes"},
    {LineProblem::kProtocolFieldsShort, "#Fields without date-time, session-id and event",
     "#Fields sin date-time, session-id y event"},
    {LineProblem::kTrackingFieldsShort, "#Fields without date-time and event-id",
     "#Fields sin date-time y event-id"},
};

constexpr bool EveryRowInPlace() {
  for (size_t i = 0; i < std::size(kMalformedWords); ++i) {
    if (static_cast<size_t>(kMalformedWords[i].problem) != i) return false;
  }
  return std::size(kMalformedWords) == static_cast<size_t>(LineProblem::kTrackingFieldsShort) + 1;
}
static_assert(EveryRowInPlace(), "kMalformedWords: one row per LineProblem, in its order");

}  // namespace

std::pair<std::string_view, std::string_view> MalformedWords(LineProblem why) {
  const ProblemWords& w = kMalformedWords[static_cast<size_t>(why)];
  return {w.en, w.es};
}

std::string_view MalformedWords(std::string_view english, bool spanish) {
  if (!spanish) return english;
  for (const ProblemWords& w : kMalformedWords) {
    if (english == w.en) return w.es;
  }
  return english;
}

std::string SkippedFile::where() const {
  return line > 0 ? path + ":" + std::to_string(line) : path;
}

std::string FormatMalformed(const MalformedLine& m) {
  constexpr size_t kMaxShown = 4096;
  std::string s = m.file + ":" + std::to_string(m.line) + ": ";
  s.append(m.reason).append(": ").append(m.text.substr(0, kMaxShown));
  if (m.text.size() > kMaxShown) s += " [...]";
  return s;
}

void Diagnostics::Malformed(const std::string& file, int64_t line, LineProblem why,
                            std::string_view text) {
  const std::string_view reason = MalformedWords(why).first;
  ++malformed_total_;
  MalformedReason& r = by_reason_[std::string(reason)];
  ++r.count;
  if (r.examples.size() < kMaxExamples) r.examples.push_back(file + ":" + std::to_string(line));
  FileDiagnostics& f = by_file_[file];
  ++f.malformed;
  if (f.first_lines.size() < kMaxExamples) f.first_lines.push_back(line);
  if (unparsed_ == nullptr && !listener_) return;
  const MalformedLine m{file, line, reason, text};
  if (unparsed_ != nullptr) *unparsed_ << FormatMalformed(m) << '\n';
  if (listener_) listener_(m);
}

void Diagnostics::AddCounted(const std::string& reason, int64_t count,
                             const std::vector<std::string>& examples) {
  malformed_total_ += count;
  MalformedReason& r = by_reason_[reason];
  r.count += count;
  for (const std::string& e : examples) {
    if (r.examples.size() < kMaxExamples) r.examples.push_back(e);
  }
}

void Diagnostics::AddCountedFile(const std::string& file, int64_t count,
                                 const std::vector<int64_t>& lines) {
  FileDiagnostics& f = by_file_[file];
  f.malformed += count;
  for (int64_t l : lines) {
    if (f.first_lines.size() < kMaxExamples) f.first_lines.push_back(l);
  }
}

void Diagnostics::Skipped(const std::string& path, std::string reason, int64_t line) {
  // A reason from a Status that begins with the path names it once, with the path given.
  if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
  skipped_.push_back({path, std::move(reason), line});
}

void Diagnostics::Note(const std::string& path, std::string note) {
  notes_.push_back({path, std::move(note)});
}

void Diagnostics::Merge(const Diagnostics& other) {
  malformed_total_ += other.malformed_total_;
  for (const auto& [reason, r] : other.by_reason_) {
    MalformedReason& mine = by_reason_[reason];
    mine.count += r.count;
    for (const std::string& e : r.examples) {
      if (mine.examples.size() < kMaxExamples) mine.examples.push_back(e);
    }
  }
  for (const auto& [file, f] : other.by_file_) {
    FileDiagnostics& mine = by_file_[file];
    mine.malformed += f.malformed;
    for (int64_t l : f.first_lines) {
      if (mine.first_lines.size() < kMaxExamples) mine.first_lines.push_back(l);
    }
  }
  skipped_.insert(skipped_.end(), other.skipped_.begin(), other.skipped_.end());
  notes_.insert(notes_.end(), other.notes_.begin(), other.notes_.end());
}

}  // namespace smtptriage
