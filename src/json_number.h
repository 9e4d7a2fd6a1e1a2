// Reading integers from JSON that may be damaged (checkpoint files): nlohmann's get<T>()
// converts a floating-point number or an out-of-range integer without a check, which for a
// float too large for T is undefined behaviour. Internal to the library.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace smtptriage {

// The JSON integer `j` as T; throws std::invalid_argument when it is not an integer T can hold.
template <typename T>
T JsonInteger(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  using Limits = std::numeric_limits<T>;
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v <= static_cast<uint64_t>(Limits::max())) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    bool fits = v >= 0 ? static_cast<uint64_t>(v) <= static_cast<uint64_t>(Limits::max())
                       : Limits::is_signed && v >= static_cast<int64_t>(Limits::min());
    if (fits) return static_cast<T>(v);
  }
  throw std::invalid_argument("not an integer in range: " + j.dump());
}

}  // namespace smtptriage
