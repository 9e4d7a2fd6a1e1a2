#!/usr/bin/env bash
# Regenerates sample_logs/ (the logs the README's examples scan) with the "sample" preset of
# smtptriage-loggen. Deterministic: two runs give identical bytes.
#
#   scripts/make_sample_logs.sh [BUILD_DIR]      (BUILD_DIR defaults to "build")
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
case "$build" in
  /*) ;;
  *) build="$root/$build" ;;
esac

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target smtptriage-loggen -j2

cd "$root"
rm -rf sample_logs/SmtpSend sample_logs/SmtpReceive sample_logs/injected-failures.json
"$build/smtptriage-loggen" --preset sample --seed 1 --out sample_logs \
  --truth sample_logs/injected-failures.json
