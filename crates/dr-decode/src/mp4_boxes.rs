//! Why an MP4 reader gave up: a box (atom) that claims more bytes than the file, or than
//! the box holding it, has. Symphonia then reports "missing moov atom" or finds no track,
//! which reads like an unsupported variant; this names the damage instead.

use std::io::{Read, Seek, SeekFrom};

/// Largest `moov` box looked into (its sample tables grow with the length; hours of audio
/// stay far below this).
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

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
