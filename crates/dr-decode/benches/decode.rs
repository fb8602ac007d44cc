//! Decode-and-measure throughput of real FLAC (the album fixtures when present), one file
//! sequentially and with packet-level parallelism, on 1 and 2 threads.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dr_decode::{Control, DecodeOptions};

fn album_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/album-flac");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn bench_flac(c: &mut Criterion) {
    let files = album_files();
    let Some(file) = files.first() else {
        eprintln!("no FLAC fixtures: benchmark skipped");
        return;
    };
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let mut group = c.benchmark_group("flac");
    group.throughput(Throughput::Bytes(bytes));
    for threads in [1, 2] {
        let Ok(pool) = dr_decode::build_thread_pool(threads) else {
            return;
        };
        // The excerpts hold ~76 packets: small batches let two threads share them.
        for (name, parallel_packets, batch_packets) in [
            ("sequential", false, 64),
            ("parallel-64", true, 64),
            ("parallel-8", true, 8),
        ] {
            let options = DecodeOptions {
                parallel_packets,
                batch_packets,
                ..DecodeOptions::default()
            };
            group.bench_function(format!("{name}/{threads}-threads"), |b| {
                b.iter(|| dr_decode::measure_file(file, &pool, &options, Control::new()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_flac);
criterion_main!(benches);
