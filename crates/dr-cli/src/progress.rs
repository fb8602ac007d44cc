//! The progress bar on standard error: how much of the whole run is done (in bytes of
//! all its files, known once the walk is over), files done/total, MB/s, ETA and the file
//! last finished, on one line fitted to the terminal's width. Shown only when standard
//! error is a terminal and the run is not quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How far a run is, in bytes of its files.
///
/// Finished files count whole. The files being decoded (the decoder opens them in input
/// order, `in_flight` at once) count for the part of their frames decoded so far, which
/// the decoder's counters give once the finished files' frames are taken out of them.
/// The value shown never goes back and reaches the total when every file is finished.
pub struct RunProgress {
    sizes: Vec<u64>,
    total_bytes: u64,
    in_flight: usize,
    state: Mutex<Finished>,
    shown: AtomicU64,
}

#[derive(Default)]
struct Finished {
    files: Vec<bool>,
    count: u64,
    bytes: u64,
    /// Frames of the finished files, as the decoder counted them.
    frames: u64,
    /// Every file before this one is finished.
    first_unfinished: usize,
}

impl RunProgress {
    pub fn new(sizes: Vec<u64>, in_flight: usize) -> Self {
        let total_bytes = sizes.iter().sum();
        let files = vec![false; sizes.len()];
        RunProgress {
            sizes,
            total_bytes,
            in_flight: in_flight.max(1),
            state: Mutex::new(Finished {
                files,
                ..Finished::default()
            }),
            shown: AtomicU64::new(0),
        }
    }

    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    pub fn files_total(&self) -> usize {
        self.sizes.len()
    }

    pub fn files_done(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.count)
    }

    /// File `index` is finished (measured, failed or stopped) after `frames` frames.
    pub fn file_finished(&self, index: usize, frames: u64) {
        let Ok(mut state) = self.state.lock() else { return };
        if state.files.get(index).copied() != Some(false) {
            return;
        }
        state.files[index] = true;
        state.count += 1;
        state.bytes += self.sizes[index];
        state.frames += frames;
        while state.files.get(state.first_unfinished) == Some(&true) {
            state.first_unfinished += 1;
        }
    }

    /// Bytes done, from the decoder's counters over all files opened so far (frames
    /// decoded, and frames they declare, finished files' settled to what they gave).
    pub fn bytes_done(&self, frames_done: u64, frames_expected: u64) -> u64 {
        let estimate = match self.state.lock() {
            Ok(state) => {
                let decoding: u64 = (state.first_unfinished..state.files.len())
                    .filter(|&i| !state.files[i])
                    .take(self.in_flight)
                    .map(|i| self.sizes[i])
                    .sum();
                let done = frames_done.saturating_sub(state.frames);
                let expected = frames_expected.saturating_sub(state.frames);
                let part = if expected == 0 {
                    0.0
                } else {
                    (done as f64 / expected as f64).clamp(0.0, 1.0)
                };
                state.bytes + (decoding as f64 * part) as u64
            }
            Err(_) => 0,
        };
        let estimate = estimate.min(self.total_bytes);
        self.shown.fetch_max(estimate, Ordering::Relaxed).max(estimate)
    }
}

pub struct ProgressView {
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ProgressView {
    pub fn start(show: bool, decoder: Arc<dr_decode::Progress>, run: Arc<RunProgress>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !show || !std::io::stderr().is_terminal() {
            return ProgressView {
                bar: None,
                stop,
                ticker: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(run.total_bytes().max(1)), ProgressDrawTarget::stderr_with_hz(10));
        // wide_msg takes what the terminal's width leaves and is cut to it, so a long
        // file name never wraps the line (a wrapped line cannot be cleared).
        bar.set_style(
            ProgressStyle::with_template("{bar:20} {percent:>3}% {prefix} ETA {eta} {wide_msg:.dim}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            let started = Instant::now();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let bytes = run.bytes_done(decoder.frames_done(), decoder.frames_expected());
                    let seconds = started.elapsed().as_secs_f64().max(1e-3);
                    bar.set_position(bytes);
                    bar.set_prefix(format!(
                        "{}/{} files {:.0} MB/s",
                        run.files_done(),
                        run.files_total(),
                        bytes as f64 / seconds / 1e6
                    ));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        ProgressView {
            bar: Some(bar),
            stop,
            ticker: Some(ticker),
        }
    }

    /// Names the file last finished.
    pub fn set_current(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(name.to_string());
        }
    }

    /// Prints a line above the bar (or plainly when there is none).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Stops the bar and clears its line (also after Ctrl-C).
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of 6 equal files of 1000 frames, 2 decoded at once, in input order, each
    /// advancing 100 frames a step; the decoder's counters follow dr_decode::Progress
    /// (a file adds its frames to `expected` when opened).
    #[test]
    fn progress_covers_the_whole_run_only_moves_forward_and_ends_at_100_percent() {
        const FILES: usize = 6;
        const FRAMES: u64 = 1000;
        let run = RunProgress::new(vec![5_000_000; FILES], 2);
        let (mut done, mut expected) = (0u64, 0u64);
        let mut decoded = [0u64; FILES];
        let mut opened = 0;
        let mut finished = 0;
        let mut seen = Vec::new();
        while finished < FILES {
            while opened < FILES && opened < finished + 2 {
                expected += FRAMES;
                opened += 1;
            }
            for (index, frames) in decoded.iter_mut().enumerate().take(opened).skip(finished) {
                // The later file of the pair decodes at half the speed.
                let step = if index == finished { 100 } else { 50 };
                let step = step.min(FRAMES - *frames);
                *frames += step;
                done += step;
            }
            seen.push(run.bytes_done(done, expected));
            if decoded[finished] == FRAMES {
                run.file_finished(finished, FRAMES);
                finished += 1;
                seen.push(run.bytes_done(done, expected));
            }
        }
        let total = run.total_bytes();
        assert_eq!(total, 30_000_000);
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "goes back: {seen:?}");
        assert_eq!(*seen.last().unwrap(), total);
        // Half-way through the first two files (0 of 6 done) is about a sixth of the run,
        // not the half that frames of the opened files alone would say.
        let first = seen[4] as f64 / total as f64;
        assert!((0.1..0.2).contains(&first), "{first}");
        assert_eq!(run.files_done(), FILES as u64);
    }

    #[test]
    fn a_file_finishing_twice_counts_once() {
        let run = RunProgress::new(vec![10, 20], 1);
        run.file_finished(1, 5);
        run.file_finished(1, 5);
        assert_eq!(run.files_done(), 1);
        assert_eq!(run.bytes_done(5, 5), 20);
        run.file_finished(0, 0);
        assert_eq!(run.bytes_done(5, 5), 30);
    }
}
