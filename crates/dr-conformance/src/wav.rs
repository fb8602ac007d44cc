//! The WAV container and sample quantisation of the conformance files.
//!
//! Layout (as published): `RIFF` / `WAVE`, a 16-byte `fmt ` chunk (tag 1 PCM or 3 float) for
//! up to two channels without a mask, else a 40-byte WAVE_FORMAT_EXTENSIBLE one (valid bits =
//! container bits, the mask, the PCM or float sub-format GUID); float files carry a `fact`
//! chunk with the frame count; then `data`, interleaved little-endian.

use crate::{Case, SampleFormat};

/// A generated file and where its `data` payload lies in it.
#[derive(Debug, Clone)]
pub struct Wav {
    pub bytes: Vec<u8>,
    pub data: std::ops::Range<usize>,
}

impl Wav {
    /// The `data` chunk's payload (what the published data hash covers).
    pub fn data_bytes(&self) -> &[u8] {
        &self.bytes[self.data.clone()]
    }
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// The tail shared by the KSDATAFORMAT_SUBTYPE GUIDs after their first two bytes.
const SUBTYPE_GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

pub(crate) fn encode(case: &Case, channels: &[Vec<f64>]) -> Wav {
    let format = case.format;
    let bits = format.bits();
    let block_align = case.channels * bits / 8;
    let tag = if format.is_float() {
        WAVE_FORMAT_IEEE_FLOAT
    } else {
        WAVE_FORMAT_PCM
    };

    let mut fmt = Vec::new();
    let extensible = case.channels > 2 || case.channel_mask.is_some();
    fmt.extend(if extensible { WAVE_FORMAT_EXTENSIBLE } else { tag }.to_le_bytes());
    fmt.extend(case.channels.to_le_bytes());
    fmt.extend(case.sample_rate.to_le_bytes());
    fmt.extend((case.sample_rate * u32::from(block_align)).to_le_bytes());
    fmt.extend(block_align.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    if extensible {
        fmt.extend(22u16.to_le_bytes()); // cbSize
        fmt.extend(bits.to_le_bytes()); // wValidBitsPerSample
        fmt.extend(case.channel_mask.unwrap_or(0).to_le_bytes());
        fmt.extend(tag.to_le_bytes());
        fmt.extend(SUBTYPE_GUID_TAIL);
    }

    let frames = channels.first().map_or(0, Vec::len);
    let mut data = Vec::with_capacity(frames * usize::from(block_align));
    for frame in 0..frames {
        for channel in channels {
            push_sample(&mut data, channel[frame], format);
        }
    }

    let mut body = b"WAVE".to_vec();
    push_chunk(&mut body, b"fmt ", &fmt);
    if format.is_float() {
        push_chunk(&mut body, b"fact", &(frames as u32).to_le_bytes());
    }
    let data_start = body.len() + 8 + 8; // + RIFF header + data chunk header
    push_chunk(&mut body, b"data", &data);

    let mut bytes = b"RIFF".to_vec();
    bytes.extend((body.len() as u32).to_le_bytes());
    bytes.extend(body);
    Wav {
        bytes,
        data: data_start..data_start + data.len(),
    }
}

fn push_chunk(out: &mut Vec<u8>, id: &[u8; 4], payload: &[u8]) {
    out.extend(id);
    out.extend((payload.len() as u32).to_le_bytes());
    out.extend(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
}

fn push_sample(out: &mut Vec<u8>, value: f64, format: SampleFormat) {
    match format {
        SampleFormat::F32 => out.extend((value as f32).to_le_bytes()),
        SampleFormat::F64 => out.extend(value.to_le_bytes()),
        SampleFormat::U8 => out.push((round_half_up(value * 128.0) + 128).clamp(0, 255) as u8),
        SampleFormat::S16 | SampleFormat::S24 | SampleFormat::S32 => {
            let bits = format.bits();
            let full_scale = 1i64 << (bits - 1);
            let q = round_half_up(value * full_scale as f64).clamp(-full_scale, full_scale - 1);
            out.extend(&q.to_le_bytes()[..usize::from(bits / 8)]);
        }
    }
}

/// Rounds to nearest, halves away from zero, computed as `floor(v + 0.5)` (negative:
/// `ceil(v - 0.5)`) in f64, the way the published generator rounds: the addition itself may
/// round, so this is not always C's `lround`, and the bytes depend on it.
fn round_half_up(v: f64) -> i64 {
    if v >= 0.0 {
        (v + 0.5).floor() as i64
    } else {
        (v - 0.5).ceil() as i64
    }
}
