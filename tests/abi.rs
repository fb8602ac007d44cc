//! The C ABI tested from C and C++: compiles `tests/abi/*.c[pp]` against
//! `include/macinmeter.h`, links them to the libraries this `cargo test` built
//! (`target/<profile>/libmacinmeter.{so,a}`), runs them (once under valgrind memcheck) and
//! fails on any non-zero exit. A missing compiler or valgrind is a failure, not a skip.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

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

#[test]
fn cpp_abi_test() {
    let exe = cpp_test();
    run(Command::new(exe).arg(scratch("cpp-run")), "abi_test");
}

#[test]
fn cpp_abi_test_under_valgrind() {
    let exe = cpp_test();
    run(
        Command::new("valgrind")
            .args(["--error-exitcode=1", "--leak-check=full", "--quiet"])
            .arg(format!("--suppressions={ROOT}/tests/abi/valgrind.supp"))
            .arg(exe)
            .arg(scratch("valgrind-run"))
            .arg("--valgrind"),
        "valgrind abi_test",
    );
}

/// The header compiles as strict C11, and a C program links to the staticlib with the
/// native libraries `cargo rustc -- --print native-static-libs` lists (Linux, glibc).
#[test]
fn c11_program_with_the_staticlib() {
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
