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
  REQUIRE(ParseDuration("500ms", &d));
  CHECK(d == 500);
  REQUIRE(ParseDuration("1m500ms", &d));
  CHECK(d == 60500);
  REQUIRE(ParseDuration("2m30s", &d));
  CHECK(d == 150000);
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

TEST_CASE("ISO times are written with every field padded, and read back the same", "[time]") {
  auto at = [](int y, unsigned m, unsigned d, int64_t ms_of_day) {
    return DaysFromCivil(y, m, d) * 86400000 + ms_of_day;
  };
  CHECK(FormatIsoUtc(at(2026, 3, 2, 0)) == "2026-03-02T00:00:00Z");
  CHECK(FormatIsoUtc(at(2026, 3, 2, 0), true) == "2026-03-02T00:00:00.000Z");
  CHECK(FormatIsoUtc(at(2026, 12, 31, 86399999), true) == "2026-12-31T23:59:59.999Z");
  CHECK(FormatIsoUtc(at(2026, 12, 31, 86399999)) == "2026-12-31T23:59:59Z");
  CHECK(FormatIsoUtc(at(1999, 1, 9, 3723004), true) == "1999-01-09T01:02:03.004Z");
  CHECK(FormatIsoUtc(at(1, 1, 1, 0)) == "0001-01-01T00:00:00Z");
  CHECK(FormatIsoUtc(at(999, 10, 5, 45296789), true) == "0999-10-05T12:34:56.789Z");
  CHECK(FormatIsoUtc(at(9999, 12, 31, 86399000)) == "9999-12-31T23:59:59Z");
  // Outside four digits of year, as the C library writes them.
  CHECK(FormatIsoUtc(at(10000, 1, 1, 0)) == "10000-01-01T00:00:00Z");
  CHECK(FormatIsoUtc(at(-1, 12, 31, 0)) == "-001-12-31T00:00:00Z");
  // Every 7,919,999,937 ms (about 92 days and a bit) from 1970 to 2100: written, then read back.
  for (TimeMs t = 0; t < at(2100, 1, 1, 0); t += 7919999937) {
    INFO(t);
    TimeMs back = -1;
    REQUIRE(ParseIsoTime(FormatIsoUtc(t, true), &back));
    CHECK(back == t);
  }
}
