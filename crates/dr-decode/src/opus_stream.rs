//! Opus, which symphonia demuxes (Ogg, Matroska/WebM) but does not decode.
//!
//! Decoded with libopus, the reference decoder, through the `opus` crate (safe bindings,
//! maintained; its `opusic-sys` builds libopus 1.5 from bundled source with cmake and links
//! it statically, so the binary and the C ABI carry no runtime libopus dependency). libopus
//! is what foobar2000 itself decodes Opus with, which matters for matching its numbers;
//! the pure-Rust Opus decoders on crates.io are 0.1-era ports without that track record.
//!
//! Only channel mapping family 0 (mono/stereo, one stream) is decoded: the safe bindings
//! expose no multistream decoder. Multichannel Opus is refused as unsupported, by name.

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
}

impl OpusHead {
    pub(crate) fn parse(bytes: &[u8]) -> Option<OpusHead> {
        let head = bytes.strip_prefix(b"OpusHead")?;
        let [version, channels, p0, p1, _, _, _, _, g0, g1, mapping_family, ..] = *head else {
            return None;
        };
        // Versions 0..=15 share the layout (RFC 7845: "incompatible" starts at 16).
        if version > 15 {
            return None;
        }
        Some(OpusHead {
            channels,
            pre_skip: u16::from_le_bytes([p0, p1]),
            output_gain_q8: i16::from_le_bytes([g0, g1]),
            mapping_family,
        })
    }
}

/// One Opus stream being decoded to interleaved f32, trimmed to the audio the encoder was
/// given: the pre-skip at the start (RFC 7845 §4.2: decoders must drop it), the padding at
/// the end.
pub(crate) struct OpusStream {
    decoder: opus::Decoder,
    channels: usize,
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
        let layout = match (family, channels) {
            (0 | 1, 1) => opus::Channels::Mono,
            (0 | 1, 2) => opus::Channels::Stereo,
            _ => {
                return Err(format!(
                    "multichannel Opus ({channels} channels, mapping family {family}); only mono and stereo Opus are decoded"
                ))
            }
        };
        let mut decoder =
            opus::Decoder::new(OPUS_RATE, layout).map_err(|error| format!("Opus decoder could not start: {error}"))?;
        if gain != 0 {
            decoder
                .set_gain(i32::from(gain))
                .map_err(|error| format!("Opus output gain {gain} refused: {error}"))?;
        }
        Ok(OpusStream {
            decoder,
            channels,
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
            .decode_float(packet, &mut self.interleaved, false)
            .map_err(|error| error.to_string())?;
        let samples = frames.saturating_mul(self.channels).min(self.interleaved.len());
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
            head,
            OpusHead {
                channels: 2,
                pre_skip: 312,
                output_gain_q8: 256,
                mapping_family: 0
            }
        );
        assert_eq!(OpusHead::parse(b"OpusHead\x01"), None);
        assert_eq!(OpusHead::parse(b"NotOpus!"), None);
    }

    #[test]
    fn refuses_multichannel() {
        let head = OpusHead {
            channels: 6,
            pre_skip: 0,
            output_gain_q8: 0,
            mapping_family: 1,
        };
        let error = OpusStream::new(Some(head), 6).err().expect("refused");
        assert!(error.contains("multichannel Opus"), "{error}");
    }

    #[test]
    fn decodes_silence_packet() {
        let mut stream = OpusStream::new(None, 2).expect("stereo decoder");
        // TOC 0xF8: CELT fullband 20 ms, one frame; 0xFF 0xFE is a minimal payload.
        let samples = stream.decode(&[0xF8, 0xFF, 0xFE]).expect("decodes").len();
        assert_eq!(samples, 960 * 2);
    }
}
