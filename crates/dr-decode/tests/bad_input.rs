//! Bad input ends as an error for that track, of the right kind, with a reason a person
//! understands: never a panic, never a hang, never a DR as if the file were whole.

mod common;

use std::path::{Path, PathBuf};

use common::{flac_bytes, flac_bytes_and_frame_offsets, pool, signal, wav_bytes, write, FlacSpec};
use dr_decode::{Control, DecodeError, DecodeOptions, ErrorKind};

fn measure_error(path: &Path, options: &DecodeOptions) -> DecodeError {
    match dr_decode::measure_file(path, &pool(2), options, Control::new()) {
        Ok(track) => panic!("{}: measured as if whole: {:?}", path.display(), track.info),
        Err(error) => error,
    }
}

/// Checks the error in both decode paths (they must agree) and returns its text.
fn expect_error(path: &Path, kind: ErrorKind, words: &str) -> String {
    let parallel = measure_error(path, &DecodeOptions::default());
    let sequential = measure_error(path, &common::sequential_options());
    assert_eq!(parallel.kind(), kind, "{parallel}");
    assert_eq!(
        parallel.to_string(),
        sequential.to_string(),
        "both paths report the same"
    );
    assert!(
        parallel.to_string().contains(words),
        "'{parallel}' should say '{words}'"
    );
    assert_eq!(parallel.path(), path);
    parallel.to_string()
}

fn test_flac(seconds: usize) -> (Vec<i32>, Vec<u8>) {
    let (rate, channels, bits) = (44_100, 2, 16);
    let samples = signal(rate as usize * seconds, channels, rate, bits, 8);
    let bytes = flac_bytes(
        &samples,
        &FlacSpec {
            rate,
            channels,
            bits,
            block_size: 4096,
            comments: vec![],
        },
    );
    (samples, bytes)
}

#[test]
fn missing_file_and_directory_cannot_be_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    expect_error(&dir.path().join("nothing-here.flac"), ErrorKind::Open, "cannot open");
    expect_error(dir.path(), ErrorKind::Open, "cannot open");
}

#[test]
fn empty_text_and_foreign_files_are_unsupported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = write(dir.path(), "empty.flac", b"");
    expect_error(&empty, ErrorKind::Unsupported, "unsupported format: empty file");
    let text = write(
        dir.path(),
        "notes.flac",
        b"These are my liner notes.\nNot audio at all.\n",
    );
    expect_error(
        &text,
        ErrorKind::Unsupported,
        "unsupported format: not audio (a text file)",
    );
    let mut wavpack = b"wvpk".to_vec();
    wavpack.extend_from_slice(&[0x20, 0, 0, 0, 0x10, 0x04, 0, 0]);
    wavpack.extend(std::iter::repeat_n(0x5Au8, 5000));
    let wavpack = write(dir.path(), "song.wv", &wavpack);
    expect_error(&wavpack, ErrorKind::Unsupported, "unsupported format: WavPack");
    let mut dsf = b"DSD \x1c\0\0\0\0\0\0\0".to_vec();
    dsf.extend(std::iter::repeat_n(0x69u8, 4000));
    expect_error(&write(dir.path(), "song.dsf", &dsf), ErrorKind::Unsupported, "DSF");
    // Random bytes: nothing recognisable at the start, whatever a deep scan might "find".
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    expect_error(
        &write(dir.path(), "noise.mp3", &noise),
        ErrorKind::Unsupported,
        "not a recognised audio format",
    );
}

#[test]
fn impossible_parameters_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = signal(44_100, 2, 44_100, 16, 1);
    let wav = wav_bytes(&samples, 2, 44_100, 16, false);
    // The fmt chunk follows the 12-byte RIFF header: channels at 22, sample rate at 24.
    let mut zero_channels = wav.clone();
    zero_channels[22..24].copy_from_slice(&0u16.to_le_bytes());
    expect_error(
        &write(dir.path(), "zero-ch.wav", &zero_channels),
        ErrorKind::InvalidParameters,
        "0 channels",
    );
    let mut hundred_channels = wav.clone();
    hundred_channels[22..24].copy_from_slice(&100u16.to_le_bytes());
    expect_error(
        &write(dir.path(), "100-ch.wav", &hundred_channels),
        ErrorKind::InvalidParameters,
        "100 channels",
    );
    let mut zero_rate = wav.clone();
    zero_rate[24..28].copy_from_slice(&0u32.to_le_bytes());
    expect_error(
        &write(dir.path(), "zero-rate.wav", &zero_rate),
        ErrorKind::InvalidParameters,
        "0 Hz",
    );

    // FLAC STREAMINFO: sample rate in the 20 bits at bytes 18..20.5.
    let (_, flac) = test_flac(2);
    let mut zero_rate = flac.clone();
    zero_rate[18] = 0;
    zero_rate[19] = 0;
    zero_rate[20] &= 0x0F;
    expect_error(
        &write(dir.path(), "zero-rate.flac", &zero_rate),
        ErrorKind::InvalidParameters,
        "0 Hz",
    );
}

#[test]
fn truncated_files_say_how_much_decoded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, flac) = test_flac(8);
    let cut = write(dir.path(), "cut.flac", &flac[..flac.len() * 6 / 10]);
    // 60 % of the bytes hold the first 4.5-5 s (whole FLAC frames of 4096 frames): rounded
    // to nearest as logs round durations, 0:05.
    let text = expect_error(&cut, ErrorKind::Truncated, "truncated: decoded 0:05 of 0:08");
    assert!(text.starts_with(&cut.display().to_string()), "{text}");

    let samples = signal(44_100 * 8, 2, 44_100, 24, 2);
    let wav = wav_bytes(&samples, 2, 44_100, 24, false);
    // The header, then 5 s of 6-byte frames and half a frame.
    let header = wav.len() - samples.len() * 3;
    let cut = write(dir.path(), "cut.wav", &wav[..header + 44_100 * 5 * 6 + 3]);
    expect_error(&cut, ErrorKind::Truncated, "truncated: decoded 0:05 of 0:08");

    // A header alone.
    let header_only = write(dir.path(), "header.flac", &flac[..200]);
    let error = measure_error(&header_only, &DecodeOptions::default());
    assert!(
        matches!(error.kind(), ErrorKind::Truncated | ErrorKind::Malformed),
        "{error}"
    );
}

#[test]
fn a_damaged_flac_frame_is_reported_with_its_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = signal(44_100 * 6, 2, 44_100, 16, 8);
    let spec = FlacSpec {
        rate: 44_100,
        channels: 2,
        bits: 16,
        block_size: 4096,
        comments: vec![],
    };
    let (flac, frames) = flac_bytes_and_frame_offsets(&samples, &spec);
    // Frame 20 starts at 20 * 4096 frames = 1.857 s; flip bytes in its middle.
    let target = frames[20] + (frames[21] - frames[20]) / 2;
    let mut damaged = flac.clone();
    for byte in &mut damaged[target..target + 8] {
        *byte ^= 0xA5;
    }
    let path = write(dir.path(), "damaged.flac", &damaged);
    expect_error(&path, ErrorKind::Corrupt, "corrupt FLAC frame at 0:01.857");
}

#[test]
fn other_files_of_a_batch_are_unaffected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (samples, flac) = test_flac(3);
    let good = write(dir.path(), "good.flac", &flac);
    let bad = write(dir.path(), "bad.flac", &flac[..flac.len() / 3]);
    let paths: Vec<PathBuf> = vec![bad.clone(), good.clone(), bad, good];
    let results = std::sync::Mutex::new(Vec::new());
    dr_decode::measure_files(
        &paths,
        &pool(2),
        &DecodeOptions::default(),
        Control::new(),
        |index, result| {
            results
                .lock()
                .expect("results")
                .push((index, result.map(|track| track.result)));
        },
    );
    let expected = common::direct_measurement(&samples, 2, 44_100, 16);
    for (index, result) in results.into_inner().expect("results") {
        match index % 2 {
            0 => assert_eq!(result.err().map(|e| e.kind()), Some(ErrorKind::Truncated)),
            _ => assert_eq!(result.ok(), Some(expected.clone())),
        }
    }
}

/// Every prefix and many single-byte corruptions of small files of each generated kind:
/// each must end as a result or an error, never a panic or a hang.
#[test]
fn hostile_variations_never_panic() {
    let samples = signal(4096 * 3 + 5, 2, 8_000, 16, 3);
    let inputs = [
        flac_bytes(
            &samples,
            &FlacSpec {
                rate: 8_000,
                channels: 2,
                bits: 16,
                block_size: 1024,
                comments: vec!["TITLE=x".into()],
            },
        ),
        wav_bytes(&samples, 2, 8_000, 16, false),
        wav_bytes(&samples, 2, 8_000, 16, true),
    ];
    let pool = pool(2);
    let options = DecodeOptions {
        batch_packets: 2,
        ..DecodeOptions::default()
    };
    for input in &inputs {
        let mut cases: Vec<Vec<u8>> = (0..input.len()).step_by(97).map(|len| input[..len].to_vec()).collect();
        for position in (0..input.len()).step_by(53) {
            let mut damaged = input.clone();
            damaged[position] ^= 0xFF;
            cases.push(damaged);
        }
        for case in cases {
            // A panic inside would fail the test; errors and results are both fine here.
            let _ = dr_decode::measure_bytes(&case, None, &pool, &options, Control::new());
        }
    }
}

/// Prefixes and corruptions of every fixture format (slow: run with `--ignored`, best in
/// release mode). Same rule: results or errors, never a panic or a hang.
#[test]
#[ignore]
fn hostile_variations_of_fixtures_never_panic() {
    let pool = pool(2);
    let options = DecodeOptions {
        batch_packets: 3,
        ..DecodeOptions::default()
    };
    let Ok(entries) = std::fs::read_dir(common::fixtures_dir().join("formats")) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(input) = std::fs::read(entry.path()) else {
            continue;
        };
        let extension = entry.path().extension().map(|e| e.to_string_lossy().into_owned());
        let mut cases: Vec<Vec<u8>> = (0..input.len())
            .step_by(input.len() / 40 + 1)
            .map(|len| input[..len].to_vec())
            .collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..60 {
            let mut damaged = input.clone();
            for _ in 0..4 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let position = (state >> 33) as usize % damaged.len().max(1);
                if let Some(byte) = damaged.get_mut(position) {
                    *byte ^= (state >> 8) as u8 | 1;
                }
            }
            cases.push(damaged);
        }
        for case in cases {
            let _ = dr_decode::measure_bytes(&case, extension.as_deref(), &pool, &options, Control::new());
        }
    }
}
