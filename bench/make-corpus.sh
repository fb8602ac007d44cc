#!/usr/bin/env bash
# Builds a benchmark corpus of stereo FLAC albums of about SIZE bytes in OUT_DIR:
# half (by bytes) 24-bit/96 kHz, half 16-bit/44.1 kHz, tracks of 5 to 10 minutes.
#
#   bench/make-corpus.sh OUT_DIR SIZE        e.g. bench/make-corpus.sh /work/scratch/bench-corpus 2G
#
# SIZE: bytes, or with a K/M/G suffix (powers of 1024). Needs `flac` (apt-get install flac).
#
# The audio is real music: the excerpts shipped in tests/fixtures (see SOURCES.md for
# authors and licenses: GPL-2.0-or-later), looped into long tracks:
#   24/96: formats/flac-24bit-96k.flac (Frozen-Bubble theme, rendered at 96 kHz, 3.2 s)
#   16/44: the three album-flac excerpts one after the other (Wesnoth music, 3 x 7 s)
# Each track starts at another point of its loop and has its own length, from a fixed
# sequence. Deterministic: the plan depends only on SIZE and the encoder's output, and
# the same `flac` version gives byte-identical files (flac -5, the default level, with
# fixed tags, no padding). Never commit the corpus: build it outside the repository.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR SIZE   (SIZE e.g. 2G, 500M, 1073741824)" >&2; exit 2; }
[ $# -eq 2 ] || usage
OUT=$1
case $2 in
    *[Kk]) SIZE=$(( ${2%[Kk]} * 1024 )) ;;
    *[Mm]) SIZE=$(( ${2%[Mm]} * 1024 * 1024 )) ;;
    *[Gg]) SIZE=$(( ${2%[Gg]} * 1024 * 1024 * 1024 )) ;;
    *[!0-9]*|'') usage ;;
    *) SIZE=$2 ;;
esac
[ "$SIZE" -gt 0 ] || usage
command -v flac >/dev/null || { echo "needs flac: apt-get install flac" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
FIX="$HERE/../tests/fixtures"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------- the loops, as raw PCM
raw_of() { flac --silent --decode --force-raw-format --endian=little --sign=signed -c "$1"; }
raw_of "$FIX/formats/flac-24bit-96k.flac" >"$TMP/hires.raw"
for f in "$FIX"/album-flac/0[123]*.flac; do raw_of "$f"; done >"$TMP/cd.raw"

# kind -> sample rate, bits, bytes per frame, album folder prefix
rate() { [ "$1" = hires ] && echo 96000 || echo 44100; }
bits() { [ "$1" = hires ] && echo 24 || echo 16; }
frame_bytes() { [ "$1" = hires ] && echo 6 || echo 4; }
folder() { [ "$1" = hires ] && echo "hires-24-96" || echo "cd-16-44"; }

# Compressed bytes per second of each loop (encoded once whole, as the tracks will be).
bytes_per_second() {
    local kind=$1 raw="$TMP/$1.raw"
    flac --silent --force-raw-format --endian=little --sign=signed --channels=2 \
        --bps="$(bits "$kind")" --sample-rate="$(rate "$kind")" -o "$TMP/$kind.probe.flac" - <"$raw"
    local frames=$(( $(stat -c %s "$raw") / $(frame_bytes "$kind") ))
    echo $(( $(stat -c %s "$TMP/$kind.probe.flac") * $(rate "$kind") / frames ))
}
BPS_hires=$(bytes_per_second hires)
BPS_cd=$(bytes_per_second cd)

# ---------------------------------------------------------------- the plan
# Track n: 300..600 s long, starting 0..loop length into its loop; the kind with fewer
# (estimated) bytes so far comes next; 10 tracks an album. Stops when the next track would
# overshoot SIZE by more than half of itself (so the total is SIZE give or take half a track).
plan="$TMP/plan"
: >"$plan"
n=0; est_hires=0; est_cd=0; tracks_hires=0; tracks_cd=0
while :; do
    n=$((n + 1))
    seconds=$(( 300 + (n * 137) % 301 ))
    if [ "$est_hires" -le "$est_cd" ]; then kind=hires; else kind=cd; fi
    eval "track_bytes=\$(( seconds * BPS_$kind ))"
    [ $(( est_hires + est_cd + track_bytes / 2 )) -le "$SIZE" ] || [ "$n" -eq 1 ] || break
    if [ "$kind" = hires ]; then
        tracks_hires=$((tracks_hires + 1)); index=$tracks_hires; est_hires=$(( est_hires + track_bytes ))
    else
        tracks_cd=$((tracks_cd + 1)); index=$tracks_cd; est_cd=$(( est_cd + track_bytes ))
    fi
    fb=$(frame_bytes "$kind")
    loop_frames=$(( $(stat -c %s "$TMP/$kind.raw") / fb ))
    start=$(( (n * 7919 * 1024) % loop_frames ))
    album=$(( (index - 1) / 10 + 1 )); track=$(( (index - 1) % 10 + 1 ))
    printf '%s %d %d %d %d\n' "$kind" "$seconds" "$start" "$album" "$track" >>"$plan"
done

# ---------------------------------------------------------------- encoding
encode() {   # kind seconds start_frame album track
    local kind=$1 seconds=$2 start=$3 album=$4 track=$5
    local fb raw rate bits bytes loop_bytes dir name reps
    fb=$(frame_bytes "$kind"); raw="$TMP/$kind.raw"
    rate=$(rate "$kind"); bits=$(bits "$kind")
    bytes=$(( seconds * rate * fb ))
    loop_bytes=$(stat -c %s "$raw")
    reps=$(( bytes / loop_bytes + 2 ))
    dir=$(printf '%s/%s/album-%02d' "$OUT" "$(folder "$kind")" "$album")
    name=$(printf '%02d - Bench %s track %02d.flac' "$track" "$bits-bit" "$track")
    mkdir -p "$dir"
    {
        tail -c +$(( start * fb + 1 )) "$raw"
        for _ in $(seq "$reps"); do cat "$raw"; done
    } | head -c "$bytes" | flac --silent --force --force-raw-format --endian=little --sign=signed \
        --channels=2 --bps="$bits" --sample-rate="$rate" --input-size="$bytes" --no-padding \
        -T "ARTIST=MacinMeter bench corpus" \
        -T "ALBUM=$(printf 'Bench %s-bit %d Hz, album %02d' "$bits" "$rate" "$album")" \
        -T "TITLE=$(printf 'Bench track %02d' "$track")" -T "TRACKNUMBER=$track" \
        -T "COMMENT=Looped excerpts of GPL-2+ music, see tests/fixtures/SOURCES.md" \
        -o "$dir/$name" - 2>/dev/null
}
export -f encode rate bits frame_bytes folder
export OUT TMP

rm -rf "$OUT/hires-24-96" "$OUT/cd-16-44"
mkdir -p "$OUT"
# Each track is encoded on its own: the order jobs finish in changes nothing.
xargs -P "$JOBS" -L 1 bash -c 'set -eu; encode "$@"' _ <"$plan"

made=()
for d in hires-24-96 cd-16-44; do [ -d "$OUT/$d" ] && made+=("$OUT/$d"); done
files=$(find "${made[@]}" -name '*.flac' | wc -l)
total=$(find "${made[@]}" -name '*.flac' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
hours=$(awk '{s += $2} END {printf "%.2f", s / 3600}' "$plan")
echo "corpus: $OUT: $files files ($tracks_hires 24/96, $tracks_cd 16/44.1), $hours h of audio, $total bytes"
