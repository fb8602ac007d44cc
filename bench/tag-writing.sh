#!/usr/bin/env bash
# Issue 14's tag-writing figures: --write-tags on 20 FLAC files of the bench corpus (copied
# to a scratch folder first), the audio checked unchanged (FLAC's STREAMINFO MD5, ffmpeg's
# MD5 of the decoded PCM, `flac -t`) and the time per file.
#   bench/tag-writing.sh [CORPUS] [WORK_DIR]
#   (defaults /work/corpus/bench, made by bench/make-corpus.sh; /tmp/macinmeter-tag-bench)
# Needs: ffmpeg, flac (metaflac). Builds the release CLI. Prints the run's own "tagged N of
# M files in S s" (the tagging alone, after measuring) and the wall time of the same run
# with and without --write-tags (median of 3; each --write-tags run on fresh copies).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/work/corpus/bench}
WORK=${2:-/tmp/macinmeter-tag-bench}
for tool in ffmpeg metaflac flac; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is needed (apt-get install ffmpeg flac)" >&2; exit 2; }
done
cd "$ROOT"
cargo build -q --release -p dr-cli
MM=$ROOT/target/release/macinmeter

mapfile -t SOURCES < <(find "$CORPUS" -name '*.flac' | sort | head -20)
[ "${#SOURCES[@]}" = 20 ] || { echo "$0: fewer than 20 FLAC files under $CORPUS" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK"
fresh_copies() { # into $WORK/files, named 01.flac..20.flac
    rm -rf "$WORK/files" && mkdir -p "$WORK/files"
    local i=0
    for src in "${SOURCES[@]}"; do
        i=$((i + 1))
        cp "$src" "$WORK/files/$(printf %02d $i).flac"
    done
}
audio_digest() { # per file: STREAMINFO MD5 and the MD5 of the decoded PCM
    for f in "$WORK"/files/*.flac; do
        printf '%s %s %s\n' "$(basename "$f")" "$(metaflac --show-md5sum "$f")" \
            "$(ffmpeg -v error -i "$f" -map 0:a -f md5 -)"
    done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg) (shared: figures are indicative)"
fresh_copies
echo "files: 20 FLAC, $(du -sm "$WORK/files" | cut -f1) MB"
audio_digest >"$WORK/before.txt"
"$MM" --write-tags --parallel-files 1 "$WORK/files" 2>"$WORK/stderr.txt" >/dev/null
grep '^tagged' "$WORK/stderr.txt"
audio_digest >"$WORK/after.txt"
if cmp -s "$WORK/before.txt" "$WORK/after.txt"; then
    echo "audio: identical before and after (20 STREAMINFO MD5s, 20 decoded-PCM MD5s)"
else
    echo "audio: CHANGED"; diff "$WORK/before.txt" "$WORK/after.txt"; exit 1
fi
for f in "$WORK"/files/*.flac; do flac -t -s "$f"; done && echo "flac -t: 20 files decode and match their MD5"
tags=$(for f in "$WORK"/files/*.flac; do metaflac --show-tag="DYNAMIC RANGE" --show-tag="ALBUM DYNAMIC RANGE" "$f"; done | wc -l)
echo "tags: $tags DYNAMIC RANGE / ALBUM DYNAMIC RANGE comments read back by metaflac (40 expected)"

median() { sort -n | sed -n 2p; }
plain=$(for _ in 1 2 3; do /usr/bin/time -f %e "$MM" -q "$WORK/files" 2>&1 >/dev/null | tail -1; done | median)
tagging=$(for _ in 1 2 3; do
    fresh_copies
    "$MM" --write-tags "$WORK/files" 2>&1 >/dev/null | sed -n 's/^tagged .* in \([0-9.]*\) s$/\1/p'
done | median)
with=$(for _ in 1 2 3; do
    fresh_copies
    /usr/bin/time -f %e "$MM" -q --write-tags "$WORK/files" 2>&1 >/dev/null | tail -1
done | median)
awk -v p="$plain" -v w="$with" -v t="$tagging" 'BEGIN {
    printf "wall, 20 files: measuring only %.2f s, measuring + --write-tags %.2f s\n", p, w
    printf "tagging alone (median of 3): %.2f s, %.0f ms per file\n", t, 1000 * t / 20
}'
rm -rf "$WORK"
