#include "smtptriage/scanner.h"

#include "smtptriage/event_parser.h"
#include "smtptriage/line_source.h"
#include "smtptriage/tracking_parser.h"

namespace smtptriage {

ScanStats ScanFiles(const std::vector<InputFile>& files, SessionSink* sink,
                    const MatcherOptions& options, Diagnostics* diag, Report* report) {
  ScanStats stats;
  // Send and Receive sessions are numbered by separate counters on a server: keep them apart.
  SessionMatcher send(sink, options);
  SessionMatcher receive(sink, options);
  // Message tracking files are read after every protocol session has been handed on, so that
  // the sink knows which messages a protocol log already counted (see the Aggregator).
  std::vector<uint32_t> tracking;
  for (uint32_t i = 0; i < files.size(); ++i) {
    const InputFile& f = files[i];
    if (f.kind == LogKind::kTracking ||
        (f.kind == LogKind::kUnknown && LooksLikeTrackingFile(f.path))) {
      tracking.push_back(i);
      continue;
    }
    std::unique_ptr<LineSource> source;
    Status s = OpenLineSource(f.path, &source);
    if (!s.ok()) {
      diag->Skipped(f.path, s.message());
      continue;
    }
    EventParser parser(f.path, std::move(source), diag, f.kind);
    ProtocolEvent ev;
    int64_t events = 0;
    while (parser.Next(&ev)) {
      ++events;
      if (parser.kind() == LogKind::kReceive) {
        receive.Feed(ev, LogKind::kReceive, i);
      } else {
        send.Feed(ev, LogKind::kSend, i);
      }
    }
    InputFileReport fr;
    fr.path = f.path;
    fr.kind = parser.kind();
    fr.bytes = parser.bytes();
    fr.lines = parser.lines();
    auto it = diag->by_file().find(f.path);
    fr.malformed = it == diag->by_file().end() ? 0 : it->second.malformed;
    report->bytes += fr.bytes;
    report->lines += fr.lines;
    report->files.push_back(fr);
    if (parser.readable()) ++stats.files_read;
    if (parser.readable() && parser.kind() == LogKind::kUnknown && events == 0 &&
        parser.lines() > 0) {
      diag->Skipped(f.path, "not an SMTP protocol log (no #Log-type and no protocol rows)");
    }
  }
  send.Finish();
  receive.Finish();
  for (uint32_t i : tracking) {
    TrackingFileStats t = ScanTrackingFile(files[i].path, i, sink, diag, options.keep_subjects);
    if (!t.opened) continue;
    InputFileReport fr;
    fr.path = files[i].path;
    fr.kind = LogKind::kTracking;
    fr.bytes = t.bytes;
    fr.lines = t.lines;
    auto it = diag->by_file().find(fr.path);
    fr.malformed = it == diag->by_file().end() ? 0 : it->second.malformed;
    report->bytes += fr.bytes;
    report->lines += fr.lines;
    report->files.push_back(fr);
    if (t.readable) ++stats.files_read;
  }
  stats.matcher = send.stats();
  const MatcherStats& r = receive.stats();
  stats.matcher.events += r.events;
  stats.matcher.sessions += r.sessions;
  stats.matcher.closed_idle += r.closed_idle;
  stats.matcher.open_at_end += r.open_at_end;
  stats.matcher.out_of_order += r.out_of_order;
  return stats;
}

}  // namespace smtptriage
