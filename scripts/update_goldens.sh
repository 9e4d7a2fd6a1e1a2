#!/usr/bin/env bash
# Regenerates the golden CLI outputs in tests/golden/ from sample_logs/ with the built binary.
# Review the diff (git diff tests/golden) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smtptriage}
export LANG=C TZ=UTC
"$bin" scan sample_logs --now 2026-03-03T00:00:00Z --tz UTC --lang en > tests/golden/scan_sample.txt
"$bin" scan sample_logs --now 2026-03-03T00:00:00Z --tz Europe/Madrid --lang es \
  > tests/golden/scan_sample.es.txt
"$bin" scan sample_logs --format json --now 2026-03-03T00:00:00Z --tz UTC --lang en \
  > tests/golden/scan_sample.json
"$bin" scan sample_logs --format html --now 2026-03-03T00:00:00Z --tz UTC --lang en \
  > tests/golden/scan_sample.html
"$bin" scan sample_logs --format html --now 2026-03-03T00:00:00Z --tz Europe/Madrid --lang es \
  > tests/golden/scan_sample.es.html
echo "updated tests/golden/; review with: git diff tests/golden"
