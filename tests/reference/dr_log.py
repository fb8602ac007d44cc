#!/usr/bin/env python3
"""Independent renderer of the DR logs (album log and single-track log).

Written from shared/docs/LOG_FORMAT.md (and ALGORITHM.md §6-§8), NOT from the
Rust renderer in crates/dr-report. The numbers come from this folder's own
measurement, dr_reference.py (ffmpeg decoding, plain-Python arithmetic); tags
and file properties come from `ffprobe -v error -show_format -show_streams
-of json`. Standard library only.

Where LOG_FORMAT.md is silent, these choices (the ones the Rust renderer
documents) are made, so that both can be compared byte for byte:
  * album row: "DR%-2d %10.2f dB %8.2f dB%10s %s" (official DR, peak dB, rms
    dB, duration, name), i.e. the spec's example rows; no DR -> "DR- ";
    a zero linear value -> "-inf" in the same width;
  * 2 decimals as C printf("%.2f") (Python's '%.2f' is the same: correctly
    rounded from the binary value);
  * row Peak = max of the channels' sample peaks, row RMS = the MEAN of the
    linear channel RMS values (ALGORITHM.md §8), each then in dB;
  * duration: frames/rate rounded half up to whole seconds, then "%d:%02d"
    (or "%d:%02d:%02d" from one hour);
  * name: "NN-Title" (track number before any '/', zero-padded to 2) when
    the track number and title tags exist, else the file name;
  * sections by (album artist, else artist) + album, first-appearance order;
    tracks missing those tags by folder ("Analyzed folder: <last folder
    component>"); one empty line between sections;
  * album Official DR = mean of the tracks' precise DRs, rounded half away;
  * footer values: distinct values in first-appearance order joined by ", ";
    bits per sample leaves lossy tracks out ("-" if none is left);
    bitrate = one duration-weighted mean over the section of each track's
    bitrate (PCM: rate*bits*channels; compressed: file size*8/duration),
    in kbps rounded to nearest;
  * single-track log: "Statistics for: Artist - Title" (artist, else album
    artist; without artist or title the file name), a "Precise DR Value"
    line under the Official one for two or more channels; mono has one
    column headed "Mono" and no Precise line.

Usage:
    dr_log.py [--log album|track|auto] [--date "YYYY-MM-DD HH:MM:SS"]
              [--product "MacinMeter 0.1.0"] PATH...
PATHs are files or folders (folders: searched recursively, files in sorted
path order). auto = the single-track log for exactly one file, else album.
The date defaults to $MACINMETER_LOG_DATE, else the local time now.
"""

import datetime
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dr_reference as ref  # noqa: E402

PRODUCT = "MacinMeter 0.1.0"
DASH_LINE = "-" * 80
EQ_LINE = "=" * 80
LABEL_WIDTH = 19          # "Samplerate:        " etc. (LOG_FORMAT.md examples)

AUDIO_EXTENSIONS = {".flac", ".wav", ".aif", ".aiff", ".aifc", ".m4a", ".mp4",
                    ".caf", ".mka", ".mkv", ".webm", ".mp3", ".aac", ".ogg",
                    ".oga", ".opus"}

# LOG_FORMAT.md: "the codec's common name (FLAC, MP3, AAC, Vorbis, Opus, ALAC,
# PCM, ...)". Keys are ffprobe codec names.
CODEC_NAMES = {"flac": "FLAC", "alac": "ALAC", "mp3": "MP3", "aac": "AAC",
               "vorbis": "Vorbis", "opus": "Opus", "wavpack": "WavPack",
               "ape": "APE", "tta": "TTA"}

# Channel names for the multichannel rows, by ffprobe channel layout.
LAYOUT_NAMES = {
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


# ---------------------------------------------------------------- numbers
def db(linear):
    """20*log10(x), or None for a zero value (printed as -inf)."""
    if linear is None or linear <= 0.0:
        return None
    return 20.0 * math.log10(linear)


def fmt_db(value_db, width):
    """'%<width>.2f' of a dB value; '-inf' in the same width for None."""
    if value_db is None:
        return "%*s" % (width, "-inf")
    return "%*.2f" % (width, value_db)


def whole_seconds(frames, rate):
    """frames/rate rounded half up, exactly (integer arithmetic)."""
    return (2 * frames + rate) // (2 * rate)


def fmt_duration(frames, rate):
    s = whole_seconds(frames, rate)
    if s >= 3600:
        return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    return "%d:%02d" % (s // 60, s % 60)


def round_half_up(x):
    return int(math.floor(x + 0.5))


# ---------------------------------------------------------------- one track
def ffprobe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams",
         "-of", "json", path],
        check=True, capture_output=True).stdout
    return json.loads(out)


def first_audio_stream(probe):
    for st in probe.get("streams", []):
        if st.get("codec_type") == "audio":
            return st
    raise ValueError("no audio stream")


def read_tags(probe, stream):
    """Container tags, then the audio stream's, keys lower-cased."""
    tags = {}
    for src in (stream.get("tags") or {}, probe["format"].get("tags") or {}):
        for k, v in src.items():
            tags[k.lower()] = v
    return tags


def tag(tags, *names):
    for n in names:
        v = tags.get(n)
        if v is not None and v.strip() != "":
            return v
    return None


class Track:
    def __init__(self, path):
        self.path = path
        self.file_name = os.path.basename(path)
        self.folder = os.path.dirname(os.path.abspath(path))
        probe = ffprobe(path)
        st = first_audio_stream(probe)
        tags = read_tags(probe, st)
        self.title = tag(tags, "title")
        self.artist = tag(tags, "artist")
        self.album_artist = tag(tags, "album_artist", "albumartist",
                                "album artist")
        self.album = tag(tags, "album")
        self.track_number = tag(tags, "track", "tracknumber")
        self.file_size = int(probe["format"]["size"])

        m = ref.analyse_file(path)                 # the reference measurement
        self.m = m
        self.codec_id = m["codec"]
        self.lossy = m["codec"] in ref.LOSSY_CODECS
        self.rate = m["sample_rate"]
        self.channels = m["channels"]
        self.frames = m["frames"]
        self.layout = m["channel_layout"]
        if self.lossy:
            self.bits = None
        else:
            self.bits = (int(st.get("bits_per_raw_sample") or 0)
                         or int(st.get("bits_per_sample") or 0) or m["bits"])
        self.pcm = self.codec_id.startswith("pcm_")
        self.codec = "PCM" if self.pcm else CODEC_NAMES.get(
            self.codec_id, self.codec_id.upper())

    # seconds, exact
    @property
    def duration(self):
        return self.frames / self.rate if self.rate else 0.0

    @property
    def bitrate_bps(self):
        if self.pcm:
            return self.rate * self.bits * self.channels
        if self.duration <= 0:
            return 0.0
        return self.file_size * 8 / self.duration

    @property
    def precise_dr(self):
        return self.m["precise_dr"]

    @property
    def official_dr(self):
        return self.m["official_dr"]

    def row_name(self):
        if self.track_number is not None and self.title is not None:
            num = self.track_number.split("/")[0].strip()
            if num.isdigit():
                num = "%02d" % int(num)
            return "%s-%s" % (num, self.title)
        return self.file_name

    def group_key(self):
        artist = self.album_artist or self.artist
        if artist is not None and self.album is not None:
            return ("tags", artist, self.album)
        return ("folder", self.folder)


# ---------------------------------------------------------------- footer
def distinct(values):
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def label(name, value):
    return "%-*s%s" % (LABEL_WIDTH, name + ":", value)


def footer(tracks):
    rates = ", ".join("%d Hz" % r for r in distinct(t.rate for t in tracks))
    chans = ", ".join(str(c) for c in distinct(t.channels for t in tracks))
    bits = distinct(t.bits for t in tracks if not t.lossy)
    bits = ", ".join(str(b) for b in bits) if bits else "-"
    total_dur = sum(t.duration for t in tracks)
    if total_dur > 0:
        bps = sum(t.bitrate_bps * t.duration for t in tracks) / total_dur
    else:
        bps = 0.0
    codecs = ", ".join(distinct(t.codec for t in tracks))
    return [
        label("Samplerate", rates),
        label("Channels", chans),
        label("Bits per sample", bits),
        label("Bitrate", "%d kbps" % round_half_up(bps / 1000.0)),
        label("Codec", codecs),
        EQ_LINE,
    ]


def head(product, date):
    return [product, "log date: %s" % date, ""]


# ---------------------------------------------------------------- album log
def album_row(t):
    chans = t.m["per_channel"]
    peak = max(c["peak"] for c in chans)
    rms = sum(c["rms"] for c in chans) / len(chans)
    dr = "%-2d" % t.official_dr if t.official_dr is not None else "%-2s" % "-"
    return "DR%s %s dB %s dB%10s %s" % (
        dr, fmt_db(db(peak), 10), fmt_db(db(rms), 8),
        fmt_duration(t.frames, t.rate), t.row_name())


def album_section(tracks):
    key = tracks[0].group_key()
    if key[0] == "tags":
        heading = "Analyzed: %s / %s" % (key[1], key[2])
    else:
        heading = "Analyzed folder: %s" % os.path.basename(key[1])
    lines = [DASH_LINE, heading, DASH_LINE, "",
             "DR         Peak         RMS     Duration Track", DASH_LINE]
    lines += [album_row(t) for t in tracks]
    official = ref.album_official([t.precise_dr for t in tracks])
    lines += [DASH_LINE, "",
              label("Number of tracks", str(len(tracks))),
              label("Official DR value",
                    "DR%d" % official if official is not None else "DR-"),
              ""]
    lines += footer(tracks)
    return lines


def album_log(tracks, product, date):
    groups = {}
    order = []
    for t in tracks:
        k = t.group_key()
        if k not in groups:
            groups[k] = []
            order.append(k)
        groups[k].append(t)
    lines = head(product, date)
    for i, k in enumerate(order):
        if i:
            lines.append("")
        lines += album_section(groups[k])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- track log
def track_log(t, product, date):
    artist = t.artist or t.album_artist
    if artist is not None and t.title is not None:
        who = "%s - %s" % (artist, t.title)
    else:
        who = t.file_name
    lines = head(product, date)
    lines += [DASH_LINE,
              "Statistics for: %s" % who,
              "Number of samples: %d" % t.frames,
              "Duration: %s" % fmt_duration(t.frames, t.rate),
              DASH_LINE, ""]
    chans = t.m["per_channel"]

    def dr_text(c, width):
        return "%*.2f" % (width, c["dr"])

    if len(chans) <= 2:
        names = ["Mono"] if len(chans) == 1 else ["Left", "Right"]
        sep = " dB   ---"
        lines.append(" " * 11 + (" " * 9).join("%10s" % n for n in names))
        lines.append("")
        lines.append("%-11s" % "Peak Value:" + sep.join(
            fmt_db(db(c["peak"]), 10) for c in chans) + " dB")
        lines.append("%-11s" % "Avg RMS:" + sep.join(
            fmt_db(db(c["rms"]), 10) for c in chans) + " dB")
        lines.append("%-11s" % "DR channel:" + sep.join(
            dr_text(c, 10) for c in chans) + " dB")
    else:
        # LOG_FORMAT.md gives one example row only; widths are not pinned
        # there, so this layout is not covered by the golden files.
        names = LAYOUT_NAMES.get(t.layout or "", [])
        for i, c in enumerate(chans):
            name = " (%s)" % names[i] if i < len(names) else ""
            marks = ""
            if i < len(names) and names[i] == "LFE":
                marks += " [LFE]"
            if c["silent"]:
                marks += " [silent]"
            lines.append("Channel %d%s   Peak %s dB   RMS %s dB   DR %s dB%s" % (
                i + 1, name, fmt_db(db(c["peak"]), 0), fmt_db(db(c["rms"]), 0),
                dr_text(c, 0), marks))
    lines += [DASH_LINE, ""]
    off = t.official_dr
    lines.append("Official DR Value: %s" % ("DR%d" % off if off is not None
                                             else "DR-"))
    if len(chans) >= 2:
        p = t.precise_dr
        lines.append("Precise DR Value: %s" % ("%.2f dB" % p if p is not None
                                                else "-"))
    lines.append("")
    lines += footer([t])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main
def expand(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, _dirs, names in os.walk(p):
                for n in names:
                    if os.path.splitext(n)[1].lower() in AUDIO_EXTENSIONS:
                        found.append(os.path.join(root, n))
            files += sorted(found)
        else:
            files.append(p)
    return files


def main(argv):
    layout = "auto"
    date = os.environ.get("MACINMETER_LOG_DATE") or \
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    product = PRODUCT
    paths = []
    it = iter(argv)
    for a in it:
        if a == "--log":
            layout = next(it)
        elif a == "--date":
            date = next(it)
        elif a == "--product":
            product = next(it)
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    files = expand(paths)
    if not files or layout not in ("album", "track", "auto"):
        print(__doc__, file=sys.stderr)
        return 2
    tracks = [Track(f) for f in files]
    if layout == "track" or (layout == "auto" and len(tracks) == 1):
        out = "".join(track_log(t, product, date) for t in tracks)
    else:
        out = album_log(tracks, product, date)
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
