//! Replays every input under `tests/fuzz-regressions/c_abi/` through the harness of the
//! `c_abi` fuzz target (`fuzz/harness/c_abi.rs`, the very code the fuzzer runs): sequences
//! of C ABI calls with arbitrary arguments, each of whose statuses must be the one the
//! header documents, with every object freed at the end.

#[path = "../fuzz/harness/c_abi.rs"]
mod harness;
#[path = "../fuzz/harness/replay.rs"]
mod replay;

#[test]
fn c_abi_fuzz_inputs_replay_cleanly() {
    replay::replay(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), "c_abi", |_, data| {
        harness::run(data);
        Ok(())
    });
}
