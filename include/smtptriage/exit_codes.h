// Process exit codes of the smtptriage command line, documented in README.md.
#pragma once

namespace smtptriage {

inline constexpr int kExitOk = 0;          // the run completed (failures found are not an error)
inline constexpr int kExitFailure = 1;     // a check found problems (rules check, check WARNING)
inline constexpr int kExitUsage = 2;       // usage or configuration error
inline constexpr int kExitNoInput = 3;     // no input could be read

}  // namespace smtptriage
