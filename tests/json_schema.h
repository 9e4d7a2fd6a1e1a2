// A small JSON Schema validator for the subset the project's schemas use: type, const, enum,
// properties, required, additionalProperties (false or a schema), propertyNames, items, minimum,
// pattern (RE2), oneOf and local $ref ("#/$defs/name"). Test-only; returns the first problems
// found as "/json/pointer: what is wrong".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

namespace smtptriage::testing {

class SchemaValidator {
 public:
  explicit SchemaValidator(nlohmann::json schema) : root_(std::move(schema)) {}

  std::vector<std::string> Validate(const nlohmann::json& doc) {
    errors_.clear();
    Check(root_, doc, "");
    return errors_;
  }

 private:
  static bool HasType(const nlohmann::json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
  }

  void Error(const std::string& path, const std::string& what) {
    if (errors_.size() < 20) errors_.push_back((path.empty() ? "/" : path) + ": " + what);
  }

  const nlohmann::json& Resolve(const nlohmann::json& s) {
    if (!s.contains("$ref")) return s;
    std::string ref = s["$ref"];
    const std::string prefix = "#/$defs/";
    return root_["$defs"][ref.substr(prefix.size())];
  }

  void Check(const nlohmann::json& schema_in, const nlohmann::json& v, const std::string& path) {
    const nlohmann::json& s = Resolve(schema_in);
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_array()) {
        for (const auto& t : s["type"]) ok |= HasType(v, t.get<std::string>());
      } else {
        ok = HasType(v, s["type"].get<std::string>());
      }
      if (!ok) return Error(path, "expected type " + s["type"].dump() + ", got " + v.dump().substr(0, 80));
    }
    if (s.contains("const") && v != s["const"]) Error(path, "expected " + s["const"].dump());
    if (s.contains("enum")) {
      bool found = false;
      for (const auto& e : s["enum"]) found |= e == v;
      if (!found) Error(path, v.dump() + " is not one of " + s["enum"].dump());
    }
    if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>()) {
      Error(path, "below minimum");
    }
    if (s.contains("pattern") && v.is_string() &&
        !RE2::PartialMatch(v.get<std::string>(), RE2(s["pattern"].get<std::string>()))) {
      Error(path, "does not match " + s["pattern"].get<std::string>());
    }
    if (s.contains("oneOf")) {
      int matches = 0;
      for (const auto& option : s["oneOf"]) {
        std::vector<std::string> saved = errors_;
        Check(option, v, path);
        if (errors_.size() == saved.size()) ++matches;
        errors_ = saved;
      }
      if (matches != 1) Error(path, "matches " + std::to_string(matches) + " of oneOf");
    }
    if (v.is_object()) {
      if (s.contains("required")) {
        for (const auto& r : s["required"]) {
          if (!v.contains(r.get<std::string>())) Error(path, "missing " + r.get<std::string>());
        }
      }
      for (const auto& [key, value] : v.items()) {
        if (s.contains("propertyNames")) Check(s["propertyNames"], nlohmann::json(key), path + "/" + key);
        if (s.contains("properties") && s["properties"].contains(key)) {
          Check(s["properties"][key], value, path + "/" + key);
        } else if (s.contains("additionalProperties")) {
          const auto& ap = s["additionalProperties"];
          if (ap.is_boolean() && !ap.get<bool>()) Error(path, "unexpected property " + key);
          if (ap.is_object()) Check(ap, value, path + "/" + key);
        }
      }
    }
    if (v.is_array() && s.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) Check(s["items"], v[i], path + "/" + std::to_string(i));
    }
  }

  nlohmann::json root_;
  std::vector<std::string> errors_;
};

}  // namespace smtptriage::testing
