//! Measures the files given on the command line and prints what dr-decode reports:
//! `cargo run -p dr-decode --example measure -- FILE...`

use std::path::PathBuf;
use std::sync::Mutex;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let pool = match dr_decode::build_thread_pool(0) {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("cannot start threads: {error}");
            std::process::exit(2);
        }
    };
    let options = dr_decode::DecodeOptions::default();
    let results = Mutex::new(Vec::new());
    dr_decode::measure_files(&paths, &pool, &options, dr_decode::Control::new(), |index, result| {
        if let Ok(mut results) = results.lock() {
            results.push((index, result));
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(index, _)| *index);
    let mut failed = false;
    for (_, result) in results {
        match result {
            Ok(track) => {
                let info = &track.info;
                let drs: Vec<String> = track.result.channels.iter().map(|c| format!("{:.4}", c.dr)).collect();
                println!(
                    "{}: {} in {} {} Hz {:?} bits {} ch {:?} frames {} {:.3} s {:?} kbps DR {:?} ({:?}) channels [{}] tags {:?}{}",
                    info.path.display(),
                    info.codec,
                    info.container,
                    info.sample_rate,
                    info.bits_per_sample,
                    info.channels,
                    info.channel_names,
                    info.frames,
                    info.duration_seconds,
                    info.bitrate_kbps(),
                    track.result.official_dr,
                    track.result.dr,
                    drs.join(" "),
                    info.tags,
                    if track.warnings.is_empty() { String::new() } else { format!(" warnings {:?}", track.warnings) },
                );
            }
            Err(error) => {
                failed = true;
                println!("Failed: {error} [{:?}]", error.kind());
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
