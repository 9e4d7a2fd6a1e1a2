#include <catch2/catch.hpp>

#include <filesystem>

#include "smtptriage/event_parser.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
namespace fs = std::filesystem;

// Every real excerpt must be read: protocol logs give events, other logs are recognised and
// skipped with a reason, and nothing counts as malformed.
TEST_CASE("Every file of the shared corpus is read with zero malformed rows", "[corpus]") {
  fs::path corpus = SMTPTRIAGE_CORPUS_DIR;
  if (!fs::exists(corpus)) {
    WARN("no corpus at " << corpus.string());  // ctest counts the test as skipped
    return;
  }
  int protocol_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file() || entry.path().filename() == "SOURCES.md") continue;
    std::string path = entry.path().string();
    INFO(path);
    Diagnostics diag;
    std::unique_ptr<LineSource> source;
    REQUIRE(OpenLineSource(path, &source).ok());
    EventParser parser(path, std::move(source), &diag, LogKindFromName(path));
    ProtocolEvent ev;
    int events = 0;
    while (parser.Next(&ev)) ++events;
    CHECK(diag.malformed_total() == 0);
    if (events > 0) {
      ++protocol_files;
      CHECK((parser.kind() == LogKind::kSend || parser.kind() == LogKind::kReceive));
    } else {
      CHECK(diag.skipped().size() == 1);  // not a protocol log, and said so
    }
  }
  CHECK(protocol_files == 5);
}
