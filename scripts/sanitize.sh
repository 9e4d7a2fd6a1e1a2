#!/usr/bin/env bash
# Builds the test suite with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/
# and runs it. Any sanitizer report fails the run: UBSan halts on the first error and ASan
# checks for leaks at exit. Run scripts/bootstrap.sh first (it installs the packages).
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-asan
# -O1 -g1: the sanitizers need no more to find errors and name the lines, and the build takes a
# good part less time than -O2 -g (it runs in CI after the release build).
flags="-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# GCC 12's -Wmaybe-uninitialized misfires inside libstdc++ headers once the code is instrumented;
# the Release build keeps the warning (and -Werror).
flags+=" -Wno-maybe-uninitialized"
# The browser test is left out here (build/ runs it): Chromium is not instrumented, so it would
# check nothing more than in build/, while the HTML reporter itself runs under the sanitizers in
# the golden and unit tests.
# The program's sources are compiled a batch at a time (CMake's unity build): instrumented, they
# take most of this build's time, and a batch parses the shared headers once. The tests are not:
# each file has helpers of its own under common names.
# The build type "None" adds no flags of its own: an empty one is made Release by CMakeLists.txt,
# whose -O3 would come after the -O1 above and double the time of this build.
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=None -DSMTPTRIAGE_WERROR=ON -DCMAKE_UNITY_BUILD=ON \
  -DSMTPTRIAGE_BROWSER_TESTS=OFF -DSMTPTRIAGE_JEMALLOC=OFF -DSMTPTRIAGE_STATIC_LIBS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$out" -j "$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir "$out" --output-on-failure -j2
