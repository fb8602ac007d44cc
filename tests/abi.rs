//! The C ABI tested from C and C++: compiles `tests/abi/*.c[pp]` against
//! `include/macinmeter.h`, links them to the libraries this `cargo test` built
//! (`target/<profile>/libmacinmeter.{so,a}`), runs them (once under valgrind memcheck) and
//! fails on any non-zero exit. A test whose tool (g++, gcc, valgrind, nm) is missing is
//! skipped with a printed reason, unless `MACINMETER_REQUIRE_TOOLS=1` (which `.ci/run` sets)
//! makes that a failure.
//!
//! The C++ test also measures the shipped WAV excerpts and compares with the CLI: this file
//! builds `macinmeter` (dr-cli, same profile), runs `macinmeter --format json` on them and
//! hands the numbers to the C++ program as a small text file (see [`cli_values`]).
#![cfg(unix)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SCRATCH: &str = env!("CARGO_TARGET_TMPDIR");

/// The shared library's file name on this platform.
const SO_NAME: &str = if cfg!(target_os = "macos") {
    "libmacinmeter.dylib"
} else {
    "libmacinmeter.so"
};

/// Where cargo put this package's cdylib and staticlib for this `cargo test`:
/// `target/<profile>/deps` (rustc's output) or `target/<profile>` (cargo's copy), whichever
/// holds the newer shared library.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    // target/<profile>/deps/abi-<hash>
    let deps = exe.parent().expect("target/<profile>/deps").to_path_buf();
    let profile = deps.parent().expect("target/<profile>").to_path_buf();
    let modified = |dir: &Path| std::fs::metadata(dir.join(SO_NAME)).and_then(|m| m.modified()).ok();
    let dir = match (modified(&deps), modified(&profile)) {
        (Some(d), Some(p)) if p > d => profile,
        (Some(_), _) => deps,
        (None, Some(_)) => profile,
        (None, None) => panic!("{SO_NAME} is in neither {} nor its parent", deps.display()),
    };
    assert!(
        dir.join("libmacinmeter.a").exists(),
        "libmacinmeter.a is missing from {}",
        dir.display()
    );
    dir
}

/// Whether `tool` can be run. When it cannot: a failure under
/// `MACINMETER_REQUIRE_TOOLS=1`, else `false` and the reason printed (the test then skips).
fn have_tool(tool: &str, test: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    let required = std::env::var("MACINMETER_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: {tool} is not installed, and MACINMETER_REQUIRE_TOOLS=1 requires it"
    );
    // Straight to the stream: the test harness captures println!/eprintln!, and a skip
    // must be seen.
    let _ = writeln!(
        std::io::stderr().lock(),
        "note: {test}: skipped: {tool} is not installed (MACINMETER_REQUIRE_TOOLS=1 makes this a failure)"
    );
    false
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(SCRATCH).join("abi").join(name);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot run {:?} ({e}); it is required by this test",
            command.get_program()
        )
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("--- {what}: {command:?}\n{stdout}{stderr}");
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    output
}

/// The C++ test, built once (-Werror) and shared by the plain and the valgrind runs.
fn cpp_test() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let lib = lib_dir();
        let exe = scratch("cpp").join("abi_test");
        run(
            Command::new("g++")
                .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-pthread"])
                .arg(format!("-DMM_EXPECTED_VERSION=\"{}\"", env!("CARGO_PKG_VERSION")))
                .arg(format!("-I{ROOT}/include"))
                // decode_adapter.h, the component's SDK-free chunk adapter, drives the batch API.
                .arg(format!("-I{ROOT}/cpp-shim/src"))
                .arg(format!("{ROOT}/tests/abi/abi_test.cpp"))
                .arg("-o")
                .arg(&exe)
                .arg(format!("-L{}", lib.display()))
                .arg(format!("-Wl,-rpath,{}", lib.display()))
                .arg("-lmacinmeter"),
            "g++ abi_test.cpp",
        );
        exe
    })
}

/// The shipped files whose CLI numbers the C++ test compares with: every WAV sample type,
/// plain and WAVE_FORMAT_EXTENSIBLE, one of them 5.1.
const CLI_FILES: [&str; 7] = [
    "wav-s16.wav",
    "wav-s24.wav",
    "wav-s32.wav",
    "wav-f32.wav",
    "wav-f64.wav",
    "wav-u8.wav",
    "wav-ext-5.1-s16-48k.wav",
];

/// Builds the CLI (`cargo build -p dr-cli`) with the profile of this test binary and
/// returns the executable cargo reports (`target/<profile>/macinmeter`).
fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    // target/<profile dir>/deps/abi-<hash>; the dev (and test) profile's dir is "debug".
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .expect("target/<profile>/deps");
    let profile = if profile_dir == "debug" { "dev" } else { profile_dir };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(ROOT)
        .args(["build", "-p", "dr-cli", "--bin", "macinmeter", "--profile", profile])
        .arg("--message-format=json-render-diagnostics");
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // The artifact message of the bin target names the executable.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "macinmeter")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("{command:?} reported no macinmeter executable"))
}

/// A JSON number: an integer as it is, a float at full precision (Rust's shortest
/// round-trip form, which C's strtod reads back to the same bits); `null_text` for null (the
/// JSON's -inf dB).
fn number(value: &Value, null_text: &str) -> String {
    match value {
        Value::Null => null_text.to_owned(),
        v if v.is_i64() => v.to_string(),
        v => {
            let x = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
            format!("{x:?}")
        }
    }
}

/// A JSON number the CLI wrote from a float (f32): its shortest round-trip form as a float,
/// which C's strtof reads back to the same bits; `null_text` for null.
fn float_number(value: &Value, null_text: &str) -> String {
    match value {
        Value::Null => null_text.to_owned(),
        v => {
            let x = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number")) as f32;
            format!("{x:?}")
        }
    }
}

/// `macinmeter --format json` over [`CLI_FILES`] (absolute paths, so the C++ program opens
/// the same files), reduced to the plain-text file the C++ test reads (`--expected`; its
/// format is described at `read_cli_values` in abi_test.cpp). serde_json is built with
/// `float_roundtrip` here, so every number is the f64 the CLI printed, to the bit.
fn cli_values() -> &'static Path {
    static WRITTEN: OnceLock<PathBuf> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let cli = cli_binary();
        let dir = Path::new(ROOT).join("tests/fixtures/formats");
        let output = Command::new(&cli)
            .args(["--format", "json"])
            .args(CLI_FILES.iter().map(|f| dir.join(f)))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", cli.display()));
        assert!(
            output.status.success(),
            "macinmeter --format json failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let doc: Value = serde_json::from_slice(&output.stdout).expect("macinmeter prints JSON");
        let mut text = String::from("# macinmeter --format json, reduced by tests/abi.rs\n");
        for track in doc["tracks"].as_array().expect("tracks") {
            text.push_str("track\n");
            let path = track["path"].as_str().expect("path");
            writeln!(text, "path {path}").unwrap();
            for tag in ["artist", "album_artist", "album"] {
                if let Some(value) = track["tags"][tag].as_str() {
                    assert!(!value.contains('\n'), "a tag with a line break: {value:?}");
                    writeln!(text, "{tag} {value}").unwrap();
                }
            }
            writeln!(
                text,
                "format {} {} {} {} {}",
                track["sample_rate"], track["channels"], track["bits"], track["frames"], track["windows"]
            )
            .unwrap();
            writeln!(
                text,
                "dr {} {} {} {}",
                track["official_dr"],
                float_number(&track["dr"], "nan"),
                float_number(&track["peak_db"], "-inf"),
                float_number(&track["rms_db"], "-inf"),
            )
            .unwrap();
            for ch in track["channel_results"].as_array().expect("channel_results") {
                writeln!(
                    text,
                    "channel {} {} {} {} {} {} {}",
                    float_number(&ch["dr"], "nan"),
                    float_number(&ch["peak_db"], "-inf"),
                    float_number(&ch["rms_db"], "-inf"),
                    number(&ch["loud_rms_db"], "-inf"),
                    number(&ch["dr_peak_db"], "-inf"),
                    ch["windows"],
                    u8::from(ch["silent"].as_bool().expect("silent")),
                )
                .unwrap();
            }
        }
        for album in doc["albums"].as_array().expect("albums") {
            let tracks: Vec<String> = album["tracks"]
                .as_array()
                .expect("album tracks")
                .iter()
                .map(|i| i.to_string())
                .collect();
            writeln!(
                text,
                "section {} {} {}",
                album["official_dr"],
                float_number(&album["dr"], "nan"),
                tracks.join(" ")
            )
            .unwrap();
        }
        let path = scratch("cli").join("cli-values.txt");
        std::fs::write(&path, text).expect("the CLI values file is writable");
        path
    })
}

#[test]
fn cpp_abi_test() {
    if !have_tool("g++", "cpp_abi_test") {
        return;
    }
    let exe = cpp_test();
    run(
        Command::new(exe)
            .arg(scratch("cpp-run"))
            .arg("--expected")
            .arg(cli_values()),
        "abi_test",
    );
}

#[test]
fn cpp_abi_test_under_valgrind() {
    if !have_tool("g++", "cpp_abi_test_under_valgrind") || !have_tool("valgrind", "cpp_abi_test_under_valgrind") {
        return;
    }
    let exe = cpp_test();
    run(
        Command::new("valgrind")
            .args(["--error-exitcode=1", "--leak-check=full", "--quiet"])
            .arg(format!("--suppressions={ROOT}/tests/abi/valgrind.supp"))
            .arg(exe)
            .arg(scratch("valgrind-run"))
            .arg("--expected")
            .arg(cli_values())
            .arg("--valgrind"),
        "valgrind abi_test",
    );
}

/// The header compiles as strict C11, and a C program links to the staticlib with the
/// native libraries `cargo rustc -- --print native-static-libs` lists (Linux, glibc).
#[test]
fn c11_program_with_the_staticlib() {
    if !have_tool("gcc", "c11_program_with_the_staticlib") {
        return;
    }
    let lib = lib_dir();
    let exe = scratch("c11").join("c11_test");
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(format!("-I{ROOT}/include"))
        .arg(format!("{ROOT}/tests/abi/c11_test.c"))
        .arg("-o")
        .arg(&exe)
        .arg(lib.join("libmacinmeter.a"));
    if cfg!(target_os = "linux") {
        gcc.args(["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]);
    } else {
        gcc.args(["-lSystem", "-lc", "-lm"]);
    }
    run(&mut gcc, "gcc -std=c11 c11_test.c + libmacinmeter.a");
    let output = run(&mut Command::new(&exe), "c11_test");
    assert!(String::from_utf8_lossy(&output.stdout).contains("DR0, Peak -6.02 dBFS, RMS -3.01 dBFS"));
}

/// Every `mm_` function the shared library exports is declared in the header, and every
/// function the header declares is exported.
#[test]
fn header_declares_exactly_the_exports() {
    if !have_tool("nm", "header_declares_exactly_the_exports") {
        return;
    }
    let lib = lib_dir();
    let header = std::fs::read_to_string(Path::new(ROOT).join("include/macinmeter.h")).expect("the header exists");
    let so = lib.join(SO_NAME);
    let output = run(
        Command::new("nm").args(["-D", "--defined-only"]).arg(&so),
        "nm libmacinmeter",
    );
    let mut exported: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .map(|sym| sym.trim_start_matches('_').to_owned())
        .filter(|sym| sym.starts_with("mm_"))
        .collect();
    exported.sort();
    let mut declared: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("typedef") && l.contains("mm_") && l.contains('('))
        .filter_map(|l| {
            let name = l.split('(').next()?.rsplit([' ', '*']).next()?;
            name.starts_with("mm_").then(|| name.to_owned())
        })
        .collect();
    declared.sort();
    assert!(exported.len() >= 20, "too few exports found: {exported:?}");
    assert_eq!(exported, declared, "exports of the library vs functions of the header");
}

/// Safe handles over the C ABI functions, called from Rust (the package is also an rlib):
/// the conformance and golden-log tests below go through exactly the entry points a C
/// caller uses. The only `unsafe` of this file.
mod c_abi {
    use std::ffi::{c_char, CStr, CString};
    use std::mem::MaybeUninit;
    use std::ptr;

    use macinmeter::{mm_channel_result, mm_status, mm_track_meta, mm_track_summary, MM_LOG_ALBUM, MM_OK};

    fn check(status: mm_status, what: &str) {
        if status != MM_OK {
            // SAFETY: mm_last_error returns a live NUL-terminated string of this thread.
            let message = unsafe { CStr::from_ptr(macinmeter::mm_last_error()) };
            panic!("{what}: {status:?}: {}", message.to_string_lossy());
        }
    }

    /// Interleaved samples of one push.
    pub enum Samples<'a> {
        F32(&'a [f32]),
        F64(&'a [f64]),
        /// Right-justified integers with this many significant bits.
        I32(&'a [i32], u32),
    }

    pub struct Analyzer(*mut macinmeter::mm_analyzer, u32);

    impl Analyzer {
        pub fn new(sample_rate: u32, channels: u32) -> Self {
            let mut raw = ptr::null_mut();
            // SAFETY: `raw` is writable; NULL options are the defaults.
            check(
                unsafe { macinmeter::mm_analyzer_new(sample_rate, channels, ptr::null(), &mut raw) },
                "mm_analyzer_new",
            );
            Analyzer(raw, channels)
        }

        pub fn push(&mut self, samples: Samples) {
            let channels = self.1 as usize;
            // SAFETY: the analyser is live and ours; each slice holds `len / channels` whole
            // frames of the type the function reads.
            let status = unsafe {
                match samples {
                    Samples::F32(s) => macinmeter::mm_analyzer_push_f32(self.0, s.as_ptr(), s.len() / channels),
                    Samples::F64(s) => macinmeter::mm_analyzer_push_f64(self.0, s.as_ptr(), s.len() / channels),
                    Samples::I32(s, bits) => {
                        macinmeter::mm_analyzer_push_i32(self.0, s.as_ptr(), s.len() / channels, bits)
                    }
                }
            };
            check(status, "mm_analyzer_push");
        }

        pub fn finish(self) -> TrackResult {
            let mut raw = ptr::null_mut();
            // SAFETY: the analyser is live and ours; `raw` is writable.
            check(
                unsafe { macinmeter::mm_analyzer_finish(self.0, &mut raw) },
                "mm_analyzer_finish",
            );
            TrackResult(raw)
        }
    }

    impl Drop for Analyzer {
        fn drop(&mut self) {
            // SAFETY: created by mm_analyzer_new, freed once here.
            unsafe { macinmeter::mm_analyzer_free(self.0) }
        }
    }

    pub struct TrackResult(*mut macinmeter::mm_result);

    impl TrackResult {
        pub fn summary(&self) -> mm_track_summary {
            let mut out = MaybeUninit::<mm_track_summary>::uninit();
            // SAFETY: the result is live; `out` is writable and filled on MM_OK.
            unsafe {
                check(
                    macinmeter::mm_result_summary(self.0, out.as_mut_ptr()),
                    "mm_result_summary",
                );
                out.assume_init()
            }
        }

        pub fn channel(&self, channel: u32) -> mm_channel_result {
            let mut out = MaybeUninit::<mm_channel_result>::uninit();
            // SAFETY: as in `summary`.
            unsafe {
                check(
                    macinmeter::mm_result_channel(self.0, channel, out.as_mut_ptr()),
                    "mm_result_channel",
                );
                out.assume_init()
            }
        }
    }

    impl Drop for TrackResult {
        fn drop(&mut self) {
            // SAFETY: returned by mm_analyzer_finish, freed once here.
            unsafe { macinmeter::mm_result_free(self.0) }
        }
    }

    /// What the log shows of a track besides its result (no tags).
    pub struct Meta<'a> {
        pub path: &'a str,
        pub codec: &'a str,
        pub bits_per_sample: u32,
        pub channel_mask: u32,
        pub bitrate_kbps: f64,
    }

    pub struct LogBuilder(*mut macinmeter::mm_log_builder);

    impl LogBuilder {
        pub fn new() -> Self {
            let mut raw = ptr::null_mut();
            // SAFETY: `raw` is writable.
            check(
                unsafe { macinmeter::mm_log_builder_new(&mut raw) },
                "mm_log_builder_new",
            );
            LogBuilder(raw)
        }

        pub fn add_track(&mut self, result: &TrackResult, meta: &Meta) {
            let path = CString::new(meta.path).expect("no NUL in the path");
            let codec = CString::new(meta.codec).expect("no NUL in the codec");
            let raw = mm_track_meta {
                path: path.as_ptr(),
                artist: ptr::null(),
                album_artist: ptr::null(),
                album: ptr::null(),
                title: ptr::null(),
                track_number: ptr::null(),
                disc_number: ptr::null(),
                codec: codec.as_ptr(),
                bits_per_sample: meta.bits_per_sample,
                channel_mask: meta.channel_mask,
                bitrate_kbps: meta.bitrate_kbps,
            };
            // SAFETY: builder and result live; the strings outlive the call (the library copies).
            check(
                unsafe { macinmeter::mm_log_builder_add_track(self.0, result.0, &raw) },
                "mm_log_builder_add_track",
            );
        }

        pub fn set_host(&mut self, host: &str) {
            let host = CString::new(host).expect("no NUL in the host");
            // SAFETY: the builder is live; the string outlives the call.
            check(
                unsafe { macinmeter::mm_log_builder_set_host(self.0, host.as_ptr()) },
                "mm_log_builder_set_host",
            );
        }

        pub fn set_channel_columns(&mut self, stereo: bool) {
            // SAFETY: the builder is live.
            check(
                unsafe { macinmeter::mm_log_builder_set_channel_columns(self.0, stereo) },
                "mm_log_builder_set_channel_columns",
            );
        }

        /// The album log (DR Meter's section layout) dated `date`, as the library's bytes.
        pub fn render_album(&self, date: &str) -> Vec<u8> {
            let date = CString::new(date).expect("no NUL in the date");
            let mut text: *mut c_char = ptr::null_mut();
            let mut length = 0usize;
            // SAFETY: the builder is live; `text` and `length` are writable; on MM_OK `text`
            // holds `length` bytes that we copy, then free with mm_string_free.
            unsafe {
                check(
                    macinmeter::mm_log_render(self.0, MM_LOG_ALBUM as i32, date.as_ptr(), &mut text, &mut length),
                    "mm_log_render",
                );
                let bytes = std::slice::from_raw_parts(text.cast::<u8>(), length).to_vec();
                macinmeter::mm_string_free(text);
                bytes
            }
        }
    }

    impl Drop for LogBuilder {
        fn drop(&mut self) {
            // SAFETY: created by mm_log_builder_new, freed once here.
            unsafe { macinmeter::mm_log_builder_free(self.0) }
        }
    }
}

/// A conformance file's PCM fed through the C ABI analyser in 1000-frame pushes, in the
/// file's own sample type: integers as i32 with their bit depth (u8 as v - 128 at 8 bits),
/// floats as f32 / f64. The WAV is parsed here from its `data` payload.
fn measure_conformance_case(case: &dr_conformance::Case) -> c_abi::TrackResult {
    use dr_conformance::SampleFormat::*;
    let wav = dr_conformance::wav(case);
    let data = wav.data_bytes();
    let channels = usize::from(case.channels);
    let width = usize::from(case.format.bits() / 8);
    assert_eq!(data.len() % (width * channels), 0, "{}: whole frames", case.id);
    let chunk = 1000 * channels * width;
    let mut analyzer = c_abi::Analyzer::new(case.sample_rate, u32::from(case.channels));
    for block in data.chunks(chunk) {
        let samples = block.chunks_exact(width);
        match case.format {
            F32 => {
                let v: Vec<f32> = samples.map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
                analyzer.push(c_abi::Samples::F32(&v));
            }
            F64 => {
                let v: Vec<f64> = samples.map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
                analyzer.push(c_abi::Samples::F64(&v));
            }
            U8 => {
                let v: Vec<i32> = samples.map(|b| i32::from(b[0]) - 128).collect();
                analyzer.push(c_abi::Samples::I32(&v, 8));
            }
            S16 => {
                let v: Vec<i32> = samples.map(|b| i32::from(i16::from_le_bytes([b[0], b[1]]))).collect();
                analyzer.push(c_abi::Samples::I32(&v, 16));
            }
            S24 => {
                // The three bytes in the top of an i32, shifted back down with the sign.
                let v: Vec<i32> = samples
                    .map(|b| i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8)
                    .collect();
                analyzer.push(c_abi::Samples::I32(&v, 24));
            }
            S32 => {
                let v: Vec<i32> = samples.map(|b| i32::from_le_bytes(b.try_into().unwrap())).collect();
                analyzer.push(c_abi::Samples::I32(&v, 32));
            }
        }
    }
    analyzer.finish()
}

/// A published dB value (-infinity for a linear 0) as DR Meter prints it.
fn printed_db(db: f32) -> String {
    dr_conformance::printed_db(Some(f64::from(db)))
}

#[test]
fn conformance_tokens_through_the_c_abi_equal_foobar2000() {
    let cases = dr_conformance::cases();
    let expected = dr_conformance::expected();
    assert_eq!(cases.len(), 31, "the 31 conformance files");
    assert_eq!(expected.len(), cases.len());
    let mut mismatches = Vec::new();
    let mut tokens = 0;
    for row in &expected {
        let case = dr_conformance::case(&row.id).unwrap_or_else(|| panic!("{}: no such case", row.id));
        let result = measure_conformance_case(&case);
        let summary = result.summary();
        let channels: Vec<_> = (0..summary.channels).map(|c| result.channel(c)).collect();
        let seconds = summary.rounded_seconds;
        let ours = (
            i64::from(summary.official_dr),
            printed_db(summary.peak_db),
            printed_db(summary.rms_db),
            dr_conformance::printed_duration(seconds),
            channels
                .iter()
                .map(|c| format!("{:.2}", f64::from(c.dr)))
                .collect::<Vec<_>>(),
            channels.iter().map(|c| printed_db(c.rms_db)).collect::<Vec<_>>(),
        );
        let theirs = (
            i64::from(row.dr),
            row.peak.clone(),
            row.rms.clone(),
            row.duration.clone(),
            row.ch_dr.clone(),
            row.ch_rms.clone(),
        );
        tokens += 4 + theirs.4.len() + theirs.5.len();
        if ours != theirs {
            mismatches.push(format!("{}: C ABI {ours:?}\n     foobar2000 {theirs:?}", row.id));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(tokens > 200, "only {tokens} tokens compared");
}

/// Renders conformance files `ids` through the C ABI's log builder (album log, CRLF) and
/// compares with a real DR Meter log byte for byte apart from line 1, the date and `Codec:`.
fn check_real_log_through_c_abi(ids: &[&str], real: &str, channel_columns: bool) {
    let mut builder = c_abi::LogBuilder::new();
    builder.set_host("foobar2000 v2.0");
    builder.set_channel_columns(channel_columns);
    for id in ids {
        let case = dr_conformance::case(id).expect("a conformance case");
        let result = measure_conformance_case(&case);
        let bits = u32::from(case.format.bits());
        let file_name = Path::new(case.file_name).file_name().expect("a file name");
        builder.add_track(
            &result,
            &c_abi::Meta {
                path: file_name.to_str().expect("UTF-8 name"),
                codec: if case.format.is_float() {
                    "PCM (floating-point)"
                } else {
                    "PCM"
                },
                bits_per_sample: bits,
                channel_mask: case.channel_mask.unwrap_or(0),
                bitrate_kbps: f64::from(case.sample_rate) * f64::from(bits) * f64::from(case.channels) / 1000.0,
            },
        );
    }
    let log = String::from_utf8(builder.render_album("2026-07-18 15:12:45")).expect("UTF-8 log");
    assert!(log.ends_with("\r\n"), "the log ends with CRLF");
    for (n, line) in log.split('\n').enumerate() {
        let is_last = n == log.matches('\n').count();
        assert!(
            is_last || line.ends_with('\r'),
            "line {} ends with a bare LF: {line:?}",
            n + 1
        );
        assert!(
            !line.trim_end_matches('\r').contains('\r'),
            "line {} has a stray CR",
            n + 1
        );
    }
    assert_eq!(
        log.split("\r\n").next(),
        Some(format!("foobar2000 v2.0 / MacinMeter v{}", env!("CARGO_PKG_VERSION")).as_str()),
        "line 1 names the host set with mm_log_builder_set_host, then us"
    );
    assert_eq!(
        dr_conformance::comparable_log_lines(&log),
        dr_conformance::comparable_log_lines(real)
    );
}

#[test]
fn real_mono_log_through_the_c_abi() {
    check_real_log_through_c_abi(&["201", "202", "203"], dr_conformance::REAL_LOG_MONO, false);
}

#[test]
fn real_multichannel_log_through_the_c_abi() {
    check_real_log_through_c_abi(&["301", "302", "303"], dr_conformance::REAL_LOG_MULTICHANNEL, true);
}
