//! An MP4 file's boxes (atoms), read for what symphonia does not say.
//!
//! Why an MP4 reader gave up: a box that claims more bytes than the file, or than the box
//! holding it, has. Symphonia then reports "missing moov atom" or finds no track, which reads
//! like an unsupported variant; this names the damage instead.
//!
//! Whether a track's sample tables agree with each other and with the media's duration:
//! symphonia plays as many samples as the time-to-sample table (`stts`) lists, so one damaged
//! count there silently drops or invents audio, where the sample size table (`stsz`), the
//! sample-to-chunk table (`stsc`) with the chunk offsets (`stco`/`co64`), and the media header
//! (`mdhd`) each say how much there is.

use std::io::{Read, Seek, SeekFrom};

use symphonia::core::formats::probe::Probe;

use super::mp4_edit::read_gapless_trim;
use super::{ContainerFormat, Extras, Input};
use crate::error::{DecodeError, TrackContext};
use crate::track::Codec;

/// MP4/M4A files. The reader trusts `stts` alone, ignores edit lists, and reports damaged
/// box sizes as missing boxes.
pub(crate) struct Mp4;

impl Mp4 {
    fn malformed(input: Input<'_>, reason: String) -> DecodeError {
        DecodeError::Malformed {
            path: input.display_path(),
            format: super::Container::Mp4.name().to_owned(),
            reason,
        }
    }
}

impl ContainerFormat for Mp4 {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::IsoMp4Reader<'_>>();
    }

    /// A box that claims more bytes than hold it (a damaged or cut file, not an unsupported
    /// variant).
    fn explain_refusal(&self, input: Input<'_>) -> Option<DecodeError> {
        let reason = oversized_box(&mut input.reopen().ok()?)?;
        Some(Self::malformed(input, reason))
    }

    /// Lossless audio must decode whole: sample tables that contradict each other or the
    /// media's duration leave its length unknown.
    fn check_track(&self, input: Input<'_>, track_id: u32, codec: Codec) -> Result<(), DecodeError> {
        if !codec.is_lossless() {
            return Ok(());
        }
        let contradiction = input
            .reopen()
            .ok()
            .and_then(|mut source| sample_table_contradiction(&mut source, track_id));
        match contradiction {
            Some(reason) => Err(Self::malformed(input, reason)),
            None => Ok(()),
        }
    }

    /// Lossy audio plays the edit list's range (gapless): that range is measured.
    fn read_extras(&self, input: Input<'_>, track: &TrackContext, track_id: u32) -> Result<Extras, DecodeError> {
        if track.codec.is_lossless() {
            return Ok(Extras::default());
        }
        let gapless = match input.reopen() {
            Ok(mut source) => read_gapless_trim(&mut source, track_id, track.sample_rate)
                .map_err(|reason| Self::malformed(input, reason))?,
            Err(_) => None,
        };
        Ok(Extras {
            gapless,
            ..Extras::default()
        })
    }
}

/// Largest `moov` box looked into (its sample tables grow with the length; hours of audio
/// stay far below this).
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a top-level box's body, scanning box headers from the start of the file.
pub(crate) fn find_top_level_box<R: Read + Seek>(source: &mut R, kind: &[u8; 4]) -> Option<Vec<u8>> {
    let end = source.seek(SeekFrom::End(0)).ok()?;
    let mut at = 0u64;
    while at + 8 <= end {
        source.seek(SeekFrom::Start(at)).ok()?;
        let mut header = [0u8; 16];
        source.read_exact(&mut header[..8]).ok()?;
        let mut size = u64::from(u32::from_be_bytes(header[..4].try_into().ok()?));
        let mut header_len = 8;
        if size == 1 {
            source.read_exact(&mut header[8..16]).ok()?;
            size = u64::from_be_bytes(header[8..16].try_into().ok()?);
            header_len = 16;
        } else if size == 0 {
            size = end - at;
        }
        if size < header_len {
            return None;
        }
        if &header[4..8] == kind {
            let body_len = size - header_len;
            if body_len > MAX_MOOV_BYTES {
                return None;
            }
            let mut body = Vec::new();
            source.take(body_len).read_to_end(&mut body).ok()?;
            return Some(body);
        }
        at = at.checked_add(size)?;
    }
    None
}

/// The first box in `boxes`: its type, its body, and the boxes after it.
pub(crate) fn next_box(boxes: &[u8]) -> Option<([u8; 4], &[u8], &[u8])> {
    let size = u32::from_be_bytes(boxes.get(..4)?.try_into().ok()?) as usize;
    let kind: [u8; 4] = boxes.get(4..8)?.try_into().ok()?;
    let (header_len, size) = match size {
        1 => (
            16,
            usize::try_from(u64::from_be_bytes(boxes.get(8..16)?.try_into().ok()?)).ok()?,
        ),
        0 => (8, boxes.len()),
        size => (8, size),
    };
    let body = boxes.get(header_len..size)?;
    Some((kind, body, &boxes[size..]))
}

/// The body of the first child box of type `kind`.
pub(crate) fn child<'a>(parent: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    let mut rest = parent;
    while let Some((found, body, after)) = next_box(rest) {
        if &found == kind {
            return Some(body);
        }
        rest = after;
    }
    None
}

/// A full box's body (version and flags included, as offsets below assume).
pub(crate) fn full_box_body(body: &[u8]) -> Option<&[u8]> {
    (body.len() >= 4).then_some(body)
}

/// A u32 at `v0_offset` in a version-0 full box, at `v1_offset` in version 1 (whose
/// creation and modification times are 64-bit).
pub(crate) fn read_u32_at(full_box: &[u8], v0_offset: usize, v1_offset: usize) -> Option<u32> {
    let offset = if full_box.first()? == &1 { v1_offset } else { v0_offset };
    Some(u32::from_be_bytes(full_box.get(offset..offset + 4)?.try_into().ok()?))
}

/// Boxes that hold only other boxes, looked into below `moov`.
const CONTAINERS: [&[u8; 4]; 8] = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"];

/// The first box whose size runs past the end of the file or of its parent, in words.
pub(crate) fn oversized_box<R: Read + Seek>(source: &mut R) -> Option<String> {
    let end = source.seek(SeekFrom::End(0)).ok()?;
    let mut at = 0u64;
    while end.saturating_sub(at) >= 8 {
        source.seek(SeekFrom::Start(at)).ok()?;
        let mut header = [0u8; 16];
        source.read_exact(&mut header[..8]).ok()?;
        let kind: [u8; 4] = header[4..8].try_into().ok()?;
        let (size, header_len) = match u32::from_be_bytes(header[..4].try_into().ok()?) {
            0 => (end - at, 8), // extends to the end of the file
            1 => {
                source.read_exact(&mut header[8..16]).ok()?;
                (u64::from_be_bytes(header[8..16].try_into().ok()?), 16)
            }
            size => (u64::from(size), 8),
        };
        if size < header_len {
            return Some(format!(
                "the {} box at byte {at} declares an impossible size of {size} bytes",
                name(&kind)
            ));
        }
        if size > end - at {
            return Some(format!(
                "the {} box at byte {at} claims {size} bytes, but the file ends {} bytes after its start",
                name(&kind),
                end - at
            ));
        }
        if &kind == b"moov" && size - header_len <= MAX_MOOV_BYTES {
            let mut body = Vec::new();
            source.by_ref().take(size - header_len).read_to_end(&mut body).ok()?;
            if let Some(reason) = oversized_child(&body, at + header_len, &kind) {
                return Some(reason);
            }
        }
        at += size;
    }
    None
}

/// Looks into the container boxes below `parent` (whose body `body` starts at file offset
/// `offset`) for a box larger than what its parent has left.
fn oversized_child(body: &[u8], offset: u64, parent: &[u8; 4]) -> Option<String> {
    let mut at = 0usize;
    while body.len() - at >= 8 {
        let kind: [u8; 4] = body[at + 4..at + 8].try_into().ok()?;
        let (size, header_len) = match u32::from_be_bytes(body[at..at + 4].try_into().ok()?) {
            0 => ((body.len() - at) as u64, 8),
            1 => (u64::from_be_bytes(body.get(at + 8..at + 16)?.try_into().ok()?), 16),
            size => (u64::from(size), 8),
        };
        let left = (body.len() - at) as u64;
        if size < header_len as u64 || size > left {
            return Some(format!(
                "the {} box at byte {} claims {size} bytes, but the {} box holding it has {left} left",
                name(&kind),
                offset + at as u64,
                name(parent)
            ));
        }
        let size = size as usize; // at most `left`, a usize
        if CONTAINERS.contains(&&kind) {
            let child_body = body.get(at + header_len..at + size)?;
            if let Some(reason) = oversized_child(child_body, offset + (at + header_len) as u64, &kind) {
                return Some(reason);
            }
        }
        at += size;
    }
    None
}

/// What the sample tables of a track say, and the media header's duration.
struct SampleTables {
    timescale: u32,
    /// `None`: unknown (0 or all ones, as fragmented or streamed files write).
    media_duration: Option<u64>,
    /// Samples and their total duration, from `stts`.
    timed_samples: u64,
    timed_duration: u64,
    /// From `stsz`.
    sized_samples: Option<u64>,
    /// Samples the chunks hold, from `stsc` and the number of chunks in `stco`/`co64`.
    chunked_samples: Option<u64>,
}

/// The first contradiction between the sample tables of track `track_id` and its media
/// header, in words naming the boxes. `None` when they agree or cannot be read (a damaged
/// box structure is `oversized_box`'s to name, or the reader's).
pub(crate) fn sample_table_contradiction<R: Read + Seek>(source: &mut R, track_id: u32) -> Option<String> {
    let moov = find_top_level_box(source, b"moov")?;
    contradiction(&read_sample_tables(find_track(&moov, track_id)?)?)
}

/// The body of the `trak` box of track `track_id` in a `moov` box's body.
pub(crate) fn find_track(moov: &[u8], track_id: u32) -> Option<&[u8]> {
    let mut rest = moov;
    while let Some((kind, trak, after)) = next_box(rest) {
        rest = after;
        if &kind == b"trak" && read_u32_at(full_box_body(child(trak, b"tkhd")?)?, 12, 20)? == track_id {
            return Some(trak);
        }
    }
    None
}

/// The media header's timescale and duration (`None`: unknown, 0 or all ones as fragmented
/// or streamed files write).
pub(crate) fn media_duration(trak: &[u8]) -> Option<(u32, Option<u64>)> {
    let mdhd = full_box_body(child(child(trak, b"mdia")?, b"mdhd")?)?;
    let timescale = read_u32_at(mdhd, 12, 20)?;
    let duration = if mdhd[0] == 1 {
        Some(u64::from_be_bytes(mdhd.get(24..32)?.try_into().ok()?)).filter(|&d| d != u64::MAX)
    } else {
        Some(u64::from(u32::from_be_bytes(mdhd.get(16..20)?.try_into().ok()?))).filter(|&d| d != u64::from(u32::MAX))
    };
    Some((timescale, duration.filter(|&d| d > 0)))
}

fn read_sample_tables(trak: &[u8]) -> Option<SampleTables> {
    let be_u32 = |bytes: &[u8], at: usize| -> Option<u64> {
        Some(u64::from(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)))
    };
    let mdia = child(trak, b"mdia")?;
    let (timescale, media_duration) = media_duration(trak)?;
    let stbl = child(child(mdia, b"minf")?, b"stbl")?;
    let stts = child(stbl, b"stts")?;
    let (mut timed_samples, mut timed_duration) = (0u64, 0u64);
    for entry in 0..be_u32(stts, 4)? {
        let at = 8 + 8 * usize::try_from(entry).ok()?;
        let (count, delta) = (be_u32(stts, at)?, be_u32(stts, at + 4)?);
        timed_samples = timed_samples.checked_add(count)?;
        timed_duration = timed_duration.checked_add(count.checked_mul(delta)?)?;
    }
    let sized_samples = child(stbl, b"stsz").and_then(|stsz| be_u32(stsz, 8));
    let chunks = child(stbl, b"stco")
        .or_else(|| child(stbl, b"co64"))
        .and_then(|offsets| be_u32(offsets, 4));
    let chunked_samples = chunks.and_then(|chunks| {
        // Runs of chunks: each entry says from which chunk (1-based) on how many samples each holds.
        let stsc = child(stbl, b"stsc")?;
        let entries = be_u32(stsc, 4)?;
        let mut total = 0u64;
        for entry in 0..entries {
            let at = 8 + 12 * usize::try_from(entry).ok()?;
            let (first, per_chunk) = (be_u32(stsc, at)?, be_u32(stsc, at + 4)?);
            let next = if entry + 1 < entries {
                be_u32(stsc, at + 12)?
            } else {
                chunks + 1
            };
            total = total.checked_add(next.checked_sub(first)?.checked_mul(per_chunk)?)?;
        }
        Some(total)
    });
    Some(SampleTables {
        timescale,
        media_duration,
        timed_samples,
        timed_duration,
        sized_samples,
        chunked_samples,
    })
}

fn contradiction(tables: &SampleTables) -> Option<String> {
    let timed = tables.timed_samples;
    if let Some(sized) = tables.sized_samples.filter(|&sized| sized != timed) {
        return Some(format!(
            "its sample tables disagree: the 'stts' box times {timed} samples, the 'stsz' box sizes {sized}"
        ));
    }
    if let Some(chunked) = tables.chunked_samples.filter(|&chunked| chunked != timed) {
        return Some(format!(
            "its sample tables disagree: the 'stts' box times {timed} samples, the 'stsc' and 'stco' boxes place {chunked}"
        ));
    }
    if let Some(media) = tables.media_duration.filter(|&media| media != tables.timed_duration) {
        return Some(format!(
            "its 'mdhd' box gives the media {media} units of 1/{} s, but its 'stts' box times {} units",
            tables.timescale, tables.timed_duration
        ));
    }
    None
}

/// A box type as people write it: 'moov', or in hex when not printable.
fn name(kind: &[u8; 4]) -> String {
    if kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("'{}'", String::from_utf8_lossy(kind))
    } else {
        format!("0x{}", kind.iter().map(|b| format!("{b:02X}")).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn names_the_box_that_overruns() {
        let stbl = mp4_box(b"stbl", &mp4_box(b"stsz", &[0; 12]));
        let trak = mp4_box(b"trak", &mp4_box(b"mdia", &mp4_box(b"minf", &stbl)));
        let moov = mp4_box(b"moov", &trak);
        let mut file = mp4_box(b"ftyp", b"M4A \0\0\0\0");
        file.extend(mp4_box(b"mdat", &[0; 100]));
        file.extend(&moov);
        assert_eq!(oversized_box(&mut Cursor::new(&file)), None);

        let mut big_mdat = file.clone();
        big_mdat[16..20].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        assert_eq!(
            oversized_box(&mut Cursor::new(&big_mdat)).as_deref(),
            Some("the 'mdat' box at byte 16 claims 4294967280 bytes, but the file ends 168 bytes after its start")
        );
        // The stsz box deep in the moov box: 8 ftyp... the offsets add up.
        let stsz_at = file.windows(4).position(|w| w == b"stsz").unwrap() - 4;
        let mut big_stsz = file.clone();
        big_stsz[stsz_at..stsz_at + 4].copy_from_slice(&1000u32.to_be_bytes());
        assert_eq!(
            oversized_box(&mut Cursor::new(&big_stsz)).as_deref(),
            Some(
                format!(
                    "the 'stsz' box at byte {stsz_at} claims 1000 bytes, but the 'stbl' box holding it has 20 left"
                )
                .as_str()
            )
        );
        let mut tiny = file.clone();
        tiny[0..4].copy_from_slice(&3u32.to_be_bytes());
        assert!(oversized_box(&mut Cursor::new(&tiny))
            .unwrap()
            .contains("impossible size of 3 bytes"));
    }
}
