// The session matcher across log files: the files it has been fed (to tell a session cut off by
// a gap in the logs from a lost one), the rows kept aside for the previous file's matcher, and
// the sessions taken over from it when files are read in parallel. The rows themselves are
// matched in session_matcher.cc.
#include <string>
#include <vector>

#include "session_matcher_internal.h"
#include "smtptriage/session_matcher.h"

namespace smtptriage {

namespace {

// The text fields of an event, in a fixed order, for CarriedRow to copy and restore.
template <typename Event, typename F>
void ForEachText(Event& ev, F f) {
  f(ev.connector);
  f(ev.session);
  f(ev.local_endpoint);
  f(ev.remote_endpoint);
  f(ev.data);
  f(ev.context);
}

}  // namespace

CarriedRow::CarriedRow(const ProtocolEvent& ev, LogKind kind, uint32_t file, uint32_t server)
    : ev_(ev), kind_(kind), file_(file), server_(server) {
  size_t i = 0;
  ForEachText(ev, [&](std::string_view v) {
    text_.append(v);
    ends_[i++] = text_.size();
  });
  ForEachText(ev_, [](std::string_view& v) { v = {}; });
}

ProtocolEvent CarriedRow::event() const {
  ProtocolEvent ev = ev_;
  size_t i = 0, begin = 0;
  ForEachText(ev, [&](std::string_view& v) {
    v = std::string_view(text_).substr(begin, ends_[i] - begin);
    begin = ends_[i++];
  });
  return ev;
}

void SessionMatcher::CarryUnstarted(std::vector<CarriedRow>* carry, size_t max_bytes) {
  carry_ = carry;
  carry_max_bytes_ = max_bytes;
  carry_bytes_ = 0;
}

void SessionMatcher::Adopt(SessionMatcher* other) {
  for (auto& [key, s] : other->open_) {
    auto mine = open_.find(key);
    // The same id open on both sides: the older session ended without a row; close it first.
    if (mine != open_.end()) Close(*mine->second, CloseKind::kIdle);
    open_.emplace(key, std::move(s));
  }
  other->open_.clear();
  other->last_open_ = nullptr;
  AdvanceClock(other->latest_);
}

void SessionMatcher::AddFile(TimeMs first, TimeMs last) { files_.emplace_back(first, last); }

bool SessionMatcher::Written(TimeMs t) const {
  // Asked about recent times: from the latest file back, until one ended before `t`.
  for (auto it = files_.rbegin(); it != files_.rend() && it->second >= t; ++it) {
    if (it->first <= t) return true;
  }
  return false;
}

}  // namespace smtptriage
