#!/usr/bin/env python3
"""Hand-computed cases for the reference implementation dr_reference.py:
ALGORITHM.md §10 and the rules behind them, every expected value derived in
the test from the rule text (the arithmetic is written out), never pasted
from a run.

Run:  python3 tests/reference/test_reference.py     (or: python3 -m pytest tests/reference)
"""

import math
import os
import shutil
import struct
import sys
import tempfile
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dr_log  # noqa: E402
import dr_reference as ref  # noqa: E402

W8 = 24032                      # §1 at 8 kHz: trunc(8000 * 3.0040816326530613)


def mono(values, rate=8000):
    return ref.analyse([list(values)], rate)


def ch0(res):
    return res["per_channel"][0]


def key(x):
    """§2 by hand: the level in 0.01 dB, halves away from zero."""
    v = 2000 * math.log10(x)
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def bin_power(k):
    """§3 by hand: the power of the bin of RMS key k (bin = k + 10000)."""
    return 10 ** (((k + 10000) * 0.01 - 100) / 10)


# ---------------------------------------------------------------- §1 windows
def test_window_lengths():
    table = {8000: 24032, 44100: 132480, 48000: 144195, 88200: 264960,
             96000: 288391, 176400: 529920, 192000: 576783}
    for rate, w in table.items():
        assert ref.window_frames(rate) == w
        assert math.trunc(rate * 3.0040816326530613) == w


def _w_and_w_plus_one(rate):
    W = {44100: 132480, 48000: 144195}[rate]
    # W frames: sample 0 at 1.0, the rest DC 0.1 -> exactly one window.
    body = [1.0] + [0.1] * (W - 1)
    one = mono(body, rate)
    c = ch0(one)
    assert c["windows"] == 1
    rms2 = 2 * (1.0 + 0.01 * (W - 1)) / W        # the running sum, by hand
    assert abs(c["rms"] - ref.f32(math.sqrt(rms2))) <= 1e-7 * c["rms"]
    # W + 1 frames: the 1-frame tail (0.5) is a window of its own,
    # normalised by 1 frame: rms2 = 2 * 0.25 / 1 = 0.5.
    two = mono(body + [0.5], rate)
    c = ch0(two)
    assert c["windows"] == 2
    assert c["rms"] == ref.f32(math.sqrt((rms2 + 0.5) / 2))     # §5 over both windows
    # N = 2 -> target 1: the loudest bin is the tail's, key of sqrt(0.5) = -301.
    assert key(math.sqrt(0.5)) == -301
    loud = math.sqrt(bin_power(-301))
    assert c["taken"] == 1 and abs(c["loud_rms"] - loud) < 1e-15
    # peaks: window 1 -> 1.0 (key 0) primary, the tail 0.5 (key -602) secondary.
    # DR with 0.5: -20 log10(loud / 0.5) = 3.01 - 6.02 < 0 -> fallback to 1.0.
    assert -20 * math.log10(loud / 0.5) < 0
    assert c["dr_peak"] == 1.0
    assert abs(c["dr"] - (-20 * math.log10(loud))) < 1e-12
    assert c["dr_text"] == "3.01"


def test_w_and_w_plus_one_at_44100():
    _w_and_w_plus_one(44100)


def test_w_and_w_plus_one_at_48000():
    _w_and_w_plus_one(48000)


def test_zero_frames_no_window():
    res = ref.analyse([[]], 8000)
    assert ch0(res)["windows"] == 0 and res["dr"] == 0 and res["official_dr"] == 0
    assert res["rms_text"] == "-inf" and res["peak_text"] == "-inf"


# ---------------------------------------------------------------- §10 one frame
def test_one_frame_of_half():
    res = mono([0.5])
    # Peak: 20 log10(0.5) = -6.0206; RMS: sqrt(2 * 0.25 / 1) = 0.7071 -> -3.0103.
    assert res["peak_text"] == "-6.02"
    assert res["rms_text"] == "-3.01"
    # one window: primary 0.5, no secondary -> sel 0.5; loud = bin centre of
    # key -301 = 10^(-3.01/20) = 0.70711 > 0.5 -> DR < 0 -> primary (same) -> clamp 0.
    assert res["official_dr"] == 0 and res["dr"] == 0.0
    assert res["duration_text"] == "0:00"


# ---------------------------------------------------------------- §3 target
def _dc_windows(levels):
    """One 8 kHz window of DC `level` per entry: window RMS = level * sqrt(2)."""
    x = []
    for lv in levels:
        x += [lv] * W8
    return ch0(mono(x))


def test_target_n9_is_1():
    c = _dc_windows([0.5] + [0.25] * 2 + [0.1] * 6)
    assert c["windows"] == 9 and c["target"] == 9 // 5 == 1
    # the top bin alone: key of 0.5 sqrt 2 = 0.7071 -> -301
    assert c["taken"] == 1
    assert abs(c["loud_rms"] - math.sqrt(bin_power(key(0.5 * math.sqrt(2))))) < 1e-15


def test_target_n10_is_2_and_the_tied_bin_is_taken_whole():
    c = _dc_windows([0.5] + [0.25] * 2 + [0.1] * 7)
    assert c["windows"] == 10 and c["target"] == 10 // 5 == 2
    # bins from the top: key -301 (1 window) then key -903 (2 windows, taken
    # whole although only 1 more is needed): taken = 3, not 2.
    k1, k2 = key(0.5 * math.sqrt(2)), key(0.25 * math.sqrt(2))
    assert (k1, k2) == (-301, -903)
    assert c["taken"] == 3
    loud = math.sqrt((1 * bin_power(k1) + 2 * bin_power(k2)) / 3)
    assert abs(c["loud_rms"] - loud) < 1e-15


def test_zero_rms_windows_count_in_n_but_enter_no_bin():
    # 4 silent windows, then one of DC 0.5: N = 5 -> target 1; only one bin entry.
    c = _dc_windows([0.0] * 4 + [0.5])
    assert c["windows"] == 5 and c["target"] == 1 and c["taken"] == 1
    # channel RMS (§5): sqrt((0 * 4 + 2 * 0.25) / 5) = sqrt(0.1)
    assert c["rms"] == ref.f32(math.sqrt(0.1))


def test_rms_keys_clamp_to_the_histogram():
    # DC 1.0: RMS sqrt 2 = +3.01 dB, key 301 -> clamped to 0 (bin 10000): loud = 1.0
    c = _dc_windows([1.0])
    assert c["loud_rms"] == math.sqrt(10 ** ((10000 * 0.01 - 100) / 10)) == 1.0
    # a window of peak 1e-3 and RMS sqrt(2 * 1e-6 / W8) = 9.12e-6 (-100.8 dB,
    # key -10080) lands in bin 0: loud = 10^(-100/20) = 1e-5 -> DR 40.00, not 40.8.
    x = [1e-3] + [0.0] * (W8 - 1)
    assert key(math.sqrt(2 * 1e-6 / W8)) < -10000
    c = ch0(mono(x))
    assert abs(c["loud_rms"] - 1e-5) < 1e-20
    assert c["dr_text"] == "%.2f" % (-20 * math.log10(1e-5 / 1e-3)) == "40.00"


# ---------------------------------------------------------------- §2 peak ranking
def _two_peaks(first, second):
    """Two 8 kHz windows of DC 0.1, each opening with its peak."""
    x = []
    for p in (first, second):
        x += [p] + [0.1] * (W8 - 1)
    return ch0(mono(x))


def test_equal_peak_keys_keep_arrival_order_both_ways():
    a, b = 0.5, 0.5 * (1 + 1e-6)
    assert a < b and key(a) == key(b) == -602
    # (a, b): b's key does not beat the primary's (a) -> b becomes secondary: DR uses b.
    c = _two_peaks(a, b)
    assert (c["primary_amp"], c["secondary_amp"], c["dr_peak"]) == (a, b, b)
    # (b, a): b primary, a secondary: DR uses a. Ranking by raw amplitude would
    # have used a both times.
    c = _two_peaks(b, a)
    assert (c["primary_amp"], c["secondary_amp"], c["dr_peak"]) == (b, a, a)
    # the published peak is the primary's raw amplitude, narrowed to f32
    assert c["peak"] == ref.f32(b)


def test_a_higher_key_pushes_the_primary_down():
    c = _two_peaks(0.5, 0.9)
    assert (c["primary_amp"], c["secondary_amp"]) == (0.9, 0.5)
    c = _two_peaks(0.9, 0.5)
    assert (c["primary_amp"], c["secondary_amp"]) == (0.9, 0.5)


# ---------------------------------------------------------------- §6 channels
def test_stereo_with_one_silent_channel_halves_the_dr():
    # left: 10 equal windows, peak 1.0 then DC 0.1; right: silence.
    left = ([1.0] + [0.1] * (W8 - 1)) * 10
    res = ref.analyse([left, [0.0] * len(left)], 8000)
    lc, rc = res["per_channel"]
    # left by hand: all 10 windows in one bin (target 2, taken 10), sel = 1.0
    # (the second window's equal key makes it secondary).
    k = key(math.sqrt(2 * (1.0 + 0.01 * (W8 - 1)) / W8))
    loud = math.sqrt(10 * bin_power(k) / 10)
    dr_left = -20 * math.log10(loud / 1.0)
    assert lc["taken"] == 10 and abs(lc["dr"] - dr_left) < 1e-12
    # right: no peak, no bin -> DR 0, RMS -inf; counted in the mean.
    assert rc["dr"] == 0.0 and rc["dr_text"] == "0.00" and rc["rms_text"] == "-inf"
    assert res["dr"] == ref.f32((dr_left + 0.0) / 2)
    assert res["official_dr"] == math.trunc(ref.f32(dr_left / 2) + 0.5)
    # row RMS (§8): sqrt((f32(rc_l^2) + 0) / 2)
    rl = lc["rms"]
    assert res["rms"] == math.sqrt((ref.f32(rl * rl) + 0.0) / 2)


def test_all_silent_is_dr0():
    res = ref.analyse([[0.0] * (2 * W8)] * 2, 8000)
    assert res["dr"] == 0.0 and res["official_dr"] == 0
    assert res["peak_text"] == "-inf" and res["rms_text"] == "-inf"


# ---------------------------------------------------------------- §6-§8 printing
def test_official_is_trunc_of_x_plus_half():
    assert ref.official(ref.f32(12.499)) == 12
    assert ref.official(ref.f32(10.50)) == 11
    assert ref.official(ref.f32(10.49)) == 10
    assert ref.official(0.0) == 0


def test_album_is_the_f32_mean_of_f32_track_drs():
    drs = [ref.f32(10.49), ref.f32(10.49), ref.f32(11.49)]
    assert ref.album_dr(drs) == ref.f32(sum(drs) / 3)
    assert ref.official(ref.album_dr(drs)) == 11      # 10.8233 -> 11
    assert ref.album_dr([ref.f32(6.0), 20.0, 15.0]) == ref.f32(41.0 / 3)


def test_db_printing():
    assert ref.fmt_db(None) == "-inf"
    assert ref.fmt_db(-0.004) == "0.00"
    assert ref.fmt_db(-0.006) == "0.00"       # strictly between -0.01 and 0.01
    assert ref.fmt_db(-0.01) == "-0.01"
    assert ref.fmt_db(-6.0206) == "-6.02"
    assert ref.db(0.0) is None
    assert ref.db(1.0) == 0.0


def test_durations():
    # llround(frames / rate): 59.5 s -> 60 s, 3599.5 -> 3600, 86399.5 -> 86400, 604799.5 -> 604800
    assert ref.fmt_duration(119, 2) == "1:00"
    assert ref.fmt_duration(3, 2) == "0:02"               # 1.5 s -> 2 s, half away
    assert ref.fmt_duration(7199, 2) == "1:00:00"
    assert ref.fmt_duration(172799, 2) == "1d 0:00:00"
    assert ref.fmt_duration(1209599, 2) == "1wk 0d 0:00:00"
    s = 2 * 604800 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6
    assert ref.fmt_duration(s, 1) == "2wk 3d 4:05:06"
    assert ref.fmt_duration(3599, 1) == "59:59"


def test_lround_halves_away_without_double_rounding():
    assert ref.lround(2.5) == 3 and ref.lround(-2.5) == -3
    assert ref.lround(0.49999999999999994) == 0       # floor(x + 0.5) would say 1
    assert ref.lround(-0.49999999999999994) == 0
    assert ref.lround(-602.0599913279624) == -602


# ---------------------------------------------------------------- §9 int vs float
def _lcg_noise(n, amp, seed=12345):
    out, s = [], seed
    for _ in range(n):
        s = (1103515245 * s + 12345) & 0x7FFFFFFF
        out.append(amp * (s / 0x3FFFFFFF - 1.0))
    return out


def _write_wav(path, sampwidth, ints, rate=8000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(sampwidth)
        w.setframerate(rate)
        if sampwidth == 1:
            data = bytes(v + 128 for v in ints)
        elif sampwidth == 3:
            data = b"".join(struct.pack("<i", v)[:3] for v in ints)
        else:
            data = struct.pack("<%d%s" % (len(ints), "h" if sampwidth == 2 else "i"), *ints)
        w.writeframes(data)


def test_integer_wavs_read_as_scaled_floats_through_both_readers():
    """read_wav and the ffmpeg path hand the analyser v / 2^(bits-1)."""
    noise = _lcg_noise(W8 + 500, 0.7, seed=7)
    have_ffmpeg = bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))
    d = tempfile.mkdtemp()
    try:
        for width, bits in ((1, 8), (2, 16), (3, 24), (4, 32)):
            scale = 2 ** (bits - 1)
            ints = [max(-scale, min(scale - 1, round(v * scale))) for v in noise]
            path = os.path.join(d, "t%d.wav" % bits)
            _write_wav(path, width, ints)
            want = mono([v / scale for v in ints])
            got = ref.analyse_wav(path)
            assert got["per_channel"] == want["per_channel"], bits
            if have_ffmpeg:
                got = ref.analyse_file(path)
                assert got["per_channel"] == want["per_channel"], bits
        if not have_ffmpeg:
            print("  (ffmpeg path skipped: no ffmpeg)")
    finally:
        shutil.rmtree(d)


# ---------------------------------------------------------------- dr_log layout
# LOG_FORMAT.md rules the two real logs do not show, expected text built from
# the spec's widths: cells of 13, `%-35s` names, `"%-19s%s"` footers.
def _track(name, channels, rate=8000, labels=None, codec="PCM", bits=16,
           folder="/music/a", tags=None, file_size=0, lossy=False):
    m = ref.analyse(channels, rate)
    return dr_log.Track(os.path.join(folder, name + ".wav"), m,
                        labels or ref.default_labels(len(channels)), codec,
                        bits, lossy, file_size, tags)


def _section_lines(tracks, stereo_columns=False):
    return dr_log.section_log(tracks, "P", "D", stereo_columns).split("\n")


def test_log_columns_are_the_union_in_speaker_order():
    x = [0.5] * 10
    tracks = [
        _track("a", [x] * 2),
        _track("b", [x] * 3, labels=["FL", "FR", "FC"]),
        _track("c", [x] * 6, labels=["FL", "FR", "FC", "LFE", "BL", "BR"]),
        _track("d", [x] * 8, labels=["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]),
    ]
    lines = _section_lines(tracks)
    order = ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]      # no FCL/FCR/BC
    header = ("DR" + " " * 9 + "Peak" + " " * 11 + "RMS" + " " * 7 + "Duration " + "Track"
              + " " * 30 + "".join(("DR (%s)" % c).rjust(13) for c in order)
              + "".join(("RMS (%s)" % c).rjust(13) for c in order))
    assert lines[7] == header
    # track a (stereo) fills FL FR and leaves 6 + 6 empty cells of 13 spaces
    row_a = lines[9]
    assert row_a.endswith(" " * 13 * 6)
    assert len(row_a) == 5 + 10 + 5 + 9 + 5 + 10 + 1 + 35 + 13 * 16


def test_log_name_cut_only_with_columns():
    x = [0.5] * 10
    name36 = "123456789012345678901234567890abcdef"             # 36 characters
    assert len(name36) == 36
    name33 = name36[:33]
    t36 = _track(name36, [x] * 3, labels=["FL", "FR", "FC"])
    t33 = _track(name33, [x] * 3, labels=["FL", "FR", "FC"])
    rows = _section_lines([t36, t33])[9:11]
    # the row name is "?-" + title: 38 characters -> its first 32 + "(…)" = 35
    assert rows[0][45:80] == "?-" + name36[:30] + "(\u2026)"
    # 35 characters fit whole
    assert rows[1][45:80] == "?-" + name33
    mono = _section_lines([_track(name36, [x])])
    assert mono[9].endswith(" ?-" + name36)                     # no columns: whole name


def test_log_footers_sorted_and_bitrate_weighted_by_duration():
    # A: 8000 Hz mono 16-bit PCM, 10 s -> 128 kbps; B: 8000 Hz stereo 16-bit,
    # 30 s -> 256 kbps; C: 44100 Hz, 48000 Hz float tracks of 1 s (32-bit mono).
    a = _track("a", [[0.5] * 80000])
    b = _track("b", [[0.5] * 240000] * 2)
    c = _track("c", [[0.5] * 48000], rate=48000, codec="PCM (floating-point)", bits=32)
    d = _track("d", [[0.5] * 44100], rate=44100, bits=24)
    lines = _section_lines([c, a, d, b])
    footer = lines[lines.index("Official DR value: DR0") + 2:]
    assert footer[0] == "Samplerate:        8000, 44100, 48000 Hz"
    assert footer[1] == "Channels:          1, 2"
    assert footer[2] == "Bits per sample:   16, 24, 32"
    # (128 * 10 + 256 * 30 + 1536 * 1 + 1058.4 * 1) / 42 = 274.9 -> 275
    kbps = (128 * 10 + 256 * 30 + 48 * 32 * 1 + 44.1 * 24 * 1) / 42
    assert footer[3] == "Bitrate:           %d kbps" % math.floor(kbps + 0.5) == "Bitrate:           275 kbps"
    assert footer[4] == "Codec:             PCM, PCM (floating-point)"
    assert lines[lines.index("Official DR value: DR0") - 1] == "Number of tracks:  4"


def test_log_sections_by_tags_then_folder_in_first_appearance_order():
    x = [[0.5] * 10]
    t1 = _track("x1", x, tags={"artist": "Ann", "album": "One", "tracknumber": "3/12", "title": "T"})
    u1 = _track("u1", x, folder="/music/u")
    t2 = _track("x2", x, tags={"album_artist": "Ann", "artist": "Bob", "album": "One"})
    u2 = _track("u2", x, folder="/music/v")
    text = "\n".join(_section_lines([t1, u1, t2, u2]))
    assert [l for l in text.split("\n") if l.startswith("Analyzed:")] == [
        "Analyzed: Ann / One", "Analyzed: ? / ?", "Analyzed: ? / ?"]
    assert " 03-T\n" in text and " ?-x2\n" in text
    # one empty line between sections
    assert "=" * 80 + "\n\n" + "-" * 80 in text


# ---------------------------------------------------------------- runner
def run(namespace):
    tests = [(n, f) for n, f in sorted(namespace.items())
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(globals()))
