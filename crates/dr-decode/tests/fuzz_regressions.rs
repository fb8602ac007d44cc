//! Replays every input under `tests/fuzz-regressions/decode/` through the harness of the
//! `decode` fuzz target (`fuzz/harness/decode.rs`, the very code the fuzzer runs): no panic
//! in MacinMeter's code, none in a dependency either (each is a bug that only dr-decode's
//! `catch_unwind` contains), parallel and sequential decoding agree, and files named
//! `valid-*` (valid files other players decode) are measured.

#[path = "../../../fuzz/harness/decode.rs"]
mod harness;
#[path = "../../../fuzz/harness/replay.rs"]
mod replay;

#[test]
fn decode_fuzz_inputs_replay_cleanly() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    replay::replay(&repository, "decode", |name, data| {
        harness::run(data);
        let third_party = harness::third_party_panics();
        if !third_party.is_empty() {
            return Err(format!("a dependency panicked: {third_party:?}"));
        }
        if name.starts_with("valid-") {
            if let Some(Err(e)) = harness::measure(data) {
                return Err(format!("a valid file is refused: {e}"));
            }
        }
        Ok(())
    });
}

/// The file of a regression input (its first byte is the harness's extension hint).
fn regression_file(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz-regressions/decode")
        .join(name);
    let input = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    input[1..].to_vec()
}

fn measure(
    file: &[u8],
    hint: &str,
    parallel_packets: bool,
) -> Result<dr_decode::MeasuredTrack, dr_decode::DecodeError> {
    let pool = dr_decode::build_thread_pool(1).expect("a 1-thread pool");
    let options = dr_decode::DecodeOptions {
        parallel_packets,
        ..Default::default()
    };
    dr_decode::measure_bytes(file, Some(hint), &pool, &options, dr_decode::Control::new())
}

#[test]
fn matroska_flac_at_1000_hz_is_measured_whole() {
    // ffmpeg's aevalsrc: 6 s of 0.5*sin(2*pi*30*t) at 1000 Hz, upmixed to stereo (-3 dB
    // each side), 24-bit FLAC in Matroska.
    let file = regression_file("valid-mka-flac-1000hz-blocks-without-duration");
    for parallel in [true, false] {
        let track = measure(&file, "mka", parallel).expect("a valid file is measured");
        assert_eq!(track.result.frames, 6 * 1000);
        assert_eq!(track.result.channels.len(), 2);
        // A steady sine: its peak is sqrt(2) times its RMS, which is DR 0 (ALGORITHM.md):
        // within the 0.005 dB of a histogram bin, clamped at 0 when the bin centre is above.
        let dr = track.result.dr;
        assert!(
            !track.result.all_silent() && (0.0..0.01).contains(&dr),
            "DR of a pure sine: {dr}"
        );
        // ffmpeg's astats on the same file: "Min level: -759250176" (of 2^31) on each channel.
        for channel in &track.result.channels {
            assert_eq!(channel.peak, (759_250_176.0 / 2_147_483_648.0) as f32);
        }
    }
}

#[test]
fn caf_packet_size_beyond_32_bits_of_bits_is_an_invalid_header() {
    let file = regression_file("symphonia-caf-desc-bytes-per-packet-overflow");
    let error = measure(&file, "caf", true).expect_err("a hostile header is refused");
    assert_eq!(error.kind(), dr_decode::ErrorKind::InvalidParameters, "{error}");
    assert!(
        error.to_string().contains("2734751744 bytes per packet"),
        "names the number: {error}"
    );
}

#[test]
fn a_container_marker_deep_inside_another_file_is_not_opened() {
    // An ID3 tag, junk that sniffs as MPEG audio, and a hostile CAF header 2.5 KB in: only
    // the sniffed container's reader may open the file (symphonia's probe would scan on to
    // the CAF marker and overflow in its reader).
    let file = regression_file("symphonia-probe-finds-caf-deep-inside-mpeg-junk");
    let error = measure(&file, "bin", true).expect_err("junk is refused");
    assert_eq!(error.kind(), dr_decode::ErrorKind::Malformed, "{error}");
    assert!(
        error.to_string().contains("MPEG audio"),
        "names what it looked like: {error}"
    );
}
