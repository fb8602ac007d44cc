//! The codecs: the decoder that turns a track's packets into samples (symphonia's, or
//! libopus for Opus, `opus_stream`), how to read the samples it gives (`SampleFormat`), and
//! the conversion of decoded buffers for the analyser (`pcm`).

use std::path::Path;

use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_PCM_F32BE, CODEC_ID_PCM_F32LE, CODEC_ID_PCM_F64BE, CODEC_ID_PCM_F64LE,
};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia_common::apple::audio::alac::MagicCookie;

use crate::error::DecodeError;
use crate::track::{check_parameters, Codec};

mod opus_stream;
mod pcm;

pub(crate) use opus_stream::{opus_packet_frames, OpusHead, OpusStream, OPUS_RATE};
pub(crate) use pcm::{I32Layout, PcmConverter};

/// The decoder that turns packets into samples.
pub(crate) enum TrackDecoder {
    Symphonia(Box<dyn AudioDecoder>),
    Opus(Box<OpusStream>),
    /// Handed over to the parallel path's decoder pool.
    Released,
}

/// A track's decoder, ready, with what it says of the samples it will give.
pub(crate) struct OpenedDecoder {
    pub(crate) decoder: TrackDecoder,
    /// The codec parameters as the decoder amended them (FLAC fills in STREAMINFO, Opus
    /// decodes at 48 kHz, ...).
    pub(crate) params: AudioCodecParameters,
    pub(crate) sample_rate: u32,
    pub(crate) channels: usize,
    pub(crate) format: SampleFormat,
}

/// Makes the decoder for a track of `codec` from the container's `params`, and checks the
/// parameters before (symphonia's decoders take only what `check_parameters` passed) and
/// after it amended them.
pub(crate) fn open_decoder(
    path: &Path,
    codec: Codec,
    params: &AudioCodecParameters,
) -> Result<OpenedDecoder, DecodeError> {
    if codec != Codec::Opus {
        let declared_channels = params.channels.as_ref().map_or(0, |c| c.count());
        check_parameters(path, params.sample_rate, declared_channels)?;
    }
    let (decoder, params) = make_decoder(path, codec, params)?;
    let sample_rate = params.sample_rate.unwrap_or(0);
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    check_parameters(path, Some(sample_rate), channels)?;
    let format = SampleFormat::of(path, codec, &params)?;
    Ok(OpenedDecoder {
        decoder,
        params,
        sample_rate,
        channels,
        format,
    })
}

/// The decoder, with the codec parameters as it amended them.
fn make_decoder(
    path: &Path,
    codec: Codec,
    params: &AudioCodecParameters,
) -> Result<(TrackDecoder, AudioCodecParameters), DecodeError> {
    let declared_channels = params.channels.as_ref().map_or(0, |c| c.count());
    if codec == Codec::Opus {
        let head = params.extra_data.as_deref().and_then(opus_stream::OpusHead::parse);
        let stream = OpusStream::new(head, declared_channels).map_err(|what| DecodeError::Unsupported {
            path: path.to_path_buf(),
            what,
        })?;
        let mut params = params.clone();
        params.with_sample_rate(OPUS_RATE);
        if declared_channels == 0 {
            params.with_channels(symphonia::core::audio::Channels::Discrete(stream.channels() as u16));
        }
        return Ok((TrackDecoder::Opus(Box::new(stream)), params));
    }
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|error| match error {
            SymphoniaError::Unsupported(what) => DecodeError::Unsupported {
                path: path.to_path_buf(),
                what: format!("{codec} variant this decoder lacks ({what})"),
            },
            other => DecodeError::Malformed {
                path: path.to_path_buf(),
                format: codec.name().to_owned(),
                reason: other.to_string(),
            },
        })?;
    let amended = decoder.codec_params().clone();
    Ok((TrackDecoder::Symphonia(decoder), amended))
}

/// How a decoder's samples are read.
pub(crate) struct SampleFormat {
    /// Bits per sample of lossless audio (`None` for lossy).
    pub(crate) bits_per_sample: Option<u32>,
    /// The decoder produces integer samples (everything lossless but float PCM).
    pub(crate) integer_samples: bool,
    /// How to read the `i32` samples it produces.
    pub(crate) i32_layout: I32Layout,
}

impl SampleFormat {
    /// From the parameters the decoder amended.
    fn of(path: &Path, codec: Codec, params: &AudioCodecParameters) -> Result<SampleFormat, DecodeError> {
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
                        path: path.to_path_buf(),
                        reason: format!(
                            "the header declares {} bits per sample",
                            other.map_or("no".to_owned(), |b| b.to_string())
                        ),
                    })
                }
            },
            _ => I32Layout::Full,
        };
        Ok(SampleFormat {
            bits_per_sample,
            integer_samples,
            i32_layout,
        })
    }
}
