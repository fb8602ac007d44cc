//! The parallel pipeline: bit-identical to a sequential decode whatever the thread count,
//! batch size or scheduling; no deadlock on a 1-thread pool; progress and cancellation.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::{flac_bytes, pool, signal, wav_bytes, write, FlacSpec};
use dr_decode::{Control, DecodeOptions, ErrorKind, Progress};

/// Real FLAC: the album fixtures when present, plus a generated file with many packets.
fn flac_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(common::fixtures_dir().join("album-flac"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.extend(
        std::fs::read_dir(common::fixtures_dir().join("formats"))
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let path = e.ok()?.path();
                (path.extension()? == "flac").then_some(path)
            }),
    );
    let (rate, channels, bits) = (44_100, 2, 16);
    let samples = signal(rate as usize * 20 + 1, channels, rate, bits, 11);
    let spec = FlacSpec {
        rate,
        channels,
        bits,
        block_size: 1152,
        comments: vec![],
    };
    files.push(write(dir, "generated.flac", &flac_bytes(&samples, &spec)));
    files.sort();
    files
}

#[test]
fn parallel_equals_sequential_bit_for_bit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = flac_files(dir.path());
    let reference_pool = pool(1);
    for path in &files {
        let sequential = common::measure(path, &reference_pool, &common::sequential_options());
        for threads in [1, 2, 3, 8] {
            let pool = pool(threads);
            for batch_packets in [1, 7, 64] {
                let options = DecodeOptions {
                    batch_packets,
                    ..DecodeOptions::default()
                };
                let parallel = common::measure(path, &pool, &options);
                // TrackResult's PartialEq compares every f64 exactly.
                assert_eq!(
                    parallel.result,
                    sequential.result,
                    "{} with {threads} threads, batches of {batch_packets}",
                    path.display()
                );
                assert_eq!(parallel.info, sequential.info);
            }
        }
    }
}

#[test]
fn integer_wav_in_parallel_equals_sequential() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (rate, channels, bits) = (48_000, 6, 24);
    let samples = signal(rate as usize * 7, channels, rate, bits, 2);
    let path = write(dir.path(), "51.wav", &wav_bytes(&samples, channels, rate, bits, false));
    let sequential = common::measure(&path, &pool(1), &common::sequential_options());
    for threads in [1, 3] {
        let options = DecodeOptions {
            batch_packets: 5,
            ..DecodeOptions::default()
        };
        assert_eq!(
            common::measure(&path, &pool(threads), &options).result,
            sequential.result
        );
    }
}

/// A 1-thread pool measuring several files at once, each decoding in small batches with
/// at most one batch in flight, must finish: a waiting file task runs the pool's work.
#[test]
fn one_thread_pool_never_deadlocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = flac_files(dir.path());
    let (done_sender, done) = mpsc::channel();
    let worker_files = files.clone();
    std::thread::spawn(move || {
        let pool = pool(1);
        let options = DecodeOptions {
            batch_packets: 1,
            max_batches_in_flight: 1,
            parallel_files: 4,
            ..DecodeOptions::default()
        };
        let results = Mutex::new(Vec::new());
        dr_decode::measure_files(&worker_files, &pool, &options, Control::new(), |index, result| {
            results.lock().expect("results").push((index, result.is_ok()));
        });
        let _ = done_sender.send(results.into_inner().expect("results"));
    });
    let results = done
        .recv_timeout(Duration::from_secs(120))
        .expect("measure_files finished (no deadlock)");
    assert_eq!(results.len(), files.len());
    assert!(results.iter().all(|(_, ok)| *ok));
}

#[test]
fn batch_reports_every_index_once_and_matches_single_measurements() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = flac_files(dir.path());
    files.push(write(dir.path(), "bad.flac", b"this is not audio"));
    files.push(dir.path().join("missing.flac"));
    let pool = pool(3);
    let options = DecodeOptions {
        parallel_files: 2,
        ..DecodeOptions::default()
    };
    let progress = Progress::new();
    let results = Mutex::new(Vec::new());
    dr_decode::measure_files(
        &files,
        &pool,
        &options,
        Control::new().with_progress(&progress),
        |index, result| {
            results.lock().expect("results").push((index, result));
        },
    );
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(index, _)| *index);
    assert_eq!(
        results.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (0..files.len()).collect::<Vec<_>>()
    );
    let mut decoded_frames = 0;
    for ((_, result), path) in results.iter().zip(&files) {
        match path.file_name().and_then(|n| n.to_str()) {
            Some("bad.flac") => assert_eq!(result.as_ref().err().map(|e| e.kind()), Some(ErrorKind::Unsupported)),
            Some("missing.flac") => assert_eq!(result.as_ref().err().map(|e| e.kind()), Some(ErrorKind::Open)),
            _ => {
                let track = result.as_ref().expect("measured");
                assert_eq!(track.result, common::measure(path, &pool, &options).result);
                decoded_frames += track.info.frames;
            }
        }
    }
    assert_eq!(progress.files_total(), files.len() as u64);
    assert_eq!(progress.files_done(), files.len() as u64);
    assert_eq!(progress.frames_done(), decoded_frames);
    assert_eq!(progress.frames_expected(), decoded_frames);
    assert_eq!(progress.fraction(), 1.0);
}

/// Measures `files` in one run; returns each file's result (in input order) and the
/// progress, whose gauge holds the run's peak bytes in flight.
fn measure_run(
    files: &[PathBuf],
    pool: &rayon::ThreadPool,
    options: &DecodeOptions,
) -> (Vec<dr_decode::MeasuredTrack>, Progress) {
    let progress = Progress::new();
    let results = Mutex::new(Vec::new());
    dr_decode::measure_files(
        files,
        pool,
        options,
        Control::new().with_progress(&progress),
        |index, result| {
            let track = result.unwrap_or_else(|error| panic!("{}: {error}", files[index].display()));
            results.lock().expect("results").push((index, track));
        },
    );
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(index, _)| *index);
    (results.into_iter().map(|(_, track)| track).collect(), progress)
}

/// The run's byte budget bounds the audio data in flight (compressed packets, read-ahead
/// included, and decoded buffers) whatever the pool's size, oversubscribed or not, for
/// the parallel and the sequential path, and the results stay bit-identical to a
/// sequential decode. 512 KiB is below what these files would hold with 8 or 32 threads
/// unbounded (2 x threads batches of 64 packets), so the waits are exercised too.
#[test]
fn bytes_in_flight_never_exceed_the_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = flac_files(dir.path());
    let reference_pool = pool(1);
    let sequential: Vec<_> = files
        .iter()
        .map(|path| common::measure(path, &reference_pool, &common::sequential_options()).result)
        .collect();
    for threads in [1, 2, 8, 32] {
        let pool = pool(threads);
        for budget in [dr_decode::DEFAULT_MEMORY_BUDGET_BYTES, 512 << 10] {
            for parallel_packets in [true, false] {
                let options = DecodeOptions {
                    memory_budget_bytes: budget,
                    parallel_packets,
                    parallel_files: 3,
                    ..DecodeOptions::default()
                };
                let (tracks, progress) = measure_run(&files, &pool, &options);
                let what = format!("{threads} threads, budget {budget} bytes, parallel packets: {parallel_packets}");
                for ((track, reference), path) in tracks.iter().zip(&sequential).zip(&files) {
                    assert_eq!(&track.result, reference, "{}: {what}", path.display());
                }
                assert_eq!(progress.memory_budget_bytes(), budget as u64, "{what}");
                let peak = progress.peak_bytes_in_flight();
                assert!(peak > 0 && peak <= budget as u64, "peak {peak} bytes in flight: {what}");
            }
        }
    }
}

/// Data larger than the whole budget still goes through, one file at a time, and gives
/// the same results: a budget of one byte makes every file's first reservation oversized.
#[test]
fn a_budget_smaller_than_one_packet_still_measures_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = flac_files(dir.path());
    let reference_pool = pool(1);
    for threads in [1, 3] {
        let options = DecodeOptions {
            memory_budget_bytes: 1,
            parallel_files: 4,
            ..DecodeOptions::default()
        };
        let (done_sender, done) = mpsc::channel();
        let worker_files = files.clone();
        std::thread::spawn(move || {
            let _ = done_sender.send(measure_run(&worker_files, &pool(threads), &options));
        });
        let (tracks, progress) = done
            .recv_timeout(Duration::from_secs(120))
            .expect("measure_files finished (no deadlock)");
        for (track, path) in tracks.iter().zip(&files) {
            let reference = common::measure(path, &reference_pool, &common::sequential_options());
            assert_eq!(
                track.result,
                reference.result,
                "{} with {threads} threads",
                path.display()
            );
        }
        assert_eq!(progress.memory_budget_bytes(), 1);
        assert!(progress.peak_bytes_in_flight() > 1);
    }
}

#[test]
fn cancellation_stops_quickly_with_cancelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (rate, channels, bits) = (96_000, 2, 24);
    // Long enough that a debug build needs far more than the cancellation delay.
    let samples = signal(rate as usize * 120, channels, rate, bits, 4);
    let spec = FlacSpec {
        rate,
        channels,
        bits,
        block_size: 4096,
        comments: vec![],
    };
    let long = write(dir.path(), "long.flac", &flac_bytes(&samples, &spec));
    let wav = write(dir.path(), "long.wav", &wav_bytes(&samples, channels, rate, bits, true));
    let pool = pool(2);

    // Already set: nothing is decoded.
    let cancel = AtomicBool::new(true);
    let error = dr_decode::measure_file(
        &long,
        &pool,
        &DecodeOptions::default(),
        Control::new().with_cancel(&cancel),
    )
    .expect_err("cancelled");
    assert_eq!(error.kind(), ErrorKind::Cancelled);

    // Set while decoding, in both the parallel (FLAC) and the sequential (float WAV) paths.
    for path in [&long, &wav] {
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Progress::new());
        let setter = {
            let (cancel, progress) = (Arc::clone(&cancel), Arc::clone(&progress));
            std::thread::spawn(move || {
                while progress.frames_done() == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                cancel.store(true, Ordering::Relaxed);
                Instant::now()
            })
        };
        let control = Control::new().with_cancel(&cancel).with_progress(&progress);
        let result = dr_decode::measure_file(path, &pool, &DecodeOptions::default(), control);
        let returned = Instant::now();
        let cancelled_at = setter.join().expect("setter");
        let error = result.expect_err("cancelled");
        assert_eq!(error.kind(), ErrorKind::Cancelled, "{}", path.display());
        let latency = returned.duration_since(cancelled_at);
        eprintln!("{}: stopped {latency:?} after the cancel flag was set", path.display());
        // The design target is ~100 ms; the bound leaves room for a loaded 2-core CI machine.
        assert!(latency < Duration::from_millis(1000), "{}: {latency:?}", path.display());
        assert!(progress.frames_done() < (samples.len() / channels) as u64);
        assert_eq!(progress.files_done(), 1);
    }
}
