#!/usr/bin/env python3
"""Mutation run: damaged copies of audio files through the `macinmeter` CLI.

For each input file this makes N mutants (byte flips, a cut, a 4 KiB block zeroed,
duplicated, deleted or inserted, and mutants aimed at the file's structure: headers,
chunk/box/page/frame headers, sample tables), each reproducible from the seed and logged
with its offsets, runs the CLI on each (`--format json`, under a time limit) and sorts the
outcome against the intact file's:

  CRASH        the process died on a signal or panicked (exit 101), or printed no JSON
  HANG         no outcome within the time limit
  ERROR        the file is reported as failed (named, with a reason)
  WARNED       measured, with a warning on stderr
  SAME         measured, no warning, every measured number as for the intact file
  SILENT-DIFF  measured, no warning, some measured number differs: a wrong result
               nobody was told about

"Measured numbers" are all numbers of the JSON track object except those that describe
the file rather than the audio (the bitrate, which follows the file size), whatever the
schema calls them, so the comparison survives changes of the result fields.

Each mutant is also placed: "structure" when a changed byte lies in the bytes that
describe the stream (headers, tables, page/frame headers, chunk headers), "samples" when
all changed bytes are coded audio, "mixed" for mutants that change both (several flips,
a field that runs past a header), "cut" for truncations. A mixed mutant measured silently
different is replayed with only its structure bytes changed, and placed by that: "samples"
when the structure part alone measures the same (the changed samples made the difference),
"structure" when it alone is silently different; it stays "mixed" only when the structure
part alone is reported. A SILENT-DIFF in "samples" of a
format without checksums (WAV, AIFF, MP3, AAC, ALAC, Opus in WebM) is expected: nothing in
the file can tell a changed sample from a real one.

Usage: fuzz/mutation-run.py [--mutants 150] [--seed 18] [--timeout 60] [--cli PATH]
                            [--table OUT.md] [--log OUT.tsv] [--keep DIR] FILE...
"""

import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time

BLOCK = 4096
# Mutation kinds, cycled: half blind, half aimed at the structure.
KINDS = ["flip", "cut", "zero", "dup", "delete", "insert"] + ["aimed-flip", "aimed-field"] * 3
# Keys of a track object that describe the file, not the measured audio.
FILE_KEYS = re.compile(r"bitrate|bytes|size|path", re.IGNORECASE)
OUTCOMES = ["CRASH", "HANG", "ERROR", "WARNED", "SAME", "SILENT-DIFF"]


# ---------------------------------------------------------------------------------------
# Where each format keeps its structure: a list of (start, end) byte ranges.


def be32(data, at):
    return struct.unpack_from(">I", data, at)[0] if at + 4 <= len(data) else None


def le32(data, at):
    return struct.unpack_from("<I", data, at)[0] if at + 4 <= len(data) else None


def id3_len(data, at=0):
    head = data[at : at + 10]
    if len(head) < 10 or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return 0
    size = 0
    for b in head[6:10]:
        size = (size << 7) | b
    return 10 + size + (10 if head[5] & 0x10 else 0)


def riff_ranges(data, little=True, size_bytes=4, header=12, audio_chunks=(b"data",), skip_in_audio=0):
    """RIFF/IFF: every chunk header and every chunk body but the audio's."""
    read = (lambda at: le32(data, at)) if little else (lambda at: be32(data, at))
    ranges = [(0, header)]
    at = header
    while at + 4 + size_bytes <= len(data):
        kind = data[at : at + 4]
        size = read(at + 4) if size_bytes == 4 else struct.unpack_from(">q", data, at + 4)[0]
        if size is None or size < 0:
            break
        body = at + 4 + size_bytes
        if kind in audio_chunks:
            ranges.append((at, body + skip_in_audio))
        else:
            ranges.append((at, min(len(data), body + size)))
        if size_bytes == 8 and size == -1:
            break
        at = body + size + (size & 1 if little or size_bytes == 4 else 0)
    ranges.append((min(at, len(data)), len(data)))  # whatever follows the last chunk
    return ranges


def mp4_ranges(data):
    """MP4: every box header, and every box body but the media data (mdat)."""
    ranges = []

    def walk(start, end):
        at = start
        while at + 8 <= end:
            size, kind = be32(data, at), data[at + 4 : at + 8]
            header = 8
            if size == 1 and at + 16 <= end:
                size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
            elif size == 0:
                size = end - at
            if size < header:
                ranges.append((at, end))
                return
            if kind == b"mdat":
                ranges.append((at, at + header))
            elif kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta"):
                ranges.append((at, at + header))
                walk(at + header, min(end, at + size))
            else:
                ranges.append((at, min(end, at + size)))
            at += size

    walk(0, len(data))
    return ranges


def ogg_ranges(data):
    """Ogg: every page header (with its lacing values), and the first three packets'
    pages (the codec headers)."""
    ranges = []
    at = 0
    pages = 0
    while True:
        at = data.find(b"OggS", at)
        if at < 0 or at + 27 > len(data):
            break
        segments = data[at + 26]
        body = sum(data[at + 27 : at + 27 + segments])
        end = at + 27 + segments + body
        ranges.append((at, end if pages < 2 else at + 27 + segments))
        pages += 1
        at = end
    return ranges


def flac_ranges(data):
    """FLAC: the metadata blocks, and each frame's header (up to its CRC-8) and CRC-16."""
    at = 4
    while at + 4 <= len(data):
        last, size = data[at] & 0x80, int.from_bytes(data[at + 1 : at + 4], "big")
        at += 4 + size
        if last:
            break
    ranges = [(0, at)]
    frames = [m.start() for m in re.finditer(rb"\xff[\xf8\xf9]", data[at:])]
    for start in frames:
        ranges.append((at + start, at + start + 16))
        if start > 2:
            ranges.append((at + start - 2, at + start))
    ranges.append((len(data) - 2, len(data)))
    return ranges


KBPS = {
    (True, 3): [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    (True, 2): [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    (True, 1): [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    (False, 3): [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    (False, 2): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    (False, 1): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}


def mpeg_frame_bytes(header):
    """The length of the MPEG audio frame whose 4-byte header this is (ISO 11172-3/13818-3)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = KBPS[(mpeg1, layer)][bitrate_index] * 1000
    rate = [44100, 48000, 32000][rate_index] >> {3: 0, 2: 1, 0: 2}[version]
    padding = (header[2] >> 1) & 1
    if layer == 3:
        return (12 * bitrate // rate + padding) * 4
    if layer == 2 or mpeg1:
        return 144 * bitrate // rate + padding
    return 72 * bitrate // rate + padding


def mpeg_ranges(data):
    """MP3/MP2: tags, the first frame (Xing/Info/VBRI and LAME tags), every frame's header
    (walked frame by frame). The side information after a header is coded audio: the
    Layer III bit allocation, unprotected without the optional CRC."""
    at = id3_len(data)
    ranges = [(0, at)]
    first = True
    while at + 4 <= len(data):
        length = mpeg_frame_bytes(data[at : at + 4])
        if not length:
            ranges.append((at, len(data)))  # tags or junk after the frames
            break
        ranges.append((at, at + length if first else at + 4))
        first = False
        at += length
    return ranges


def adts_ranges(data):
    """ADTS: every frame's 7- or 9-byte header (walked by the frames' lengths)."""
    at = id3_len(data)
    ranges = [(0, at)]
    while at + 7 <= len(data) and data[at] == 0xFF and data[at + 1] & 0xF6 == 0xF0:
        length = ((data[at + 3] & 3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
        if length < 7:
            break
        ranges.append((at, at + (7 if data[at + 1] & 1 else 9)))
        at += length
    ranges.append((at, len(data)))
    return ranges


def ebml_vint(data, at, keep_marker):
    """An EBML variable-length integer at `at`: (value, length), or None."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = data[at] if keep_marker else data[at] & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, length


def matroska_ranges(data):
    """Matroska/WebM: every element, except the coded audio in (Simple)Block elements after
    their 4-byte block header; descends into the Segment, Clusters and BlockGroups."""
    ranges = []
    masters = {0x18538067, 0x1F43B675, 0xA0}
    blocks = {0xA3, 0xA1}

    def walk(start, end):
        at = start
        while at < end:
            element = ebml_vint(data, at, keep_marker=True)
            size = element and ebml_vint(data, at + element[1], keep_marker=False)
            if not size:
                ranges.append((at, end))
                return
            body = at + element[1] + size[1]
            unknown = size[0] == (1 << (7 * size[1])) - 1
            stop = end if unknown else min(end, body + size[0])
            if element[0] in masters:
                ranges.append((at, body))
                walk(body, stop)
            elif element[0] in blocks:
                ranges.append((at, min(stop, body + 4)))
            else:
                ranges.append((at, stop))
            at = stop

    walk(0, len(data))
    return ranges


def structure_ranges(path, data):
    ext = os.path.splitext(path)[1].lower()
    if data[:4] == b"RIFF":
        return riff_ranges(data)
    if data[:4] == b"FORM":
        return riff_ranges(data, little=False, audio_chunks=(b"SSND",), skip_in_audio=8)
    if data[:4] == b"caff":
        return riff_ranges(data, little=False, size_bytes=8, header=8, audio_chunks=(b"data",), skip_in_audio=4)
    if data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide"):
        return mp4_ranges(data)
    if data[:4] == b"OggS":
        return ogg_ranges(data)
    if data[:4] == b"fLaC":
        return flac_ranges(data)
    if ext == ".aac":
        return adts_ranges(data)
    if ext in (".mp3", ".mp2", ".mp1"):
        return mpeg_ranges(data)
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return matroska_ranges(data)
    # Anything else: no walk here; the first 4 KiB hold the headers.
    return [(0, min(len(data), BLOCK))]


def in_ranges(offset, ranges):
    return any(start <= offset < end for start, end in ranges)


# ---------------------------------------------------------------------------------------
# Mutants


def mutate(data, kind, rng, ranges):
    """Returns (mutant bytes, description with offsets, placement)."""
    size = len(data)
    out = bytearray(data)
    if kind == "cut":
        at = rng.randrange(1, size)
        return bytes(out[:at]), f"cut at {at} of {size}", "cut"
    if kind in ("aimed-flip", "aimed-field"):
        weights = [end - start for start, end in ranges]
        start, end = rng.choices(ranges, weights=weights)[0]
        at = rng.randrange(start, max(start + 1, end))
        at = min(at, size - 1)
        if kind == "aimed-flip":
            bit = rng.randrange(8)
            out[at] ^= 1 << bit
            return bytes(out), f"flip bit {bit} at {at}", "structure"
        width = min(4, size - at)
        value = rng.choice([b"\x00" * width, b"\xff" * width, bytes(rng.randrange(256) for _ in range(width))])
        out[at : at + width] = value
        # A field may run past the structure's end into the samples.
        place = "structure" if all(in_ranges(o, ranges) for o in range(at, at + width)) else "mixed"
        return bytes(out), f"field {width} bytes at {at} := {value.hex()}", place
    if kind == "flip":
        offsets = sorted(rng.randrange(size) for _ in range(rng.randint(1, 8)))
        for at in offsets:
            out[at] ^= 1 << rng.randrange(8)
        hits = [in_ranges(at, ranges) for at in offsets]
        place = "structure" if all(hits) else "mixed" if any(hits) else "samples"
        return bytes(out), "flip at " + ",".join(map(str, offsets)), place
    at = rng.randrange(0, max(1, size - BLOCK))
    touched = range(at, min(size, at + BLOCK))
    if kind == "zero":
        out[at : at + BLOCK] = bytes(len(out[at : at + BLOCK]))
    elif kind == "dup":
        out[at + BLOCK : at + BLOCK] = data[at : at + BLOCK]
    elif kind == "delete":
        del out[at : at + BLOCK]
    elif kind == "insert":
        out[at:at] = bytes(rng.randrange(256) for _ in range(BLOCK))
        touched = range(at, at + 1)
    # A block that shifts what follows it (dup, delete, insert) moves every later header too;
    # it is placed by the bytes it touches where it happens.
    place = "structure" if any(in_ranges(o, ranges) for o in touched) else "samples"
    return bytes(out), f"{kind} {BLOCK} bytes at {at}", place


# ---------------------------------------------------------------------------------------
# Running the CLI


def numbers(value, key=""):
    """Every number in a JSON value, by its key path, except those describing the file."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return {}
    if isinstance(value, (int, float)):
        return {key: value}
    found = {}
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "tags" or FILE_KEYS.search(name):
                continue
            found.update(numbers(item, f"{key}.{name}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(numbers(item, f"{key}[{index}]"))
    return found


def run_cli(cli, path, timeout):
    """(outcome before comparison, measured numbers or None, short note)."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [cli, "--format", "json", path],
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "HANG", None, f"no outcome in {timeout} s"
    seconds = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode < 0 or done.returncode == 101 or "panicked" in stderr:
        return "CRASH", None, f"exit {done.returncode}: {stderr.strip()[-200:]}"
    try:
        document = json.loads(done.stdout)
    except ValueError:
        return "CRASH", None, f"exit {done.returncode}, no JSON: {stderr.strip()[-200:]}"
    if document.get("failures"):
        failure = document["failures"][0]
        return "ERROR", None, json.dumps(failure)[:300]
    tracks = document.get("tracks") or []
    if len(tracks) != 1:
        return "CRASH", None, f"{len(tracks)} tracks and no failure"
    warnings = [line for line in stderr.splitlines() if line.startswith("warning:")]
    if warnings:
        return "WARNED", numbers(tracks[0]), warnings[0][:300]
    return "MEASURED", numbers(tracks[0]), f"{seconds:.2f} s"


def classify(outcome, measured, clean):
    if outcome != "MEASURED":
        return outcome
    return "SAME" if measured == clean else "SILENT-DIFF"


def structure_part(data, mutant, ranges):
    """The intact file with only the mutant's changed bytes that lie in the structure
    (unchanged when every changed byte is a sample: a field written over structure bytes
    with their own values), or None when the mutant moved bytes (its length differs)."""
    if len(mutant) != len(data):
        return None
    out = bytearray(data)
    for start, end in ranges:
        for at in range(start, min(end, len(data))):
            out[at] = mutant[at]
    return bytes(out)


def place_mixed(cli, work, name, data, mutant, ranges, clean, timeout):
    """Where a mixed SILENT-DIFF's difference comes from: the structure bytes it changed,
    replayed alone on the intact file. Measured the same: the changed samples made the
    difference ("samples"); silently different: the structure did ("structure"); reported
    (an error or a warning): the structure change is seen alone, not beside changed
    samples ("mixed")."""
    part = structure_part(data, mutant, ranges)
    if part is None:
        return "mixed", "bytes moved"
    if part == data:
        return "samples", "no structure byte changed"
    part_path = os.path.join(work, f"structure-part-{name}")
    with open(part_path, "wb") as file:
        file.write(part)
    raw, measured, _ = run_cli(cli, part_path, timeout)
    os.remove(part_path)
    verdict = classify(raw, measured, clean)
    placed = {"SAME": "samples", "SILENT-DIFF": "structure"}.get(verdict, "mixed")
    return placed, f"structure part alone: {verdict}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--mutants", type=int, default=150)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--cli", default="target/release/macinmeter")
    parser.add_argument("--table", help="write the Markdown table here (else stdout)")
    parser.add_argument("--log", help="write one line per mutant here (tab-separated)")
    parser.add_argument("--keep", help="keep the SILENT-DIFF, CRASH and HANG mutants in this folder")
    parser.add_argument("--only", type=int, help="make and run only mutant number N of each file (replay)")
    args = parser.parse_args()

    log = open(args.log, "w", encoding="utf-8") if args.log else None
    if log:
        log.write("file\tmutant\tkind\tmutation\tplace\toutcome\tnote\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="mutants-") as work:
        for path in args.files:
            data = open(path, "rb").read()
            name = os.path.basename(path)
            outcome, clean, note = run_cli(args.cli, path, args.timeout)
            if outcome != "MEASURED":
                sys.exit(f"{path}: the intact file must measure without warnings: {outcome} {note}")
            ranges = structure_ranges(path, data)
            counts = {outcome: 0 for outcome in OUTCOMES}
            silent = {"samples": 0, "mixed": 0, "structure": 0, "cut": 0}
            numbers_ = range(args.mutants) if args.only is None else [args.only]
            for index in numbers_:
                # One generator per mutant: mutant N of a file is the same whatever else runs.
                rng = random.Random(f"{args.seed}/{name}/{index}")
                kind = KINDS[index % len(KINDS)]
                mutant, description, place = mutate(data, kind, rng, ranges)
                mutant_path = os.path.join(work, f"{index:04d}-{name}")
                with open(mutant_path, "wb") as file:
                    file.write(mutant)
                raw, measured, note = run_cli(args.cli, mutant_path, args.timeout)
                verdict = classify(raw, measured, clean)
                counts[verdict] += 1
                if verdict == "SILENT-DIFF":
                    differing = sorted(k for k in clean if clean.get(k) != measured.get(k))
                    note = "differs: " + ",".join(differing[:4])
                    if place == "mixed":
                        place, why = place_mixed(args.cli, work, name, data, mutant, ranges, clean, args.timeout)
                        note = f"{why}; {note}"
                    silent[place] += 1
                if args.keep and verdict in ("SILENT-DIFF", "CRASH", "HANG"):
                    os.makedirs(args.keep, exist_ok=True)
                    os.replace(mutant_path, os.path.join(args.keep, f"{verdict}-{index:04d}-{name}"))
                else:
                    os.remove(mutant_path)
                if log:
                    note = note.replace(work + "/", "").replace("\t", " ").replace("\n", " ")
                    log.write(f"{name}\t{index}\t{kind}\t{description}\t{place}\t{verdict}\t{note}\n")
                    log.flush()
            rows.append((name, len(numbers_), counts, silent))
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v), file=sys.stderr)

    lines = [
        f"Seed {args.seed}, {args.mutants} mutants per file, time limit {args.timeout:g} s.",
        "",
        "| file | mutants | CRASH | HANG | ERROR | WARNED | SAME | SILENT-DIFF | of which in samples / mixed / structure / cut |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    totals = {outcome: 0 for outcome in OUTCOMES}
    total_silent = {"samples": 0, "mixed": 0, "structure": 0, "cut": 0}
    for name, mutants, counts, silent in rows:
        for key in OUTCOMES:
            totals[key] += counts[key]
        for key in silent:
            total_silent[key] += silent[key]
        cells = " | ".join(str(counts[key]) for key in OUTCOMES)
        lines.append(f"| {name} | {mutants} | {cells} | {silent['samples']} / {silent['mixed']} / {silent['structure']} / {silent['cut']} |")
    cells = " | ".join(f"**{totals[key]}**" for key in OUTCOMES)
    all_mutants = sum(row[1] for row in rows)
    lines.append(
        f"| **all** | **{all_mutants}** | {cells} | "
        f"{total_silent['samples']} / {total_silent['mixed']} / {total_silent['structure']} / {total_silent['cut']} |"
    )
    table = "\n".join(lines) + "\n"
    if args.table:
        with open(args.table, "w", encoding="utf-8") as file:
            file.write(table)
    else:
        sys.stdout.write(table)


if __name__ == "__main__":
    main()
