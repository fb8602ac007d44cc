//! The JSON output validates against the committed JSON Schema (docs/report.schema.json,
//! draft 2020-12) with a real validator, for every shipped fixture and for failures.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(workspace_root().join("docs/report.schema.json")).expect("the schema file");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

fn json_of(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(["--format", "json"])
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("running macinmeter");
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn assert_valid(doc: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_shipped_fixture_validates() {
    let doc = json_of(&["tests/fixtures"]);
    assert!(
        doc["tracks"].as_array().is_some_and(|t| t.len() >= 27),
        "all fixtures measured"
    );
    assert_valid(&doc);
}

#[test]
fn failures_and_non_utf8_paths_validate() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("not-audio.flac"), b"this is no FLAC stream").expect("writing");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.wav");
        std::fs::copy(
            workspace_root().join("tests/fixtures/formats/wav-s16.wav"),
            dir.path().join(name),
        )
        .expect("copying a fixture");
    }
    // A non-UTF-8 name cannot pass through &str: the walk of the folder finds it.
    let folder = dir.path().to_string_lossy().into_owned();
    let doc = json_of(&[folder.as_str()]);
    assert_valid(&doc);
    assert_eq!(doc["failures"][0]["kind"], "unsupported", "{doc}");
    #[cfg(unix)]
    {
        let track = &doc["tracks"][0];
        let bytes: Vec<u8> = track["path_bytes"]
            .as_array()
            .expect("path_bytes for a non-UTF-8 name")
            .iter()
            .filter_map(|b| b.as_u64().map(|b| b as u8))
            .collect();
        assert!(bytes.ends_with(b"caf\xe9.wav"));
    }
}
