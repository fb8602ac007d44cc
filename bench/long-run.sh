#!/bin/sh
# Long runs, in constant memory, to hand-computed results (numbers: bench/LONG_RUNS.md).
#
#  1. A 3-hour stereo 44.1 kHz FLAC through the whole CLI (target/release/macinmeter),
#     under /usr/bin/time -v, its VmRSS sampled every second from /proc/<pid>/status, and
#     its JSON result compared with the values computed from the generated signal.
#  2. The 10-hour stereo 96 kHz analyser run (crates/dr-core/tests/long_run.rs, which
#     asserts its own hand-computed results), its VmRSS sampled the same way.
#
# Needs: flac, python3, /usr/bin/time (apt-get install flac time); heaptrack if present adds
# the heap in use. Generated audio goes to
# $SCRATCH (default /work/scratch/long-run), never into the repository.
#
# The signal (both runs): every sample is +A or -A (random signs here, so FLAC cannot
# shrink it to nothing; a square wave in the analyser test), A = 2047/32768 in windows whose
# index is a multiple of 5 and 1023/32768 in the others, plus one-sample spikes in quiet
# windows: left 0.875 and 0.75, right 0.625 and 0.5. Every window's RMS is then A·sqrt(2),
# the loudest 20 % are the loud windows (one 0.01 dB key: -21.08 dB), the second-highest window peak is the
# smaller spike: DR left = 20·log10(0.75/0.08831), right = 20·log10(0.5/0.08831).
set -eu
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${SCRATCH:-/work/scratch/long-run}
mkdir -p "$SCRATCH"
cd "$ROOT"

for tool in flac metaflac python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "long-run.sh: $tool is missing (apt-get install flac time python3)" >&2; exit 2; }
done

# The generator and the expected values share one description of the signal.
SIGNAL_PY='
import math, random
RATE = 44100
FRAMES = MINUTES * 60 * RATE
W = int(RATE * 3.0040816326530613)         # docs/ALGORITHM.md section 1
LOUD, QUIET, FULL = 2047, 1023, 32768.0
SPIKES = {(0, 101): 28672, (0, 2001): 24576, (1, 1002): 20480, (1, 3001): 16384}
SPIKE_AT = 1000                            # frame within its window
TAIL = FRAMES % W
WINDOWS = FRAMES // W + (1 if TAIL else 0)  # every non-empty tail is a window
def loud(w): return w % 5 == 0
'

# 1. The FLAC files (made once; delete them to make them again): 3 hours, and its first
#    minute, whose run gives the memory "after the first minute" to compare with.
make_flac() {
    minutes=$1
    file=$2
    [ -s "$file" ] && return
    echo "making $file ($minutes min stereo 44.1 kHz 16-bit)..." >&2
    python3 -c "MINUTES = $minutes$SIGNAL_PY"'
import array, struct, sys
out = sys.stdout.buffer
data = FRAMES * 4
out.write(b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " +
          struct.pack("<IHHIIHH", 16, 1, 2, RATE, RATE * 4, 4, 16) + b"data" + struct.pack("<I", data))
rng = random.Random(1)
def block(amplitude):
    bits = rng.getrandbits(2 * W)
    return array.array("h", (amplitude if (bits >> i) & 1 else -amplitude for i in range(2 * W)))
blocks = {True: [block(LOUD) for _ in range(3)], False: [block(QUIET) for _ in range(3)]}
for w in range(WINDOWS):
    b = blocks[loud(w)][w % 3]
    spikes = [(c, v) for (c, sw), v in SPIKES.items() if sw == w]
    if spikes:
        b = array.array("h", b)
        for c, v in spikes:
            b[2 * SPIKE_AT + c] = v
    frames = TAIL if w == WINDOWS - 1 and TAIL else W
    out.write(b[: 2 * frames].tobytes())
' | flac --silent --force -o "$file" -
    # A short stream (the generator stopped early) would measure a different signal.
    samples=$(metaflac --show-total-samples "$file")
    if [ "$samples" != $((minutes * 60 * 44100)) ]; then
        rm -f "$file"
        echo "long-run.sh: $file holds $samples frames, not $((minutes * 60 * 44100)); run again" >&2
        exit 1
    fi
}
FLAC_FILE="$SCRATCH/long-3h.flac"
MINUTE_FILE="$SCRATCH/first-minute.flac"
make_flac 180 "$FLAC_FILE"
make_flac 1 "$MINUTE_FILE"
ls -l "$FLAC_FILE" "$MINUTE_FILE" >&2

echo "building target/release/macinmeter..." >&2
cargo build --release --locked -p dr-cli >&2

# VmRSS sampling interval, seconds: the CLI reads 3 hours of FLAC in seconds, so once a
# second would give a handful of points.
INTERVAL=${INTERVAL:-0.1}

# Samples VmRSS (KiB) of $1 every $INTERVAL s until it ends: "sample-number KiB" lines.
sample_rss() {
    pid=$1
    n=0
    while [ -r "/proc/$pid/status" ]; do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$rss" ] && echo "$n $rss"
        sleep "$INTERVAL"
        n=$((n + 1))
    done
}

# Runs a command under /usr/bin/time -v, sampling the command's own RSS; prints a summary.
# $1: label, $2: seconds of audio it processes, rest: the command. Each sample's audio
# position is taken as proportional to its time in the run.
measure() {
    label=$1
    audio=$2
    shift 2
    samples="$SCRATCH/$label.rss"
    /usr/bin/time -v -o "$SCRATCH/$label.time" "$@" &
    time_pid=$!
    child=""
    while [ -z "$child" ] && kill -0 "$time_pid" 2>/dev/null; do
        child=$(cat "/proc/$time_pid/task/$time_pid/children" 2>/dev/null | awk '{ print $1 }')
    done
    [ -n "$child" ] && sample_rss "$child" >"$samples"
    wait "$time_pid"
    echo "== $label"
    grep -E "Elapsed|Maximum resident|User time|Exit status" "$SCRATCH/$label.time" | sed 's/^\s*/  /'
    awk -v audio="$audio" -v interval="$INTERVAL" '
        { t[NR] = $1; rss[NR] = $2; n = NR }
        END {
            minute = 0
            for (i = 1; i <= n; i++) if (!minute && (i / n) * audio >= 60) minute = i
            lo = hi = rss[minute]
            for (i = minute; i <= n; i++) { if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i] }
            printf "  VmRSS: %d samples every %s s; first %d KiB; after the first minute of audio (sample %d) %d KiB;\n", n, interval, rss[1], minute, rss[minute]
            printf "         from there to the end: min %d, max %d KiB; last %d KiB\n", lo, hi, rss[n]
            step = int(n / 24) + 1
            line = "  series (audio minute: KiB):"
            for (i = 1; i <= n; i += step) line = line sprintf(" %d:%d", (i / n) * audio / 60, rss[i])
            print line sprintf(" %d:%d", audio / 60, rss[n])
        }' "$samples"
}

measure cli-1min 60 \
    target/release/macinmeter --format json -o "$SCRATCH/first-minute.json" -q "$MINUTE_FILE"
measure cli-3h 10800 \
    target/release/macinmeter --format json -o "$SCRATCH/long-3h.json" -q "$FLAC_FILE"

# The heap in use (what the program holds, without the allocator's retained pages), when
# heaptrack is installed: the first minute alone against the 3 hours.
if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null; then
    for run in first-minute long-3h; do
        rm -f "$SCRATCH/heaptrack-$run".*
        heaptrack -o "$SCRATCH/heaptrack-$run" target/release/macinmeter --format json -o /dev/null -q \
            "$SCRATCH/$run.flac" >/dev/null 2>&1
        peak=$(heaptrack_print "$SCRATCH/heaptrack-$run".* 2>/dev/null | sed -n 's/^peak heap memory consumption: //p')
        echo "== heap ($run.flac): peak in use $peak"
    done
else
    echo "(heaptrack not installed: no heap figures)"
fi

echo "== cli-3h result against the signal"
python3 -c "MINUTES = 180$SIGNAL_PY"'
import json, struct, sys
doc = json.load(open(sys.argv[1]))
track = doc["tracks"][0]
# docs/ALGORITHM.md: every window RMS is A*sqrt(2) (samples are +-A) but for the two with a
# spike; the loud windows (20 % and a little more) share one 0.01 dB key, whose power is the
# loud RMS; the DR compares it with the second-highest window peak (the smaller spike).
key = round(2000 * math.log10(LOUD * math.sqrt(2) / FULL))
loud_rms_db = (key + 10000) * 0.01 - 100
loud_rms = math.sqrt(10 ** (loud_rms_db / 10))
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
ok = track["frames"] == FRAMES and track["windows"] == WINDOWS
drs = []
for c, got in enumerate(track["channel_results"]):
    spikes = sorted((v for (sc, _), v in SPIKES.items() if sc == c), reverse=True)
    frames_in = lambda w: TAIL if w == WINDOWS - 1 and TAIL else W
    # The channel RMS: the quadratic mean of the window RMS values.
    window_ms = [2 * ((LOUD if loud(w) else QUIET) / FULL) ** 2 for w in range(WINDOWS)]
    for (sc, w), v in SPIKES.items():
        if sc == c:
            window_ms[w] = 2 * ((frames_in(w) - 1) * QUIET**2 + v * v) / FULL**2 / frames_in(w)
    rms = math.sqrt(sum(window_ms) / WINDOWS)
    dr = -20 * math.log10(loud_rms / (spikes[1] / FULL))
    drs.append(dr)
    # Published values are f32 (a last-bit difference of log10 allowed: 1e-5 dB).
    want = {"dr": (f32(dr), 1e-5), "peak_db": (f32(20 * math.log10(spikes[0] / FULL)), 1e-5),
            "rms_db": (f32(20 * math.log10(rms)), 1e-5), "loud_rms_db": (loud_rms_db, 1e-9),
            "dr_peak_db": (20 * math.log10(spikes[1] / FULL), 1e-9)}
    for name, (value, tolerance) in want.items():
        good = abs(got[name] - value) <= tolerance
        ok = ok and good
        verdict = "ok" if good else "DIFFERENT"
        print(f"  channel {c} {name}: {got[name]:.9f}, expected {value:.9f} {verdict}")
dr = f32(sum(drs) / len(drs))
got_dr, got_official = track["dr"], track["official_dr"]
good = abs(got_dr - dr) <= 1e-5 and got_official == math.trunc(dr + 0.5)
verdict = "ok" if good else "DIFFERENT"
print(f"  DR {got_dr:.6f}, expected {dr:.6f}; official DR{got_official} {verdict}")
frames, windows = track["frames"], track["windows"]
print(f"  frames {frames} (expected {FRAMES}), windows {windows} (expected {WINDOWS})")
sys.exit(0 if ok and good else 1)
' "$SCRATCH/long-3h.json"

# 2. The 10-hour analyser run: the test binary, run directly so its RSS can be sampled.
echo "building the 10-hour analyser test..." >&2
test_binary=$(cargo test --release --locked -p dr-core --test long_run --no-run 2>&1 |
    sed -n 's/.*Executable tests\/long_run.rs (\(.*\))/\1/p')
measure analyser-10h 36000 \
    "$test_binary" --ignored --nocapture --test-threads=1 ten_hours_at_96k_in_constant_memory
