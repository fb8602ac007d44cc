//! Decoding a track packet after packet on the calling thread, feeding the analyser in
//! order. Used for codecs that carry state from packet to packet (MP3, AAC, Vorbis, Opus),
//! for float PCM (float sums depend on order), and as the reference the parallel path must
//! match bit for bit.

use dr_core::Analyzer;
use symphonia::core::audio::GenericAudioBufferRef;

use std::ops::Range;

use super::budget::{FileNeeds, Reserved};
use super::decoded::{decoded_buffer_bytes, Decoded};
use super::open::OpenedTrack;
use super::options::Control;
use super::stream::{NextPacket, PacketStream};
use crate::codec::{PcmConverter, TrackDecoder, OPUS_RATE};
use crate::container::GaplessTrim;
use crate::error::TrackContext;
use crate::error::{DecodeError, DecodeWarning};

/// A lossy stream may lose a few frames to damage (players skip them, with a warning
/// here); beyond this many the file is too damaged to measure.
const MAX_SKIPPED_PACKETS: usize = 100;

/// The analyser, created by the first decoded audio: lossy decoders may output another rate
/// than the container declares (HE-AAC doubles it), and the measurement must use what plays.
struct LazyAnalyzer {
    analyzer: Option<Analyzer>,
    options: dr_core::Options,
}

impl LazyAnalyzer {
    fn get(
        &mut self,
        context: &TrackContext,
        at_frame: u64,
        rate: u32,
        channels: usize,
    ) -> Result<&mut Analyzer, DecodeError> {
        if let Some(existing) = &self.analyzer {
            if existing.sample_rate() != rate {
                return Err(context.changed(
                    at_frame,
                    format!("sample rate changes from {} Hz to {rate} Hz", existing.sample_rate()),
                ));
            }
            if existing.channels() != channels {
                return Err(context.changed(
                    at_frame,
                    format!("channel count changes from {} to {channels}", existing.channels()),
                ));
            }
        } else {
            crate::track::check_parameters(&context.path, Some(rate), channels)?;
            let mut options = self.options;
            if options.excluded_channel.is_some_and(|index| index >= channels) {
                options.excluded_channel = None;
            }
            let analyzer = Analyzer::with_options(rate, channels, options).map_err(|error| context.analysis(error))?;
            self.analyzer = Some(analyzer);
        }
        self.analyzer
            .as_mut()
            .ok_or_else(|| context.internal("analyser missing"))
    }
}

/// `floor` is the file's reservation of one decoder and one packet (`FileNeeds::floor`):
/// all this path holds at once. Data larger than the stream's parameters said is counted
/// as it is.
pub(crate) fn decode_sequential(
    opened: &mut OpenedTrack<'_>,
    context: &TrackContext,
    analyzer_options: dr_core::Options,
    control: Control<'_>,
    mut floor: Reserved<'_>,
) -> Result<Decoded, DecodeError> {
    let FileNeeds {
        packet: mut packet_bytes,
        decoder: mut decoder_bytes,
    } = FileNeeds::of(opened);
    let lossless = context.codec.is_lossless();
    let check_timeline = lossless && opened.timestamps_are_frames;
    let mut analyzer = LazyAnalyzer {
        analyzer: None,
        options: analyzer_options,
    };
    let mut converter = PcmConverter::new(opened.i32_layout);
    let mut window = FrameWindow::new(opened.gapless);
    let mut warnings = Vec::new();
    let mut skipped_packets = 0usize;
    let mut frames = 0u64;
    let mut ended_mid_packet = false;
    let declared_rate = opened.info.sample_rate;
    let packet_check = opened.packet_check;
    let mut packets = PacketStream::new(opened.reader.as_mut(), opened.track_id, context.clone(), check_timeline);

    // A lossless packet that decoded fewer frames than it states is fine only as the
    // stream's last (CAF states whole packets); found again when the next packet arrives.
    let mut short_packet: Option<(DecodeError, u64)> = None;
    let mut decoder_sized = false;

    loop {
        if control.is_cancelled() {
            return Err(context.cancelled());
        }
        let packet = match packets.next()? {
            NextPacket::Packet(packet) => {
                if let Some((error, _)) = short_packet.take() {
                    return Err(error);
                }
                if packet.data.len() as u64 > packet_bytes {
                    packet_bytes = packet.data.len() as u64;
                    floor.grow_to(packet_bytes + decoder_bytes);
                }
                packet
            }
            NextPacket::End => break,
            NextPacket::EndMidPacket => {
                ended_mid_packet = true;
                break;
            }
        };
        if !packet_check.intact(&packet.data) {
            return Err(context.corrupt(frames, "the frame fails its CRC-16 (damaged data)"));
        }
        let decoded = match &mut opened.decoder {
            TrackDecoder::Symphonia(decoder) => match decoder.decode(&packet) {
                Ok(buffer) => {
                    // Where timestamps count frames, a lossless packet's stated duration must
                    // match what it decodes to (the parallel path places packets by it).
                    let (decoded, stated) = (buffer.frames() as u64, packet.dur.get());
                    if check_timeline && decoded != stated {
                        let error = context.corrupt(
                            frames,
                            format!("decoded {decoded} frames where the stream says {stated}"),
                        );
                        if decoded > stated {
                            return Err(error);
                        }
                        short_packet = Some((error, stated - decoded));
                    }
                    feed_buffer(&buffer, &mut window, &mut analyzer, &mut converter, context, frames)
                }
                Err(error) => Err(context.decode_failure(frames, error)),
            },
            TrackDecoder::Opus(stream) => {
                let channels = stream.channels();
                match stream.decode_trimmed(&packet) {
                    Ok([]) => Ok(0),
                    Ok(audio) => analyzer
                        .get(context, frames, OPUS_RATE, channels)
                        .and_then(|a| a.add_interleaved_f32(audio).map_err(|e| context.analysis(e)))
                        .map(|()| (audio.len() / channels) as u64),
                    Err(reason) => Err(context.corrupt(frames, reason)),
                }
            }
            TrackDecoder::Released => Err(context.internal("the decoder was already released")),
        };
        if !decoder_sized {
            let buffer_bytes = match &opened.decoder {
                TrackDecoder::Symphonia(decoder) => decoded_buffer_bytes(&decoder.last_decoded()),
                TrackDecoder::Opus(stream) => stream.buffer_bytes(),
                TrackDecoder::Released => 0,
            };
            decoder_bytes = decoder_bytes.max((buffer_bytes + converter.scratch_bytes()) as u64);
            floor.grow_to(packet_bytes + decoder_bytes);
            decoder_sized = true;
        }
        match decoded {
            Ok(count) => {
                frames += count;
                control.frames_done(count);
            }
            // Lossy decoders recover from a damaged frame as players do; the track then
            // carries a warning. Lossless damage is never papered over.
            Err(error @ DecodeError::Corrupt { .. }) if !lossless => {
                skipped_packets += 1;
                if skipped_packets > MAX_SKIPPED_PACKETS {
                    return Err(context.corrupt(
                        frames,
                        format!(
                            "more than {MAX_SKIPPED_PACKETS} damaged frames; last: {}",
                            error.reason()
                        ),
                    ));
                }
                warnings.push(DecodeWarning {
                    at_seconds: context.seconds(frames),
                    message: format!("skipped a damaged {} frame ({})", context.codec, error.reason()),
                });
            }
            Err(error) => return Err(error),
        }
    }

    let analyzer = match analyzer.analyzer {
        Some(analyzer) => analyzer,
        // Nothing decoded: measure an empty track at the declared parameters.
        None => Analyzer::with_options(declared_rate, opened.info.channels, analyzer_options)
            .map_err(|error| context.analysis(error))?,
    };
    let result = analyzer.finish().map_err(|error| context.analysis(error))?;
    let final_packet_shortfall = short_packet.map_or(0, |(_, shortfall)| shortfall);
    Ok(Decoded {
        result,
        frames,
        warnings,
        ended_mid_packet,
        final_packet_shortfall,
        packet_bytes: packets.bytes_read(),
    })
}

/// Which decoded frames are audio when the container says (MP4 edit lists): the priming
/// frames at the start are dropped, and nothing past the stated length is kept.
pub(crate) struct FrameWindow {
    skip_remaining: u64,
    limit: u64,
    kept: u64,
}

impl FrameWindow {
    pub(crate) fn new(trim: Option<GaplessTrim>) -> Self {
        match trim {
            Some(trim) => FrameWindow {
                skip_remaining: trim.skip_frames,
                limit: trim.audio_frames,
                kept: 0,
            },
            None => FrameWindow {
                skip_remaining: 0,
                limit: u64::MAX,
                kept: 0,
            },
        }
    }

    /// The part of the next `frames` decoded frames that is audio.
    fn take(&mut self, frames: usize) -> Range<usize> {
        let frames = frames as u64;
        let start = self.skip_remaining.min(frames);
        self.skip_remaining -= start;
        let end = frames.min(start + (self.limit - self.kept));
        self.kept += end - start;
        // Both bounds are at most `frames`, a usize.
        start as usize..end as usize
    }
}

/// Feeds the audio part of one decoded buffer; returns its frame count.
fn feed_buffer(
    buffer: &GenericAudioBufferRef<'_>,
    window: &mut FrameWindow,
    analyzer: &mut LazyAnalyzer,
    converter: &mut PcmConverter,
    context: &TrackContext,
    at_frame: u64,
) -> Result<u64, DecodeError> {
    let range = window.take(buffer.frames());
    if range.is_empty() {
        return Ok(0);
    }
    let spec = buffer.spec();
    let analyzer = analyzer.get(context, at_frame, spec.rate(), spec.channels().count())?;
    if buffer.num_planes() != analyzer.channels() {
        return Err(context.changed(
            at_frame,
            format!(
                "{} decoded channels for a {}-channel stream",
                buffer.num_planes(),
                analyzer.channels()
            ),
        ));
    }
    let frames = range.len() as u64;
    converter
        .feed(buffer, range, analyzer)
        .map_err(|error| context.analysis(error))?;
    Ok(frames)
}
