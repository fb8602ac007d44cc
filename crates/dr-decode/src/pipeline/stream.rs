//! Reading a track's packets in order, with the checks every decode path shares: packets
//! of other tracks skipped, the timeline of lossless streams checked for holes, symphonia's
//! errors turned into ones a person understands.

use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatReader;
use symphonia::core::packet::Packet;

use crate::error::{DecodeError, TrackContext};

/// Hostile input could make a reader return empty packets forever; this many in a row ends
/// the stream as corrupt instead of spinning.
const MAX_EMPTY_PACKETS_IN_A_ROW: u32 = 10_000;

/// The next thing in a track's stream.
pub(crate) enum NextPacket {
    Packet(Packet),
    /// The stream ended cleanly.
    End,
    /// The stream ended in the middle of a packet: the file is cut short.
    EndMidPacket,
}

/// Reads one track's packets in order.
pub(crate) struct PacketStream<'r, 'a> {
    reader: &'r mut (dyn FormatReader + 'a),
    track_id: u32,
    context: TrackContext,
    /// Lossless streams must be gapless: each packet starts where the last one ended.
    check_timeline: bool,
    /// Frames the packets read so far cover (by their stated durations).
    frames_read: u64,
    /// Bytes of the packets read so far: against the file's size, what the reader skipped.
    bytes_read: u64,
    empty_in_a_row: u32,
}

impl<'r, 'a> PacketStream<'r, 'a> {
    pub(crate) fn new(
        reader: &'r mut (dyn FormatReader + 'a),
        track_id: u32,
        context: TrackContext,
        check_timeline: bool,
    ) -> Self {
        PacketStream {
            reader,
            track_id,
            context,
            check_timeline,
            frames_read: 0,
            bytes_read: 0,
            empty_in_a_row: 0,
        }
    }

    pub(crate) fn next(&mut self) -> Result<NextPacket, DecodeError> {
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(NextPacket::End),
                Err(SymphoniaError::IoError(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(NextPacket::EndMidPacket)
                }
                Err(SymphoniaError::IoError(error)) => {
                    return Err(DecodeError::Open {
                        path: self.context.path.clone(),
                        reason: format!(
                            "read failed at {}: {}",
                            crate::error::format_position(self.context.seconds(self.frames_read)),
                            crate::error::io_reason(&error)
                        ),
                    })
                }
                Err(SymphoniaError::ResetRequired) => {
                    return Err(self.context.changed(
                        self.frames_read,
                        "a new stream with its own parameters starts (chained stream)",
                    ))
                }
                Err(error) => return Err(self.context.decode_failure(self.frames_read, error)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            if packet.data.is_empty() {
                self.empty_in_a_row += 1;
                if self.empty_in_a_row > MAX_EMPTY_PACKETS_IN_A_ROW {
                    return Err(self.context.corrupt(self.frames_read, "the stream makes no progress"));
                }
                continue;
            }
            self.empty_in_a_row = 0;
            if self.check_timeline {
                self.check_position(&packet)?;
            }
            self.frames_read = self.frames_read.saturating_add(packet.dur.get());
            self.bytes_read = self.bytes_read.saturating_add(packet.data.len() as u64);
            return Ok(NextPacket::Packet(packet));
        }
    }

    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// A packet that does not start where the previous one ended means lost audio (a frame
    /// the demuxer dropped for a bad CRC) or overlapping audio: either way the file is damaged.
    fn check_position(&self, packet: &Packet) -> Result<(), DecodeError> {
        let pts = packet.pts.get();
        let expected = self.frames_read;
        if pts == i64::try_from(expected).unwrap_or(i64::MAX) {
            return Ok(());
        }
        let codec = self.context.codec;
        let detail = if pts < 0 {
            format!("a {codec} frame has a negative position")
        } else if (pts as u64) > expected {
            format!(
                "{} frames are missing (a damaged frame was skipped)",
                pts as u64 - expected
            )
        } else {
            format!("a {codec} frame overlaps the previous one")
        };
        Err(self.context.corrupt(expected, detail))
    }
}
