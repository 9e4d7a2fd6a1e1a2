#include "smtptriage/input_files.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "smtptriage/event_parser.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/tracking_parser.h"

namespace fs = std::filesystem;

namespace smtptriage {

bool ParseLogName(const std::string& name, LogKind* kind, std::string* stamp, int* counter) {
  std::string_view n = name;
  if (n.size() > 3 && (n.substr(n.size() - 3) == ".gz" || n.substr(n.size() - 3) == ".GZ")) {
    n.remove_suffix(3);
  }
  if (n.size() < 4 || !(IStartsWith(n.substr(n.size() - 4), ".log"))) return false;
  n.remove_suffix(4);
  size_t prefix;
  if (IStartsWith(n, "SEND")) {
    *kind = LogKind::kSend;
    prefix = 4;
  } else if (IStartsWith(n, "RECV")) {
    *kind = LogKind::kReceive;
    prefix = 4;
  } else if (IStartsWith(n, "MSGTRK")) {
    *kind = LogKind::kTracking;
    prefix = 6;
    if (n.size() > 8 && std::isalpha(static_cast<unsigned char>(n[6]))) prefix = 8;  // MA, MD, MS
  } else {
    return false;
  }
  std::string_view rest = n.substr(prefix);
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos || (dash != 8 && dash != 10)) return false;
  std::string_view digits = rest.substr(0, dash);
  std::string_view count = rest.substr(dash + 1);
  if (count.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  int v = 0;
  for (char c : count) {
    if (c < '0' || c > '9' || v > 1000000) return false;
    v = v * 10 + (c - '0');
  }
  *stamp = std::string(digits);
  if (stamp->size() == 8) *stamp += "00";  // a daily file starts at hour 00
  *counter = v;
  return true;
}

namespace {

void Walk(const fs::path& dir, std::set<fs::path>* visited, std::vector<InputFile>* out,
          Diagnostics* diag, bool verbose, std::ostream& log) {
  std::error_code ec;
  fs::path canon = fs::canonical(dir, ec);
  if (ec) {
    diag->Skipped(dir.string(), "cannot resolve folder: " + ec.message());
    return;
  }
  if (!visited->insert(canon).second) {
    diag->Note(dir.string(), "folder already searched (a symbolic link loop?); not read twice");
    return;
  }
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    diag->Skipped(dir.string(), "cannot list folder: " + ec.message());
    return;
  }
  std::vector<fs::path> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      diag->Skipped(dir.string(), "error while listing folder: " + ec.message());
      break;
    }
    entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  for (const fs::path& p : entries) {
    std::error_code sec;
    if (fs::is_directory(p, sec)) {
      Walk(p, visited, out, diag, verbose, log);
      continue;
    }
    InputFile f;
    f.path = p.string();
    if (!ParseLogName(p.filename().string(), &f.kind, &f.stamp, &f.counter)) {
      if (verbose) log << "ignored (not an Exchange SMTP log name): " << f.path << '\n';
      continue;
    }
    out->push_back(std::move(f));
  }
}

}  // namespace

std::vector<InputFile> FindInputs(const std::vector<std::string>& args, Diagnostics* diag,
                                  bool verbose, std::ostream& log) {
  std::vector<InputFile> out;
  std::set<fs::path> visited;
  for (const std::string& arg : args) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      diag->Skipped(arg, "no such file or folder");
      continue;
    }
    if (fs::is_directory(st)) {
      Walk(arg, &visited, &out, diag, verbose, log);
      continue;
    }
    InputFile f;
    f.path = arg;
    f.explicit_arg = true;
    if (!ParseLogName(fs::path(arg).filename().string(), &f.kind, &f.stamp, &f.counter)) {
      f.kind = LogKindFromName(arg);
    }
    out.push_back(std::move(f));
  }
  // Time order: the name's timestamp, then -N. Files whose name has no timestamp (excerpts
  // named explicitly) come first, in command-line order.
  std::stable_sort(out.begin(), out.end(), [](const InputFile& a, const InputFile& b) {
    if (a.stamp != b.stamp) return a.stamp < b.stamp;
    return a.counter < b.counter;
  });
  // The same file reached twice (named and inside a named folder) is read once.
  std::set<fs::path> seen;
  std::vector<InputFile> unique;
  for (InputFile& f : out) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(f.path, ec);
    if (!seen.insert(ec ? fs::path(f.path) : c).second) continue;
    unique.push_back(std::move(f));
  }
  return unique;
}

bool HasTrackingLogs(const std::vector<InputFile>& files) {
  for (const InputFile& f : files) {
    // A headerless excerpt named on the command line is recognised from its rows, as the
    // scanner does.
    if (f.kind == LogKind::kTracking) return true;
    if (f.kind == LogKind::kUnknown && LooksLikeTrackingFile(f.path)) return true;
  }
  return false;
}

}  // namespace smtptriage
