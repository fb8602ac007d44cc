#!/usr/bin/env bash
# A re-scan with the results cache against the first scan, on one unchanged corpus:
#
#   bench/rescan.sh CORPUS        (e.g. the bench corpus of bench/make-corpus.sh)
#
# Each round starts from an empty cache (a new temporary file, --cache) and runs the release
# binary twice over CORPUS with the log date pinned: the first run measures every file and
# stores the results, the re-scan finds every file unchanged and measures nothing. Prints per
# round the wall times of both (and the re-scan's "from the results cache" count), then the
# medians and their ratio against the bar of issue 14 (re-scan < 2 % of the first run), and
# compares each round's two logs with cmp (they must be the same bytes). Exits 1 when a log
# differs or the bar is missed.
#
# Environment:
#   RUNS=3                 rounds
#   MACINMETER=path        the binary (default: target/release/macinmeter, built if missing)
#   MM_ARGS="..."          extra macinmeter arguments for both runs (e.g. --format json)
#
# The first run of the first round may read the corpus from disk and later ones from the page
# cache; the re-scan reads no audio at all. Linux and macOS (bash, date +%s%N or python3).
set -euo pipefail

[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 CORPUS_DIR" >&2; exit 2; }
CORPUS=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
MM_ARGS=${MM_ARGS:-}
MACINMETER=${MACINMETER:-$ROOT/target/release/macinmeter}
if [ ! -x "$MACINMETER" ]; then
    (cd "$ROOT" && cargo build --release -p dr-cli)
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export MACINMETER_LOG_DATE="2026-01-01 00:00:00"
unset MACINMETER_NO_CACHE

now_ns() {
    local t
    t=$(date +%s%N)
    case $t in
        *N) python3 -c 'import time; print(time.time_ns())' ;;
        *) echo "$t" ;;
    esac
}

# run NAME: one run with the round's cache; its wall time in ms on stdout, log in WORK/NAME.log.
run() {
    local name=$1 start end
    start=$(now_ns)
    # shellcheck disable=SC2086 # MM_ARGS is split on purpose.
    "$MACINMETER" --quiet --stats --cache "$WORK/cache.sqlite3" $MM_ARGS "$CORPUS" \
        >"$WORK/$name.log" 2>"$WORK/$name.err" || {
        echo "$name: macinmeter failed:" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    }
    end=$(now_ns)
    echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

files=$(find "$CORPUS" -type f | wc -l | tr -d ' ')
size=$(du -sh "$CORPUS" | cut -f1)
echo "corpus: $CORPUS ($files files, $size); binary: $MACINMETER"
printf '%-6s %12s %12s %8s %s\n' round "first (ms)" "rescan (ms)" ratio "from cache"
status=0
: >"$WORK/first.ms"
: >"$WORK/rescan.ms"
for round in $(seq 1 "$RUNS"); do
    rm -f "$WORK"/cache.sqlite3*
    first=$(run first)
    rescan=$(run rescan)
    echo "$first" >>"$WORK/first.ms"
    echo "$rescan" >>"$WORK/rescan.ms"
    kept=$(sed -n 's/^stats: \([0-9]*\) files from the results cache.*/\1/p' "$WORK/rescan.err")
    ratio=$(awk -v a="$rescan" -v b="$first" 'BEGIN { printf "%.2f %%", 100 * a / b }')
    printf '%-6s %12s %12s %8s %s\n' "$round" "$first" "$rescan" "$ratio" "${kept:-?}"
    if ! cmp "$WORK/first.log" "$WORK/rescan.log"; then
        echo "round $round: the re-scan's log differs from the first run's" >&2
        status=1
    fi
done
first=$(median <"$WORK/first.ms")
rescan=$(median <"$WORK/rescan.ms")
verdict=$(awk -v a="$rescan" -v b="$first" 'BEGIN { r = 100 * a / b; printf "%.2f %% %s", r, (r < 2) ? "(bar < 2 %: met)" : "(bar < 2 %: MISSED)" }')
echo "median: first run $first ms, re-scan $rescan ms: $verdict; logs identical (cmp): $([ $status = 0 ] && echo yes || echo NO)"
case $verdict in *MISSED*) status=1 ;; esac
exit $status
