// Message tracking logs (MSGTRK*.LOG): the NDRs themselves, DNS failures and expiries that a
// protocol log never shows. The parser reads one file's rows into events, the columns taken from
// `#Fields` (the 21, 26, 27 and 30-column layouts of Exchange 2007 to 2019, never fixed
// positions); a file with no header is recognised from its rows and the assumption is noted in
// the diagnostics. Unknown event ids are passed through untouched. Views in an event are valid
// until the next Next() call. Not thread-safe: one parser per file.
//
// TrackingRecords() turns one event into the pipeline's data: a SessionRecord of LogKind::kTracking
// with one outcome per recipient (`recipient-address` and `recipient-status` are parallel
// `;`-separated lists), so the classifier, the aggregator and the incident model apply as to a
// protocol session.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtptriage/csv.h"
#include "smtptriage/diagnostics.h"
#include "smtptriage/line_source.h"
#include "smtptriage/session.h"
#include "smtptriage/time_util.h"

namespace smtptriage {

// The columns read, in the order of kTrackingFieldNames. Absent ones read as empty.
enum TrackingField {
  kTrkDateTime, kTrkClientIp, kTrkClientHostname, kTrkServerIp, kTrkServerHostname,
  kTrkSourceContext, kTrkConnector, kTrkSource, kTrkEventId, kTrkInternalMessageId,
  kTrkMessageId, kTrkRecipientAddress, kTrkRecipientStatus, kTrkRecipientCount, kTrkSubject,
  kTrkSender, kTrkReturnPath, kTrkDirectionality, kTrkFieldCount,
};
extern const std::array<std::string_view, kTrkFieldCount> kTrackingFieldNames;

struct TrackingEvent {
  TimeMs time = 0;
  std::array<std::string_view, kTrkFieldCount> field{};
  int64_t line = 0;
  std::string_view get(TrackingField f) const { return field[f]; }
};

// A recipient status taken apart: the reply (from LED= when the status is the queue's wrapped
// last error), and the remote host and IP named by FQDN=/IP=.
struct TrackingStatus {
  int code = 0;
  std::string enhanced;
  std::string text;        // the reply as logged (without the {[...]} wrapping)
  std::string remote_host;
  std::string remote_ip;
};
TrackingStatus ParseTrackingStatus(std::string_view status);

// Splits `recipient-address` and `recipient-status` into one (address, status) pair per
// recipient. A status may itself hold ';' ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
// "{[{LRT=};{LED=...};{FQDN=};{IP=}]}"): a new status starts only at a ';' outside braces that is
// followed by a reply code or an opening brace. With fewer statuses than recipients the last one
// applies to the rest.
std::vector<std::pair<std::string_view, std::string_view>> SplitRecipients(
    std::string_view addresses, std::string_view statuses);

// True when the first lines of `path` say it is a message tracking log (its #Log-type, or rows
// with a message tracking layout when there is no header).
bool LooksLikeTrackingFile(const std::string& path);

class TrackingParser {
 public:
  TrackingParser(std::string path, std::unique_ptr<LineSource> source, Diagnostics* diag);

  // The next well-formed row; false at the end of the file (a read error is recorded).
  bool Next(TrackingEvent* ev);

  int64_t lines() const { return lines_; }
  int64_t bytes() const { return source_ ? source_->bytes() : 0; }
  bool readable() const { return readable_; }
  // Columns of the layout in force (21, 26, 27, 30...; 0 before any).
  size_t field_count() const { return field_count_; }

 private:
  void Header(std::string_view line, int64_t number);
  bool InferLayout(std::span<const std::string_view> f);
  void SetColumns(const std::vector<std::string_view>& names);

  std::string path_;
  std::unique_ptr<LineSource> source_;
  Diagnostics* diag_;
  CsvSplitter csv_;
  bool readable_ = true;
  bool have_fields_ = false;
  bool saw_header_ = false;
  std::array<int, kTrkFieldCount> column_{};
  size_t field_count_ = 0;
  int64_t lines_ = 0;
};

// The pipeline's view of one tracking row, or nothing for rows that are no delivery attempt
// (NOTIFYMAPI, AGENTINFO, DSN, a mailbox submission, unknown ids...). FAIL and DEFER give failed
// recipients (stage kQueue, or kConnect/kRcpt when the status says so); SEND, SENDEXTERNAL and
// DELIVER delivered ones; RECEIVE over SMTP an inbound message. `file` indexes the file table.
// The subject is personal data: it is carried only with `keep_subject` (--show-subjects).
std::optional<SessionRecord> TrackingRecord(const TrackingEvent& ev, uint32_t file,
                                            bool keep_subject = false);

// One recipient of one message, the same in every log that mentions it (the message id without
// its <> and the address, lower case, and whether the message came in or went out): the key that
// joins a tracking row to the protocol session that carried the message.
uint64_t MessageJoinKey(std::string_view message_id, std::string_view address, Direction d);

// The #Fields list (comma-separated) of the message tracking layouts Exchange writes: 21
// (2007), 26 (2010), 27 (2013) or 30 (2016/2019) columns; empty for another count.
std::string TrackingLayout(size_t count);

struct TrackingFileStats {
  bool opened = false;
  bool readable = false;
  int64_t lines = 0;
  int64_t bytes = 0;
  int64_t events = 0;
  int64_t records = 0;   // rows that became a SessionRecord
};

// Reads one tracking file into `sink` (records in row order); problems go to `diag`.
TrackingFileStats ScanTrackingFile(const std::string& path, uint32_t file, SessionSink* sink,
                                   Diagnostics* diag, bool keep_subjects = false);

}  // namespace smtptriage
