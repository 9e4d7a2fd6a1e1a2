// RowStream: merges the rows of overlapping sessions into time order and writes them into
// Exchange-style rotating files (per hour or day, and -2, -3 ... past max_file_bytes).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "internal.h"

namespace smtptriage::loggen::internal {

namespace {

bool Later(const auto& a, const auto& b) {
  return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.order > b.order;
}

std::string FileStem(const std::string& prefix, int64_t key, bool hourly, int instance) {
  const Civil c = CivilFromMs(key * (hourly ? 3600000 : 86400000));
  std::string name = prefix;
  AppendPadded(&name, c.year, 4);
  AppendPadded(&name, c.month, 2);
  AppendPadded(&name, c.day, 2);
  if (hourly) AppendPadded(&name, c.hour, 2);
  name += '-';
  AppendUint(&name, instance);
  name += ".LOG";
  return name;
}

}  // namespace

RowStream::RowStream(const Scenario& sc, std::string dir, std::string prefix, std::string log_type,
                     bool gzip_first)
    : sc_(sc),
      dir_(std::move(dir)),
      prefix_(std::move(prefix)),
      log_type_(std::move(log_type)),
      eol_(sc.crlf ? "\r\n" : "\n"),
      gzip_next_(gzip_first),
      phase_(FlushPhase(sc.seed)) {
  arena_.reserve(1 << 20);
  out_.reserve(1 << 21);
}

RowStream::~RowStream() { CloseFile(); }

void RowStream::AddRow(int64_t time_ms, size_t begin) {
  const size_t length = arena_.size() - begin;
  generated_bytes_ += static_cast<int64_t>(length);
  heap_.push_back(
      Row{time_ms, order_++, static_cast<uint32_t>(begin), static_cast<uint32_t>(length)});
  std::push_heap(heap_.begin(), heap_.end(),
                 [](const Row& a, const Row& b) { return Later(a, b); });
}

Status RowStream::FlushBefore(int64_t t) {
  const auto later = [](const Row& a, const Row& b) { return Later(a, b); };
  while (!heap_.empty() && heap_.front().time_ms < t) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Row row = heap_.back();
    heap_.pop_back();
    if (Status s = Emit(row); !s.ok()) return s;
  }
  if (heap_.empty()) {
    arena_.clear();
  } else if (arena_.size() > (8u << 20)) {
    Compact();
  }
  return Status::Ok();
}

// Only the few hundred rows of sessions still running are alive; copy them to a fresh arena.
void RowStream::Compact() {
  std::string fresh;
  fresh.reserve(std::max<size_t>(arena_.capacity(), 1 << 20));
  for (Row& row : heap_) {
    const uint32_t offset = static_cast<uint32_t>(fresh.size());
    fresh.append(arena_, row.offset, row.length);
    row.offset = offset;
  }
  arena_.swap(fresh);
}

Status RowStream::Finish() {
  if (Status s = FlushBefore(INT64_MAX); !s.ok()) return s;
  return CloseFile();
}

Status RowStream::Emit(const Row& row) {
  const int64_t flush_at = FlushPointFor(row.time_ms, phase_);
  const int64_t key = flush_at / (sc_.hourly_files ? 3600000 : 86400000);
  if (key != key_) {
    if (Status s = OpenFile(key, 1, flush_at); !s.ok()) return s;
  }
  if (file_bytes_ + row.length > sc_.max_file_bytes && lines_in_file_ > 0) {
    if (Status s = OpenFile(key_, instance_ + 1, row.time_ms); !s.ok()) return s;
  }
  out_.append(arena_, row.offset, row.length);
  file_bytes_ += row.length;
  bytes_ += row.length;
  ++lines_;
  ++lines_in_file_;
  if (out_.size() >= (1u << 21)) return WriteOut();
  return Status::Ok();
}

Status RowStream::OpenFile(int64_t key, int instance, int64_t created_ms) {
  if (Status s = CloseFile(); !s.ok()) return s;
  key_ = key;
  instance_ = instance;
  path_ = dir_ + "/" + FileStem(prefix_, key, sc_.hourly_files, instance);
  if (gzip_next_) {
    path_ += ".gz";
    gz_ = gzopen(path_.c_str(), "wb6");
    if (gz_ == nullptr) return Status::Io(path_ + ": cannot create");
    gzbuffer(gz_, 1 << 18);
    gzip_next_ = false;
  } else {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) return Status::Io(path_ + ": " + std::strerror(errno));
  }
  files_.push_back(FileInfo{path_, created_ms});
  const size_t before = out_.size();
  if (sc_.bom) out_ += "\xEF\xBB\xBF";
  out_ += "#Software: Microsoft Exchange Server";
  out_ += eol_;
  out_ += "#Version: 15.0.0.0";
  out_ += eol_;
  out_ += "#Log-type: ";
  out_ += log_type_;
  out_ += eol_;
  out_ += "#Date: ";
  time_.Append(&out_, created_ms);
  out_ += eol_;
  out_ +=
      "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
      "remote-endpoint,event,data,context";
  out_ += eol_;
  file_bytes_ = static_cast<int64_t>(out_.size() - before);
  bytes_ += file_bytes_;
  lines_in_file_ = 0;
  return Status::Ok();
}

Status RowStream::WriteOut() {
  if (out_.empty()) return Status::Ok();
  if (gz_ != nullptr) {
    if (gzwrite(gz_, out_.data(), static_cast<unsigned>(out_.size())) !=
        static_cast<int>(out_.size())) {
      return Status::Io(path_ + ": gzip write failed");
    }
  } else if (file_ != nullptr) {
    if (std::fwrite(out_.data(), 1, out_.size(), file_) != out_.size()) {
      return Status::Io(path_ + ": " + std::strerror(errno));
    }
  }
  out_.clear();
  return Status::Ok();
}

Status RowStream::CloseFile() {
  Status status = WriteOut();
  if (gz_ != nullptr) {
    if (gzclose(gz_) != Z_OK && status.ok()) status = Status::Io(path_ + ": gzip close failed");
    gz_ = nullptr;
  }
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0 && status.ok()) status = Status::Io(path_ + ": close failed");
    file_ = nullptr;
  }
  return status;
}

SessionRows::SessionRows(RowStream* stream, std::string_view connector, std::string_view session_id,
                         std::string_view remote)
    : stream_(stream), remote_(remote) {
  head_ += ',';
  AppendCsvField(&head_, connector);
  head_ += ',';
  head_ += session_id;
  head_ += ',';
}

void SessionRows::Add(int64_t t, char event, std::string_view data, std::string_view context) {
  if (t < last_) t = last_;  // a session's rows never go back in time
  last_ = t;
  std::string& a = stream_->arena();
  const size_t begin = a.size();
  stream_->time_formatter().Append(&a, t);
  a += head_;
  AppendUint(&a, seq_++);
  a += ',';
  a += local_;
  a += ',';
  a += remote_;
  a += ',';
  a += event;
  a += ',';
  AppendCsvField(&a, data);
  a += ',';
  AppendCsvField(&a, context);
  a += stream_->eol();
  stream_->AddRow(t, begin);
}

}  // namespace smtptriage::loggen::internal
