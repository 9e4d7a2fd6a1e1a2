// Line sources: the first stage of the pipeline. A source yields one line at a time as a view
// into its own reused buffer (valid until the next Next() call), with the CR of CRLF and a
// leading UTF-8 BOM removed. Plain and gzip files, and memory for tests. Not thread-safe: one
// source per reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "smtptriage/status.h"

namespace smtptriage {

struct LineView {
  std::string_view text;
  int64_t number = 0;      // 1-based line number in the file
  bool overlong = false;   // the line exceeded the limit; text holds its first kMaxLineBytes
};

class LineSource {
 public:
  virtual ~LineSource() = default;
  // Returns false at the end of input or on a read error (then status() says which).
  virtual bool Next(LineView* line) = 0;
  virtual const Status& status() const = 0;
  // Bytes of (uncompressed) text consumed so far.
  virtual int64_t bytes() const = 0;
};

inline constexpr size_t kMaxLineBytes = 8u << 20;

// A source of raw bytes (a plain file, a gzip stream, memory).
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes; returns the count, 0 at the end, -1 on error (see status()).
  virtual int64_t Read(char* buf, size_t n) = 0;
  virtual const Status& status() const = 0;
};

// Opens `path` for reading; gzip is detected by its magic bytes, not by the name.
Status OpenByteStream(const std::string& path, std::unique_ptr<ByteStream>* out);
// Whether `path` ends in .gz (in any case).
bool HasGzipName(std::string_view path);
// Whether `path` is named .gz but does not begin as gzip data does (a damaged or mislabelled
// copy), for the message that says why it could not be read.
bool NamedGzipButNot(const std::string& path);
std::unique_ptr<ByteStream> MemoryByteStream(std::string data);

// Splits a byte stream into lines (LF or CRLF, last line without terminator accepted). A line
// longer than kMaxLineBytes is returned truncated with `overlong` set, and the rest of it skipped.
std::unique_ptr<LineSource> MakeLineSource(std::unique_ptr<ByteStream> stream);

// Opens a file (plain, gzip or UTF-16) as a line source.
Status OpenLineSource(const std::string& path, std::unique_ptr<LineSource>* out);

}  // namespace smtptriage
