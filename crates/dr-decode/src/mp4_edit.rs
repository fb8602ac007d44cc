//! Gapless playback of lossy audio in MP4/M4A: the edit list (`elst`) says which decoded
//! frames are the music. AAC encoders put 1024 or 2112 "priming" frames before it and pad
//! the last packet after it; players that honour the edit list (foobar2000 among them)
//! measure only the music. Symphonia 0.6 does not read edit lists, so this reads the one
//! entry that matters from the file's `moov` box.

use std::io::{Read, Seek};

use crate::mp4_boxes::{child, find_top_level_box, full_box_body, next_box, read_u32_at};

/// Which decoded frames are the track's audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GaplessTrim {
    /// Frames to drop at the start (encoder priming).
    pub(crate) skip_frames: u64,
    /// Frames of audio after the skipped ones.
    pub(crate) audio_frames: u64,
}

/// Reads the edit list of track `track_id` from an MP4 file. `None` when there is none, it
/// is not a plain "play this one range" list, or the file cannot be read.
pub(crate) fn read_gapless_trim<R: Read + Seek>(
    source: &mut R,
    track_id: u32,
    sample_rate: u32,
) -> Option<GaplessTrim> {
    let moov = find_top_level_box(source, b"moov")?;
    let movie_timescale = read_u32_at(full_box_body(child(&moov, b"mvhd")?)?, 12, 20)?;
    let mut rest = &moov[..];
    while let Some((kind, body, after)) = next_box(rest) {
        rest = after;
        if &kind != b"trak" {
            continue;
        }
        let tkhd = full_box_body(child(body, b"tkhd")?)?;
        if read_u32_at(tkhd, 12, 20)? != track_id {
            continue;
        }
        let media_timescale = read_u32_at(full_box_body(child(child(body, b"mdia")?, b"mdhd")?)?, 12, 20)?;
        let elst = child(child(body, b"edts")?, b"elst")?;
        return edit_to_trim(elst, movie_timescale, media_timescale, sample_rate);
    }
    None
}

/// The first non-empty edit of an `elst` as frames: where the audio starts in the media,
/// and how long it plays.
fn edit_to_trim(elst: &[u8], movie_timescale: u32, media_timescale: u32, sample_rate: u32) -> Option<GaplessTrim> {
    let version = *elst.first()?;
    let count = u32::from_be_bytes(elst.get(4..8)?.try_into().ok()?);
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut entries = elst.get(8..)?.chunks_exact(entry_len).take(count as usize);
    let (duration, media_time) = entries.find_map(|entry| {
        let (duration, media_time) = if version == 1 {
            (
                u64::from_be_bytes(entry[..8].try_into().ok()?),
                i64::from_be_bytes(entry[8..16].try_into().ok()?),
            )
        } else {
            (
                u64::from(u32::from_be_bytes(entry[..4].try_into().ok()?)),
                i64::from(i32::from_be_bytes(entry[4..8].try_into().ok()?)),
            )
        };
        // media_time -1 is an empty edit (silence before the track): not a trim.
        (media_time >= 0).then_some((duration, media_time as u64))
    })?;
    if movie_timescale == 0 || media_timescale == 0 || duration == 0 {
        return None;
    }
    let rescale = |value: u64, timescale: u32| {
        u64::try_from(u128::from(value) * u128::from(sample_rate) / u128::from(timescale)).ok()
    };
    Some(GaplessTrim {
        skip_frames: rescale(media_time, media_timescale)?,
        audio_frames: rescale(duration, movie_timescale)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_aac_priming_edit() {
        // version 0, one entry: 8000 ms of movie time from media time 1024.
        let elst = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x1F, 0x40, 0, 0, 4, 0, 0, 1, 0, 0];
        assert_eq!(
            edit_to_trim(&elst, 1000, 44_100, 44_100),
            Some(GaplessTrim {
                skip_frames: 1024,
                audio_frames: 352_800
            })
        );
        // An empty edit first is skipped; a truncated list is ignored.
        let with_empty = [
            0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 10, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 0, 0, 0, 0, 0x1F, 0x40, 0, 0, 8, 0x40,
            0, 1, 0, 0,
        ];
        assert_eq!(
            edit_to_trim(&with_empty, 1000, 44_100, 44_100),
            Some(GaplessTrim {
                skip_frames: 2112,
                audio_frames: 352_800
            })
        );
        assert_eq!(edit_to_trim(&elst[..10], 1000, 44_100, 44_100), None);
    }
}
