//! The progress bar on standard error: files done/total, the file last finished, MB/s
//! and ETA. Shown only when standard error is a terminal and the run is not quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct ProgressView {
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ProgressView {
    /// `total_bytes` is the size of all files, for MB/s; the bar moves with decoded frames.
    pub fn start(show: bool, progress: Arc<dr_decode::Progress>, files: u64, total_bytes: u64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !show || !std::io::stderr().is_terminal() {
            return ProgressView {
                bar: None,
                stop,
                ticker: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {prefix} {msg:.dim} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            let started = Instant::now();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let fraction = progress.fraction();
                    let seconds = started.elapsed().as_secs_f64().max(1e-3);
                    let mb_per_s = total_bytes as f64 * fraction / seconds / 1e6;
                    bar.set_position((fraction * 1000.0) as u64);
                    bar.set_prefix(format!(
                        "{}/{} files {:.0} MB/s",
                        progress.files_done(),
                        files,
                        mb_per_s
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
