//! Replays the decode fuzzer's findings (tests/fuzz-regressions/decode/): each input's
//! first byte is the harness's extension hint, the rest the file. Every one must end as
//! a measurement or an error for that input: no panic escapes, nothing hangs.

use std::path::Path;

use dr_decode::{Control, DecodeOptions};

#[test]
fn decode_findings_end_as_errors_not_crashes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-regressions/decode");
    let pool = dr_decode::build_thread_pool(1).expect("a 1-thread pool");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the regression folder exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let input = std::fs::read(&path).expect("readable input");
        let Some((_, file)) = input.split_first() else {
            continue;
        };
        for options in [
            DecodeOptions::default(),
            DecodeOptions {
                parallel_packets: false,
                ..Default::default()
            },
        ] {
            // Whatever the outcome, it is returned: a decoder's panic is caught inside.
            let outcome = dr_decode::measure_bytes(file, None, &pool, &options, Control::new());
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("overflow"))
            {
                assert!(
                    outcome.is_err(),
                    "{}: a damaged header must not measure",
                    path.display()
                );
            }
        }
        replayed += 1;
    }
    assert!(replayed >= 1, "no inputs in {}", dir.display());
}
