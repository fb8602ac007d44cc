#!/usr/bin/env python3
"""The reference against REAL foobar2000 output (DR Meter 1.0.8).

The conformance WAVs are written by the project's generator
(`cargo run -p dr-conformance --bin dr-conformance-gen DIR`) and checked
against their published SHA-256 (crates/dr-conformance/data/sha256.tsv); then
  * every token foobar2000 printed for them (crates/dr-conformance/data/
    expected.tsv: DR, Peak, RMS, duration, per-channel DR and RMS) must come
    out of dr_reference.py EQUAL as printed, no tolerance;
  * dr_log.py, rendering files 201-203 and 301-303, must reproduce the two
    real logs byte for byte apart from line 1 (the product), the date line and
    the `Codec:` line (the real ones name the codec in Chinese).

Run:  python3 tests/reference/test_conformance.py   (needs cargo; run from anywhere)
"""

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "crates", "dr-conformance", "data")
sys.path.insert(0, HERE)
import dr_log  # noqa: E402
import dr_reference as ref  # noqa: E402
from test_reference import run  # noqa: E402


def tsv(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh
                if line.strip() and not line.startswith("#")]


_WAVS = {}


def wavs():
    """id -> path of the generated files (generated once, hashes checked)."""
    if not _WAVS:
        out = tempfile.mkdtemp(prefix="dr-conformance-")
        atexit.register(shutil.rmtree, out, True)
        listing = subprocess.run(
            ["cargo", "run", "-q", "-p", "dr-conformance", "--bin",
             "dr-conformance-gen", "--", out],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout
        for line in listing.splitlines():
            case_id, path = line.split("\t")
            _WAVS[case_id] = path
    return _WAVS


def test_generated_files_have_the_published_hashes():
    files = wavs()
    hashes = tsv("sha256.tsv")
    assert sorted(h[0] for h in hashes) == sorted(files)
    for case_id, _data_sha, file_sha in hashes:
        with open(files[case_id], "rb") as fh:
            got = hashlib.sha256(fh.read()).hexdigest()
        assert got == file_sha, (case_id, got)


def printed_tokens(case_id, r):
    """The reference's result as the row of expected.tsv."""
    return [case_id, str(r["official_dr"]), r["peak_text"], r["rms_text"],
            r["duration_text"], ",".join(c["dr_text"] for c in r["per_channel"]),
            ",".join(c["rms_text"] for c in r["per_channel"])]


def test_every_token_equals_real_foobar2000():
    files = wavs()
    header = ["id", "DR", "Peak", "RMS", "duration", "ch_dr", "ch_rms"]
    mismatches = []
    rows = tsv("expected.tsv")
    assert len(rows) == 31
    for want in rows:
        got = printed_tokens(want[0], ref.analyse_wav(files[want[0]]))
        for name, g, w in zip(header, got, want):
            if g != w:
                mismatches.append("%s %s: reference %s, foobar2000 %s" % (want[0], name, g, w))
    assert not mismatches, "\n".join(mismatches)


SKIPPED_LINES = (0, 1)            # the product line and the date line


def compare_with_real_log(ids, real_name):
    files = wavs()
    tracks = [dr_log.Track.from_wav(files[i]) for i in ids]
    ours = dr_log.section_log(tracks, "MacinMeter v0.1.0", "2026-11-21 14:03:07",
                              stereo_columns=True, crlf=True).encode("utf-8")
    with open(os.path.join(DATA, "logs", real_name), "rb") as fh:
        real = fh.read()
    ours_lines, real_lines = ours.split(b"\r\n"), real.split(b"\r\n")
    assert len(ours_lines) == len(real_lines), (len(ours_lines), len(real_lines))
    diffs = []
    for n, (a, b) in enumerate(zip(ours_lines, real_lines)):
        if n in SKIPPED_LINES or b.startswith(b"Codec:"):
            continue
        if a != b:
            diffs.append("line %d:\n  ours %r\n  real %r" % (n + 1, a, b))
    assert not diffs, "\n".join(diffs)
    # and the three skipped lines are what we expect them to be
    assert ours_lines[0] == b"MacinMeter v0.1.0"
    assert ours_lines[1] == b"log date: 2026-11-21 14:03:07"
    assert b"Codec:             PCM (floating-point)" in ours_lines


def test_log_of_201_to_203_equals_the_real_one():
    compare_with_real_log(["201", "202", "203"], "x86-run1-02-degenerate.txt")


def test_log_of_301_to_303_equals_the_real_one():
    compare_with_real_log(["301", "302", "303"], "x86-run1-03-multichannel.txt")


if __name__ == "__main__":
    sys.exit(run(globals()))
