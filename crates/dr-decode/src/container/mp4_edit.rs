//! Gapless playback of lossy audio in MP4/M4A: the edit list (`elst`) says which decoded
//! frames are the music. AAC encoders put 1024 or 2112 "priming" frames before it and pad
//! the last packet after it; players that honour the edit list (foobar2000 among them)
//! measure only the music. Symphonia 0.6 does not read edit lists, so this reads the one
//! entry that matters from the file's `moov` box.

use std::io::{Read, Seek};

use super::mp4_boxes::{child, find_top_level_box, find_track, full_box_body, media_duration, read_u32_at};

/// Which decoded frames are the track's audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GaplessTrim {
    /// Frames to drop at the start (encoder priming).
    pub(crate) skip_frames: u64,
    /// Frames of audio after the skipped ones.
    pub(crate) audio_frames: u64,
}

/// The longest a gapless edit leaves out at the end of the media, in seconds: encoder
/// padding is under a packet or two (a few thousand frames), never this much.
const MAX_END_PADDING_SECONDS: u64 = 1;

/// Reads the edit list of track `track_id` from an MP4 file. `Ok(None)` when there is none,
/// it is not a plain "play this one range" list, or the file cannot be read. An edit that
/// runs past the end of the media (`mdhd`), or leaves out more than a second at its end, is
/// no gapless trim of this media: its length cannot be trusted, and the reason says why.
pub(crate) fn read_gapless_trim<R: Read + Seek>(
    source: &mut R,
    track_id: u32,
    sample_rate: u32,
) -> Result<Option<GaplessTrim>, String> {
    let Some(moov) = find_top_level_box(source, b"moov") else {
        return Ok(None);
    };
    let read = || {
        let movie_timescale = read_u32_at(full_box_body(child(&moov, b"mvhd")?)?, 12, 20)?;
        let trak = find_track(&moov, track_id)?;
        let (media_timescale, media_duration) = media_duration(trak)?;
        let elst = child(child(trak, b"edts")?, b"elst")?;
        let trim = edit_to_trim(elst, movie_timescale, media_timescale, sample_rate)?;
        Some((
            trim,
            media_duration.map(|units| rescale(units, media_timescale, sample_rate)),
        ))
    };
    let Some((trim, media_frames)) = read() else {
        return Ok(None);
    };
    if let Some(Some(media_frames)) = media_frames {
        let edit_end = trim.skip_frames.saturating_add(trim.audio_frames);
        // One frame of rounding either way.
        let left_out = media_frames.saturating_sub(edit_end);
        if edit_end > media_frames + 1 || left_out > MAX_END_PADDING_SECONDS * u64::from(sample_rate) + 1 {
            return Err(format!(
                "its edit list ('elst', with the 'mvhd' timescale) plays frames {} to {edit_end}, \
                 but the media ('mdhd') holds {media_frames}",
                trim.skip_frames
            ));
        }
    }
    Ok(Some(trim))
}

/// `value` units of 1/`timescale` s as frames at `sample_rate`.
fn rescale(value: u64, timescale: u32, sample_rate: u32) -> Option<u64> {
    if timescale == 0 {
        return None;
    }
    u64::try_from(u128::from(value) * u128::from(sample_rate) / u128::from(timescale)).ok()
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
    if duration == 0 {
        return None;
    }
    Some(GaplessTrim {
        skip_frames: rescale(media_time, media_timescale, sample_rate)?,
        audio_frames: rescale(duration, movie_timescale, sample_rate)?,
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
