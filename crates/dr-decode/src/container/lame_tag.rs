//! The LAME tag: the extension LAME (3.90 and later) and FFmpeg's MP3 muxer write after the
//! Xing/Info fields of an MP3's first frame. Besides the encoder delay and padding that
//! trim the decoded length, it holds the only checksums an MP3 usually has: a CRC-16 of the
//! tag frame itself and one of the audio data ("music CRC").
//!
//! Layout, from the tag's first byte (after the Xing/Info fields: LAME and FFmpeg write all
//! four, so 120 bytes after "Xing"/"Info"): the encoder (9 bytes, "LAME3.100", "Lavf lame",
//! "Lavc59.37"), revision and VBR method, lowpass, peak (4), radio and audiophile gain (2
//! each), flags, bitrate, delay and padding (3: 12 + 12 bits), misc, MP3Gain, preset and
//! surround (2), music length (4, big-endian), music CRC (2), tag CRC (2): 36 bytes.
//!
//! Both CRCs are CRC-16/ARC (polynomial 0x8005 reflected, initial value 0; FFmpeg's
//! `AV_CRC_16_ANSI_LE`), stored big-endian:
//! - the tag CRC covers the frame from its sync word to the tag CRC (LAME's `PutLameVBR`).
//!   FFmpeg's muxer always covers the frame's first 190 bytes, with the tag CRC's own
//!   bytes still zero: the same bytes in an MPEG 1 stereo frame, where the tag CRC sits at
//!   190; in mono or MPEG 2 frames the tag ends 15 bytes sooner. Either is accepted.
//! - the music length counts the bytes from the tag frame's first byte to the end of the
//!   audio (no ID3v1 or other tag after it), and the music CRC covers those bytes less
//!   the tag frame: every audio frame, as the encoder wrote it.
//!
//! Both were checked on files of LAME 3.100 (CBR, VBR, mono, MPEG 2, error protection,
//! ID3v1 and ID3v2 tags) and of FFmpeg's muxer (stereo, mono, VBR).

use std::io::{self, Read, Seek, SeekFrom};

use super::read_window::Window;

/// What a LAME tag says about the file, and whether the tag itself is intact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LameTag {
    /// The tag CRC matches the bytes it covers.
    pub(crate) intact: bool,
    /// The encoder string is one whose tag this is known to be (LAME, FFmpeg).
    pub(crate) known_encoder: bool,
    /// Bytes from the tag frame's first byte to the end of the audio.
    pub(crate) music_bytes: u64,
    /// The CRC of the audio after the tag frame, up to `music_bytes`.
    pub(crate) music_crc: u16,
}

const ENCODER_BYTES: usize = 9;
const MUSIC_LENGTH_AT: usize = 28;
const MUSIC_CRC_AT: usize = 32;
const TAG_CRC_AT: usize = 34;
const TAG_BYTES: usize = 36;
/// The Xing/Info fields LAME and FFmpeg write: id, flags, frames, bytes, 100-byte TOC, quality.
const FULL_XING_BYTES: usize = 4 + 4 + 4 + 4 + 100 + 4;
/// The span FFmpeg's muxer computes the tag CRC over.
const FFMPEG_TAG_CRC_SPAN: usize = 190;

impl LameTag {
    /// Reads the LAME tag of a Xing/Info frame (`frame`, from its sync word) whose "Xing"
    /// or "Info" id is at `xing_at`. None when there is no room for one or it states no CRC
    /// (a tag CRC of 0: encoders before LAME 3.90 wrote none); what is there may still be
    /// no LAME tag at all (see [`LameTag::damaged`]).
    pub(crate) fn read(frame: &[u8], xing_at: usize) -> Option<LameTag> {
        let flags = u32::from_be_bytes(frame.get(xing_at + 4..xing_at + 8)?.try_into().ok()?);
        let by_flags = xing_at
            + 8
            + [(1, 4), (2, 4), (4, 100), (8, 4)]
                .iter()
                .filter(|(flag, _)| flags & flag != 0)
                .map(|(_, bytes)| bytes)
                .sum::<usize>();
        // Where the flags put the tag, else where LAME and FFmpeg put it (the flags damaged).
        let candidates = [by_flags, xing_at + FULL_XING_BYTES];
        let tags: Vec<LameTag> = candidates.iter().filter_map(|&at| read_at(frame, at)).collect();
        tags.iter()
            .find(|tag| tag.intact)
            .or_else(|| tags.iter().find(|tag| tag.known_encoder))
            .or(tags.first())
            .copied()
    }

    /// A LAME tag that fails its CRC: damaged, so its length, delay and padding may be
    /// wrong. Bytes after a Xing/Info tag that are not a LAME tag fail too; they are taken
    /// for a damaged one only if they name a known encoder, or if `music_length_fits` (the
    /// music length is where the file's audio ends, which no chance bytes would say).
    pub(crate) fn damaged(&self, music_length_fits: bool) -> bool {
        !self.intact && (self.known_encoder || music_length_fits)
    }
}

fn read_at(frame: &[u8], at: usize) -> Option<LameTag> {
    let tag = frame.get(at..at + TAG_BYTES)?;
    let be16 = |offset: usize| u16::from_be_bytes([tag[offset], tag[offset + 1]]);
    let stored = be16(TAG_CRC_AT);
    if stored == 0 {
        return None;
    }
    let covered = &frame[..at + TAG_CRC_AT];
    let intact = crc16(0, covered) == stored || ffmpeg_tag_crc(frame, at + TAG_CRC_AT) == Some(stored);
    let encoder = &tag[..ENCODER_BYTES];
    let known_encoder = [&b"LAME"[..], b"Lavf", b"Lavc", b"L3.9"]
        .iter()
        .any(|known| encoder.starts_with(known));
    Some(LameTag {
        intact,
        known_encoder,
        music_bytes: u64::from(u32::from_be_bytes(
            tag[MUSIC_LENGTH_AT..MUSIC_LENGTH_AT + 4].try_into().ok()?,
        )),
        music_crc: be16(MUSIC_CRC_AT),
    })
}

/// FFmpeg's tag CRC: over the frame's first 190 bytes, with the tag CRC at `crc_at` zero.
fn ffmpeg_tag_crc(frame: &[u8], crc_at: usize) -> Option<u16> {
    let mut span: [u8; FFMPEG_TAG_CRC_SPAN] = frame.get(..FFMPEG_TAG_CRC_SPAN)?.try_into().ok()?;
    if let Some(field) = span.get_mut(crc_at..crc_at + 2) {
        field.fill(0);
    }
    Some(crc16(0, &span))
}

/// The key of the undo record MP3Gain writes when it changes a file's gain: an APEv2 item
/// (its default, in a tag after the audio) or an ID3v2 `TXXX` frame (`-s i`, before it).
const MP3GAIN_UNDO: &[u8] = b"MP3GAIN_UNDO";
/// How far into the tags before and after the audio the record is looked for.
const MP3GAIN_SEARCH_BYTES: u64 = 16 << 20;

/// MP3Gain's undo record in the tags before the audio (`..audio_start`) or after it
/// (`audio_end..`), read a block at a time.
pub(crate) fn has_mp3gain_undo<S: Read + Seek>(source: &mut S, audio_start: u64, audio_end: u64) -> io::Result<bool> {
    let file_end = source.seek(SeekFrom::End(0))?;
    for (start, end) in [(0, audio_start), (audio_end, file_end)] {
        if contains(
            source,
            start,
            end.min(start.saturating_add(MP3GAIN_SEARCH_BYTES)),
            MP3GAIN_UNDO,
        )? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `needle` in `start..end` of `source`, in any letter case.
fn contains<S: Read + Seek>(source: &mut S, start: u64, end: u64, needle: &[u8]) -> io::Result<bool> {
    source.seek(SeekFrom::Start(start))?;
    let range = source.take(end.saturating_sub(start));
    Window::new(range, 64 * 1024).find(needle.len(), |bytes| bytes.eq_ignore_ascii_case(needle))
}

/// The CRC-16/ARC of the `bytes` bytes of `source` from `start`, read a block at a time.
pub(crate) fn music_crc<S: Read + Seek>(source: &mut S, start: u64, bytes: u64) -> io::Result<u16> {
    source.seek(SeekFrom::Start(start))?;
    let mut block = vec![0u8; 64 * 1024];
    let (mut crc, mut left) = (0u16, bytes);
    while left > 0 {
        let want = block.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = source.read(&mut block[..want])?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        crc = crc16(crc, &block[..read]);
        left -= read as u64;
    }
    Ok(crc)
}

/// CRC-16/ARC: polynomial 0x8005 reflected (0xA001), least significant bit first. Eight
/// bytes a step ("slicing by 8": `CRC16_ARC_TABLES[k]` advances a byte by k + 1 bytes of
/// zeros), 4.5 times the speed of a byte a step: the music CRC reads the whole file.
fn crc16(crc: u16, bytes: &[u8]) -> u16 {
    let table = &CRC16_ARC_TABLES;
    let mut blocks = bytes.chunks_exact(8);
    let mut crc = crc;
    for block in &mut blocks {
        let low = crc ^ u16::from_le_bytes([block[0], block[1]]);
        crc = table[7][usize::from(low as u8)]
            ^ table[6][usize::from(low >> 8)]
            ^ table[5][usize::from(block[2])]
            ^ table[4][usize::from(block[3])]
            ^ table[3][usize::from(block[4])]
            ^ table[2][usize::from(block[5])]
            ^ table[1][usize::from(block[6])]
            ^ table[0][usize::from(block[7])];
    }
    blocks
        .remainder()
        .iter()
        .fold(crc, |crc, &byte| (crc >> 8) ^ table[0][usize::from((crc as u8) ^ byte)])
}

const CRC16_ARC_TABLES: [[u16; 256]; 8] = {
    let mut tables = [[0u16; 256]; 8];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u16;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 != 0 {
                (value >> 1) ^ 0xA001
            } else {
                value >> 1
            };
            bit += 1;
        }
        tables[0][index] = value;
        index += 1;
    }
    let mut table = 1;
    while table < 8 {
        let mut index = 0;
        while index < 256 {
            let previous = tables[table - 1][index];
            tables[table][index] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
            index += 1;
        }
        table += 1;
    }
    tables
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_arc_check_value() {
        // The catalogue's check value of CRC-16/ARC: the CRC of "123456789".
        assert_eq!(crc16(0, b"123456789"), 0xBB3D);
        // Split anywhere, the same; every length (blocks of 8 and the rest) as a bit at a time.
        assert_eq!(crc16(crc16(0, b"1234"), b"56789"), 0xBB3D);
        let bytes: Vec<u8> = (0..300u32)
            .map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for length in 0..bytes.len() {
            assert_eq!(
                crc16(0, &bytes[..length]),
                bitwise_crc16(&bytes[..length]),
                "{length} bytes"
            );
        }
        let mut source = std::io::Cursor::new(b"xx123456789yy".to_vec());
        assert_eq!(music_crc(&mut source, 2, 9).unwrap(), 0xBB3D);
        assert!(music_crc(&mut source, 2, 20).is_err(), "past the end");
    }

    /// An MPEG 1 frame (`frame_bytes` long) with an Info tag after `side_info` bytes and
    /// a LAME tag of `encoder`, its tag CRC written the LAME way (`ffmpeg` false) or
    /// FFmpeg's.
    fn tag_frame(side_info: usize, encoder: &[u8; 9], ffmpeg: bool) -> (Vec<u8>, usize) {
        let mut frame = vec![0u8; 417];
        frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, if side_info == 17 { 0xC4 } else { 0x64 }]);
        let xing = 4 + side_info;
        frame[xing..xing + 4].copy_from_slice(b"Info");
        frame[xing + 4..xing + 8].copy_from_slice(&15u32.to_be_bytes());
        let lame = xing + FULL_XING_BYTES;
        frame[lame..lame + 9].copy_from_slice(encoder);
        frame[lame + 28..lame + 32].copy_from_slice(&100_000u32.to_be_bytes());
        frame[lame + 32..lame + 34].copy_from_slice(&0x1234u16.to_be_bytes());
        let span = if ffmpeg { 190 } else { lame + 34 };
        let crc = bitwise_crc16(&frame[..span]);
        frame[lame + 34..lame + 36].copy_from_slice(&crc.to_be_bytes());
        (frame, xing)
    }

    /// CRC-16/ARC a bit at a time, apart from the table above.
    fn bitwise_crc16(bytes: &[u8]) -> u16 {
        let mut crc = 0u16;
        for &byte in bytes {
            crc ^= u16::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
            }
        }
        crc
    }

    #[test]
    fn reads_a_lame_tag_and_checks_its_crc_either_way() {
        for (side_info, ffmpeg) in [(32, false), (17, false), (32, true), (17, true)] {
            let (frame, xing) = tag_frame(side_info, b"LAME3.100", ffmpeg);
            let tag = LameTag::read(&frame, xing).expect("a LAME tag");
            assert_eq!(
                (tag.intact, tag.music_bytes, tag.music_crc),
                (true, 100_000, 0x1234),
                "side info {side_info}, FFmpeg's CRC {ffmpeg}"
            );
            // Any byte it covers changed: the CRC fails (the delay, the side information).
            for at in [xing + FULL_XING_BYTES + 21, 10] {
                let mut damaged = frame.clone();
                damaged[at] ^= 0x10;
                assert!(!LameTag::read(&damaged, xing).expect("still a LAME tag").intact);
            }
        }
        // The flags damaged: the tag is still found where LAME writes it, and fails its CRC.
        let (mut frame, xing) = tag_frame(32, b"Lavf lame", false);
        frame[xing + 7] = 0x07;
        assert_eq!(LameTag::read(&frame, xing).map(|tag| tag.intact), Some(false));
    }

    #[test]
    fn no_tag_where_none_is_written() {
        // No CRC written: no tag.
        let (mut frame, xing) = tag_frame(32, b"LAME3.100", false);
        let crc_at = xing + FULL_XING_BYTES + 34;
        frame[crc_at..crc_at + 2].fill(0);
        assert_eq!(LameTag::read(&frame, xing), None);
        // An unknown encoder: a LAME tag if its CRC matches; failing it, a damaged one only
        // where its music length fits the file. A known encoder failing it: damaged.
        let (mut frame, xing) = tag_frame(32, b"Xing 1.5 ", false);
        assert!(LameTag::read(&frame, xing).expect("an intact tag").intact);
        frame[crc_at] ^= 1;
        let tag = LameTag::read(&frame, xing).expect("bytes where a tag would be");
        assert_eq!((tag.damaged(false), tag.damaged(true)), (false, true));
        let (mut frame, xing) = tag_frame(32, b"LAME3.100", false);
        frame[crc_at] ^= 1;
        assert!(LameTag::read(&frame, xing).expect("a LAME tag").damaged(false));
        // A frame too short to hold one.
        assert_eq!(LameTag::read(&frame[..150], xing), None);
    }
}
