//! `--stats`: what a run cost, on standard error at the end: files, hours of audio, bytes
//! read, wall time, MB/s, CPU time and utilisation, the pool's threads, and the peak bytes
//! of audio data in flight against the run's budget (dr-decode's gauge), the files reused
//! from the results cache, plus peak RSS where the system tells it without unsafe code
//! (Linux: /proc/self/status).

use std::time::{Duration, Instant};

/// Clocks started when the run starts.
pub struct RunClock {
    wall: Instant,
    cpu: Option<cpu_time::ProcessTime>,
}

impl RunClock {
    pub fn start() -> Self {
        RunClock {
            wall: Instant::now(),
            cpu: cpu_time::ProcessTime::try_now().ok(),
        }
    }

    /// Wall time and CPU time (user + system, all threads) since the start; CPU time is
    /// `None` where the system cannot tell it.
    pub fn elapsed(&self) -> (Duration, Option<Duration>) {
        let cpu = self.cpu.and_then(|start| start.try_elapsed().ok());
        (self.wall.elapsed(), cpu)
    }
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    /// Files decoded to the end or failed (not those a Ctrl-C left unstarted).
    pub files: u64,
    pub failed: u64,
    /// Seconds of audio measured.
    pub audio_seconds: f64,
    /// Size of the files decoded (read whole).
    pub bytes: u64,
    pub wall: Duration,
    pub cpu: Option<Duration>,
    /// Threads in the pool.
    pub threads: usize,
    /// The most bytes of audio data (compressed and decoded) in flight at once.
    pub peak_bytes_in_flight: u64,
    /// The run's budget for them.
    pub memory_budget_bytes: u64,
    /// Peak resident set size of the process, where known.
    pub peak_rss_bytes: Option<u64>,
    /// Files whose result was reused from the results cache (not in `files`); `None` when
    /// the run used no cache.
    pub from_cache: Option<u64>,
}

impl RunStats {
    /// The lines printed on standard error.
    pub fn lines(&self) -> Vec<String> {
        let seconds = self.wall.as_secs_f64();
        let rate = |amount: f64| if seconds > 0.0 { amount / seconds } else { 0.0 };
        let failed = if self.failed > 0 {
            format!(" ({} failed)", self.failed)
        } else {
            String::new()
        };
        let mut lines = vec![format!(
            "stats: {} files{failed}, {:.2} h of audio, {:.1} MB read in {:.2} s: {:.1} MB/s, {:.0}x real time",
            self.files,
            self.audio_seconds / 3600.0,
            self.bytes as f64 / 1e6,
            seconds,
            rate(self.bytes as f64 / 1e6),
            rate(self.audio_seconds),
        )];
        lines.push(match self.cpu {
            Some(cpu) => {
                let busy = rate(cpu.as_secs_f64());
                format!(
                    "stats: CPU {:.2} s (user + system): {busy:.2} cores busy, {:.0} % of the {} threads in the pool",
                    cpu.as_secs_f64(),
                    100.0 * busy / self.threads.max(1) as f64,
                    self.threads,
                )
            }
            None => format!("stats: CPU time n/a; {} threads in the pool", self.threads),
        });
        if let Some(from_cache) = self.from_cache {
            lines.push(format!(
                "stats: {from_cache} files from the results cache, not measured again"
            ));
        }
        lines.push(format!(
            "stats: peak {} of audio data in flight (budget {}), peak RSS {}",
            megabytes(self.peak_bytes_in_flight),
            megabytes(self.memory_budget_bytes),
            self.peak_rss_bytes.map_or_else(|| "n/a".to_string(), megabytes),
        ));
        lines
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

/// The process's peak resident set size: `VmHWM` in /proc/self/status on Linux; `None`
/// elsewhere (use the tools in docs/PERFORMANCE.md there).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    let kilobytes: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kilobytes.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_rss_is_read_from_proc_status() {
        let status = "Name:\tmacinmeter\nVmPeak:\t  123456 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(20480 * 1024));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\tlots\n"), None);
    }

    #[test]
    fn lines_name_every_figure() {
        let stats = RunStats {
            files: 34,
            failed: 1,
            audio_seconds: 7200.0,
            bytes: 2_000_000_000,
            wall: Duration::from_secs(10),
            cpu: Some(Duration::from_secs(19)),
            threads: 2,
            peak_bytes_in_flight: 7_340_032,
            memory_budget_bytes: 8_388_608,
            peak_rss_bytes: Some(30_000_000),
            from_cache: None,
        };
        let lines = stats.lines();
        assert_eq!(
            lines[0],
            "stats: 34 files (1 failed), 2.00 h of audio, 2000.0 MB read in 10.00 s: 200.0 MB/s, 720x real time"
        );
        assert_eq!(
            lines[1],
            "stats: CPU 19.00 s (user + system): 1.90 cores busy, 95 % of the 2 threads in the pool"
        );
        assert_eq!(
            lines[2],
            "stats: peak 7.34 MB of audio data in flight (budget 8.39 MB), peak RSS 30.00 MB"
        );
        let unknown = RunStats {
            cpu: None,
            peak_rss_bytes: None,
            threads: 1,
            ..stats.clone()
        };
        let lines = unknown.lines();
        assert_eq!(lines[1], "stats: CPU time n/a; 1 threads in the pool");
        assert!(lines[2].ends_with("peak RSS n/a"));
        let cached = RunStats {
            from_cache: Some(30),
            ..stats
        };
        let lines = cached.lines();
        assert_eq!(lines[2], "stats: 30 files from the results cache, not measured again");
        assert_eq!(lines.len(), 4);
    }
}
