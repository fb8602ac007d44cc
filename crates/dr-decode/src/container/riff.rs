//! A WAV file's RIFF chunks, walked for what symphonia 0.6.1's WAV reader does not report:
//! tags from the `LIST`/`INFO` chunk (it parses that chunk but then discards it, keeping
//! only externally supplied metadata), before or after the `data` chunk; and bytes after the
//! `data` chunk that are no chunk (the reader stops at the chunk's declared end, so audio
//! beyond a damaged, too small size would go unmeasured without a word).

use std::fmt;
use std::io::{Read, Seek, SeekFrom};

use symphonia::core::formats::probe::Probe;

use super::{ContainerFormat, Damage, DecodedTrack, Extras, Input};
use crate::error::{DecodeError, DecodeWarning, TrackContext};

/// WAV files. The reader drops the `LIST`/`INFO` tags and stops at the `data` chunk's
/// declared end.
pub(crate) struct Wav;

impl ContainerFormat for Wav {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::WavReader<'_>>();
    }

    fn read_extras(&self, input: Input<'_>, _track: &TrackContext, _track_id: u32) -> Result<Extras, DecodeError> {
        let tags = input
            .reopen()
            .map(|mut source| read_riff_info(&mut source))
            .unwrap_or_default();
        Ok(Extras {
            tags: Some(tags),
            ..Extras::default()
        })
    }

    /// Bytes after the data chunk that are no chunk (audio beyond a data size that is too
    /// small, or junk), as a warning: the reader measured the data chunk as declared.
    fn find_damage(&self, input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        let junk = input.reopen().ok().and_then(|mut source| junk_after_data(&mut source));
        Ok(Damage {
            lost_audio: junk
                .map(|junk| DecodeWarning {
                    at_seconds: track.context.seconds(track.frames),
                    message: junk.to_string(),
                })
                .into_iter()
                .collect(),
            nothing_lost: None,
        })
    }
}

/// AIFF/AIFC files. The reader takes the length from the sound chunk's size alone: a file
/// whose `SSND` chunk it cannot find measures as empty, and a size too large reads the
/// chunks after it as audio. The `COMM` chunk's frame count is the stated length the decode
/// is held against (fewer frames: truncated; more: said, as for any lossless stream).
pub(crate) struct Aiff;

impl ContainerFormat for Aiff {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::AiffReader<'_>>();
    }

    fn read_extras(&self, input: Input<'_>, _track: &TrackContext, _track_id: u32) -> Result<Extras, DecodeError> {
        Ok(Extras {
            declared_frames: input
                .reopen()
                .ok()
                .and_then(|mut source| aiff_declared_frames(&mut source)),
            ..Extras::default()
        })
    }
}

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

/// A chunk header: its id, where it starts and the size of its body.
struct Chunk {
    id: [u8; 4],
    at: u64,
    size: u32,
}

impl Chunk {
    /// Where the next chunk starts: bodies are padded to an even size.
    fn next(&self) -> Option<u64> {
        self.at.checked_add(8 + u64::from(self.size) + u64::from(self.size & 1))
    }
}

/// The chunk header at `at`, if 8 bytes can be read there: RIFF sizes are little-endian,
/// AIFF's (IFF) big-endian.
fn chunk_at<R: Read + Seek>(source: &mut R, at: u64) -> Option<Chunk> {
    chunk_in(source, at, u32::from_le_bytes)
}

fn chunk_in<R: Read + Seek>(source: &mut R, at: u64, size_of: fn([u8; 4]) -> u32) -> Option<Chunk> {
    let mut header = [0u8; 8];
    source.seek(SeekFrom::Start(at)).ok()?;
    source.read_exact(&mut header).ok()?;
    Some(Chunk {
        id: [header[0], header[1], header[2], header[3]],
        at,
        size: size_of([header[4], header[5], header[6], header[7]]),
    })
}

/// The frames an AIFF/AIFC file's `COMM` chunk declares (its `numSampleFrames`). Symphonia
/// takes the length from the sound chunk alone and measures a file whose `SSND` chunk it
/// cannot find as empty: this is the length to hold the decode against.
pub(crate) fn aiff_declared_frames<R: Read + Seek>(source: &mut R) -> Option<u64> {
    let mut header = [0u8; 12];
    source.seek(SeekFrom::Start(0)).ok()?;
    source.read_exact(&mut header).ok()?;
    if &header[..4] != b"FORM" || !(&header[8..12] == b"AIFF" || &header[8..12] == b"AIFC") {
        return None;
    }
    let mut chunk = chunk_in(source, 12, u32::from_be_bytes)?;
    for _ in 0..MAX_CHUNKS {
        if &chunk.id == b"COMM" {
            let mut frames = [0u8; 4];
            source.seek(SeekFrom::Start(chunk.at + 8 + 2)).ok()?;
            source.read_exact(&mut frames).ok()?;
            return Some(u64::from(u32::from_be_bytes(frames)));
        }
        chunk = chunk_in(source, chunk.next()?, u32::from_be_bytes)?;
    }
    None
}

/// The first chunk of a RIFF/WAVE file, after its 12-byte header.
fn first_chunk<R: Read + Seek>(source: &mut R) -> Option<Chunk> {
    let mut header = [0u8; 12];
    source.seek(SeekFrom::Start(0)).ok()?;
    source.read_exact(&mut header).ok()?;
    if &header[..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return None;
    }
    chunk_at(source, 12)
}

fn find_info_list<R: Read + Seek>(source: &mut R) -> Option<Vec<u8>> {
    let mut chunk = first_chunk(source)?;
    for _ in 0..MAX_CHUNKS {
        if &chunk.id == b"LIST" && (4..=MAX_INFO_BYTES).contains(&chunk.size) {
            let mut body = vec![0u8; chunk.size as usize];
            source.seek(SeekFrom::Start(chunk.at + 8)).ok()?;
            source.read_exact(&mut body).ok()?;
            if &body[..4] == b"INFO" {
                return Some(body.split_off(4));
            }
        }
        chunk = chunk_at(source, chunk.next()?)?;
    }
    None
}

/// Bytes after the `data` chunk that are no RIFF chunk, to the end of the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JunkAfterData {
    /// The `data` chunk's declared size.
    pub(crate) data_size: u32,
    /// Where the junk starts.
    pub(crate) at: u64,
    pub(crate) bytes: u64,
}

impl fmt::Display for JunkAfterData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes from byte {} after the 'data' chunk are no RIFF chunk and were not measured: \
             if they are audio, the chunk's size ({} bytes) is wrong",
            self.bytes, self.at, self.data_size
        )
    }
}

/// Finds bytes after the `data` chunk that are not a chunk: a chunk header has a printable
/// id and a body that fits in the file. Not junk: a tag appended without a chunk (ID3v2,
/// ID3v1), a lone zero byte (an even-size pad after the last chunk), a chunk written right
/// after an odd-sized one without its pad byte. `None` also for a file that cannot be read
/// or has no `data` chunk, or one of unknown size (a streamed file's 0xFFFFFFFF).
pub(crate) fn junk_after_data<R: Read + Seek>(source: &mut R) -> Option<JunkAfterData> {
    let end = source.seek(SeekFrom::End(0)).ok()?;
    let mut chunk = first_chunk(source)?;
    for _ in 0..MAX_CHUNKS {
        if &chunk.id == b"data" {
            break;
        }
        chunk = chunk_at(source, chunk.next()?)?;
    }
    if &chunk.id != b"data" || chunk.size == u32::MAX {
        return None;
    }
    let data_size = chunk.size;
    let is_chunk = |chunk: &Chunk| {
        chunk.id.iter().all(|b| (0x20..=0x7E).contains(b)) && chunk.at + 8 + u64::from(chunk.size) <= end
    };
    for _ in 0..MAX_CHUNKS {
        let at = chunk.next()?;
        if at >= end {
            return None;
        }
        let unpadded = (chunk.size & 1 == 1)
            .then(|| chunk_at(source, at - 1))
            .flatten()
            .filter(is_chunk);
        chunk = match chunk_at(source, at).filter(is_chunk).or(unpadded) {
            Some(next) => next,
            None => {
                let mut head = [0u8; 3];
                source.seek(SeekFrom::Start(at)).ok()?;
                let read = source.read(&mut head).ok()?;
                let bytes = end - at;
                let lone_pad = bytes == 1 && head[0] == 0;
                let tag = read == 3 && (&head == b"ID3" || &head == b"TAG");
                return (!lone_pad && !tag).then_some(JunkAfterData { data_size, at, bytes });
            }
        };
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
    fn finds_bytes_after_the_data_chunk_that_are_no_chunk() {
        let fmt = chunk(b"fmt ", &[0; 16]);
        let data = chunk(b"data", &[7; 10]);
        let list = info_list(&[(b"INAM", b"x\0")]);
        let junk_of = |file: Vec<u8>| junk_after_data(&mut Cursor::new(file));
        // Chunks after the data, a tag, a lone pad byte: nothing to say.
        assert_eq!(junk_of(wav_with(&[fmt.clone(), data.clone(), list.clone()])), None);
        assert_eq!(junk_of(wav_with(&[fmt.clone(), data.clone()])), None);
        let tagged = [wav_with(&[fmt.clone(), data.clone()]), b"ID3\x04\0\0\0\0\0\0".to_vec()].concat();
        assert_eq!(junk_of(tagged), None);
        assert_eq!(
            junk_of([wav_with(&[fmt.clone(), data.clone()]), vec![0]].concat()),
            None
        );
        // An odd data chunk without its pad byte, then a chunk: still read as chunks.
        let odd = chunk(b"data", &[7; 9]);
        let unpadded = [&odd[..odd.len() - 1], &list[..]].concat();
        assert_eq!(junk_of(wav_with(&[fmt.clone(), unpadded])), None);
        // A data size 4 bytes too small: the 4 bytes of audio after it are no chunk (and not
        // even a chunk header); 6 bytes of junk before a LIST: the LIST is not reached.
        let mut short = wav_with(&[fmt.clone(), data.clone()]);
        let data_at = 12 + fmt.len();
        short[data_at + 4..data_at + 8].copy_from_slice(&6u32.to_le_bytes());
        let expected = JunkAfterData {
            data_size: 6,
            at: (data_at + 8 + 6) as u64,
            bytes: 4,
        };
        assert_eq!(junk_of(short), Some(expected));
        let junk_then_list = [wav_with(&[fmt.clone(), data.clone()]), vec![0x80; 6], list.clone()].concat();
        let found = junk_of(junk_then_list).expect("junk");
        assert_eq!((found.data_size, found.bytes), (10, 6 + list.len() as u64));
        assert_eq!(
            found.to_string(),
            format!(
                "{} bytes from byte {} after the 'data' chunk are no RIFF chunk and were not measured: \
                 if they are audio, the chunk's size (10 bytes) is wrong",
                6 + list.len(),
                data_at + 18
            )
        );
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
