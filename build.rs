//! Generates `include/macinmeter.h` from the C ABI in `ffi/` with cbindgen.
//!
//! The header is committed; CI checks that a build leaves it unchanged. It is written only
//! when its text changes, so builds do not touch its timestamp needlessly.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // The header too: a hand edit or a deletion is undone by the next build.
    for input in ["ffi", "cbindgen.toml", "build.rs", "include/macinmeter.h"] {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is readable and valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("ffi/lib.rs"))
        .generate()
        .expect("cbindgen understands ffi/");
    let mut text = Vec::new();
    bindings.write(&mut text);
    let header = root.join("include/macinmeter.h");
    if std::fs::read(&header).ok().as_deref() != Some(&text[..]) {
        std::fs::create_dir_all(root.join("include")).expect("include/ can be created");
        std::fs::write(&header, &text).expect("include/macinmeter.h is writable");
    }
}
