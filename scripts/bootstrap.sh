#!/usr/bin/env bash
# Installs what smtptriage needs on Debian 12 (as root) and builds it into build/.
# Safe to run again: apt-get skips what is installed and the build is incremental.
#
#   scripts/bootstrap.sh            build what `smtptriage scan` needs
#   scripts/bootstrap.sh --tests    also what the test suite runs: headless Chromium (and a
#                                   font) for the test that renders the HTML report, and
#                                   Prometheus's promtool, which checks the metrics output
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) tests=1 ;;
    *) echo "usage: scripts/bootstrap.sh [--tests]" >&2; exit 2 ;;
  esac
done

packages=(g++ cmake make pkg-config libboost-program-options-dev libre2-dev nlohmann-json3-dev
          catch2 zlib1g-dev libjemalloc-dev tzdata)
if [ "$tests" -eq 1 ]; then
  packages+=(chromium chromium-driver fonts-dejavu-core prometheus)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing packages: ${missing[*]}; run as root or install them first" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSMTPTRIAGE_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)"
