#include <catch2/catch.hpp>

#include "smtptriage/time_util.h"

using namespace smtptriage;

TEST_CASE("Exchange timestamps are parsed by hand", "[time]") {
  struct Row {
    const char* input;
    bool ok;
    const char* iso;  // expected, formatted back with milliseconds
  };
  const Row rows[] = {
      {"2024-01-25T15:14:39.460Z", true, "2024-01-25T15:14:39.460Z"},
      {"1970-01-01T00:00:00.000Z", true, "1970-01-01T00:00:00.000Z"},
      {"2024-02-29T23:59:59.999Z", true, "2024-02-29T23:59:59.999Z"},
      {"2024-01-25T15:14:39Z", true, "2024-01-25T15:14:39.000Z"},
      {"2024-01-25T15:14:39.4601234Z", true, "2024-01-25T15:14:39.460Z"},
      {"2024-01-25T15:14:39.460", true, "2024-01-25T15:14:39.460Z"},
      {"2023-02-29T00:00:00.000Z", false, ""},
      {"2024-13-01T00:00:00.000Z", false, ""},
      {"2024-01-25 15:14:39.460Z", false, ""},
      {"2024-01-25T25:14:39.460Z", false, ""},
      {"2024-01-25T15:14:39.460Zx", false, ""},
      {"garbage", false, ""},
      {"", false, ""},
  };
  for (const Row& row : rows) {
    INFO(row.input);
    TimeMs t = 0;
    REQUIRE(ParseLogTimestamp(row.input, &t) == row.ok);
    if (row.ok) CHECK(FormatIsoUtc(t, true) == row.iso);
  }
}

TEST_CASE("Days from civil round-trips over centuries", "[time]") {
  for (int64_t d = -800000; d < 800000; d += 997) {
    int y;
    unsigned m, day;
    CivilFromDays(d, &y, &m, &day);
    REQUIRE(DaysFromCivil(y, m, day) == d);
  }
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
}

TEST_CASE("User times: ISO 8601 with zones, and durations back from now", "[time]") {
  TimeMs t;
  REQUIRE(ParseIsoTime("2026-03-02T15:00:00+01:00", &t));
  CHECK(FormatIsoUtc(t) == "2026-03-02T14:00:00Z");
  REQUIRE(ParseIsoTime("2026-03-02 15:00", &t));
  CHECK(FormatIsoUtc(t) == "2026-03-02T15:00:00Z");
  REQUIRE(ParseIsoTime("2026-03-02", &t));
  CHECK(FormatIsoUtc(t) == "2026-03-02T00:00:00Z");
  REQUIRE(ParseIsoTime("2026-03-02T06:30:00-0430", &t));
  CHECK(FormatIsoUtc(t) == "2026-03-02T11:00:00Z");
  CHECK_FALSE(ParseIsoTime("yesterday", &t));
  CHECK_FALSE(ParseIsoTime("2026-03-02T15:00:00+25:00", &t));

  TimeMs d;
  REQUIRE(ParseDuration("90m", &d));
  CHECK(d == 90 * 60000);
  REQUIRE(ParseDuration("1h30m", &d));
  CHECK(d == 90 * 60000);
  REQUIRE(ParseDuration("7d", &d));
  CHECK(d == 7 * 86400000LL);
  CHECK_FALSE(ParseDuration("7", &d));
  CHECK_FALSE(ParseDuration("h", &d));
  CHECK_FALSE(ParseDuration("3x", &d));

  TimeMs now;
  REQUIRE(ParseIsoTime("2026-03-02T12:00:00Z", &now));
  REQUIRE(ParseTimeArg("24h", now, &t));
  CHECK(FormatIsoUtc(t) == "2026-03-01T12:00:00Z");
  REQUIRE(ParseTimeArg("2026-03-02T10:00:00Z", now, &t));
  CHECK(FormatIsoUtc(t) == "2026-03-02T10:00:00Z");
  CHECK_FALSE(ParseTimeArg("soon", now, &t));
}
