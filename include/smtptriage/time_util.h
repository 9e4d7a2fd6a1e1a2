// Time helpers. Exchange logs are UTC with millisecond timestamps `yyyy-MM-ddTHH:mm:ss.fffZ`;
// internally every time is int64 milliseconds since the Unix epoch (UTC). Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtptriage {

using TimeMs = int64_t;

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d);

// Parses the fixed Exchange timestamp by hand. Also accepts no fraction, 1-7 fraction digits,
// and a missing `Z`. Returns false on anything else.
bool ParseLogTimestamp(std::string_view s, TimeMs* out);

// "2026-03-02T06:00:01.123Z" (with_ms) or "2026-03-02T06:00:01Z".
std::string FormatIsoUtc(TimeMs t, bool with_ms = false);

// Parses an ISO 8601 time given by a user: a date, a date and time (with `T` or a space),
// optional seconds and fraction, and `Z` or an offset such as +01:00. A time without a zone is
// taken as UTC. Returns false when it is not such a time.
bool ParseIsoTime(std::string_view s, TimeMs* out);

// Parses a duration such as "90m", "24h", "7d", "30s", "1h30m", "500ms". Returns false
// otherwise.
bool ParseDuration(std::string_view s, TimeMs* out_ms);

// --since/--until value: an ISO time, or a duration meaning that long before `now`.
bool ParseTimeArg(std::string_view s, TimeMs now, TimeMs* out);

}  // namespace smtptriage
