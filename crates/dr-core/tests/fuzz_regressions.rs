//! Replays every input under `tests/fuzz-regressions/analyzer/` through the harness of the
//! `analyzer` fuzz target (`fuzz/harness/analyzer.rs`, the very code the fuzzer runs): each
//! must run without a panic, i.e. every way of feeding the track gives the bit-identical
//! result of a one-chunk run, and every refused call gives its documented error.

#[path = "../../../fuzz/harness/analyzer.rs"]
mod harness;
#[path = "../../../fuzz/harness/replay.rs"]
mod replay;

#[test]
fn analyzer_fuzz_inputs_replay_cleanly() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    replay::replay(&repository, "analyzer", |_, data| {
        harness::run(data);
        Ok(())
    });
}
