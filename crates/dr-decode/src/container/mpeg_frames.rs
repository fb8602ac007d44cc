//! Damage in an MPEG audio (MP1/MP2/MP3) file, found by walking its frames.
//!
//! Symphonia's MPEG reader resynchronises on the next frame header when bytes are missing
//! or junk sits between frames, and says nothing: the audio in between is simply gone.
//! Frames chain by their lengths (each header gives the frame's size), so a walk over the
//! headers finds every place where the chain breaks. This walks the file once, a frame at
//! a time (bounded memory), and reports where audio was lost, counted in frames (samples
//! per channel) of the intact frames before each hole.
//!
//! Not damage: tags before the audio, between streams (concatenated files) or after it
//! (ID3v1, APEv2, Lyrics3), and junk after the last frame (no audio follows it). A free-format
//! stream (no bitrate in its headers) cannot be walked and is left alone.
//!
//! Symphonia also ends the stream quietly where the file ends, even inside a frame, so the
//! walk says what shows a cut: a last frame the file ends inside, and fewer frames than the
//! first frame's Xing/Info or VBRI tag declares (the tag frame itself holds no audio).
//!
//! A LAME tag after the Xing/Info fields (see `lame_tag`) carries the only checksums an MP3
//! usually has, both checked here:
//! - its own CRC. A tag that fails it is said, and the frame count it states is no longer
//!   taken to call the file cut. The decode is not changed: symphonia reads the tag before
//!   any walk, drops the delay and padding of a tag by LAME that fails its CRC and keeps
//!   those of one by FFmpeg (whose CRC it does not check) and the frame count of either.
//!   Which field is damaged cannot be told, so the warning says the length may be wrong.
//! - the music CRC over the audio frames, in a second pass over them (a block at a time),
//!   only where the frames chain without a break and end where the tag's music length
//!   says: a cut, a break or junk is said by the walk, and a damaged tag by its CRC. A
//!   mismatch is a warning, not an error: nothing is missing. MP3Gain changes the audio
//!   data of intact files on purpose (the gain field of each frame) and leaves the CRC:
//!   a file that carries its undo record (`MP3GAIN_UNDO`, in an APEv2 tag after the audio
//!   or an ID3v2 `TXXX` frame before it) is not held against the music CRC at all.

use std::io::{self, Read};

use super::lame_tag::{self, LameTag};
use super::read_window::Window;
use super::sniff::id3v2_len;

use symphonia::core::formats::probe::Probe;

use super::{ContainerFormat, Damage, DecodedTrack, Input};
use crate::error::{DecodeError, DecodeWarning, MID_FRAME_WARNING};

/// Containers of frames that chain by the lengths in their headers, which the reader
/// resynchronises past damage in without a word: raw MPEG audio (MP1/MP2/MP3) and raw AAC in
/// ADTS framing.
pub(crate) struct FrameChain {
    register_reader: fn(&mut Probe),
}

pub(crate) static MPEG_AUDIO: FrameChain = FrameChain {
    register_reader: |probe| probe.register_format::<symphonia::default::formats::MpaReader<'_>>(),
};

pub(crate) static ADTS: FrameChain = FrameChain {
    register_reader: |probe| probe.register_format::<symphonia::default::formats::AdtsReader<'_>>(),
};

impl ContainerFormat for FrameChain {
    fn register_reader(&self, probe: &mut Probe) {
        (self.register_reader)(probe);
    }

    fn find_damage(&self, input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        frame_chain_damage(input, track)
    }
}

/// Breaks in the frame chain (damaged data the reader skipped to the next frame header),
/// as warnings, and the end of the file: fewer frames than its Xing/Info or VBRI tag
/// declares is a cut (truncated, unless breaks explain the shortfall), a last frame the
/// file ends inside is said. Then the LAME tag's CRCs: a damaged tag is said (and its frame
/// count no longer taken for the length), audio that fails the music CRC is said.
fn frame_chain_damage(input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
    let (context, decoded_frames) = (track.context, track.frames);
    let Ok(damage) = input.reopen().and_then(find_damage) else {
        return Ok(Damage::default());
    };
    let mut warnings: Vec<DecodeWarning> = damage
        .holes_after_frames
        .iter()
        .map(|&frames| DecodeWarning {
            at_seconds: context.seconds(frames),
            message: "damaged MPEG audio data was skipped: the audio it held is missing".to_owned(),
        })
        .collect();
    let lame = damage.tag_frame.as_ref().and_then(|frame| frame.lame);
    let tag_damaged = lame.is_some_and(|tag| tag.damaged(damage.music_region().is_some()));
    // Said first, and as lost audio: the length a damaged tag states cannot be held against
    // the decode (which has used it all the same: see this module's notes), and a tag frame
    // decoded as audio lengthens it.
    let tag_warnings = [
        (tag_damaged, LAME_TAG_DAMAGED),
        (damage.tag_id_damaged, LAME_TAG_ID_DAMAGED),
    ]
    .into_iter()
    .filter(|&(said, _)| said)
    .map(|(_, message)| DecodeWarning {
        at_seconds: 0.0,
        message: message.to_owned(),
    });
    warnings.splice(0..0, tag_warnings);
    let missing = if tag_damaged { 0 } else { damage.frames_missing() };
    if warnings.is_empty() && missing > 0 {
        let expected = decoded_frames.saturating_add(missing.saturating_mul(damage.samples_per_frame));
        return Err(context.truncated(decoded_frames, expected));
    }
    // (A reader that saw the cut has it said by the pipeline's length check.)
    if damage.ends_mid_frame && !track.ended_mid_packet {
        warnings.push(DecodeWarning {
            at_seconds: context.seconds(decoded_frames),
            message: MID_FRAME_WARNING.to_owned(),
        });
    }
    // The music CRC only over an intact chain of frames that ends where the tag says:
    // elsewhere the breaks, the cut or the damaged tag are already said. MP3Gain changes the
    // gain field of every frame and leaves the CRC as it was: the mismatch of a file it
    // changed is its edit, recorded in its undo tag, not damage.
    let music_changed = match (damage.tag_frame.as_ref(), lame, damage.music_region()) {
        (Some(frame), Some(tag), Some((start, bytes))) if !tag_damaged && warnings.is_empty() => {
            input.reopen().is_ok_and(|mut source| {
                lame_tag::music_crc(&mut source, start, bytes).is_ok_and(|crc| crc != tag.music_crc)
                    && !lame_tag::has_mp3gain_undo(&mut source, frame.at, damage.frames_end).unwrap_or(false)
            })
        }
        _ => false,
    };
    Ok(Damage {
        lost_audio: warnings,
        nothing_lost: music_changed.then(|| DecodeWarning {
            at_seconds: 0.0,
            message: MUSIC_CRC_MISMATCH.to_owned(),
        }),
    })
}

const LAME_TAG_DAMAGED: &str =
    "the LAME tag fails its CRC: the length, encoder delay and padding it states may be wrong, and so may the measured length";
const LAME_TAG_ID_DAMAGED: &str =
    "the first frame holds a LAME tag whose Xing/Info id is damaged: it was decoded as audio, and the encoder delay and padding were not trimmed";
const MUSIC_CRC_MISMATCH: &str =
    "the audio data does not match the LAME tag's music CRC: damaged, or changed after encoding (e.g. by MP3Gain)";

/// The largest frame: an ADTS frame's 13-bit length (MPEG audio frames stay below 4096:
/// MPEG 2.5 Layer III/II at 160 kbit/s and 8 kHz is 2881 bytes).
const MAX_FRAME_BYTES: usize = 8192;
const HEADER_BYTES: usize = 4;

/// What the frame walk found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct MpegDamage {
    /// For each break in the frame chain followed by more frames, the frames (samples per
    /// channel) of intact audio before it: where audio goes missing.
    pub(crate) holes_after_frames: Vec<u64>,
    /// The file ends inside a frame.
    pub(crate) ends_mid_frame: bool,
    /// The complete frames of audio walked (MPEG frames, not samples; a tag frame not counted).
    pub(crate) audio_frames: u64,
    /// Samples per channel in each frame of this stream.
    pub(crate) samples_per_frame: u64,
    /// The MPEG frames of audio a Xing/Info or VBRI tag in the first frame declares.
    pub(crate) declared_audio_frames: Option<u64>,
    /// That first frame, when it is such a tag.
    pub(crate) tag_frame: Option<TagFrame>,
    /// The first frame holds a LAME tag, but no Xing/Info id before it.
    pub(crate) tag_id_damaged: bool,
    /// The file offset where the last complete frame walked ends.
    pub(crate) frames_end: u64,
}

/// A first frame that holds a Xing/Info or VBRI tag, no audio.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TagFrame {
    /// Its file offset.
    pub(crate) at: u64,
    pub(crate) bytes: u64,
    /// The LAME tag after its Xing/Info fields.
    pub(crate) lame: Option<LameTag>,
}

impl MpegDamage {
    /// The audio the LAME tag's music CRC covers (its file offset and length): from the end
    /// of the tag frame to its music length, when the walked frames end just there.
    pub(crate) fn music_region(&self) -> Option<(u64, u64)> {
        let frame = self.tag_frame.as_ref()?;
        let tag = frame.lame?;
        let end = frame.at.checked_add(tag.music_bytes)?;
        (tag.music_bytes >= frame.bytes && end == self.frames_end && !self.ends_mid_frame)
            .then(|| (frame.at + frame.bytes, tag.music_bytes - frame.bytes))
    }

    /// MPEG frames missing at the end: fewer complete frames than the tag declares. One frame
    /// short is allowed when the last one is complete, as some encoders count the tag frame
    /// too (LAME and FFmpeg do not).
    pub(crate) fn frames_missing(&self) -> u64 {
        let Some(declared) = self.declared_audio_frames else {
            return 0;
        };
        let missing = declared.saturating_sub(self.audio_frames);
        if missing > 1 || (missing == 1 && self.ends_mid_frame) {
            missing
        } else {
            0
        }
    }
}

/// The parts of a frame header that stay fixed through a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StreamKind {
    /// 3 = MPEG 1, 2 = MPEG 2, 0 = MPEG 2.5 (the header's two version bits).
    version: u8,
    /// 3 = Layer I, 2 = Layer II, 1 = Layer III (the header's two layer bits).
    layer: u8,
    sample_rate: u32,
}

/// A frame header: its stream kind, its length in bytes and the samples it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Frame {
    kind: StreamKind,
    bytes: usize,
    samples: u64,
}

/// Reads a frame header at the start of `data`, if one is there (free format is not): MPEG
/// audio, or AAC in ADTS framing (layer 0).
fn frame_header(data: &[u8]) -> Option<Frame> {
    let [b0, b1, b2, _, ..] = *data else { return None };
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b1 >> 3) & 0b11;
    let layer = (b1 >> 1) & 0b11;
    if layer == 0 {
        return adts_header(data);
    }
    let bitrate_index = usize::from(b2 >> 4);
    let rate_index = usize::from((b2 >> 2) & 0b11);
    if version == 0b01 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let padding = usize::from((b2 >> 1) & 1);
    // kbit/s by (MPEG 1 or not, layer), index 1..=14 (ISO/IEC 11172-3, 13818-3).
    const V1_L1: [u32; 15] = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448];
    const V1_L2: [u32; 15] = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
    const V1_L3: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const V2_L1: [u32; 15] = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
    const V2_L23: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let mpeg1 = version == 0b11;
    let kbps = match (mpeg1, layer) {
        (true, 0b11) => V1_L1,
        (true, 0b10) => V1_L2,
        (true, _) => V1_L3,
        (false, 0b11) => V2_L1,
        (false, _) => V2_L23,
    }[bitrate_index];
    let base_rate = [44_100, 48_000, 32_000][rate_index];
    let sample_rate = match version {
        0b11 => base_rate,
        0b10 => base_rate / 2,
        _ => base_rate / 4,
    };
    let bitrate = kbps as usize * 1000;
    let rate = sample_rate as usize;
    let (bytes, samples) = match layer {
        0b11 => ((12 * bitrate / rate + padding) * 4, 384),
        0b10 => (144 * bitrate / rate + padding, 1152),
        _ if mpeg1 => (144 * bitrate / rate + padding, 1152),
        _ => (72 * bitrate / rate + padding, 576),
    };
    Some(Frame {
        kind: StreamKind {
            version,
            layer,
            sample_rate,
        },
        bytes,
        samples,
    })
}

/// An ADTS header (ISO/IEC 14496-3 1.A.2): 12 sync bits, the MPEG version bit, layer 0, a
/// sampling frequency index, the frame's length in bytes (header included, 13 bits from bit
/// 30) and its raw data blocks less one (1024 samples each).
fn adts_header(data: &[u8]) -> Option<Frame> {
    let header = data.get(..7)?;
    if header[1] & 0xF6 != 0xF0 {
        return None;
    }
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350,
    ];
    let sample_rate = *RATES.get(usize::from((header[2] >> 2) & 0x0F))?;
    let bytes = (usize::from(header[3] & 0b11) << 11) | (usize::from(header[4]) << 3) | usize::from(header[5] >> 5);
    let header_bytes = if header[1] & 1 == 1 { 7 } else { 9 };
    if bytes < header_bytes {
        return None;
    }
    Some(Frame {
        kind: StreamKind {
            version: (header[1] >> 3) & 1,
            layer: 0,
            sample_rate,
        },
        bytes,
        samples: 1024 * (u64::from(header[6] & 0b11) + 1),
    })
}

/// Where a Layer III frame (at the start of `data`) holds a Xing/Info tag: after the side
/// information. With error protection LAME writes it where it would be without the CRC
/// (overlapping the side information, as symphonia reads it), the Xing format after the CRC.
fn xing_at(data: &[u8], frame: &Frame) -> Option<usize> {
    if frame.kind.layer != 0b01 {
        return None;
    }
    tag_places(data, frame)?
        .into_iter()
        .flatten()
        .find(|&at| matches!(data.get(at..at + 4), Some(b"Xing" | b"Info")))
}

/// Where a Layer III frame's Xing/Info id can be (see [`xing_at`]).
fn tag_places(data: &[u8], frame: &Frame) -> Option<[Option<usize>; 2]> {
    let mono = data.get(3)? >> 6 == 0b11;
    let side_info = match (frame.kind.version == 0b11, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let protected = data.get(1)? & 1 == 0;
    Some([
        Some(HEADER_BYTES + side_info),
        protected.then_some(HEADER_BYTES + 2 + side_info),
    ])
}

/// A first Layer III frame (the whole of it in `data`) with no Xing/Info id, but a LAME tag
/// of a known encoder where the id's fields would put it: the id is damaged, so the reader
/// decodes the tag frame as audio and trims no encoder delay or padding.
fn lame_tag_without_its_id(data: &[u8], frame: &Frame) -> bool {
    frame.kind.layer == 0b01
        && xing_at(data, frame).is_none()
        && tag_places(data, frame).is_some_and(|places| {
            places
                .into_iter()
                .flatten()
                .filter_map(|at| LameTag::read(data, at))
                .any(|tag| tag.known_encoder)
        })
}

/// The MPEG frames of audio a Layer III stream's first frame (at the start of `data`)
/// declares in a Xing/Info tag (when its frame-count flag is set) or a VBRI tag (32 bytes
/// after the header).
fn declared_audio_frames(data: &[u8], frame: &Frame) -> Option<u64> {
    if frame.kind.layer != 0b01 {
        return None;
    }
    let be_u32 = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if let Some(xing) = xing_at(data, frame) {
        let flags = be_u32(xing + 4)?;
        return (flags & 1 == 1).then(|| be_u32(xing + 8)).flatten().map(u64::from);
    }
    const VBRI_AT: usize = HEADER_BYTES + 32;
    if data.get(VBRI_AT..VBRI_AT + 4)? == b"VBRI" {
        return be_u32(VBRI_AT + 14).map(u64::from);
    }
    None
}

/// A frame of the stream's kind at the start of `data`.
fn frame_of(data: &[u8], kind: StreamKind) -> Option<Frame> {
    frame_header(data).filter(|frame| frame.kind == kind)
}

/// A tag that follows the audio (ID3v1, APEv2, Lyrics3): what comes after it is not walked.
fn is_trailing_tag(data: &[u8]) -> bool {
    data.starts_with(b"TAG") || data.starts_with(b"APETAGEX") || data.starts_with(b"LYRICSBEGIN")
}

/// Walks the MPEG audio frames of `reader` (the whole file) and reports the holes.
pub(crate) fn find_damage<R: Read>(reader: R) -> io::Result<MpegDamage> {
    let mut window = Window::new(reader, 4 * MAX_FRAME_BYTES);
    let mut damage = MpegDamage::default();
    // Tags and the zero padding some encoders write before the first frame.
    loop {
        window.fill(2 * MAX_FRAME_BYTES)?;
        let data = window.data();
        if let Some(len) = id3v2_len(data) {
            window.skip(len)?;
            continue;
        }
        let zeros = data.iter().take_while(|&&b| b == 0).count();
        if zeros == 0 {
            break;
        }
        window.consume(zeros);
    }
    let Some(first) = frame_header(window.data()) else {
        return Ok(damage); // not a stream this walk can follow (free format, or no frame)
    };
    let kind = first.kind;
    damage.samples_per_frame = first.samples;
    damage.declared_audio_frames = declared_audio_frames(window.data(), &first);
    if let Some(frame) = window.data().get(..first.bytes) {
        damage.tag_id_damaged = lame_tag_without_its_id(frame, &first);
        if damage.declared_audio_frames.is_some() {
            damage.tag_frame = Some(TagFrame {
                at: window.position(),
                bytes: first.bytes as u64,
                lame: xing_at(frame, &first).and_then(|xing| LameTag::read(frame, xing)),
            });
            window.consume(first.bytes); // the tag frame: no audio
        }
    }
    damage.frames_end = window.position();
    // Hole positions count the tag frame too, as they always have.
    let mut frames = if damage.declared_audio_frames.is_some() {
        first.samples
    } else {
        0
    };
    loop {
        window.fill(2 * MAX_FRAME_BYTES + HEADER_BYTES)?;
        let data = window.data();
        if data.len() < HEADER_BYTES {
            // A header cut short, or nothing.
            damage.ends_mid_frame = data.first() == Some(&0xFF);
            break;
        }
        if let Some(frame) = frame_of(data, kind) {
            if data.len() < frame.bytes {
                damage.ends_mid_frame = true;
                break;
            }
            frames += frame.samples;
            damage.audio_frames += 1;
            window.consume(frame.bytes);
            damage.frames_end = window.position();
            continue;
        }
        if let Some(len) = id3v2_len(data) {
            window.skip(len)?; // a tag between two streams (concatenated files)
            continue;
        }
        if is_trailing_tag(data) {
            break;
        }
        // The chain breaks here. Audio is lost only if more frames follow: find the next
        // place where two frames of the stream's kind chain (one alone could be a false
        // sync in junk); none means junk to the end of the file.
        match resync(&mut window, kind)? {
            Some(offset) => {
                damage.holes_after_frames.push(frames);
                window.consume(offset);
            }
            None => break,
        }
    }
    Ok(damage)
}

/// Searches on from the window's position (a byte after it), window by window, for the
/// next two chained frames of `kind` (or one last complete frame at the end of the file);
/// returns their offset from the window's current position.
fn resync<R: Read>(window: &mut Window<R>, kind: StreamKind) -> io::Result<Option<usize>> {
    // Kept when moving on, so a header straddling two windows is still seen.
    let keep = 2 * MAX_FRAME_BYTES + HEADER_BYTES;
    loop {
        window.fill(4 * MAX_FRAME_BYTES)?;
        let at_end = window.at_end();
        let data = window.data();
        let chained = |at: usize| {
            frame_of(&data[at..], kind).is_some_and(|frame| match data.get(at + frame.bytes..) {
                Some([]) => at_end,
                Some(next) => frame_of(next, kind).is_some() || (at_end && next.len() < HEADER_BYTES),
                None => false,
            })
        };
        if let Some(offset) = (1..data.len()).find(|&at| chained(at)) {
            return Ok(Some(offset));
        }
        if at_end || data.len() <= keep {
            return Ok(None);
        }
        let skipped = data.len() - keep;
        window.consume(skipped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MPEG 1 Layer III frame header: 128 kbit/s, 44.1 kHz, no padding (417 bytes, the
    /// textbook example: 144 * 128000 / 44100 = 417.96, rounded down).
    const HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0x64];

    fn frame(fill: u8) -> Vec<u8> {
        let mut frame = HEADER.to_vec();
        frame.resize(417, fill);
        frame
    }

    fn stream(frames: usize) -> Vec<Vec<u8>> {
        (0..frames).map(|n| frame(n as u8 | 0x01)).collect()
    }

    #[test]
    fn reads_frame_lengths_from_the_tables() {
        let frame = frame_header(&HEADER).expect("a header");
        assert_eq!(
            (frame.bytes, frame.samples, frame.kind.sample_rate),
            (417, 1152, 44_100)
        );
        // Padded: one byte more. MPEG 2 Layer III, 64 kbit/s, 22.05 kHz: 72 * 64000 / 22050 = 208.
        assert_eq!(frame_header(&[0xFF, 0xFB, 0x92, 0x64]).map(|f| f.bytes), Some(418));
        let mpeg2 = frame_header(&[0xFF, 0xF3, 0x80, 0x64]).expect("an MPEG 2 header");
        assert_eq!((mpeg2.bytes, mpeg2.samples, mpeg2.kind.sample_rate), (208, 576, 22_050));
        // Layer II, 192 kbit/s, 48 kHz: 144 * 192000 / 48000 = 576. Layer I, 32 kHz, 448
        // kbit/s: (12 * 448000 / 32000) * 4 = 672.
        assert_eq!(frame_header(&[0xFF, 0xFD, 0xA4, 0x00]).map(|f| f.bytes), Some(576));
        assert_eq!(frame_header(&[0xFF, 0xFF, 0xE8, 0x00]).map(|f| f.bytes), Some(672));
        // Free format, a bad bitrate, a reserved rate or version: no header.
        for bad in [
            [0xFF, 0xFB, 0x00, 0],
            [0xFF, 0xFB, 0xF0, 0],
            [0xFF, 0xFB, 0x9C, 0],
            [0xFF, 0xEB, 0x90, 0],
        ] {
            assert_eq!(frame_header(&bad), None, "{bad:02X?}");
        }
    }

    #[test]
    fn an_intact_stream_with_tags_has_no_holes() {
        let mut file = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        file.extend([0u8; 7]);
        file.extend(stream(10).concat());
        file.extend(b"ID3\x04\x00\x00\x00\x00\x00\x01x"); // a second stream's tag
        file.extend(stream(3).concat());
        file.extend(b"APETAGEX");
        file.extend([0x33; 200]);
        file.extend(b"TAG");
        file.extend([b' '; 125]);
        let found = find_damage(&file[..]).unwrap();
        assert_eq!(found.holes_after_frames, Vec::<u64>::new());
        assert_eq!((found.audio_frames, found.ends_mid_frame), (13, false));
        // Junk after the last frame, or a last frame cut short: no audio lost between frames.
        let mut trailing = stream(4).concat();
        trailing.extend([0x42; 3000]);
        let found = find_damage(&trailing[..]).unwrap();
        assert_eq!(found.holes_after_frames, Vec::<u64>::new());
        assert_eq!((found.audio_frames, found.ends_mid_frame), (4, false));
        let cut = stream(4).concat();
        let found = find_damage(&cut[..cut.len() - 100]).unwrap();
        assert_eq!(found.holes_after_frames, Vec::<u64>::new());
        assert_eq!((found.audio_frames, found.ends_mid_frame), (3, true));
        assert_eq!(found.frames_missing(), 0, "no tag declares a length");
        assert!(find_damage(&cut[..417 * 3 + 2]).unwrap().ends_mid_frame);
    }

    /// A stream whose first frame is an Info tag declaring `declared` frames of audio
    /// (stereo MPEG 1: the tag sits after 4 header and 32 side-information bytes).
    fn tagged_stream(declared: u32, frames: usize) -> Vec<u8> {
        let mut tag = frame(0);
        tag[36..40].copy_from_slice(b"Info");
        tag[40..44].copy_from_slice(&1u32.to_be_bytes()); // flags: frame count present
        tag[44..48].copy_from_slice(&declared.to_be_bytes());
        [tag, stream(frames).concat()].concat()
    }

    #[test]
    fn counts_frames_against_the_info_tag() {
        let whole = tagged_stream(10, 10);
        let found = find_damage(&whole[..]).unwrap();
        assert_eq!((found.declared_audio_frames, found.audio_frames), (Some(10), 10));
        assert_eq!((found.frames_missing(), found.samples_per_frame), (0, 1152));
        // Cut at a frame boundary, 3 frames short: 3 missing.
        let found = find_damage(&whole[..417 * 8]).unwrap();
        assert_eq!((found.audio_frames, found.frames_missing()), (7, 3));
        // Cut inside the last frame: that one is missing.
        let found = find_damage(&whole[..whole.len() - 10]).unwrap();
        assert_eq!((found.audio_frames, found.frames_missing()), (9, 1));
        // A tag counting itself too (one more than the audio frames): nothing missing.
        assert_eq!(find_damage(&tagged_stream(11, 10)[..]).unwrap().frames_missing(), 0);
        // With error protection (a CRC after the header): the tag where LAME writes it, as
        // without the CRC, or after the CRC.
        let mut protected = tagged_stream(10, 10);
        protected[1] = 0xFA;
        assert_eq!(find_damage(&protected[..]).unwrap().declared_audio_frames, Some(10));
        protected.copy_within(36..48, 38);
        assert_eq!(find_damage(&protected[..]).unwrap().declared_audio_frames, Some(10));
        // A VBRI tag (32 bytes after the header, the frame count 14 bytes into it).
        let mut vbri = tagged_stream(0, 6);
        vbri[36..40].copy_from_slice(b"VBRI");
        vbri[50..54].copy_from_slice(&8u32.to_be_bytes());
        let found = find_damage(&vbri[..]).unwrap();
        assert_eq!((found.declared_audio_frames, found.frames_missing()), (Some(8), 2));
    }

    #[test]
    fn walks_adts_frames_by_their_lengths() {
        // MPEG-4, no CRC, 44.1 kHz (index 4), stereo, 300-byte frames of one raw block.
        let adts = |fill: u8| {
            let mut frame = vec![0xFF, 0xF1, 0x50, 0x80, 0, 0, 0xFC];
            frame[3] |= (300 >> 11) as u8;
            frame[4] = (300 >> 3) as u8;
            frame[5] = ((300 & 7) << 5) as u8 | 0x1F;
            frame.resize(300, fill);
            frame
        };
        let header = frame_header(&adts(1)).expect("an ADTS header");
        assert_eq!(
            (header.bytes, header.samples, header.kind.sample_rate),
            (300, 1024, 44_100)
        );
        let frames: Vec<Vec<u8>> = (0..8).map(|n| adts(n as u8 | 1)).collect();
        // 50 bytes of frame 3 missing: the chain breaks after 3 frames; a cut last frame.
        let mut file = frames[..3].concat();
        file.extend(&frames[3][50..]);
        file.extend(frames[4..].concat());
        let found = find_damage(&file[..file.len() - 10]).unwrap();
        assert_eq!(found.holes_after_frames, vec![3 * 1024]);
        assert!(found.ends_mid_frame);
        assert_eq!(found.frames_missing(), 0);
    }

    #[test]
    fn finds_missing_bytes_and_junk_between_frames() {
        let frames = stream(12);
        // 100 bytes of frame 3 missing: the chain breaks after 3 frames; junk after frame 7.
        let mut file = frames[..3].concat();
        file.extend(&frames[3][100..]);
        file.extend(frames[4..7].concat());
        file.extend([0x5A; 5000]);
        file.extend(frames[7..].concat());
        let found = find_damage(&file[..]).unwrap();
        // Frames 0-2 intact, frame 3 broken (its header sits inside frame 2's expected
        // successor position no more); 4-6 intact, then junk: holes after 3 and 6 frames.
        assert_eq!(found.holes_after_frames, vec![3 * 1152, 6 * 1152]);
    }
}
