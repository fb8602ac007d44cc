//! Opus, which symphonia demuxes (Ogg, Matroska/WebM) but does not decode.
//!
//! Decoded with libopus, the reference decoder, through the `opus` crate (safe bindings,
//! maintained; its `opusic-sys`, patched in from `vendor/opusic-sys`, builds libopus 1.6.1
//! from bundled source with the `cc` crate and links it statically, so building needs no
//! cmake and the binary and the C ABI carry no runtime libopus dependency). libopus
//! is what foobar2000 itself decodes Opus with, which matters for matching its numbers;
//! the pure-Rust Opus decoders on crates.io are 0.1-era ports without that track record.
//!
//! Every channel mapping family: family 0 (mono/stereo, one stream) with libopus's plain
//! decoder, the others (family 1: up to 7.1 in Vorbis channel order; 255: unnamed channels;
//! 2/3: ambisonics) with its multistream decoder and the head's mapping table. Family 1 is
//! handed on in WAVE channel order (FL FR FC LFE BL BR SL SR), as foobar2000 and
//! symphonia's Vorbis decoder present such layouts, so logs list channels alike.

use dr_core::MAX_CHANNELS;

/// Opus always decodes at 48 kHz (RFC 7845 §5.1: players should output at 48 kHz).
pub(crate) const OPUS_RATE: u32 = 48_000;

/// The longest Opus packet lasts 120 ms: 5760 frames at 48 kHz.
const MAX_PACKET_FRAMES: usize = 5760;

/// The fields of an `OpusHead` identification header (RFC 7845 §5.1) DR measurement needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpusHead {
    pub(crate) channels: u8,
    pub(crate) pre_skip: u16,
    /// Gain to apply to the output, Q7.8 dB; players must apply it (RFC 7845 §5.1).
    pub(crate) output_gain_q8: i16,
    pub(crate) mapping_family: u8,
    /// Families other than 0: the streams, how many of them are coupled (stereo), and
    /// for each output channel the decoded channel it takes (255: silence).
    pub(crate) streams: u8,
    pub(crate) coupled_streams: u8,
    pub(crate) mapping: [u8; MAX_CHANNELS],
}

impl OpusHead {
    pub(crate) fn parse(bytes: &[u8]) -> Option<OpusHead> {
        let head = bytes.strip_prefix(b"OpusHead")?;
        let [version, channels, p0, p1, _, _, _, _, g0, g1, mapping_family, ref table @ ..] = *head else {
            return None;
        };
        // Versions 0..=15 share the layout (RFC 7845: "incompatible" starts at 16).
        if version > 15 {
            return None;
        }
        let mut parsed = OpusHead {
            channels,
            pre_skip: u16::from_le_bytes([p0, p1]),
            output_gain_q8: i16::from_le_bytes([g0, g1]),
            mapping_family,
            streams: 1,
            coupled_streams: u8::from(channels == 2),
            mapping: [0; MAX_CHANNELS],
        };
        if mapping_family != 0 {
            // A table that is missing or longer than any layout measured here: not a head
            // this decoder can follow.
            let [streams, coupled, ref mapping @ ..] = *table else {
                return None;
            };
            let mapping = mapping
                .get(..usize::from(channels))
                .filter(|m| m.len() <= MAX_CHANNELS)?;
            parsed.streams = streams;
            parsed.coupled_streams = coupled;
            parsed.mapping[..mapping.len()].copy_from_slice(mapping);
        }
        Some(parsed)
    }
}

/// The frames (at 48 kHz) an Opus packet holds, from its first bytes (the TOC byte's
/// configuration and frame count code, and for code 3 the frame count byte: RFC 6716
/// §3.1); `None` for bytes that are no valid packet start (over 120 ms, or cut).
pub(crate) fn opus_packet_frames(packet_start: &[u8]) -> Option<u64> {
    let frames = opus::packet::get_nb_samples(packet_start, OPUS_RATE).ok()?;
    (1..=MAX_PACKET_FRAMES).contains(&frames).then_some(frames as u64)
}

/// Family 1's channel orders (RFC 7845 §5.1.1.2, Vorbis order) put into WAVE order: for n
/// channels, output channel i is decoded channel `FAMILY_1_TO_WAVE[n - 1][i]`; with the
/// WAVE names.
const FAMILY_1_TO_WAVE: [&[usize]; 8] = [
    &[0],
    &[0, 1],
    &[0, 2, 1],
    &[0, 1, 2, 3],
    &[0, 2, 1, 3, 4],
    &[0, 2, 1, 5, 3, 4],
    &[0, 2, 1, 6, 5, 3, 4],
    &[0, 2, 1, 7, 5, 6, 3, 4],
];
const FAMILY_1_NAMES: [&[&str]; 8] = [
    &["FC"],
    &["FL", "FR"],
    &["FL", "FR", "FC"],
    &["FL", "FR", "BL", "BR"],
    &["FL", "FR", "FC", "BL", "BR"],
    &["FL", "FR", "FC", "LFE", "BL", "BR"],
    &["FL", "FR", "FC", "LFE", "BC", "SL", "SR"],
    &["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
];

/// libopus's plain decoder (one stream) or its multistream decoder.
enum Decoder {
    Single(opus::Decoder),
    Multi(opus::MSDecoder),
}

impl Decoder {
    fn decode_float(&mut self, packet: &[u8], output: &mut [f32]) -> opus::Result<usize> {
        match self {
            Decoder::Single(decoder) => decoder.decode_float(packet, output, false),
            Decoder::Multi(decoder) => decoder.decode_float(packet, output, false),
        }
    }

    fn set_gain(&mut self, gain: i32) -> opus::Result<()> {
        match self {
            Decoder::Single(decoder) => decoder.set_gain(gain),
            Decoder::Multi(decoder) => decoder.set_gain(gain),
        }
    }
}

/// One Opus stream being decoded to interleaved f32, trimmed to the audio the encoder was
/// given: the pre-skip at the start (RFC 7845 §4.2: decoders must drop it), the padding at
/// the end.
pub(crate) struct OpusStream {
    decoder: Decoder,
    channels: usize,
    /// Family 1 layouts of 3+ channels: the order that puts a decoded frame in WAVE order.
    reorder: Option<&'static [usize]>,
    names: Option<&'static [&'static str]>,
    interleaved: Vec<f32>,
    /// Frames still to drop at the start. Symphonia 0.6 neither trims the pre-skip in Ogg
    /// (its timestamps start at 0) nor can Matroska's millisecond timestamps state it
    /// exactly, so the OpusHead's count is applied here.
    skip_remaining: u64,
    /// The stream's length when the container knows it but does not mark the end padding
    /// on packets (Matroska); Ogg marks it (packet end trims).
    frame_limit: Option<u64>,
    frames_out: u64,
}

impl OpusStream {
    /// `head` from the container's codec private data; `channels` as the container says.
    /// Errors name why the stream cannot be decoded (an "unsupported format" reason).
    pub(crate) fn new(head: Option<OpusHead>, channels: usize) -> Result<OpusStream, String> {
        let (channels, gain, family) = match head {
            Some(head) => (usize::from(head.channels), head.output_gain_q8, head.mapping_family),
            None => (channels, 0, 0),
        };
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(format!(
                "Opus with {channels} channels (1 to {MAX_CHANNELS} are measured)"
            ));
        }
        let start_error = |error: opus::Error| format!("Opus decoder could not start: {error}");
        let mut decoder = match head.filter(|head| head.mapping_family != 0) {
            Some(head) => Decoder::Multi(
                opus::MSDecoder::new(OPUS_RATE, head.streams, head.coupled_streams, &head.mapping[..channels])
                    .map_err(start_error)?,
            ),
            None => {
                let layout = match channels {
                    1 => opus::Channels::Mono,
                    2 => opus::Channels::Stereo,
                    _ => {
                        return Err(format!(
                            "Opus with {channels} channels in mapping family 0 (which holds 1 or 2), or without its channel mapping"
                        ))
                    }
                };
                Decoder::Single(opus::Decoder::new(OPUS_RATE, layout).map_err(start_error)?)
            }
        };
        if gain != 0 {
            decoder
                .set_gain(i32::from(gain))
                .map_err(|error| format!("Opus output gain {gain} refused: {error}"))?;
        }
        // Family 0 (mono, stereo) names its channels as family 1 does for 1 and 2.
        let names = match (family, channels) {
            (0, 1..=2) | (1, 1..=8) => Some(FAMILY_1_NAMES[channels - 1]),
            _ => None,
        };
        let reorder = match (family, channels) {
            (1, 1..=8) => {
                Some(FAMILY_1_TO_WAVE[channels - 1]).filter(|order| order.iter().enumerate().any(|(i, &c)| i != c))
            }
            _ => None,
        };
        Ok(OpusStream {
            decoder,
            channels,
            reorder,
            names,
            interleaved: vec![0.0; MAX_PACKET_FRAMES * channels],
            skip_remaining: head.map_or(0, |head| u64::from(head.pre_skip)),
            frame_limit: None,
            frames_out: 0,
        })
    }

    /// Ends the stream after `frames` frames (for containers that do not trim the end).
    pub(crate) fn limit_frames(&mut self, frames: u64) {
        self.frame_limit = Some(frames);
    }

    pub(crate) fn channels(&self) -> usize {
        self.channels
    }

    /// The speaker names of a family 0 or 1 layout (in the order the audio is handed on).
    pub(crate) fn channel_names(&self) -> Option<Vec<&'static str>> {
        self.names.map(<[&str]>::to_vec)
    }

    /// Bytes of the decoded-audio buffer.
    pub(crate) fn buffer_bytes(&self) -> usize {
        self.interleaved.len() * std::mem::size_of::<f32>()
    }

    /// Decodes one packet; returns the interleaved samples that are audio (possibly none).
    pub(crate) fn decode_trimmed(&mut self, packet: &symphonia::core::packet::Packet) -> Result<&[f32], String> {
        let channels = self.channels;
        let skip = self.skip_remaining.max(packet.trim_start.get());
        let end_trim = packet.trim_end.get();
        let frame_limit = self.frame_limit;
        let frames_out = self.frames_out;
        let decoded = self.decode(&packet.data)?;
        let frames = (decoded.len() / channels) as u64;
        let start = skip.min(frames);
        let mut end = frames.saturating_sub(end_trim).max(start);
        if let Some(limit) = frame_limit {
            end = end.min(start + limit.saturating_sub(frames_out));
        }
        self.skip_remaining = skip - start;
        self.frames_out += end - start;
        // start <= end <= frames, so the range is inside the decoded samples.
        let (start, end) = (start as usize * channels, end as usize * channels);
        Ok(&self.interleaved[start..end])
    }

    /// Decodes one packet; returns all its interleaved samples.
    pub(crate) fn decode(&mut self, packet: &[u8]) -> Result<&[f32], String> {
        if packet.is_empty() {
            // libopus reads an empty packet as "lost": it would invent audio.
            return Err("empty Opus packet".to_owned());
        }
        let frames = self
            .decoder
            .decode_float(packet, &mut self.interleaved)
            .map_err(|error| error.to_string())?;
        let samples = frames.saturating_mul(self.channels).min(self.interleaved.len());
        if let Some(order) = self.reorder {
            for frame in self.interleaved[..samples].chunks_exact_mut(self.channels) {
                let mut decoded = [0f32; 8];
                decoded[..frame.len()].copy_from_slice(frame);
                for (sample, &from) in frame.iter_mut().zip(order) {
                    *sample = decoded[from];
                }
            }
        }
        Ok(&self.interleaved[..samples])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_opus_head() {
        let mut bytes = b"OpusHead".to_vec();
        bytes.extend_from_slice(&[1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0x00, 0x01, 0]);
        let head = OpusHead::parse(&bytes).expect("valid head");
        assert_eq!(
            (head.channels, head.pre_skip, head.output_gain_q8, head.mapping_family),
            (2, 312, 256, 0)
        );
        assert_eq!((head.streams, head.coupled_streams), (1, 1));
        assert_eq!(OpusHead::parse(b"OpusHead\x01"), None);
        assert_eq!(OpusHead::parse(b"NotOpus!"), None);
        // Family 1, 5.1 as libopus writes it: 4 streams, 2 coupled, mapping 0 4 1 2 3 5.
        let mut surround = b"OpusHead".to_vec();
        surround.extend_from_slice(&[1, 6, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 1, 4, 2, 0, 4, 1, 2, 3, 5]);
        let head = OpusHead::parse(&surround).expect("valid head");
        assert_eq!((head.streams, head.coupled_streams), (4, 2));
        assert_eq!(head.mapping[..6], [0, 4, 1, 2, 3, 5]);
        // The mapping table cut short: not a head to follow.
        assert_eq!(OpusHead::parse(&surround[..surround.len() - 1]), None);
    }

    #[test]
    fn family_1_orders_are_permutations_to_the_named_wave_order() {
        for (index, (order, names)) in FAMILY_1_TO_WAVE.iter().zip(FAMILY_1_NAMES).enumerate() {
            let mut sorted = order.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..=index).collect::<Vec<_>>());
            assert_eq!(names.len(), index + 1);
        }
        // 5.1 in Vorbis order is FL, FC, FR, BL, BR, LFE (RFC 7845 §5.1.1.2).
        let vorbis = ["FL", "FC", "FR", "BL", "BR", "LFE"];
        let wave: Vec<&str> = FAMILY_1_TO_WAVE[5].iter().map(|&from| vorbis[from]).collect();
        assert_eq!(wave, FAMILY_1_NAMES[5]);
        // 7.1: FL, FC, FR, SL, SR, BL, BR, LFE.
        let vorbis = ["FL", "FC", "FR", "SL", "SR", "BL", "BR", "LFE"];
        let wave: Vec<&str> = FAMILY_1_TO_WAVE[7].iter().map(|&from| vorbis[from]).collect();
        assert_eq!(wave, FAMILY_1_NAMES[7]);
    }

    #[test]
    fn refuses_what_it_cannot_follow() {
        let mut head = OpusHead::parse(b"OpusHead\x01\x06\0\0\x80\xBB\0\0\0\0\0").expect("a head");
        // Six channels in family 0 (which holds one stream of 1 or 2).
        let error = OpusStream::new(Some(head), 6).err().expect("refused");
        assert!(error.contains("mapping family 0"), "{error}");
        // A multistream mapping libopus rejects (a channel taken from stream 9 of 4).
        head.mapping_family = 1;
        (head.streams, head.coupled_streams) = (4, 2);
        head.mapping[..6].copy_from_slice(&[0, 4, 1, 2, 3, 9]);
        assert!(OpusStream::new(Some(head), 6).is_err());
        head.mapping[..6].copy_from_slice(&[0, 4, 1, 2, 3, 5]);
        let stream = OpusStream::new(Some(head), 6).expect("5.1");
        assert_eq!(stream.channel_names().as_deref(), Some(FAMILY_1_NAMES[5]));
    }

    #[test]
    fn decodes_silence_packet() {
        let mut stream = OpusStream::new(None, 2).expect("stereo decoder");
        // TOC 0xF8: CELT fullband 20 ms, one frame; 0xFF 0xFE is a minimal payload.
        let samples = stream.decode(&[0xF8, 0xFF, 0xFE]).expect("decodes").len();
        assert_eq!(samples, 960 * 2);
    }
}
