//! Opening a track: sniff, probe, pick the audio track, check its parameters, describe it.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_PCM_F32BE, CODEC_ID_PCM_F32LE, CODEC_ID_PCM_F64BE, CODEC_ID_PCM_F64LE,
};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::{Hint, Probe};
use symphonia::core::formats::{FormatOptions, FormatReader, MediaInfo, Track, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::{Duration, TimeBase};

use symphonia_common::apple::audio::alac::MagicCookie;

use crate::error::{io_reason, Cut, DecodeError};
use crate::flac_frames::{header_without_audio, mismatch_at};
use crate::mp4_boxes::{oversized_box, sample_table_contradiction};
use crate::mp4_edit::{read_gapless_trim, GaplessTrim};
use crate::opus_stream::{OpusHead, OpusStream, OPUS_RATE};
use crate::pcm::I32Layout;
use crate::riff::read_riff_info;
use crate::sniff::{self, Container, SniffError, MAX_SAMPLE_RATE};
use crate::track::{channel_names, Codec, Tags, TrackInfo};

/// Where a track's bytes come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    Path(&'a Path),
    Memory {
        bytes: &'a [u8],
        extension: Option<&'a str>,
    },
}

impl Input<'_> {
    /// The name errors and results carry.
    pub(crate) fn display_path(&self) -> PathBuf {
        match self {
            Input::Path(path) => path.to_path_buf(),
            Input::Memory { .. } => PathBuf::from("<memory>"),
        }
    }

    /// A fresh reader over the whole input, for the walks over a file's own structure that
    /// symphonia does not expose (tags, edit lists, box sizes, frame headers). Buffered:
    /// they read a few bytes at a time.
    pub(crate) fn reopen(&self) -> std::io::Result<Box<dyn Source + '_>> {
        match self {
            Input::Path(path) => Ok(Box::new(BufReader::new(File::open(path)?))),
            Input::Memory { bytes, .. } => Ok(Box::new(Cursor::new(*bytes))),
        }
    }

    fn extension(&self) -> Option<String> {
        match self {
            Input::Path(path) => path.extension().map(|e| e.to_string_lossy().to_lowercase()),
            Input::Memory { extension, .. } => extension.map(|e| e.trim_start_matches('.').to_lowercase()),
        }
    }
}

/// What `Input::reopen` gives: a file or the bytes in memory, from their start.
pub(crate) trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

/// The decoder that turns packets into samples.
pub(crate) enum TrackDecoder {
    Symphonia(Box<dyn AudioDecoder>),
    Opus(Box<OpusStream>),
    /// Handed over to the parallel path's decoder pool.
    Released,
}

/// An opened track, ready to decode.
pub(crate) struct OpenedTrack<'a> {
    pub(crate) reader: Box<dyn FormatReader + 'a>,
    pub(crate) track_id: u32,
    /// Codec parameters as the decoder amended them (FLAC fills in STREAMINFO, ...).
    pub(crate) params: AudioCodecParameters,
    pub(crate) decoder: TrackDecoder,
    pub(crate) info: TrackInfo,
    /// Packet timestamps count frames (time base 1/rate), so they place packets exactly.
    pub(crate) timestamps_are_frames: bool,
    /// How to read `i32` samples this codec produces.
    pub(crate) i32_layout: I32Layout,
    /// The decoder produces integer samples (everything lossless but float PCM).
    pub(crate) integer_samples: bool,
    /// The decoded frames that are the track's audio, when the container says (MP4).
    pub(crate) gapless: Option<GaplessTrim>,
    /// FLAC frames in another container: their CRC-16 is checked by nobody else.
    pub(crate) check_flac_crc: bool,
}

pub(crate) fn open(input: Input<'_>) -> Result<OpenedTrack<'_>, DecodeError> {
    let path = input.display_path();
    let (source, file_bytes, container): (Box<dyn MediaSource + '_>, u64, Container) = match input {
        Input::Path(file_path) => {
            let open_error = |error: std::io::Error| DecodeError::Open {
                path: path.clone(),
                reason: io_reason(&error),
            };
            let mut file = File::open(file_path).map_err(open_error)?;
            let metadata = file.metadata().map_err(open_error)?;
            if metadata.is_dir() {
                return Err(DecodeError::Open {
                    path,
                    reason: "is a directory".to_owned(),
                });
            }
            let sniffed = sniff::sniff(&mut file);
            let container = check_sniffed(&path, sniffed)?;
            file.seek(SeekFrom::Start(0)).map_err(open_error)?;
            (Box::new(file), metadata.len(), container)
        }
        Input::Memory { bytes, .. } => {
            let container = check_sniffed(&path, sniff::sniff(&mut Cursor::new(bytes)))?;
            (Box::new(Cursor::new(bytes)), bytes.len() as u64, container)
        }
    };

    let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(extension) = input.extension() {
        hint.with_extension(&extension);
    }
    let mut reader = probe_for(container)
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|error| {
            damaged_mp4(input, container)
                .or_else(|| lying_flac_header(input, container))
                .or_else(|| flac_header_alone(input, container))
                .unwrap_or_else(|| open_error(&path, container, error))
        })?;

    let track = reader
        .default_track(TrackType::Audio)
        .or_else(|| reader.first_track(TrackType::Audio))
        .ok_or_else(|| {
            damaged_mp4(input, container).unwrap_or_else(|| DecodeError::Unsupported {
                path: path.clone(),
                what: format!("{container} file without an audio track"),
            })
        })?
        .clone();
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(DecodeError::Unsupported {
            path,
            what: format!("{container} file without an audio track"),
        });
    };
    let codec = Codec::from_id(params.codec).map_err(|what| DecodeError::Unsupported {
        path: path.clone(),
        what: format!("{what} in {container}"),
    })?;

    // Lossless audio must decode whole: sample tables that contradict each other or the
    // media's duration leave its length unknown (symphonia trusts `stts` alone).
    if container == Container::Mp4 && codec.is_lossless() {
        let contradiction = input
            .reopen()
            .ok()
            .and_then(|mut source| sample_table_contradiction(&mut source, track.id));
        if let Some(reason) = contradiction {
            return Err(DecodeError::Malformed {
                path,
                format: container.name().to_owned(),
                reason,
            });
        }
    }

    let declared_channels = params.channels.as_ref().map_or(0, |c| c.count());
    let (mut decoder, params) = match codec {
        Codec::Opus => {
            let head = params.extra_data.as_deref().and_then(OpusHead::parse);
            let stream = OpusStream::new(head, declared_channels).map_err(|what| DecodeError::Unsupported {
                path: path.clone(),
                what,
            })?;
            let mut params = params.clone();
            params.with_sample_rate(OPUS_RATE);
            if declared_channels == 0 {
                params.with_channels(symphonia::core::audio::Channels::Discrete(stream.channels() as u16));
            }
            (TrackDecoder::Opus(Box::new(stream)), params)
        }
        _ => {
            check_parameters(&path, params.sample_rate, declared_channels)?;
            let decoder = symphonia::default::get_codecs()
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
                .map_err(|error| match error {
                    SymphoniaError::Unsupported(what) => DecodeError::Unsupported {
                        path: path.clone(),
                        what: format!("{codec} variant this decoder lacks ({what})"),
                    },
                    other => DecodeError::Malformed {
                        path: path.clone(),
                        format: codec.name().to_owned(),
                        reason: other.to_string(),
                    },
                })?;
            let amended = decoder.codec_params().clone();
            (TrackDecoder::Symphonia(decoder), amended)
        }
    };

    let sample_rate = params.sample_rate.unwrap_or(0);
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    check_parameters(&path, Some(sample_rate), channels)?;

    let float_pcm = [
        CODEC_ID_PCM_F32LE,
        CODEC_ID_PCM_F32BE,
        CODEC_ID_PCM_F64LE,
        CODEC_ID_PCM_F64BE,
    ]
    .contains(&params.codec);
    let integer_samples = codec.is_lossless() && !float_pcm;
    let bits_per_sample = match codec {
        Codec::Flac | Codec::Alac | Codec::Pcm => {
            if float_pcm {
                Some(if matches!(params.codec, CODEC_ID_PCM_F64LE | CODEC_ID_PCM_F64BE) {
                    64
                } else {
                    32
                })
            } else if codec == Codec::Alac {
                // The ALAC decoder keeps its bit depth in the magic cookie, not the params.
                params
                    .extra_data
                    .as_deref()
                    .and_then(|cookie| MagicCookie::read(cookie).ok())
                    .map(|cookie| u32::from(cookie.bit_depth))
            } else {
                params.bits_per_sample.or(params.bits_per_coded_sample)
            }
        }
        _ => None,
    };
    let i32_layout = match codec {
        Codec::Flac | Codec::Alac => match bits_per_sample {
            Some(bits @ 1..=32) => I32Layout::LeftJustified { bits },
            other => {
                return Err(DecodeError::InvalidParameters {
                    path,
                    reason: format!(
                        "the header declares {} bits per sample",
                        other.map_or("no".to_owned(), |b| b.to_string())
                    ),
                })
            }
        },
        _ => I32Layout::Full,
    };

    let time_base = track.time_base;
    // Matroska blocks carry a start time but no duration (symphonia gives them `dur` 0), in
    // the segment's time base (milliseconds by default): such timestamps equal frame
    // positions only by coincidence (1000 Hz audio), and cannot place packets.
    let timestamps_are_frames = container != Container::Matroska
        && time_base.is_none_or(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate);
    // Lossy audio in MP4 plays the edit list's range (gapless): measure that range.
    let gapless = if container == Container::Mp4 && !codec.is_lossless() {
        match input.reopen() {
            Ok(mut source) => {
                read_gapless_trim(&mut source, track.id, sample_rate).map_err(|reason| DecodeError::Malformed {
                    path: path.clone(),
                    format: container.name().to_owned(),
                    reason,
                })?
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let declared_frames = gapless
        .map(|trim| trim.audio_frames)
        .or_else(|| declared_frames(&track, reader.media_info(), sample_rate));
    if let (TrackDecoder::Opus(stream), Container::Matroska, Some(frames)) = (&mut decoder, container, declared_frames)
    {
        stream.limit_frames(frames);
    }

    let names = match (&decoder, channels) {
        // One channel is centred, whatever position the container gives it (FLAC says FL).
        (_, 1) => Some(vec!["FC"]),
        // Opus names its layouts itself: family 0 stereo is left, right (RFC 7845 §5.1.1.1),
        // family 1 the layouts of §5.1.1.2; other families name none.
        (TrackDecoder::Opus(stream), _) => stream.channel_names(),
        _ => params.channels.as_ref().and_then(channel_names),
    };
    let lfe_channel = names.as_ref().and_then(|names| names.iter().position(|n| *n == "LFE"));
    let mut tags = Tags::default();
    tags.absorb_reader(reader.as_mut(), track.id);
    if container == Container::Wav {
        tags.absorb_riff_info(
            input
                .reopen()
                .map(|mut source| read_riff_info(&mut source))
                .unwrap_or_default(),
        );
    }

    let info = TrackInfo {
        path,
        container,
        codec,
        sample_rate,
        bits_per_sample,
        float_samples: !integer_samples,
        channels,
        channel_names: names,
        lfe_channel,
        declared_frames,
        frames: 0,
        duration_seconds: 0.0,
        file_bytes,
        bitrate_bps: None,
        tags,
    };
    Ok(OpenedTrack {
        reader,
        track_id: track.id,
        params,
        decoder,
        info,
        timestamps_are_frames,
        i32_layout,
        integer_samples,
        gapless,
        check_flac_crc: codec == Codec::Flac && container != Container::Flac,
    })
}

/// A probe that knows only the reader of the container the sniff named (and the tag
/// formats that may precede it). Symphonia's own probe scans up to 1 MB for any format's
/// marker, so a file sniffed as one container could be opened as another whose marker
/// sits deep inside it (fuzzing found junk after an ID3 tag opened as CAF, whose reader
/// then overflowed on a hostile header the CAF sniff never saw).
fn probe_for(container: Container) -> Probe {
    use symphonia::default::formats::{
        AdtsReader, AiffReader, CafReader, FlacReader, IsoMp4Reader, MkvReader, MpaReader, OggReader, WavReader,
    };
    use symphonia::default::meta::{ApeReader, Id3v1Reader, Id3v2Reader};
    let mut probe = Probe::new();
    match container {
        Container::Flac => probe.register_format::<FlacReader<'_>>(),
        Container::Wav => probe.register_format::<WavReader<'_>>(),
        Container::Aiff => probe.register_format::<AiffReader<'_>>(),
        Container::Ogg => probe.register_format::<OggReader<'_>>(),
        Container::Mp4 => probe.register_format::<IsoMp4Reader<'_>>(),
        Container::Matroska => probe.register_format::<MkvReader<'_>>(),
        Container::Caf => probe.register_format::<CafReader<'_>>(),
        Container::MpegAudio => probe.register_format::<MpaReader<'_>>(),
        Container::Adts => probe.register_format::<AdtsReader<'_>>(),
    }
    probe.register_metadata::<ApeReader<'_>>();
    probe.register_metadata::<Id3v1Reader<'_>>();
    probe.register_metadata::<Id3v2Reader<'_>>();
    probe
}

/// Frames per channel the container declares: a frame count, else a duration in its time
/// base (the track's, else the file's), minus the encoder delay and padding it states.
fn declared_frames(track: &Track, media: &MediaInfo, sample_rate: u32) -> Option<u64> {
    let from_duration = |time_base: Option<TimeBase>, duration: Option<Duration>| {
        let seconds = time_base?.calc_duration(duration?)?.as_secs_f64();
        Some((seconds * f64::from(sample_rate)).round() as u64)
    };
    let frames = track
        .num_frames
        .or_else(|| from_duration(track.time_base, track.duration))
        .or_else(|| from_duration(media.time_base, media.duration))?;
    // CAF and Ogg state delay and padding beside a count that may include them.
    let trimmed = u64::from(track.delay.unwrap_or(0)) + u64::from(track.padding.unwrap_or(0));
    Some(frames.saturating_sub(trimmed))
}

fn check_sniffed(path: &Path, sniffed: Result<Container, SniffError>) -> Result<Container, DecodeError> {
    match sniffed {
        Ok(container) => Ok(container),
        Err(SniffError::Io(error)) => Err(DecodeError::Open {
            path: path.to_path_buf(),
            reason: io_reason(&error),
        }),
        Err(SniffError::Unsupported(what)) => Err(DecodeError::Unsupported {
            path: path.to_path_buf(),
            what,
        }),
        Err(SniffError::Invalid(reason)) => Err(DecodeError::InvalidParameters {
            path: path.to_path_buf(),
            reason,
        }),
    }
}

/// Rate and channel count a decoder can be trusted with.
pub(crate) fn check_parameters(path: &Path, sample_rate: Option<u32>, channels: usize) -> Result<(), DecodeError> {
    let invalid = |reason: String| DecodeError::InvalidParameters {
        path: path.to_path_buf(),
        reason,
    };
    match sample_rate {
        None | Some(0) => return Err(invalid("the stream declares a sample rate of 0 Hz".into())),
        Some(rate) if rate > MAX_SAMPLE_RATE => {
            return Err(invalid(format!(
                "the stream declares a sample rate of {rate} Hz (at most {MAX_SAMPLE_RATE} Hz is supported)"
            )))
        }
        Some(_) => {}
    }
    if channels == 0 {
        return Err(invalid("the stream declares 0 channels".into()));
    }
    if channels > dr_core::MAX_CHANNELS {
        return Err(invalid(format!(
            "the stream declares {channels} channels (at most {} are supported)",
            dr_core::MAX_CHANNELS
        )));
    }
    Ok(())
}

/// An MP4 file the reader refused or found no audio in, explained by a box that claims
/// more bytes than hold it (a damaged or cut file, not an unsupported variant).
fn damaged_mp4(input: Input<'_>, container: Container) -> Option<DecodeError> {
    if container != Container::Mp4 {
        return None;
    }
    let reason = oversized_box(&mut input.reopen().ok()?)?;
    Some(DecodeError::Malformed {
        path: input.display_path(),
        format: container.name().to_owned(),
        reason,
    })
}

/// A FLAC file the reader found no frame in, explained by a STREAMINFO header that does not
/// describe the frames (the reader only takes frames that agree with it).
fn lying_flac_header(input: Input<'_>, container: Container) -> Option<DecodeError> {
    if container != Container::Flac {
        return None;
    }
    let mismatch = input
        .reopen()
        .and_then(|source| mismatch_at(source, 0))
        .ok()
        .flatten()?;
    Some(DecodeError::Malformed {
        path: input.display_path(),
        format: container.name().to_owned(),
        reason: mismatch.as_header_lie(),
    })
}

/// A FLAC file that ends right after its metadata: cut before its first frame.
fn flac_header_alone(input: Input<'_>, container: Container) -> Option<DecodeError> {
    if container != Container::Flac {
        return None;
    }
    let (expected_frames, sample_rate) = input.reopen().and_then(header_without_audio).ok().flatten()?;
    Some(DecodeError::Truncated {
        path: input.display_path(),
        decoded_frames: 0,
        cut: Cut::Declared(expected_frames),
        sample_rate,
    })
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
