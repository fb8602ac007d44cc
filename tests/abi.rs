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
/// JSON's -inf dB and "no DR").
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
                "dr {} {}",
                number(&track["official_dr"], "none"),
                number(&track["precise_dr"], "nan")
            )
            .unwrap();
            for ch in track["channel_results"].as_array().expect("channel_results") {
                let [dr, peak, rms, rms20, selected] = ["dr", "peak_db", "rms_db", "rms20_db", "peak_selected_db"];
                writeln!(
                    text,
                    "channel {} {} {} {} {} {}",
                    number(&ch[dr], "nan"),
                    number(&ch[peak], "-inf"),
                    number(&ch[rms], "-inf"),
                    number(&ch[rms20], "-inf"),
                    number(&ch[selected], "-inf"),
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
                number(&album["official_dr"], "none"),
                number(&album["precise_dr"], "nan"),
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
    assert!(String::from_utf8_lossy(&output.stdout).contains("DR -3.01"));
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
