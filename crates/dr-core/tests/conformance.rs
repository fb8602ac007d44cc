//! The conformance files through dr-core alone: every token real foobar2000 DR Meter 1.0.8
//! printed for them (track DR, Peak, RMS, duration, per-channel DR and RMS) must come out
//! equal as printed, no tolerance (ALGORITHM.md §10). The WAV bytes come from
//! `dr_conformance` (whose own test checks them against the published hashes), parsed here,
//! and fed as foobar2000 x64 hands samples to the component (§ Notation): integers with their
//! bit depth (unsigned 8-bit as v - 128), floats as they are.

use dr_conformance::{Case, ExpectedRow, SampleFormat};
use dr_core::{Analyzer, TrackResult};

/// A case's samples, interleaved, in the form dr-core takes them.
enum Pcm {
    Int { samples: Vec<i32>, bits: u32 },
    F32(Vec<f32>),
    F64(Vec<f64>),
}

fn pcm(case: &Case) -> Pcm {
    let wav = dr_conformance::wav(case);
    let data = wav.data_bytes();
    let ints = |width: usize, decode: fn(&[u8]) -> i32| data.chunks_exact(width).map(decode).collect();
    match case.format {
        SampleFormat::U8 => Pcm::Int {
            samples: ints(1, |b| i32::from(b[0]) - 128),
            bits: 8,
        },
        SampleFormat::S16 => Pcm::Int {
            samples: ints(2, |b| i32::from(i16::from_le_bytes([b[0], b[1]]))),
            bits: 16,
        },
        // Little-endian 24-bit: the three bytes into the top of an i32, shifted back with sign.
        SampleFormat::S24 => Pcm::Int {
            samples: ints(3, |b| i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8),
            bits: 24,
        },
        SampleFormat::S32 => Pcm::Int {
            samples: ints(4, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            bits: 32,
        },
        SampleFormat::F32 => Pcm::F32(
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        SampleFormat::F64 => Pcm::F64(
            data.chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect(),
        ),
    }
}

/// Chunks of an odd sample count, so most chunks end mid-frame.
const CHUNK_SAMPLES: usize = 1001;

fn measure(case: &Case, pcm: &Pcm) -> TrackResult {
    let mut a = Analyzer::new(case.sample_rate, usize::from(case.channels)).unwrap();
    match pcm {
        Pcm::Int { samples, bits } => {
            for chunk in samples.chunks(CHUNK_SAMPLES) {
                a.add_interleaved_i32(chunk, *bits).unwrap();
            }
        }
        Pcm::F32(samples) => {
            for chunk in samples.chunks(CHUNK_SAMPLES) {
                a.add_interleaved_f32(chunk).unwrap();
            }
        }
        Pcm::F64(samples) => {
            for chunk in samples.chunks(CHUNK_SAMPLES) {
                a.add_interleaved_f64(chunk).unwrap();
            }
        }
    }
    a.finish().unwrap()
}

fn printed(db: Option<f32>) -> String {
    dr_conformance::printed_db(db.map(f64::from))
}

/// The row as foobar2000 prints it, in `ExpectedRow`'s form.
fn row(id: &str, t: &TrackResult) -> ExpectedRow {
    ExpectedRow {
        id: id.to_string(),
        dr: u32::try_from(t.official_dr).expect("DR is never negative"),
        peak: printed(t.peak_db()),
        rms: printed(t.rms_db()),
        duration: dr_conformance::printed_duration(t.rounded_seconds()),
        ch_dr: t.channels.iter().map(|c| printed(Some(c.dr))).collect(),
        ch_rms: t.channels.iter().map(|c| printed(c.rms_db())).collect(),
    }
}

#[test]
fn every_token_equals_what_foobar2000_printed() {
    let cases = dr_conformance::cases();
    let expected = dr_conformance::expected();
    assert_eq!(cases.len(), 31);
    assert_eq!(expected.len(), cases.len());
    let mut wrong = Vec::new();
    for (case, want) in cases.iter().zip(&expected) {
        assert_eq!(case.id, want.id, "cases() and expected() are in the same order");
        let got = row(case.id, &measure(case, &pcm(case)));
        if &got != want {
            wrong.push(format!(
                "{}\n  foobar2000: {want:?}\n  dr-core:    {got:?}",
                case.file_name
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} files differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// §9: the same PCM given as integers or as f64 (v / 2^(bits-1)) gives the same published
/// values. Every sample of these files is an exact f64, and every window's Σx² is exact in
/// f64 at 8 and 16 bits (below 2^53); 24- and 32-bit squares may round, which the published
/// f32 values must still not show.
#[test]
fn integer_files_give_the_same_published_values_as_floats() {
    let mut checked = 0;
    for case in dr_conformance::cases() {
        let Pcm::Int { samples, bits } = pcm(&case) else {
            continue;
        };
        let scale = 1.0 / (1u64 << (bits - 1)) as f64;
        let as_f64 = Pcm::F64(samples.iter().map(|&v| f64::from(v) * scale).collect());
        let int = measure(&case, &Pcm::Int { samples, bits });
        let float = measure(&case, &as_f64);
        let published = |t: &TrackResult| {
            let channels: Vec<(f32, f32, f32)> = t.channels.iter().map(|c| (c.dr, c.rms, c.peak)).collect();
            (t.dr, t.official_dr, t.peak, t.rms, t.windows, channels)
        };
        assert_eq!(published(&int), published(&float), "{}", case.file_name);
        checked += 1;
    }
    assert_eq!(checked, 4, "the u8, s16, s24 and s32 files");
}
