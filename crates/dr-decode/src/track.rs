//! What a measured track reports besides its DR: properties and tags.

use std::path::{Path, PathBuf};

use symphonia::core::audio::{ChannelLabel, Channels, Position};
use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{AudioCodecId, CODEC_ID_NULL_AUDIO};
use symphonia::core::formats::FormatReader;
use symphonia::core::meta::{MetadataRevision, StandardTag, Tag};

use crate::container::Container;
use crate::error::{DecodeError, DecodeWarning};

/// Highest sample rate accepted (the product's stated range).
pub(crate) const MAX_SAMPLE_RATE: u32 = 768_000;

/// The codec of a track, named as DR logs write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    Flac,
    Alac,
    /// Uncompressed integer or float PCM (also A-law/µ-law, decoded to 16-bit).
    Pcm,
    Mp3,
    Mp2,
    Mp1,
    Aac,
    Vorbis,
    Opus,
    Adpcm,
}

impl Codec {
    /// The common name logs print in `Codec:`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Flac => "FLAC",
            Codec::Alac => "ALAC",
            Codec::Pcm => "PCM",
            Codec::Mp3 => "MP3",
            Codec::Mp2 => "MP2",
            Codec::Mp1 => "MP1",
            Codec::Aac => "AAC",
            Codec::Vorbis => "Vorbis",
            Codec::Opus => "Opus",
            Codec::Adpcm => "ADPCM",
        }
    }

    /// Lossless codecs decode to exactly the encoded PCM; their bit depth is meaningful.
    pub fn is_lossless(self) -> bool {
        matches!(self, Codec::Flac | Codec::Alac | Codec::Pcm)
    }

    /// Codecs whose packets decode independently of each other (no state carried from one
    /// packet to the next), so batches of them can be decoded on different threads.
    pub(crate) fn packets_are_independent(self) -> bool {
        matches!(self, Codec::Flac | Codec::Alac | Codec::Pcm)
    }

    pub(crate) fn from_id(id: AudioCodecId) -> Result<Codec, String> {
        let pcm = [
            CODEC_ID_PCM_S32LE,
            CODEC_ID_PCM_S32BE,
            CODEC_ID_PCM_S24LE,
            CODEC_ID_PCM_S24BE,
            CODEC_ID_PCM_S16LE,
            CODEC_ID_PCM_S16BE,
            CODEC_ID_PCM_S8,
            CODEC_ID_PCM_U32LE,
            CODEC_ID_PCM_U32BE,
            CODEC_ID_PCM_U24LE,
            CODEC_ID_PCM_U24BE,
            CODEC_ID_PCM_U16LE,
            CODEC_ID_PCM_U16BE,
            CODEC_ID_PCM_U8,
            CODEC_ID_PCM_F32LE,
            CODEC_ID_PCM_F32BE,
            CODEC_ID_PCM_F64LE,
            CODEC_ID_PCM_F64BE,
            CODEC_ID_PCM_ALAW,
            CODEC_ID_PCM_MULAW,
        ];
        if pcm.contains(&id) {
            return Ok(Codec::Pcm);
        }
        Ok(match id {
            CODEC_ID_FLAC => Codec::Flac,
            CODEC_ID_ALAC => Codec::Alac,
            CODEC_ID_MP3 => Codec::Mp3,
            CODEC_ID_MP2 => Codec::Mp2,
            CODEC_ID_MP1 => Codec::Mp1,
            CODEC_ID_AAC => Codec::Aac,
            CODEC_ID_VORBIS => Codec::Vorbis,
            CODEC_ID_OPUS => Codec::Opus,
            CODEC_ID_ADPCM_MS | CODEC_ID_ADPCM_IMA_WAV | CODEC_ID_ADPCM_IMA_QT => Codec::Adpcm,
            other => return Err(unsupported_codec_name(other)),
        })
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn unsupported_codec_name(id: AudioCodecId) -> String {
    let named = [
        (CODEC_ID_AC3, "AC-3"),
        (CODEC_ID_EAC3, "E-AC-3"),
        (CODEC_ID_AC4, "AC-4"),
        (CODEC_ID_DCA, "DTS"),
        (CODEC_ID_TRUEHD, "Dolby TrueHD"),
        (CODEC_ID_WAVPACK, "WavPack"),
        (CODEC_ID_MONKEYS_AUDIO, "Monkey's Audio"),
        (CODEC_ID_TTA, "TTA"),
        (CODEC_ID_MUSEPACK, "Musepack"),
        (CODEC_ID_SPEEX, "Speex"),
        (CODEC_ID_WMA, "WMA"),
        (CODEC_ID_ATRAC3, "ATRAC3"),
        (CODEC_ID_ATRAC3PLUS, "ATRAC3plus"),
        (CODEC_ID_ADPCM_G722, "G.722"),
        (CODEC_ID_ADPCM_G726, "G.726"),
        (CODEC_ID_ADPCM_G726LE, "G.726"),
        (CODEC_ID_NULL_AUDIO, "an unknown codec"),
    ];
    match named.iter().find(|(known, _)| *known == id) {
        Some((_, name)) => format!("{name} audio"),
        None => format!("audio codec {id}"),
    }
}

/// The tags DR logs use. Values are as the file has them (trimmed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
}

impl Tags {
    /// Adds the tags of one metadata revision; a field already set is kept (the first
    /// revision read, the container's own, wins over later ones).
    pub(crate) fn absorb_revision(&mut self, revision: &MetadataRevision, track_id: u32) {
        for tag in &revision.media.tags {
            self.absorb(tag);
        }
        for per_track in &revision.per_track {
            if per_track.track_id == u64::from(track_id) {
                for tag in &per_track.metadata.tags {
                    self.absorb(tag);
                }
            }
        }
    }

    fn absorb(&mut self, tag: &Tag) {
        fn text(slot: &mut Option<String>, value: &str) {
            let value = value.trim();
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.to_owned());
            }
        }
        fn number(slot: &mut Option<u32>, value: u64) {
            if slot.is_none() {
                *slot = u32::try_from(value).ok();
            }
        }
        match &tag.std {
            Some(StandardTag::Artist(value)) => text(&mut self.artist, value),
            Some(StandardTag::AlbumArtist(value)) => text(&mut self.album_artist, value),
            Some(StandardTag::Album(value)) => text(&mut self.album, value),
            Some(StandardTag::TrackTitle(value)) => text(&mut self.title, value),
            Some(StandardTag::TrackNumber(value)) => number(&mut self.track_number, *value),
            Some(StandardTag::DiscNumber(value)) => number(&mut self.disc_number, *value),
            _ => {}
        }
    }

    /// Fills the fields still empty from a WAV file's INFO list.
    pub(crate) fn absorb_riff_info(&mut self, info: crate::container::RiffInfo) {
        for (slot, value) in [
            (&mut self.artist, info.artist),
            (&mut self.album, info.album),
            (&mut self.title, info.title),
        ] {
            if slot.is_none() {
                *slot = value;
            }
        }
        if self.track_number.is_none() {
            self.track_number = info.track_number;
        }
    }

    /// Reads every metadata revision the reader has queued so far (older ones are consumed).
    pub(crate) fn absorb_reader(&mut self, reader: &mut dyn FormatReader, track_id: u32) {
        let mut metadata = reader.metadata();
        while let Some(revision) = metadata.pop() {
            self.absorb_revision(&revision, track_id);
        }
        if let Some(revision) = metadata.current() {
            self.absorb_revision(revision, track_id);
        }
    }
}

/// Name of a speaker position as DR logs and the JSON write it.
fn position_name(position: Position) -> Option<&'static str> {
    const NAMES: [(Position, &str); 26] = [
        (Position::FRONT_LEFT, "FL"),
        (Position::FRONT_RIGHT, "FR"),
        (Position::FRONT_CENTER, "FC"),
        (Position::LFE1, "LFE"),
        (Position::REAR_LEFT, "BL"),
        (Position::REAR_RIGHT, "BR"),
        (Position::FRONT_LEFT_CENTER, "FCL"),
        (Position::FRONT_RIGHT_CENTER, "FCR"),
        (Position::REAR_CENTER, "BC"),
        (Position::SIDE_LEFT, "SL"),
        (Position::SIDE_RIGHT, "SR"),
        (Position::TOP_CENTER, "TC"),
        (Position::TOP_FRONT_LEFT, "TFL"),
        (Position::TOP_FRONT_CENTER, "TFC"),
        (Position::TOP_FRONT_RIGHT, "TFR"),
        (Position::TOP_REAR_LEFT, "TBL"),
        (Position::TOP_REAR_CENTER, "TBC"),
        (Position::TOP_REAR_RIGHT, "TBR"),
        (Position::LFE2, "LFE2"),
        (Position::TOP_SIDE_LEFT, "TSL"),
        (Position::TOP_SIDE_RIGHT, "TSR"),
        (Position::BOTTOM_FRONT_CENTER, "BFC"),
        (Position::BOTTOM_FRONT_LEFT, "BFL"),
        (Position::BOTTOM_FRONT_RIGHT, "BFR"),
        (Position::FRONT_LEFT_WIDE, "FLW"),
        (Position::FRONT_RIGHT_WIDE, "FRW"),
    ];
    NAMES
        .iter()
        .find(|(known, _)| *known == position)
        .map(|&(_, name)| name)
}

/// Channel names in decoded (plane) order, when the container says where each channel
/// goes. Symphonia orders positioned planes by ascending position bit, as WAV does.
pub(crate) fn channel_names(channels: &Channels) -> Option<Vec<&'static str>> {
    match channels {
        Channels::Positioned(positions) => positions.iter().map(position_name).collect(),
        Channels::Custom(labels) => labels
            .iter()
            .map(|label| match label {
                ChannelLabel::Positioned(position) => position_name(*position),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Everything a DR log or the JSON says about a track besides its measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackInfo {
    /// The file (`<memory>` for in-memory input).
    pub path: PathBuf,
    pub container: Container,
    pub codec: Codec,
    pub sample_rate: u32,
    /// Significant bits of lossless audio (also 32/64 for float PCM); `None` for lossy.
    pub bits_per_sample: Option<u32>,
    /// The decoded samples are floats (float PCM and every lossy codec).
    pub float_samples: bool,
    pub channels: usize,
    /// Speaker names per channel (`FL`, `FR`, `FC`, `LFE`, `BL`, `BR`, `SL`, `SR`, ...),
    /// when the container says.
    pub channel_names: Option<Vec<&'static str>>,
    /// Index of the LFE channel, when the layout names one.
    pub lfe_channel: Option<usize>,
    /// Frames per channel the header declares (may be absent or an estimate for MP3).
    pub declared_frames: Option<u64>,
    /// Frames per channel decoded and measured.
    pub frames: u64,
    pub duration_seconds: f64,
    /// Size of the file in bytes.
    pub file_bytes: u64,
    /// Average bitrate in bits per second: size*8/duration for compressed audio,
    /// rate*bits*channels for PCM. `None` for an empty track.
    pub bitrate_bps: Option<u64>,
    pub tags: Tags,
}

impl TrackInfo {
    /// The codec as DR logs name it: float PCM is `PCM (floating-point)`, as foobar2000
    /// names it.
    pub fn codec_label(&self) -> &'static str {
        match self.codec {
            Codec::Pcm if self.float_samples => "PCM (floating-point)",
            codec => codec.name(),
        }
    }
}

impl TrackInfo {
    /// The bitrate in kbps, rounded, as logs print it.
    pub fn bitrate_kbps(&self) -> Option<u64> {
        self.bitrate_bps.map(|bps| (bps + 500) / 1000)
    }

    /// Fills the values known only after decoding.
    pub(crate) fn finish(&mut self, frames: u64) {
        self.frames = frames;
        self.duration_seconds = frames as f64 / f64::from(self.sample_rate.max(1));
        self.bitrate_bps = match (self.codec, self.bits_per_sample) {
            (Codec::Pcm, Some(bits)) => Some(u64::from(self.sample_rate) * u64::from(bits) * self.channels as u64),
            _ if self.duration_seconds > 0.0 => {
                Some((self.file_bytes as f64 * 8.0 / self.duration_seconds).round() as u64)
            }
            _ => None,
        };
    }
}

/// A measured track: its description, its DR, and anything that makes the DR less than a
/// measurement of the whole, intact file.
#[derive(Clone, Debug)]
pub struct MeasuredTrack {
    pub info: TrackInfo,
    pub result: dr_core::TrackResult,
    /// Non-empty when a decoder skipped damaged audio (lossy codecs only; lossless damage is
    /// an error). The DR then covers only what decoded.
    pub warnings: Vec<DecodeWarning>,
}

/// Rate and channel count a decoder can be trusted with: checked on what a stream declares
/// (codec::open_decoder) and on what a decoder gives (the sequential path).
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
