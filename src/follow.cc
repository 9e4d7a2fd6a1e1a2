#include "smtptriage/follow.h"

#include "json_number.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "smtptriage/input_files.h"
#include "smtptriage/line_source.h"
#include "smtptriage/platform.h"
#include "smtptriage/smtp_text.h"

namespace smtptriage {

struct LogFollower::Tracked {
  std::string path;
  uint32_t index = 0;            // in names_
  LogKind kind = LogKind::kUnknown;
  platform::FileIdentity id;
  bool have_id = false;
  int64_t offset = 0;            // bytes consumed: always just after a line end
  int64_t line = 0;              // lines consumed
  std::unique_ptr<EventParser> parser;
  bool seen_this_poll = false;
  bool compressed = false;       // .gz: read once, whole
  int64_t skip_lines = 0;        // .gz of a log followed before: its lines already read
  int64_t waited_size = -1;      // .gz seen incomplete at this size: waiting for the rest
  // The file's first bytes read (up to kHeadBytes), to tell a copy of the same log renamed over
  // it (rsync) from a new file of the same name. head_bytes 0: not known.
  int64_t head_bytes = 0;
  uint64_t head_hash = 0;
  bool done = false;
  // The folder as a session-key part: the same session id in two servers' folders (or two
  // copies) never mixes. A hash of the path, so that checkpoints stay valid across restarts.
  uint32_t folder = 0;

  void Reset(Diagnostics* diag) {
    size_t slash = path.find_last_of("/\\");
    folder =
        static_cast<uint32_t>(HashText(slash == std::string::npos ? "" : path.substr(0, slash)));
    offset = 0;
    line = 0;
    head_bytes = 0;
    head_hash = 0;
    parser = std::make_unique<EventParser>(path, nullptr, diag, kind);
  }
};

namespace {

constexpr int64_t kHeadBytes = 4096;

// The hash of the first `n` bytes of the file; 0 when it has fewer or cannot be read.
uint64_t HeadHash(std::FILE* f, int64_t n) {
  std::string head(static_cast<size_t>(n), '\0');
  if (!platform::SeekTo(f, 0)) return 0;
  size_t got = std::fread(head.data(), 1, head.size(), f);
  return got == head.size() ? HashText(head) : 0;
}

uint64_t HeadHash(const std::string& path, int64_t n) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return 0;
  uint64_t hash = HeadHash(f, n);
  std::fclose(f);
  return hash;
}

// Whether the file's (gzip) stream reads to its end without an error.
bool GzipComplete(const std::string& path) {
  std::unique_ptr<ByteStream> stream;
  if (!OpenByteStream(path, &stream).ok()) return true;  // said when it is read
  std::vector<char> buf(1u << 16);
  int64_t n;
  while ((n = stream->Read(buf.data(), buf.size())) > 0) {
  }
  return n == 0;
}

// A line read at a file offset (without its LF) as the parser takes it: the first line's UTF-8
// byte order mark and a CR before the LF left out, a line over the limit cut.
LineView ViewOfLine(std::string_view line, int64_t number, bool first) {
  if (first && line.size() >= 3 && std::memcmp(line.data(), "\xEF\xBB\xBF", 3) == 0) {
    line.remove_prefix(3);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  LineView lv;
  lv.number = number;
  lv.overlong = line.size() > kMaxLineBytes;
  lv.text = lv.overlong ? line.substr(0, kMaxLineBytes) : line;
  return lv;
}

}  // namespace

LogFollower::LogFollower(std::vector<std::string> roots, SessionSink* sink, Diagnostics* diag,
                         MatcherOptions options)
    : roots_(std::move(roots)), sink_(sink), diag_(diag), options_(options),
      send_(sink, options), receive_(sink, options) {}

LogFollower::~LogFollower() = default;

size_t LogFollower::open_sessions() const {
  return send_.open_sessions() + receive_.open_sessions();
}

LogFollower::Tracked& LogFollower::Track(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return *it->second;
  auto t = std::make_unique<Tracked>();
  t->path = path;
  t->index = static_cast<uint32_t>(names_.size());
  names_.push_back(path);
  std::string stamp;
  int counter;
  if (!ParseLogName(path.substr(path.find_last_of("/\\") + 1), &t->kind, &stamp, &counter)) {
    t->kind = LogKindFromName(path);
  }
  t->compressed = HasGzipName(path);
  if (t->compressed) {
    // A log compressed where it lies (the retention of a copy) is the file followed so far:
    // only its lines not read yet are new.
    auto plain = files_.find(path.substr(0, path.size() - 3));
    if (plain != files_.end()) t->skip_lines = plain->second->line;
  }
  t->Reset(diag_);
  ++stats_.files_seen;
  return *files_.emplace(path, std::move(t)).first->second;
}

void LogFollower::Poll(size_t max_bytes) {
  ++stats_.polls;
  std::ostringstream ignored;
  Diagnostics discovery;
  std::vector<InputFile> inputs = FindInputs(roots_, &discovery, false, ignored);
  for (auto& [path, t] : files_) t->seen_this_poll = false;
  for (const InputFile& f : inputs) {
    if (f.kind == LogKind::kTracking) {
      // Not followed: what they add (the NDRs, DNS failures and expiries behind the protocol
      // logs) needs the whole of a period's protocol sessions first, which scan and check have.
      const std::string folder = std::filesystem::path(f.path).parent_path().string();
      if (tracking_folders_.insert(folder).second) {
        diag_->Note(folder, "message tracking logs are not followed by watch (scan and check "
                            "read them): their DNS failures, expiries and NDRs are not in the "
                            "events");
      }
      continue;
    }
    Tracked& t = Track(f.path);
    t.seen_this_poll = true;
    platform::FileIdentity id;
    if (!platform::GetFileIdentity(f.path, &id)) continue;  // gone between listing and now
    if (t.have_id && !(id == t.id) && !t.compressed && t.head_bytes > 0 &&
        id.size >= t.offset && HeadHash(f.path, t.head_bytes) == t.head_hash) {
      // A copy of the same log, grown, renamed over it (a copy kept up to date by rsync):
      // what was read stays read.
    } else if (t.have_id && !(id == t.id)) {
      diag_->Note(f.path, "replaced by a new file: read again from the start");
      ++stats_.files_restarted;
      t.Reset(diag_);
      t.done = false;
    } else if (t.have_id && id.size < t.offset && !t.compressed) {
      diag_->Note(f.path, "truncated: read again from the start");
      ++stats_.files_restarted;
      t.Reset(diag_);
    }
    t.id = id;
    t.have_id = true;
    if (t.done || (id.size <= t.offset && !t.compressed)) continue;
    ReadNew(t, max_bytes);
  }
  // Files deleted by retention: forget them, saying so if their end had not been read. Retention
  // leaves the newest logs in their folder; a folder in which no log was found this time (a share
  // unmounted for a moment, a folder moved away) is out of reach, and its files are kept, so that
  // they are not read again from the start when it returns.
  std::set<std::string_view> folders;
  auto folder_of = [](const std::string& path) {
    size_t slash = path.find_last_of("/\\");
    return std::string_view(path).substr(0, slash == std::string::npos ? 0 : slash);
  };
  for (const auto& [path, t] : files_) {
    if (t->seen_this_poll) folders.insert(folder_of(path));
  }
  for (auto it = files_.begin(); it != files_.end();) {
    Tracked& t = *it->second;
    if (!t.seen_this_poll && folders.count(folder_of(t.path)) == 0) {
      ++it;
    } else if (!t.seen_this_poll) {
      if (!t.compressed && t.have_id && t.offset < t.id.size) {
        diag_->Note(t.path, "deleted before its last " + std::to_string(t.id.size - t.offset) +
                                " bytes were read");
      }
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
}

void LogFollower::ReadNew(Tracked& t, size_t max_bytes) {
  std::string data;
  if (t.compressed) {
    // A compressed file is read whole, once. One copied into the folder where it lies (not
    // written elsewhere and renamed) can be seen half written: it is read when its gzip stream
    // is whole, or, damaged, when its size has stopped changing.
    if (t.id.size != t.waited_size && !GzipComplete(t.path)) {
      t.waited_size = t.id.size;
      return;
    }
    std::unique_ptr<LineSource> source;
    Status s = OpenLineSource(t.path, &source);
    if (!s.ok()) {
      diag_->Skipped(t.path, s.message());
      t.done = true;
      return;
    }
    EventParser parser(t.path, std::move(source), diag_, t.kind);
    ProtocolEvent ev;
    while (parser.Next(&ev)) {
      if (ev.line <= t.skip_lines) continue;
      (parser.kind() == LogKind::kReceive ? receive_ : send_)
          .Feed(ev, parser.kind() == LogKind::kReceive ? LogKind::kReceive : LogKind::kSend,
                t.index, t.folder);
    }
    stats_.bytes += parser.bytes();
    stats_.lines += parser.lines();
    t.done = true;
    return;
  }
  std::FILE* f = std::fopen(t.path.c_str(), "rb");
  if (f == nullptr) return;  // deleted or locked right now: try again next poll
  // Emptied and written again past where it was read, all between two polls: its size alone
  // looks like a log that grew, but its first bytes are not those read. Checked through the
  // handle that reads on, so that nothing comes in between; a head that cannot be read just now
  // (the file shortened again) is taken as unchanged.
  if (t.offset > 0 && t.head_bytes > 0) {
    const uint64_t now = HeadHash(f, t.head_bytes);
    if (now != 0 && now != t.head_hash) {
      diag_->Note(t.path, "rewritten from the start: read again from the start");
      ++stats_.files_restarted;
      t.Reset(diag_);
    }
  }
  if (!platform::SeekTo(f, t.offset)) {
    std::fclose(f);
    return;
  }
  if (buf_.size() < (1u << 20)) buf_.resize(1u << 20);
  size_t total = 0;
  while (total < max_bytes) {
    size_t n = std::fread(buf_.data(), 1, std::min(buf_.size(), max_bytes - total), f);
    if (n == 0) break;
    data.append(buf_.data(), n);
    total += n;
  }
  std::fclose(f);
  // Only complete lines: a partial last line waits for its end.
  size_t end = data.rfind('\n');
  if (end == std::string::npos) return;
  std::string_view text(data.data(), end + 1);
  if (t.head_bytes == 0 && t.offset == 0) {
    t.head_bytes = std::min<int64_t>(kHeadBytes, static_cast<int64_t>(text.size()));
    t.head_hash = HashText(text.substr(0, static_cast<size_t>(t.head_bytes)));
  }
  ProtocolEvent ev;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    LineView lv = ViewOfLine(text.substr(pos, nl - pos), ++t.line, t.offset == 0 && pos == 0);
    pos = nl + 1;
    if (t.parser->ParseLine(lv, &ev)) {
      LogKind kind = t.parser->kind() == LogKind::kReceive ? LogKind::kReceive : LogKind::kSend;
      (kind == LogKind::kReceive ? receive_ : send_).Feed(ev, kind, t.index, t.folder);
    }
  }
  t.offset += static_cast<int64_t>(end + 1);
  stats_.bytes += static_cast<int64_t>(end + 1);
  stats_.lines = 0;
  for (const auto& [path, tr] : files_) stats_.lines += tr->line;
}

void LogFollower::Replay(SessionSink* sink, Diagnostics* diag) const {
  SessionMatcher send(sink, options_);
  SessionMatcher receive(sink, options_);
  for (const auto& [path, t] : files_) ReplayFile(*t, send, receive, diag);
  // (send and receive are dropped with the sessions they hold open)
}

void LogFollower::ReplayFile(const Tracked& t, SessionMatcher& send, SessionMatcher& receive,
                             Diagnostics* diag) const {
  auto feed = [&](const EventParser& parser, const ProtocolEvent& ev) {
    LogKind kind = parser.kind() == LogKind::kReceive ? LogKind::kReceive : LogKind::kSend;
    (kind == LogKind::kReceive ? receive : send).Feed(ev, kind, t.index, t.folder);
  };
  ProtocolEvent ev;
  if (t.compressed) {
    if (!t.done) return;  // (still waiting to be read whole)
    std::unique_ptr<LineSource> source;
    if (!OpenLineSource(t.path, &source).ok()) return;
    // The plain log it was made from, still followed: its lines are read from there.
    auto plain = files_.find(t.path.substr(0, t.path.size() - 3));
    int64_t skip = plain != files_.end() ? plain->second->line : 0;
    EventParser parser(t.path, std::move(source), diag, t.kind);
    while (parser.Next(&ev)) {
      if (ev.line > skip) feed(parser, ev);
    }
    return;
  }
  std::FILE* f = std::fopen(t.path.c_str(), "rb");
  if (f == nullptr) return;
  EventParser parser(t.path, nullptr, diag, t.kind);
  std::vector<char> buf(1u << 20);
  std::string carry;  // a line begun in the previous read
  int64_t left = t.offset;
  int64_t number = 0;
  while (left > 0) {
    size_t n = std::fread(buf.data(), 1, std::min<size_t>(buf.size(), left), f);
    if (n == 0) break;
    left -= static_cast<int64_t>(n);
    carry.append(buf.data(), n);
    size_t pos = 0;
    for (size_t nl; (nl = carry.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      LineView lv = ViewOfLine(std::string_view(carry).substr(pos, nl - pos), number + 1,
                               number == 0);
      ++number;
      if (parser.ParseLine(lv, &ev)) feed(parser, ev);
    }
    carry.erase(0, pos);
  }
  std::fclose(f);
}

void LogFollower::Finish() {
  send_.Finish();
  receive_.Finish();
}

nlohmann::json LogFollower::SaveState() const {
  using nlohmann::json;
  json files = json::array();
  for (const auto& [path, t] : files_) {
    files.push_back({{"path", t->path},
                     {"index", t->index},
                     {"device", t->id.device},
                     {"inode", t->id.inode},
                     {"offset", t->offset},
                     {"line", t->line},
                     {"done", t->done},
                     {"head_bytes", t->head_bytes},
                     {"head_hash", t->head_hash},
                     {"waited_size", t->waited_size},
                     {"log_type", t->parser->log_type_line()},
                     {"fields", t->parser->fields_line()}});
  }
  return {{"names", names_},
          {"files", files},
          {"tracking_folders", tracking_folders_},
          {"send", send_.SaveState()},
          {"receive", receive_.SaveState()}};
}

Status LogFollower::LoadState(const nlohmann::json& state) {
  try {
    std::vector<std::string> names = state.at("names").get<std::vector<std::string>>();
    std::map<std::string, std::unique_ptr<Tracked>> files;
    for (const auto& j : state.at("files")) {
      auto t = std::make_unique<Tracked>();
      t->path = j.at("path");
      t->index = JsonInteger<decltype(t->index)>(j.at("index"));
      if (t->index >= names.size()) return Status::Invalid("file index out of range");
      std::string stamp;
      int counter;
      if (!ParseLogName(t->path.substr(t->path.find_last_of("/\\") + 1), &t->kind, &stamp,
                        &counter)) {
        t->kind = LogKindFromName(t->path);
      }
      t->compressed = HasGzipName(t->path);
      t->Reset(diag_);
      t->id.device = JsonInteger<uint64_t>(j.at("device"));
      t->id.inode = JsonInteger<uint64_t>(j.at("inode"));
      t->have_id = true;
      t->offset = JsonInteger<decltype(t->offset)>(j.at("offset"));
      t->line = JsonInteger<decltype(t->line)>(j.at("line"));
      if (t->offset < 0 || t->line < 0) return Status::Invalid("negative file position");
      t->done = j.at("done");
      // (absent from the states of earlier builds: a replaced file is then read again)
      if (j.contains("head_bytes") && j.contains("head_hash")) {
        t->head_bytes = JsonInteger<int64_t>(j.at("head_bytes"));
        t->head_hash = JsonInteger<uint64_t>(j.at("head_hash"));
        if (t->head_bytes < 0 || t->head_bytes > kHeadBytes) {
          return Status::Invalid("file head out of range");
        }
      }
      // A .gz seen incomplete: read at the next look if its size has not changed by then,
      // damaged or not, also when that look is another run (watch --once from a scheduler).
      // (absent from the states of earlier builds)
      if (j.contains("waited_size")) t->waited_size = JsonInteger<int64_t>(j.at("waited_size"));
      // Resume with the schema in force, without reading the file's start again.
      ProtocolEvent ev;
      for (const char* key : {"log_type", "fields"}) {
        std::string header = j.at(key);
        if (!header.empty()) t->parser->ParseLine({header, 0, false}, &ev);
      }
      std::string path = t->path;
      files.emplace(path, std::move(t));
    }
    Status s = send_.LoadState(state.at("send"));
    if (s.ok()) s = receive_.LoadState(state.at("receive"));
    if (!s.ok()) return s;
    names_ = std::move(names);
    files_ = std::move(files);
    // (absent from the states of earlier builds)
    if (state.contains("tracking_folders")) {
      tracking_folders_ = state.at("tracking_folders").get<std::set<std::string>>();
    }
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("file positions: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace smtptriage
