//! Matroska/WebM: the codec header of an Opus track, and damage in the clusters, found by
//! walking the file's EBML structure.
//!
//! Symphonia's Matroska reader skips what it cannot read and says nothing: an element size
//! that a damaged byte made larger throws its walk off the element boundaries, and it then
//! passes over whatever its next "elements" cover (blocks of audio among them); a block in
//! a cluster without its timestamp is dropped. Matroska has no checksum over the audio (its
//! optional CRC-32 elements are rare, and WebM forbids them), but its structure is
//! redundant: the children of every master element tile it exactly, a cluster holds only a
//! few kinds of element, and each block states its time. This walks the Segment once, an
//! element header at a time (block payloads are skipped, not kept: bounded memory), and
//! reports:
//!
//! - where the tiling breaks (an element running past its parent, bytes that are no
//!   element, an element a cluster cannot hold): the reader skipped what follows, to the
//!   cluster's end (the walk goes on there, or at the next cluster ID when the size is
//!   unknown or the break is in the Segment); the audio lost is told by the timestamps of
//!   the track's blocks on either side (`damaged Matroska data at byte N: X ms of audio
//!   skipped`), or is none (a damaged element between the blocks: said, nothing lost);
//! - the track's blocks whose timestamps do not follow: one going back before the previous
//!   block, or, for Opus (whose packets state their duration in their first bytes, RFC 6716
//!   §3.1), one that does not start where the previous packet ends (give or take the
//!   rounding of both timestamps to the timestamp scale). The next block tells which: in
//!   time with the blocks before, only that block's timestamp is damaged (its audio was
//!   measured); otherwise a damaged packet start, or blocks missing.
//!
//! A file cut short (an element running past the end of the file) is left to the length
//! check against the duration the Segment declares. Clusters of unknown size (live WebM)
//! end where an element that is not a cluster's child starts.
//!
//! The Opus codec header (`OpusHead`, RFC 7845 §5.1) sits in the track's CodecPrivate,
//! without the CRC an Ogg page gives it: it must be a valid head whose channel count is the
//! track's, and its pre-skip must agree with the track's CodecDelay where the track states
//! one (both say where the audio starts; the Matroska codec mapping for `A_OPUS` writes the
//! pre-skip there in nanoseconds). A disagreement is refused rather than warned about: the
//! measured audio starts at the pre-skip, and which of the two statements is the damaged one
//! cannot be told.

use std::io::{self, Read};

use symphonia::core::formats::probe::Probe;

use super::read_window::Window;
use super::{ContainerFormat, Damage, DecodedTrack, Input};
use crate::codec::{opus_packet_frames, OpusHead, OPUS_RATE};
use crate::error::{DecodeError, DecodeWarning};
use crate::track::Codec;

/// Matroska/WebM, read by symphonia's reader; its structure walked here.
pub(crate) struct Matroska;

impl ContainerFormat for Matroska {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::MkvReader<'_>>();
    }

    /// Blocks carry a start time but no duration (symphonia gives them `dur` 0), in the
    /// segment's time base (milliseconds by default): such timestamps equal frame positions
    /// only by coincidence (1000 Hz audio), and cannot place packets.
    fn timestamps_can_count_frames(&self) -> bool {
        false
    }

    /// An Opus track's head in CodecPrivate, against the track and its CodecDelay.
    fn check_track(&self, input: Input<'_>, track_id: u32, codec: Codec) -> Result<(), DecodeError> {
        if codec != Codec::Opus {
            return Ok(());
        }
        let Ok(Some(entry)) = input
            .reopen()
            .and_then(|source| find_track(source, u64::from(track_id)))
        else {
            return Ok(()); // the reader found the track; a walk that cannot adds nothing
        };
        check_opus_track(&entry).map_err(|reason| DecodeError::Malformed {
            path: input.display_path(),
            format: "Matroska".to_owned(),
            reason,
        })
    }

    /// Breaks in the structure and blocks out of time, as warnings for lossy audio; lossless
    /// audio with a break is corrupt (FLAC's CRCs vouch for the frames that were read, not
    /// for the ones skipped).
    fn find_damage(&self, input: Input<'_>, track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        let context = track.context;
        let opus = context.codec == Codec::Opus;
        let Ok(found) = input
            .reopen()
            .and_then(|source| walk(source, u64::from(track.track_id), opus))
        else {
            return Ok(Damage::default());
        };
        if let (Some(first), true) = (found.lost_audio.first(), context.codec.is_lossless()) {
            return Err(DecodeError::Corrupt {
                path: context.path.clone(),
                codec: context.codec.name().to_owned(),
                at_seconds: first.at_seconds,
                detail: first.message.clone(),
            });
        }
        Ok(Damage {
            lost_audio: found.lost_audio,
            nothing_lost: found.not_lost,
        })
    }
}

// Element IDs (Matroska, RFC 9559 §5.1), with their marker bits, as written.
const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const CODEC_PRIVATE: u32 = 0x63A2;
const CODEC_DELAY: u32 = 0x56AA;
const AUDIO: u32 = 0xE1;
const CHANNELS: u32 = 0x9F;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const CUES: u32 = 0x1C53_BB6B;
const ATTACHMENTS: u32 = 0x1941_A469;
const CHAPTERS: u32 = 0x1043_A770;
const TAGS: u32 = 0x1254_C367;
const VOID: u32 = 0xEC;
const CRC_32: u32 = 0xBF;

/// What a Segment holds (besides Void and CRC-32).
const SEGMENT_CHILDREN: [u32; 8] = [SEEK_HEAD, INFO, TRACKS, CLUSTER, CUES, ATTACHMENTS, CHAPTERS, TAGS];
/// What a Cluster holds besides its timestamp and blocks: SilentTracks, Position, PrevSize,
/// EncryptedBlock, Void, CRC-32.
const CLUSTER_OTHER_CHILDREN: [u32; 6] = [0x5854, 0xA7, 0xAB, 0xAF, VOID, CRC_32];

/// Elements read whole (Info, a track entry): larger ones are not what this walk reads.
const MAX_READ_WHOLE: u64 = 1 << 20;
/// A block's header and the first bytes of its first frame: track number (up to 8 bytes),
/// timecode (2), flags (1), and an Opus packet's TOC and frame count bytes.
const BLOCK_PEEK: usize = 13;
/// Default timestamp scale: a tick is 1 ms.
const DEFAULT_TIMESTAMP_SCALE: u64 = 1_000_000;

/// An element's header: its ID, where it starts, where its data starts, and its data size
/// (`None`: unknown, running to the end of its parent).
#[derive(Clone, Copy, Debug)]
struct Header {
    id: u32,
    at: u64,
    data_at: u64,
    size: Option<u64>,
}

impl Header {
    fn end(&self) -> Option<u64> {
        self.size.map(|size| self.data_at.saturating_add(size))
    }
}

/// A variable-length integer at the start of `bytes`: its value (without the length
/// marker unless `keep_marker`) and its length; `None` when it is no vint (a zero first
/// byte, longer than `max_len`) or is cut.
fn vint(bytes: &[u8], max_len: usize, keep_marker: bool) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > max_len || bytes.len() < len {
        return None;
    }
    let marker_mask = if keep_marker {
        0xFF
    } else {
        0xFFu8.checked_shr(len as u32).unwrap_or(0)
    };
    let value = bytes[1..len]
        .iter()
        .fold(u64::from(first & marker_mask), |value, &byte| {
            value << 8 | u64::from(byte)
        });
    Some((value, len))
}

/// An element header at the start of `bytes` found at file offset `at`.
fn header_at(bytes: &[u8], at: u64) -> Option<Header> {
    let (id, id_len) = vint(bytes, 4, true)?;
    let (size, size_len) = vint(&bytes[id_len..], 8, false)?;
    let unknown = size == (1u64 << (7 * size_len)) - 1;
    Some(Header {
        id: id as u32,
        at,
        data_at: at + (id_len + size_len) as u64,
        size: (!unknown).then_some(size),
    })
}

/// An unsigned integer element's data.
fn uint(data: &[u8]) -> Option<u64> {
    (data.len() <= 8).then(|| data.iter().fold(0u64, |value, &byte| value << 8 | u64::from(byte)))
}

/// A float element's data (4 or 8 bytes; 0 bytes is 0).
fn float(data: &[u8]) -> Option<f64> {
    match data.len() {
        0 => Some(0.0),
        4 => Some(f64::from(f32::from_be_bytes(data.try_into().ok()?))),
        8 => Some(f64::from_be_bytes(data.try_into().ok()?)),
        _ => None,
    }
}

/// The children of an element held in memory, as (ID, data); stops at the first that does
/// not fit.
fn children(mut data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    std::iter::from_fn(move || {
        let header = header_at(data, 0)?;
        let start = header.data_at as usize;
        let end = start.checked_add(usize::try_from(header.size?).ok()?)?;
        let child = data.get(start..end)?;
        data = &data[end..];
        Some((header.id, child))
    })
}

/// A reader of element headers, with the file offset of the window's start.
struct Elements<R> {
    window: Window<R>,
    at: u64,
}

impl<R: Read> Elements<R> {
    fn new(reader: R) -> Self {
        Elements {
            window: Window::new(reader, 64 * 1024),
            at: 0,
        }
    }

    /// The header at the current offset; `Ok(None)` at the end of the file, `Err` of kind
    /// `InvalidData` when the bytes there are no element header.
    fn header(&mut self) -> io::Result<Option<Header>> {
        self.window.fill(12)?;
        let data = self.window.data();
        if data.is_empty() {
            return Ok(None);
        }
        match header_at(data, self.at) {
            Some(header) => Ok(Some(header)),
            None if data.len() < 12 && self.window.at_end() => Ok(None),
            None => Err(io::ErrorKind::InvalidData.into()),
        }
    }

    /// Moves to `offset` (forward only).
    fn seek(&mut self, offset: u64) -> io::Result<()> {
        self.window.skip(offset.saturating_sub(self.at))?;
        self.at = self.at.max(offset);
        Ok(())
    }

    /// Up to `len` bytes from `offset` (fewer at the end of the file), the window left there.
    fn peek(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        self.seek(offset)?;
        self.window.fill(len)?;
        let data = self.window.data();
        Ok(&data[..len.min(data.len())])
    }

    /// An element's data, read whole when it is small enough to (else `None`).
    fn data(&mut self, header: &Header) -> io::Result<Option<Vec<u8>>> {
        let Some(size) = header.size.filter(|&size| size <= MAX_READ_WHOLE) else {
            return Ok(None);
        };
        let data = self.peek(header.data_at, size as usize)?.to_vec();
        Ok((data.len() as u64 == size).then_some(data))
    }

    /// Moves to the next Cluster ID after the current offset; false when none follows.
    fn find_cluster(&mut self) -> io::Result<bool> {
        let pattern = CLUSTER.to_be_bytes();
        self.seek(self.at + 1)?;
        let searched_from = self.window.position();
        let found = self.window.find(pattern.len(), |bytes| bytes == pattern)?;
        self.at += self.window.position() - searched_from;
        Ok(found)
    }
}

/// What the track's entry in Tracks says.
#[derive(Debug, Default)]
struct TrackEntry {
    codec_private: Option<Vec<u8>>,
    codec_delay_ns: Option<u64>,
    channels: Option<u64>,
}

fn track_entry(data: &[u8]) -> (Option<u64>, TrackEntry) {
    let mut number = None;
    let mut entry = TrackEntry::default();
    for (id, child) in children(data) {
        match id {
            TRACK_NUMBER => number = uint(child),
            CODEC_PRIVATE => entry.codec_private = Some(child.to_vec()),
            CODEC_DELAY => entry.codec_delay_ns = uint(child),
            AUDIO => {
                entry.channels = children(child)
                    .find(|&(id, _)| id == CHANNELS)
                    .and_then(|(_, c)| uint(c))
            }
            _ => {}
        }
    }
    (number, entry)
}

/// The entry of track `number`, from the first Tracks element of the first Segment.
fn find_track<R: Read>(reader: R, number: u64) -> io::Result<Option<TrackEntry>> {
    let mut elements = Elements::new(reader);
    let Some(segment_end) = enter_segment(&mut elements)? else {
        return Ok(None);
    };
    while let Some(header) = elements.header()? {
        if segment_end.is_some_and(|end| header.at >= end) || header.size.is_none() {
            break;
        }
        if header.id == TRACKS {
            let Some(tracks) = elements.data(&header)? else {
                break;
            };
            return Ok(children(&tracks)
                .filter(|&(id, _)| id == TRACK_ENTRY)
                .map(|(_, data)| track_entry(data))
                .find(|(track, _)| *track == Some(number))
                .map(|(_, entry)| entry));
        }
        elements.seek(header.end().unwrap_or(u64::MAX))?;
    }
    Ok(None)
}

/// Passes the EBML header and enters the Segment: gives the Segment's end (`Some(None)`
/// when its size is unknown); `None` when the file does not start so.
fn enter_segment<R: Read>(elements: &mut Elements<R>) -> io::Result<Option<Option<u64>>> {
    let Some(ebml) = elements.header()?.filter(|h| h.id == EBML && h.size.is_some()) else {
        return Ok(None);
    };
    elements.seek(ebml.end().unwrap_or(u64::MAX))?;
    loop {
        match elements.header()? {
            Some(header) if header.id == SEGMENT => {
                elements.seek(header.data_at)?;
                return Ok(Some(header.end()));
            }
            Some(Header {
                id: VOID | CRC_32,
                size: Some(size),
                data_at,
                ..
            }) => elements.seek(data_at + size)?,
            _ => return Ok(None),
        }
    }
}

/// An OpusHead in CodecPrivate that is valid, of the track's channel count, and whose
/// pre-skip agrees with the track's CodecDelay.
fn check_opus_track(entry: &TrackEntry) -> Result<(), String> {
    let private = entry
        .codec_private
        .as_deref()
        .ok_or("the Opus track has no CodecPrivate (its OpusHead)")?;
    let head = OpusHead::parse(private).ok_or_else(|| {
        "the Opus track's CodecPrivate is not a valid OpusHead (magic \"OpusHead\", version 0.x, mapping)".to_owned()
    })?;
    if head.channels == 0
        || entry
            .channels
            .is_some_and(|channels| channels != u64::from(head.channels))
    {
        return Err(format!(
            "the OpusHead in CodecPrivate states {} channels, the track {}",
            head.channels,
            entry.channels.map_or("none".to_owned(), |c| c.to_string())
        ));
    }
    if let Some(delay_ns) = entry.codec_delay_ns {
        // The delay in 48 kHz samples, rounded; muxers round or truncate the nanoseconds.
        let delay_samples = (u128::from(delay_ns) * u128::from(OPUS_RATE) + 500_000_000) / 1_000_000_000;
        if delay_samples.abs_diff(u128::from(head.pre_skip)) > 1 {
            return Err(format!(
                "the OpusHead in CodecPrivate states a pre-skip of {} samples, the track's CodecDelay {delay_ns} ns ({delay_samples} samples at 48 kHz)",
                head.pre_skip
            ));
        }
    }
    Ok(())
}

/// A break in the structure not yet told: where, what, and the end of the track's last
/// block before it (ns).
struct Break {
    at: u64,
    what: &'static str,
    audio_until_ns: u64,
}

/// The walk's state for the measured track. Times are the blocks' timestamps (ns).
struct TrackWalk {
    number: u64,
    opus: bool,
    timestamp_scale: u64,
    /// The Segment's declared duration, for a break after the track's last block.
    duration_ns: Option<u64>,
    /// The previous block: its start and, for Opus, its end; `None` after damage.
    previous: Option<(u64, Option<u64>)>,
    /// Where the audio of the track's blocks so far ends (the last one's end, else start).
    audio_until_ns: u64,
    pending: Option<Break>,
    /// A block out of time, until the next block tells whether its audio is missing.
    suspect: Option<Suspect>,
    found: MatroskaDamage,
}

/// What the walk found.
#[derive(Debug, Default)]
struct MatroskaDamage {
    /// Breaks the reader skipped audio at, and blocks out of time.
    lost_audio: Vec<DecodeWarning>,
    /// The first break that lost no audio the timestamps or the Segment's duration show.
    not_lost: Option<DecodeWarning>,
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

impl TrackWalk {
    /// A break at `at`; breaks before the track's next block are one damage.
    fn broken(&mut self, at: u64, what: &'static str) {
        self.judge_suspect(None);
        if self.pending.is_none() {
            self.pending = Some(Break {
                at,
                what,
                audio_until_ns: self.audio_until_ns,
            });
        }
        self.previous = None;
    }

    /// Tells a pending break, the audio skipped ending at `resumes_ns` (`None`: no block of
    /// the track follows; the Segment's duration says whether audio was lost). A break
    /// that lost no audio (damage between elements the reader still found) is said too.
    fn tell_break(&mut self, resumes_ns: Option<u64>) {
        let Some(broken) = self.pending.take() else { return };
        let from = broken.audio_until_ns;
        let at = format!("damaged Matroska data at byte {} ({})", broken.at, broken.what);
        let warning = |message| DecodeWarning {
            at_seconds: seconds(from),
            message,
        };
        // Timestamps are rounded to the timestamp scale; the last packet's end padding is
        // in the blocks but not in the duration.
        let lost = |to: u64| to > from.saturating_add(self.tolerance());
        let ms = |to: u64| (to - from) / 1_000_000;
        let (lost_audio, not_lost) = match (resumes_ns, self.duration_ns) {
            (Some(to), _) if lost(to) => (Some(format!("{at}: {} ms of audio skipped", ms(to))), None),
            (Some(_), _) => (None, Some(format!("{at}: no audio skipped"))),
            (None, Some(to)) if lost(to) => (Some(format!("{at}: the last {} ms of audio skipped", ms(to))), None),
            (None, Some(_)) => (None, Some(format!("{at}, after the audio: none of it is missing"))),
            // No length to hold the end against: the audio read is all there is to say.
            (None, None) => (None, Some(format!("{at}, after the track's last block"))),
        };
        self.found.lost_audio.extend(lost_audio.map(warning));
        if self.found.not_lost.is_none() {
            self.found.not_lost = not_lost.map(warning);
        }
    }

    /// A block of the track at `at`, starting at `start_ns`, its first frame's first bytes
    /// `frame` (unlaced blocks; `None` when laced).
    fn block(&mut self, at: u64, start_ns: u64, frame: Option<&[u8]>) {
        self.tell_break(Some(start_ns));
        let end = frame
            .filter(|_| self.opus)
            .and_then(opus_packet_frames)
            .map(|frames| start_ns.saturating_add(frames * 1_000_000_000 / u64::from(OPUS_RATE)));
        let previous = self.previous.replace((start_ns, end));
        // Where blocks state no duration, one lasts as long as the one before it did.
        let lasts_until = end.or_else(|| {
            let (previous_start, _) = previous?;
            start_ns.checked_add(start_ns.checked_sub(previous_start)?)
        });
        self.audio_until_ns = lasts_until.unwrap_or(start_ns);
        if self.suspect.is_some() {
            // This block decides what the one out of time was; it is not held against it.
            self.judge_suspect(Some(start_ns));
            return;
        }
        let Some((previous_start, previous_end)) = previous else {
            return;
        };
        let ms = |ns: u64| ns / 1_000_000;
        let how = if start_ns < previous_start {
            format!("{} ms before the previous block's", ms(previous_start - start_ns))
        } else {
            match previous_end.filter(|end| end.abs_diff(start_ns) > self.tolerance()) {
                Some(end) if start_ns > end => format!("{} ms after the previous packet's end", ms(start_ns - end)),
                Some(end) => format!("{} ms before the previous packet's end", ms(end - start_ns)),
                None => return,
            }
        };
        self.suspect = Some(Suspect {
            at,
            how,
            previous_start,
            previous_end,
            start_ns,
            duration_ns: end.map(|end| end - start_ns),
        });
    }

    /// Two timestamps rounded to the timestamp scale differ by up to two of its ticks.
    fn tolerance(&self) -> u64 {
        self.timestamp_scale.saturating_mul(2)
    }

    /// Tells a block that was out of time, now that the next block's start is known
    /// (`None`: no block follows). Where the next block is in time with the one before the
    /// suspect (plus the suspect's own duration), only the suspect's timestamp is damaged:
    /// its audio was read and measured. Otherwise blocks are missing or damaged there.
    fn judge_suspect(&mut self, next_start_ns: Option<u64>) {
        let Some(suspect) = self.suspect.take() else { return };
        let only_its_time = next_start_ns.is_some_and(|next| match (suspect.previous_end, suspect.duration_ns) {
            (Some(previous_end), Some(duration)) => {
                previous_end.saturating_add(duration).abs_diff(next) <= self.tolerance()
            }
            _ => suspect.previous_start < next && !(suspect.previous_start..=next).contains(&suspect.start_ns),
        });
        let at = format!(
            "damaged Matroska block at byte {}: its time is {}",
            suspect.at, suspect.how
        );
        let warning = |message| DecodeWarning {
            at_seconds: seconds(suspect.previous_start),
            message,
        };
        if only_its_time {
            let message = format!("{at}, the blocks around it agree: its timestamp is damaged, its audio measured");
            self.found.not_lost.get_or_insert(warning(message));
        } else {
            let message = format!("{at}: audio is missing or damaged there");
            self.found.lost_audio.push(warning(message));
        }
    }
}

/// A block whose timestamp does not follow the previous block's, judged by the next one.
struct Suspect {
    at: u64,
    /// How its time is off, in words.
    how: String,
    previous_start: u64,
    previous_end: Option<u64>,
    start_ns: u64,
    duration_ns: Option<u64>,
}

/// Walks the first Segment and reports its damage for track `number` (`opus`: its packets
/// state their durations).
fn walk<R: Read>(reader: R, number: u64, opus: bool) -> io::Result<MatroskaDamage> {
    let mut elements = Elements::new(reader);
    let mut track = TrackWalk {
        number,
        opus,
        timestamp_scale: DEFAULT_TIMESTAMP_SCALE,
        duration_ns: None,
        previous: None,
        audio_until_ns: 0,
        pending: None,
        suspect: None,
        found: MatroskaDamage::default(),
    };
    let Some(segment_end) = enter_segment(&mut elements)? else {
        return Ok(MatroskaDamage::default());
    };
    let mut duration_ticks = None;
    loop {
        let header = match elements.header() {
            Ok(Some(header)) => header,
            Ok(None) => break,
            Err(error) if error.kind() == io::ErrorKind::InvalidData => {
                track.broken(elements.at, "bytes that are no element");
                if elements.find_cluster()? {
                    continue;
                }
                break;
            }
            Err(error) => return Err(error),
        };
        if segment_end.is_some_and(|end| header.at >= end) {
            break;
        }
        let known_child = SEGMENT_CHILDREN.contains(&header.id) || [VOID, CRC_32].contains(&header.id);
        if matches!((header.end(), segment_end), (Some(end), Some(parent)) if end > parent) {
            // The reader skips to the Segment's end.
            track.broken(header.at, "an element running past its Segment");
            break;
        }
        if !known_child || (header.size.is_none() && header.id != CLUSTER) {
            track.broken(header.at, "an element a Segment cannot hold");
            if elements.find_cluster()? {
                continue;
            }
            break;
        }
        match header.id {
            INFO => {
                if let Some(info) = elements.data(&header)? {
                    for (id, data) in children(&info) {
                        match id {
                            TIMESTAMP_SCALE => track.timestamp_scale = uint(data).filter(|&s| s > 0).unwrap_or(1),
                            DURATION => duration_ticks = float(data),
                            _ => {}
                        }
                    }
                }
                track.duration_ns = duration_ticks.map(|ticks| (ticks * track.timestamp_scale as f64) as u64);
            }
            CLUSTER => {
                if !walk_cluster(&mut elements, &header, &mut track)? {
                    break;
                }
                continue;
            }
            _ => {}
        }
        match header.end() {
            Some(end) => elements.seek(end)?,
            None => break,
        }
    }
    track.judge_suspect(None);
    track.tell_break(None);
    Ok(track.found)
}

/// Walks a Cluster's children, leaving `elements` where the Segment's walk goes on: after
/// the cluster, also after a break inside it, as the reader does (it skips to the end of
/// the cluster), or at the next cluster ID when its end is unknown; false when the walk is
/// over (the end of the file).
fn walk_cluster<R: Read>(elements: &mut Elements<R>, cluster: &Header, track: &mut TrackWalk) -> io::Result<bool> {
    elements.seek(cluster.data_at)?;
    let end = cluster.end();
    let resync = |elements: &mut Elements<R>, track: &mut TrackWalk, at: u64, what: &'static str| {
        track.broken(at, what);
        match end {
            Some(end) => elements.seek(end).map(|()| true),
            None => elements.find_cluster(),
        }
    };
    let mut timestamp: Option<u64> = None;
    loop {
        if end.is_some_and(|end| elements.at >= end) {
            return Ok(true);
        }
        let header = match elements.header() {
            Ok(Some(header)) => header,
            Ok(None) => return Ok(false),
            Err(error) if error.kind() == io::ErrorKind::InvalidData => {
                return resync(elements, track, elements.at, "bytes that are no element");
            }
            Err(error) => return Err(error),
        };
        if end.is_none() && SEGMENT_CHILDREN.contains(&header.id) {
            return Ok(true); // a cluster of unknown size ends where the Segment's next child starts
        }
        let Some(child_end) = header.end() else {
            return resync(elements, track, header.at, "an element of unknown size in a Cluster");
        };
        if end.is_some_and(|end| child_end > end) {
            return resync(elements, track, header.at, "an element running past its Cluster");
        }
        match header.id {
            CLUSTER_TIMESTAMP => timestamp = elements.data(&header)?.as_deref().and_then(uint),
            SIMPLE_BLOCK => {
                let size = header.size.unwrap_or(0).min(BLOCK_PEEK as u64) as usize;
                let start = elements.peek(header.data_at, size)?.to_vec();
                block(&start, header.at, timestamp, track);
            }
            BLOCK_GROUP => {
                // (Larger than any audio block group, or cut by the end of the file: not read.)
                if let Some(group) = elements.data(&header)? {
                    let mut tiled = 0;
                    for (id, data) in children(&group) {
                        tiled = data.as_ptr() as usize - group.as_ptr() as usize + data.len();
                        if id == BLOCK {
                            block(data, header.at, timestamp, track);
                        }
                    }
                    if tiled != group.len() {
                        track.broken(
                            header.data_at + tiled as u64,
                            "bytes in a BlockGroup that are no element",
                        );
                    }
                }
            }
            id if CLUSTER_OTHER_CHILDREN.contains(&id) => {}
            _ => return resync(elements, track, header.at, "an element a Cluster cannot hold"),
        }
        elements.seek(child_end)?;
    }
}

/// A block (a SimpleBlock's or a BlockGroup's Block, from its start `data`, at byte `at`):
/// of the track, it must follow in time.
fn block(data: &[u8], at: u64, cluster_timestamp: Option<u64>, track: &mut TrackWalk) {
    let Some((number, len)) = vint(data, 8, false) else {
        track.broken(at, "a block without a valid track number");
        return;
    };
    if number != track.number {
        return;
    }
    let Some(&[t0, t1, flags]) = data.get(len..len + 3) else {
        track.broken(at, "a block shorter than its header");
        return;
    };
    let Some(cluster_ticks) = cluster_timestamp else {
        // The reader drops the blocks of a cluster without its timestamp.
        track.broken(at, "a Cluster without its Timestamp");
        return;
    };
    let ticks = cluster_ticks.saturating_add_signed(i64::from(i16::from_be_bytes([t0, t1])));
    let start_ns = ticks.saturating_mul(track.timestamp_scale);
    let laced = flags & 0x06 != 0;
    track.block(at, start_ns, (!laced).then(|| &data[len + 3..]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vints_and_headers() {
        // 0x81 is 1 in one byte; 0x40 0x02 is 2 in two; 0x00 starts no vint.
        assert_eq!(vint(&[0x81], 8, false), Some((1, 1)));
        assert_eq!(vint(&[0x40, 0x02], 8, false), Some((2, 2)));
        assert_eq!(vint(&[0x00, 0x01], 8, false), None);
        // The Segment ID keeps its marker; 0x01 followed by seven 0xFF is "unknown size".
        let header = header_at(
            &[0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            10,
        )
        .unwrap();
        assert_eq!((header.id, header.data_at, header.size), (SEGMENT, 22, None));
        let header = header_at(&[0xA3, 0x41, 0x2A], 0).unwrap();
        assert_eq!((header.id, header.size), (SIMPLE_BLOCK, Some(0x12A)));
    }

    #[test]
    fn opus_head_against_the_track() {
        // RFC 7845 §5.1: version 1, 2 channels, pre-skip 312, 48000 Hz, gain 0, family 0.
        let head = b"OpusHead\x01\x02\x38\x01\x80\xBB\0\0\0\0\0".to_vec();
        let entry = |private: &[u8], delay: Option<u64>, channels| TrackEntry {
            codec_private: Some(private.to_vec()),
            codec_delay_ns: delay,
            channels: Some(channels),
        };
        // 312 samples at 48 kHz are 6.5 ms.
        assert_eq!(check_opus_track(&entry(&head, Some(6_500_000), 2)), Ok(()));
        assert_eq!(check_opus_track(&entry(&head, None, 2)), Ok(()));
        // 6.52 ms is 313 samples: rounding allowed; 7 ms (336) is not.
        assert_eq!(check_opus_track(&entry(&head, Some(6_520_000), 2)), Ok(()));
        assert!(check_opus_track(&entry(&head, Some(7_000_000), 2)).is_err());
        assert!(check_opus_track(&entry(&head, Some(6_500_000), 1)).is_err());
        let mut version_16 = head.clone();
        version_16[8] = 16;
        assert!(check_opus_track(&entry(&version_16, None, 2)).is_err());
        assert!(check_opus_track(&entry(b"OpusHe\0\0\0\0\x38\x01\x80\xBB\0\0\0\0\0", None, 2)).is_err());
    }

    /// An element with an 8-byte size field, or the one that says its size is unknown.
    fn element(id: &[u8], data: &[u8], unknown_size: bool) -> Vec<u8> {
        let size = if unknown_size {
            [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        } else {
            let mut size = (data.len() as u64).to_be_bytes();
            size[0] = 0x01;
            size
        };
        [id, &size[..], data].concat()
    }

    /// A SimpleBlock of track 1 at `timecode` ms in its cluster: one 20 ms CELT packet
    /// (TOC 0xF8: configuration 31, one frame, RFC 6716 §3.1).
    fn simple_block(timecode: i16) -> Vec<u8> {
        let [t0, t1] = timecode.to_be_bytes();
        element(&[0xA3], &[0x81, t0, t1, 0x80, 0xF8, 0xFF, 0xFE], false)
    }

    /// A live WebM's layout: a Segment and clusters of unknown size, blocks of 20 ms.
    fn live_webm(first_cluster: &[u8]) -> Vec<u8> {
        let cluster = |timestamp: u8, children: &[u8]| {
            element(
                &[0x1F, 0x43, 0xB6, 0x75],
                &[&[0xE7, 0x81, timestamp][..], children].concat(),
                true,
            )
        };
        let segment_children = [
            element(
                &[0x15, 0x49, 0xA9, 0x66],
                &[0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40],
                false,
            ),
            element(
                &[0x16, 0x54, 0xAE, 0x6B],
                &element(&[0xAE], &[0xD7, 0x81, 0x01], false),
                false,
            ),
            cluster(0, first_cluster),
            cluster(40, &[simple_block(0), simple_block(20)].concat()),
            element(&[0x1C, 0x53, 0xBB, 0x6B], &[0xBB, 0x80], false),
        ]
        .concat();
        [
            element(
                &[0x1A, 0x45, 0xDF, 0xA3],
                &[0x42, 0x82, 0x84, b'w', b'e', b'b', b'm'],
                false,
            ),
            element(&[0x18, 0x53, 0x80, 0x67], &segment_children, true),
        ]
        .concat()
    }

    #[test]
    fn clusters_of_unknown_size_end_where_the_next_starts() {
        let intact = live_webm(&[simple_block(0), simple_block(20)].concat());
        let found = walk(&intact[..], 1, true).expect("walked");
        assert!(found.lost_audio.is_empty() && found.not_lost.is_none(), "{found:?}");
        // Two bytes that are no element before the first cluster's second block: the walk
        // goes on at the next cluster (40 ms); the audio from 20 ms on is skipped.
        let damaged = live_webm(&[simple_block(0), vec![0x00, 0x00], simple_block(20)].concat());
        let found = walk(&damaged[..], 1, true).expect("walked");
        let before_junk = [simple_block(0), vec![0x00, 0x00]].concat();
        let at = damaged
            .windows(before_junk.len())
            .position(|w| w == before_junk)
            .expect("the junk")
            + before_junk.len()
            - 2;
        assert_eq!(found.lost_audio.len(), 1, "{found:?}");
        assert_eq!(
            found.lost_audio[0].message,
            format!("damaged Matroska data at byte {at} (bytes that are no element): 20 ms of audio skipped")
        );
    }

    /// Byte flips, zeroed runs and cuts of both Matroska fixtures: the walks end, without a
    /// panic (tests run with overflow checks), whatever the bytes say.
    #[test]
    fn walks_end_on_damaged_fixtures() {
        let formats = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/formats");
        let mut state = 18u64;
        let mut next = |below: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % below
        };
        for name in ["webm-opus.webm", "mka-flac.mka"] {
            let intact = std::fs::read(formats.join(name)).expect("fixture");
            for round in 0..200 {
                let mut bytes = intact.clone();
                match round % 3 {
                    0 => bytes[next(intact.len())] ^= 1 << next(8),
                    1 => {
                        let at = next(intact.len() - 8);
                        bytes[at..at + 8].fill(if round % 2 == 0 { 0x00 } else { 0xFF });
                    }
                    _ => bytes.truncate(next(intact.len())),
                }
                for opus in [true, false] {
                    let _ = walk(&bytes[..], 1, opus);
                }
                let _ = find_track(&bytes[..], 1);
            }
        }
    }
}
