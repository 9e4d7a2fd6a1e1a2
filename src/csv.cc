#include "smtptriage/csv.h"

#include <bit>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_CSV_SSE2 1
#endif

namespace smtptriage {

bool CsvSplitter::SplitUnquoted(std::string_view line) {
  const char* base = line.data();
  const size_t n = line.size();
  size_t start = 0;  // of the current field
  size_t i = 0;
#ifdef SMTPTRIAGE_CSV_SSE2
  // Sixteen bytes at a time: a bit mask of the commas, and of the quotes (any quote sends the
  // line to the general path).
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) != 0) return false;
    unsigned commas = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)));
    while (commas != 0) {
      size_t at = i + static_cast<size_t>(std::countr_zero(commas));
      fields_.emplace_back(base + start, at - start);
      start = at + 1;
      commas &= commas - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if (base[i] == '"') return false;
    if (base[i] == ',') {
      fields_.emplace_back(base + start, i - start);
      start = i + 1;
    }
  }
  fields_.emplace_back(base + start, n - start);
  return true;
}

CsvError CsvSplitter::Split(std::string_view line) {
  fields_.clear();
  // Most log lines have no quote at all: split those without looking at them byte by byte.
  if (SplitUnquoted(line)) return CsvError::kNone;
  fields_.clear();
  // Reserve once so that views into scratch_ never move while this line is split: an unquoted
  // field can only be shorter than the line it came from.
  scratch_.clear();
  if (scratch_.capacity() < line.size()) scratch_.reserve(line.size());
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    if (p < end && *p == '"') {
      // Quoted field. Fast path: no doubled quote inside, the view points into the line.
      const char* start = ++p;
      const char* q = static_cast<const char*>(std::memchr(p, '"', end - p));
      if (q == nullptr) {
        fields_.emplace_back(start, end - start);
        return CsvError::kUnterminatedQuote;
      }
      if (q + 1 >= end || q[1] != '"') {
        const char* after = q + 1;
        if (after < end && *after != ',') {
          // Stray text after the closing quote: keep it with the field.
          const char* comma = static_cast<const char*>(std::memchr(after, ',', end - after));
          const char* stop = comma ? comma : end;
          size_t at = scratch_.size();
          scratch_.append(start, q - start).append(after, stop - after);
          fields_.emplace_back(scratch_.data() + at, scratch_.size() - at);
          if (!comma) return CsvError::kNone;
          p = comma + 1;
          continue;
        }
        fields_.emplace_back(start, q - start);
        if (after >= end) return CsvError::kNone;
        p = after + 1;
        continue;
      }
      // Slow path: undo doubled quotes into scratch_.
      size_t at = scratch_.size();
      while (true) {
        scratch_.append(p, q - p);
        if (q + 1 < end && q[1] == '"') {
          scratch_.push_back('"');
          p = q + 2;
          q = static_cast<const char*>(std::memchr(p, '"', end - p));
          if (q == nullptr) {
            scratch_.append(p, end - p);
            fields_.emplace_back(scratch_.data() + at, scratch_.size() - at);
            return CsvError::kUnterminatedQuote;
          }
          continue;
        }
        break;
      }
      const char* after = q + 1;
      const char* comma =
          after < end ? static_cast<const char*>(std::memchr(after, ',', end - after)) : nullptr;
      const char* stop = comma ? comma : end;
      scratch_.append(after, stop - after);
      fields_.emplace_back(scratch_.data() + at, scratch_.size() - at);
      if (!comma) return CsvError::kNone;
      p = comma + 1;
      continue;
    }
    const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
    if (comma == nullptr) {
      fields_.emplace_back(p, end - p);
      return CsvError::kNone;
    }
    fields_.emplace_back(p, comma - p);
    p = comma + 1;
  }
}

}  // namespace smtptriage
