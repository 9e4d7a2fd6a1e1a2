#include "smtptriage/watch.h"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "json_number.h"
#include "smtptriage/ndjson.h"
#include "smtptriage/platform.h"

namespace smtptriage {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string IncidentKey(const Incident& inc) {
  return std::string(ToString(inc.family)) + "|" + std::to_string(inc.start);
}

// What a key says of an incident, when nothing more is known of it (announced before a restart).
Incident IncidentOfKey(const std::string& key) {
  Incident inc;
  const size_t bar = key.find('|');
  inc.family = ParseFamily(key.substr(0, bar)).value_or(Family::kOther);
  if (bar != std::string::npos) inc.start = std::atoll(key.c_str() + bar + 1);
  inc.end = inc.start;
  inc.side = "local";
  inc.trend = "steady";
  return inc;
}

}  // namespace

Watcher::Watcher(const Classifier* classifier, WatchOptions options, std::ostream* out)
    : classifier_(classifier), options_(std::move(options)), out_(out) {
  diag_.SetMalformedListener([this](const MalformedLine& m) { NoteMalformed(m); });
  follower_ = std::make_unique<LogFollower>(options_.paths, &forward_, &diag_, options_.matcher);
  AggregatorOptions agg = options_.aggregator;
  agg.file_names = &follower_->file_names();
  agg.resolve_at_once = true;
  aggregator_ = std::make_unique<Aggregator>(classifier_, agg);
  forward_.to = aggregator_.get();
  aggregator_->SetFailureListener([this](const FailureEvent& e) {
    if (replaying_) return;  // (reported before the restart)
    pending_ += NdjsonLine(FailureEventJson(e));
    ++stats_.failures;
    ++stats_.events;
  });
}

Watcher::~Watcher() {
  if (file_ != nullptr) std::fclose(file_);
}

Status Watcher::Start() {
  const std::string& path = options_.state_file;
  bool resumed = false;
  if (!path.empty() && fs::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    json state;
    try {
      state = json::parse(in);
    } catch (const std::exception& e) {
      return Status::Invalid(path + ": not a readable watch state file (" + e.what() +
                             "); remove it to start from the beginning of the logs");
    }
    if (!state.is_object() || state.value("format", "") != kWatchStateFormat) {
      return Status::Invalid(path + ": not a watch state file of this format (expected " +
                             kWatchStateFormat + ")");
    }
    if (state.value("version", "") != SMTPTRIAGE_VERSION) {
      return Status::Invalid(path + ": written by smtptriage " + state.value("version", "?") +
                             ", this is " + SMTPTRIAGE_VERSION +
                             "; remove it (the logs are then read again from the start)");
    }
    try {
      Status s = follower_->LoadState(state.at("follower"));
      if (!s.ok()) return Status::Invalid(path + ": damaged watch state (" + s.message() + ")");
      output_bytes_ = JsonInteger<int64_t>(state.at("output_bytes"));
      for (const auto& k : state.at("open_incidents")) open_incidents_.insert(k.get<std::string>());
      last_snapshot_ = JsonInteger<TimeMs>(state.at("last_snapshot"));
      resumed = true;
    } catch (const std::exception& e) {
      return Status::Invalid(path + ": damaged watch state (" + std::string(e.what()) + ")");
    }
    Rebuild();
  }
  if (!options_.output_file.empty()) {
    std::error_code ec;
    int64_t size = -1;
    if (resumed && fs::exists(options_.output_file, ec)) {
      size = static_cast<int64_t>(fs::file_size(options_.output_file, ec));
    }
    if (size > output_bytes_) {
      // Events written after the last checkpoint are written again by this run: cut them.
      fs::resize_file(options_.output_file, static_cast<uintmax_t>(output_bytes_), ec);
      if (ec) return Status::Io(options_.output_file + ": cannot cut back: " + ec.message());
    } else if (resumed && size < output_bytes_) {
      // Shorter than recorded, or gone: the file was rotated away and this is a new one. Its
      // own length is what a later restart cuts back to.
      output_bytes_ = std::max<int64_t>(size, 0);
    }
    file_ = std::fopen(options_.output_file.c_str(), resumed ? "ab" : "wb");
    if (file_ == nullptr) return Status::Io(options_.output_file + ": cannot open for writing");
    if (!resumed) output_bytes_ = 0;
  }
  return Status::Ok();
}

void Watcher::Rebuild() {
  // The counts behind the incidents and snapshots are in memory only: without them a restarted
  // watch would announce an incident under way as a new one from the hour it restarted in, never
  // close the first, and start its totals again from zero.
  Diagnostics quiet;
  replaying_ = true;
  follower_->Replay(&forward_, &quiet);
  replaying_ = false;
  Report r;
  aggregator_->Snapshot(&r);
  if (r.empty_period) return;
  // What was announced before the restart is known: from here on only its changes are news.
  for (const Incident& inc : r.incidents) {
    std::string key = IncidentKey(inc);
    if (inc.open && open_incidents_.count(key) > 0) last_seen_[key] = inc;
  }
  if (r.period_end > options_.lookback_ms) {
    aggregator_->DropBefore(r.period_end - options_.lookback_ms);
  }
}

void Watcher::Incidents(const Report& r, TimeMs now) {
  std::set<std::string> still_open;
  for (const Incident& inc : r.incidents) {
    std::string key = IncidentKey(inc);
    bool announced = open_incidents_.count(key) > 0;
    if (inc.open) {
      still_open.insert(key);
      if (!announced) {
        pending_ += NdjsonLine(IncidentEventJson("incident_opened", inc, now));
        ++stats_.events;
      } else if (auto seen = last_seen_.find(key);
                 seen != last_seen_.end() && seen->second.failures != inc.failures) {
        pending_ += NdjsonLine(IncidentEventJson("incident_updated", inc, now));
        ++stats_.events;
      }
      last_seen_[key] = inc;
    } else if (announced) {
      pending_ += NdjsonLine(IncidentEventJson("incident_closed", inc, now));
      ++stats_.events;
    }
  }
  // An incident announced as open that is no longer found from its start: logs of an earlier
  // hour, read late, moved its start (it is announced again from there), or its start left the
  // watch's window. Closed as it was last seen, so that every incident_opened has its close.
  for (const std::string& key : open_incidents_) {
    if (std::any_of(r.incidents.begin(), r.incidents.end(),
                    [&](const Incident& inc) { return IncidentKey(inc) == key; })) {
      continue;
    }
    auto seen = last_seen_.find(key);
    Incident gone = seen != last_seen_.end() ? seen->second : IncidentOfKey(key);
    if (gone.open) gone.end = std::max(gone.end, gone.start);
    gone.open = false;
    gone.summary.en = "No longer found from this start: an earlier hour's logs, read late, moved "
                      "its start, or the start left the watch's window. " + gone.summary.en;
    pending_ += NdjsonLine(IncidentEventJson("incident_closed", gone, now));
    ++stats_.events;
  }
  for (auto it = last_seen_.begin(); it != last_seen_.end();) {
    it = still_open.count(it->first) ? std::next(it) : last_seen_.erase(it);
  }
  open_incidents_ = std::move(still_open);
}

Status Watcher::Emit() {
  if (pending_.empty()) return Status::Ok();
  if (file_ != nullptr) {
    if (std::fwrite(pending_.data(), 1, pending_.size(), file_) != pending_.size() ||
        std::fflush(file_) != 0) {
      return Status::Io(options_.output_file + ": write failed");
    }
  } else {
    *out_ << pending_;
    out_->flush();
  }
  output_bytes_ += static_cast<int64_t>(pending_.size());
  pending_.clear();
  return Status::Ok();
}

// At most this many malformed lines of a poll are written to the warnings (a file of garbage
// would flood the journal), then how many more; an event's detail is cut at kMaxDetail.
constexpr size_t kMaxLines = 10;
constexpr size_t kMaxDetail = 300;

void Watcher::NoteMalformed(const MalformedLine& m) {
  ++malformed_.lines;
  if (auto [it, fresh] = malformed_.first.try_emplace(m.file); fresh) {
    std::string& detail = it->second.second;
    detail.assign(m.reason).append(": ").append(m.text.substr(0, kMaxDetail));
    detail.resize(std::min(detail.size(), kMaxDetail));
    it->second.first = m.line;
  }
  if (options_.warnings != nullptr && malformed_.shown.size() < kMaxLines) {
    malformed_.shown.push_back(FormatMalformed(m));
  }
}

void Watcher::FileProblems(TimeMs now) {
  std::vector<FileProblem> found;
  auto take = [&](const std::vector<SkippedFile>& list, size_t* said, const char* problem) {
    for (; *said < list.size(); ++*said) {
      // (first_line: where the rest of a file was skipped, a damaged .gz say)
      found.push_back({list[*said].path, problem, list[*said].reason, 0, list[*said].line});
    }
  };
  take(diag_.skipped(), &skipped_said_, "skipped");
  take(diag_.notes(), &notes_said_, "note");
  PollMalformed malformed = std::move(malformed_);
  malformed_ = {};
  for (const auto& [file, counts] : diag_.by_file()) {
    int64_t& said = malformed_said_[file];
    if (counts.malformed <= said) continue;
    FileProblem p{file, "malformed", "", counts.malformed - said, 0};
    said = counts.malformed;
    if (auto it = malformed.first.find(file); it != malformed.first.end()) {
      p.first_line = it->second.first;
      p.detail = std::move(it->second.second);
    }
    found.push_back(std::move(p));
  }
  // An event each: a shipper reads the events file, not the service's standard error.
  if (now == 0) now = platform::NowMs();  // (nothing read yet: no log time to give)
  for (const FileProblem& p : found) {
    pending_ += NdjsonLine(FileProblemEventJson(p, now));
    ++stats_.events;
  }

  std::ostream* w = options_.warnings;
  if (w == nullptr) return;
  for (const FileProblem& p : found) {
    if (std::string_view(p.problem) == "skipped") {
      *w << "smtptriage watch: skipped " << p.path
         << (p.first_line > 0 ? ":" + std::to_string(p.first_line) : "") << ": " << p.detail
         << "\n";
    } else if (std::string_view(p.problem) == "note") {
      *w << "smtptriage watch: " << p.path << ": " << p.detail << "\n";
    }
  }
  // Each malformed line: the first few of a poll, then how many more.
  for (const std::string& line : malformed.shown) *w << "smtptriage watch: " << line << "\n";
  const int64_t more = malformed.lines - static_cast<int64_t>(malformed.shown.size());
  if (more > 0) *w << "smtptriage watch: " << more << " more lines could not be read\n";
  w->flush();
}

Status Watcher::PollOnce() {
  follower_->Poll();
  if (options_.log) {
    const std::vector<std::string>& names = follower_->file_names();
    for (; files_logged_ < names.size(); ++files_logged_) {
      *options_.log << "smtptriage watch: following " << names[files_logged_] << "\n";
    }
  }
  Report snapshot;
  aggregator_->Snapshot(&snapshot);
  TimeMs now = snapshot.empty_period ? 0 : snapshot.period_end;
  FileProblems(now);
  Incidents(snapshot, now);
  if (now - last_snapshot_ >= options_.snapshot_every_ms && !snapshot.empty_period) {
    pending_ += NdjsonLine(SnapshotEventJson(snapshot, now, options_.top_domains));
    ++stats_.events;
    last_snapshot_ = now;
  }
  if (now > options_.lookback_ms) aggregator_->DropBefore(now - options_.lookback_ms);
  Status s = Emit();
  if (!s.ok()) return s;
  return Checkpoint();
}

Status Watcher::Checkpoint() {
  if (options_.state_file.empty()) return Status::Ok();
  json state = {{"format", kWatchStateFormat},
                {"version", SMTPTRIAGE_VERSION},
                {"output_bytes", output_bytes_},
                {"open_incidents", open_incidents_},
                {"last_snapshot", last_snapshot_},
                {"follower", follower_->SaveState()}};
  // Nothing new since the last checkpoint (no mail flowing): the state file holds it already.
  std::string text = state.dump();
  if (text == checkpointed_) return Status::Ok();
  // On disk before it replaces the last one: a power cut must leave one or the other whole, not
  // an empty state file that stops the service from starting.
  std::string tmp = options_.state_file + ".tmp";
  if (!platform::WriteFileDurably(tmp, text)) {
    return Status::Io(options_.state_file + ": cannot write the watch state (writing " + tmp +
                      " failed: " + std::strerror(errno) + ")");
  }
  std::error_code ec;
  fs::rename(tmp, options_.state_file, ec);  // atomic on POSIX and NTFS
  if (ec) return Status::Io(options_.state_file + ": cannot replace: " + ec.message());
  checkpointed_ = std::move(text);
  return Status::Ok();
}

Status Watcher::Run(const std::atomic<bool>* stop) {
  while (!stop->load()) {
    Status s = PollOnce();
    if (!s.ok()) return s;
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(options_.interval_ms);
    while (!stop->load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return PollOnce();
}

}  // namespace smtptriage
