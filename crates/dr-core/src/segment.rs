use std::ops::Range;

use crate::error::{Error, Result};
use crate::kernel::{int_run_interleaved, int_run_planar, max_int_run_frames, IntSample, WindowAcc};
use crate::spec::{window_frames, MAX_CHANNELS};

/// A track's shape: sample rate, channel count and window length. `Copy`, `Send` and
/// `Sync`, so worker threads can cut [`Segment`]s for an [`crate::Analyzer`] they do not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    sample_rate: u32,
    channels: usize,
    window_frames: u64,
}

/// Exact statistics of integer PCM over a frame range `[start, start + frames)`, split at
/// window boundaries. Computed on any thread and merged into an analyser in any order,
/// with bit-identical results: integer sums of squares are exact. Holds only a few sums
/// and peaks per window touched, never samples.
#[derive(Debug, Clone)]
pub struct Segment {
    pub(crate) geometry: Geometry,
    pub(crate) bits: u32,
    pub(crate) start: u64,
    pub(crate) frames: u64,
    pub(crate) windows: Vec<SegmentWindow>,
}

#[derive(Debug, Clone)]
pub(crate) struct SegmentWindow {
    pub index: u64,
    pub frames: u64,
    /// Per channel: exact Σv² and max|v| of the integer samples.
    pub channels: Vec<(u128, u32)>,
}

impl Segment {
    pub fn start_frame(&self) -> u64 {
        self.start
    }
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

/// The magnitude limit of `bits`-bit samples: 2^(bits-1).
pub(crate) fn int_limit(bits: u32) -> Result<u32> {
    if (1..=32).contains(&bits) {
        Ok(1u32 << (bits - 1))
    } else {
        Err(Error::InvalidBitDepth(bits))
    }
}

impl Geometry {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self> {
        if channels == 0 {
            return Err(Error::NoChannels);
        }
        if channels > MAX_CHANNELS {
            return Err(Error::TooManyChannels(channels));
        }
        if sample_rate == 0 {
            return Err(Error::ZeroSampleRate);
        }
        Ok(Geometry {
            sample_rate,
            channels,
            window_frames: window_frames(sample_rate),
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// §1: frames per window.
    pub fn window_frames(&self) -> u64 {
        self.window_frames
    }

    /// Statistics of planar 32-bit-container samples holding `bits` significant bits,
    /// right-justified, for frames starting at `start_frame`.
    pub fn segment_planar_i32<S: AsRef<[i32]>>(&self, start_frame: u64, channels: &[S], bits: u32) -> Result<Segment> {
        let frames = planar_frames(self.channels, channels)?;
        self.build(start_frame, frames, bits, |acc, range, limit| {
            for (a, samples) in acc.iter_mut().zip(channels) {
                int_run_planar(a, &samples.as_ref()[range.clone()], limit);
            }
        })
    }

    pub fn segment_planar_i16<S: AsRef<[i16]>>(&self, start_frame: u64, channels: &[S]) -> Result<Segment> {
        let frames = planar_frames(self.channels, channels)?;
        self.build(start_frame, frames, 16, |acc, range, limit| {
            for (a, samples) in acc.iter_mut().zip(channels) {
                int_run_planar(a, &samples.as_ref()[range.clone()], limit);
            }
        })
    }

    /// Statistics of interleaved whole frames of `bits`-bit samples in i32 containers.
    pub fn segment_interleaved_i32(&self, start_frame: u64, samples: &[i32], bits: u32) -> Result<Segment> {
        self.segment_interleaved(start_frame, samples, bits)
    }

    pub fn segment_interleaved_i16(&self, start_frame: u64, samples: &[i16]) -> Result<Segment> {
        self.segment_interleaved(start_frame, samples, 16)
    }

    fn segment_interleaved<T: IntSample>(&self, start_frame: u64, samples: &[T], bits: u32) -> Result<Segment> {
        let ch = self.channels;
        let frames = whole_frames(samples.len(), ch)?;
        self.build(start_frame, frames, bits, |acc, range, limit| {
            int_run_interleaved(acc, &samples[range.start * ch..range.end * ch], limit);
        })
    }

    /// Cuts `[start, start + frames)` at window boundaries and runs `add` over each part,
    /// in pieces short enough for the kernel's u64 lanes.
    fn build(
        &self,
        start: u64,
        frames: usize,
        bits: u32,
        mut add: impl FnMut(&mut [WindowAcc], Range<usize>, u32),
    ) -> Result<Segment> {
        let limit = int_limit(bits)?;
        let max_run = max_int_run_frames(limit);
        start
            .checked_add(frames as u64)
            .ok_or(Error::FramePositionOutOfRange(start))?;
        // Built once per decoded packet: one allocation for the windows the range touches,
        // the per-channel scratch on the stack.
        let spanned = match frames {
            0 => 0,
            _ => ((start + frames as u64 - 1) / self.window_frames - start / self.window_frames + 1) as usize,
        };
        let mut windows = Vec::with_capacity(spanned);
        let mut scratch: [WindowAcc; MAX_CHANNELS] = std::array::from_fn(|_| WindowAcc::default());
        let acc = &mut scratch[..self.channels];
        let mut pos = 0usize;
        while pos < frames {
            let absolute = start + pos as u64;
            let room = self.window_frames - absolute % self.window_frames;
            let part = room.min((frames - pos) as u64) as usize;
            acc.fill(WindowAcc::default());
            let mut piece = pos;
            while piece < pos + part {
                let end = (piece + max_run).min(pos + part);
                add(acc, piece..end, limit);
                piece = end;
            }
            windows.push(SegmentWindow {
                index: absolute / self.window_frames,
                frames: part as u64,
                channels: acc.iter().map(|a| (a.int_sum, a.int_peak)).collect(),
            });
            pos += part;
        }
        Ok(Segment {
            geometry: *self,
            bits,
            start,
            frames: frames as u64,
            windows,
        })
    }
}

/// The frame count of interleaved samples, which must be whole frames.
pub(crate) fn whole_frames(samples: usize, channels: usize) -> Result<usize> {
    if samples.is_multiple_of(channels) {
        Ok(samples / channels)
    } else {
        Err(Error::PartialFrame { samples, channels })
    }
}

/// The common length of planar channel buffers, one per channel.
pub(crate) fn planar_frames<T, S: AsRef<[T]>>(expected: usize, channels: &[S]) -> Result<usize> {
    if channels.len() != expected {
        return Err(Error::ChannelCountMismatch {
            got: channels.len(),
            expected,
        });
    }
    let frames = channels.first().map_or(0, |c| c.as_ref().len());
    if channels.iter().any(|c| c.as_ref().len() != frames) {
        return Err(Error::ChannelLengthMismatch);
    }
    Ok(frames)
}
