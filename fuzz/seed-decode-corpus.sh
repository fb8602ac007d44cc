#!/usr/bin/env bash
# Seeds corpus/decode/ (git-ignored) from the format fixtures: each file's first 512, 2048,
# 8192 and 32768 bytes, the whole file when it is at most 128 KiB, and its first 8192
# bytes without a hint. The first byte of each input is the harness's selector: low nibble
# the extension hint (harness/decode.rs, HINTS), high bits the packets per batch.
# With ffmpeg, also small VALID lossless files at low rates (a few windows in a few KiB,
# small packets): the fixtures are too large to pass whole, and truncated lossless files
# only reach the error paths, never the parallel-vs-sequential comparison of results.
set -euo pipefail
cd "$(dirname "$0")"
src=../tests/fixtures/formats
out=corpus/decode
mkdir -p "$out"
hint_of() {
    case "$1" in
        flac) echo 1 ;; wav) echo 2 ;; aiff) echo 3 ;; mp3) echo 4 ;; m4a) echo 5 ;; aac) echo 6 ;;
        ogg) echo 7 ;; opus) echo 8 ;; mka) echo 9 ;; webm) echo 10 ;; caf) echo 11 ;; aifc) echo 12 ;;
        *) echo 0 ;;
    esac
}
seed() { # seed <selector> <bytes or "full"> <file> <name>
    { printf "\\x$(printf %02x "$1")"; if [ "$2" = full ]; then cat "$3"; else head -c "$2" "$3"; fi; } > "$out/$4"
}
for file in "$src"/*; do
    name=$(basename "$file")
    hint=$(hint_of "${name##*.}")
    size=$(stat -c %s "$file")
    i=0
    for cut in 512 2048 8192 32768; do
        if [ "$cut" -lt "$size" ]; then
            seed $((hint | (i % 4) << 4)) "$cut" "$file" "$name.$cut"
            i=$((i + 1))
        fi
    done
    if [ "$size" -le 131072 ]; then
        seed $((hint | (i % 4) << 4)) full "$file" "$name.full"
    fi
    seed 0 8192 "$file" "$name.nohint.8192"
done
if command -v ffmpeg >/dev/null; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    ff() { nice -n 10 ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i "$1" "${@:3}" \
        -map_metadata -1 -fflags +bitexact -flags:a +bitexact "$tmp/$2"; }
    ff "aevalsrc=0.5*sin(2*PI*440*t)*(1+sin(2*PI*0.3*t))/2+0.01*random(0):s=1000:d=10" flac-1k-s16.flac \
        -ac 2 -c:a flac -sample_fmt s16 -frame_size 256
    ff "aevalsrc=0.3*sin(2*PI*100*t)+0.05*random(0):s=8000:d=0.4" flac-8k-s24.flac \
        -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 -frame_size 128
    ff "aevalsrc=0.5*sin(2*PI*300*t):s=1000:d=7" alac-1k.m4a -ac 2 -c:a alac -sample_fmt s16p
    ff "aevalsrc=0.5*sin(2*PI*300*t)+0.1*random(0):s=1000:d=7" wav-1k-s24.wav -ac 1 -c:a pcm_s24le
    ff "aevalsrc=0.5*sin(2*PI*30*t):s=500:d=8" aiff-500-s16.aiff -ac 2 -c:a pcm_s16be
    ff "aevalsrc=0.5*sin(2*PI*30*t):s=1000:d=6" caf-alac-1k.caf -ac 2 -c:a alac
    ff "aevalsrc=0.5*sin(2*PI*30*t):s=1000:d=6" mka-flac-1k.mka -ac 2 -c:a flac -frame_size 200
    ff "aevalsrc=0.5*sin(2*PI*30*t):s=1000:d=6" wav-1k-f32.wav -ac 2 -c:a pcm_f32le
    for file in "$tmp"/*; do
        name=$(basename "$file")
        hint=$(hint_of "${name##*.}")
        for batch in 0 1 2 3; do
            seed $((hint | batch << 4)) full "$file" "small-$name.b$batch"
        done
    done
fi
echo "$(ls "$out" | wc -l) inputs in fuzz/$out"
