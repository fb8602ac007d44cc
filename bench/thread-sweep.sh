#!/usr/bin/env bash
# Peak RSS and wall time of macinmeter per pool size: does memory grow with the threads?
#
#   bench/thread-sweep.sh CORPUS [BINARY...]
#
# For each round, each thread count and each BINARY in turn (interleaved, so a change in the
# machine's load hits every variant alike), runs
#   BINARY --parallel-threads T -q CORPUS > /dev/null
# under GNU time and prints, per binary and thread count, the median (and range) of the
# wall time and of the peak resident set size, and the median CPU time (user + system: on
# a busy machine a steadier measure of the work than the wall time), then the ratio of
# each binary's medians to the first one's. BINARY defaults to target/release/macinmeter (built if missing). To
# compare two builds, copy each release binary aside and name both.
#
# Environment:
#   THREADS="2 4 8 16 32"   pool sizes (--parallel-threads)
#   RUNS=5 WARMUP=1         rounds measured, and unrecorded warm-up rounds first
#   MM_ARGS="..."           extra macinmeter arguments for every run
#   ENVS="..."              extra environment for every run, e.g. ENVS="MALLOC_ARENA_MAX=1"
#   OUT=dir                 keep the raw figures there (default: a temporary folder)
#
# Linux with GNU time (/usr/bin/time: apt-get install time). The corpus: bench/make-corpus.sh.
set -euo pipefail
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1

[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: $0 CORPUS_DIR [BINARY...]" >&2; exit 2; }
CORPUS=$(cd "$1" && pwd)
shift
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
THREADS=${THREADS:-"2 4 8 16 32"}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
MM_ARGS=${MM_ARGS:-}
ENVS=${ENVS:-}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
[ -c /dev/null ] || { echo "$0: /dev/null is not a device here" >&2; exit 2; }

if [ $# -eq 0 ]; then
    BIN="$ROOT/target/release/macinmeter"
    [ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p dr-cli)
    set -- "$BIN"
fi
for bin in "$@"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }; done

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
RAW="$OUT/runs.tsv"   # binary index, threads, round, wall s, peak RSS kB, CPU s
: >"$RAW"

# One run; appends a line to $RAW unless it is a warm-up (round < 1).
run() {   # binary_index binary threads round
    local log="$OUT/time.$1.$3.$4.txt"
    # shellcheck disable=SC2086  # MM_ARGS and ENVS are word lists on purpose
    env $ENVS /usr/bin/time -v "$2" --parallel-threads "$3" $MM_ARGS -q "$CORPUS" >/dev/null 2>"$log" ||
        { echo "run failed: $2 --parallel-threads $3 (see $log)" >&2; exit 1; }
    [ "$4" -ge 1 ] || return 0
    local wall rss cpu
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:07.16"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$4" "$wall" "$rss" "$cpu" >>"$RAW"
}

for round in $(seq $((1 - WARMUP)) "$RUNS"); do
    for threads in $THREADS; do
        index=0
        for bin in "$@"; do
            index=$((index + 1))
            run "$index" "$bin" "$threads" "$round"
        done
    done
    [ "$round" -ge 1 ] && echo "round $round of $RUNS done" >&2
done

# Medians (and ranges) per binary and thread count, then ratios against binary 1.
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}'; }
field() { awk -F'\t' -v b="$1" -v t="$2" -v f="$3" '$1 == b && $2 == t {print $f}' "$RAW"; }

echo "corpus: $CORPUS; $RUNS runs after $WARMUP warm-up; ${ENVS:+env $ENVS; }args: --parallel-threads T ${MM_ARGS} -q"
index=0
for bin in "$@"; do
    index=$((index + 1))
    echo
    echo "[$index] $bin"
    printf '| threads | wall s (median) | wall range | CPU s (median) | peak RSS MiB (median) | RSS range MiB |%s\n' \
        "$([ "$index" -gt 1 ] && echo ' wall vs [1] | CPU vs [1] | RSS vs [1] |')"
    printf '| ---: | ---: | ---: | ---: | ---: | ---: |%s\n' "$([ "$index" -gt 1 ] && echo ' ---: | ---: | ---: |')"
    for threads in $THREADS; do
        wall=$(field "$index" "$threads" 4 | median)
        rss=$(field "$index" "$threads" 5 | median)
        cpu=$(field "$index" "$threads" 6 | median)
        wall_range=$(field "$index" "$threads" 4 | range)
        rss_range=$(field "$index" "$threads" 5 | awk '{printf "%.1f\n", $1 / 1024}' | range)
        line=$(awk -v w="$wall" -v r="$rss" -v c="$cpu" 'BEGIN {printf "%.2f | %s | %.2f | %.1f", w, "WR", c, r / 1024}')
        line=${line/WR/$wall_range}
        ratios=""
        if [ "$index" -gt 1 ]; then
            base_wall=$(field 1 "$threads" 4 | median)
            base_rss=$(field 1 "$threads" 5 | median)
            base_cpu=$(field 1 "$threads" 6 | median)
            ratios=$(awk -v w="$wall" -v bw="$base_wall" -v r="$rss" -v br="$base_rss" -v c="$cpu" -v bc="$base_cpu" \
                'BEGIN {printf " %.3fx | %.3fx | %.2fx |", w / bw, c / bc, r / br}')
        fi
        echo "| $threads | $line | $rss_range |$ratios"
    done
done
echo
echo "raw figures: $RAW"
