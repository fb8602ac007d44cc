//! Why a FLAC stream stopped: a frame whose channel count, sample rate or bit depth
//! differs from the STREAMINFO header.
//!
//! Symphonia's FLAC reader only takes frames that agree with STREAMINFO and skips the
//! others, so a stream that changes its parameters looks cut short where the change is, and
//! a STREAMINFO that lies about all frames looks like a file with no audio. Called only
//! after such a failure, this finds the frame where decoding stopped (header CRC-checked,
//! and its position must be exactly where the decoded audio ends) and says what differs.

use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::formats::probe::Probe;

use super::{ContainerFormat, Damage, DecodedTrack, Input};
use crate::error::{Cut, DecodeError, DecodeWarning, TrackContext};
use crate::track::Codec;

/// FLAC files. The reader takes only frames that agree with STREAMINFO and skips the
/// others, so its refusals and early stops are explained by walking the frames.
pub(crate) struct Flac;

impl ContainerFormat for Flac {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::FlacReader<'_>>();
    }

    /// A STREAMINFO header that does not describe the frames (the reader then finds no
    /// frame), or a file that ends right after its metadata (cut before its first frame).
    fn explain_refusal(&self, input: Input<'_>) -> Option<DecodeError> {
        let lying_header = || {
            let mismatch = input
                .reopen()
                .and_then(|source| mismatch_at(source, 0))
                .ok()
                .flatten()?;
            Some(DecodeError::Malformed {
                path: input.display_path(),
                format: super::Container::Flac.name().to_owned(),
                reason: mismatch.as_header_lie(),
            })
        };
        let header_alone = || {
            let (expected_frames, sample_rate) = input.reopen().and_then(header_without_audio).ok().flatten()?;
            Some(DecodeError::Truncated {
                path: input.display_path(),
                decoded_frames: 0,
                cut: Cut::Declared(expected_frames),
                sample_rate,
            })
        };
        lying_header().or_else(header_alone)
    }

    /// A stream that stopped early (truncated) or skipped frames (corrupt) because a frame
    /// changes the channel count, sample rate or bit depth: this names the change instead.
    fn explain_stop(&self, input: Input<'_>, track: &TrackContext, error: DecodeError) -> DecodeError {
        let at_frame = match &error {
            _ if track.codec != Codec::Flac => return error,
            DecodeError::Truncated { decoded_frames, .. } => *decoded_frames,
            DecodeError::Corrupt { at_seconds, .. } => (at_seconds * f64::from(track.sample_rate)).round() as u64,
            _ => return error,
        };
        let mismatch = input.reopen().and_then(|source| mismatch_at(source, at_frame));
        match mismatch {
            Ok(Some(mismatch)) => DecodeError::StreamChanged {
                path: error.path().to_path_buf(),
                at_seconds: at_frame as f64 / f64::from(track.sample_rate.max(1)),
                detail: mismatch.as_change(),
            },
            _ => error,
        }
    }

    /// Bytes the reader skipped without losing audio (frames that failed their CRC and were
    /// then read again, as a duplicated block repeats them): the numbers are right, but the
    /// file is damaged.
    fn find_damage(&self, input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        let skipped = input
            .reopen()
            .and_then(|source| skipped_bytes(source, track.file_bytes, track.packet_bytes))
            .ok()
            .filter(|&bytes| bytes > 0);
        Ok(Damage {
            lost_audio: Vec::new(),
            nothing_lost: skipped.map(|skipped| DecodeWarning {
                at_seconds: track.context.seconds(track.frames),
                message: format!(
                    "{skipped} bytes of damaged or repeated data were skipped; no audio is missing (every frame was read intact)"
                ),
            }),
        })
    }
}

/// The parameters of a stream or of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Parameters {
    channels: u32,
    sample_rate: u32,
    bits: u32,
}

/// What a frame declares, against the STREAMINFO header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    declared: Parameters,
    frame: Parameters,
}

impl Mismatch {
    /// The difference as a change in the stream: "channel count changes from 2 to 1".
    pub(crate) fn as_change(&self) -> String {
        let (declared, frame) = (self.declared, self.frame);
        if declared.channels != frame.channels {
            format!("channel count changes from {} to {}", declared.channels, frame.channels)
        } else if declared.sample_rate != frame.sample_rate {
            format!(
                "sample rate changes from {} Hz to {} Hz",
                declared.sample_rate, frame.sample_rate
            )
        } else {
            format!("bit depth changes from {} to {} bits", declared.bits, frame.bits)
        }
    }

    /// The difference as a header that does not describe its audio.
    pub(crate) fn as_header_lie(&self) -> String {
        let (declared, frame) = (self.declared, self.frame);
        let (what, declared, found) = if declared.channels != frame.channels {
            (
                if declared.channels == 1 { "channel" } else { "channels" },
                declared.channels,
                frame.channels,
            )
        } else if declared.sample_rate != frame.sample_rate {
            ("Hz", declared.sample_rate, frame.sample_rate)
        } else {
            ("bits per sample", declared.bits, frame.bits)
        };
        format!("its STREAMINFO header declares {declared} {what}, but its audio frames have {found}")
    }
}

/// Reads a FLAC file and compares the frame that starts at track frame `at_frame` with
/// STREAMINFO. `None` when there is no such frame or it agrees (a plain cut or damage).
pub(crate) fn mismatch_at<R: Read>(mut reader: R, at_frame: u64) -> io::Result<Option<Mismatch>> {
    let Some(StreamInfo {
        parameters: declared,
        max_block,
        ..
    }) = read_stream_info(&mut reader)?
    else {
        return Ok(None);
    };
    // Look at every sync code: a 16-byte header window, read in chunks.
    const HEADER_MAX: usize = 16;
    let mut window: Vec<u8> = Vec::with_capacity(64 * 1024 + HEADER_MAX);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut at_end = false;
    loop {
        if !at_end {
            let read = read_some(&mut reader, &mut chunk)?;
            at_end = read == 0;
            window.extend_from_slice(&chunk[..read]);
        }
        let scan_to = if at_end {
            window.len()
        } else {
            window.len().saturating_sub(HEADER_MAX)
        };
        for start in 0..scan_to {
            if window[start] != 0xFF || window.get(start + 1).is_none_or(|b| b & 0xFE != 0xF8) {
                continue;
            }
            let Some(header) = parse_header(&window[start..]) else {
                continue;
            };
            let first_sample = if header.variable_blocking {
                header.number
            } else {
                header.number.saturating_mul(max_block)
            };
            if first_sample != at_frame {
                continue;
            }
            let frame = Parameters {
                channels: header.channels,
                sample_rate: header.sample_rate.unwrap_or(declared.sample_rate),
                bits: header.bits.unwrap_or(declared.bits),
            };
            return Ok((frame != declared).then_some(Mismatch { declared, frame }));
        }
        if at_end {
            return Ok(None);
        }
        window.drain(..scan_to);
    }
}

fn read_some<R: Read>(reader: &mut R, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// What a FLAC file's STREAMINFO header declares.
struct StreamInfo {
    parameters: Parameters,
    max_block: u64,
    /// Frames per channel; 0 when unknown.
    total_frames: u64,
    /// Where the first frame starts: the bytes of the metadata blocks before it.
    audio_start: u64,
}

/// The total length and sample rate STREAMINFO declares, when the file's metadata is
/// complete and nothing follows it: a FLAC file cut right after its header.
pub(crate) fn header_without_audio<R: Read>(mut reader: R) -> io::Result<Option<(u64, u32)>> {
    let Some(info) = read_stream_info(&mut reader)? else {
        return Ok(None);
    };
    let nothing_after = reader.read(&mut [0u8; 1])? == 0;
    Ok((nothing_after && info.total_frames > 0).then_some((info.total_frames, info.parameters.sample_rate)))
}

/// Bytes of a FLAC file's frames that the reader skipped although no audio is missing (its
/// timeline had no gap): damaged or repeated data, such as a duplicated block, whose frames
/// fail their CRC or repeat frames already read. `file_bytes` is the file's size,
/// `packet_bytes` what the frames read add up to; an ID3v1 tag at the end is not skipped data.
pub(crate) fn skipped_bytes<R: Read + Seek>(mut reader: R, file_bytes: u64, packet_bytes: u64) -> io::Result<u64> {
    let Some(info) = read_stream_info(&mut reader)? else {
        return Ok(0);
    };
    const ID3V1_BYTES: u64 = 128;
    let mut tag = [0u8; 3];
    let tagged = file_bytes >= info.audio_start + ID3V1_BYTES && {
        reader.seek(SeekFrom::Start(file_bytes - ID3V1_BYTES))?;
        reader.read_exact(&mut tag)?;
        &tag == b"TAG"
    };
    let frame_bytes = file_bytes.saturating_sub(info.audio_start + if tagged { ID3V1_BYTES } else { 0 });
    Ok(frame_bytes.saturating_sub(packet_bytes))
}

/// The STREAMINFO header; leaves `reader` after the metadata.
fn read_stream_info<R: Read>(reader: &mut R) -> io::Result<Option<StreamInfo>> {
    let mut magic = [0u8; 4];
    reader.read_exact(&mut magic)?;
    if &magic != b"fLaC" {
        return Ok(None);
    }
    let mut found = None;
    let mut audio_start = 4u64;
    loop {
        let mut block_header = [0u8; 4];
        reader.read_exact(&mut block_header)?;
        let length = u64::from(u32::from_be_bytes([
            0,
            block_header[1],
            block_header[2],
            block_header[3],
        ]));
        audio_start += 4 + length;
        if block_header[0] & 0x7F == 0 && length >= 34 {
            let mut info = [0u8; 34];
            reader.read_exact(&mut info)?;
            io::copy(&mut reader.by_ref().take(length - 34), &mut io::sink())?;
            let max_block = u64::from(u16::from_be_bytes([info[2], info[3]]));
            let sample_rate = (u32::from(info[10]) << 12) | (u32::from(info[11]) << 4) | (u32::from(info[12]) >> 4);
            let channels = u32::from((info[12] >> 1) & 0x07) + 1;
            let bits = u32::from(((info[12] & 1) << 4) | (info[13] >> 4)) + 1;
            let total_frames = (u64::from(info[13] & 0x0F) << 32)
                | u64::from(u32::from_be_bytes([info[14], info[15], info[16], info[17]]));
            found = Some(StreamInfo {
                parameters: Parameters {
                    channels,
                    sample_rate,
                    bits,
                },
                max_block,
                total_frames,
                audio_start: 0,
            });
        } else {
            io::copy(&mut reader.by_ref().take(length), &mut io::sink())?;
        }
        if block_header[0] & 0x80 != 0 {
            return Ok(found.map(|info| StreamInfo { audio_start, ..info }));
        }
    }
}

/// A frame header as it declares itself.
struct FrameHeader {
    variable_blocking: bool,
    /// Frame number (fixed blocking) or first sample number (variable blocking).
    number: u64,
    channels: u32,
    /// `None`: as STREAMINFO.
    sample_rate: Option<u32>,
    /// `None`: as STREAMINFO.
    bits: Option<u32>,
}

/// Parses and CRC-checks the frame header at the start of `bytes`.
fn parse_header(bytes: &[u8]) -> Option<FrameHeader> {
    let byte = |at: usize| bytes.get(at).copied();
    let variable_blocking = byte(1)? & 1 == 1;
    let (block_code, rate_code) = (byte(2)? >> 4, byte(2)? & 0x0F);
    let (channel_code, bits_code) = (byte(3)? >> 4, (byte(3)? >> 1) & 0x07);
    if block_code == 0 || rate_code == 15 || channel_code > 10 || bits_code == 3 || byte(3)? & 1 != 0 {
        return None;
    }
    // The frame or sample number, UTF-8 style: the lead byte's leading ones count the bytes.
    let lead = byte(4)?;
    let length = match lead.leading_ones() {
        0 => 1,
        ones @ 2..=7 => ones as usize,
        _ => return None,
    };
    let mut number = u64::from(lead & (0x7F >> length.min(7)));
    for at in 5..4 + length {
        let continuation = byte(at)?;
        if continuation & 0xC0 != 0x80 {
            return None;
        }
        number = (number << 6) | u64::from(continuation & 0x3F);
    }
    let mut at = 4 + length;
    at += match block_code {
        6 => 1,
        7 => 2,
        _ => 0,
    };
    let explicit_rate = |at: usize| -> Option<u32> {
        match rate_code {
            12 => Some(u32::from(byte(at)?) * 1000),
            13 => Some(u32::from(u16::from_be_bytes([byte(at)?, byte(at + 1)?]))),
            14 => Some(u32::from(u16::from_be_bytes([byte(at)?, byte(at + 1)?])) * 10),
            _ => None,
        }
    };
    let sample_rate = match rate_code {
        0 => None,
        1 => Some(88_200),
        2 => Some(176_400),
        3 => Some(192_000),
        4 => Some(8_000),
        5 => Some(16_000),
        6 => Some(22_050),
        7 => Some(24_000),
        8 => Some(32_000),
        9 => Some(44_100),
        10 => Some(48_000),
        11 => Some(96_000),
        _ => Some(explicit_rate(at)?),
    };
    at += match rate_code {
        12 => 1,
        13 | 14 => 2,
        _ => 0,
    };
    if crc8(bytes.get(..at)?) != byte(at)? {
        return None;
    }
    Some(FrameHeader {
        variable_blocking,
        number,
        channels: if channel_code < 8 {
            u32::from(channel_code) + 1
        } else {
            2
        },
        sample_rate,
        bits: match bits_code {
            0 => None,
            1 => Some(8),
            2 => Some(12),
            4 => Some(16),
            5 => Some(20),
            6 => Some(24),
            _ => Some(32),
        },
    })
}

/// Whether a whole FLAC frame (as a packet of another container carries it) ends with the
/// CRC-16 of the rest (polynomial 0x8005, initial value 0, not reflected). Symphonia's FLAC
/// reader checks it, its FLAC decoder does not: FLAC in Matroska, MP4, CAF or Ogg is checked
/// here.
pub(crate) fn frame_crc_matches(frame: &[u8]) -> bool {
    let Some((body, stored)) = frame.split_last_chunk::<2>() else {
        return false;
    };
    let crc = body.iter().fold(0u16, |crc, &byte| {
        (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ byte)] as u16
    });
    crc == u16::from_be_bytes(*stored)
}

const CRC16_TABLE: [u32; 256] = super::ogg_pages::crc_table(0x8005, 16);

fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x07 } else { crc << 1 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame header: fixed blocking, 4096-frame blocks (code 12), the given codes.
    fn header(number: u8, rate_code: u8, channel_code: u8, bits_code: u8) -> Vec<u8> {
        let mut bytes = vec![
            0xFF,
            0xF8,
            (12 << 4) | rate_code,
            (channel_code << 4) | (bits_code << 1),
            number,
        ];
        bytes.push(crc8(&bytes));
        bytes
    }

    fn stream_info(rate: u32, channels: u32, bits: u32) -> Vec<u8> {
        let mut out = b"fLaC\x80\x00\x00\x22".to_vec();
        out.extend_from_slice(&[0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
        out.push((rate >> 12) as u8);
        out.push((rate >> 4) as u8);
        out.push((((rate & 0x0F) as u8) << 4) | (((channels - 1) as u8) << 1) | (((bits - 1) >> 4) as u8));
        out.push((((bits - 1) & 0x0F) as u8) << 4);
        out.extend_from_slice(&[0; 20]);
        out
    }

    #[test]
    fn finds_the_frame_where_the_stream_changes() {
        let mut file = stream_info(44_100, 2, 16);
        file.extend(header(0, 0, 1, 0));
        file.extend_from_slice(&[0x11; 300]);
        file.extend(header(1, 0, 0, 0)); // mono from frame 1 (sample 4096)
        file.extend_from_slice(&[0x22; 300]);
        let at_1 = mismatch_at(&file[..], 4096).unwrap().unwrap();
        assert_eq!(at_1.as_change(), "channel count changes from 2 to 1");
        assert_eq!(
            at_1.as_header_lie(),
            "its STREAMINFO header declares 2 channels, but its audio frames have 1"
        );
        // Frame 0 agrees with STREAMINFO; no frame starts at sample 100.
        assert_eq!(mismatch_at(&file[..], 0).unwrap(), None);
        assert_eq!(mismatch_at(&file[..], 100).unwrap(), None);

        let mut rate = stream_info(44_100, 2, 16);
        rate.extend(header(0, 10, 1, 4)); // 48 kHz
        assert_eq!(
            mismatch_at(&rate[..], 0).unwrap().unwrap().as_change(),
            "sample rate changes from 44100 Hz to 48000 Hz"
        );
        let mut bits = stream_info(44_100, 2, 24);
        bits.extend(header(0, 9, 1, 4)); // 16 bits, 44.1 kHz named explicitly
        assert_eq!(
            mismatch_at(&bits[..], 0).unwrap().unwrap().as_header_lie(),
            "its STREAMINFO header declares 24 bits per sample, but its audio frames have 16"
        );
        // A damaged header CRC is no frame.
        let mut damaged = stream_info(44_100, 2, 16);
        let mut bad = header(0, 0, 0, 0);
        bad[5] ^= 1;
        damaged.extend(bad);
        assert_eq!(mismatch_at(&damaged[..], 0).unwrap(), None);
    }

    #[test]
    fn checks_a_frame_crc16() {
        // CRC-16/UMTS (FLAC's: polynomial 0x8005, no reflection, initial 0, no final xor)
        // of "123456789" is 0xFEE8 in the CRC catalogue.
        let mut frame = b"123456789".to_vec();
        frame.extend_from_slice(&0xFEE8u16.to_be_bytes());
        assert!(frame_crc_matches(&frame));
        frame[3] ^= 1;
        assert!(!frame_crc_matches(&frame));
        assert!(!frame_crc_matches(&[0]));
    }

    #[test]
    fn sees_a_header_with_nothing_after_it() {
        let mut info = stream_info(48_000, 2, 16);
        info[21..26].copy_from_slice(&[0, 0, 0, 0x01, 0x00]); // 256 frames
        assert_eq!(header_without_audio(&info[..]).unwrap(), Some((256, 48_000)));
        info.push(0xFF);
        assert_eq!(header_without_audio(&info[..]).unwrap(), None);
    }
}
