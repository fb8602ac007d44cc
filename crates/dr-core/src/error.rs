use crate::spec::MAX_CHANNELS;

/// Why the analyser refused input. Every message names the numbers involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("channel count is 0")]
    NoChannels,
    #[error("{0} channels: at most {MAX_CHANNELS} are supported")]
    TooManyChannels(usize),
    #[error("sample rate is 0")]
    ZeroSampleRate,
    #[error("bit depth {0} is outside 1..=32")]
    InvalidBitDepth(u32),
    #[error("excluded channel {index} does not exist in a {channels}-channel track")]
    ExcludedChannelOutOfRange { index: usize, channels: usize },
    #[error("{samples} samples are not a whole number of {channels}-channel frames")]
    PartialFrame { samples: usize, channels: usize },
    #[error("planar input has {got} channel buffers, the track has {expected} channels")]
    ChannelCountMismatch { got: usize, expected: usize },
    #[error("planar channel buffers differ in length")]
    ChannelLengthMismatch,
    #[error("sample format changed within a track: {was}, then {now}")]
    SampleFormatChanged { was: SampleKind, now: SampleKind },
    #[error("the audio ends in the middle of a frame ({leftover} of {channels} samples)")]
    IncompleteFrame { leftover: usize, channels: usize },
    #[error("frames {start}..{end} were given twice")]
    OverlappingFrames { start: u64, end: u64 },
    #[error("frames {start}..{end} are missing")]
    MissingFrames { start: u64, end: u64 },
    #[error("frame position {0} is out of range")]
    FramePositionOutOfRange(u64),
    #[error("a segment made for another track's geometry was merged")]
    GeometryMismatch,
}

/// The kind of samples a track is fed with; fixed by the first chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// f32 or f64 samples, fed in order.
    Float,
    /// Integer samples of the given significant bit depth, fed in order.
    Integer { bits: u32 },
    /// Integer segments of the given bit depth, merged in any order.
    Segments { bits: u32 },
}

impl std::fmt::Display for SampleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SampleKind::Float => write!(f, "float samples"),
            SampleKind::Integer { bits } => write!(f, "{bits}-bit integer samples"),
            SampleKind::Segments { bits } => write!(f, "{bits}-bit integer segments"),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
