#include "smtptriage/csv.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_CSV_SSE2 1
// Reading a few bytes past a line within its memory page is harmless, but address sanitizers
// rightly report it: they get the exact path.
#if defined(__SANITIZE_ADDRESS__)
#define SMTPTRIAGE_CSV_OVERREAD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMTPTRIAGE_CSV_OVERREAD 0
#endif
#endif
#ifndef SMTPTRIAGE_CSV_OVERREAD
#define SMTPTRIAGE_CSV_OVERREAD 1
#endif
#endif

namespace smtptriage {

void CsvSplitter::Grow(size_t room) {
  store_.resize(std::max(store_.size() * 2, count_ + room));
}

bool CsvSplitter::SplitPlain(std::string_view line) {
  const char* base = line.data();
  const size_t n = line.size();
  count_ = 0;
  size_t start = 0;  // of the current field
  size_t i = 0;
  auto put = [&](size_t at) {
    store_[count_++] = std::string_view(base + start, at - start);
    start = at + 1;
  };
#ifdef SMTPTRIAGE_CSV_SSE2
  // Sixty-four bytes at a time: one bit mask of the commas, and one test for a quote or a NUL
  // byte anywhere in the block (either sends the line elsewhere).
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i nul = _mm_setzero_si128();
  auto special = [&](__m128i v) { return _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, nul)); };
  auto commas16 = [&](__m128i v) {
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))));
  };
  for (; i + 64 <= n; i += 64) {
    const auto* p = reinterpret_cast<const __m128i*>(base + i);
    __m128i v0 = _mm_loadu_si128(p), v1 = _mm_loadu_si128(p + 1);
    __m128i v2 = _mm_loadu_si128(p + 2), v3 = _mm_loadu_si128(p + 3);
    __m128i odd = _mm_or_si128(_mm_or_si128(special(v0), special(v1)),
                               _mm_or_si128(special(v2), special(v3)));
    if (_mm_movemask_epi8(odd) != 0) return false;
    uint64_t commas = commas16(v0) | commas16(v1) << 16 | commas16(v2) << 32 | commas16(v3) << 48;
    if (count_ + 64 > store_.size()) Grow(64);
    while (commas != 0) {
      put(i + static_cast<size_t>(std::countr_zero(commas)));
      commas &= commas - 1;
    }
  }
  if (count_ + 65 > store_.size()) Grow(65);
#if SMTPTRIAGE_CSV_OVERREAD
  // The last bytes, fewer than 64: one more block, reading past the end of the line when that
  // stays within the same memory page (which is then mapped), with the bits past the end cleared.
  if (i < n && (reinterpret_cast<uintptr_t>(base + i) & 4095) <= 4096 - 64) {
    const auto* p = reinterpret_cast<const __m128i*>(base + i);
    __m128i v0 = _mm_loadu_si128(p), v1 = _mm_loadu_si128(p + 1);
    __m128i v2 = _mm_loadu_si128(p + 2), v3 = _mm_loadu_si128(p + 3);
    auto bits16 = [](__m128i m) { return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m))); };
    const uint64_t valid = (uint64_t{1} << (n - i)) - 1;
    uint64_t odd = bits16(special(v0)) | bits16(special(v1)) << 16 | bits16(special(v2)) << 32 |
                   bits16(special(v3)) << 48;
    if ((odd & valid) != 0) return false;
    uint64_t commas =
        (commas16(v0) | commas16(v1) << 16 | commas16(v2) << 32 | commas16(v3) << 48) & valid;
    while (commas != 0) {
      put(i + static_cast<size_t>(std::countr_zero(commas)));
      commas &= commas - 1;
    }
    i = n;
  }
#endif
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    if (_mm_movemask_epi8(special(v)) != 0) return false;
    uint64_t commas = commas16(v);
    while (commas != 0) {
      put(i + static_cast<size_t>(std::countr_zero(commas)));
      commas &= commas - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if (count_ + 2 > store_.size()) Grow(64);
    char c = base[i];
    if (c == '"' || c == '\0') return false;
    if (c == ',') put(i);
  }
  if (count_ + 1 > store_.size()) Grow(1);
  store_[count_++] = std::string_view(base + start, n - start);
  return true;
}

CsvError CsvSplitter::Split(std::string_view line) {
  // Most log lines have no quote at all: split those without looking at them byte by byte.
  if (SplitPlain(line)) return CsvError::kNone;
  count_ = 0;
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
        Add(start, end - start);
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
          Add(scratch_.data() + at, scratch_.size() - at);
          if (!comma) return CsvError::kNone;
          p = comma + 1;
          continue;
        }
        Add(start, q - start);
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
            Add(scratch_.data() + at, scratch_.size() - at);
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
      Add(scratch_.data() + at, scratch_.size() - at);
      if (!comma) return CsvError::kNone;
      p = comma + 1;
      continue;
    }
    const char* comma = static_cast<const char*>(std::memchr(p, ',', end - p));
    if (comma == nullptr) {
      Add(p, end - p);
      return CsvError::kNone;
    }
    Add(p, comma - p);
    p = comma + 1;
  }
}

}  // namespace smtptriage
