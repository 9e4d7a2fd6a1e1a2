#include "smtptriage/line_source.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "smtptriage/smtp_text.h"

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_LINES_SSE2 1
#endif

namespace smtptriage {
namespace {

#ifdef SMTPTRIAGE_LINES_SSE2
// The line ends among the 64 bytes at `p`, one bit per byte.
uint64_t LineEnds64(const char* p) {
  const __m128i lf = _mm_set1_epi8('\n');
  uint64_t bits = 0;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p) + k);
    bits |= static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf))))
            << (16 * k);
  }
  return bits;
}
#endif

// Bytes read at a time: small enough that the buffer stays in the processor's cache while its
// lines are parsed, large enough that the system calls do not count.
constexpr size_t kChunk = 256u << 10;

class FileByteStream : public ByteStream {
 public:
  FileByteStream(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~FileByteStream() override { std::fclose(f_); }
  int64_t Read(char* buf, size_t n) override {
    size_t got = std::fread(buf, 1, n, f_);
    if (got == 0 && std::ferror(f_)) {
      status_ = Status::Io(path_ + ": read error: " + std::strerror(errno));
      return -1;
    }
    return static_cast<int64_t>(got);
  }
  const Status& status() const override { return status_; }

 private:
  std::FILE* f_;
  std::string path_;
  Status status_;
};

// A gzip file inflated as it is read (one or more members, as `cat a.gz b.gz` makes). zlib's
// own inflate() rather than gzread(): on damaged data gzread() returns an error for its whole
// call, losing what it had inflated before the damage, where inflate() says how far it got, so
// every line before the damage is still read.
class GzipByteStream : public ByteStream {
 public:
  GzipByteStream(std::FILE* f, std::string path)
      : f_(f), path_(std::move(path)), in_(kChunk) {
    z_.next_in = nullptr;
    z_.avail_in = 0;
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;  // (16: a gzip header and trailer)
    if (!ok_) failure_ = path_ + ": gzip error: cannot start inflating";
  }
  ~GzipByteStream() override {
    if (ok_) inflateEnd(&z_);
    std::fclose(f_);
  }
  int64_t Read(char* buf, size_t n) override {
    if (!status_.ok()) return -1;
    if (!failure_.empty()) {  // (after the bytes inflated before it were returned)
      status_ = Status::Io(failure_);
      return -1;
    }
    if (done_) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt room = z_.avail_out;
    while (z_.avail_out == room) {
      if (z_.avail_in == 0 && !FillInput()) break;
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Another member may follow; anything else after a member (zero padding from a
        // copy, junk) is ignored, as gzip -d does with a warning.
        if ((z_.avail_in == 0 && !FillInput()) || z_.next_in[0] != 0x1f) {
          done_ = true;
          break;
        }
        inflateReset(&z_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        failure_ = path_ + ": gzip error: " + (z_.msg != nullptr ? z_.msg : "damaged data");
        break;
      }
    }
    const int64_t got = room - z_.avail_out;
    if (got > 0) return got;
    if (!failure_.empty()) {
      status_ = Status::Io(failure_);
      return -1;
    }
    if (!done_) {  // input ended inside a member
      status_ = Status::Io(path_ + ": gzip stream is truncated (unexpected end of file)");
      return -1;
    }
    return 0;
  }
  const Status& status() const override { return status_; }

 private:
  // Reads the next compressed bytes; false at the end of the file or on a read error.
  bool FillInput() {
    size_t got = std::fread(in_.data(), 1, in_.size(), f_);
    if (got == 0 && std::ferror(f_)) {
      failure_ = path_ + ": read error: " + std::strerror(errno);
    }
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  std::FILE* f_;
  std::string path_;
  std::vector<Bytef> in_;
  z_stream z_{};
  bool ok_ = false;
  bool done_ = false;
  std::string failure_;  // an error met after some bytes of the same call were inflated
  Status status_;
};

// UTF-16 text (Notepad's "Unicode", or a log saved by an editor) converted to UTF-8 as it is
// read, so that the rest of the pipeline sees the same text as in the original log. `prefix` holds
// the bytes already read after the byte order mark. A lone surrogate becomes U+FFFD.
class Utf16Stream : public ByteStream {
 public:
  Utf16Stream(std::unique_ptr<ByteStream> inner, std::string prefix, bool big_endian)
      : inner_(std::move(inner)), raw_(std::move(prefix)), big_endian_(big_endian) {}

  int64_t Read(char* buf, size_t n) override {
    while (out_.size() - out_pos_ < n && !eof_) {
      if (raw_pos_ >= raw_.size()) {
        raw_.clear();
        raw_pos_ = 0;
      }
      size_t have = raw_.size();
      raw_.resize(have + kChunk);
      int64_t got = inner_->Read(raw_.data() + have, kChunk);
      raw_.resize(have + static_cast<size_t>(std::max<int64_t>(got, 0)));
      if (got <= 0) eof_ = true;
      Convert();
      if (got < 0 && out_pos_ == out_.size()) return -1;
    }
    size_t k = std::min(n, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, k);
    out_pos_ += k;
    if (out_pos_ == out_.size()) {
      out_.clear();
      out_pos_ = 0;
    }
    return static_cast<int64_t>(k);
  }
  const Status& status() const override { return inner_->status(); }

 private:
  char16_t Unit(size_t i) const {
    auto b0 = static_cast<unsigned char>(raw_[i]);
    auto b1 = static_cast<unsigned char>(raw_[i + 1]);
    return static_cast<char16_t>(big_endian_ ? (b0 << 8 | b1) : (b1 << 8 | b0));
  }

  void Put(uint32_t cp) {
    if (cp < 0x80) {
      out_ += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out_ += static_cast<char>(0xC0 | cp >> 6);
      out_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out_ += static_cast<char>(0xE0 | cp >> 12);
      out_ += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out_ += static_cast<char>(0xF0 | cp >> 18);
      out_ += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out_ += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out_ += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Converts the complete code units of raw_; at the end of input, what is left too.
  void Convert() {
    constexpr uint32_t kReplacement = 0xFFFD;
    while (raw_pos_ + 2 <= raw_.size()) {
      char16_t u = Unit(raw_pos_);
      if (u >= 0xD800 && u < 0xDC00) {
        if (raw_pos_ + 4 > raw_.size() && !eof_) return;  // wait for the low surrogate
        if (raw_pos_ + 4 <= raw_.size()) {
          char16_t low = Unit(raw_pos_ + 2);
          if (low >= 0xDC00 && low < 0xE000) {
            Put(0x10000 + ((static_cast<uint32_t>(u) - 0xD800) << 10) + (low - 0xDC00));
            raw_pos_ += 4;
            continue;
          }
        }
        Put(kReplacement);
      } else if (u >= 0xDC00 && u < 0xE000) {
        Put(kReplacement);
      } else {
        Put(u);
      }
      raw_pos_ += 2;
    }
    if (eof_ && raw_pos_ < raw_.size()) {
      Put(kReplacement);  // an odd byte at the end: a file cut in the middle of a character
      raw_pos_ = raw_.size();
    }
  }

  std::unique_ptr<ByteStream> inner_;
  std::string raw_;
  size_t raw_pos_ = 0;
  std::string out_;
  size_t out_pos_ = 0;
  bool big_endian_;
  bool eof_ = false;
};

class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::string data) : data_(std::move(data)) {}
  int64_t Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return static_cast<int64_t>(k);
  }
  const Status& status() const override { return status_; }

 private:
  std::string data_;
  size_t pos_ = 0;
  Status status_;
};

// Bytes read from a stream: a buffer that is not filled with zeros first, as a std::vector's is
// (every byte is written by a read before it is looked at), and that keeps only the bytes still
// needed when it grows.
class ReadBuffer {
 public:
  explicit ReadBuffer(size_t size) : data_(new char[size]), size_(size) {}
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  char operator[](size_t i) const { return data_[i]; }
  // Grows to `size` bytes, keeping the first `keep`.
  void Grow(size_t size, size_t keep) {
    std::unique_ptr<char[]> bigger(new char[size]);
    std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    size_ = size;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

class StreamLineSource : public LineSource {
 public:
  // Room for two reads at once: after the first, the tail of its last line stays at the front.
  explicit StreamLineSource(std::unique_ptr<ByteStream> stream)
      : stream_(std::move(stream)), buf_(2 * kChunk) {}

  bool Next(LineView* line) override {
    while (true) {
      const char* begin = buf_.data() + pos_;
#ifdef SMTPTRIAGE_LINES_SSE2
      // The line ends are found 64 bytes at a time, ahead of the lines, rather than by a memchr
      // call per line: lines of a few hundred bytes leave a call little to search for its cost
      // (docs/PERFORMANCE.md).
      if (ends_ == 0 && end_ - scanned_ >= 64) {
        ends_ = LineEnds64(buf_.data() + scanned_);
        scanned_ += 64;
        continue;
      }
      if (ends_ != 0) {
        size_t at = scanned_ - 64 + static_cast<size_t>(std::countr_zero(ends_));
        ends_ &= ends_ - 1;
        size_t len = at - pos_;
        pos_ = at + 1;
        return Emit(begin, len, line);
      }
#endif
      // The bytes not yet searched (with SSE2, fewer than 64).
      const char* nl = static_cast<const char*>(
          std::memchr(buf_.data() + scanned_, '\n', end_ - scanned_));
      if (nl != nullptr) {
        size_t len = nl - begin;
        pos_ += len + 1;
        scanned_ = pos_;
        return Emit(begin, len, line);
      }
      if (eof_) {
        // An overlong last line with no line end is still reported.
        if (pos_ == end_ && !skipping_) return false;
        size_t len = end_ - pos_;
        pos_ = end_;
        scanned_ = end_;
        return Emit(begin, len, line);
      }
      if (!Fill()) {
        if (!eof_) return false;
      }
    }
  }

  const Status& status() const override { return stream_->status(); }
  int64_t bytes() const override { return bytes_; }

 private:
  bool Emit(const char* p, size_t len, LineView* line) {
    ++number_;
    if (number_ == 1 && len >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
      p += 3;
      len -= 3;
    }
    if (len > kMaxLineBytes && !skipping_) {
      // A line can end within the buffer and still be longer than the limit (Fill drops the
      // tail early, keeping the head, only when no line end came within it).
      overlong_head_.assign(p, kMaxLineBytes);
      skipping_ = true;
    }
    if (len > 0 && p[len - 1] == '\r') --len;
    line->text = std::string_view(p, len);
    line->number = number_;
    line->overlong = false;
    if (skipping_) {
      // The tail of an overlong line: report the line once, truncated, when it ends.
      skipping_ = false;
      line->text = std::string_view(overlong_head_);
      line->overlong = true;
    }
    return true;
  }

  // Reads more bytes, keeping the unconsumed tail at the front of the buffer. Returns false on
  // error or end of input (eof_ set at the end).
  bool Fill() {
    size_t tail = end_ - pos_;
    if (tail >= kMaxLineBytes) {
      // No line end within the limit: keep the head for the report, drop the rest.
      if (!skipping_) overlong_head_.assign(buf_.data() + pos_, kMaxLineBytes);
      skipping_ = true;
      // Keep the last byte in case it is a CR before the LF.
      pos_ = end_;
      tail = 0;
    }
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, tail);
      pos_ = 0;
      end_ = tail;
    }
    scanned_ = end_;  // (called when the bytes from pos_ to end_ hold no line end)
    if (buf_.size() - end_ < kChunk) buf_.Grow(std::max(buf_.size() * 2, end_ + kChunk), end_);
    int64_t got = stream_->Read(buf_.data() + end_, buf_.size() - end_);
    if (bytes_ == 0 && end_ == 0 && got >= 2) got = DetectUtf16(got);
    if (got < 0) {
      eof_ = true;  // emit what is buffered, then stop; status() tells the error
      return false;
    }
    if (got == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(got);
    bytes_ += got;
    return true;
  }

  // At the start of input: a UTF-16 byte order mark switches to a converting stream. Returns the
  // count of (converted) bytes now in the buffer.
  int64_t DetectUtf16(int64_t got) {
    auto b0 = static_cast<unsigned char>(buf_[0]);
    auto b1 = static_cast<unsigned char>(buf_[1]);
    bool le = b0 == 0xFF && b1 == 0xFE;
    bool be = b0 == 0xFE && b1 == 0xFF;
    if (!le && !be) return got;
    std::string rest(buf_.data() + 2, static_cast<size_t>(got) - 2);
    stream_ = std::make_unique<Utf16Stream>(std::move(stream_), std::move(rest), be);
    return stream_->Read(buf_.data(), buf_.size());
  }

  std::unique_ptr<ByteStream> stream_;
  ReadBuffer buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  // The bytes from pos_ to scanned_ have been searched for line ends: those found are the bits of
  // ends_, one per byte of the 64 before scanned_ (the bytes before those hold none).
  size_t scanned_ = 0;
#ifdef SMTPTRIAGE_LINES_SSE2
  uint64_t ends_ = 0;
#endif
  bool eof_ = false;
  bool skipping_ = false;
  std::string overlong_head_;
  int64_t number_ = 0;
  int64_t bytes_ = 0;
};

// Reads the first two bytes of `f` and goes back to its start: gzip's magic number?
bool StartsAsGzip(std::FILE* f) {
  unsigned char magic[2] = {0, 0};
  const size_t got = std::fread(magic, 1, 2, f);
  std::rewind(f);
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

Status OpenByteStream(const std::string& path, std::unique_ptr<ByteStream>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int e = errno;
    std::string msg = path + ": cannot open: " + std::strerror(e);
    return e == ENOENT ? Status::NotFound(msg) : Status::Io(msg);
  }
  if (StartsAsGzip(f)) {
    *out = std::make_unique<GzipByteStream>(f, path);
    return Status::Ok();
  }
  *out = std::make_unique<FileByteStream>(f, path);
  return Status::Ok();
}

bool HasGzipName(std::string_view path) {
  return path.size() > 3 && IStartsWith(path.substr(path.size() - 3), ".gz");
}

bool NamedGzipButNot(const std::string& path) {
  if (!HasGzipName(path)) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const bool gzip = StartsAsGzip(f);
  std::fclose(f);
  return !gzip;
}

std::unique_ptr<ByteStream> MemoryByteStream(std::string data) {
  return std::make_unique<MemoryStream>(std::move(data));
}

std::unique_ptr<LineSource> MakeLineSource(std::unique_ptr<ByteStream> stream) {
  return std::make_unique<StreamLineSource>(std::move(stream));
}

Status OpenLineSource(const std::string& path, std::unique_ptr<LineSource>* out) {
  std::unique_ptr<ByteStream> stream;
  Status s = OpenByteStream(path, &stream);
  if (!s.ok()) return s;
  *out = MakeLineSource(std::move(stream));
  return Status::Ok();
}

}  // namespace smtptriage
