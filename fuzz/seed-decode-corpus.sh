#!/usr/bin/env bash
# Seeds corpus/decode/ (git-ignored) from the format fixtures: each file's first 512, 2048,
# 8192 and 32768 bytes, the whole file when it is at most 128 KiB, and its first 8192
# bytes without a hint. The first byte of each input is the harness's selector: low nibble
# the extension hint (harness/decode.rs, HINTS), high bits the packets per batch.
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
echo "$(ls "$out" | wc -l) inputs in fuzz/$out"
