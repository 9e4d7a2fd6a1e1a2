#!/usr/bin/env bash
# Regenerates docs/report-screenshot.png, the README's picture of the HTML report: the report of
# sample_logs/ with the golden files' fixed clock and zone, rendered by headless Chromium
# (scripts/bootstrap.sh --tests installs it).
#
#   scripts/screenshot.sh [BUILD_DIR]      (BUILD_DIR defaults to "build")
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

if ! command -v chromium > /dev/null 2>&1; then
  echo "screenshot: chromium is not installed; run scripts/bootstrap.sh --tests" >&2
  exit 2
fi
cmake --build "$build" --target smtptriage -j2 > /dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LANG=C TZ=UTC
"$build/smtptriage" scan sample_logs --format html -o "$work/report.html" \
  --now 2026-03-03T00:00:00Z --tz UTC --lang en
# The top of the page: the verdict, the timeline and the first domains of the table.
timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1200,1500 \
  --screenshot="$work/report.png" "file://$work/report.html" > /dev/null 2>&1
mv "$work/report.png" docs/report-screenshot.png
echo "updated docs/report-screenshot.png"
