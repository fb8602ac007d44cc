//! Measures three generated 30-second stereo signals whose DR is known by hand:
//! `cargo run --release -p dr-core --example generated`.

use dr_core::{to_db, Analyzer};

fn measure(name: &str, expected: &str, sample: impl Fn(usize) -> f32) {
    const RATE: u32 = 44_100;
    let frames = 30 * RATE as usize;
    let mut analyzer = Analyzer::new(RATE, 2).expect("44.1 kHz stereo is valid");
    let mut chunk = Vec::with_capacity(4096 * 2);
    for start in (0..frames).step_by(4096) {
        chunk.clear();
        for frame in start..(start + 4096).min(frames) {
            let x = sample(frame);
            chunk.extend([x, x]);
        }
        analyzer.add_interleaved_f32(&chunk).expect("whole frames");
    }
    let track = analyzer.finish().expect("whole frames");
    let dr = track.official_dr.map_or("DR-".to_string(), |d| format!("DR{d}"));
    println!(
        "{name:<32} {dr:<5} precise {:>7.3} dB  peak {:>6.2} dB  rms {:>7.2} dB   (expected: {expected})",
        track.precise_dr.unwrap_or(f64::NAN),
        to_db(track.peak()),
        to_db(track.mean_rms()),
    );
}

fn main() {
    measure("square wave, amplitude 0.5", "20*log10(0.5/0.7071) = -3.01 dB", |i| {
        if i % 100 < 50 {
            0.5
        } else {
            -0.5
        }
    });
    measure("441 Hz sine, amplitude 0.5", "about 0.00 dB", |i| {
        (0.5 * (std::f64::consts::TAU * (i % 100) as f64 / 100.0).sin()) as f32
    });
    // A quiet sine with one short full-scale burst every 6 s: the second-loudest window
    // peak is 1.0 while the loudest 20 % of windows keep RMS near 0.1 -> about 20 dB.
    measure("quiet sine with bursts", "about 20 dB", |i| {
        let burst = i % (6 * 44_100) < 10;
        let s = (std::f64::consts::TAU * (i % 100) as f64 / 100.0).sin();
        (if burst { s.signum() } else { 0.1 * s }) as f32
    });
}
