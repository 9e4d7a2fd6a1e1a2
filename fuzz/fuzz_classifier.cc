// Fuzzes the classifier with the built-in knowledge base: any text as a failed reply, at any
// stage, in either log. The first byte picks the stage and the log kind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "smtptriage/classifier.h"
#include "smtptriage/reply.h"

namespace {

const smtptriage::Classifier& BuiltIn() {
  static const smtptriage::Classifier* c = [] {
    std::unique_ptr<smtptriage::Classifier> out;
    smtptriage::Status s = smtptriage::Classifier::Load("", {}, &out);
    if (!s.ok()) std::abort();
    return out.release();
  }();
  return *c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const smtptriage::Classifier& c = BuiltIn();
  uint8_t selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  smtptriage::Reply r = smtptriage::FindReply(text);
  smtptriage::ReplyInput in;
  in.code = r.code;
  in.enhanced = r.enhanced;
  in.text = r.text;
  in.stage = static_cast<smtptriage::Stage>(selector % smtptriage::kStageCount);
  in.log = (selector & 0x80) ? smtptriage::LogKind::kReceive : smtptriage::LogKind::kSend;
  smtptriage::Classification k = c.Classify(in);
  if (k.rule == nullptr) std::abort();  // the fallback rule always answers
  // The raw text too, as `explain` passes a reply it could not parse.
  in.code = 0;
  in.enhanced = {};
  in.text = text;
  if (c.Classify(in).rule == nullptr) std::abort();
  return 0;
}
