#!/bin/bash
# Regenerates the golden logs in tests/golden/ with the independent Python
# reference (tests/reference/dr_log.py on top of dr_reference.py; ffmpeg
# decoding), NOT with the Rust code. crates/dr-cli/tests/golden.rs runs the
# `macinmeter` binary on the same inputs, with the same pinned date, and
# compares its stdout byte for byte with these files.
# Needs: python3 (standard library only), ffmpeg/ffprobe (see
# tests/reference/README.md for the version expected.json was made with).
# Paths are given relative to the workspace root, as golden.rs gives them.
set -euo pipefail
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export MACINMETER_LOG_DATE="2026-11-21 14:03:07"
LOG="nice -n 10 python3 tests/reference/dr_log.py"
OUT=tests/golden
F=tests/fixtures/formats

# Keep this list in step with GOLDEN in crates/dr-cli/tests/golden.rs.
# DR Meter 1.0.8 section log of one tagged album (a folder); the same with the
# per-channel columns for stereo (--channel-columns)
$LOG tests/fixtures/album-flac >"$OUT/album-flac.album.txt"
$LOG --channel-columns tests/fixtures/album-flac >"$OUT/album-flac.columns.txt"
# single-track logs: stereo 24-bit 96 kHz, and mono
$LOG --log track "$F/flac-24bit-96k.flac" >"$OUT/flac-24bit-96k.track.txt"
$LOG --log track "$F/flac-mono-16bit-44k.flac" >"$OUT/flac-mono-16bit-44k.track.txt"
# single-track log of 5.1 (one row per channel, named, LFE marked)
$LOG --log track "$F/flac-5.1-24bit-48k.flac" >"$OUT/flac-5.1-24bit-48k.track.txt"
# section log over mixed lossless formats (PCM WAV/AIFF, FLAC mono, ALAC 24-bit),
# files given explicitly in this order
$LOG "$F/wav-s16.wav" "$F/aiff-s16.aiff" \
    "$F/flac-mono-16bit-44k.flac" "$F/alac-24bit.m4a" >"$OUT/mixed-lossless.album.txt"
# channel columns as the union of the section's speaker positions: 5.1, stereo
# and mono (under FC) in one section (all three are tagged Excerpts B); the
# names are cut to 32 characters + "(…)"
$LOG "$F/flac-5.1-24bit-48k.flac" "$F/wav-s16.wav" "$F/flac-mono-16bit-44k.flac" \
    >"$OUT/mixed-channels.columns.txt"
# several sections: album A's tracks interleaved with others (first-appearance
# grouping), an untagged file (ADTS AAC -> "Analyzed: ? / ?"), and a lossy
# track left out of "Bits per sample". Lossy values depend on the decoder, so
# the check below makes sure every lossy value this log prints (row peak and
# RMS, the track DR behind the official one) is far from a rounding edge.
A=tests/fixtures/album-flac
$LOG "$A/01 - Variations on an Elvish Theme (excerpt).flac" \
    "$F/aac-adts.aac" "$F/flac-24bit-96k.flac" \
    "$A/02 - Heroes Rite (excerpt).flac" "$F/mp3-cbr192.mp3" >"$OUT/mixed-sections.album.txt"
nice -n 10 python3 - "$F/aac-adts.aac" "$F/mp3-cbr192.mp3" <<'PY'
import math, sys
sys.path.insert(0, "tests/reference")
import dr_reference as ref
MIN_MARGIN = 0.001   # dB; the decoders differ by < 1e-5 dB on these files
for path in sys.argv[1:]:
    r = ref.analyse_file(path)
    for name in ("peak_db", "rms_db"):  # distance to the nearest x.xx5 edge
        v = r[name]
        margin = abs((v * 100) % 1 - 0.5) / 100
        if margin < MIN_MARGIN:
            sys.exit("%s: %s %.6f dB is %.5f dB from a 2-decimal rounding edge"
                     % (path, name, v, margin))
    if abs(r["dr"] % 1 - 0.5) < 0.01:
        sys.exit("%s: track DR %.4f too close to .5" % (path, r["dr"]))
PY
echo "wrote:" "$OUT"/*.txt
