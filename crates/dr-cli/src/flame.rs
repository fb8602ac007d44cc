//! The `flame-prof` feature: a sampling profiler (the `pprof` crate) that writes a flame
//! graph SVG of a run. Off unless the binary is built with `--features flame-prof` and run
//! with `DR_FLAME=1`:
//!
//! - `DR_FLAME_SCOPE=app` (the default) samples the whole run, start-up and teardown
//!   included; `processing` samples only the measuring loop (decoding and analysis).
//! - `DR_FLAME_FILE` names the SVG (default `flamegraph.svg`).
//! - `DR_FLAME_HZ` sets the sampling rate (default 997 samples a second).
//!
//! Build it with the `profiling` cargo profile (release optimisation with debug symbols)
//! so frames have names: see docs/PERFORMANCE.md. pprof works on Linux and macOS; elsewhere
//! the feature only says so.

/// Which part of the run is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    App,
    Processing,
}

/// What the environment asks for: `None` when `DR_FLAME` is not `1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub scope: Scope,
    pub file: std::path::PathBuf,
    pub hz: i32,
}

const DEFAULT_FILE: &str = "flamegraph.svg";
const DEFAULT_HZ: i32 = 997;

impl Settings {
    pub fn from_env() -> Result<Option<Settings>, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Settings>, String> {
        if var("DR_FLAME").as_deref() != Some("1") {
            return Ok(None);
        }
        let scope = match var("DR_FLAME_SCOPE").as_deref() {
            None | Some("") | Some("app") => Scope::App,
            Some("processing") => Scope::Processing,
            Some(other) => return Err(format!("DR_FLAME_SCOPE={other}: expected app or processing")),
        };
        let file = var("DR_FLAME_FILE")
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| DEFAULT_FILE.to_string())
            .into();
        let hz = match var("DR_FLAME_HZ").filter(|h| !h.is_empty()) {
            None => DEFAULT_HZ,
            Some(text) => match text.parse::<i32>() {
                Ok(hz) if (1..=10_000).contains(&hz) => hz,
                _ => return Err(format!("DR_FLAME_HZ={text}: expected 1 to 10000 samples a second")),
            },
        };
        Ok(Some(Settings { scope, file, hz }))
    }
}

/// A profiling session over the run; every method does nothing when profiling is off.
pub struct Flame {
    settings: Option<Settings>,
    #[cfg(all(feature = "flame-prof", unix))]
    guard: Option<pprof::ProfilerGuard<'static>>,
}

impl Flame {
    /// Reads the environment; with `DR_FLAME_SCOPE=app` sampling starts now.
    pub fn from_env() -> Flame {
        let settings = match Settings::from_env() {
            Ok(settings) => settings,
            Err(reason) => {
                eprintln!("warning: no flame graph: {reason}");
                None
            }
        };
        if settings.is_some() && !cfg!(all(feature = "flame-prof", unix)) {
            let why = if cfg!(feature = "flame-prof") {
                "the profiler works on Linux and macOS only"
            } else {
                "this build has no profiler (build with --features flame-prof)"
            };
            eprintln!("warning: DR_FLAME=1 ignored: {why}");
        }
        let mut flame = Flame {
            settings,
            #[cfg(all(feature = "flame-prof", unix))]
            guard: None,
        };
        flame.start_if(Scope::App);
        flame
    }

    /// The measuring loop starts.
    pub fn processing_starts(&mut self) {
        self.start_if(Scope::Processing);
    }

    /// The measuring loop ended.
    pub fn processing_ended(&mut self) {
        self.write_if(Scope::Processing);
    }

    /// The run ended (after teardown).
    pub fn run_ended(&mut self) {
        self.write_if(Scope::App);
    }

    fn wanted(&self, scope: Scope) -> bool {
        self.settings.as_ref().is_some_and(|s| s.scope == scope)
    }

    #[cfg(all(feature = "flame-prof", unix))]
    fn start_if(&mut self, scope: Scope) {
        let Some(settings) = self.settings.as_ref().filter(|_| self.wanted(scope)) else {
            return;
        };
        // Samples that land in the unwinder itself or the vDSO are dropped (unwinding from
        // there can deadlock or fail); libc stays in, so malloc, memcpy and futex time show.
        match pprof::ProfilerGuardBuilder::default()
            .frequency(settings.hz)
            .blocklist(&["libgcc", "vdso"])
            .build()
        {
            Ok(guard) => self.guard = Some(guard),
            Err(error) => eprintln!("warning: the profiler did not start: {error}"),
        }
    }

    #[cfg(all(feature = "flame-prof", unix))]
    fn write_if(&mut self, scope: Scope) {
        if !self.wanted(scope) {
            return;
        }
        let (Some(guard), Some(settings)) = (self.guard.take(), self.settings.as_ref()) else {
            return;
        };
        let written = guard
            .report()
            .build()
            .map_err(|error| error.to_string())
            .and_then(|report| {
                let samples: isize = report.data.values().sum();
                let file = std::fs::File::create(&settings.file).map_err(|error| error.to_string())?;
                report
                    .flamegraph(std::io::BufWriter::new(file))
                    .map_err(|error| error.to_string())?;
                Ok(samples)
            });
        match written {
            // The kernel's timer tick may deliver fewer samples than asked for.
            Ok(samples) => eprintln!(
                "flame graph: {} ({samples} samples, scope {}, {} a second asked for)",
                settings.file.display(),
                if scope == Scope::App { "app" } else { "processing" },
                settings.hz,
            ),
            Err(error) => eprintln!(
                "warning: no flame graph written to {}: {error}",
                settings.file.display()
            ),
        }
    }

    #[cfg(not(all(feature = "flame-prof", unix)))]
    fn start_if(&mut self, scope: Scope) {
        let _ = self.wanted(scope);
    }

    #[cfg(not(all(feature = "flame-prof", unix)))]
    fn write_if(&mut self, scope: Scope) {
        let _ = self.wanted(scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Option<Settings>, String> {
        Settings::from_vars(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn off_unless_dr_flame_is_1() {
        assert_eq!(settings(&[]), Ok(None));
        assert_eq!(settings(&[("DR_FLAME", "0"), ("DR_FLAME_SCOPE", "app")]), Ok(None));
    }

    #[test]
    fn scope_file_and_rate() {
        let defaults = settings(&[("DR_FLAME", "1")]).unwrap().unwrap();
        assert_eq!(defaults.scope, Scope::App);
        assert_eq!(defaults.file, std::path::PathBuf::from("flamegraph.svg"));
        assert_eq!(defaults.hz, 997);
        let chosen = settings(&[
            ("DR_FLAME", "1"),
            ("DR_FLAME_SCOPE", "processing"),
            ("DR_FLAME_FILE", "/tmp/x.svg"),
            ("DR_FLAME_HZ", "250"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(chosen.scope, Scope::Processing);
        assert_eq!(chosen.file, std::path::PathBuf::from("/tmp/x.svg"));
        assert_eq!(chosen.hz, 250);
        assert!(settings(&[("DR_FLAME", "1"), ("DR_FLAME_SCOPE", "everything")]).is_err());
        assert!(settings(&[("DR_FLAME", "1"), ("DR_FLAME_HZ", "0")]).is_err());
    }
}
