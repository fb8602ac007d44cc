#!/usr/bin/env python3
"""Hand-computed cases (ALGORITHM.md §10 and the rules it rests on) for the
reference implementation dr_reference.py.

Run:  python3 -m pytest tests/reference        (or)
      python3 tests/reference/test_reference.py

Every expected value is derived in the test from the rule text, not pasted.
"""

import math
import os
import shutil
import struct
import sys
import tempfile
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dr_reference as ref  # noqa: E402

RATE = 44100
W = 132480                      # §1: the window the procedure names at 44.1 kHz


def mono_float(values, rate=RATE):
    return ref.analyse([ref.Samples(list(values), "float")], len(values), rate)


def mono_int(values, bits, rate=RATE):
    return ref.analyse([ref.Samples(list(values), "int", bits)], len(values), rate)


def ch0(res):
    return res["per_channel"][0]


# ---------------------------------------------------------------- §1 windows
def test_window_lengths():
    table = {44100: 132480, 48000: 144195, 88200: 264960, 96000: 288391,
             176400: 529920, 192000: 576783}
    for rate, w in table.items():
        assert ref.window_frames(rate) == w
        # the spec's float formula gives the same numbers
        assert math.floor(rate * 3.0040816326530613) == w


def test_tail_rule_2w_2w1_2w2():
    # 2W frames: no tail -> 2 windows; 2W+1: 1-frame tail dropped -> 2;
    # 2W+2: 2-frame tail counted -> 3.
    for frames, n in ((2 * W, 2), (2 * W + 1, 2), (2 * W + 2, 3)):
        res = mono_float([0.25] * frames)
        assert res["windows"] == n, (frames, res["windows"])
        assert ch0(res)["windows_counted"] == n


def test_tail_rule_every_channel_count():
    for nch in (1, 2, 6):
        chans = [ref.Samples([0.1 * (c + 1)] * (W + 1), "float") for c in range(nch)]
        res = ref.analyse(chans, W + 1, RATE)
        assert res["windows"] == 1
        assert all(c["windows_counted"] == 1 for c in res["per_channel"])
        chans = [ref.Samples([0.1 * (c + 1)] * (W + 2), "float") for c in range(nch)]
        res = ref.analyse(chans, W + 2, RATE)
        assert res["windows"] == 2
        assert all(c["windows_counted"] == 2 for c in res["per_channel"])


def test_dropped_tail_frame_still_counts_for_track_peak_and_rms():
    x = [0.25] * (2 * W) + [0.75]           # the 1-frame tail holds the peak
    c = ch0(mono_float(x))
    assert c["p1"] == 0.25 and c["p2"] == 0.25
    assert c["peak"] == 0.75                # §8: over the whole track
    frames = 2 * W + 1
    expect_rms = math.sqrt(2 * (2 * W * 0.0625 + 0.5625) / frames)
    assert abs(c["rms"] - expect_rms) < 1e-15


# ---------------------------------------------------------------- §3 k
def test_k_values():
    for n, k in ((1, 1), (4, 1), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3),
                 (100, 20)):
        assert ref.loudest_count(n) == k
        assert ref.loudest_count(n) == max(1, n // 5)


def test_rms20_walks_top_k_bins():
    # 10 windows (k = 2) of DC levels 0.01, 0.02 .. 0.10: rms_w = sqrt(2)*level.
    levels = [0.01 * (i + 1) for i in range(10)]
    x = []
    for lv in levels:
        x += [lv] * W
    c = ch0(mono_float(x))
    bins = sorted((int(10000 * math.sqrt(2 * lv * lv)) for lv in levels), reverse=True)
    k = 2
    expect = math.sqrt(sum(b * b * 1e-8 for b in bins[:k]) / k)
    assert abs(c["rms20"] - expect) < 1e-15
    assert c["k"] == 2
    # and 9 windows only -> k = 1 -> the loudest bin alone
    c9 = ch0(mono_float(x[: 9 * W]))
    b9 = int(10000 * math.sqrt(2 * levels[8] ** 2))
    assert abs(c9["rms20"] - b9 / 10000) < 1e-15


def test_histogram_truncates_and_clamps():
    # DC 1.0: rms_w = sqrt(2) >= 1 -> bin 10000 -> rms20 = 1.0
    c = ch0(mono_float([1.0] * W))
    assert c["rms20"] == math.sqrt(10000 * 10000 * 1e-8)
    # DC 0.3: rms_w = 0.42426406... -> trunc -> bin 4242 (not 4243)
    c = ch0(mono_float([0.3] * W))
    assert int(10000 * math.sqrt(2 * 0.09)) == 4242
    assert abs(c["rms20"] - 0.4242) < 1e-15


# ---------------------------------------------------------------- §10 cases
def test_dc_half_30s():
    frames = 30 * RATE
    res = mono_float([0.5] * frames)
    c = ch0(res)
    rms_w = math.sqrt(2 * 0.25)                     # 0.70710678...
    b = int(10000 * rms_w)
    assert b == 7071
    rms20 = math.sqrt(b * b * 1e-8)                 # 0.7071
    dr = 20 * math.log10(0.5 / rms20)
    assert abs(c["rms20"] - rms20) < 1e-15
    assert c["peak_selected"] == 0.5
    assert abs(c["dr"] - dr) < 1e-12
    assert abs(c["dr"] - (-3.0103)) < 1e-3
    # 30 s = 9 full windows + a 130680-frame tail -> N = 10
    assert res["windows"] == 10 and c["k"] == 2
    assert res["official_dr"] == -3


def test_square_half_same_as_dc():
    frames = 30 * RATE
    x = [0.5 if (i // 50) % 2 == 0 else -0.5 for i in range(frames)]
    c = ch0(mono_float(x))
    assert abs(c["dr"] - 20 * math.log10(0.5 / 0.7071)) < 1e-12


def test_sine_half_dr_about_zero():
    frames = 30 * RATE
    f = 997.0
    x = [0.5 * math.sin(2 * math.pi * f * i / RATE) for i in range(frames)]
    c = ch0(mono_float(x))
    assert 0.4999 <= c["rms20"] <= 0.5000 + 1e-12       # bin 4999 or 5000
    assert 0.49 < c["peak_selected"] <= 0.5
    assert abs(c["dr"]) < 0.005
    assert -0.0001 < c["dr"] <= 0.002 + 1e-9


def _lcg_noise(n, amp, seed=12345):
    out = []
    s = seed
    for _ in range(n):
        s = (1103515245 * s + 12345) & 0x7FFFFFFF
        out.append(amp * (s / 0x7FFFFFFF * 2 - 1))
    return out


def test_second_peak_selection():
    x = _lcg_noise(10 * W, 0.01)
    x[3 * W + 1000] = 0.9            # window 3 (0-based)
    x[7 * W + 5000] = 0.6            # window 7
    c = ch0(mono_float(x))
    assert c["p1"] == 0.9 and c["p2"] == 0.6
    assert c["peak_selected"] == 0.6
    assert c["peak"] == 0.9


def test_equal_peaks_count_twice():
    x = _lcg_noise(4 * W, 0.01)
    x[10] = 0.7
    x[2 * W + 10] = -0.7
    c = ch0(mono_float(x))
    assert c["p1"] == 0.7 and c["p2"] == 0.7 and c["peak_selected"] == 0.7


def test_one_window_p2_is_p1():
    x = _lcg_noise(W // 2, 0.01)
    x[100] = 0.8
    c = ch0(mono_float(x))
    assert c["p1"] == 0.8 and c["p2"] == 0.8 and c["peak_selected"] == 0.8


def test_p2_zero_falls_back_to_p1():
    # second window entirely silent: p2 = 0 -> the selected peak is p1
    x = [0.0] * (2 * W)
    x[5] = 0.5
    c = ch0(mono_float(x))
    assert c["p2"] == 0.0 and c["peak_selected"] == 0.5


# ---------------------------------------------------------------- §5/§6
def test_silent_channel_left_out_of_mean():
    frames = 2 * W
    live = ref.Samples([0.5] * frames, "float")
    dead = ref.Samples([0.0] * frames, "float")
    res = ref.analyse([live, dead], frames, RATE)
    a, b = res["per_channel"]
    assert not a["silent"] and b["silent"] and b["dr"] == 0.0
    assert res["precise_dr"] == a["dr"]


def test_below_minus_80_db_is_silent():
    # rms_w < 1e-4 -> bin 0 -> rms20 = 0 -> silent, though the peak is not 0
    c = ch0(mono_float([3e-5] * W))
    assert c["rms20"] == 0.0 and c["silent"]


def test_all_silent_no_dr():
    res = mono_float([0.0] * W)
    assert res["precise_dr"] is None and res["official_dr"] is None


def test_round_half_away_from_zero():
    assert ref.round_half_away(7.5) == 8
    assert ref.round_half_away(8.5) == 9
    assert ref.round_half_away(-7.5) == -8
    assert ref.round_half_away(8.49) == 8
    assert ref.round_half_away(-3.0103) == -3
    assert ref.album_official([7.4, 8.6]) == 8
    assert ref.album_official([7.5, 8.5]) == 8
    assert ref.album_official([7.5, 8.5, 9.5]) == 9     # mean 8.5 -> 9


# ---------------------------------------------------------------- §9
def test_int16_and_float_give_same_dr():
    vals = [int(v * 32767) for v in _lcg_noise(3 * W + 777, 0.8)]
    ri = mono_int(vals, 16)
    rf = mono_float([v / 32768 for v in vals])
    assert abs(ri["precise_dr"] - rf["precise_dr"]) < 1e-9
    assert ch0(ri)["rms20"] == ch0(rf)["rms20"]
    assert ch0(ri)["peak_selected"] == ch0(rf)["peak_selected"]


def test_integer_scaling():
    # x = v / 2^(bits-1); a full-scale negative sample is exactly -1.0
    for bits in (8, 16, 24, 32):
        full = -(2 ** (bits - 1))
        c = ch0(mono_int([full] * 10 + [0] * 10, bits))
        assert c["peak"] == 1.0
        c = ch0(mono_int([2 ** (bits - 2)] * W, bits))        # DC 0.5
        assert abs(c["dr"] - 20 * math.log10(0.5 / 0.7071)) < 1e-12


# ---------------------------------------------------------------- decoding
def _write_wav(path, sampwidth, ints, channels=1, rate=RATE):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sampwidth)
        w.setframerate(rate)
        if sampwidth == 1:
            data = bytes(v + 128 for v in ints)
        elif sampwidth == 3:
            data = b"".join(struct.pack("<i", v)[:3] for v in ints)
        else:
            data = struct.pack("<%d%s" % (len(ints), "h" if sampwidth == 2 else "i"), *ints)
        w.writeframes(data)


def test_decoding_through_ffmpeg_matches_in_memory():
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        print("  (skipped: no ffmpeg)")
        return
    noise = _lcg_noise(W + 5000, 0.7, seed=7)
    d = tempfile.mkdtemp()
    try:
        for width, bits in ((1, 8), (2, 16), (3, 24), (4, 32)):
            scale = 2 ** (bits - 1)
            ints = [max(-scale, min(scale - 1, round(v * scale))) for v in noise]
            path = os.path.join(d, "t%d.wav" % bits)
            _write_wav(path, width, ints)
            got = ref.analyse_file(path)
            want = mono_float([v / scale for v in ints])
            assert got["bits"] == bits, (bits, got["bits"])
            assert got["frames"] == len(ints)
            assert got["windows"] == 2
            assert abs(got["precise_dr"] - want["precise_dr"]) < 1e-9, bits
            assert ch0(got)["peak"] == ch0(want)["peak"]
    finally:
        shutil.rmtree(d)


# ---------------------------------------------------------------- runner
if __name__ == "__main__":
    tests = [(n, f) for n, f in sorted(globals().items())
             if n.startswith("test_") and callable(f)]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
            passed += 1
            print("ok    ", name)
        except Exception as e:          # noqa: BLE001
            failed += 1
            print("FAIL  ", name, repr(e))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
