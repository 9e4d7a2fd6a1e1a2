// Fuzzes the front of the pipeline: any bytes as one log file, through the line source, the
// event parser and the session matcher (with a small open-session bound and transcripts kept,
// so that eviction and transcript limits run too). The first byte picks the kind the file name
// would suggest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "smtptriage/diagnostics.h"
#include "smtptriage/event_parser.h"
#include "smtptriage/line_source.h"
#include "smtptriage/session_matcher.h"

namespace {

class CountSink : public smtptriage::SessionSink {
 public:
  void OnSession(smtptriage::SessionRecord&& s) override {
    ++sessions;
    (void)s;
  }
  int64_t sessions = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const smtptriage::LogKind kHints[] = {smtptriage::LogKind::kUnknown,
                                               smtptriage::LogKind::kSend,
                                               smtptriage::LogKind::kReceive,
                                               smtptriage::LogKind::kTracking};
  smtptriage::LogKind hint = kHints[data[0] % 4];
  std::string content(reinterpret_cast<const char*>(data) + 1, size - 1);
  smtptriage::Diagnostics diag;
  CountSink sink;
  smtptriage::MatcherOptions options;
  options.keep_transcripts = true;
  options.max_transcript_rows = 8;
  options.max_open_sessions = 4;
  smtptriage::SessionMatcher matcher(&sink, options);
  smtptriage::EventParser parser("fuzz.LOG",
                                 smtptriage::MakeLineSource(smtptriage::MemoryByteStream(content)),
                                 &diag, hint);
  smtptriage::ProtocolEvent ev;
  int64_t events = 0;
  while (parser.Next(&ev)) {
    ++events;
    matcher.Feed(ev, parser.kind() == smtptriage::LogKind::kReceive
                         ? smtptriage::LogKind::kReceive
                         : smtptriage::LogKind::kSend,
                 0);
  }
  matcher.Finish();
  if (matcher.stats().events != events) std::abort();
  if (matcher.open_sessions() != 0) std::abort();  // Finish closes everything
  return 0;
}
