#!/bin/bash
# Regenerates tests/reference/expected.json: the reference results
# (dr_reference.py, decoding with ffmpeg) for every file under tests/fixtures/,
# schema 2 (tests/reference/README.md). Needs: python3 (standard library only),
# ffmpeg/ffprobe.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$(cd "$HERE/../fixtures" && pwd)
nice -n 10 python3 - "$HERE" "$FIX" <<'PY'
import json, os, subprocess, sys
here, fix = sys.argv[1], sys.argv[2]
sys.path.insert(0, here)
import dr_reference as ref

files = []
for d in ("album-flac", "formats"):
    for name in sorted(os.listdir(os.path.join(fix, d))):
        files.append(d + "/" + name)

ver = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                     check=True).stdout.splitlines()[0]
out = {
    "schema": 2,
    "generator": "tests/reference/dr_reference.py (see tests/reference/README.md)",
    "decoder": ver,
    "note": "DR Meter 1.0.8 rules (docs/ALGORITHM.md); linear values unless named _db or _text; "
            "paths relative to tests/fixtures/. Lossy files (lossy: true) are compared "
            "with a tolerance, lossless ones exactly (see README.md).",
    "files": {},
    "albums": {},
}
for rel in files:
    r = ref.analyse_file(os.path.join(fix, rel))
    out["files"][rel] = r
    print("%-50s %-10s %5s %2d ch %6d Hz %8d fr  DR%-2d (%.6f)  %s %s" % (
        rel, r["codec"], r["bits"], r["channels"], r["sample_rate"],
        r["frames"], r["official_dr"], r["dr"], r["peak_text"], r["rms_text"]),
        file=sys.stderr)

album = [f for f in files if f.startswith("album-flac/")]
album_dr = ref.album_dr([out["files"][f]["dr"] for f in album])
out["albums"]["album-flac"] = {
    "tracks": album,
    "dr": album_dr,
    "official_dr": ref.official(album_dr),
}
with open(os.path.join(here, "expected.json"), "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=False)
    fh.write("\n")
PY
