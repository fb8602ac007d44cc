//! What both decode paths hand back, below both of them (`sequential` and `parallel` share
//! it, neither imports the other).

use symphonia::core::audio::GenericAudioBufferRef;

use crate::error::DecodeWarning;

/// What a finished decode hands back.
pub(crate) struct Decoded {
    pub(crate) result: dr_core::TrackResult,
    pub(crate) frames: u64,
    pub(crate) warnings: Vec<DecodeWarning>,
    pub(crate) ended_mid_packet: bool,
    /// Frames the stream's last packet decoded short of its stated duration (CAF states
    /// whole packets, and some muxers count them whole in the declared length too).
    pub(crate) final_packet_shortfall: u64,
    /// Bytes of all packets read (the track's).
    pub(crate) packet_bytes: u64,
}

/// Bytes a decoder's output buffer holds (its capacity, not just the frames in use).
pub(crate) fn decoded_buffer_bytes(buffer: &GenericAudioBufferRef<'_>) -> usize {
    buffer.capacity().max(buffer.frames()) * buffer.byte_len_per_frame()
}
