// JSON written straight into a string, in the layout of nlohmann's dump(2) (two spaces per level,
// "key": value, empty containers as {} and []), for the parts of a report that are large enough
// for a tree of nlohmann values to cost time: a run's domains. Strings are escaped as dump() with
// the replace error handler escapes them (plain ones are copied, others go through nlohmann).
// Internal to the library.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace smtptriage {

class JsonText {
 public:
  // Writes to *out; `indent` is the depth, in spaces, of the place the first value goes.
  JsonText(std::string* out, int indent) : out_(out), base_(indent) {}

  void BeginObject() { Open('{', '}'); }
  void BeginArray() { Open('[', ']'); }
  void End() {
    Level level = levels_.back();
    levels_.pop_back();
    if (!level.empty) {
      out_->push_back('\n');
      Indent();
    }
    out_->push_back(level.close);
  }
  // The name of the next value, in an object.
  void Key(std::string_view key) {
    Next();
    Quoted(key);
    out_->append(": ");
    keyed_ = true;
  }
  void String(std::string_view s) {
    Next();
    Quoted(s);
  }
  void Int(int64_t v) {
    Next();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out_->append(buf, end);
  }
  void Bool(bool v) {
    Next();
    out_->append(v ? "true" : "false");
  }
  void Null() {
    Next();
    out_->append("null");
  }
  void Member(std::string_view key, std::string_view s) {
    Key(key);
    String(s);
  }
  void Member(std::string_view key, const char* s) { Member(key, std::string_view(s)); }
  void Member(std::string_view key, const std::string& s) { Member(key, std::string_view(s)); }
  void Member(std::string_view key, int64_t v) {
    Key(key);
    Int(v);
  }
  void Member(std::string_view key, int v) { Member(key, static_cast<int64_t>(v)); }
  void Member(std::string_view key, bool v) {
    Key(key);
    Bool(v);
  }
  void Member(std::string_view key, const std::vector<std::string>& list) {
    Key(key);
    BeginArray();
    for (const std::string& s : list) String(s);
    End();
  }

 private:
  struct Level {
    char close;
    bool empty;
  };
  void Open(char open, char close) {
    Next();
    out_->push_back(open);
    levels_.push_back({close, true});
  }
  // Before a value: its separator and indent, unless a key was just written for it.
  void Next() {
    if (keyed_) {
      keyed_ = false;
      return;
    }
    if (levels_.empty()) return;
    Level& level = levels_.back();
    out_->append(level.empty ? "\n" : ",\n");
    level.empty = false;
    Indent();
  }
  void Indent() { out_->append(static_cast<size_t>(base_) + 2 * levels_.size(), ' '); }
  // True when `s` is printable ASCII with no quote or backslash: written as it is.
  static bool Plain(std::string_view s);
  void Quoted(std::string_view s) {
    if (Plain(s)) {
      size_t at = out_->size();
      out_->resize(at + s.size() + 2);
      char* p = out_->data() + at;
      p[0] = '"';
      s.copy(p + 1, s.size());
      p[s.size() + 1] = '"';
      return;
    }
    out_->append(nlohmann::ordered_json(std::string(s))
                     .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }

  std::string* out_;
  int base_;
  std::vector<Level> levels_;
  bool keyed_ = false;
};

}  // namespace smtptriage
