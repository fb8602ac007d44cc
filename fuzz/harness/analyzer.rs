//! Harness of the `analyzer` fuzz target, shared with `crates/dr-core/tests/fuzz_regressions.rs`.
//!
//! One input describes a track (sample rate from a small set with very low rates, so
//! windows are a few frames long; 1..=8 channels, sometimes up to 32; an excluded channel
//! or none; the sample type and the samples) and several ways of feeding it. Every way
//! must give the bit-identical `TrackResult` of a plain one-chunk run (or the same error):
//!
//! - interleaved chunks cut anywhere (mid-frame too), mixed with planar chunks (which must
//!   be refused with `IncompleteFrame` while a split frame is pending, and change nothing),
//!   and for f32 input with chunks converted to f64, for i16 input with chunks converted
//!   to 16-bit i32;
//! - for integer input, `Segment`s cut at arbitrary frames, built interleaved or planar,
//!   merged in an arbitrary order, plus injected faults (a segment merged twice, one left
//!   out, one from another geometry, positions at the end of the u64 range) that must be
//!   refused with the documented error.
//!
//! The one-chunk result is also checked against facts that need no second implementation:
//! frame and window counts, the non-finite sample count, finite values for integer input.

use dr_core::{Analyzer, Error, Geometry, Options, Segment, TrackResult};

#[path = "reader.rs"]
mod reader;
#[path = "result_bits.rs"]
mod result_bits;
use reader::Reader;

/// Sample rates: 1 Hz has 3-frame windows, 100 Hz 300-frame ones.
const RATES: [u32; 12] = [1, 2, 3, 7, 50, 100, 101, 245, 1000, 8000, 44_100, 192_000];
/// Samples per input after repetition: keeps an execution well under a millisecond or so.
const MAX_SAMPLES: usize = 1 << 16;

#[derive(Clone, Debug)]
enum Samples {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I16(Vec<i16>),
    /// Samples and the bit depth they are declared with (may be out of 1..=32).
    I32(Vec<i32>, u32),
}

impl Samples {
    fn len(&self) -> usize {
        match self {
            Samples::F32(v) => v.len(),
            Samples::F64(v) => v.len(),
            Samples::I16(v) => v.len(),
            Samples::I32(v, _) => v.len(),
        }
    }

    fn truncate(&mut self, n: usize) {
        match self {
            Samples::F32(v) => v.truncate(n),
            Samples::F64(v) => v.truncate(n),
            Samples::I16(v) => v.truncate(n),
            Samples::I32(v, _) => v.truncate(n),
        }
    }

    fn is_integer(&self) -> bool {
        matches!(self, Samples::I16(_) | Samples::I32(..))
    }

    /// `add_interleaved_*` of `range`.
    fn add_interleaved(&self, a: &mut Analyzer, range: std::ops::Range<usize>) -> Result<(), Error> {
        match self {
            Samples::F32(v) => a.add_interleaved_f32(&v[range]),
            Samples::F64(v) => a.add_interleaved_f64(&v[range]),
            Samples::I16(v) => a.add_interleaved_i16(&v[range]),
            Samples::I32(v, bits) => a.add_interleaved_i32(&v[range], *bits),
        }
    }

    /// The same samples through the other entry point of the same kind: f32 as f64
    /// (exact), i16 as 16-bit i32 (exact). Others: plain interleaved.
    fn add_converted(&self, a: &mut Analyzer, range: std::ops::Range<usize>) -> Result<(), Error> {
        match self {
            Samples::F32(v) => a.add_interleaved_f64(&v[range].iter().map(|&x| f64::from(x)).collect::<Vec<_>>()),
            Samples::I16(v) => a.add_interleaved_i32(&v[range].iter().map(|&x| i32::from(x)).collect::<Vec<_>>(), 16),
            _ => self.add_interleaved(a, range),
        }
    }

    /// `add_planar_*` of `frames` frames from sample `start` (which need not be on a
    /// frame boundary: the buffers are cut from there).
    fn add_planar(&self, a: &mut Analyzer, ch: usize, start: usize, frames: usize) -> Result<(), Error> {
        fn split<T: Copy>(v: &[T], ch: usize, start: usize, frames: usize) -> Vec<Vec<T>> {
            (0..ch)
                .map(|c| (0..frames).map(|f| v[start + f * ch + c]).collect())
                .collect()
        }
        match self {
            Samples::F32(v) => a.add_planar_f32(&split(v, ch, start, frames)),
            Samples::F64(v) => a.add_planar_f64(&split(v, ch, start, frames)),
            Samples::I16(v) => a.add_planar_i16(&split(v, ch, start, frames)),
            Samples::I32(v, bits) => a.add_planar_i32(&split(v, ch, start, frames), *bits),
        }
    }
}

/// How one chunk of the chunked run is fed.
#[derive(Clone, Copy, Debug)]
struct Op {
    code: u8,
    len: u16,
}

/// How one segment is built.
#[derive(Clone, Copy, Debug)]
struct Cut {
    at: u16,
    mode: u8,
}

struct Case {
    rate: u32,
    channels: usize,
    options: Options,
    samples: Samples,
    ops: Vec<Op>,
    cuts: Vec<Cut>,
    /// Fisher-Yates draws for the merge order.
    order: Vec<u16>,
    fault: u8,
}

fn float_f32(r: &mut Reader, mode: u8) -> f32 {
    match mode {
        0 => f32::from_bits(r.u32()),
        1 => f32::from(r.i16()) / 32768.0,
        _ => {
            let tag = r.u8();
            let sign = if tag & 0x80 != 0 { -1.0 } else { 1.0 };
            match tag & 7 {
                0 => 0.0 * sign,
                1 => sign,
                2 => f32::NAN,
                3 => f32::INFINITY * sign,
                4 => f32::from_bits(u32::from(r.u16())) * sign, // subnormal
                5 => f32::from_bits(r.u32()),
                _ => f32::from(r.i16()) / 32768.0 * f32::from((tag >> 3) & 15),
            }
        }
    }
}

fn float_f64(r: &mut Reader, mode: u8) -> f64 {
    match mode {
        0 => f64::from_bits(r.u64()),
        1 => f64::from(r.i16()) / 32768.0,
        _ => {
            let tag = r.u8();
            let sign = if tag & 0x80 != 0 { -1.0 } else { 1.0 };
            match tag & 7 {
                0 => 0.0 * sign,
                1 => sign,
                2 => f64::NAN,
                3 => f64::INFINITY * sign,
                4 => f64::from_bits(r.u64() >> 12) * sign, // subnormal
                5 => f64::from_bits(r.u64()),
                6 => 1e200 * sign, // finite, but its square is not
                _ => f64::from(r.i32()) / 2147483648.0 * f64::from((tag >> 3) & 15),
            }
        }
    }
}

fn int_i32(r: &mut Reader, mode: u8, bits: u32) -> i32 {
    match mode {
        0 => r.i32(), // anything: beyond ±2^(bits-1) is clamped
        _ => {
            let bits = bits.clamp(1, 32);
            let v = r.i32();
            if bits == 32 {
                v
            } else {
                // Right-justified: sign-extend the low `bits` bits.
                (v << (32 - bits)) >> (32 - bits)
            }
        }
    }
}

impl Case {
    fn parse(data: &[u8]) -> Case {
        let mut r = Reader::new(data);
        let rate = r.choose(&RATES);
        let c = r.u8();
        let channels = if c < 248 {
            1 + c as usize % 8
        } else {
            9 + (c as usize * 7) % 24
        };
        let excluded_channel = (r.u8().is_multiple_of(4)).then(|| r.below(channels));
        let options = Options {
            excluded_channel,
            ..Options::default()
        };
        let kind = r.u8();
        let mode = r.u8() % 3;
        // Out of 1..=32 now and then: every path must refuse it the same way.
        let bits = match r.u8() {
            0 => 0,
            1 => 33,
            b => 1 + u32::from(b) % 32,
        };
        let repeat = r.range(1, 64);
        let ops = (0..r.below(33))
            .map(|_| Op {
                code: r.u8(),
                len: r.u16(),
            })
            .collect();
        let cuts = (0..r.below(17))
            .map(|_| Cut {
                at: r.u16(),
                mode: r.u8(),
            })
            .collect::<Vec<_>>();
        let order = (0..cuts.len() + 1).map(|_| r.u16()).collect();
        let fault = r.u8();

        let mut samples = match kind % 4 {
            0 => Samples::F32(Vec::new()),
            1 => Samples::F64(Vec::new()),
            2 => Samples::I16(Vec::new()),
            _ => Samples::I32(Vec::new(), bits),
        };
        while !r.is_empty() && samples.len() < MAX_SAMPLES {
            match &mut samples {
                Samples::F32(v) => v.push(float_f32(&mut r, mode)),
                Samples::F64(v) => v.push(float_f64(&mut r, mode)),
                Samples::I16(v) => v.push(r.i16()),
                Samples::I32(v, bits) => v.push(int_i32(&mut r, mode, *bits)),
            }
        }
        // The pattern, repeated: more windows from few bytes.
        let pattern = samples.len();
        let total = (pattern * repeat).min(MAX_SAMPLES);
        fn grow<T: Copy>(v: &mut Vec<T>, total: usize) {
            let pattern = v.len();
            for i in pattern..total {
                v.push(v[i % pattern]);
            }
        }
        if pattern > 0 {
            match &mut samples {
                Samples::F32(v) => grow(v, total),
                Samples::F64(v) => grow(v, total),
                Samples::I16(v) => grow(v, total),
                Samples::I32(v, _) => grow(v, total),
            }
        }
        Case {
            rate,
            channels,
            options,
            samples,
            ops,
            cuts,
            order,
            fault,
        }
    }

    fn analyzer(&self) -> Analyzer {
        Analyzer::with_options(self.rate, self.channels, self.options).expect("valid geometry and options")
    }
}

#[track_caller]
fn assert_same(what: &str, got: &Result<TrackResult, Error>, want: &Result<TrackResult, Error>) {
    let same = match (got, want) {
        (Ok(g), Ok(w)) => result_bits::fingerprint(g) == result_bits::fingerprint(w),
        (Err(g), Err(w)) => g == w,
        _ => false,
    };
    assert!(
        same,
        "{what} differs from the one-chunk run:\n got {got:?}\nwant {want:?}"
    );
}

/// Runs one input: panics on any disagreement.
pub fn run(data: &[u8]) {
    let case = Case::parse(data);
    let ch = case.channels;
    let total = case.samples.len();

    // An invalid bit depth: refused on every path, nothing changes.
    if let Samples::I32(v, bits) = &case.samples {
        if !(1..=32).contains(bits) {
            let want = Err(Error::InvalidBitDepth(*bits));
            let mut a = case.analyzer();
            assert_eq!(a.add_interleaved_i32(v, *bits), want);
            let whole = total / ch * ch;
            assert_eq!(case.samples.add_planar(&mut a, ch, 0, whole / ch), want);
            let geometry = a.geometry();
            assert_eq!(
                geometry.segment_interleaved_i32(0, &v[..whole], *bits).map(|_| ()),
                want
            );
            assert_eq!(a.frames(), 0);
            let empty = a.finish().expect("an analyser that took nothing finishes");
            assert_eq!((empty.frames, empty.windows, empty.official_dr), (0, 0, 0));
            return;
        }
    }

    // The plain one-chunk run.
    let mut a = case.analyzer();
    case.samples
        .add_interleaved(&mut a, 0..total)
        .expect("one chunk of valid samples");
    let reference = a.finish();
    check_facts(&case, &reference);

    // Arbitrary chunks, interleaved, planar and converted.
    let chunked = run_ops(&case);
    assert_same("the chunked run", &chunked, &reference);

    // Integer segments, merged in any order, compared with the whole frames in one chunk.
    if case.samples.is_integer() {
        let mut whole = case.samples.clone();
        whole.truncate(total / ch * ch);
        let mut a = case.analyzer();
        whole.add_interleaved(&mut a, 0..whole.len()).expect("whole frames");
        let sequential = a.finish();
        run_segments(&case, &whole, &sequential);
    }
}

/// Facts about the one-chunk result that need no second implementation.
fn check_facts(case: &Case, result: &Result<TrackResult, Error>) {
    let ch = case.channels;
    let total = case.samples.len();
    if !total.is_multiple_of(ch) {
        assert_eq!(
            result.as_ref().map(|_| ()),
            Err(&Error::IncompleteFrame {
                leftover: total % ch,
                channels: ch
            })
        );
        return;
    }
    let t = result.as_ref().expect("whole frames finish");
    let frames = (total / ch) as u64;
    let window = dr_core::window_frames(case.rate);
    assert_eq!(t.frames, frames);
    // ALGORITHM.md §1: every non-empty tail is a window of its own.
    assert_eq!(t.windows, frames.div_ceil(window));
    assert_eq!(t.sample_rate, case.rate);
    assert_eq!(t.channels.len(), ch);
    assert_eq!(t.excluded_channel, case.options.excluded_channel);
    let nonfinite = match &case.samples {
        Samples::F32(v) => v.iter().filter(|x| !x.is_finite()).count(),
        Samples::F64(v) => v.iter().filter(|x| !x.is_finite()).count(),
        _ => 0,
    } as u64;
    assert_eq!(t.nonfinite_samples, nonfinite);
    // Values stay finite unless float input has squares beyond f64's range.
    let bounded = match &case.samples {
        Samples::F64(v) => v.iter().all(|x| !x.is_finite() || x.abs() < 1e150),
        _ => true,
    };
    if bounded {
        for c in &t.channels {
            let values = [c.dr_unrounded, c.rms_unrounded, c.dr_peak, c.loud_rms];
            assert!(values.iter().all(|v| v.is_finite() && *v >= 0.0), "{c:?}");
            assert!(c.peak.is_finite() && c.peak >= 0.0 && c.rms.is_finite(), "{c:?}");
            // §4: published values are the f64 ones narrowed; a silent channel is DR 0.
            assert_eq!((c.dr, c.rms), (c.dr_unrounded as f32, c.rms_unrounded as f32), "{c:?}");
            assert_eq!(c.windows, t.windows);
            if c.silent {
                assert_eq!((c.dr_unrounded, c.dr_peak), (0.0, 0.0), "{c:?}");
            }
            if case.samples.is_integer() {
                assert!(c.peak <= 1.0, "{c:?}");
            }
        }
        // §6: DR is never negative, and DR<n> is trunc(dr + 0.5) of the published f32.
        assert!(t.dr.is_finite() && t.dr >= 0.0, "{}", t.dr);
        assert_eq!(t.official_dr, (f64::from(t.dr) + 0.5).trunc() as i32);
    }
}

/// The chunked run: each op feeds a chunk of what is left; the rest goes in at the end.
fn run_ops(case: &Case) -> Result<TrackResult, Error> {
    let ch = case.channels;
    let total = case.samples.len();
    let mut a = case.analyzer();
    let mut pos = 0;
    for op in &case.ops {
        let rest = total - pos;
        match op.code % 4 {
            2 => {
                let frames = op.len as usize % (rest / ch + 1);
                let before = a.frames();
                let out = case.samples.add_planar(&mut a, ch, pos, frames);
                if !pos.is_multiple_of(ch) {
                    let want = Error::IncompleteFrame {
                        leftover: pos % ch,
                        channels: ch,
                    };
                    assert_eq!(out, Err(want), "planar input while a frame is split");
                    assert_eq!(a.frames(), before);
                    continue;
                }
                out.expect("planar whole frames");
                assert_eq!(a.frames(), before + frames as u64);
                pos += frames * ch;
            }
            3 => {
                let n = op.len as usize % (rest + 1);
                case.samples
                    .add_converted(&mut a, pos..pos + n)
                    .expect("converted chunk");
                pos += n;
            }
            _ => {
                let n = op.len as usize % (rest + 1);
                case.samples.add_interleaved(&mut a, pos..pos + n).expect("chunk");
                pos += n;
            }
        }
        assert_eq!(a.frames(), (pos / ch) as u64);
    }
    case.samples.add_interleaved(&mut a, pos..total).expect("last chunk");
    a.finish()
}

/// One segment: frames `[start, end)` of the whole-frame samples, built as `mode` says.
fn build_segment(
    geometry: &Geometry,
    samples: &Samples,
    ch: usize,
    start: usize,
    end: usize,
    mode: u8,
    position: u64,
) -> Result<Segment, Error> {
    let planar =
        |v: &[i32]| -> Vec<Vec<i32>> { (0..ch).map(|c| (start..end).map(|f| v[f * ch + c]).collect()).collect() };
    match samples {
        Samples::I16(v) => {
            let part = &v[start * ch..end * ch];
            match mode % 4 {
                0 => geometry.segment_interleaved_i16(position, part),
                1 => {
                    let p: Vec<Vec<i16>> = (0..ch).map(|c| (start..end).map(|f| v[f * ch + c]).collect()).collect();
                    geometry.segment_planar_i16(position, &p)
                }
                2 => {
                    let wide: Vec<i32> = part.iter().map(|&x| i32::from(x)).collect();
                    geometry.segment_interleaved_i32(position, &wide, 16)
                }
                _ => {
                    let wide: Vec<i32> = v.iter().map(|&x| i32::from(x)).collect();
                    geometry.segment_planar_i32(position, &planar(&wide), 16)
                }
            }
        }
        Samples::I32(v, bits) => match mode % 2 {
            0 => geometry.segment_interleaved_i32(position, &v[start * ch..end * ch], *bits),
            _ => geometry.segment_planar_i32(position, &planar(v), *bits),
        },
        _ => unreachable!("segments are integer only"),
    }
}

/// Segments cut at arbitrary frames, merged in an arbitrary order, against `sequential`.
fn run_segments(case: &Case, whole: &Samples, sequential: &Result<TrackResult, Error>) {
    let ch = case.channels;
    let frames = whole.len() / ch;
    let mut points: Vec<(usize, u8)> = case
        .cuts
        .iter()
        .map(|c| (c.at as usize % (frames + 1), c.mode))
        .collect();
    points.sort_unstable();
    let mut ranges = Vec::new();
    let mut start = 0;
    for &(at, mode) in &points {
        ranges.push((start, at, mode));
        start = at;
    }
    let last_mode = case.cuts.first().map_or(0, |c| c.mode.rotate_left(3));
    ranges.push((start, frames, last_mode));

    let mut a = case.analyzer();
    let geometry = a.geometry();
    let segments: Vec<(usize, usize, Segment)> = ranges
        .iter()
        .map(|&(s, e, mode)| {
            let seg = build_segment(&geometry, whole, ch, s, e, mode, s as u64).expect("segment of whole frames");
            assert_eq!((seg.start_frame(), seg.frames()), (s as u64, (e - s) as u64));
            (s, e, seg)
        })
        .collect();

    // The merge order: a Fisher-Yates shuffle driven by the input.
    let mut order: Vec<usize> = (0..segments.len()).collect();
    for i in (1..order.len()).rev() {
        let j = case.order.get(i).copied().unwrap_or(0) as usize % (i + 1);
        order.swap(i, j);
    }

    let fault = case.fault % 8;
    // A non-empty segment that is not the last one: leaving it out must be noticed.
    let skippable = (0..segments.len()).find(|&i| segments[i].0 < segments[i].1 && segments[i].1 < frames);
    let skip = if fault == 1 { skippable } else { None };
    let mut duplicated = false;
    for &i in &order {
        if Some(i) == skip {
            continue;
        }
        let (s, e, seg) = &segments[i];
        a.merge(seg.clone()).expect("a segment not merged before");
        if fault == 0 && !duplicated && s < e {
            duplicated = true;
            let before = a.frames();
            let again = a.merge(seg.clone());
            assert!(matches!(again, Err(Error::OverlappingFrames { .. })), "{again:?}");
            assert_eq!(a.frames(), before);
        }
    }
    match fault {
        2 => {
            // A segment cut for another geometry is refused and changes nothing.
            let other = Geometry::new(case.rate + 1, ch).expect("geometry");
            let foreign = other.segment_interleaved_i32(0, &[0; 0], 16).expect("empty segment");
            assert_eq!(a.merge(foreign).map(|_| ()), Err(Error::GeometryMismatch));
        }
        3 if frames > 0 => {
            // Positions past the end of the u64 range are refused.
            let position = u64::MAX - frames as u64 + 1;
            let out = build_segment(&geometry, whole, ch, 0, frames, case.fault >> 3, position);
            assert_eq!(out.map(|_| ()), Err(Error::FramePositionOutOfRange(position)));
        }
        4 if frames > 0 => {
            // A segment ending exactly at u64::MAX merges; the track then lacks its start.
            let position = u64::MAX - frames as u64;
            let seg = build_segment(&geometry, whole, ch, 0, frames, case.fault >> 3, position).expect("fits");
            let mut lone = case.analyzer();
            lone.merge(seg).expect("first segment");
            assert_eq!(
                lone.finish().map(|_| ()),
                Err(Error::MissingFrames {
                    start: 0,
                    end: position
                })
            );
        }
        _ => {}
    }
    let merged = a.finish();
    match skip {
        Some(i) => {
            let (s, e, _) = segments[i];
            assert_eq!(
                merged.map(|_| ()),
                Err(Error::MissingFrames {
                    start: s as u64,
                    end: e as u64
                }),
                "segment {s}..{e} left out"
            );
        }
        None => assert_same("the merged segments", &merged, sequential),
    }
}
