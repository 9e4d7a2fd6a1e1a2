#include "json_text.h"

#include <cstring>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_JSON_SSE2 1
#endif

namespace smtptriage {

#ifdef SMTPTRIAGE_JSON_SSE2
namespace {

// Whether any of the 16 bytes at `p` needs escaping. As signed bytes, control characters and the
// bytes from 0x80 up are all below 0x20; DEL is 0x7f.
bool Odd16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i odd =
      _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
                   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return _mm_movemask_epi8(odd) != 0;
}

}  // namespace
#endif

bool JsonText::Plain(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
#ifdef SMTPTRIAGE_JSON_SSE2
  if (n < 16) {
    char padded[16];
    std::memset(padded, ' ', sizeof padded);
    std::memcpy(padded, p, n);
    return !Odd16(padded);
  }
  for (size_t i = 0; i + 16 < n; i += 16) {
    if (Odd16(p + i)) return false;
  }
  return !Odd16(p + n - 16);  // the last 16 bytes, overlapping the block before
#else
  for (size_t i = 0; i < n; ++i) {
    auto u = static_cast<unsigned char>(p[i]);
    if (u < 0x20 || u >= 0x7f || u == '"' || u == '\\') return false;
  }
  return true;
#endif
}

}  // namespace smtptriage
