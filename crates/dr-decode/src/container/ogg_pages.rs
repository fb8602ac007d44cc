//! Damage in an Ogg file's page sequence, found by walking the pages.
//!
//! Symphonia's Ogg reader drops a page whose CRC does not match (or that is missing) and
//! goes on with the next one, and the packets after the hole carry timestamps that close
//! it, so nothing the reader returns shows that audio was lost. The pages themselves do:
//! each page of a logical stream has a sequence number one above the previous one's. This
//! walks the pages once (CRC-checked, a page at a time, so in bounded memory) and reports
//! where the track's sequence breaks, and whether its last page ends the stream (a file cut
//! at a page boundary leaves nothing else to see).

use std::io::{self, Read};

use super::read_window::Window;

use symphonia::core::formats::probe::Probe;

use super::{ContainerFormat, Damage, DecodedTrack, Input};
use crate::error::{Cut, DecodeError, DecodeWarning};

/// Ogg files (Vorbis, Opus, FLAC). The reader drops damaged pages without a word.
pub(crate) struct Ogg;

impl ContainerFormat for Ogg {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::OggReader<'_>>();
    }

    /// Holes in the track's page sequence (pages the reader dropped as damaged), as
    /// warnings for lossy audio; lossless audio with a hole is corrupt. A stream without
    /// its end-of-stream page is cut: truncated, after the frames decoded.
    fn find_damage(&self, input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        let context = track.context;
        let damage = input
            .reopen()
            .and_then(|source| find_damage(source, track.track_id))
            .unwrap_or_default();
        if damage.unterminated {
            return Err(context.cut_short(track.frames, Cut::NoEndOfStream));
        }
        let holes = damage.holes_after_granule;
        let message = "a damaged Ogg page was skipped: the audio it held is missing";
        if let (Some(&first), true) = (holes.first(), context.codec.is_lossless()) {
            return Err(context.corrupt(first, message));
        }
        Ok(Damage {
            lost_audio: holes
                .into_iter()
                .map(|granule| DecodeWarning {
                    at_seconds: context.seconds(granule),
                    message: message.to_owned(),
                })
                .collect(),
            nothing_lost: None,
        })
    }
}

/// The largest Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255 bytes.
const MAX_PAGE_BYTES: usize = 27 + 255 + 255 * 255;
const HEADER_BYTES: usize = 27;
const CAPTURE: &[u8; 4] = b"OggS";
const END_OF_STREAM: u8 = 0x04;

/// What the page walk found for one logical stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct OggDamage {
    /// For each hole in the stream's page sequence, the granule position (the stream's
    /// sample count) of the last intact page before it: where audio goes missing.
    pub(crate) holes_after_granule: Vec<u64>,
    /// The stream's last intact page does not carry the end-of-stream flag: the file is cut
    /// (at a page boundary or inside a page), or its last page is damaged.
    pub(crate) unterminated: bool,
}

/// Walks the pages of `reader` and reports the holes in the page sequence of the logical
/// stream `serial`.
pub(crate) fn find_damage<R: Read>(reader: R, serial: u32) -> io::Result<OggDamage> {
    let mut window = Window::new(reader, 2 * MAX_PAGE_BYTES);
    let mut damage = OggDamage::default();
    let mut last_sequence: Option<u32> = None;
    let mut last_granule = 0u64;
    loop {
        window.fill(MAX_PAGE_BYTES)?;
        let data = window.data();
        if data.len() < HEADER_BYTES {
            break;
        }
        let page_bytes = match page_at(data) {
            PageAt::Page(length) => length,
            PageAt::Incomplete => break,
            PageAt::NotAPage => {
                // Resynchronise on the next capture pattern (a damaged page's bytes are skipped).
                let skip = data[1..]
                    .windows(CAPTURE.len())
                    .position(|w| w == CAPTURE)
                    .map_or(data.len() - (CAPTURE.len() - 1), |at| at + 1);
                window.consume(skip);
                continue;
            }
        };
        let header = &data[..HEADER_BYTES];
        let page_serial = u32::from_le_bytes([header[14], header[15], header[16], header[17]]);
        if page_serial == serial {
            let sequence = u32::from_le_bytes([header[18], header[19], header[20], header[21]]);
            if last_sequence.is_some_and(|last| sequence != last.wrapping_add(1)) {
                damage.holes_after_granule.push(last_granule);
            }
            last_sequence = Some(sequence);
            let granule = i64::from_le_bytes([
                header[6], header[7], header[8], header[9], header[10], header[11], header[12], header[13],
            ]);
            // -1: no packet ends on this page.
            if let Ok(granule) = u64::try_from(granule) {
                last_granule = granule;
            }
            let ends_stream = header[5] & END_OF_STREAM != 0;
            if ends_stream {
                last_sequence = None; // a chained stream may reuse the serial
            }
            damage.unterminated = !ends_stream;
        }
        window.consume(page_bytes);
    }
    Ok(damage)
}

enum PageAt {
    /// An intact page of this many bytes.
    Page(usize),
    /// The file ends inside what may be a page.
    Incomplete,
    /// No intact page starts here.
    NotAPage,
}

fn page_at(data: &[u8]) -> PageAt {
    if !data.starts_with(CAPTURE) || data[4] != 0 {
        return PageAt::NotAPage;
    }
    let segments = usize::from(data[26]);
    let Some(lacing) = data.get(HEADER_BYTES..HEADER_BYTES + segments) else {
        return PageAt::Incomplete;
    };
    let length = HEADER_BYTES + segments + lacing.iter().map(|&l| usize::from(l)).sum::<usize>();
    let Some(page) = data.get(..length) else {
        return PageAt::Incomplete;
    };
    let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
    if page_crc(page) == stored {
        PageAt::Page(length)
    } else {
        PageAt::NotAPage
    }
}

/// The page's CRC (Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0),
/// computed with the CRC field taken as zero.
fn page_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for (index, &byte) in page.iter().enumerate() {
        let byte = if (22..26).contains(&index) { 0 } else { byte };
        crc = (crc << 8) ^ CRC_TABLE[usize::from((crc >> 24) as u8 ^ byte)];
    }
    crc
}

const CRC_TABLE: [u32; 256] = crc_table(0x04C1_1DB7, 32);

/// The table of a CRC computed most significant bit first (not reflected), `width` bits
/// wide (at most 32) with polynomial `poly`: Ogg's CRC-32 and FLAC's CRC-16.
pub(crate) const fn crc_table(poly: u32, width: u32) -> [u32; 256] {
    let top = 1u32 << (width - 1);
    let mask = if width == 32 { u32::MAX } else { (1 << width) - 1 };
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = (index as u32) << (width - 8);
        let mut bit = 0;
        while bit < 8 {
            value = if value & top != 0 {
                (value << 1) ^ poly
            } else {
                value << 1
            } & mask;
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One page with a correct CRC.
    fn page(serial: u32, sequence: u32, granule: i64, flags: u8, body: &[u8]) -> Vec<u8> {
        let mut page = CAPTURE.to_vec();
        page.push(0);
        page.push(flags);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&serial.to_le_bytes());
        page.extend_from_slice(&sequence.to_le_bytes());
        page.extend_from_slice(&[0; 4]);
        page.push(1);
        page.push(body.len() as u8);
        page.extend_from_slice(body);
        let crc = page_crc(&page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        page
    }

    #[test]
    fn crc_matches_the_ogg_reference_value() {
        // Ogg's CRC is CRC-32/CKSUM (POSIX) without its final xor: the catalogued check value
        // of "123456789", 0x765E7680, xor 0xFFFFFFFF.
        let mut crc = 0u32;
        for &byte in b"123456789" {
            crc = (crc << 8) ^ CRC_TABLE[usize::from((crc >> 24) as u8 ^ byte)];
        }
        assert_eq!(crc, 0x765E_7680 ^ 0xFFFF_FFFF);
    }

    #[test]
    fn finds_a_damaged_and_a_missing_page() {
        let pages: Vec<Vec<u8>> = (0..6)
            .map(|n| {
                page(
                    7,
                    n,
                    i64::from(n) * 1000,
                    if n == 5 { END_OF_STREAM } else { 0 },
                    &[n as u8; 100],
                )
            })
            .collect();
        let whole: Vec<u8> = pages.concat();
        assert_eq!(find_damage(&whole[..], 7).unwrap(), OggDamage::default());
        // Page 2 damaged (CRC mismatch), page 4 missing: holes after granules 1000 and 3000.
        let mut damaged = pages.clone();
        damaged[2][40] ^= 0xFF;
        damaged.remove(4);
        let found = find_damage(&damaged.concat()[..], 7).unwrap();
        assert_eq!(found.holes_after_granule, vec![1000, 3000]);
        // Another stream's pages are not this one's concern; a cut last page is not a hole.
        let mut other = pages.concat();
        other.extend(page(9, 50, 0, 0, b"x"));
        other.extend_from_slice(&page(7, 6, 6000, 0, &[1; 100])[..50]);
        assert_eq!(find_damage(&other[..], 7).unwrap(), OggDamage::default());
        // Without its last page (the one flagged end-of-stream), or with it cut, the stream
        // is unterminated.
        let unterminated = OggDamage {
            holes_after_granule: Vec::new(),
            unterminated: true,
        };
        assert_eq!(find_damage(&pages[..5].concat()[..], 7).unwrap(), unterminated);
        let cut = whole.len() - 20;
        assert_eq!(find_damage(&whole[..cut], 7).unwrap(), unterminated);
    }
}
