//! The hot path of the whole product: stereo 44.1 kHz audio fed in decoder-sized chunks
//! (4096 frames), 10 minutes per iteration. Throughput is reported in samples (not
//! frames): criterion's "elem/s" is samples per second on one core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dr_core::Analyzer;

const RATE: u32 = 44_100;
const CHANNELS: usize = 2;
const CHUNK_FRAMES: usize = 4096;
const SECONDS: usize = 600;

/// A deterministic music-like signal: two detuned sines plus a little noise.
fn signal(frames: usize) -> Vec<f64> {
    let mut noise = 0x2545_f491_4f6c_dd1du64;
    (0..frames * CHANNELS)
        .map(|i| {
            let t = (i / CHANNELS) as f64 / f64::from(RATE);
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            let n = (noise >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            0.4 * (t * 440.0 * std::f64::consts::TAU).sin() + 0.2 * (t * 443.0 * std::f64::consts::TAU).sin() + 0.05 * n
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    // One chunk of real size, fed repeatedly: the working set is what a decoder hands
    // over, so this measures the analyser, not main memory.
    let f64_chunk = signal(CHUNK_FRAMES);
    let f32_chunk: Vec<f32> = f64_chunk.iter().map(|&x| x as f32).collect();
    let i16_chunk: Vec<i16> = f64_chunk.iter().map(|&x| (x * 32767.0) as i16).collect();
    let i24_chunk: Vec<i32> = f64_chunk.iter().map(|&x| (x * 8_388_607.0) as i32).collect();
    let chunks = SECONDS * RATE as usize / CHUNK_FRAMES;

    let mut group = c.benchmark_group("stereo_44k1_10min");
    group.sample_size(10);
    group.throughput(Throughput::Elements((chunks * CHUNK_FRAMES * CHANNELS) as u64));
    group.bench_function("interleaved_f32", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(RATE, CHANNELS).unwrap();
            for _ in 0..chunks {
                a.add_interleaved_f32(&f32_chunk).unwrap();
            }
            a.finish().unwrap()
        })
    });
    group.bench_function("interleaved_f64", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(RATE, CHANNELS).unwrap();
            for _ in 0..chunks {
                a.add_interleaved_f64(&f64_chunk).unwrap();
            }
            a.finish().unwrap()
        })
    });
    group.bench_function("interleaved_i16", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(RATE, CHANNELS).unwrap();
            for _ in 0..chunks {
                a.add_interleaved_i16(&i16_chunk).unwrap();
            }
            a.finish().unwrap()
        })
    });
    group.bench_function("interleaved_i32_24bit", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(RATE, CHANNELS).unwrap();
            for _ in 0..chunks {
                a.add_interleaved_i32(&i24_chunk, 24).unwrap();
            }
            a.finish().unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
