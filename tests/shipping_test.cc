// The log-shipping files of docs/shipping/ against the event schema: every field that an event
// of docs/events.schema.json can carry has a mapping of a fitting type in the Elasticsearch
// index template (and the template maps nothing the schema does not have), real `watch` output
// fits the template, and the Filebeat and Fluent Bit configurations write to the indices that
// the template covers. So the schema, the template and the shippers cannot drift apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smtptriage/classifier.h"
#include "smtptriage/loggen.h"
#include "smtptriage/ndjson.h"
#include "smtptriage/watch.h"
#include "json_schema.h"
#include "test_util.h"

using namespace smtptriage;
using namespace smtptriage::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string ReadSource(const std::string& rel) {
  std::ifstream in(std::string(SMTPTRIAGE_SOURCE_DIR) + "/" + rel, std::ios::binary);
  INFO(rel);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

json LoadJson(const std::string& rel) { return json::parse(ReadSource(rel)); }

const json& Schema() {
  static const json schema = LoadJson("docs/events.schema.json");
  return schema;
}

const json& Template() {
  static const json tmpl = LoadJson("docs/shipping/elasticsearch-index-template.json");
  return tmpl;
}

const json& MappedFields() { return Template().at("template").at("mappings").at("properties"); }

const json& Resolve(const json& s) {
  if (!s.contains("$ref")) return s;
  const std::string ref = s["$ref"];
  const std::string prefix = "#/$defs/";
  REQUIRE(ref.rfind(prefix, 0) == 0);
  return Schema().at("$defs").at(ref.substr(prefix.size()));
}

bool IsTimeRef(const json& s) { return s.value("$ref", "") == "#/$defs/time"; }

std::string JsonKind(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  return "null";
}

// What a schema allows, null left out: "date" for the time definition, "enum" for a string
// from a fixed list (const or enum), else the JSON types.
std::set<std::string> Kinds(const json& schema_in) {
  if (IsTimeRef(schema_in)) return {"date"};
  const json& s = Resolve(schema_in);
  std::set<std::string> kinds;
  if (s.contains("oneOf")) {
    for (const json& option : s["oneOf"]) {
      for (const std::string& k : Kinds(option)) kinds.insert(k);
    }
  }
  if (s.contains("const")) kinds.insert(s["const"].is_string() ? "enum" : JsonKind(s["const"]));
  if (s.contains("enum")) {
    for (const json& e : s["enum"]) {
      if (!e.is_null()) kinds.insert(e.is_string() ? "enum" : JsonKind(e));
    }
  }
  if (s.contains("type") && !s.contains("enum") && !s.contains("const")) {
    std::vector<std::string> types;
    if (s["type"].is_array()) {
      for (const json& t : s["type"]) types.push_back(t);
    } else {
      types.push_back(s["type"]);
    }
    for (const std::string& t : types) {
      if (t != "null") kinds.insert(t);
    }
  }
  return kinds;
}

// The Elasticsearch field types that can hold a value of each kind.
const std::map<std::string, std::set<std::string>>& FittingTypes() {
  static const std::map<std::string, std::set<std::string>> types = {
      {"date", {"date"}},
      {"enum", {"keyword"}},
      {"string", {"keyword", "text"}},
      {"integer", {"integer", "long", "short"}},
      {"number", {"double", "float", "scaled_float"}},
      {"boolean", {"boolean"}},
  };
  return types;
}

bool IsObjectMapping(const json& m) {
  std::string type = m.value("type", "object");
  return (type == "object" || type == "nested") && m.contains("properties");
}

// Checks that `mapping` fits every value `schema` allows, recursively; appends what does not.
void CheckMapping(const json& schema, const json* mapping, const std::string& path,
                  std::vector<std::string>* problems) {
  if (mapping == nullptr) {
    problems->push_back(path + ": no mapping in the index template");
    return;
  }
  std::set<std::string> kinds = Kinds(schema);
  if (kinds.empty()) problems->push_back(path + ": the schema gives no type");
  for (const std::string& kind : kinds) {
    if (kind == "object") {
      const json& s = Resolve(schema);
      if (!s.contains("properties")) {
        problems->push_back(path + ": an object without properties in the schema cannot be mapped");
      } else if (!IsObjectMapping(*mapping)) {
        problems->push_back(path + ": an object in the schema, " + mapping->dump() +
                            " in the template");
      } else {
        for (const auto& [name, sub] : s["properties"].items()) {
          const json& props = (*mapping)["properties"];
          CheckMapping(sub, props.contains(name) ? &props[name] : nullptr, path + "." + name,
                       problems);
        }
      }
    } else if (kind == "array") {
      const json& s = Resolve(schema);
      if (!s.contains("items")) {
        problems->push_back(path + ": an array without items in the schema cannot be mapped");
      } else {
        CheckMapping(s["items"], mapping, path, problems);  // an array maps as its elements
      }
    } else {
      std::string type = mapping->value("type", "object");
      const auto& fitting = FittingTypes().at(kind);
      if (fitting.count(type) == 0) {
        problems->push_back(path + ": " + kind + " in the schema, " + type + " in the template");
      }
    }
  }
}

// The event definitions of the schema's oneOf, each with the values its `type` can take.
std::vector<std::pair<std::set<std::string>, const json*>> EventDefinitions() {
  std::vector<std::pair<std::set<std::string>, const json*>> defs;
  for (const json& option : Schema().at("oneOf")) {
    const json& def = Resolve(option);
    const json& type = def.at("properties").at("type");
    std::set<std::string> names;
    if (type.contains("const")) names.insert(type["const"].get<std::string>());
    for (const json& e : type.value("enum", json::array())) names.insert(e.get<std::string>());
    REQUIRE(!names.empty());
    defs.emplace_back(names, &def);
  }
  return defs;
}

std::set<std::string> DroppedTypes() {
  std::set<std::string> dropped;
  for (const auto& [name, why] : Template().at("_meta").at("dropped_event_types").items()) {
    dropped.insert(name);
  }
  return dropped;
}

bool IsDropped(const std::set<std::string>& types) {
  std::set<std::string> dropped = DroppedTypes();
  for (const std::string& t : types) {
    if (dropped.count(t) == 0) return false;
  }
  return true;
}

// The schema of the fields of the indexed event types, by name (the first definition that has
// the field; CheckMapping checks every definition).
std::map<std::string, const json*> IndexedSchemaFields() {
  std::map<std::string, const json*> fields;
  for (const auto& [types, def] : EventDefinitions()) {
    if (IsDropped(types)) continue;
    for (const auto& [name, sub] : (*def)["properties"].items()) fields.emplace(name, &sub);
  }
  return fields;
}

// Mapped fields below `mapping` that the schema below `schema` does not have.
void CheckNoExtraMapping(const json& schema, const json& mapping, const std::string& path,
                         std::vector<std::string>* problems) {
  const json* s = &Resolve(schema);
  while (s->contains("items")) s = &Resolve((*s)["items"]);
  if (!mapping.contains("properties")) return;
  for (const auto& [name, sub] : mapping["properties"].items()) {
    if (!s->contains("properties") || !(*s)["properties"].contains(name)) {
      problems->push_back(path + "." + name + ": mapped, but not in the schema");
    } else {
      CheckNoExtraMapping((*s)["properties"][name], sub, path + "." + name, problems);
    }
  }
}

// Checks one value of a real event against its mapping.
void CheckValue(const json& v, const json* mapping, const std::string& path,
                std::vector<std::string>* problems) {
  if (mapping == nullptr) {
    problems->push_back(path + ": no mapping in the index template");
    return;
  }
  if (v.is_null()) return;
  if (v.is_array()) {
    for (const json& e : v) CheckValue(e, mapping, path, problems);
    return;
  }
  if (v.is_object()) {
    if (!IsObjectMapping(*mapping)) {
      problems->push_back(path + ": an object, mapped as " + mapping->dump());
      return;
    }
    for (const auto& [name, sub] : v.items()) {
      const json& props = (*mapping)["properties"];
      CheckValue(sub, props.contains(name) ? &props[name] : nullptr, path + "." + name, problems);
    }
    return;
  }
  std::string type = mapping->value("type", "object");
  bool fits = false;
  if (v.is_string()) {
    static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
    fits = type == "keyword" || type == "text" ||
           (type == "date" && std::regex_match(v.get<std::string>(), iso));
  } else if (v.is_number_integer()) {
    int64_t n = v.get<int64_t>();
    fits = type == "long" || (type == "integer" && n >= INT32_MIN && n <= INT32_MAX) ||
           (type == "short" && n >= -32768 && n <= 32767);
  } else if (v.is_boolean()) {
    fits = type == "boolean";
  }
  if (!fits) problems->push_back(path + ": " + v.dump().substr(0, 60) + " mapped as " + type);
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

}  // namespace

TEST_CASE("shipping: the index template is for the event schema version that the code writes",
          "[shipping]") {
  const json& meta = Template().at("_meta");
  CHECK(Schema().at("$defs").at("schema").at("const") == kEventSchema);
  CHECK(meta.at("schema") == kEventSchema);
  CHECK(Template().at("template").at("mappings").at("_meta").at("schema") == kEventSchema);

  // The major version of the schema names the template and its indices:
  // smtptriage/event@1 -> smtptriage-events-v1, smtptriage-events-v1-*.
  std::string schema = kEventSchema;
  std::string major = schema.substr(schema.find('@') + 1);
  std::string name = "smtptriage-events-v" + major;
  CHECK(meta.at("name") == name);
  REQUIRE(Template().at("index_patterns").size() == 1);
  CHECK(Template()["index_patterns"][0] == name + "-*");

  // Unknown fields (a later version 1 adds optional ones) are kept in _source, not rejected.
  CHECK(Template()["template"]["mappings"].at("dynamic") == false);
}

TEST_CASE("shipping: every field of every event type has a fitting mapping", "[shipping]") {
  std::set<std::string> indexed, dropped;
  std::vector<std::string> problems;
  for (const auto& [types, def] : EventDefinitions()) {
    if (IsDropped(types)) {
      dropped.insert(types.begin(), types.end());
      continue;
    }
    indexed.insert(types.begin(), types.end());
    // Every indexed event has the time the shippers take @timestamp from.
    CHECK(IsTimeRef((*def)["properties"].at("time")));
    const json& fields = MappedFields();
    for (const auto& [name, sub] : (*def)["properties"].items()) {
      CheckMapping(sub, fields.contains(name) ? &fields[name] : nullptr, name, &problems);
    }
  }
  INFO(Joined(problems));
  CHECK(problems.empty());

  // The template says truly which event types it indexes and which the shippers drop.
  std::set<std::string> listed;
  for (const json& t : Template()["_meta"].at("indexed_event_types")) listed.insert(t);
  CHECK(listed == indexed);
  CHECK(DroppedTypes() == dropped);
  CHECK(indexed.count("failure") == 1);
}

TEST_CASE("shipping: the index template maps no field that the schema does not have",
          "[shipping]") {
  std::set<std::string> shipper_fields;
  for (const json& f : Template()["_meta"].at("shipper_fields")) shipper_fields.insert(f);
  std::map<std::string, const json*> schema_fields = IndexedSchemaFields();
  std::vector<std::string> problems;
  for (const auto& [name, mapping] : MappedFields().items()) {
    if (shipper_fields.count(name)) {
      CHECK(schema_fields.count(name) == 0);  // a shipper field must not hide an event field
      continue;
    }
    auto it = schema_fields.find(name);
    if (it == schema_fields.end()) {
      problems.push_back(name + ": mapped, but in no indexed event type of the schema");
    } else {
      CheckNoExtraMapping(*it->second, mapping, name, &problems);
    }
  }
  INFO(Joined(problems));
  CHECK(problems.empty());
}

TEST_CASE("shipping: every field of real watch output fits the index template", "[shipping]") {
  std::unique_ptr<Classifier> rules;
  REQUIRE(Classifier::Load("", {}, &rules).ok());
  TempDir dir;
  loggen::Scenario scenario;
  REQUIRE(loggen::Preset("firewall", 1, &scenario));  // failures, a local incident, a snapshot
  loggen::Result truth;
  REQUIRE(loggen::Generate(scenario, (dir.path() / "logs").string(), &truth).ok());
  REQUIRE(!truth.files.empty());
  std::ofstream(truth.files.front(), std::ios::binary | std::ios::app) << "no row\r\n";
  WatchOptions options;
  options.paths = {(dir.path() / "logs").string()};
  options.state_file = (dir.path() / "state.json").string();
  options.output_file = (dir.path() / "events.ndjson").string();
  {
    Watcher watcher(rules.get(), options, nullptr);
    REQUIRE(watcher.Start().ok());
    REQUIRE(watcher.PollOnce().ok());
  }

  SchemaValidator validator(Schema());
  std::map<std::string, int> types;
  std::vector<std::string> problems;
  std::ifstream in(options.output_file);
  std::string line;
  while (std::getline(in, line)) {
    json event = json::parse(line);
    INFO(line.substr(0, 200));
    REQUIRE(validator.Validate(event).empty());
    std::string type = event.at("type");
    ++types[type];
    CHECK(DroppedTypes().count(type) == 0);  // watch never writes what the shippers drop
    const json& fields = MappedFields();
    for (const auto& [name, value] : event.items()) {
      CheckValue(value, fields.contains(name) ? &fields[name] : nullptr, type + ": " + name,
                 &problems);
    }
  }
  CHECK(types["failure"] > 100);
  CHECK(types["incident_opened"] >= 1);
  CHECK(types["snapshot"] >= 1);
  CHECK(types["file_problem"] == 1);  // the line that is no row
  // Each problem once, not once per event.
  std::sort(problems.begin(), problems.end());
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  INFO(Joined(problems));
  CHECK(problems.empty());
}

TEST_CASE("shipping: Filebeat and Fluent Bit write where the index template applies",
          "[shipping]") {
  const std::string name = Template().at("_meta").at("name");
  const std::string pattern = Template().at("index_patterns").at(0);
  const std::string filebeat = ReadSource("docs/shipping/filebeat.yml");
  const std::string fluentbit = ReadSource("docs/shipping/fluent-bit.conf");
  const std::string parsers = ReadSource("docs/shipping/fluent-bit-parsers.conf");

  SECTION("Filebeat") {
    // Monthly indices by the event's time, under the template's pattern.
    CHECK(filebeat.find("index: '" + name + "-%{+yyyy.MM}'") != std::string::npos);
    CHECK(filebeat.find("setup.template.name: '" + name + "'") != std::string::npos);
    CHECK(filebeat.find("setup.template.pattern: '" + pattern + "'") != std::string::npos);
    // @timestamp from the event's time; the document _id from the failure's stable id.
    CHECK(filebeat.find("field: time\n") != std::string::npos);
    CHECK(filebeat.find("fields: ['id']") != std::string::npos);
    CHECK(filebeat.find("target_field: '@metadata._id'") != std::string::npos);
    for (const std::string& type : DroppedTypes()) {
      INFO(type);
      std::regex drop("- drop_event:\\s+when:\\s+equals:\\s+type: " + type + "\n");
      CHECK(std::regex_search(filebeat, drop));
    }
  }

  SECTION("Fluent Bit") {
    // Both outputs write to the template's indices, by the event's time.
    std::regex prefix_line(R"(\n\s*Logstash_Prefix\s+(\S+))");
    int outputs = 0;
    for (std::sregex_iterator it(fluentbit.begin(), fluentbit.end(), prefix_line), end;
         it != end; ++it) {
      ++outputs;
      CHECK((*it)[1] == name);
    }
    CHECK(outputs == 2);
    CHECK(std::regex_search(fluentbit, std::regex(R"(\n\s*Id_Key\s+id\n)")));
    CHECK(std::regex_search(fluentbit, std::regex(R"(\n\s*Logstash_DateFormat\s+%Y\.%m\n)")));
    // The parser the input names exists and takes the time from the event's time field.
    CHECK(std::regex_search(fluentbit, std::regex(R"(\n\s*Parser\s+smtptriage_event\n)")));
    CHECK(std::regex_search(parsers, std::regex(R"(\n\s*Name\s+smtptriage_event\n)")));
    CHECK(std::regex_search(parsers, std::regex(R"(\n\s*Time_Key\s+time\n)")));
    for (const std::string& type : DroppedTypes()) {
      INFO(type);
      std::regex exclude("\\n\\s*Exclude\\s+type\\s+\\^" + type + "\\$\\n");
      CHECK(std::regex_search(fluentbit, exclude));
    }
  }
}
