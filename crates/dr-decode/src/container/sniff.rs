//! Recognises a file by its first bytes, before any decoder sees it.
//!
//! Symphonia's probe scans up to 1 MB for anything that looks like a known stream, so a
//! WavPack or DSD file could be "found" to be MP3 by a stray sync word and measured as
//! noise. Checking the magic at the start (after ID3v2 tags) turns such files into a clear
//! "unsupported format: WavPack" and lets plain header checks name impossible parameters
//! (0 channels, sample rate 0) in words a person understands.

use std::io::{self, Read, Seek, SeekFrom};

use dr_core::MAX_CHANNELS;

use crate::track::MAX_SAMPLE_RATE;

/// How many bytes are read to recognise a file.
const SNIFF_BYTES: usize = 64 * 1024;

/// ID3v2 tags chained before the audio that are skipped at most (hostile files may chain
/// tags without end).
const MAX_ID3_TAGS: usize = 16;

/// The container a file starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    Flac,
    Wav,
    Aiff,
    Ogg,
    Mp4,
    Matroska,
    Caf,
    /// Raw MPEG audio frames (MP1/MP2/MP3).
    MpegAudio,
    /// Raw AAC in ADTS framing.
    Adts,
}

impl Container {
    /// The name people use for the container.
    pub fn name(self) -> &'static str {
        match self {
            Container::Flac => "FLAC",
            Container::Wav => "WAV",
            Container::Aiff => "AIFF",
            Container::Ogg => "Ogg",
            Container::Mp4 => "MP4",
            Container::Matroska => "Matroska",
            Container::Caf => "CAF",
            Container::MpegAudio => "MPEG audio",
            Container::Adts => "ADTS",
        }
    }
}

impl std::fmt::Display for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why the first bytes were refused.
#[derive(Debug)]
pub(crate) enum SniffError {
    Io(io::Error),
    /// A format this build does not decode, named.
    Unsupported(String),
    /// A recognised header with impossible parameters.
    Invalid(String),
}

/// Reads the start of `reader` (leaving it anywhere) and names its container.
pub(crate) fn sniff<R: Read + Seek>(reader: &mut R) -> Result<Container, SniffError> {
    let mut offset = 0u64;
    let mut after_id3 = false;
    for _ in 0..=MAX_ID3_TAGS {
        let head = read_at(reader, offset, SNIFF_BYTES).map_err(SniffError::Io)?;
        if head.is_empty() {
            return Err(SniffError::Unsupported(if after_id3 {
                "an ID3 tag with no audio after it".to_owned()
            } else {
                "empty file (0 bytes)".to_owned()
            }));
        }
        if let Some(tag_len) = id3v2_len(&head) {
            offset += tag_len;
            after_id3 = true;
            continue;
        }
        return classify(&head, after_id3);
    }
    Err(SniffError::Unsupported("a chain of ID3 tags with no audio".to_owned()))
}

fn read_at<R: Read + Seek>(reader: &mut R, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    reader.seek(SeekFrom::Start(offset))?;
    let mut head = Vec::with_capacity(len);
    reader.take(len as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Length of an ID3v2 tag (header, body and footer) starting `head`, if one does.
pub(crate) fn id3v2_len(head: &[u8]) -> Option<u64> {
    if head.len() < 10 || &head[..3] != b"ID3" || head[3] == 0xFF || head[4] == 0xFF {
        return None;
    }
    let size_bytes = &head[6..10];
    if size_bytes.iter().any(|b| b & 0x80 != 0) {
        return None; // not syncsafe: not an ID3v2 header
    }
    let body = size_bytes.iter().fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

fn classify(head: &[u8], after_id3: bool) -> Result<Container, SniffError> {
    let magic = |at: usize, expected: &[u8]| head.get(at..at + expected.len()) == Some(expected);

    if magic(0, b"fLaC") {
        check_flac_stream_info(head)?;
        return Ok(Container::Flac);
    }
    if magic(0, b"RIFF") {
        if magic(8, b"WAVE") {
            check_wave_format(head)?;
            return Ok(Container::Wav);
        }
        let form = head.get(8..12).map(String::from_utf8_lossy).unwrap_or_default();
        return Err(SniffError::Unsupported(format!(
            "RIFF file of form '{form}' (not WAVE)"
        )));
    }
    if magic(0, b"RF64") || magic(0, b"BW64") {
        return Err(SniffError::Unsupported(
            "RF64 (64-bit WAV), which this build does not read".to_owned(),
        ));
    }
    if magic(0, b"FORM") {
        if magic(8, b"AIFF") || magic(8, b"AIFC") {
            check_aiff_common(head)?;
            return Ok(Container::Aiff);
        }
        let form = head.get(8..12).map(String::from_utf8_lossy).unwrap_or_default();
        return Err(SniffError::Unsupported(format!("IFF file of form '{form}' (not AIFF)")));
    }
    if magic(0, b"OggS") {
        check_ogg_codec(head)?;
        return Ok(Container::Ogg);
    }
    if magic(0, b"caff") {
        check_caf_description(head)?;
        return Ok(Container::Caf);
    }
    if magic(4, b"ftyp") || magic(4, b"moov") || magic(4, b"mdat") || magic(4, b"wide") {
        return Ok(Container::Mp4);
    }
    if magic(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(Container::Matroska);
    }
    if let Some(named) = known_unsupported(head) {
        let after = if after_id3 { " (after an ID3 tag)" } else { "" };
        return Err(SniffError::Unsupported(format!("{named}{after}")));
    }
    if is_id3v1_tag(head) {
        return Err(SniffError::Unsupported(if after_id3 {
            "ID3 tags with no audio between them".to_owned()
        } else {
            "an ID3v1 tag with no audio before it".to_owned()
        }));
    }
    // Some encoders pad MPEG streams with zeros before the first frame.
    let first_non_zero = head.iter().position(|&b| b != 0).unwrap_or(head.len());
    if let Some(container) = mpeg_sync(&head[first_non_zero..]) {
        return Ok(container);
    }
    Err(SniffError::Unsupported(describe_unknown(head)))
}

/// Magic numbers of formats people have but this build does not decode.
fn known_unsupported(head: &[u8]) -> Option<&'static str> {
    const TABLE: &[(&[u8], &str)] = &[
        (b"wvpk", "WavPack"),
        (b"MAC ", "Monkey's Audio (APE)"),
        (b"DSD ", "DSF (DSD audio)"),
        (b"FRM8", "DSDIFF (DSD audio)"),
        (b"TTA1", "TTA (True Audio)"),
        (b"TTA2", "TTA (True Audio)"),
        (b"OFR ", "OptimFROG"),
        (b"MPCK", "Musepack"),
        (b"MP+", "Musepack"),
        (b"tBaK", "TAK"),
        (b"ajkg", "Shorten"),
        (b"LA0", "LA (Lossless Audio)"),
        (b"ADIF", "AAC in ADIF framing"),
        (b".snd", "Sun/NeXT AU"),
        (b"#!AMR", "AMR speech"),
        (b"MThd", "MIDI (notes, not recorded audio)"),
        (&[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11], "ASF (WMA/WMV)"),
        (b"%PDF", "not audio (a PDF document)"),
        (&[0x89, b'P', b'N', b'G'], "not audio (a PNG image)"),
        (&[0xFF, 0xD8, 0xFF], "not audio (a JPEG image)"),
        (b"GIF8", "not audio (a GIF image)"),
        (b"PK\x03\x04", "not audio (a ZIP archive)"),
        (&[0x7F, b'E', b'L', b'F'], "not audio (an executable)"),
    ];
    TABLE
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|&(_, name)| name)
}

/// `head` is all that is left of the file and is an ID3v1 tag (128 bytes from "TAG"), with
/// its optional 227-byte extended block ("TAG+") before it.
fn is_id3v1_tag(head: &[u8]) -> bool {
    const TAG: usize = 128;
    const EXTENDED: usize = 227;
    (head.len() == TAG && head.starts_with(b"TAG"))
        || (head.len() == EXTENDED + TAG && head.starts_with(b"TAG+") && head[EXTENDED..].starts_with(b"TAG"))
}

/// A raw MPEG audio or ADTS frame header at the start of `head`.
fn mpeg_sync(head: &[u8]) -> Option<Container> {
    let [b0, b1, b2, ..] = *head else { return None };
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
        return None;
    }
    let layer = (b1 >> 1) & 0b11;
    if layer == 0 {
        // ADTS: 12-bit sync, layer 0; sampling frequency index 13..15 are invalid.
        let frequency_index = (b2 >> 2) & 0x0F;
        return (b1 & 0xF6 == 0xF0 && frequency_index < 13).then_some(Container::Adts);
    }
    let version = (b1 >> 3) & 0b11;
    let bitrate_index = b2 >> 4;
    let rate_index = (b2 >> 2) & 0b11;
    (version != 0b01 && bitrate_index != 0x0F && rate_index != 0b11).then_some(Container::MpegAudio)
}

fn describe_unknown(head: &[u8]) -> String {
    let probe = &head[..head.len().min(512)];
    let is_text = match std::str::from_utf8(probe) {
        Ok(text) => text.chars().all(|c| !c.is_control() || c.is_whitespace()),
        // A multi-byte character cut at the probe's end is still text.
        Err(error) => error.valid_up_to() + 4 > probe.len() && error.error_len().is_none(),
    };
    if is_text {
        return "not audio (a text file)".to_owned();
    }
    let shown: Vec<String> = head.iter().take(8).map(|b| format!("{b:02X}")).collect();
    format!("not a recognised audio format (starts with {})", shown.join(" "))
}

fn invalid_channels_or_rate(channels: u64, sample_rate: u64) -> Result<(), SniffError> {
    if channels == 0 {
        return Err(SniffError::Invalid("the header declares 0 channels".to_owned()));
    }
    if channels > MAX_CHANNELS as u64 {
        return Err(SniffError::Invalid(format!(
            "the header declares {channels} channels (at most {MAX_CHANNELS} are supported)"
        )));
    }
    if sample_rate == 0 {
        return Err(SniffError::Invalid(
            "the header declares a sample rate of 0 Hz".to_owned(),
        ));
    }
    if sample_rate > u64::from(MAX_SAMPLE_RATE) {
        return Err(SniffError::Invalid(format!(
            "the header declares a sample rate of {sample_rate} Hz (at most {MAX_SAMPLE_RATE} Hz is supported)"
        )));
    }
    Ok(())
}

/// FLAC's first metadata block must be STREAMINFO (34 bytes at offset 8).
fn check_flac_stream_info(head: &[u8]) -> Result<(), SniffError> {
    let Some(info) = head.get(8..8 + 34) else {
        return Ok(()); // too short: the decoder reports the truncation
    };
    if head[4] & 0x7F != 0 {
        return Ok(()); // not STREAMINFO first: leave the verdict to the decoder
    }
    let sample_rate = (u64::from(info[10]) << 12) | (u64::from(info[11]) << 4) | (u64::from(info[12]) >> 4);
    // FLAC codes 1..=8 channels in 3 bits, so only the rate can be impossible.
    invalid_channels_or_rate(1, sample_rate)?;
    let bits = (((info[12] & 1) << 4) | (info[13] >> 4)) + 1;
    if bits < 4 {
        return Err(SniffError::Invalid(format!(
            "the header declares {bits} bits per sample (FLAC needs 4 to 32)"
        )));
    }
    Ok(())
}

/// Walks the RIFF chunks in `head` to the `fmt ` chunk and checks what it declares.
fn check_wave_format(head: &[u8]) -> Result<(), SniffError> {
    let mut at = 12usize;
    while let Some(chunk) = head.get(at..at + 8) {
        let id = &chunk[..4];
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        if id == b"fmt " {
            let Some(fmt) = head.get(at + 8..at + 8 + len.min(40)) else {
                return Ok(());
            };
            if fmt.len() < 16 {
                return Ok(());
            }
            let tag = u16::from_le_bytes([fmt[0], fmt[1]]);
            let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
            let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
            let bits = u16::from_le_bytes([fmt[14], fmt[15]]);
            invalid_channels_or_rate(u64::from(channels), u64::from(rate))?;
            let tag = if tag == 0xFFFE && fmt.len() >= 26 {
                u16::from_le_bytes([fmt[24], fmt[25]]) // the sub-format GUID's first two bytes
            } else {
                tag
            };
            return match tag {
                0x0001 | 0x0003 | 0x0006 | 0x0007 | 0x0002 | 0x0011 => {
                    if tag == 0x0001 && bits == 0 {
                        Err(SniffError::Invalid("the header declares 0 bits per sample".to_owned()))
                    } else if matches!(tag, 0x0002 | 0x0011) {
                        Ok(()) // ADPCM: blocks of many frames, the byte rate an average
                    } else {
                        check_wave_frame_sizes(fmt)
                    }
                }
                0x0050 | 0x0055 => Err(SniffError::Unsupported("MPEG audio inside WAV".to_owned())),
                0x0161..=0x0163 => Err(SniffError::Unsupported("WMA inside WAV".to_owned())),
                0x2000 => Err(SniffError::Unsupported("AC-3 inside WAV".to_owned())),
                0x2001 => Err(SniffError::Unsupported("DTS inside WAV".to_owned())),
                0xFFFE => Ok(()), // extensible without its extension: the decoder decides
                other => Err(SniffError::Unsupported(format!(
                    "WAV with format tag 0x{other:04X} (not PCM or float)"
                ))),
            };
        }
        at = at.saturating_add(8).saturating_add(len).saturating_add(len & 1);
    }
    Ok(())
}

/// A PCM or float `fmt ` chunk's sizes must agree: a frame (block align) is one container of
/// bits per channel, and the byte rate is a second of frames. When they contradict each
/// other no field can be trusted, and the sample rate sets the length of the windows the
/// measurement is made of: refused.
fn check_wave_frame_sizes(fmt: &[u8]) -> Result<(), SniffError> {
    let channels = u32::from(u16::from_le_bytes([fmt[2], fmt[3]]));
    let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    let byte_rate = u32::from_le_bytes([fmt[8], fmt[9], fmt[10], fmt[11]]);
    let block_align = u32::from(u16::from_le_bytes([fmt[12], fmt[13]]));
    let bits = u32::from(u16::from_le_bytes([fmt[14], fmt[15]]));
    let frame_bytes = channels * bits.div_ceil(8);
    if bits > 0 && block_align != frame_bytes {
        return Err(SniffError::Invalid(format!(
            "the fmt chunk contradicts itself: {channels} channels of {bits} bits make {frame_bytes}-byte frames, \
             but it declares a block align of {block_align} bytes"
        )));
    }
    // WAVE_FORMAT_EXTENSIBLE: the valid bits of each container (wValidBitsPerSample).
    if let (Some(valid), true) = (
        fmt.get(18..20),
        fmt.len() >= 40 && u16::from_le_bytes([fmt[0], fmt[1]]) == 0xFFFE,
    ) {
        let valid = u32::from(u16::from_le_bytes([valid[0], valid[1]]));
        if valid == 0 || valid > bits {
            return Err(SniffError::Invalid(format!(
                "the fmt chunk contradicts itself: {valid} valid bits in {bits}-bit samples"
            )));
        }
    }
    let second_bytes = u64::from(rate) * u64::from(block_align);
    if u64::from(byte_rate) != second_bytes {
        return Err(SniffError::Invalid(format!(
            "the fmt chunk contradicts itself: {rate} Hz of {block_align}-byte frames make {second_bytes} bytes \
             a second, but it declares {byte_rate} (the sample rate cannot be trusted)"
        )));
    }
    Ok(())
}

/// Checks CAF's `desc` chunk, which the format requires first (right after the 8-byte file
/// header): channels, rate, and a packet size whose bit count fits in 32 bits (symphonia
/// 0.6 multiplies it by 8 in `u32`; a hostile header would overflow there).
fn check_caf_description(head: &[u8]) -> Result<(), SniffError> {
    if head.get(8..12) != Some(b"desc") {
        return Ok(()); // not where the format puts it: the demuxer reports what is wrong
    }
    let Some(desc) = head.get(20..52) else {
        return Ok(()); // too short: the demuxer reports the truncation
    };
    let be_u32 = |at: usize| u32::from_be_bytes([desc[at], desc[at + 1], desc[at + 2], desc[at + 3]]);
    let rate = f64::from_be_bytes(desc[..8].try_into().unwrap_or_default());
    let (bytes_per_packet, channels) = (be_u32(16), be_u32(24));
    // A fractional, negative or NaN rate counts as 0 Hz; an absurd one as too high.
    let rate = if rate.is_finite() && rate >= 1.0 {
        rate.min(u64::MAX as f64) as u64
    } else {
        0
    };
    invalid_channels_or_rate(u64::from(channels), rate)?;
    if bytes_per_packet.checked_mul(8).is_none() {
        return Err(SniffError::Invalid(format!(
            "the header declares {bytes_per_packet} bytes per packet"
        )));
    }
    Ok(())
}

/// Checks AIFF's `COMM` chunk: channels and the 80-bit float sample rate. The rate is
/// stated once, with nothing to hold it against (WAV has its byte rate), but every real
/// rate is a whole number of hertz: a fraction, or a float that is not normalised, is a
/// damaged field, and the window length (3 s of frames) would follow it.
fn check_aiff_common(head: &[u8]) -> Result<(), SniffError> {
    let mut at = 12usize;
    while let Some(chunk) = head.get(at..at + 8) {
        let len = u32::from_be_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        if &chunk[..4] == b"COMM" {
            let Some(comm) = head.get(at + 8..at + 8 + 18) else {
                return Ok(());
            };
            let channels = i16::from_be_bytes([comm[0], comm[1]]);
            let rate = match extended_rate(&comm[8..18]) {
                ExtendedRate::Whole(rate) => rate,
                ExtendedRate::Fraction(rate) => {
                    return Err(SniffError::Invalid(format!(
                        "the 'COMM' chunk declares a sample rate of {rate:.4} Hz, not a whole number (a damaged field)"
                    )))
                }
                ExtendedRate::NotNormalised => {
                    return Err(SniffError::Invalid(
                        "the 'COMM' chunk's sample rate is not a valid 80-bit float (a damaged field)".to_owned(),
                    ))
                }
                ExtendedRate::Invalid => 0,
            };
            return invalid_channels_or_rate(u64::try_from(channels).unwrap_or(0), rate);
        }
        at = at.saturating_add(8).saturating_add(len).saturating_add(len & 1);
    }
    Ok(())
}

/// An AIFF sample rate read from an IEEE 754 80-bit extended float.
#[derive(Debug, PartialEq)]
enum ExtendedRate {
    /// A whole number of hertz (`u64::MAX` for absurdly large values).
    Whole(u64),
    /// A value with a fractional part (shown approximately).
    Fraction(f64),
    /// A non-zero value whose explicit integer bit is clear (an unnormal or pseudo-denormal).
    NotNormalised,
    /// Zero, negative, or below one.
    Invalid,
}

fn extended_rate(bytes: &[u8]) -> ExtendedRate {
    let [e0, e1, m @ ..] = bytes else {
        return ExtendedRate::Invalid;
    };
    let Ok(mantissa) = <[u8; 8]>::try_from(m) else {
        return ExtendedRate::Invalid;
    };
    let mantissa = u64::from_be_bytes(mantissa);
    let sign_and_exponent = u16::from_be_bytes([*e0, *e1]);
    if sign_and_exponent & 0x8000 != 0 || mantissa == 0 {
        return ExtendedRate::Invalid;
    }
    if mantissa >> 63 == 0 {
        return ExtendedRate::NotNormalised;
    }
    let exponent = i32::from(sign_and_exponent & 0x7FFF) - 16383;
    match exponent {
        0..=62 => {
            let shift = 63 - exponent;
            let whole = mantissa >> shift;
            let fraction = mantissa & ((1u64 << shift) - 1);
            if fraction == 0 {
                ExtendedRate::Whole(whole)
            } else {
                ExtendedRate::Fraction(whole as f64 + fraction as f64 / (1u64 << shift) as f64)
            }
        }
        63 => ExtendedRate::Whole(mantissa),
        e if e > 63 => ExtendedRate::Whole(u64::MAX),
        _ => ExtendedRate::Invalid,
    }
}

/// Names codecs inside Ogg that this build cannot decode (the first packet tells).
fn check_ogg_codec(head: &[u8]) -> Result<(), SniffError> {
    let Some(&segments) = head.get(26) else { return Ok(()) };
    let packet = head.get(27 + usize::from(segments)..).unwrap_or_default();
    let named = if packet.starts_with(b"Speex   ") {
        Some("Speex in Ogg")
    } else if packet.starts_with(b"\x80theora") {
        Some("Theora video in Ogg")
    } else if packet.starts_with(b"fishead") || packet.starts_with(b"\x80kate") {
        Some("an Ogg stream without audio first")
    } else {
        None
    };
    named.map_or(Ok(()), |what| Err(SniffError::Unsupported(what.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sniff_bytes(bytes: &[u8]) -> Result<Container, SniffError> {
        sniff(&mut Cursor::new(bytes))
    }

    #[test]
    fn names_unsupported_formats() {
        for (bytes, expected) in [
            (&b"wvpk\x00\x00\x00\x00"[..], "WavPack"),
            (b"MAC \x96\x0f", "Monkey's Audio"),
            (b"DSD \x1c\x00", "DSF"),
            (b"hello, this is text\n", "text file"),
            (b"", "empty file"),
            (&[&b"TAG"[..], &[b' '; 125]].concat()[..], "an ID3v1 tag with no audio"),
            (b"\x01\x02\x03\x04\x05", "starts with 01 02 03 04 05"),
        ] {
            match sniff_bytes(bytes) {
                Err(SniffError::Unsupported(what)) => assert!(what.contains(expected), "{what}"),
                other => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[test]
    fn recognises_mpeg_after_id3() {
        let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x02".to_vec();
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64, 0, 0]);
        assert_eq!(sniff_bytes(&bytes).ok(), Some(Container::MpegAudio));
    }

    #[test]
    fn reads_the_aiff_rate() {
        // 44100 Hz as an 80-bit extended float.
        assert_eq!(
            extended_rate(&[0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0]),
            ExtendedRate::Whole(44_100)
        );
        // 8000 Hz: 2^12 x 0b1.111101 = 0x400B FA00...
        assert_eq!(
            extended_rate(&[0x40, 0x0B, 0xFA, 0, 0, 0, 0, 0, 0, 0]),
            ExtendedRate::Whole(8000)
        );
        assert_eq!(extended_rate(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ExtendedRate::Invalid);
        // Negative, and below one (0.5 = 2^-1).
        assert_eq!(
            extended_rate(&[0xC0, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0]),
            ExtendedRate::Invalid
        );
        assert_eq!(
            extended_rate(&[0x3F, 0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            ExtendedRate::Invalid
        );
        // 44100.5: with exponent 15 the whole part is the mantissa's top 16 bits (0xAC44),
        // the next bit is one half.
        assert_eq!(
            extended_rate(&[0x40, 0x0E, 0xAC, 0x44, 0x80, 0, 0, 0, 0, 0]),
            ExtendedRate::Fraction(44_100.5)
        );
        // The explicit integer bit clear.
        assert_eq!(
            extended_rate(&[0x40, 0x0E, 0x2C, 0x44, 0, 0, 0, 0, 0, 0]),
            ExtendedRate::NotNormalised
        );
    }
}
