//! The containers: recognising a file by its first bytes (`sniff`), opening the symphonia
//! reader that demuxes it, and walks over its own structure for what that reader does not
//! say.
//!
//! The pipeline calls [`read`] (recognise, then open the reader: a refusal is explained
//! where the file's structure can) and then, through the [`ContainerFormat`] it returns,
//! the walks at fixed points: what is checked before decoding, what is read beside the
//! reader (gapless trim, tags), why a decode stopped, and the damage the reader passed over
//! silently. A format states only what it checks; the rest defaults to nothing. Adding a
//! container: its `Container` variant and magic (`sniff.rs`), its walks in this folder,
//! and its line in [`format_of`].

use std::fs::File;
use std::io::{Cursor, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::{Hint, Probe};
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::error::{io_reason, DecodeError, DecodeWarning, TrackContext};
use crate::track::Codec;

mod flac_frames;
mod input;
mod lame_tag;
mod matroska;
mod mp4_boxes;
mod mp4_edit;
mod mpeg_frames;
mod ogg_pages;
mod read_window;
mod riff;
mod sniff;

pub(crate) use flac_frames::frame_crc_matches;
pub(crate) use input::Input;
pub(crate) use mp4_edit::GaplessTrim;
pub(crate) use riff::RiffInfo;
pub use sniff::Container;

/// The one registration line per container.
fn format_of(container: Container) -> &'static dyn ContainerFormat {
    match container {
        Container::Flac => &flac_frames::Flac,
        Container::Wav => &riff::Wav,
        Container::Aiff => &riff::Aiff,
        Container::Ogg => &ogg_pages::Ogg,
        Container::Mp4 => &mp4_boxes::Mp4,
        Container::Matroska => &matroska::Matroska,
        Container::Caf => &Caf,
        Container::MpegAudio => &mpeg_frames::MPEG_AUDIO,
        Container::Adts => &mpeg_frames::ADTS,
    }
}

/// What the pipeline asks of a container. `input` is the whole file, read again from its
/// start by each walk; a walk that cannot read it adds nothing (the reader already read it).
pub(crate) trait ContainerFormat: Sync {
    /// Registers the symphonia reader that demuxes this container, and only it.
    fn register_reader(&self, probe: &mut Probe);

    /// Packet timestamps can count frames (1/rate time base) in this container.
    fn timestamps_can_count_frames(&self) -> bool {
        true
    }

    /// Why the reader refused the file or found no audio track in it, when the file's
    /// structure says (damage, not an unsupported variant).
    fn explain_refusal(&self, _input: Input<'_>) -> Option<DecodeError> {
        None
    }

    /// Checks the chosen track before a decoder is made for it.
    fn check_track(&self, _input: Input<'_>, _track_id: u32, _codec: Codec) -> Result<(), DecodeError> {
        Ok(())
    }

    /// What the container says beside the reader, once the track's rate is known.
    fn read_extras(&self, _input: Input<'_>, _track: &TrackContext, _track_id: u32) -> Result<Extras, DecodeError> {
        Ok(Extras::default())
    }

    /// A decode that stopped (`error`), explained by the file's structure where it can be.
    fn explain_stop(&self, _input: Input<'_>, _track: &TrackContext, error: DecodeError) -> DecodeError {
        error
    }

    /// Damage the reader passed over without a word, found after a decode that ended.
    fn find_damage(&self, _input: Input<'_>, _track: &DecodedTrack<'_>) -> Result<Damage, DecodeError> {
        Ok(Damage::default())
    }
}

/// What a container says that its reader does not.
#[derive(Default)]
pub(crate) struct Extras {
    /// The decoded frames that are the track's audio (MP4 edit lists).
    pub(crate) gapless: Option<GaplessTrim>,
    /// Tags the reader drops (WAV `LIST`/`INFO`).
    pub(crate) tags: Option<RiffInfo>,
    /// The length the container states where the reader takes another (AIFF's `COMM`
    /// frame count, where the reader goes by the sound chunk's size).
    pub(crate) declared_frames: Option<u64>,
}

/// A track as a decode left it, for the walks after it.
pub(crate) struct DecodedTrack<'a> {
    pub(crate) context: &'a TrackContext,
    pub(crate) track_id: u32,
    pub(crate) file_bytes: u64,
    /// Frames decoded.
    pub(crate) frames: u64,
    /// The reader stopped inside a packet.
    pub(crate) ended_mid_packet: bool,
    /// Bytes of the track's packets read.
    pub(crate) packet_bytes: u64,
}

/// Damage found after a decode.
#[derive(Default)]
pub(crate) struct Damage {
    /// Audio the reader skipped over silently (damaged Ogg pages, MPEG data between frames,
    /// bytes after a WAV data chunk, Matroska structure), or a stated length that cannot be
    /// trusted (an MP3's LAME tag failing its CRC): these also explain a lossy track's
    /// shortfall.
    pub(crate) lost_audio: Vec<DecodeWarning>,
    /// Damage that loses no audio: damaged data skipped, or audio that fails a checksum
    /// over the whole stream (an MP3's LAME music CRC). Said after the length checks' warnings.
    pub(crate) nothing_lost: Option<DecodeWarning>,
}

/// A file's container, ready to read.
pub(crate) struct ReadContainer<'a> {
    pub(crate) reader: Box<dyn FormatReader + 'a>,
    pub(crate) container: Container,
    pub(crate) format: &'static dyn ContainerFormat,
    /// The file's size.
    pub(crate) file_bytes: u64,
}

/// Recognises the input's container by its first bytes and opens its reader over it.
pub(crate) fn read(input: Input<'_>) -> Result<ReadContainer<'_>, DecodeError> {
    let (source, file_bytes, container) = recognise(input)?;
    let format = format_of(container);
    let reader = open_reader(input, source, container, format)?;
    Ok(ReadContainer {
        reader,
        container,
        format,
        file_bytes,
    })
}

/// The container's reader over `source`, or why it refused the file (explained by the
/// container's structure where it can be).
fn open_reader<'a>(
    input: Input<'a>,
    source: Box<dyn MediaSource + 'a>,
    container: Container,
    format: &dyn ContainerFormat,
) -> Result<Box<dyn FormatReader + 'a>, DecodeError> {
    let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(extension) = input.extension() {
        hint.with_extension(&extension);
    }
    probe_for(format)
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|error| {
            format
                .explain_refusal(input)
                .unwrap_or_else(|| open_error(&input.display_path(), container, error))
        })
}

/// Opens the input and names its container by its first bytes; gives the source rewound,
/// with its size.
fn recognise(input: Input<'_>) -> Result<(Box<dyn MediaSource + '_>, u64, Container), DecodeError> {
    let path = input.display_path();
    let sniffed = |result: Result<Container, sniff::SniffError>| {
        result.map_err(|error| match error {
            sniff::SniffError::Io(error) => DecodeError::Open {
                path: path.clone(),
                reason: io_reason(&error),
            },
            sniff::SniffError::Unsupported(what) => DecodeError::Unsupported {
                path: path.clone(),
                what,
            },
            sniff::SniffError::Invalid(reason) => DecodeError::InvalidParameters {
                path: path.clone(),
                reason,
            },
        })
    };
    match input {
        Input::Path(file_path) => {
            let open_error = |error: std::io::Error| DecodeError::Open {
                path: path.clone(),
                reason: io_reason(&error),
            };
            let mut file = File::open(file_path).map_err(open_error)?;
            let metadata = file.metadata().map_err(open_error)?;
            if metadata.is_dir() {
                return Err(DecodeError::Open {
                    path: path.clone(),
                    reason: "is a directory".to_owned(),
                });
            }
            let container = sniffed(sniff::sniff(&mut file))?;
            file.seek(SeekFrom::Start(0)).map_err(open_error)?;
            Ok((Box::new(file), metadata.len(), container))
        }
        Input::Memory { bytes, .. } => {
            let container = sniffed(sniff::sniff(&mut Cursor::new(bytes)))?;
            Ok((Box::new(Cursor::new(bytes)), bytes.len() as u64, container))
        }
    }
}

/// A probe that knows only the reader of the container the sniff named (and the tag
/// formats that may precede it). Symphonia's own probe scans up to 1 MB for any format's
/// marker, so a file sniffed as one container could be opened as another whose marker
/// sits deep inside it (fuzzing found junk after an ID3 tag opened as CAF, whose reader
/// then overflowed on a hostile header the CAF sniff never saw).
fn probe_for(format: &dyn ContainerFormat) -> Probe {
    use symphonia::default::meta::{ApeReader, Id3v1Reader, Id3v2Reader};
    let mut probe = Probe::new();
    format.register_reader(&mut probe);
    probe.register_metadata::<ApeReader<'_>>();
    probe.register_metadata::<Id3v1Reader<'_>>();
    probe.register_metadata::<Id3v2Reader<'_>>();
    probe
}

/// A probe failure in words: the sniff said the container, so a failure here means the
/// file is damaged or uses a variant the reader lacks.
fn open_error(path: &Path, container: Container, error: SymphoniaError) -> DecodeError {
    let path = path.to_path_buf();
    match error {
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => DecodeError::Malformed {
            path,
            format: container.name().to_owned(),
            reason: "the file ends inside its header".to_owned(),
        },
        SymphoniaError::IoError(io) => DecodeError::Open {
            path,
            reason: io_reason(&io),
        },
        // The probe knows only the sniffed container's reader (`probe_for`): not finding
        // it means the start that looked like that container is not one.
        SymphoniaError::Unsupported(what) if what.contains("no suitable format reader") => DecodeError::Malformed {
            path,
            format: container.name().to_owned(),
            reason: format!("no {container} stream where its header seemed to start"),
        },
        SymphoniaError::Unsupported(what) => DecodeError::Unsupported {
            path,
            what: format!("{container} variant this reader lacks ({what})"),
        },
        other => DecodeError::Malformed {
            path,
            format: container.name().to_owned(),
            reason: other.to_string(),
        },
    }
}

/// CAF: nothing walked beside the reader.
struct Caf;

impl ContainerFormat for Caf {
    fn register_reader(&self, probe: &mut Probe) {
        probe.register_format::<symphonia::default::formats::CafReader<'_>>();
    }
}
