// The event parser: turns the lines of one SMTP protocol log (Send or Receive) into events. The
// log type comes from `#Log-type`, the columns from `#Fields` (never fixed positions); a new
// header block mid-stream switches schema. A file with no header (an excerpt) is recognised from
// its rows, and the assumption is noted in the diagnostics. Malformed lines are counted in the
// Diagnostics and skipped. Views in an event point into the line source's buffer or the CSV
// scratch and are valid until the next Next() call. Not thread-safe: one parser per file.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "smtptriage/csv.h"
#include "smtptriage/diagnostics.h"
#include "smtptriage/line_source.h"
#include "smtptriage/time_util.h"
#include "smtptriage/vocabulary.h"

namespace smtptriage {

struct ProtocolEvent {
  TimeMs time = 0;
  std::string_view connector;
  std::string_view session;      // the session-id text as logged
  uint64_t session_id = 0;       // the id as a number (a hash when it is not hexadecimal)
  int64_t sequence = -1;         // -1 when missing or not a number
  std::string_view local_endpoint;
  std::string_view remote_endpoint;
  char type = 0;                 // '+', '-', '>', '<' or '*'
  std::string_view data;
  std::string_view context;
  int64_t line = 0;
};

// The columns of a protocol log, in the order of kProtocolFieldNames.
enum ProtocolField {
  kFieldDateTime, kFieldConnector, kFieldSession, kFieldSequence, kFieldLocal, kFieldRemote,
  kFieldEvent, kFieldData, kFieldContext, kProtocolFieldCount,
};
extern const std::array<std::string_view, kProtocolFieldCount> kProtocolFieldNames;

// Log kind from the `#Log-type:` value; kUnknown for types this parser does not read.
LogKind LogKindFromHeader(std::string_view log_type);
// Log kind guessed from a file name (SEND*/RECV*, "SmtpSend", "SmtpReceive", "Recive").
LogKind LogKindFromName(std::string_view path);

class EventParser {
 public:
  // `path` names the file in messages; `hint` is the kind guessed from the name (may be kUnknown).
  EventParser(std::string path, std::unique_ptr<LineSource> source, Diagnostics* diag,
              LogKind hint);

  // Returns the next well-formed event; false at the end of the file (or on a read error, which
  // is then recorded as a skipped remainder in the diagnostics).
  bool Next(ProtocolEvent* ev);

  // Push mode (follow): parses one line given by the caller (the source may be null). Header
  // lines update the schema; returns true when the line was a well-formed event.
  bool ParseLine(const LineView& line, ProtocolEvent* ev);

  // The header lines in force, to resume a followed file without reading its start again.
  const std::string& log_type_line() const { return log_type_line_; }
  const std::string& fields_line() const { return fields_line_; }

  LogKind kind() const { return kind_; }
  // False when the file's #Log-type names a log this parser does not read (the rest is skipped).
  bool readable() const { return readable_; }
  // Whether the file had a #Fields header.
  bool have_fields() const { return have_fields_; }
  const std::string& path() const { return path_; }
  int64_t lines() const { return lines_; }
  int64_t bytes() const { return source_ ? source_->bytes() : 0; }

 private:
  void Header(std::string_view line, int64_t number);
  bool InferLayout(std::span<const std::string_view> fields);
  // ParseLogTimestamp, with the second of the previous row remembered.
  bool ParseTime(std::string_view s, TimeMs* out);
  bool Convert(std::span<const std::string_view> f, int64_t number, std::string_view line,
               ProtocolEvent* ev);

  std::string path_;
  std::unique_ptr<LineSource> source_;
  Diagnostics* diag_;
  CsvSplitter csv_;
  LogKind kind_;
  bool readable_ = true;
  bool have_fields_ = false;
  bool saw_header_ = false;
  bool reported_binary_ = false;
  std::array<int, kProtocolFieldCount> column_{};  // column of each field, -1 when absent
  size_t field_count_ = 0;
  int64_t lines_ = 0;
  std::string log_type_line_;
  std::string fields_line_;
  // The previous row's second ("yyyy-MM-ddTHH:mm:ss") and its time.
  static constexpr TimeMs kNoSecond = INT64_MIN;
  char second_text_[19] = {};
  TimeMs second_start_ = kNoSecond;
};

}  // namespace smtptriage
