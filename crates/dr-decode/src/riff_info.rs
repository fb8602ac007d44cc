//! Tags of WAV files from their RIFF `LIST`/`INFO` chunk. Symphonia 0.6.1's WAV reader
//! parses that chunk but then discards it (it keeps only externally supplied metadata),
//! so this reads the few fields DR logs use, before or after the `data` chunk.

use std::io::{Read, Seek, SeekFrom};

/// Top-level chunks looked at before giving up (a real file has a handful).
const MAX_CHUNKS: usize = 256;
/// Largest INFO list read (tags are short; a bigger one is not tags).
const MAX_INFO_BYTES: u32 = 1 << 20;

/// The INFO fields DR logs use.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RiffInfo {
    pub(crate) artist: Option<String>,
    pub(crate) album: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) track_number: Option<u32>,
}

/// Reads the INFO list of a RIFF/WAVE file; empty when there is none or it cannot be read.
pub(crate) fn read_riff_info<R: Read + Seek>(source: &mut R) -> RiffInfo {
    find_info_list(source).map(|body| parse_info(&body)).unwrap_or_default()
}

fn find_info_list<R: Read + Seek>(source: &mut R) -> Option<Vec<u8>> {
    let mut header = [0u8; 12];
    source.seek(SeekFrom::Start(0)).ok()?;
    source.read_exact(&mut header).ok()?;
    if &header[..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return None;
    }
    let mut position = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        source.seek(SeekFrom::Start(position)).ok()?;
        source.read_exact(&mut chunk).ok()?;
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        if &chunk[..4] == b"LIST" && (4..=MAX_INFO_BYTES).contains(&size) {
            let mut body = vec![0u8; size as usize];
            source.read_exact(&mut body).ok()?;
            if &body[..4] == b"INFO" {
                return Some(body.split_off(4));
            }
        }
        // Chunks are padded to an even size.
        position = position.checked_add(8 + u64::from(size) + u64::from(size & 1))?;
    }
    None
}

fn parse_info(mut body: &[u8]) -> RiffInfo {
    let mut info = RiffInfo::default();
    while body.len() >= 8 {
        let id = [body[0], body[1], body[2], body[3]];
        let size = u32::from_le_bytes([body[4], body[5], body[6], body[7]]) as usize;
        let Some(value) = body.get(8..8 + size) else {
            break;
        };
        let text = text_of(value);
        let slot = match &id {
            b"IART" => &mut info.artist,
            b"IPRD" => &mut info.album,
            b"INAM" => &mut info.title,
            b"IPRT" | b"ITRK" | b"TRCK" => {
                if info.track_number.is_none() {
                    info.track_number = leading_number(&text);
                }
                &mut None
            }
            _ => &mut None,
        };
        if slot.is_none() && !text.is_empty() {
            *slot = Some(text);
        }
        body = body.get(8 + size + (size & 1)..).unwrap_or_default();
    }
    info
}

/// INFO strings are NUL-terminated, in UTF-8 from current tools or Latin-1 from old ones.
fn text_of(value: &[u8]) -> String {
    let value = value.split(|&b| b == 0).next().unwrap_or_default();
    let text = match std::str::from_utf8(value) {
        Ok(text) => text.to_owned(),
        Err(_) => value.iter().map(|&b| char::from(b)).collect(),
    };
    text.trim().to_owned()
}

/// "3", "3/12", "03 " -> 3.
fn leading_number(text: &str) -> Option<u32> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.extend((body.len() as u32).to_le_bytes());
        out.extend(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn wav_with(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut out = b"RIFF".to_vec();
        out.extend(((body.len() + 4) as u32).to_le_bytes());
        out.extend(b"WAVE");
        out.extend(body);
        out
    }

    fn info_list(fields: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut body = b"INFO".to_vec();
        for (id, value) in fields {
            body.extend(chunk(id, value));
        }
        chunk(b"LIST", &body)
    }

    #[test]
    fn reads_info_before_or_after_the_data() {
        let list = info_list(&[
            (b"IART", b"Some Artist\0"),
            (b"INAM", b"A Title\0"),
            (b"IPRD", b"LP\0"),
            (b"IPRT", b"7/12\0"),
        ]);
        let expected = RiffInfo {
            artist: Some("Some Artist".into()),
            album: Some("LP".into()),
            title: Some("A Title".into()),
            track_number: Some(7),
        };
        let fmt = chunk(b"fmt ", &[0; 16]);
        let data = chunk(b"data", &[1, 2, 3]); // odd size: padded
        for order in [
            vec![fmt.clone(), list.clone(), data.clone()],
            vec![fmt.clone(), data.clone(), list.clone()],
        ] {
            assert_eq!(read_riff_info(&mut Cursor::new(wav_with(&order))), expected);
        }
    }

    #[test]
    fn latin1_and_damage_do_not_break_it() {
        let list = info_list(&[(b"IART", b"Bj\xf6rk\0")]);
        let info = read_riff_info(&mut Cursor::new(wav_with(&[list])));
        assert_eq!(info.artist.as_deref(), Some("Björk"));
        // A sub-chunk claiming more bytes than the list holds ends the parse, no panic.
        let mut broken = info_list(&[(b"INAM", b"x\0")]);
        broken[16] = 0xFF;
        assert_eq!(
            read_riff_info(&mut Cursor::new(wav_with(&[broken]))),
            RiffInfo::default()
        );
        assert_eq!(read_riff_info(&mut Cursor::new(b"RIFF".to_vec())), RiffInfo::default());
    }
}
