#!/usr/bin/env bash
# Times MacinMeter against the decode limit and its nearest peer on one corpus:
#
#   bench/compare.sh CORPUS            (a folder of FLAC files, e.g. from bench/make-corpus.sh)
#
# Runs, one after the other on the same files, each under /usr/bin/time:
#   macinmeter          defaults (one pool, all cores)
#   macinmeter-serial   macinmeter --serial (one thread)
#   flac-d              flac -d -c > /dev/null over all files (the reference decoder, one core)
#   ffmpeg-drmeter      ffmpeg -af drmeter -f null - over each file (the nearest peer)
# (and, when named in TOOLS, ffmpeg-decode: ffmpeg's FLAC decoder alone, -f null -)
# and prints, per tool, the median over RUNS rounds (after WARMUP unrecorded rounds) of:
# wall time, CPU time (user + system), CPU utilisation (of all cores), peak RSS and MB/s,
# with ratios against macinmeter and the targets of docs/PERFORMANCE.md.
#
# Environment:
#   RUNS=5 WARMUP=1          rounds measured, and unrecorded warm-up rounds first
#   TOOLS="macinmeter macinmeter-serial flac-d ffmpeg-drmeter"   which tools, in this order
#   MACINMETER=path          the binary (default: target/release/macinmeter, built if missing)
#   MM_ARGS="..."            extra macinmeter arguments for both of its runs
#   QUIET_CORES=0.5          before each run, wait until the rest of the machine uses less
#                            than this many cores (sampled from /proc/stat over 2 s) ...
#   MAX_WAIT=900             ... for at most this many seconds (then run, flagged "busy")
#   OUT=dir                  keep the raw per-run figures there (default: a temporary folder)
#
# Installs flac, ffmpeg and GNU time from Debian when missing (apt-get, as root).
# Linux only (reads /proc). Each run also records the load: /proc/loadavg before it, and the
# CPU time the rest of the machine used while it ran ("others", in cores), so a run disturbed
# by other work shows.
set -euo pipefail
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1
# The peers' output goes to /dev/null. Where a sandbox makes it a regular file, flac -d would
# write gigabytes to disk and its time would include that.
[ -c /dev/null ] || { echo "$0: /dev/null is not a device here; recreate it first (as root: rm /dev/null && mknod -m 666 /dev/null c 1 3)" >&2; exit 2; }

[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 CORPUS_DIR" >&2; exit 2; }
CORPUS=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
TOOLS=${TOOLS:-"macinmeter macinmeter-serial flac-d ffmpeg-drmeter"}
QUIET_CORES=${QUIET_CORES:-0.5}
MAX_WAIT=${MAX_WAIT:-900}
MM_ARGS=${MM_ARGS:-}
CORES=$(nproc)
TICKS=$(getconf CLK_TCK)

# ---------------------------------------------------------------- what it needs
missing=()
command -v flac >/dev/null || missing+=(flac)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "missing: ${missing[*]} (apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
MACINMETER=${MACINMETER:-$ROOT/target/release/macinmeter}
if [ ! -x "$MACINMETER" ]; then
    echo "building $MACINMETER" >&2
    (cd "$ROOT" && cargo build --release -p dr-cli)
fi

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
LIST="$OUT/files"
find "$CORPUS" -type f -name '*.flac' -print0 | sort -z >"$LIST"
FILES=$(tr -cd '\0' <"$LIST" | wc -c)
[ "$FILES" -gt 0 ] || { echo "no .flac files under $CORPUS" >&2; exit 1; }
BYTES=$(xargs -0 stat -c %s <"$LIST" | awk '{s += $1} END {printf "%.0f", s}')

# ---------------------------------------------------------------- the machine's load
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Cores the machine keeps busy over 2 s (nothing of ours runs meanwhile).
busy_cores() {
    local a b
    a=$(busy_ticks); sleep 2; b=$(busy_ticks)
    awk -v d=$((b - a)) -v t="$TICKS" 'BEGIN {printf "%.2f", d / t / 2}'
}
wait_for_quiet() {
    local waited=0 busy
    while :; do
        busy=$(busy_cores)
        if awk -v b="$busy" -v q="$QUIET_CORES" 'BEGIN {exit !(b < q)}'; then
            QUIET=yes; return
        fi
        if [ "$waited" -ge "$MAX_WAIT" ]; then
            echo "  machine still busy (${busy} cores) after ${waited} s: measuring anyway, flagged" >&2
            QUIET=busy; return
        fi
        [ "$waited" -eq 0 ] && echo "  waiting for the machine to be quiet (${busy} cores busy)" >&2
        sleep 10; waited=$((waited + 12))
    done
}

# ---------------------------------------------------------------- the tools
run_tool() {   # tool -> runs it once over the corpus, output discarded
    case $1 in
        macinmeter) "$MACINMETER" -q $MM_ARGS "$CORPUS" >/dev/null ;;
        macinmeter-serial) "$MACINMETER" -q --serial $MM_ARGS "$CORPUS" >/dev/null ;;
        flac-d) xargs -0 flac -d -c -s <"$LIST" >/dev/null ;;
        ffmpeg-drmeter)
            while IFS= read -r -d '' f; do
                ffmpeg -nostdin -hide_banner -nostats -v error -i "$f" -af drmeter -f null - </dev/null
            done <"$LIST" ;;
        ffmpeg-decode)   # not in the default set: ffmpeg's FLAC decoder alone, for reference
            while IFS= read -r -d '' f; do
                ffmpeg -nostdin -hide_banner -nostats -v error -i "$f" -f null - </dev/null
            done <"$LIST" ;;
        *) echo "unknown tool $1" >&2; return 2 ;;
    esac
}
export -f run_tool
export MACINMETER MM_ARGS CORPUS LIST

RAW="$OUT/runs.tsv"
printf 'round\ttool\twall_s\tuser_s\tsys_s\tmaxrss_kb\tload1\tothers_cores\tquiet\n' >"$RAW"
measure() {   # round tool
    local round=$1 tool=$2 load before after t
    wait_for_quiet
    load=$(cut -d' ' -f1 /proc/loadavg)
    before=$(busy_ticks)
    t="$OUT/time.$tool"
    if ! /usr/bin/time -f '%e %U %S %M' -o "$t" bash -c "run_tool $tool"; then
        echo "$tool failed (exit status above); see $t" >&2
        exit 1
    fi
    after=$(busy_ticks)
    read -r wall user sys rss <"$t"
    others=$(awk -v d=$((after - before)) -v tk="$TICKS" -v u="$user" -v s="$sys" -v w="$wall" \
        'BEGIN {o = (d / tk - u - s) / (w > 0 ? w : 1); printf "%.2f", (o < 0 ? 0 : o)}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$tool" "$wall" "$user" "$sys" "$rss" \
        "$load" "$others" "$QUIET" >>"$RAW"
    printf '  round %s %-18s wall %7.2f s  cpu %7.2f s  rss %7.1f MB  (load %s, others %s cores)\n' \
        "$round" "$tool" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" \
        "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" "$load" "$others" >&2
}

echo "corpus: $CORPUS: $FILES files, $BYTES bytes; $CORES cores; $WARMUP warm-up + $RUNS measured rounds" >&2
for ((round = 1 - WARMUP; round <= RUNS; round++)); do
    for tool in $TOOLS; do
        measure "$round" "$tool"
    done
done

# ---------------------------------------------------------------- the table
awk -F'\t' -v bytes="$BYTES" -v cores="$CORES" -v tools="$TOOLS" -v runs="$RUNS" '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR > 1 && $1 >= 1 {
    wall[$2] = wall[$2] " " $3; cpu[$2] = cpu[$2] " " ($4 + $5); rss[$2] = rss[$2] " " $6
    load[$2] = load[$2] " " $7; others[$2] = others[$2] " " $8
    if ($9 != "yes") busy[$2]++
}
END {
    n = split(tools, t, " ")
    printf "| tool | wall s | CPU s | CPU util. | peak RSS MB | MB/s | wall vs macinmeter | load1 | others (cores) |\n"
    printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    for (i = 1; i <= n; i++) {
        k = t[i]; if (!(k in wall)) continue
        W[k] = median(wall[k]); C[k] = median(cpu[k]); R[k] = median(rss[k])
        printf "| %s | %.2f | %.2f | %.0f %% | %.1f | %.1f | %s | %.2f | %.2f%s |\n", k, W[k], C[k], 100 * C[k] / W[k] / cores,
            R[k] / 1024, bytes / W[k] / 1e6, ("macinmeter" in W) ? sprintf("%.2fx", W[k] / W["macinmeter"]) : "-",
            median(load[k]), median(others[k]), (busy[k] ? sprintf(" (%d busy)", busy[k]) : "")
    }
    printf "\nMedians of %d runs; CPU util. = CPU time / wall / %d cores; MB/s = corpus bytes / wall.\n", runs, cores
    if ("macinmeter" in W && "flac-d" in W) {
        limit = W["flac-d"] / cores
        printf "\n- decode limit (flac -d wall / %d cores): %.2f s; macinmeter %.2f s = %.3fx the limit (target <= 1.15x)\n", cores, limit, W["macinmeter"], W["macinmeter"] / limit
    }
    if ("macinmeter-serial" in W && "flac-d" in W)
        printf "- macinmeter --serial / flac -d (one core): %.3fx (target <= 1.10x)\n", W["macinmeter-serial"] / W["flac-d"]
    if ("macinmeter" in W && "ffmpeg-drmeter" in W)
        printf "- ffmpeg drmeter / macinmeter: %.2fx faster (target >= 2x)\n", W["ffmpeg-drmeter"] / W["macinmeter"]
    if ("macinmeter" in W)
        printf "- macinmeter CPU utilisation: %.1f %% of %d cores (target >= 90 %%); peak RSS %.1f MB (target <= 48 MB)\n", 100 * C["macinmeter"] / W["macinmeter"] / cores, cores, R["macinmeter"] / 1024
}' "$RAW"
echo >&2
echo "raw figures: $RAW" >&2
