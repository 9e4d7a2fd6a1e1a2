#include "smtptriage/csv.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SMTPTRIAGE_CSV_SSE2 1
// Reading a few bytes past a line within its memory page is harmless, but the address and
// thread sanitizers rightly report it: they get the exact path.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SMTPTRIAGE_CSV_OVERREAD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SMTPTRIAGE_CSV_OVERREAD 0
#endif
#endif
#ifndef SMTPTRIAGE_CSV_OVERREAD
#define SMTPTRIAGE_CSV_OVERREAD 1
#endif
#endif

namespace smtptriage {

namespace {

#ifdef SMTPTRIAGE_CSV_SSE2
// The 64 bytes at `p`, one bit per byte: the quotes and NUL bytes, and the commas.
struct Block64 {
  uint64_t odd = 0;
  uint64_t commas = 0;
};

Block64 Scan64(const char* p) {
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i nul = _mm_setzero_si128();
  Block64 b;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p) + k);
    auto bits = [](__m128i m) {
      return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m)));
    };
    b.odd |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, nul))) << (16 * k);
    b.commas |= bits(_mm_cmpeq_epi8(v, comma)) << (16 * k);
  }
  return b;
}
#endif

}  // namespace

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
  // Sixty-four bytes at a time; a quote or a NUL byte sends the line to Split.
  auto put_all = [&](uint64_t commas, size_t at) {
    for (; commas != 0; commas &= commas - 1)
      put(at + static_cast<size_t>(std::countr_zero(commas)));
  };
  for (; i + 64 <= n; i += 64) {
    Block64 b = Scan64(base + i);
    if (b.odd != 0) return false;
    if (count_ + 64 > store_.size()) Grow(64);
    put_all(b.commas, i);
  }
#if SMTPTRIAGE_CSV_OVERREAD
  // The last bytes, fewer than 64: one more block, reading past the end of the line when that
  // stays within the same memory page (which is then mapped), with the bits past the end cleared.
  // Near a page end they go one at a time below.
  if (i < n && (reinterpret_cast<uintptr_t>(base + i) & 4095) <= 4096 - 64) {
    Block64 b = Scan64(base + i);
    const uint64_t valid = (uint64_t{1} << (n - i)) - 1;
    if ((b.odd & valid) != 0) return false;
    if (count_ + 64 > store_.size()) Grow(64);
    put_all(b.commas & valid, i);
    i = n;
  }
#endif
#endif
  for (; i < n; ++i) {
    if (count_ + 1 >= store_.size()) Grow(64);
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
  return SplitQuoted(line);
}

CsvError CsvSplitter::SplitQuoted(std::string_view line) {
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
