#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "smtptriage/csv.h"

using smtptriage::CsvError;
using smtptriage::CsvSplitter;

namespace {

struct CsvRow {
  const char* input;
  std::vector<std::string> fields;
  CsvError error;
};

}  // namespace

TEST_CASE("CSV splitting follows RFC 4180 as Exchange writes it", "[csv]") {
  const CsvRow rows[] = {
      {"a,b,c", {"a", "b", "c"}, CsvError::kNone},
      {"", {""}, CsvError::kNone},
      {",", {"", ""}, CsvError::kNone},
      {"a,b,", {"a", "b", ""}, CsvError::kNone},
      {"a,,c", {"a", "", "c"}, CsvError::kNone},
      {"\"220 host ready at Thu, 25 Jan 2024 16:14:38 +0100\",",
       {"220 host ready at Thu, 25 Jan 2024 16:14:38 +0100", ""}, CsvError::kNone},
      {"\"say \"\"hi\"\"\",x", {"say \"hi\"", "x"}, CsvError::kNone},
      {"\"\"\"\"", {"\""}, CsvError::kNone},
      {"\"\"", {""}, CsvError::kNone},
      {"x,\"a,b\",\"c\"\"d,e\"\"\",y", {"x", "a,b", "c\"d,e\"", "y"}, CsvError::kNone},
      {"a\"b,c", {"a\"b", "c"}, CsvError::kNone},
      {"\"ab\"cd,e", {"abcd", "e"}, CsvError::kNone},
      {"\"open,field", {"open,field"}, CsvError::kUnterminatedQuote},
      {"a,\"x\"\"y", {"a", "x\"y"}, CsvError::kUnterminatedQuote},
      {"EX\\Default ,08DC,1", {"EX\\Default ", "08DC", "1"}, CsvError::kNone},
  };
  CsvSplitter csv;
  for (const CsvRow& row : rows) {
    INFO(row.input);
    CHECK(csv.Split(row.input) == row.error);
    std::vector<std::string> got(csv.fields().begin(), csv.fields().end());
    CHECK(got == row.fields);
    // The readers call the general path on its own once SplitPlain has turned a line down.
    CHECK(csv.SplitQuoted(row.input) == row.error);
    std::vector<std::string> quoted(csv.fields().begin(), csv.fields().end());
    CHECK(quoted == row.fields);
  }
}

TEST_CASE("CSV fields with doubled quotes stay valid for the whole line", "[csv]") {
  CsvSplitter csv;
  std::string line = "\"a\"\"1\",\"b\"\"2\",\"c\"\"3\",\"" + std::string(5000, 'x') + "\"\"\"";
  REQUIRE(csv.Split(line) == CsvError::kNone);
  REQUIRE(csv.fields().size() == 4);
  CHECK(csv.fields()[0] == "a\"1");
  CHECK(csv.fields()[1] == "b\"2");
  CHECK(csv.fields()[2] == "c\"3");
  CHECK(csv.fields()[3] == std::string(5000, 'x') + "\"");
}

TEST_CASE("CSV splitting finds every comma wherever it falls in a long line", "[csv]") {
  // Lines of every length up to 200 with commas, quotes and NUL bytes at every position, against
  // a plain reading of the same rules: the paths that look at 64 and 16 bytes at a time must
  // agree with it, and SplitPlain must take exactly the lines with no quote and no NUL.
  std::mt19937 rng(7);
  const std::string alphabet("ab,,\"x \0", 8);
  CsvSplitter csv;
  for (int round = 0; round < 30000; ++round) {
    std::string line(rng() % 201, 'a');
    // Half the lines without quotes; of the others, most without a NUL byte.
    size_t letters = round % 2 ? 4 : (round % 6 == 0 ? 8 : 7);
    for (char& c : line) c = alphabet[rng() % letters];
    // Rarely, a single quote or NUL in an otherwise plain line.
    if (round % 2 && round % 7 == 0 && !line.empty()) line[rng() % line.size()] = round % 3 ? '"' : '\0';
    std::vector<std::string> expected;
    bool unterminated = false;
    {
      // Reference: a field starting with a quote runs to the next lone quote ("" is a quote)
      // and then, as Excel does, keeps any text up to the next comma.
      size_t i = 0;
      while (true) {
        std::string f;
        if (i < line.size() && line[i] == '"') {
          ++i;
          while (true) {
            if (i >= line.size()) {
              unterminated = true;
              break;
            }
            if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
              f += '"';
              i += 2;
            } else if (line[i] == '"') {
              ++i;
              break;
            } else {
              f += line[i++];
            }
          }
        }
        if (unterminated) {
          expected.push_back(f);
          break;
        }
        while (i < line.size() && line[i] != ',') f += line[i++];
        expected.push_back(f);
        if (i >= line.size()) break;
        ++i;
      }
    }
    INFO("line: [" << line << "]");
    bool plain = line.find('"') == std::string::npos && line.find('\0') == std::string::npos;
    REQUIRE(csv.SplitPlain(line) == plain);
    if (plain) {
      std::vector<std::string> got(csv.fields().begin(), csv.fields().end());
      REQUIRE(got == expected);
    }
    CsvError e = csv.Split(line);
    CHECK((e == CsvError::kUnterminatedQuote) == unterminated);
    std::vector<std::string> got(csv.fields().begin(), csv.fields().end());
    if (!unterminated) REQUIRE(got == expected);
  }
}
