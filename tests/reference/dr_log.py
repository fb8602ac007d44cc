#!/usr/bin/env python3
"""Independent renderer of the DR logs: the section layout of foobar2000's
DR Meter 1.0.8, and our detailed single-track layout.

Written from docs/LOG_FORMAT.md (and ALGORITHM.md §6-§8), NOT from the Rust
renderer in crates/dr-report. The numbers come from this folder's own
measurement, dr_reference.py; tags and properties of non-WAV files from
`ffprobe -show_format -show_streams` (WAV files are read without tools and
carry no tags). Standard library only.

Where LOG_FORMAT.md is silent, these choices are made (the Rust renderer must
make the same ones for the golden files to agree):
  * one empty line between two sections;
  * `<tracknumber>` is the tag's number before any '/', zero-padded to two
    digits (as foobar2000's %tracknumber%); a tag that is not a number as is;
  * `Bits per sample` leaves lossy tracks out, `-` if none is left;
  * the single-track layout (`--log track`): "Statistics for: Artist - Title"
    (else the file name), Peak/RMS/DR per channel with the §8 values, columns
    for up to 2 channels, one row per channel from 3 (the LFE marked
    " [LFE]"), then
    `Official DR Value` and `Precise DR Value` (the f32 track DR, 2 decimals).

Usage:
    dr_log.py [--log section|track] [--date "YYYY-MM-DD HH:MM:SS"]
              [--product "MacinMeter v0.1.0"] [--channel-columns] [--crlf] PATH...
PATHs are files or folders (folders: searched recursively, files in sorted
path order). The date defaults to $MACINMETER_LOG_DATE, else the local time.
"""

import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dr_reference as ref  # noqa: E402

PRODUCT = "MacinMeter v0.1.0"
DASH_LINE = "-" * 80
EQ_LINE = "=" * 80
LABEL = "%-19s%s"                      # every footer line
NAME_WIDTH = 35                        # the Track column when channel columns follow
NAME_CUT = 32                          # ... a longer name keeps this many characters
ELLIPSIS = "(\u2026)"
CELL = 13                              # width of one channel cell

# Speaker positions in foobar2000's order; a section's columns are the union of
# its tracks' positions in this order, then "Ch <n>" for unnamed ones.
SPEAKER_ORDER = ["FL", "FR", "FC", "LFE", "BL", "BR", "FCL", "FCR", "BC", "SL",
                 "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR"]

AUDIO_EXTENSIONS = {".flac", ".wav", ".aif", ".aiff", ".aifc", ".m4a", ".mp4",
                    ".caf", ".mka", ".mkv", ".webm", ".mp3", ".aac", ".ogg",
                    ".oga", ".opus"}

# LOG_FORMAT.md codec names; keys are ffprobe codec names.
CODEC_NAMES = {"flac": "FLAC", "alac": "ALAC", "mp3": "MP3", "aac": "AAC",
               "vorbis": "Vorbis", "opus": "Opus"}

# ---------------------------------------------------------------- one track
class Track:
    """What a log needs of one file: tags, properties and the measurement."""

    def __init__(self, path, measurement, labels, codec, bits, lossy,
                 file_size, tags=None):
        tags = tags or {}
        self.path = path
        self.folder = os.path.dirname(os.path.abspath(path))
        self.stem = os.path.splitext(os.path.basename(path))[0]
        self.title = tags.get("title")
        self.artist = tags.get("artist")
        self.album_artist = tags.get("album_artist")
        self.album = tags.get("album")
        self.track_number = tags.get("tracknumber")
        self.m = measurement
        self.rate = measurement["sample_rate"]
        self.channels = measurement["channels"]
        self.frames = measurement["frames"]
        self.labels = labels
        self.codec = codec
        self.bits = bits
        self.lossy = lossy
        self.file_size = file_size

    @classmethod
    def from_wav(cls, path):
        """A WAV file read without tools (no tags)."""
        m = ref.analyse_wav(path)
        codec = "PCM (floating-point)" if m["float"] else "PCM"
        return cls(path, m, m["channel_labels"], codec, m["bits"], False,
                   os.path.getsize(path))

    @classmethod
    def from_file(cls, path):
        """Any file, through ffprobe / ffmpeg."""
        probe = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_format", "-show_streams",
             "-of", "json", path], check=True, capture_output=True).stdout)
        st = next(s for s in probe.get("streams", []) if s.get("codec_type") == "audio")
        raw_tags = {}
        for src in (st.get("tags") or {}, probe["format"].get("tags") or {}):
            for k, v in src.items():
                if v.strip():
                    raw_tags[k.lower()] = v
        tags = {
            "title": raw_tags.get("title"),
            "artist": raw_tags.get("artist"),
            "album_artist": raw_tags.get("album_artist") or raw_tags.get("albumartist")
            or raw_tags.get("album artist"),
            "album": raw_tags.get("album"),
            "tracknumber": raw_tags.get("track") or raw_tags.get("tracknumber"),
        }
        m = ref.analyse_file(path)
        cid = m["codec"]
        if cid.startswith("pcm_"):
            codec = "PCM (floating-point)" if cid.startswith("pcm_f") else "PCM"
        else:
            codec = CODEC_NAMES.get(cid, cid.upper())
        bits = None if m["lossy"] else (int(st.get("bits_per_raw_sample") or 0)
                                        or int(st.get("bits_per_sample") or 0)
                                        or m["bits"] or 32)
        return cls(path, m, m["channel_labels"], codec, bits, m["lossy"],
                   int(probe["format"]["size"]), tags)

    @property
    def duration(self):
        return self.frames / self.rate if self.rate else 0.0

    @property
    def bitrate_bps(self):
        """PCM: rate * bits * channels; compressed (FLAC too): file size * 8 / duration."""
        if self.codec.startswith("PCM"):
            return self.rate * self.bits * self.channels
        return self.file_size * 8 / self.duration if self.duration > 0 else 0.0

    def row_name(self):
        number = "?"
        if self.track_number is not None:
            number = self.track_number.split("/")[0].strip()
            if number.isdigit():
                number = "%02d" % int(number)
        return "%s-%s" % (number, self.title if self.title is not None else self.stem)

    def group_key(self):
        artist = self.album_artist or self.artist
        if artist is None and self.album is None:
            return ("folder", self.folder, "?", "?")
        return ("tags", "", artist or "?", self.album or "?")


# ---------------------------------------------------------------- a section
def column_labels(tracks):
    used = set(label for t in tracks for label in t.labels)
    named = [s for s in SPEAKER_ORDER if s in used]
    unnamed = sorted((s for s in used if s not in SPEAKER_ORDER),
                     key=lambda s: int(s.split()[1]))
    return named + unnamed


def wants_columns(tracks, stereo_columns):
    most = max(t.channels for t in tracks)
    return most > 2 or (stereo_columns and most == 2)


def cut_name(name):
    return name if len(name) <= NAME_WIDTH else name[:NAME_CUT] + ELLIPSIS


def table_header(columns):
    head = "%-5s%10s%14s%15s " % ("DR", "Peak", "RMS", "Duration")
    if not columns:
        return head + "Track"
    return (head + "%-35s" % "Track"
            + "".join("%13s" % ("DR (%s)" % c) for c in columns)
            + "".join("%13s" % ("RMS (%s)" % c) for c in columns))


def row(t, columns):
    m = t.m
    line = "%-5s%10s dBFS%9s dBFS%10s " % (
        "DR%d" % m["official_dr"], m["peak_text"], m["rms_text"], m["duration_text"])
    if not columns:
        return line + t.row_name()
    by_label = dict(zip(t.labels, m["per_channel"]))
    dr_cells = "".join("%10.2f dB" % by_label[c]["dr_f32"] if c in by_label else " " * CELL
                       for c in columns)
    rms_cells = "".join("%8s dBFS" % by_label[c]["rms_text"] if c in by_label else " " * CELL
                        for c in columns)
    return line + "%-35s" % cut_name(t.row_name()) + dr_cells + rms_cells


def join_sorted(values, key=None):
    return ", ".join(str(v) for v in sorted(set(values), key=key))


def footer(tracks):
    total = sum(t.duration for t in tracks)
    bps = sum(t.bitrate_bps * t.duration for t in tracks) / total if total > 0 else 0.0
    bits = [t.bits for t in tracks if not t.lossy]
    return [
        LABEL % ("Samplerate:", join_sorted(t.rate for t in tracks) + " Hz"),
        LABEL % ("Channels:", join_sorted(t.channels for t in tracks)),
        LABEL % ("Bits per sample:", join_sorted(bits) if bits else "-"),
        LABEL % ("Bitrate:", "%d kbps" % ref.lround(bps / 1000.0)),
        LABEL % ("Codec:", join_sorted(t.codec for t in tracks)),
        EQ_LINE,
    ]


def section(tracks, stereo_columns):
    _, _, artist, album = tracks[0].group_key()
    columns = column_labels(tracks) if wants_columns(tracks, stereo_columns) else []
    album_dr = ref.album_dr([t.m["dr"] for t in tracks])
    lines = [DASH_LINE, "Analyzed: %s / %s" % (artist, album), DASH_LINE, "",
             table_header(columns), DASH_LINE]
    lines += [row(t, columns) for t in tracks]
    lines += [DASH_LINE, "",
              LABEL % ("Number of tracks:", len(tracks)),
              LABEL % ("Official DR value:", "DR%d" % ref.official(album_dr)),
              ""]
    return lines + footer(tracks)


def head(product, date):
    return [product, "log date: %s" % date, ""]


def section_log(tracks, product, date, stereo_columns=False, crlf=False):
    """The DR Meter 1.0.8 log: sections by (album artist, else artist) + album
    in first-appearance order, untagged tracks by folder."""
    groups = {}
    for t in tracks:
        groups.setdefault(t.group_key(), []).append(t)
    lines = head(product, date)
    for i, group in enumerate(groups.values()):
        if i:
            lines.append("")
        lines += section(group, stereo_columns)
    eol = "\r\n" if crlf else "\n"
    return eol.join(lines) + eol


# ---------------------------------------------------------------- track layout
def track_log(t, product, date, crlf=False):
    """Our detailed single-track layout (LOG_FORMAT.md, on request)."""
    artist = t.artist or t.album_artist
    who = "%s - %s" % (artist, t.title) if artist and t.title else os.path.basename(t.path)
    m = t.m
    chans = m["per_channel"]
    lines = head(product, date) + [
        DASH_LINE, "Statistics for: %s" % who,
        "Number of samples: %d" % t.frames,
        "Duration: %s" % m["duration_text"], DASH_LINE, ""]
    if len(chans) <= 2:
        names = ["Mono"] if len(chans) == 1 else ["Left", "Right"]
        sep = " dB   ---"
        lines.append(" " * 11 + (" " * 9).join("%10s" % n for n in names))
        lines.append("")
        lines.append("%-11s" % "Peak Value:" + sep.join(
            "%10s" % ref.fmt_db(ref.db(c["peak"])) for c in chans) + " dB")
        lines.append("%-11s" % "Avg RMS:" + sep.join(
            "%10s" % c["rms_text"] for c in chans) + " dB")
        lines.append("%-11s" % "DR channel:" + sep.join(
            "%10.2f" % c["dr_f32"] for c in chans) + " dB")
    else:
        for i, c in enumerate(chans):
            label = t.labels[i] if i < len(t.labels) else "Ch %d" % (i + 1)
            lines.append("Channel %d (%s)   Peak %s dB   RMS %s dB   DR %.2f dB%s" % (
                i + 1, label, ref.fmt_db(ref.db(c["peak"])), c["rms_text"], c["dr_f32"],
                " [LFE]" if label == "LFE" else ""))
    lines += [DASH_LINE, "",
              "Official DR Value: DR%d" % m["official_dr"],
              "Precise DR Value: %.2f dB" % m["dr"], ""]
    lines += footer([t])
    eol = "\r\n" if crlf else "\n"
    return eol.join(lines) + eol


# ---------------------------------------------------------------- main
def expand(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            found = [os.path.join(root, n) for root, _d, names in os.walk(p)
                     for n in names if os.path.splitext(n)[1].lower() in AUDIO_EXTENSIONS]
            files += sorted(found)
        else:
            files.append(p)
    return files


def main(argv):
    layout = "section"
    date = os.environ.get("MACINMETER_LOG_DATE") or \
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    product = PRODUCT
    stereo_columns = crlf = False
    paths = []
    it = iter(argv)
    for a in it:
        if a == "--log":
            layout = next(it)
        elif a == "--date":
            date = next(it)
        elif a == "--product":
            product = next(it)
        elif a == "--channel-columns":
            stereo_columns = True
        elif a == "--crlf":
            crlf = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    files = expand(paths)
    if not files or layout not in ("section", "track"):
        print(__doc__, file=sys.stderr)
        return 2
    tracks = [Track.from_file(f) for f in files]
    if layout == "track":
        out = "".join(track_log(t, product, date, crlf) for t in tracks)
    else:
        out = section_log(tracks, product, date, stereo_columns, crlf)
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
