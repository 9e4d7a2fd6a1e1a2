#!/usr/bin/env bash
# Builds the libFuzzer targets into build-fuzz/ (clang-14) and runs one of them for a while.
#   scripts/fuzz.sh TARGET [SECONDS]   TARGET: csv, event_parser, reply, classifier, rules_loader,
#                                      watch_state
#   scripts/fuzz.sh all [SECONDS]      each target in turn
#   scripts/fuzz.sh build              only build
# Seeds come from sample_logs/, ../shared/corpus/ and rules/; new inputs are kept in
# build-fuzz/corpus/TARGET and crashes in build-fuzz/artifacts/TARGET/. A crash exits non-zero;
# copy the input to tests/data/crashers/ with the fix so that the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh TARGET|all|build [SECONDS]}
seconds=${2:-60}
out=build-fuzz
targets=(csv event_parser reply classifier rules_loader watch_state)

if ! command -v clang++-14 >/dev/null || [ ! -d /usr/lib/llvm-14/lib/clang ] ||
   ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: needs clang-14 and libclang-rt-14-dev; run as root or install them" >&2
    exit 2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    clang-14 libclang-rt-14-dev >/dev/null
fi

if [ ! -f "$out/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSMTPTRIAGE_FUZZ=ON -DSMTPTRIAGE_BUILD_TESTS=OFF -DSMTPTRIAGE_STATIC_LIBS=OFF >/dev/null
fi
# FUZZ_NO_BUILD=1 runs the binaries already built (e.g. while the sources are being edited).
[ "${FUZZ_NO_BUILD:-0}" = 1 ] ||
  cmake --build "$out" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
[ "$target" = build ] && exit 0

# Seeds: whole files (capped) for the file parser, single lines for the line and reply parsers,
# rule files for the loader. The first byte of an input is a selector for some targets.
seed() {
  local t=$1 dir="$out/seeds/$1"
  set +o pipefail  # head ends the pipelines below early
  [ -d "$dir" ] && return 0
  mkdir -p "$dir"
  local logs
  logs=$(find sample_logs ../shared/corpus -type f \( -iname '*.log' -o -iname '*.log.gz' \) \
         2>/dev/null | sort)
  local n=0 f
  case $t in
    event_parser)
      for f in $logs; do
        n=$((n + 1))
        { printf '\x01'; if [[ $f == *.gz ]]; then gzip -dc "$f"; else cat "$f"; fi; } |
          head -c 6000 >"$dir/file$n"
      done ;;
    csv|reply|classifier)
      # Lines with a reply code or a failure text, one per seed, at most 400.
      for f in $logs; do
        if [[ $f == *.gz ]]; then gzip -dc "$f"; else cat "$f"; fi
      done | grep -aE '(^|[^0-9])[245][0-9][0-9][ -]|Failed|error' | sort -u | head -400 |
        while IFS= read -r line; do
          n=$((n + 1))
          if [ "$t" = csv ]; then printf '%s' "$line"; else printf '\x01%s' "${line##*,}"; fi \
            >"$dir/line$n"
        done ;;
    rules_loader)
      for f in rules/*.json; do
        n=$((n + 1))
        { printf '\x01'; cat "$f"; } >"$dir/rules$n"
      done ;;
    watch_state)
      # A genuine checkpoint (one session still open), written by the target itself.
      local empty
      empty=$(mktemp)
      SMTPTRIAGE_FUZZ_WRITE_SEED="$dir/state1" "$out/fuzz/fuzz_watch_state" "$empty" >/dev/null 2>&1
      rm -f "$empty" ;;
  esac
  set -o pipefail
}

run() {
  local t=$1
  seed "$t"
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  local max_len=4096
  case $t in event_parser) max_len=8192 ;; rules_loader|watch_state) max_len=65536 ;; esac
  local dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  echo "fuzz: $t for ${seconds}s"
  "$out/fuzz/fuzz_$t" "$out/corpus/$t" "$out/seeds/$t" "${dict[@]}" -max_total_time="$seconds" \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t/" 2>&1 | grep -aE '^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY|.*(Test unit written|ERROR|Running|INFO: (Seed|Done)))' || true
  return "${PIPESTATUS[0]}"
}

if [ "$target" = all ]; then
  status=0
  for t in "${targets[@]}"; do run "$t" || status=1; done
  exit $status
fi
run "$target"
