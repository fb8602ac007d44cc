#!/usr/bin/env python3
"""Independent reference implementation of the DR measurement of foobar2000's
DR Meter 1.0.8 (x64, default settings), as docs/ALGORITHM.md states it.

Written from the spec text, independently of the Rust code in crates/. Pure
Python 3 standard library: every step is plain arithmetic that reads against
the spec, section by section (the § numbers below are ALGORITHM.md's).

Samples are what foobar2000 hands the component: f64, integer PCM scaled by
1/2^(bits-1) (unsigned 8-bit: (v-128)/128), floats widened exactly. Audio is
decoded by `ffmpeg` (other formats) or by read_wav() below (WAV, no tools).

Usage:
    dr_reference.py FILE [FILE ...]     one JSON object per file (a list if
                                        several); full-precision floats
    dr_reference.py --pretty FILE       indented JSON
"""

import json
import math
import os
import struct
import subprocess
import sys
from array import array

# ---------------------------------------------------------------- constants
# §1: W = trunc(rate * this), computed in f64.
WINDOW_SECONDS = 3.0040816326530613
# §2: peak and RMS keys are lround(KEY_SCALE * log10(x)), in 0.01 dB.
KEY_SCALE = 2000.0
# §2: the peak slots start empty with this key and amplitude 0.
EMPTY_PEAK_KEY = -100000
# §2: RMS keys are clamped to [KEY_MIN, 0]; bin = key - KEY_MIN (0..=10000).
KEY_MIN = -10000
HIST_BINS = 10001
# §3: the loudest fifth of the windows.
LOUD_DIVISOR = 5

# Codecs whose decoders output (lossy) float samples: decoded to f64le.
LOSSY_CODECS = {"mp3", "mp2", "mp1", "aac", "aac_latm", "vorbis", "opus",
                "ac3", "eac3", "wmav1", "wmav2", "wmapro", "musepack7",
                "musepack8", "dts"}


# ---------------------------------------------------------------- arithmetic
def f32(x):
    """IEEE binary32 narrowing (round to nearest even), back as a float."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def lround(x):
    """C's lround: to nearest, halves away from zero, with no double rounding
    (floor(x + 0.5) would round the addition first)."""
    if x < 0:
        return -lround(-x)
    fl = math.floor(x)
    # exact for x >= 0: floor(x) is a multiple of x's ulp, at most x
    return int(fl) + (1 if x - fl >= 0.5 else 0)


def window_frames(rate):
    """§1: trunc(rate * 3.0040816326530613) in f64."""
    return math.floor(rate * WINDOW_SECONDS)


def centi_db_key(value):
    """§2: lround(2000 * log10(value)) for value > 0: the level in 0.01 dB."""
    return lround(KEY_SCALE * math.log10(value))


def bin_power(b):
    """§3: the power a window of bin b stands for: 10^((b*0.01 - 100) / 10)."""
    return 10.0 ** ((b * 0.01 - 100) / 10)


def loud_target(n_windows):
    """§3: target = max(1, N / 5), integer division."""
    return max(1, n_windows // LOUD_DIVISOR)


def official(dr_f32):
    """§6/§7: the shown DR<n>, n = trunc(x + 0.5)."""
    return math.trunc(dr_f32 + 0.5)


def db(value):
    """§8: f32(20 * log10(value)); None (printed -inf) for 0."""
    if value == 0:
        return None
    return f32(20.0 * math.log10(value))


def fmt_db(value_db):
    """§8: '%.2f' in the C locale, '-inf' for None, and never '-0.00':
    a value strictly between -0.01 and 0.01 prints 0.00."""
    if value_db is None:
        return "-inf"
    if -0.01 < value_db < 0.01:
        return "0.00"
    return "%.2f" % value_db


def fmt_dr(dr_f32):
    """A channel's DR in dB as the log prints it: '%.2f' of the f32 value."""
    return "%.2f" % dr_f32


def duration_seconds(frames, rate):
    """§8: llround(frames / rate), the division in f64."""
    return lround(frames / rate) if rate else 0


def fmt_duration(frames, rate):
    """§8: m:ss below an hour, h:mm:ss below a day, Dd h:mm:ss below a week,
    else Wwk Dd h:mm:ss."""
    s = duration_seconds(frames, rate)
    mm_ss = "%02d:%02d" % (s // 60 % 60, s % 60)
    if s < 3600:
        return "%d:%02d" % (s // 60, s % 60)
    if s < 86400:
        return "%d:%s" % (s // 3600, mm_ss)
    hms = "%d:%s" % (s // 3600 % 24, mm_ss)
    if s < 7 * 86400:
        return "%dd %s" % (s // 86400, hms)
    return "%dwk %dd %s" % (s // (7 * 86400), s // 86400 % 7, hms)


# ---------------------------------------------------------------- one channel
def analyse_channel(xs, rate):
    """§1-§5 for one channel's samples xs (a list of floats)."""
    n_frames = len(xs)
    W = window_frames(rate)
    hist = [0] * HIST_BINS
    n_windows = 0
    sum_rms2 = 0.0
    primary_key, primary_amp = EMPTY_PEAK_KEY, 0.0
    secondary_key, secondary_amp = EMPTY_PEAK_KEY, 0.0

    # §1: windows back to back from frame 0; any non-empty tail is a window.
    for lo in range(0, n_frames, W):
        window = xs[lo:lo + W]
        n = len(window)
        # §2: Σx² in f64 in sample order (a plain running sum, as foobar).
        total = 0.0
        for x in window:
            total += x * x
        peak = max(abs(x) for x in window)
        rms2 = 2 * total / n
        rms = math.sqrt(rms2)
        n_windows += 1
        sum_rms2 += rms2

        # §2 peak ranking by key, strict comparisons: ties keep arrival order.
        if peak > 0:
            pk = centi_db_key(peak)
            if pk > primary_key:
                secondary_key, secondary_amp = primary_key, primary_amp
                primary_key, primary_amp = pk, peak
            elif pk > secondary_key:
                secondary_key, secondary_amp = pk, peak

        # §2 histogram: zero-RMS windows count in N but enter no bin.
        if rms != 0:
            rk = min(max(centi_db_key(rms), KEY_MIN), 0)
            hist[rk - KEY_MIN] += 1

    # §3: whole bins from the top until `target` windows are taken.
    target = loud_target(n_windows)
    taken = 0
    power = 0.0
    for b in range(HIST_BINS - 1, -1, -1):
        count = hist[b]
        if count == 0:
            continue
        taken += count
        power += count * bin_power(b)
        if taken >= target:
            break
    loud_rms = math.sqrt(power / taken) if taken else 0.0

    # §4: DR from the second peak (the first if there is none); negative ->
    # the primary peak, clamped at 0.
    sel = secondary_amp if secondary_amp > 0 else primary_amp
    dr_peak = sel
    if sel > 0 and taken > 0 and loud_rms != 0:
        dr = -20 * math.log10(loud_rms / sel)
        if dr < 0:
            dr_peak = primary_amp
            dr = max(-20 * math.log10(loud_rms / primary_amp), 0.0)
    else:
        dr = 0.0

    # §5: the RMS column, quadratic mean of the window RMS values.
    channel_rms = math.sqrt(sum_rms2 / n_windows) if n_windows else 0.0

    return {
        "dr": dr,                       # f64, as the track mean uses it
        "dr_f32": f32(dr),              # §4 published
        "rms": f32(channel_rms),        # §4/§5 published
        "peak": f32(primary_amp),       # §4 published: the sample peak
        "dr_peak": dr_peak,             # the peak the DR used
        "loud_rms": loud_rms,
        # §4's "otherwise": no peak or no histogram entry (DR 0 by rule)
        "silent": not (primary_amp > 0 and taken > 0 and loud_rms != 0),
        "windows": n_windows,
        "target": target,
        "taken": taken,
        "primary_key": primary_key if primary_amp > 0 else None,
        "secondary_key": secondary_key if secondary_amp > 0 else None,
        "primary_amp": primary_amp,
        "secondary_amp": secondary_amp,
    }


# ---------------------------------------------------------------- a track
def analyse(channels, rate):
    """§6 and §8 for a track given as a list of channels (lists of floats)."""
    per_ch = [analyse_channel(xs, rate) for xs in channels]
    n_frames = len(channels[0]) if channels else 0
    C = len(per_ch)
    # §6: the f32 mean over ALL channels of the f64 channel DRs.
    track_dr = f32(sum(c["dr"] for c in per_ch) / C) if C else 0.0
    # §8: row Peak = max f32 peak; row RMS = quadratic mean over channels of
    # the f32 RMS, each square done in f32.
    peak = max((c["peak"] for c in per_ch), default=0.0)
    rms = math.sqrt(sum(f32(c["rms"] * c["rms"]) for c in per_ch) / C) if C else 0.0
    for c in per_ch:
        c["dr_text"] = fmt_dr(c["dr_f32"])
        c["rms_text"] = fmt_db(db(c["rms"]))
    return {
        "sample_rate": rate,
        "channels": C,
        "frames": n_frames,
        "window_frames": window_frames(rate),
        "per_channel": per_ch,
        "dr": track_dr,
        "official_dr": official(track_dr),
        "peak": peak,
        "rms": rms,
        "peak_db": db(peak),
        "rms_db": db(rms),
        "peak_text": fmt_db(db(peak)),
        "rms_text": fmt_db(db(rms)),
        "duration_seconds": duration_seconds(n_frames, rate),
        "duration_text": fmt_duration(n_frames, rate),
    }


def album_dr(track_drs):
    """§7: f32 of the mean of the tracks' f32 DRs (DR0 tracks included)."""
    if not track_drs:
        return 0.0
    return f32(sum(track_drs) / len(track_drs))


# ---------------------------------------------------------------- WAV reading
# Channel labels by WAVE_FORMAT_EXTENSIBLE mask bit (SPEAKER_* order).
MASK_LABELS = ["FL", "FR", "FC", "LFE", "BL", "BR", "FCL", "FCR", "BC", "SL",
               "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR"]


def read_wav(path):
    """A WAV file's samples as foobar2000 hands them, without ffmpeg.
    Returns (info dict, list of channels)."""
    with open(path, "rb") as fh:
        blob = fh.read()
    if blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise ValueError("%s: not a RIFF/WAVE file" % path)
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(blob):
        cid, size = blob[pos:pos + 4], struct.unpack_from("<I", blob, pos + 4)[0]
        payload = blob[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = payload
        elif cid == b"data":
            data = payload
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError("%s: no fmt or data chunk" % path)
    tag, nch, rate, _, block, bits = struct.unpack_from("<HHIIHH", fmt)
    mask = None
    if tag == 0xFFFE:
        mask = struct.unpack_from("<I", fmt, 20)[0]
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if tag == 3 and bits in (32, 64):
        raw = array("f" if bits == 32 else "d")
        raw.frombytes(data[:len(data) // block * block])
        if sys.byteorder != "little":
            raw.byteswap()
        values = raw.tolist()
    elif tag == 1 and bits == 8:
        values = [(v - 128) / 128 for v in data]
    elif tag == 1 and bits in (16, 24, 32):
        width = bits // 8
        scale = 1.0 / (1 << (bits - 1))           # a power of two: exact
        n = len(data) // width
        values = [int.from_bytes(data[i * width:(i + 1) * width], "little",
                                 signed=True) * scale for i in range(n)]
    else:
        raise ValueError("%s: unsupported WAV format tag %d, %d bits" % (path, tag, bits))
    labels = default_labels(nch)
    if mask:
        named = [MASK_LABELS[b] for b in range(len(MASK_LABELS)) if mask >> b & 1][:nch]
        labels = named + labels[len(named):]
    info = {"codec": "pcm_float" if tag == 3 else "pcm", "sample_rate": rate,
            "bits": bits, "channels": nch, "channel_labels": labels,
            "float": tag == 3}
    return info, [values[c::nch] for c in range(nch)]


# ---------------------------------------------------------------- ffmpeg decoding
# ffprobe channel layouts -> speaker labels (decoder channel order).
LAYOUT_LABELS = {
    "mono": ["FC"],
    "stereo": ["FL", "FR"],
    "2.1": ["FL", "FR", "LFE"],
    "3.0": ["FL", "FR", "FC"],
    "quad": ["FL", "FR", "BL", "BR"],
    "quad(side)": ["FL", "FR", "SL", "SR"],
    "5.0": ["FL", "FR", "FC", "BL", "BR"],
    "5.0(side)": ["FL", "FR", "FC", "SL", "SR"],
    "5.1": ["FL", "FR", "FC", "LFE", "BL", "BR"],
    "5.1(side)": ["FL", "FR", "FC", "LFE", "SL", "SR"],
    "7.1": ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
}


def default_labels(channels):
    """Without a layout: mono under FC, stereo FL FR, anything else unnamed."""
    if channels == 1:
        return ["FC"]
    if channels == 2:
        return ["FL", "FR"]
    return ["Ch %d" % (i + 1) for i in range(channels)]


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
    """The raw output format matching the file's native samples:
    (ffmpeg_format, ffmpeg_codec, array_typecode, bits or None, shift)."""
    fmt = (info["sample_fmt"] or "").rstrip("p")   # planar -> packed
    if info["codec"] in LOSSY_CODECS or fmt in ("flt", "dbl"):
        return ("f64le", "pcm_f64le", "d", None, 0)
    if fmt == "u8":
        return ("u8", "pcm_u8", "B", 8, 0)
    if fmt == "s16":
        return ("s16le", "pcm_s16le", "h", 16, 0)
    if fmt == "s32":
        bits = info["bits_per_raw_sample"] or info["bits_per_sample"] or 32
        if bits > 32 or bits < 17:
            bits = 32
        # ffmpeg left-justifies b-bit samples in s32: v32 = v << (32 - b).
        return ("s32le", "pcm_s32le", "i", bits, 32 - bits)
    raise ValueError("unsupported sample format %r" % info["sample_fmt"])


def decode(path):
    """ffmpeg-decoded samples as foobar hands them: (info, plan, channels)."""
    info = probe(path)
    ffmt, fcodec, tc, bits, shift = decode_plan(info)
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0",
         "-f", ffmt, "-acodec", fcodec, "-"],
        check=True, capture_output=True).stdout
    data = array(tc)
    data.frombytes(raw)
    if sys.byteorder != "little" and data.itemsize > 1:
        data.byteswap()
    ch = info["channels"]
    assert len(data) % ch == 0, "partial frame in decoder output"
    values = data.tolist()
    if tc == "B":                                   # unsigned 8-bit
        values = [(v - 128) / 128 for v in values]
    elif bits is not None:
        if shift:
            mask = (1 << shift) - 1
            assert all((v & mask) == 0 for v in values), \
                "s32 samples are not %d-bit left-justified" % bits
        scale = 1.0 / (1 << (bits - 1 + shift))     # exact power of two
        values = [v * scale for v in values]
    return info, (ffmt, bits), [values[c::ch] for c in range(ch)]


def analyse_file(path):
    """Measures one file (ffmpeg decoding); the result also says what was decoded."""
    info, (ffmt, bits), channels = decode(path)
    res = analyse(channels, info["sample_rate"])
    return {
        "codec": info["codec"],
        "sample_fmt": info["sample_fmt"],
        "channel_layout": info["channel_layout"],
        "decoded_as": ffmt,
        "bits": bits,
        "lossy": info["codec"] in LOSSY_CODECS,
        "channel_labels": (LAYOUT_LABELS.get(info["channel_layout"] or "")
                           or default_labels(info["channels"])),
        **res,
    }


def analyse_wav(path):
    """Measures one WAV file read by read_wav (no ffmpeg)."""
    info, channels = read_wav(path)
    return {**info, **analyse(channels, info["sample_rate"])}


def main(argv):
    pretty = "--pretty" in argv
    paths = [a for a in argv if a != "--pretty"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    results = [{"file": p, **analyse_file(p)} for p in paths]
    out = results[0] if len(results) == 1 else results
    json.dump(out, sys.stdout, indent=2 if pretty else None)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
