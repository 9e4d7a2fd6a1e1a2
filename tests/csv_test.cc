#include <catch2/catch.hpp>

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
