use std::collections::BTreeMap;

use crate::error::{Error, Result, SampleKind};
use crate::kernel::{
    float_run_interleaved, float_run_planar, int_run_interleaved, int_run_planar, max_int_run_frames, FloatSample,
    IntSample, WindowAcc, LANE_FRAMES,
};
use crate::result::{ChannelResult, ChannelWeighting, TrackResult};
use crate::segment::{int_limit, planar_frames, Geometry, Segment};
use crate::spec::{
    bin_power, centi_db_key, dr_db, histogram_bin, loudest_target, EMPTY_PEAK_KEY, HISTOGRAM_BINS, MAX_CHANNELS,
    RMS_FACTOR,
};

/// Measurement options; the default is DR Meter's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// A channel (by index) measured and reported but left out of the track's mean,
    /// e.g. the LFE channel of a layout that names one (our option, §6).
    pub excluded_channel: Option<usize>,
    /// How channel DRs make the track's (§6).
    pub channel_weighting: ChannelWeighting,
}

/// The streaming DR analyser of one track.
///
/// Feed it with `add_*` (in order, any chunk sizes) or with [`Segment`]s via
/// [`Analyzer::merge`] (in any order), then call [`Analyzer::finish`]. The sample type is
/// fixed by the first chunk: f32 and f64 mix freely, integers must keep their bit depth.
/// Memory is constant: a 10001-bin histogram and a few numbers per channel.
pub struct Analyzer {
    geometry: Geometry,
    options: Options,
    kind: Option<SampleKind>,
    states: Vec<ChannelState>,
    /// The window in progress (in-order feeding).
    window: Vec<WindowAcc>,
    frame_in_window: u64,
    frames: u64,
    windows: u64,
    nonfinite: u64,
    /// A frame split across two interleaved chunks.
    carry_float: [f64; MAX_CHANNELS],
    carry_int: [i32; MAX_CHANNELS],
    carry_len: usize,
    /// Segment feeding: windows not yet taken in (incomplete, or complete but waiting for
    /// an earlier one: windows are taken in window order, never in completion order), and
    /// the frame ranges merged so far (start -> end, disjoint, adjacent ones joined). Both
    /// stay as small as the number of segments in flight.
    pending: BTreeMap<u64, PendingWindow>,
    next_window: u64,
    covered: BTreeMap<u64, u64>,
}

/// A window being assembled from segments: frames so far, per channel exact Σv² and max|v|.
struct PendingWindow {
    frames: u64,
    channels: Vec<(u128, u32)>,
}

impl Analyzer {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self> {
        Self::with_options(sample_rate, channels, Options::default())
    }

    pub fn with_options(sample_rate: u32, channels: usize, options: Options) -> Result<Self> {
        let geometry = Geometry::new(sample_rate, channels)?;
        if let Some(index) = options.excluded_channel.filter(|&i| i >= channels) {
            return Err(Error::ExcludedChannelOutOfRange { index, channels });
        }
        Ok(Analyzer {
            geometry,
            options,
            kind: None,
            states: (0..channels).map(|_| ChannelState::new()).collect(),
            window: vec![WindowAcc::default(); channels],
            frame_in_window: 0,
            frames: 0,
            windows: 0,
            nonfinite: 0,
            carry_float: [0.0; MAX_CHANNELS],
            carry_int: [0; MAX_CHANNELS],
            carry_len: 0,
            pending: BTreeMap::new(),
            next_window: 0,
            covered: BTreeMap::new(),
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.geometry.sample_rate()
    }
    pub fn channels(&self) -> usize {
        self.geometry.channels()
    }
    /// Complete frames taken so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
    /// The shape segments for this analyser must be cut with.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Interleaved samples, any count: a frame split across chunks is carried over.
    pub fn add_interleaved_f32(&mut self, samples: &[f32]) -> Result<()> {
        self.add_float_interleaved(samples)
    }
    pub fn add_interleaved_f64(&mut self, samples: &[f64]) -> Result<()> {
        self.add_float_interleaved(samples)
    }
    pub fn add_interleaved_i16(&mut self, samples: &[i16]) -> Result<()> {
        self.add_int_interleaved(samples, 16)
    }
    /// `bits` (1..=32) significant bits, right-justified: values in ±2^(bits-1).
    /// Values beyond that range are clamped to it.
    pub fn add_interleaved_i32(&mut self, samples: &[i32], bits: u32) -> Result<()> {
        self.add_int_interleaved(samples, bits)
    }

    /// Planar samples: one buffer per channel, all of one length.
    pub fn add_planar_f32<S: AsRef<[f32]>>(&mut self, channels: &[S]) -> Result<()> {
        self.add_float_planar(channels)
    }
    pub fn add_planar_f64<S: AsRef<[f64]>>(&mut self, channels: &[S]) -> Result<()> {
        self.add_float_planar(channels)
    }
    pub fn add_planar_i16<S: AsRef<[i16]>>(&mut self, channels: &[S]) -> Result<()> {
        self.add_int_planar(channels, 16)
    }
    pub fn add_planar_i32<S: AsRef<[i32]>>(&mut self, channels: &[S], bits: u32) -> Result<()> {
        self.add_int_planar(channels, bits)
    }

    /// Merges a segment cut with this analyser's [`Geometry`]. Segments may come in any
    /// order; each frame must come exactly once.
    pub fn merge(&mut self, segment: Segment) -> Result<()> {
        if segment.geometry != self.geometry {
            return Err(Error::GeometryMismatch);
        }
        self.set_kind(SampleKind::Segments { bits: segment.bits })?;
        if segment.frames == 0 {
            return Ok(());
        }
        self.cover(segment.start, segment.start + segment.frames)?;
        for part in segment.windows {
            let pending = self.pending.entry(part.index).or_insert_with(|| PendingWindow {
                frames: 0,
                channels: vec![(0, 0); part.channels.len()],
            });
            pending.frames += part.frames;
            for (sum, (part_sum, part_peak)) in pending.channels.iter_mut().zip(part.channels) {
                sum.0 += part_sum;
                sum.1 = sum.1.max(part_peak);
            }
        }
        self.frames += segment.frames;
        self.take_ready_windows(segment.bits);
        Ok(())
    }

    /// Ends the track and computes its DR.
    pub fn finish(mut self) -> Result<TrackResult> {
        if self.carry_len > 0 {
            return Err(Error::IncompleteFrame {
                leftover: self.carry_len,
                channels: self.channels(),
            });
        }
        match self.kind {
            Some(SampleKind::Segments { bits }) => self.finish_segments(bits)?,
            _ if self.frame_in_window > 0 => self.close_window(self.frame_in_window),
            _ => {}
        }
        let channels = self.states.iter().map(|c| c.result(self.windows)).collect();
        Ok(TrackResult::new(
            self.geometry.sample_rate(),
            self.frames,
            self.windows,
            channels,
            self.options.excluded_channel,
            self.options.channel_weighting,
            self.nonfinite,
        ))
    }

    fn set_kind(&mut self, kind: SampleKind) -> Result<()> {
        match self.kind {
            None => {
                self.kind = Some(kind);
                Ok(())
            }
            Some(was) if was == kind => Ok(()),
            Some(was) => Err(Error::SampleFormatChanged { was, now: kind }),
        }
    }

    fn add_float_interleaved<T: FloatSample>(&mut self, data: &[T]) -> Result<()> {
        self.set_kind(SampleKind::Float)?;
        let ch = self.channels();
        let (carried, whole) = split_at_frames(&mut self.carry_float, &mut self.carry_len, ch, data, T::to_f64);
        if let Some(frame) = carried {
            // f32 -> f64 is exact, so the carried frame adds exactly as it would have.
            self.float_interleaved_frames(&frame[..ch]);
        }
        self.float_interleaved_frames(whole);
        Ok(())
    }

    fn float_interleaved_frames<T: FloatSample>(&mut self, data: &[T]) {
        let ch = self.channels();
        self.advance(data.len() / ch, usize::MAX, |acc, frames, phase| {
            float_run_interleaved(acc, phase, &data[frames.start * ch..frames.end * ch])
        });
    }

    fn add_int_interleaved<T: IntSample>(&mut self, data: &[T], bits: u32) -> Result<()> {
        let limit = int_limit(bits)?;
        self.set_kind(SampleKind::Integer { bits })?;
        let ch = self.channels();
        let (carried, whole) = split_at_frames(&mut self.carry_int, &mut self.carry_len, ch, data, T::to_i32);
        if let Some(frame) = carried {
            self.int_interleaved_frames(&frame[..ch], limit);
        }
        self.int_interleaved_frames(whole, limit);
        Ok(())
    }

    fn int_interleaved_frames<T: IntSample>(&mut self, data: &[T], limit: u32) {
        let ch = self.channels();
        self.advance(data.len() / ch, max_int_run_frames(limit), |acc, frames, _| {
            int_run_interleaved(acc, &data[frames.start * ch..frames.end * ch], limit);
            0
        });
    }

    fn add_float_planar<T: FloatSample, S: AsRef<[T]>>(&mut self, channels: &[S]) -> Result<()> {
        let frames = self.check_planar(channels)?;
        self.set_kind(SampleKind::Float)?;
        self.advance(frames, usize::MAX, |acc, frames, phase| {
            acc.iter_mut()
                .zip(channels)
                .map(|(a, samples)| float_run_planar(a, phase, &samples.as_ref()[frames.clone()]))
                .sum()
        });
        Ok(())
    }

    fn add_int_planar<T: IntSample, S: AsRef<[T]>>(&mut self, channels: &[S], bits: u32) -> Result<()> {
        let limit = int_limit(bits)?;
        let frames = self.check_planar(channels)?;
        self.set_kind(SampleKind::Integer { bits })?;
        self.advance(frames, max_int_run_frames(limit), |acc, frames, _| {
            for (a, samples) in acc.iter_mut().zip(channels) {
                int_run_planar(a, &samples.as_ref()[frames.clone()], limit);
            }
            0
        });
        Ok(())
    }

    fn check_planar<T, S: AsRef<[T]>>(&self, channels: &[S]) -> Result<usize> {
        if self.carry_len > 0 {
            return Err(Error::IncompleteFrame {
                leftover: self.carry_len,
                channels: self.channels(),
            });
        }
        planar_frames(self.channels(), channels)
    }

    /// Walks `frames` frames from the current position in runs that never cross a window
    /// boundary (nor exceed `max_run`), closing each window as it fills. `run` gets the
    /// frame range within the chunk and the window phase of its first frame, and returns
    /// the non-finite samples it skipped.
    fn advance(
        &mut self,
        frames: usize,
        max_run: usize,
        mut run: impl FnMut(&mut [WindowAcc], std::ops::Range<usize>, usize) -> u64,
    ) {
        let window_frames = self.geometry.window_frames();
        let mut pos = 0;
        while pos < frames {
            let room = window_frames - self.frame_in_window;
            let n = (room.min((frames - pos) as u64) as usize).min(max_run);
            let phase = (self.frame_in_window % LANE_FRAMES as u64) as usize;
            self.nonfinite += run(&mut self.window, pos..pos + n, phase);
            self.frame_in_window += n as u64;
            self.frames += n as u64;
            pos += n;
            if self.frame_in_window == window_frames {
                self.close_window(window_frames);
                self.frame_in_window = 0;
            }
        }
    }

    /// Closes the in-order window of `frames` frames.
    fn close_window(&mut self, frames: u64) {
        for (state, acc) in self.states.iter_mut().zip(&mut self.window) {
            match self.kind {
                Some(SampleKind::Integer { bits }) => state.add_int_window(acc.int_sum, acc.int_peak, bits, frames),
                _ => state.add_window(acc.lane_sum(), acc.peak, frames),
            }
            *acc = WindowAcc::default();
        }
        self.windows += 1;
    }

    /// Takes in, in window order, every complete window that follows the last one taken.
    fn take_ready_windows(&mut self, bits: u32) {
        let window_frames = self.geometry.window_frames();
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.next_window || entry.get().frames != window_frames {
                break;
            }
            let window = entry.remove();
            self.take_pending(window, bits);
        }
    }

    fn take_pending(&mut self, window: PendingWindow, bits: u32) {
        for (state, (sum, peak)) in self.states.iter_mut().zip(window.channels) {
            state.add_int_window(sum, peak, bits, window.frames);
        }
        self.windows += 1;
        self.next_window += 1;
    }

    /// Records `[start, end)` as merged; an overlap with earlier segments is an error.
    fn cover(&mut self, start: u64, end: u64) -> Result<()> {
        let before = self.covered.range(..=start).next_back().map(|(&s, &e)| (s, e));
        if let Some((_, e)) = before.filter(|&(_, e)| e > start) {
            return Err(Error::OverlappingFrames { start, end: e.min(end) });
        }
        if let Some((&s, _)) = self.covered.range(start..).next().filter(|(&s, _)| s < end) {
            return Err(Error::OverlappingFrames { start: s, end });
        }
        let mut joined = (start, end);
        if let Some((s, _)) = before.filter(|&(_, e)| e == start) {
            self.covered.remove(&s);
            joined.0 = s;
        }
        if let Some(e) = self.covered.remove(&end) {
            joined.1 = e;
        }
        self.covered.insert(joined.0, joined.1);
        Ok(())
    }

    /// Segment feeding ends: the frames must be exactly `[0, frames)`, and the only
    /// window still open is the tail.
    fn finish_segments(&mut self, bits: u32) -> Result<()> {
        let mut expected = 0;
        for (&start, &end) in &self.covered {
            if start != expected {
                return Err(Error::MissingFrames {
                    start: expected,
                    end: start,
                });
            }
            expected = end;
        }
        self.take_ready_windows(bits);
        // §1: what is left can only be the tail, a window of its own however short.
        let window_frames = self.geometry.window_frames();
        let (tail_index, tail_frames) = (self.frames / window_frames, self.frames % window_frames);
        if let Some((index, tail)) = self.pending.pop_first() {
            if (index, tail.frames) != (tail_index, tail_frames) || !self.pending.is_empty() {
                let start = index * window_frames;
                return Err(Error::MissingFrames {
                    start,
                    end: start + window_frames,
                });
            }
            self.take_pending(tail, bits);
        }
        Ok(())
    }
}

/// 2^-(bits-1): integer sample to full-scale float.
fn sample_scale(bits: u32) -> f64 {
    1.0 / (1u64 << (bits - 1)) as f64
}

/// §2: a window's peak in one of the two ranked slots.
#[derive(Debug, Clone, Copy)]
struct RankedPeak {
    amplitude: f64,
    key: i32,
}

const EMPTY_SLOT: RankedPeak = RankedPeak {
    amplitude: 0.0,
    key: EMPTY_PEAK_KEY,
};

/// One channel's whole-track state: constant in size (§2).
struct ChannelState {
    histogram: Box<[u32]>,
    primary: RankedPeak,
    secondary: RankedPeak,
    /// §5: Σ rms² over the windows, added in window order.
    rms2_sum: f64,
}

impl ChannelState {
    fn new() -> Self {
        ChannelState {
            histogram: vec![0; HISTOGRAM_BINS].into_boxed_slice(),
            primary: EMPTY_SLOT,
            secondary: EMPTY_SLOT,
            rms2_sum: 0.0,
        }
    }

    fn add_int_window(&mut self, sum: u128, peak: u32, bits: u32, frames: u64) {
        let scale = sample_scale(bits);
        // Scaling by powers of two is exact: one rounding, in `as f64`.
        self.add_window(sum as f64 * (scale * scale), f64::from(peak) * scale, frames);
    }

    /// §2: one window (in window order): its rms² into the sum, its RMS key into the
    /// histogram, its peak into the ranking (strict comparisons: on equal keys the
    /// earlier window keeps its place).
    fn add_window(&mut self, sum: f64, peak: f64, frames: u64) {
        let rms2 = RMS_FACTOR * sum / frames as f64;
        self.rms2_sum += rms2;
        let rms = rms2.sqrt();
        if rms != 0.0 {
            let bin = histogram_bin(rms);
            self.histogram[bin] = self.histogram[bin].saturating_add(1);
        }
        if peak > 0.0 {
            let ranked = RankedPeak {
                amplitude: peak,
                key: centi_db_key(peak),
            };
            if ranked.key > self.primary.key {
                self.secondary = self.primary;
                self.primary = ranked;
            } else if ranked.key > self.secondary.key {
                self.secondary = ranked;
            }
        }
    }

    /// §3: the loud RMS from the histogram: whole bins from the top until `target` windows
    /// are taken; `None` when no window entered the histogram.
    fn loud_rms(&self, windows: u64) -> Option<f64> {
        let target = loudest_target(windows);
        let (mut taken, mut power) = (0u64, 0.0f64);
        for (bin, &count) in self.histogram.iter().enumerate().rev() {
            if count == 0 {
                continue;
            }
            taken += u64::from(count);
            power += f64::from(count) * bin_power(bin);
            if taken >= target {
                break;
            }
        }
        (taken > 0).then(|| (power / taken as f64).sqrt())
    }

    /// §4-§5: the channel's published values.
    fn result(&self, windows: u64) -> ChannelResult {
        let loud_rms = self.loud_rms(windows).unwrap_or(0.0);
        let selected = if self.secondary.amplitude > 0.0 {
            self.secondary.amplitude
        } else {
            self.primary.amplitude
        };
        let measurable = selected > 0.0 && loud_rms != 0.0;
        let (dr, dr_peak) = if !measurable {
            (0.0, 0.0)
        } else {
            match dr_db(loud_rms, selected) {
                dr if dr >= 0.0 => (dr, selected),
                // §4: a negative DR falls back to the primary peak, clamped at 0.
                _ => (dr_db(loud_rms, self.primary.amplitude).max(0.0), self.primary.amplitude),
            }
        };
        let rms = if windows > 0 {
            (self.rms2_sum / windows as f64).sqrt()
        } else {
            0.0
        };
        ChannelResult {
            dr: dr as f32,
            dr_unrounded: dr,
            rms: rms as f32,
            rms_unrounded: rms,
            peak: self.primary.amplitude as f32,
            dr_peak,
            loud_rms,
            windows,
            silent: !measurable,
        }
    }
}

/// Lines an interleaved chunk up with frames, for chunks that may start or end mid-frame:
/// its first samples complete the frame carried from the last chunk (returned when it is
/// whole), a trailing partial frame is carried to the next one, and the whole frames in
/// between are returned as a slice of the chunk (no copy).
fn split_at_frames<'d, T: Copy, C: Copy>(
    carry: &mut [C; MAX_CHANNELS],
    carry_len: &mut usize,
    channels: usize,
    mut data: &'d [T],
    convert: impl Fn(T) -> C,
) -> (Option<[C; MAX_CHANNELS]>, &'d [T]) {
    let mut completed = None;
    if *carry_len > 0 {
        let take = (channels - *carry_len).min(data.len());
        for (slot, &x) in carry[*carry_len..].iter_mut().zip(&data[..take]) {
            *slot = convert(x);
        }
        *carry_len += take;
        data = &data[take..];
        if *carry_len < channels {
            return (None, &[]);
        }
        completed = Some(*carry);
    }
    let whole = data.len() / channels * channels;
    for (slot, &x) in carry.iter_mut().zip(&data[whole..]) {
        *slot = convert(x);
    }
    *carry_len = data.len() - whole;
    (completed, &data[..whole])
}
