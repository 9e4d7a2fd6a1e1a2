#!/usr/bin/env bash
# Throughput benchmark: generates SIZE of realistic Send logs (deterministic seed; the Receive logs
# written beside them are not measured), reads them from disk once to put them in the page cache,
# then times `smtptriage scan --format json` with one thread and with the default --jobs (one
# per core) against `wc -l` and, for gzip input, against `zcat`, printing MB/s, lines/s and peak
# RSS, and checks that the parallel report equals the single-threaded one. The speed-up has its
# own yardsticks: one single-job process per core, each on its share of the files, all at once;
# and one thread pinned to each core in turn, which shows a core slower than the others.
#
#   bench/run.sh [SIZE] [BUILD_DIR] [CORPUS_DIR]      e.g. bench/run.sh 1G build /tmp/stb
#
# RUNS=N times each command (best kept, default 3); GZ=0 leaves out the gzip part (compressing
# a 10 GB corpus takes several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
build=${2:-build}
corpus=${3:-/tmp/smtptriage-bench-$size}
runs=${RUNS:-3}
bin="$build/smtptriage"
[ -x "$bin" ] || { echo "bench: build first (scripts/bootstrap.sh)"; exit 2; }
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

if [ ! -d "$corpus/SmtpSend" ]; then
  echo "generating $size of Send logs into $corpus ..."
  "$build/smtptriage-loggen" --preset bench --seed 1 --send-size "$size" --out "$corpus" | tail -1
fi
send="$corpus/SmtpSend"
# Every run starts from the page-cache state of logs read from disk: the files' cached pages are
# dropped (once written out) and read back in one pass, which also counts the lines. Pages left
# from however the files were last written or read can be held in smaller pieces that read back
# slower: on the machine of docs/PERFORMANCE.md a corpus left that way read 10-30% slower,
# `wc -l` included.
drop_cache() {  # FILE...
  sync "$@"
  for f in "$@"; do dd if="$f" iflag=nocache count=0 status=none; done
}
drop_cache "$send"/*.LOG
read -r lines bytes < <(cat "$send"/*.LOG | wc -lc)
mb=$(echo "$bytes / 1000000" | bc -l)  # MB and MB/s are decimal: 10^6 bytes

# seconds and peak RSS (KB) of a command, best of $runs
measure() {
  local best="" rss=0
  for _ in $(seq "$runs"); do
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -1)
    local t=${out% *} m=${out#* }
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
    (( m > rss )) && rss=$m
  done
  echo "$best $rss"
}
# Two commands run in turns, $runs times: best seconds and peak RSS of each.
measure_pair() {
  local b1="" r1=0 b2="" r2=0
  for _ in $(seq "$runs"); do
    local out t m
    out=$( { /usr/bin/time -f "%e %M" $1 >/dev/null; } 2>&1 | tail -1); t=${out% *}; m=${out#* }
    if [ -z "$b1" ] || (( $(echo "$t < $b1" | bc -l) )); then b1=$t; fi
    (( m > r1 )) && r1=$m
    out=$( { /usr/bin/time -f "%e %M" $2 >/dev/null; } 2>&1 | tail -1); t=${out% *}; m=${out#* }
    if [ -z "$b2" ] || (( $(echo "$t < $b2" | bc -l) )); then b2=$t; fi
    (( m > r2 )) && r2=$m
  done
  echo "$b1 $r1 $b2 $r2"
}
report() {  # name seconds rss
  local mbs lps
  mbs=$(echo "$mb / ($2 + 0.0001)" | bc -l)
  lps=$(echo "$lines / ($2 + 0.0001)" | bc -l)
  printf "%-34s %7.2f s %9.0f MB/s %12.0f lines/s %8.1f MiB peak\n" "$1" "$2" "$mbs" "$lps" \
    "$(echo "$3 / 1024" | bc -l)"
}

echo "corpus: $(printf '%.0f' "$mb") MB ($(echo "$bytes / 1048576" | bc) MiB) of Send logs, $lines lines, $(ls "$send" | wc -l) files ($send)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
read -r t m < <(measure wc -l "$send"/*.LOG);                         report "wc -l (yardstick)" "$t" "$m"
# One thread and the default, run in turns so that a slow spell of the machine hits both.
read -r t1 m1 tn mn < <(measure_pair \
  "$bin scan --jobs 1 --format json -o /dev/null $send" "$bin scan --format json -o /dev/null $send")
report "smtptriage scan --jobs 1 (1 thread)" "$t1" "$m1"
report "smtptriage scan (--jobs $(nproc), default)" "$tn" "$mn"
printf "%-34s %7.2fx\n" "parallel speed-up" "$(echo "$t1 / ($tn + 0.0001)" | bc -l)"
# Yardstick for the speed-up: the same files dealt into one part per core, and one single-job
# scan per part, all at once. Separate processes share nothing but the machine, so this is what
# the machine itself gives to this work on all its cores.
parts="$corpus/parts"
if [ ! -d "$parts" ]; then
  k=0
  for f in "$send"/*.LOG; do
    mkdir -p "$parts/$((k % $(nproc)))"
    ln -s "$f" "$parts/$((k % $(nproc)))/"
    k=$((k + 1))
  done
fi
read -r tp _ < <(measure sh -c "for d in $parts/*; do $bin scan --jobs 1 --format json -o /dev/null \$d & done; wait")
printf "%-34s %7.2f s %9.0f MB/s   %.2fx one thread (the machine's own ceiling)\n" \
  "$(nproc) processes, one part each" "$tp" "$(echo "$mb / ($tp + 0.0001)" | bc -l)" \
  "$(echo "$t1 / ($tp + 0.0001)" | bc -l)"
# Each core on its own: on a virtual machine one core can be much slower than another for
# minutes at a time (its host shares it), which caps any speed-up below the number of cores.
if command -v taskset >/dev/null; then
  line="" sum=0 fastest=""
  for c in $(seq 0 $(( $(nproc) - 1 ))); do
    read -r tc _ < <(measure taskset -c "$c" "$bin" scan --jobs 1 --format json -o /dev/null "$send")
    line="$line, core $c $tc s"
    sum=$(echo "$sum + 1 / $tc" | bc -l)
    if [ -z "$fastest" ] || (( $(echo "$tc < $fastest" | bc -l) )); then fastest=$tc; fi
  done
  printf "%-34s %s: together at most %.2fx the fastest\n" "one thread pinned to each core" \
    "${line#, }" "$(echo "$sum * $fastest" | bc -l)"
fi
# The parallel report must equal the single-threaded one (the generation time aside).
"$bin" scan --jobs 1 --format json --now 2026-03-03T00:00:00Z -o "$corpus/report-1.json" "$send"
"$bin" scan --format json --now 2026-03-03T00:00:00Z -o "$corpus/report-n.json" "$send"
if cmp -s "$corpus/report-1.json" "$corpus/report-n.json"; then
  echo "parallel report equals the single-threaded one"
else
  echo "parallel report DIFFERS from the single-threaded one"; exit 1
fi

[ "${GZ:-1}" = 0 ] && exit 0
gz="$corpus/gz"
if [ ! -d "$gz" ]; then
  mkdir -p "$gz"
  for f in "$send"/*.LOG; do gzip -c "$f" > "$gz/$(basename "$f").gz"; done
fi
drop_cache "$gz"/*.gz
cat "$gz"/*.gz > /dev/null
read -r t m < <(measure sh -c "zcat $gz/*.gz > /dev/null");           report "zcat (gzip yardstick)" "$t" "$m"
read -r t m < <(measure "$bin" scan --jobs 1 --format json -o /dev/null "$gz");  report "smtptriage scan --jobs 1, .gz input" "$t" "$m"
read -r t m < <(measure "$bin" scan --format json -o /dev/null "$gz");  report "smtptriage scan, .gz input" "$t" "$m"
