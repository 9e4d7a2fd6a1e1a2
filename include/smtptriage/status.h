// A small status value returned at I/O and configuration seams. Messages have the form
// "path:line: what went wrong" (or "path: ..." when no line applies). Thread-compatible value type.
#pragma once

#include <string>
#include <utility>

namespace smtptriage {

class Status {
 public:
  enum class Code { kOk, kNotFound, kInvalid, kIo };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalid, std::move(msg)); }
  static Status Io(std::string msg) { return Status(Code::kIo, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace smtptriage
