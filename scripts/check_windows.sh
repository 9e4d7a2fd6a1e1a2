#!/usr/bin/env bash
# Checks the Windows side of the code from Linux, with MinGW-w64 and Wine:
#  1. no POSIX-only header or call is used outside the seam of src/platform.cc, and every source
#     of the program and of the log generator compiles for Windows (syntax and types only: RE2
#     and Boost.Program_options have no Windows builds in Debian, so nothing is linked);
#  2. the seam's own tests (tests/platform_test.cc) are built as a Windows program with
#     src/platform.cc and run under Wine, through the Windows branch of every function.
# Installs what it needs (g++-mingw-w64-x86-64, wine) with apt-get when it is missing; run
# scripts/bootstrap.sh --tests first for the library headers. Takes a few minutes; not part of CI.
#
#   scripts/check_windows.sh [WORK_DIR]      WORK_DIR defaults to build-windows
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build-windows}
cxx=x86_64-w64-mingw32-g++-posix

missing=()
command -v "$cxx" >/dev/null || missing+=(g++-mingw-w64-x86-64)
command -v wine >/dev/null || missing+=(wine wine64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for h in nlohmann re2 boost catch2 zlib.h zconf.h; do
  [ -e "/usr/include/$h" ] || { echo "check_windows: /usr/include/$h missing: run scripts/bootstrap.sh --tests"; exit 2; }
done

# The libraries' headers are portable C++; only they, not the rest of /usr/include, are shown to
# the Windows compiler.
mkdir -p "$work/include"
for h in nlohmann re2 boost catch2 zlib.h zconf.h; do ln -sfn "/usr/include/$h" "$work/include/$h"; done
flags=(-std=c++20 -DBOOST_ALL_NO_LIB "-DSMTPTRIAGE_VERSION=\"windows-check\"" -Iinclude -Isrc
       -isystem "$work/include")

# MinGW-w64 ships several POSIX headers and functions (unistd.h, strcasecmp, ...) that MSVC
# lacks, so compiling with it alone would let them through: they are looked for by name first.
echo "looking for POSIX headers and calls outside src/platform.cc ..."
failed=0
if grep -nE '#include <(unistd|dirent|fcntl|pthread|strings|termios|syslog|dlfcn|sys/[a-z_]+)\.h>|\b(strcasecmp|strncasecmp|usleep|isatty|fileno|fsync|setenv|unsetenv|localtime_r|gmtime_r|realpath|popen|pclose|getpid|geteuid|mmap|madvise)\s*\(' \
     src/*.cc src/*.h src/loggen/*.cc src/loggen/*.h include/smtptriage/*.h 2>/dev/null |
   grep -v '^src/platform.cc:'; then
  echo "FAILED: POSIX-only code outside src/platform.cc (above)"
  failed=1
fi

sources=(src/*.cc src/loggen/*.cc)
echo "compiling ${#sources[@]} sources for Windows (x86_64-w64-mingw32, syntax and types) ..."
compile() {  # SOURCE: its errors, if any, are shown
  local log
  log="$work/$(echo "$1" | tr / _).log"
  "$cxx" -fsyntax-only "${flags[@]}" "$1" > "$log" 2>&1 || { echo "FAILED: $1"; head -20 "$log"; return 1; }
}
running=0 compiled=0
for f in "${sources[@]}"; do
  compile "$f" &
  running=$((running + 1))
  if [ $running -ge "$(nproc)" ]; then
    wait -n || compiled=1
    running=$((running - 1))
  fi
done
while [ $running -gt 0 ]; do
  wait -n || compiled=1
  running=$((running - 1))
done
if [ $compiled -eq 0 ]; then echo "all ${#sources[@]} compile for Windows"; else failed=1; fi

echo "building the seam's tests for Windows and running them under Wine ..."
# With the program's manifest, as CMake links it into smtptriage.exe.
x86_64-w64-mingw32-windres --include-dir src/windows src/windows/utf8.rc -O coff \
  -o "$work/utf8.res"
"$cxx" "${flags[@]}" -O1 tests/test_main.cc tests/platform_test.cc src/platform.cc \
  src/time_util.cc "$work/utf8.res" -static -o "$work/platform_tests.exe"
export WINEPREFIX="${WINEPREFIX:-$PWD/$work/wineprefix}" WINEDEBUG=-all
wine "$work/platform_tests.exe" 2> >(grep -v '^wine: ' >&2) || failed=1
echo "$(wine --version 2>/dev/null), $("$cxx" --version | head -1)"
exit $failed
