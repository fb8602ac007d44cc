//! What measuring adds on top of decoding: the same file decoded by symphonia alone
//! (decode only, sequential, one thread), then measured by dr-decode sequentially on a
//! 1-thread pool (decode + analyse). Median of N runs each; release build:
//! `cargo run --release -p dr-decode --example analysis_cost -- FILE.flac [RUNS]`.

use std::path::Path;
use std::time::Instant;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

/// Decodes every packet of the file's audio track and throws the samples away.
fn decode_only(path: &Path) -> Result<u64, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let stream = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let mut reader = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| e.to_string())?;
    let track = reader.default_track(TrackType::Audio).ok_or("no audio track")?.clone();
    let Some(CodecParameters::Audio(params)) = track.codec_params else {
        return Err("no audio parameters".into());
    };
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| e.to_string())?;
    let mut frames = 0u64;
    while let Ok(Some(packet)) = reader.next_packet() {
        if packet.track_id != track.id {
            continue;
        }
        frames += decoder.decode(&packet).map_err(|e| e.to_string())?.frames() as u64;
    }
    Ok(frames)
}

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: analysis_cost FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let path = Path::new(&path);
    let pool = dr_decode::build_thread_pool(1).expect("a 1-thread pool");
    let options = dr_decode::DecodeOptions {
        parallel_packets: false,
        ..Default::default()
    };
    // One warm-up of each (page cache, allocator).
    let frames = decode_only(path).expect("decodes");
    dr_decode::measure_file(path, &pool, &options, dr_decode::Control::new()).expect("measures");

    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let decode: Vec<f64> = (0..runs).map(|_| time(&|| drop(decode_only(path)))).collect();
    let measure: Vec<f64> = (0..runs)
        .map(|_| {
            time(&|| {
                drop(dr_decode::measure_file(
                    path,
                    &pool,
                    &options,
                    dr_decode::Control::new(),
                ))
            })
        })
        .collect();
    let (d, m) = (median(decode), median(measure));
    println!(
        "{}: {frames} frames; decode only {d:.3} s, decode + analyse {m:.3} s (median of {runs}); \
         measuring adds {:+.1} %",
        path.display(),
        (m / d - 1.0) * 100.0
    );
}
