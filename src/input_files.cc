#include "smtptriage/input_files.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <filesystem>
#include <set>
#include <system_error>

#include "smtptriage/event_parser.h"
#include "smtptriage/line_source.h"
#include "smtptriage/smtp_text.h"
#include "smtptriage/tracking_parser.h"

namespace fs = std::filesystem;

namespace smtptriage {

bool ParseLogName(const std::string& name, LogKind* kind, std::string* stamp, int* counter) {
  std::string_view n = name;
  if (HasGzipName(n)) n.remove_suffix(3);
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

void Walk(const fs::path& dir, const std::string& root, std::set<fs::path>* visited,
          std::vector<InputFile>* out, Diagnostics* diag, bool verbose, std::ostream& log) {
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
      Walk(p, root, visited, out, diag, verbose, log);
      continue;
    }
    InputFile f;
    f.path = p.string();
    f.root = root;
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
      Walk(arg, arg, &visited, &out, diag, verbose, log);
      continue;
    }
    InputFile f;
    f.path = arg;
    f.root = arg;
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

bool ParseServerPath(const std::string& arg, ServerPath* out, std::string* error) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    *error = "--server: expected NAME=PATH, e.g. EX01=\\\\EX01\\d$\\Logs or EX01=/logs/ex01: '" +
             arg + "'";
    return false;
  }
  out->name = arg.substr(0, eq);
  out->path = arg.substr(eq + 1);
  return true;
}

namespace {

// The components of a path, split at '/' and '\\' (either may come from a Windows share).
std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '/' || c == '\\') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

bool IEq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && IStartsWith(a, b);
}

// Folders Exchange itself names inside its log tree, and install folders: never a server.
bool IsExchangeFolder(const std::string& name) {
  static const char* kNames[] = {"TransportRoles", "Logs", "ProtocolLog", "SmtpSend",
                                 "SmtpReceive", "MessageTracking", "Hub", "FrontEnd",
                                 "Mailbox", "Exchange Server", "Microsoft", "Program Files"};
  for (const char* n : kNames) {
    if (IEq(name, n)) return true;
  }
  // V14, V15, V16: the version folder of an installation.
  if (name.size() == 3 && (name[0] == 'V' || name[0] == 'v') && std::isdigit(name[1]) &&
      std::isdigit(name[2])) {
    return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& parts, size_t n, bool unc, bool absolute) {
  std::string out = unc ? "\\\\" : absolute ? "/" : "";
  for (size_t i = 0; i < n && i < parts.size(); ++i) {
    if (i > 0) out += unc ? "\\" : "/";
    out += parts[i];
  }
  return out;
}

std::string Canonical(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? fs::path(p) : c).generic_string();
}

}  // namespace

std::vector<ServerInput> AssignServers(std::vector<InputFile>* files,
                                       const std::vector<ServerPath>& explicit_servers) {
  // Per command-line folder: its subfolders that hold logs, for the one-folder-per-server form.
  std::map<std::string, std::set<std::string>> subfolders;
  for (const InputFile& f : *files) {
    fs::path rel = fs::path(f.path).lexically_relative(f.root);
    auto it = rel.begin();
    if (rel.empty() || it == rel.end() || *it == ".." || std::next(it) == rel.end()) continue;
    subfolders[f.root].insert(it->string());
  }
  std::vector<std::pair<std::string, std::string>> explicit_canon;
  for (const ServerPath& sp : explicit_servers) {
    explicit_canon.emplace_back(Canonical(sp.path), sp.name);
  }

  // Per command-line folder: the name it would give as a server of its own, for the
  // one-folder-per-server form given as several paths (scan /logs/EX01 /logs/EX02).
  std::map<std::string, std::string> root_names;
  for (const InputFile& f : *files) {
    if (f.path == f.root || root_names.count(f.root)) continue;  // (a file given by itself)
    std::vector<std::string> parts = Components(f.root);
    std::string name;
    for (size_t i = parts.size(); i-- > 0 && name.empty();) {
      if (!IsExchangeFolder(parts[i])) name = parts[i];
    }
    // A date or a number ("2026-03-02", "01") names a copy or a day, not a server.
    bool letter = std::any_of(name.begin(), name.end(),
                              [](unsigned char c) { return std::isalpha(c) != 0; });
    root_names[f.root] = letter ? name : "";
  }
  std::set<std::string> distinct_roots;
  for (const auto& [root, name] : root_names) {
    if (!name.empty()) distinct_roots.insert(name);
  }
  if (distinct_roots.size() < 2) root_names.clear();

  std::map<std::string, ServerInput> servers;
  std::vector<std::string> names;  // of each file's server
  for (InputFile& f : *files) {
    std::string name, path, how;
    std::string canon = Canonical(f.path);
    size_t best = 0;
    for (size_t i = 0; i < explicit_canon.size(); ++i) {
      const std::string& prefix = explicit_canon[i].first;
      if (canon.size() >= prefix.size() && canon.compare(0, prefix.size(), prefix) == 0 &&
          (canon.size() == prefix.size() || canon[prefix.size()] == '/') &&
          prefix.size() >= best) {
        best = prefix.size();
        name = explicit_canon[i].second;
        path = explicit_servers[i].path;
        how = "explicit";
      }
    }
    std::vector<std::string> parts = Components(f.path);
    bool unc = f.path.rfind("\\\\", 0) == 0 || f.path.rfind("//", 0) == 0;
    bool absolute = !unc && !f.path.empty() && f.path[0] == '/';
    if (name.empty() && unc && !parts.empty()) {
      name = parts[0];
      path = Join(parts, 1, true, false);
      how = "share";
    }
    if (name.empty()) {
      // The folder holding the log tree: before TransportRoles, else before Logs.
      for (const char* marker : {"TransportRoles", "Logs"}) {
        for (size_t i = parts.size(); i-- > 1;) {
          if (IEq(parts[i], marker) && !IsExchangeFolder(parts[i - 1])) {
            name = parts[i - 1];
            path = Join(parts, i, false, absolute);
            how = "layout";
            break;
          }
        }
        if (!name.empty()) break;
      }
    }
    if (name.empty()) {
      auto sub = subfolders.find(f.root);
      if (sub != subfolders.end()) {
        int servers_like = 0;
        for (const std::string& s : sub->second) servers_like += !IsExchangeFolder(s);
        fs::path rel = fs::path(f.path).lexically_relative(f.root);
        std::string first = rel.empty() ? "" : rel.begin()->string();
        if (servers_like >= 2 && !first.empty() && !IsExchangeFolder(first) &&
            sub->second.count(first)) {
          name = first;
          path = (fs::path(f.root) / first).string();
          how = "layout";
        }
      }
    }
    if (name.empty()) {
      auto given = root_names.find(f.root);
      if (given != root_names.end() && !given->second.empty()) {
        name = given->second;
        path = f.root;
        how = "layout";
      }
    }
    if (name.empty()) {
      name = "local";
      path = f.root;
      how = "default";
    }
    names.push_back(name);
    ServerInput& s = servers[name];
    s.name = name;
    if (s.how.empty()) s.how = how;
    if (std::find(s.paths.begin(), s.paths.end(), path) == s.paths.end()) s.paths.push_back(path);
  }
  std::vector<ServerInput> table;
  std::map<std::string, uint32_t> index;
  for (auto& [name, s] : servers) {
    index[name] = static_cast<uint32_t>(table.size());
    table.push_back(std::move(s));
  }
  for (size_t i = 0; i < files->size(); ++i) (*files)[i].server = index[names[i]];
  return table;
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
