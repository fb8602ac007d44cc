//! `macinmeter`: measures the Dynamic Range of audio files and folders and prints
//! foobar2000 DR Meter logs (or JSON, CSV, a one-line-per-album summary).

mod arenas;
mod args;
mod atomic;
mod cache;
mod flame;
mod progress;
mod saved;
mod stamp;
mod stats;
mod tags;
mod walk;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::Parser;

use args::{Cli, Format, LogLayout};
use dr_core::AlbumWeighting;
use dr_report::{Failure, LineEnds, LogDate, LogHeader, LogOptions, Report, ReportTrack, ToolInfo, TrackMeta};
use progress::{ProgressView, RunProgress};
use stamp::FileStamp;
use walk::Entry;

use dr_report::PRODUCT;
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The name foobar2000 users know for a folder's saved log.
const SAVED_LOG_NAME: &str = "foo_dr.txt";

/// Exit statuses (also in `--help`).
const EXIT_ALL_MEASURED: u8 = 0;
const EXIT_SOME_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    // Before any thread starts: threads then share malloc's arenas (see arenas.rs).
    arenas::bound_malloc_arenas();
    // With the flame-prof feature and DR_FLAME=1, sampling starts here (scope app) or
    // around the measuring loop (scope processing).
    let mut flame = flame::Flame::from_env();
    let status = parse_and_run(&mut flame);
    flame.run_ended();
    status
}

fn parse_and_run(flame: &mut flame::Flame) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            eprintln!("{}", one_line(&e.to_string()));
            eprintln!("Usage: macinmeter [OPTIONS] <PATH>...  (see macinmeter --help)");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(status) = args::generate(&cli) {
        return ExitCode::from(status);
    }
    if cli.paths.is_empty() {
        return usage_error("no PATH given: name the audio files or folders to measure");
    }
    // Whatever can be found wrong without measuring is, before the first file is opened.
    let date = match log_date() {
        Ok(date) => date,
        Err(reason) => return usage_error(&reason),
    };
    if let Some(reason) = cli.output_conflict() {
        return usage_error(reason);
    }
    if let Some(output) = &cli.output {
        if let Err(reason) = atomic::check_writable(output) {
            return usage_error(&format!("{}: cannot write the log: {reason}", output.display()));
        }
    }
    ExitCode::from(run(&cli, date, flame))
}

fn usage_error(reason: &str) -> ExitCode {
    eprintln!("error: {reason}");
    eprintln!("Usage: macinmeter [OPTIONS] <PATH>...  (see macinmeter --help)");
    ExitCode::from(EXIT_USAGE)
}

/// A clap error's reason on one line: its first line, without the usage block.
fn one_line(text: &str) -> String {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("error: invalid arguments").trim().to_string();
    let next = lines.next().map(str::trim);
    match next {
        // "the following required arguments were not provided:" names them on the next line.
        Some(next) if first.ends_with(':') => format!("{first} {next}"),
        // An invalid value: the valid ones follow as "[possible values: text, json]".
        Some(next) if next.starts_with("[possible values:") => format!("{first} {next}"),
        _ => first,
    }
}

/// What happened to one input, in input order.
enum Outcome {
    Measured(Box<ReportTrack>),
    /// Reused from the results cache, not measured.
    FromCache(Box<ReportTrack>),
    Failed(Failure),
    /// Stopped by Ctrl-C before it finished: neither a result nor a failure.
    Interrupted,
}

fn run(cli: &Cli, date: LogDate, flame: &mut flame::Flame) -> u8 {
    let clock = stats::RunClock::start();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parallelism = cli.parallelism(cores);
    let say = |line: &str| {
        if !cli.quiet {
            eprintln!("{line}");
        }
    };

    // 1. The files.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut failures_before_decoding: Vec<(usize, Failure)> = Vec::new();
    for entry in walk::collect(&cli.paths, !cli.no_recursive) {
        match entry {
            Entry::File(path) => files.push(path),
            Entry::Unreadable { path, reason } => {
                eprintln!("error: {}: {reason}", path.display());
                failures_before_decoding.push((
                    files.len(),
                    Failure {
                        path: display_path(&path),
                        path_bytes: exact_path_bytes(&path),
                        reason,
                        kind: "open".into(),
                    },
                ));
            }
        }
    }
    if files.is_empty() {
        if failures_before_decoding.is_empty() {
            eprintln!("error: nothing to measure: no audio files in the paths given");
        }
        return EXIT_USAGE;
    }

    // 2. One pool for the whole run.
    let pool = match dr_decode::build_thread_pool(parallelism.threads) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start {} worker threads: {e}", parallelism.threads);
            return EXIT_SOME_FAILED;
        }
    };
    let options = dr_decode::DecodeOptions {
        batch_packets: parallelism.batch_packets,
        parallel_packets: parallelism.parallel_packets,
        parallel_files: parallelism.files,
        exclude_lfe: cli.exclude_lfe,
        channel_weighting: if cli.weight_by_loudness {
            dr_core::ChannelWeighting::Loudness
        } else {
            dr_core::ChannelWeighting::Equal
        },
        ..Default::default()
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // A second Ctrl-C while stopping falls through to the default (kill) only if the
        // handler cannot be set at all; then Ctrl-C simply ends the process.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    // Results kept by earlier runs are reused; only the other files are measured.
    let mut outcomes: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
    let cache = cache::Cache::for_run(cli.no_cache, cli.cache.as_deref(), &options);
    // Each file's size and modification time, taken once before measuring (stamp.rs).
    let stamps: Vec<Option<FileStamp>> = files.iter().map(|p| FileStamp::of(p).ok()).collect();
    let cache::Split { kept, to_measure } = cache::split(cache.as_ref(), &files, &stamps);
    for (index, kept) in kept {
        announce(cli, &kept, &|line| eprintln!("{line}"));
        outcomes[index] = Some(Outcome::FromCache(Box::new(kept.track)));
    }
    let outcomes = Mutex::new(outcomes);
    let cache_in_use = cache.is_some();
    let cache = Mutex::new(cache);
    let measure_paths: Vec<&Path> = to_measure.iter().map(|&(index, _)| files[index].as_path()).collect();

    let progress = Arc::new(dr_decode::Progress::new());
    let file_sizes: Vec<u64> = stamps.iter().map(|s| s.map_or(0, |s| s.size)).collect();
    let measure_sizes = to_measure.iter().map(|&(index, _)| file_sizes[index]).collect();
    let run_progress = Arc::new(RunProgress::new(measure_sizes, parallelism.files));
    let view = ProgressView::start(!cli.quiet, progress.clone(), run_progress.clone());
    if cli.verbose {
        view.println(&format!(
            "measuring {} files ({} from the results cache): {} threads, {} files at once, {} packets a batch",
            measure_paths.len(),
            files.len() - measure_paths.len(),
            parallelism.threads,
            parallelism.files,
            parallelism.batch_packets
        ));
    }

    // 3. Measure; each result is reported as it arrives and kept in input order.
    let control = dr_decode::Control::new().with_cancel(&cancel).with_progress(&progress);
    flame.processing_starts();
    dr_decode::measure_files(&measure_paths, &pool, &options, control, |measured, result| {
        run_progress.file_finished(measured, result.as_ref().map_or(0, |track| track.result.frames));
        arenas::return_free_pages();
        let (index, stamp) = to_measure[measured];
        let outcome = match result {
            Ok(track) => {
                let kept = cache::KeptTrack {
                    track: report_track(&track),
                    warnings: track.warnings.iter().map(|w| w.to_string()).collect(),
                };
                announce(cli, &kept, &|line| view.println(line));
                view.set_current(&file_name(&track.info.path));
                if let Some(cache) = cache.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                    cache.store(&track.info.path, stamp, &kept);
                }
                Outcome::Measured(Box::new(kept.track))
            }
            Err(e) if e.kind() == dr_decode::ErrorKind::Cancelled => Outcome::Interrupted,
            Err(e) => {
                view.println(&format!("error: {}: {}", e.path().display(), e.reason()));
                Outcome::Failed(Failure {
                    path: display_path(e.path()),
                    path_bytes: exact_path_bytes(e.path()),
                    reason: e.reason(),
                    kind: e.kind().as_str().into(),
                })
            }
        };
        if let Ok(mut all) = outcomes.lock() {
            all[index] = Some(outcome);
        }
    });
    flame.processing_ended();
    view.finish();
    let interrupted = cancel.load(Ordering::Relaxed);
    if interrupted {
        let log = match &cli.output {
            Some(path) => format!("the log in {}", path.display()),
            None => "the log below".to_string(),
        };
        say(&format!("interrupted: {log} covers only the files that finished"));
    }

    // 4. The report, in input order (failures found while walking keep their place).
    let mut report = Report {
        interrupted,
        working_folder: std::env::current_dir().ok().map(|dir| display_path(&dir)),
        ..Default::default()
    };
    let mut early = failures_before_decoding.into_iter().peekable();
    let outcomes = outcomes.into_inner().unwrap_or_default();
    let mut run_stats = stats::RunStats {
        threads: pool.current_num_threads(),
        peak_bytes_in_flight: progress.peak_bytes_in_flight(),
        memory_budget_bytes: progress.memory_budget_bytes(),
        from_cache: cache_in_use.then_some(0),
        ..Default::default()
    };
    for (outcome, size) in outcomes.iter().zip(&file_sizes) {
        match outcome {
            Some(Outcome::Measured(track)) => run_stats.audio_seconds += track.result.duration_seconds(),
            Some(Outcome::FromCache(_)) => {
                run_stats.from_cache = run_stats.from_cache.map(|n| n + 1);
                continue;
            }
            Some(Outcome::Failed(_)) => run_stats.failed += 1,
            Some(Outcome::Interrupted) | None => continue,
        }
        run_stats.files += 1;
        run_stats.bytes += size;
    }
    // Files that did not finish (Ctrl-C): no saved log may claim their folder.
    let unfinished_files: Vec<PathBuf> = outcomes
        .iter()
        .zip(&files)
        .filter(|(outcome, _)| matches!(outcome, Some(Outcome::Interrupted) | None))
        .map(|(_, path)| path.clone())
        .collect();
    for (index, outcome) in outcomes.into_iter().enumerate() {
        while let Some((_, failure)) = early.next_if(|(at, _)| *at == index) {
            report.failures.push(failure);
        }
        match outcome {
            Some(Outcome::Measured(track) | Outcome::FromCache(track)) => report.tracks.push(*track),
            Some(Outcome::Failed(failure)) => report.failures.push(failure),
            Some(Outcome::Interrupted) | None => {}
        }
    }
    report.failures.extend(early.map(|(_, f)| f));

    // 5. Output.
    let header = LogHeader {
        host: None,
        version: VERSION.into(),
        date,
    };
    let log_options = LogOptions {
        channel_columns_for_stereo: cli.channel_columns,
        line_ends: LineEnds::Lf,
        album_weighting: if cli.album_by_length {
            AlbumWeighting::Length
        } else {
            AlbumWeighting::Equal
        },
    };
    let text = match (cli.format, cli.log) {
        (Format::Text, _) if cli.summary => dr_report::summary(&report, cli.album_order(), &log_options),
        (Format::Csv, _) if cli.summary => dr_report::albums_csv(&report, cli.album_order(), &log_options),
        (Format::Csv, _) => dr_report::tracks_csv(&report, cli.album_order(), &log_options),
        (Format::Json, _) => dr_report::json(
            &report,
            &ToolInfo {
                name: PRODUCT.into(),
                version: VERSION.into(),
            },
            header.date,
            &log_options,
        ),
        (Format::Text, LogLayout::Track) => report
            .tracks
            .iter()
            .map(|t| dr_report::track_log(t, &header, &log_options))
            .collect(),
        (Format::Text, LogLayout::Album) => dr_report::album_log(&report, &header, &log_options),
    };
    let mut output_failed = false;
    match &cli.output {
        Some(path) => {
            if let Err(e) = atomic::write_atomically(path, text.as_bytes()) {
                eprintln!(
                    "error: {}: cannot write the log: {}",
                    path.display(),
                    walk::io_reason(&e)
                );
                output_failed = true;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out.write_all(text.as_bytes()).and_then(|_| out.flush()).is_err() {
                output_failed = true;
            }
        }
    }
    if cli.save_logs {
        let unfinished: Vec<&Path> = unfinished_files.iter().map(|p| p.as_path()).collect();
        for folder_log in saved::folder_logs(&report, &header, &log_options, &unfinished) {
            let path = Path::new(&folder_log.folder).join(SAVED_LOG_NAME);
            match saved::decide(&folder_log, path.exists(), cli.overwrite) {
                saved::Decision::Write => match atomic::write_atomically(&path, folder_log.log.as_bytes()) {
                    Ok(()) if cli.verbose => say(&format!("saved {}", path.display())),
                    Ok(()) => {}
                    Err(e) => {
                        eprintln!(
                            "error: {}: cannot save the log: {}",
                            path.display(),
                            walk::io_reason(&e)
                        );
                        output_failed = true;
                    }
                },
                saved::Decision::Skip(why) => say(&format!("note: {}: {why}", path.display())),
            }
        }
    }

    if cli.write_tags {
        // A file that changed since its stamp was taken is not tagged with another's DR.
        let stamps = tags::FileStamps::new(&files, &stamps);
        // A tagged file's size and time change, so the next run measures it again: its
        // bitrate (from the file's size) may have moved.
        output_failed |= !tags::write_tags(&report, log_options.album_weighting, &stamps, &unfinished_files, &say);
    }

    if cli.stats {
        (run_stats.wall, run_stats.cpu) = clock.elapsed();
        run_stats.peak_rss_bytes = stats::peak_rss_bytes();
        for line in run_stats.lines() {
            eprintln!("{line}");
        }
    }

    if !report.failures.is_empty() || interrupted || output_failed {
        EXIT_SOME_FAILED
    } else {
        EXIT_ALL_MEASURED
    }
}

/// What the user hears about a result beyond the log (on standard error, through `say`):
/// the decoder's warnings, skipped samples, a missing LFE, and with -v its DR. The same
/// for a result reused from the cache as when it was measured.
fn announce(cli: &Cli, kept: &cache::KeptTrack, say: &dyn Fn(&str)) {
    let (meta, result) = (&kept.track.meta, &kept.track.result);
    for warning in &kept.warnings {
        say(&format!("warning: {}: {warning}", meta.path));
    }
    if result.nonfinite_samples > 0 {
        say(&format!(
            "warning: {}: {} samples are NaN or infinite; they were left out of the measurement",
            meta.path, result.nonfinite_samples
        ));
    }
    if cli.exclude_lfe && meta.lfe_channel.is_none() && meta.channels > 2 {
        say(&format!(
            "note: {}: no channel is named LFE, so none was left out",
            meta.path
        ));
    }
    if cli.verbose {
        let dr = dr_report::official_dr_text(result.official_dr);
        say(&format!("{dr:<5} {}", meta.path));
    }
}

/// The log's date: local time, or `MACINMETER_LOG_DATE` ("YYYY-MM-DD HH:MM:SS") for
/// reproducible logs; a value of another form is refused, not passed over.
fn log_date() -> Result<LogDate, String> {
    match std::env::var_os("MACINMETER_LOG_DATE") {
        None => Ok(LogDate::now_local()),
        Some(value) => value
            .to_str()
            .ok_or_else(|| "MACINMETER_LOG_DATE is not text of the form \"YYYY-MM-DD HH:MM:SS\"".to_string())?
            .parse()
            .map_err(|reason| format!("MACINMETER_LOG_DATE: {reason}")),
    }
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A path's exact bytes when its display form is lossy (not valid UTF-8).
fn exact_path_bytes(path: &Path) -> Option<Vec<u8>> {
    path.to_str()
        .is_none()
        .then(|| path.as_os_str().as_encoded_bytes().to_vec())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| display_path(path), |n| n.to_string_lossy().into_owned())
}

/// The decoder's description of a track, as the renderer takes it.
fn report_track(track: &dr_decode::MeasuredTrack) -> ReportTrack {
    let info = &track.info;
    let tags = &info.tags;
    ReportTrack {
        meta: TrackMeta {
            path: display_path(&info.path),
            path_bytes: exact_path_bytes(&info.path),
            artist: tags.artist.clone(),
            album_artist: tags.album_artist.clone(),
            album: tags.album.clone(),
            title: tags.title.clone(),
            track_number: tags.track_number.map(|n| n.to_string()),
            disc_number: tags.disc_number.map(|n| n.to_string()),
            codec: info.codec_label().to_string(),
            sample_rate: info.sample_rate,
            bits_per_sample: info.bits_per_sample,
            channels: u16::try_from(info.channels).unwrap_or(u16::MAX),
            channel_names: info
                .channel_names
                .as_ref()
                .map(|names| names.iter().map(|n| n.to_string()).collect())
                .unwrap_or_default(),
            lfe_channel: info.lfe_channel,
            bitrate_kbps: info.bitrate_bps.map(|bps| bps as f64 / 1000.0),
        },
        result: track.result.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_fold_to_one_line() {
        assert_eq!(
            one_line("error: the following required arguments were not provided:\n  <PATH>...\n\nUsage: x"),
            "error: the following required arguments were not provided: <PATH>..."
        );
        assert_eq!(
            one_line("error: unexpected argument '--x' found\n\nUsage: y"),
            "error: unexpected argument '--x' found"
        );
        assert_eq!(
            one_line("error: invalid value 'xml' for '--format <FORMAT>'\n  [possible values: text, json]\n\nFor more"),
            "error: invalid value 'xml' for '--format <FORMAT>' [possible values: text, json]"
        );
    }
}
