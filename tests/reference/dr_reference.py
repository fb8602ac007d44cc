#!/usr/bin/env python3
"""Independent reference implementation of the DR measurement.

Written straight from shared/docs/ALGORITHM.md (foobar2000 DR Meter rules),
independently of the Rust code in crates/. Pure Python 3 standard library,
no numpy: every step is plain arithmetic that can be read against the spec.

Audio is decoded by the `ffmpeg` command-line tool into raw interleaved PCM in
the file's native sample format (integers at their own bit depth, floats as
f64), and described by `ffprobe`.

Usage:
    dr_reference.py FILE [FILE ...]          one JSON object per file (a list
                                             if several), full-precision floats
    dr_reference.py --pretty FILE            indented JSON

Exactness:
  * integer PCM: Σx² is an exact Python integer sum of the squared integer
    samples; it is scaled once, as an exact fraction, and rounded to float once
    (correctly rounded), so rms values are the best possible f64 values.
  * float PCM (and every lossy codec, whose decoders output f32): Σx² is
    math.fsum of the f64 squares (exact for f32-valued samples, whose squares
    fit in 53 bits; correctly rounded sum).
"""

import json
import math
import subprocess
import sys
from array import array
from fractions import Fraction

# ---------------------------------------------------------------- constants
# ALGORITHM.md §1: W = floor(rate * 3.0040816326530613), 3.0040816... = 736/245.
WINDOW_NUM = 736
WINDOW_DEN = 245
# §1: a tail counts as a window when it holds at least this many frames.
MIN_TAIL_FRAMES = 2
# §3: histogram of 10001 bins, bin = clamp(trunc(10000 * rms_w), 0, 10000).
HIST_SCALE = 10000
HIST_BINS = 10001
# §3: the loudest 20 %.
LOUDEST_FRACTION = 0.2
# §5: a channel is silent when peak_sel or rms20 is <= this.
SILENCE_THRESHOLD = 1e-12

# Codecs whose decoders output (lossy) float samples: decoded to f64le.
LOSSY_CODECS = {"mp3", "mp2", "mp1", "aac", "aac_latm", "vorbis", "opus",
                "ac3", "eac3", "wmav1", "wmav2", "wmapro", "musepack7",
                "musepack8", "dts"}


def window_frames(sample_rate):
    """§1: floor(sample_rate * 736/245), computed exactly with integers."""
    return (sample_rate * WINDOW_NUM) // WINDOW_DEN


def loudest_count(n_windows):
    """§3: k = max(1, trunc(0.2 * N))."""
    return max(1, int(LOUDEST_FRACTION * n_windows))


def round_half_away(x):
    """§6: round half away from zero."""
    if x >= 0:
        return int(math.floor(x + 0.5))
    return -int(math.floor(-x + 0.5))


# ---------------------------------------------------------------- one channel
class Samples:
    """One channel's samples plus how to turn them into floats in [-1, 1].

    kind 'int': values are Python ints v, x = v / 2**(bits-1) (for unsigned
                8-bit the caller has already subtracted 128, bits = 8).
    kind 'float': values are floats, x = v.
    """

    def __init__(self, values, kind, bits=None):
        assert kind in ("int", "float")
        self.values = values
        self.kind = kind
        self.bits = bits
        if kind == "int":
            self.scale = 2 ** (bits - 1)          # x = v / scale

    def sum_squares(self, lo, hi):
        """Σ v² over [lo, hi): exact int for 'int', fsum for 'float'."""
        chunk = self.values[lo:hi]
        if self.kind == "int":
            return sum(v * v for v in chunk)
        return math.fsum(v * v for v in chunk)

    def max_abs(self, lo, hi):
        chunk = self.values[lo:hi]
        return max(abs(v) for v in chunk) if hi > lo else 0

    def mean_square_x2(self, total, n):
        """2 * Σx² / n as a float (x scaled to [-1, 1])."""
        if self.kind == "int":
            # exact fraction, rounded once
            return float(Fraction(2 * total, n * self.scale * self.scale))
        return 2.0 * total / n

    def to_unit(self, v):
        """A sample (or max |sample|) as the float x."""
        if self.kind == "int":
            return float(Fraction(v, self.scale))   # exact: power of two
        return float(v)


def analyse_channel(samples, n_frames, sample_rate):
    """Measure one channel (§1-§5, §8). Returns a dict of linear values."""
    W = window_frames(sample_rate)

    # §1 windows: back to back from frame 0; the tail counts if >= 2 frames.
    bounds = []
    start = 0
    while start < n_frames:
        end = min(start + W, n_frames)
        if end - start == W or end - start >= MIN_TAIL_FRAMES:
            bounds.append((start, end))
        start = end

    # §2 per window: rms_w = sqrt(2*sum/n), peak_w = max |x|.
    hist = [0] * HIST_BINS
    counted = 0
    p1 = 0.0
    p2 = 0.0
    n_windows_with_peak = 0
    for lo, hi in bounds:
        n = hi - lo
        s = samples.sum_squares(lo, hi)
        rms_w = math.sqrt(samples.mean_square_x2(s, n))
        peak_w = samples.to_unit(samples.max_abs(lo, hi))

        # §3 histogram: trunc, clamp, non-finite values not counted.
        if math.isfinite(rms_w):
            b = int(HIST_SCALE * rms_w)           # trunc toward zero
            b = min(max(b, 0), HIST_BINS - 1)
            hist[b] += 1
            counted += 1

        # §4 the two largest window peaks (equal values count twice).
        n_windows_with_peak += 1
        if peak_w > p1:
            p2 = p1
            p1 = peak_w
        elif peak_w > p2:
            p2 = peak_w
    if n_windows_with_peak == 1:
        p2 = p1                                    # one window: p2 = p1

    # §3 rms20: walk bins from the top until k windows are taken.
    k = loudest_count(counted)
    remaining = k
    acc = 0.0
    for b in range(HIST_BINS - 1, -1, -1):
        if remaining == 0:
            break
        take = min(hist[b], remaining)
        if take:
            acc += take * b * b * 1e-8
            remaining -= take
    rms20 = math.sqrt(acc / k)

    # §4 selected peak.
    peak_sel = p2 if p2 > 0 else p1

    # §5 DR of the channel, silent rule.
    if peak_sel > 0 and rms20 > 0:
        dr = 20.0 * math.log10(peak_sel / rms20)
    else:
        dr = 0.0
    silent = peak_sel <= SILENCE_THRESHOLD or rms20 <= SILENCE_THRESHOLD

    # §8 track peak / RMS over the whole channel (all frames).
    track_peak = samples.to_unit(samples.max_abs(0, n_frames))
    if n_frames > 0:
        total = samples.sum_squares(0, n_frames)
        track_rms = math.sqrt(samples.mean_square_x2(total, n_frames))
    else:
        track_rms = 0.0

    return {
        "dr": dr,
        "peak_selected": peak_sel,
        "p1": p1,
        "p2": p2,
        "rms20": rms20,
        "peak": track_peak,
        "rms": track_rms,
        "silent": silent,
        "windows_counted": counted,
        "k": k,
    }


def analyse(channels, n_frames, sample_rate):
    """Measure a track given per-channel Samples. §6 track DR."""
    per_ch = [analyse_channel(c, n_frames, sample_rate) for c in channels]
    live = [c["dr"] for c in per_ch if not c["silent"]]
    if live:
        precise = sum(live) / len(live)
        official = round_half_away(precise)
    else:
        precise = None
        official = None
    W = window_frames(sample_rate)
    full, tail = divmod(n_frames, W)
    windows = full + (1 if tail >= MIN_TAIL_FRAMES else 0)
    return {
        "sample_rate": sample_rate,
        "channels": len(channels),
        "frames": n_frames,
        "window_frames": W,
        "windows": windows,
        "per_channel": per_ch,
        "precise_dr": precise,
        "official_dr": official,
    }


def album_official(precise_drs):
    """§7: album DR = mean of the tracks' precise DRs, rounded half away."""
    vals = [p for p in precise_drs if p is not None]
    if not vals:
        return None
    return round_half_away(sum(vals) / len(vals))


# ---------------------------------------------------------------- decoding
def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0",
         "-show_entries",
         "stream=codec_name,sample_fmt,sample_rate,channels,channel_layout,"
         "bits_per_sample,bits_per_raw_sample",
         "-of", "json", path],
        check=True, capture_output=True).stdout
    st = json.loads(out)["streams"][0]

    def as_int(v):
        try:
            return int(v)
        except (TypeError, ValueError):
            return 0

    return {
        "codec": st.get("codec_name"),
        "sample_fmt": st.get("sample_fmt"),
        "sample_rate": as_int(st.get("sample_rate")),
        "channels": as_int(st.get("channels")),
        "channel_layout": st.get("channel_layout"),
        "bits_per_sample": as_int(st.get("bits_per_sample")),
        "bits_per_raw_sample": as_int(st.get("bits_per_raw_sample")),
    }


def decode_plan(info):
    """Pick the raw output format matching the file's native samples.

    Returns (ffmpeg_format, ffmpeg_codec, array_typecode, kind, bits, shift).
    """
    fmt = (info["sample_fmt"] or "").rstrip("p")   # planar -> packed
    if info["codec"] in LOSSY_CODECS or fmt in ("flt", "dbl"):
        return ("f64le", "pcm_f64le", "d", "float", None, 0)
    if fmt == "u8":
        return ("u8", "pcm_u8", "B", "int", 8, 0)
    if fmt == "s16":
        return ("s16le", "pcm_s16le", "h", "int", 16, 0)
    if fmt == "s32":
        bits = info["bits_per_raw_sample"] or info["bits_per_sample"] or 32
        if bits > 32 or bits < 17:
            bits = 32
        # ffmpeg left-justifies b-bit samples in s32: v32 = v << (32 - b).
        return ("s32le", "pcm_s32le", "i", "int", bits, 32 - bits)
    raise ValueError("unsupported sample format %r" % info["sample_fmt"])


def decode(path):
    info = probe(path)
    ffmt, fcodec, tc, kind, bits, shift = decode_plan(info)
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0",
         "-f", ffmt, "-acodec", fcodec, "-"],
        check=True, capture_output=True).stdout
    data = array(tc)
    assert data.itemsize == {"d": 8, "B": 1, "h": 2, "i": 4}[tc]
    data.frombytes(raw)
    if sys.byteorder != "little" and data.itemsize > 1:
        data.byteswap()
    ch = info["channels"]
    assert len(data) % ch == 0, "partial frame in decoder output"
    n_frames = len(data) // ch
    channels = []
    for c in range(ch):
        vals = data[c::ch]
        if tc == "B":                               # unsigned 8-bit
            vals = [v - 128 for v in vals]
        elif shift:
            lst = vals.tolist()
            mask = (1 << shift) - 1
            assert all((v & mask) == 0 for v in lst), \
                "s32 samples are not %d-bit left-justified" % bits
            vals = [v >> shift for v in lst]
        else:
            vals = vals.tolist()
        channels.append(Samples(vals, kind, bits))
    return info, (ffmt, kind, bits), channels, n_frames


def analyse_file(path):
    info, (ffmt, kind, bits), channels, n_frames = decode(path)
    res = analyse(channels, n_frames, info["sample_rate"])
    res = {
        "codec": info["codec"],
        "sample_fmt": info["sample_fmt"],
        "channel_layout": info["channel_layout"],
        "decoded_as": ffmt,
        "bits": bits,
        **res,
    }
    return res


def main(argv):
    pretty = False
    paths = []
    for a in argv:
        if a == "--pretty":
            pretty = True
        else:
            paths.append(a)
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    results = []
    for p in paths:
        r = analyse_file(p)
        r = {"file": p, **r}
        results.append(r)
    out = results[0] if len(results) == 1 else results
    json.dump(out, sys.stdout, indent=2 if pretty else None)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
