#include "smtptriage/scanner.h"

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

#include "smtptriage/event_parser.h"
#include "smtptriage/line_source.h"
#include "smtptriage/session_pack.h"
#include "smtptriage/tracking_parser.h"

namespace smtptriage {

namespace {

// Rows of sessions begun in an earlier file are kept aside up to this much per file; a file
// that has more (an excerpt cut from the middle of a busy log) starts sessions of its own.
constexpr size_t kMaxCarryBytes = 16u << 20;

// Packed, the sessions of a Send or Receive log take about a tenth of its size (1.1 MB for each
// 10 MB log of the benchmark's corpus); room for an eighth is made at once.
constexpr int64_t kPackShare = 8;

// The sessions of one file. With one job, they go to the run's sink as they end. With several,
// they go to a part of the run's sink (see SessionSink::NewPart), joined into it when the file's
// turn comes; or, for a sink that has no parts, they are kept packed, prepared for it, until
// then. Either way the run's sink gets the same sessions in the same order as with one job.
struct FileSink : SessionSink {
  SessionSink* sink = nullptr;  // the run's
  bool direct = false;          // one job: straight to the run's sink
  std::unique_ptr<SessionSink> part;
  SessionPack sessions;
  void OnSession(SessionRecord&& s) override {
    if (direct) {
      sink->OnSession(std::move(s));
    } else if (part != nullptr) {
      part->OnSession(std::move(s));
    } else {
      sink->Prepare(s);
      sessions.Add(s);
    }
  }
};

// Marks the sessions of a tracking file with the server that wrote it.
struct ServerSink : SessionSink {
  SessionSink* to = nullptr;
  uint32_t server = 0;
  void OnSession(SessionRecord&& s) override {
    s.server = server;
    to->OnSession(std::move(s));
  }
};

// What reading one protocol log file on its own gives.
struct FileResult {
  bool opened = false;
  std::string error;                      // why it could not be opened
  LogKind kind = LogKind::kUnknown;
  bool readable = false;
  bool header = false;                    // it had a #Fields header
  int64_t bytes = 0;
  int64_t lines = 0;
  int64_t events = 0;
  TimeMs first_time = 0;                  // of its first row
  std::ostringstream unparsed;            // malformed lines, when the run writes them
  std::unique_ptr<Diagnostics> diag;
  FileSink closed;                        // sessions begun and ended in this file
  std::unique_ptr<SessionMatcher> matcher;  // holds the sessions still open at its end
  std::vector<CarriedRow> carry;          // rows of sessions begun before this file
};

void ReadProtocolFile(const InputFile& f, uint32_t index, int64_t size,
                      const MatcherOptions& options, bool keep_unparsed, SessionSink* sink,
                      bool direct, FileResult* r) {
  r->closed.sink = sink;
  r->closed.direct = direct;
  if (!direct) r->closed.part = sink->NewPart();
  if (!direct && r->closed.part == nullptr && size > 0) {
    r->closed.sessions.Reserve(static_cast<size_t>(size / kPackShare));
  }
  r->diag = std::make_unique<Diagnostics>(keep_unparsed ? &r->unparsed : nullptr);
  r->matcher = std::make_unique<SessionMatcher>(&r->closed, options);
  r->matcher->CarryUnstarted(&r->carry, kMaxCarryBytes);
  std::unique_ptr<LineSource> source;
  Status s = OpenLineSource(f.path, &source);
  if (!s.ok()) {
    r->error = s.message();
    return;
  }
  r->opened = true;
  EventParser parser(f.path, std::move(source), r->diag.get(), f.kind);
  ProtocolEvent ev;
  if (parser.Next(&ev)) {
    r->first_time = ev.time;
    do {
      ++r->events;
      r->matcher->Feed(ev,
                       parser.kind() == LogKind::kReceive ? LogKind::kReceive : LogKind::kSend,
                       index, f.server);
    } while (parser.Next(&ev));
  }
  r->kind = parser.kind();
  r->readable = parser.readable();
  r->header = parser.have_fields();
  r->bytes = parser.bytes();
  r->lines = parser.lines();
}

void AddStats(const MatcherStats& from, MatcherStats* to) {
  to->events += from.events;
  to->sessions += from.sessions;
  to->closed_idle += from.closed_idle;
  to->open_at_end += from.open_at_end;
  to->out_of_order += from.out_of_order;
}

// Reads the files of `order` on `jobs` threads (this one among them) and hands each result, in
// order, to `join`, which is called by one thread at a time (with several jobs, by the reading
// threads in turn). At most jobs + 1 results wait to be joined, which bounds the memory. The
// sessions that end within a file go to `sink`: as they end with one job, else through each
// result.
void ReadAll(const std::vector<InputFile>& files, const std::vector<int64_t>& sizes,
             const std::vector<uint32_t>& order, const MatcherOptions& options,
             bool keep_unparsed, SessionSink* sink, unsigned jobs,
             const std::function<void(uint32_t, FileResult&)>& join) {
  const bool here = jobs <= 1 || order.size() <= 1;
  auto read = [&](size_t k, FileResult* r) {
    try {
      ReadProtocolFile(files[order[k]], order[k], sizes[order[k]], options, keep_unparsed, sink,
                       here, r);
    } catch (const std::exception& e) {  // e.g. out of memory: lose this file, not the run
      r->opened = false;
      r->error = std::string("could not be read: ") + e.what();
      r->matcher = std::make_unique<SessionMatcher>(&r->closed, options);
      r->carry.clear();
    }
  };
  if (here) {
    for (size_t k = 0; k < order.size(); ++k) {
      FileResult r;
      read(k, &r);
      join(order[k], r);
    }
    return;
  }
  std::vector<std::unique_ptr<FileResult>> results(order.size());
  std::vector<unsigned> reader_of(order.size());
  // A result is freed by the reader that built it: memory freed by another thread than the one
  // that allocated it costs the allocator more, and here it would be the joining one.
  std::vector<std::vector<std::unique_ptr<FileResult>>> spent(jobs);
  std::mutex mu;
  std::condition_variable room;  // a result joined: room to read ahead, or one to free
  size_t next = 0;               // the next file to start reading
  size_t joined = 0;             // files joined so far
  bool joining = false;          // a reader is joining results (one at a time, in order)
  std::exception_ptr failed;     // what a join threw, for this thread to throw again
  const size_t window = jobs + 1;
  // Joins the results that are ready, in order, while no other reader is at it. Called by the
  // reader that has just added one: the joining is done by the readers themselves, in turn,
  // rather than handed to a thread of its own that would wake for every file and take its
  // results from the other cores' caches. Holds `lock` on return.
  auto join_ready = [&](std::unique_lock<std::mutex>& lock) {
    if (joining) return;
    joining = true;
    while (joined < order.size() && results[joined] != nullptr && failed == nullptr) {
      size_t k = joined;
      std::unique_ptr<FileResult> r = std::move(results[k]);
      lock.unlock();
      try {
        join(order[k], *r);
      } catch (...) {
        lock.lock();
        failed = std::current_exception();
        room.notify_all();  // the other readers stop
        break;
      }
      lock.lock();
      spent[reader_of[k]].push_back(std::move(r));
      joined = k + 1;
      room.notify_all();
    }
    joining = false;
  };
  auto worker = [&](unsigned me) {
    // The pack buffer of this reader's last joined result, kept for its next file: memory
    // already touched, rather than new pages for every file.
    SessionPack spare;
    while (true) {
      size_t k = 0;
      std::vector<std::unique_ptr<FileResult>> to_free;
      {
        std::unique_lock<std::mutex> lock(mu);
        // Woken as well when a result of ours has been joined, to free it at once rather than
        // when the next file may be read: a slow join must not keep two sets of them alive.
        room.wait(lock, [&] {
          return !spent[me].empty() || next >= order.size() || next < joined + window ||
                 failed != nullptr;
        });
        to_free.swap(spent[me]);
        if (to_free.empty()) {
          if (next >= order.size() || failed != nullptr) return;
          k = next++;
          reader_of[k] = me;
        }
      }
      if (!to_free.empty()) {
        spare = std::move(to_free.back()->closed.sessions);
        continue;  // (the rest freed as it goes out of scope) and wait again
      }
      auto r = std::make_unique<FileResult>();
      spare.Clear();
      r->closed.sessions = std::move(spare);
      read(k, r.get());
      std::unique_lock<std::mutex> lock(mu);
      results[k] = std::move(r);
      join_ready(lock);
    }
  };
  // This thread is the first reader (it would only wait otherwise): one thread fewer to start,
  // and its allocator arena serves it, as in a one-job run, rather than one more being used.
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs && t < order.size(); ++t) threads.emplace_back(worker, t);
  try {
    worker(0);
  } catch (...) {  // (the others must still be joined)
    std::lock_guard<std::mutex> lock(mu);
    if (failed == nullptr) failed = std::current_exception();
    room.notify_all();
  }
  for (std::thread& t : threads) t.join();
  if (failed != nullptr) std::rethrow_exception(failed);
}

int64_t SizeOnDisk(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace

ScanStats ScanFiles(const std::vector<InputFile>& files, SessionSink* sink,
                    const MatcherOptions& options, Diagnostics* diag, Report* report,
                    const ScanControl& control) {
  ScanStats stats;
  ScanProgress progress;
  progress.files_total = files.size();
  std::vector<int64_t> sizes;  // on disk, read once for the progress line and the packs
  for (const InputFile& f : files) {
    sizes.push_back(SizeOnDisk(f.path));
    progress.bytes_total += sizes.back();
  }

  // Message tracking files are read after every protocol session has been handed on, so that
  // the sink knows which messages a protocol log already counted (see the Aggregator).
  std::vector<uint32_t> protocol, tracking;
  for (uint32_t i = 0; i < files.size(); ++i) {
    const InputFile& f = files[i];
    bool is_tracking = f.kind == LogKind::kTracking ||
                       (f.kind == LogKind::kUnknown && LooksLikeTrackingFile(f.path));
    (is_tracking ? tracking : protocol).push_back(i);
  }

  // One chain of files per server, folder and log kind (Send and Receive sessions are numbered
  // by separate counters on a server): its matcher holds the sessions open at the end of the
  // last file joined.
  std::map<std::tuple<uint32_t, std::string, LogKind>, std::unique_ptr<SessionMatcher>> chains;
  SessionRecord unpacked;  // each packed session in turn, its buffers reused
  auto join = [&](uint32_t i, FileResult& r) {
    const InputFile& f = files[i];
    progress.files_done++;
    progress.bytes_done += sizes[i];
    if (!r.opened) {
      diag->Skipped(f.path, r.error);
      if (control.progress) control.progress(progress);
      return;
    }
    diag->Merge(*r.diag);
    if (diag->unparsed() != nullptr) *diag->unparsed() << r.unparsed.str();
    // (the reading thread frees them, with the rest of the result)
    if (r.closed.part != nullptr) {
      sink->MergePart(*r.closed.part);
    } else {
      SessionPack::Reader sessions(r.closed.sessions);
      while (sessions.Next(&unpacked)) sink->OnSession(std::move(unpacked));
    }

    LogKind kind = r.kind == LogKind::kReceive ? LogKind::kReceive : LogKind::kSend;
    std::string folder = std::filesystem::path(f.path).parent_path().string();
    std::unique_ptr<SessionMatcher>& chain = chains[{f.server, folder, kind}];
    if (chain == nullptr) chain = std::make_unique<SessionMatcher>(sink, options);
    // Before its rows: a session whose timeout runs out while this file was written is lost.
    if (r.events > 0) chain->AddFile(r.first_time, r.matcher->latest());
    for (const CarriedRow& row : r.carry) {
      chain->Feed(row.event(), row.kind(), row.file(), row.server());
    }
    chain->Adopt(r.matcher.get());
    AddStats(r.matcher->stats(), &stats.matcher);
    sink->FileDone();

    InputFileReport fr;
    fr.path = f.path;
    fr.kind = r.kind;
    fr.bytes = r.bytes;
    fr.lines = r.lines;
    auto it = diag->by_file().find(f.path);
    fr.malformed = it == diag->by_file().end() ? 0 : it->second.malformed;
    report->bytes += fr.bytes;
    report->lines += fr.lines;
    report->files.push_back(fr);
    // A file that turned out not to be a protocol log was not read as one: a run given only
    // such files has no input (exit 3), not a clean result.
    // So is one named like a log with no header and no row, only malformed lines (binary data,
    // another format).
    const bool unknown = r.kind == LogKind::kUnknown && r.events == 0 && r.lines > 0;
    const bool all_bad = r.events == 0 && fr.malformed > 0 && !r.header;
    const bool not_a_log = r.readable && (unknown || all_bad);
    if (r.readable && !not_a_log) ++stats.files_read;
    if (not_a_log) {
      // A .gz that is not gzip data: a copy damaged from its first bytes, or not what it is
      // named; read as plain text, it held no log either.
      const std::string gz = NamedGzipButNot(f.path) ? "not gzip data (no gzip header), and " : "";
      diag->Skipped(f.path, gz + (unknown ? "not an SMTP protocol log (no #Log-type and no "
                                            "protocol rows)"
                                          : "not an SMTP protocol log: no header and no log row "
                                            "in its " + std::to_string(r.lines) + " lines"));
    }
    if (control.progress) control.progress(progress);
  };
  ReadAll(files, sizes, protocol, options, diag->unparsed() != nullptr, sink, control.jobs, join);
  for (auto& [key, chain] : chains) {
    chain->Finish();
    AddStats(chain->stats(), &stats.matcher);
  }

  for (uint32_t i : tracking) {
    ServerSink marked;
    marked.to = sink;
    marked.server = files[i].server;
    TrackingFileStats t =
        ScanTrackingFile(files[i].path, i, &marked, diag, options.keep_subjects);
    progress.files_done++;
    progress.bytes_done += sizes[i];
    if (control.progress) control.progress(progress);
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
  if (control.progress) control.progress(progress);
  return stats;
}

}  // namespace smtptriage
