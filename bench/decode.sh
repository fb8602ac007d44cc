#!/usr/bin/env bash
# Issue 3's decode figures on this machine: what measuring adds on top of decoding,
# 1 vs 2 threads within one long 24/96 FLAC, peak RSS for a 2-minute file, a 60-minute
# file and a batch of 20, and the reference decoders on the same file.
#   bench/decode.sh [WORK_DIR]      (default /tmp/macinmeter-decode-bench)
# Needs: ffmpeg, flac, GNU time (apt-get install ffmpeg flac time). Builds the release
# CLI and the analysis_cost example. Median of 3 runs after a warm-up; keep the machine
# otherwise idle.
set -euo pipefail
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1
# The peers' output goes to /dev/null. Where a sandbox makes it a regular file, flac -d would
# write gigabytes to disk and its time would include that.
[ -c /dev/null ] || { echo "$0: /dev/null is not a device here; recreate it first (as root: rm /dev/null && mknod -m 666 /dev/null c 1 3)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/macinmeter-decode-bench}
mkdir -p "$WORK/batch20"
cd "$ROOT"
cargo build -q --release -p dr-cli
cargo build -q --release -p dr-decode --example analysis_cost
MM=$ROOT/target/release/macinmeter
AC=$ROOT/target/release/examples/analysis_cost

# 24-bit/96 kHz stereo FLAC from the shipped excerpt, looped: ~2 min and ~60 min.
F2=$WORK/flac-2min-24-96.flac
F60=$WORK/flac-60min-24-96.flac
[ -s "$F2" ] || ffmpeg -v error -y -stream_loop 37 -i tests/fixtures/formats/flac-24bit-96k.flac -c:a flac -sample_fmt s32 "$F2"
[ -s "$F60" ] || ffmpeg -v error -y -stream_loop 29 -i "$F2" -c:a flac -sample_fmt s32 "$F60"
for i in $(seq -w 1 20); do ln -f "$F2" "$WORK/batch20/t$i.flac"; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label, command...: median of 3 after a warm-up
    local label=$1
    shift
    "$@" >/dev/null 2>&1
    for _ in 1 2 3; do /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 2p |
        awk -v l="$label" '{printf "%-34s wall %6.2f s  user %6.2f s  sys %5.2f s  cpu %4.0f%%  maxRSS %6.1f MB\n", l, $1, $2, $3, 100*($2+$3)/$1, $4/1024}'
}
"$AC" "$F2" 5
run "macinmeter 60min, 1 thread" "$MM" -q --parallel-threads 1 "$F60"
run "macinmeter 60min, 2 threads" "$MM" -q --parallel-threads 2 "$F60"
run "macinmeter 60min, --serial" "$MM" -q --serial "$F60"
run "macinmeter 60min, defaults" "$MM" -q "$F60"
run "macinmeter 2min, defaults" "$MM" -q "$F2"
run "macinmeter 20 x 2min, defaults" "$MM" -q "$WORK/batch20"
run "flac -d -c 60min (1 core)" sh -c "flac -d -c -s '$F60' > /dev/null"
run "ffmpeg -f null 60min (1 thread)" ffmpeg -v error -threads 1 -i "$F60" -f null -
