//! Decoded audio into the analyser: integers stay integers (exact sums, no float pass),
//! floats stay floats.
//!
//! Symphonia hands out planar buffers in one of ten sample formats. FLAC and ALAC left-
//! justify their samples in `i32` (a 16-bit sample `s` arrives as `s << 16`); the analyser
//! wants the significant bits right-justified with their count, so those are shifted back.
//! Unsigned formats are re-centred on zero (8-bit `v` becomes `v - 128`, bits = 8).

use std::ops::Range;

use dr_core::{Analyzer, Geometry, Segment};
use symphonia::core::audio::{Audio, AudioBuffer, GenericAudioBufferRef};

/// How to read `i32` samples a decoder produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum I32Layout {
    /// The decoder shifted `bits` significant bits to the top of the `i32` (FLAC, ALAC).
    LeftJustified { bits: u32 },
    /// Plain 32-bit samples (32-bit PCM).
    Full,
}

/// Converts decoded buffers for the analyser, reusing its scratch planes.
pub(crate) struct PcmConverter {
    i32_layout: I32Layout,
    scratch: Vec<Vec<i32>>,
}

/// The integer view of one decoded buffer: either borrowed 16-bit planes or converted
/// 32-bit planes with their significant bit count.
enum IntegerPlanes<'a> {
    I16(Vec<&'a [i16]>),
    I32 { bits: u32 },
}

impl PcmConverter {
    pub(crate) fn new(i32_layout: I32Layout) -> Self {
        PcmConverter {
            i32_layout,
            scratch: Vec::new(),
        }
    }

    /// Bytes of the integer copy this converter keeps (0 while it only borrows).
    pub(crate) fn scratch_bytes(&self) -> usize {
        self.scratch.iter().map(|plane| plane.capacity()).sum::<usize>() * std::mem::size_of::<i32>()
    }

    /// Feeds frames `range` of a buffer to a sequentially fed analyser.
    pub(crate) fn feed(
        &mut self,
        buffer: &GenericAudioBufferRef<'_>,
        range: Range<usize>,
        analyzer: &mut Analyzer,
    ) -> dr_core::Result<()> {
        match buffer {
            GenericAudioBufferRef::F32(buf) => analyzer.add_planar_f32(&planes(buf, range)),
            GenericAudioBufferRef::F64(buf) => analyzer.add_planar_f64(&planes(buf, range)),
            _ => match self.integer_planes(buffer, range) {
                IntegerPlanes::I16(planes) => analyzer.add_planar_i16(&planes),
                IntegerPlanes::I32 { bits } => analyzer.add_planar_i32(&self.scratch, bits),
            },
        }
    }

    /// The exact partial statistics of a buffer that starts at `start_frame` of the track.
    /// `None` for float buffers, which cannot be merged out of order.
    pub(crate) fn segment(
        &mut self,
        buffer: &GenericAudioBufferRef<'_>,
        geometry: &Geometry,
        start_frame: u64,
    ) -> Option<dr_core::Result<Segment>> {
        if matches!(buffer, GenericAudioBufferRef::F32(_) | GenericAudioBufferRef::F64(_)) {
            return None;
        }
        Some(match self.integer_planes(buffer, 0..buffer.frames()) {
            IntegerPlanes::I16(planes) => geometry.segment_planar_i16(start_frame, &planes),
            IntegerPlanes::I32 { bits } => geometry.segment_planar_i32(start_frame, &self.scratch, bits),
        })
    }

    /// Borrows 16-bit planes as they are, or converts anything else into `self.scratch`.
    fn integer_planes<'a>(&mut self, buffer: &'a GenericAudioBufferRef<'_>, range: Range<usize>) -> IntegerPlanes<'a> {
        match buffer {
            GenericAudioBufferRef::S16(buf) => IntegerPlanes::I16(planes(buf, range)),
            GenericAudioBufferRef::S8(buf) => {
                self.convert(buf, range.clone(), i32::from);
                IntegerPlanes::I32 { bits: 8 }
            }
            GenericAudioBufferRef::U8(buf) => {
                self.convert(buf, range.clone(), |v| i32::from(v) - 128);
                IntegerPlanes::I32 { bits: 8 }
            }
            GenericAudioBufferRef::U16(buf) => {
                self.convert(buf, range.clone(), |v| i32::from(v) - 32_768);
                IntegerPlanes::I32 { bits: 16 }
            }
            GenericAudioBufferRef::S24(buf) => {
                self.convert(buf, range.clone(), |v| v.inner());
                IntegerPlanes::I32 { bits: 24 }
            }
            GenericAudioBufferRef::U24(buf) => {
                // u24 holds 0..2^24; its midpoint 2^23 is zero.
                self.convert(buf, range.clone(), |v| v.inner() as i32 - (1 << 23));
                IntegerPlanes::I32 { bits: 24 }
            }
            GenericAudioBufferRef::U32(buf) => {
                // Flipping the top bit re-centres an offset-binary u32 on zero.
                self.convert(buf, range.clone(), |v| (v ^ 0x8000_0000) as i32);
                IntegerPlanes::I32 { bits: 32 }
            }
            GenericAudioBufferRef::S32(buf) => match self.i32_layout {
                I32Layout::LeftJustified { bits } if bits < 32 => {
                    let shift = 32 - bits;
                    self.convert(buf, range.clone(), |v| v >> shift);
                    IntegerPlanes::I32 { bits }
                }
                _ => {
                    self.convert(buf, range.clone(), |v| v);
                    IntegerPlanes::I32 { bits: 32 }
                }
            },
            // Floats never reach here (handled by the callers); an empty conversion keeps this
            // total without a panic path.
            GenericAudioBufferRef::F32(_) | GenericAudioBufferRef::F64(_) => {
                self.scratch.clear();
                IntegerPlanes::I32 { bits: 32 }
            }
        }
    }

    fn convert<S: symphonia::core::audio::sample::Sample>(
        &mut self,
        buffer: &AudioBuffer<S>,
        range: Range<usize>,
        to_i32: impl Fn(S) -> i32,
    ) {
        let channels = buffer.num_planes();
        self.scratch.resize_with(channels, Vec::new);
        self.scratch.truncate(channels);
        for (target, plane) in self.scratch.iter_mut().zip(planes(buffer, range)) {
            target.clear();
            target.extend(plane.iter().map(|&v| to_i32(v)));
        }
    }
}

/// Frames `range` of every plane (clamped to the buffer, so never out of bounds).
fn planes<S: symphonia::core::audio::sample::Sample>(buffer: &AudioBuffer<S>, range: Range<usize>) -> Vec<&[S]> {
    buffer
        .iter_planes()
        .map(|plane| {
            let end = range.end.min(plane.len());
            &plane[range.start.min(end)..end]
        })
        .collect()
}
