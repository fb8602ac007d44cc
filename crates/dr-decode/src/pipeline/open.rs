//! Opening a track, in named steps: read the container (`container::read`), pick its audio
//! track, let the container check it, open the decoder (`codec::open_decoder`), read what
//! the container says beside the reader, describe the track.

use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::{FormatReader, MediaInfo, Track, TrackType};
use symphonia::core::units::{Duration, TimeBase};

use crate::codec::{self, I32Layout, OpenedDecoder, SampleFormat, TrackDecoder};
use crate::container::{self, Container, ContainerFormat, Extras, GaplessTrim, Input, ReadContainer};
use crate::error::{DecodeError, TrackContext};
use crate::track::{channel_names, Codec, Tags, TrackInfo};

/// An opened track, ready to decode.
pub(crate) struct OpenedTrack<'a> {
    pub(crate) reader: Box<dyn FormatReader + 'a>,
    /// The container's walks, for the checks after decoding.
    pub(crate) format: &'static dyn ContainerFormat,
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
    pub(crate) packet_check: PacketCheck,
}

/// The checks of a packet's data no decoder makes: the CRC-16 of FLAC frames in another
/// container (`Copy`, so the decoding loop holds it while the reader is borrowed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PacketCheck {
    pub(crate) flac_crc: bool,
}

impl PacketCheck {
    pub(crate) fn intact(self, data: &[u8]) -> bool {
        !self.flac_crc || container::frame_crc_matches(data)
    }
}

pub(crate) fn open(input: Input<'_>) -> Result<OpenedTrack<'_>, DecodeError> {
    let path = input.display_path();
    let ReadContainer {
        mut reader,
        container,
        format,
        file_bytes,
    } = container::read(input)?;
    let (track, params, codec) = audio_track(input, reader.as_ref(), container, format)?;
    format.check_track(input, track.id, codec)?;

    let OpenedDecoder {
        mut decoder,
        params,
        sample_rate,
        channels,
        format:
            SampleFormat {
                bits_per_sample,
                integer_samples,
                i32_layout,
            },
    } = codec::open_decoder(&path, codec, &params)?;

    let timestamps_are_frames = format.timestamps_can_count_frames()
        && track
            .time_base
            .is_none_or(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate);
    let context = TrackContext {
        path: path.clone(),
        codec,
        sample_rate,
    };
    let Extras {
        gapless,
        tags: extra_tags,
        declared_frames: container_frames,
    } = format.read_extras(input, &context, track.id)?;
    let declared_frames = gapless
        .map(|trim| trim.audio_frames)
        .or(container_frames)
        .or_else(|| declared_frames(&track, reader.media_info(), sample_rate));
    if let (TrackDecoder::Opus(stream), Container::Matroska, Some(frames)) = (&mut decoder, container, declared_frames)
    {
        stream.limit_frames(frames);
    }

    let channel_names = name_channels(&decoder, &params, channels);
    let mut tags = Tags::default();
    tags.absorb_reader(reader.as_mut(), track.id);
    if let Some(extra_tags) = extra_tags {
        tags.absorb_riff_info(extra_tags);
    }
    let info = TrackInfo {
        path,
        container,
        codec,
        sample_rate,
        bits_per_sample,
        float_samples: !integer_samples,
        channels,
        lfe_channel: channel_names
            .as_ref()
            .and_then(|names| names.iter().position(|n| *n == "LFE")),
        channel_names,
        declared_frames,
        frames: 0,
        duration_seconds: 0.0,
        file_bytes,
        bitrate_bps: None,
        tags,
    };
    Ok(OpenedTrack {
        reader,
        format,
        track_id: track.id,
        params,
        decoder,
        info,
        timestamps_are_frames,
        i32_layout,
        integer_samples,
        gapless,
        packet_check: PacketCheck {
            flac_crc: codec == Codec::Flac && container != Container::Flac,
        },
    })
}

/// The track to measure (the default audio track, else the first), its parameters and
/// codec.
fn audio_track(
    input: Input<'_>,
    reader: &dyn FormatReader,
    container: Container,
    format: &dyn ContainerFormat,
) -> Result<(Track, AudioCodecParameters, Codec), DecodeError> {
    let path = input.display_path();
    let no_audio_track = || DecodeError::Unsupported {
        path: path.clone(),
        what: format!("{container} file without an audio track"),
    };
    let track = reader
        .default_track(TrackType::Audio)
        .or_else(|| reader.first_track(TrackType::Audio))
        .ok_or_else(|| format.explain_refusal(input).unwrap_or_else(no_audio_track))?
        .clone();
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(no_audio_track());
    };
    let codec = Codec::from_id(params.codec).map_err(|what| DecodeError::Unsupported {
        path: path.clone(),
        what: format!("{what} in {container}"),
    })?;
    Ok((track, params, codec))
}

/// Channel names: one channel is centred, whatever position the container gives it (FLAC
/// says FL); Opus names its layouts itself (family 0 stereo is left, right, RFC 7845
/// §5.1.1.1; family 1 the layouts of §5.1.1.2; other families name none).
fn name_channels(decoder: &TrackDecoder, params: &AudioCodecParameters, channels: usize) -> Option<Vec<&'static str>> {
    match (decoder, channels) {
        (_, 1) => Some(vec!["FC"]),
        (TrackDecoder::Opus(stream), _) => stream.channel_names(),
        _ => params.channels.as_ref().and_then(channel_names),
    }
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
