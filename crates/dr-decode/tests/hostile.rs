//! Corrupt and hostile files, made here (small, from the generated signal or by damaging a
//! fixture), each with the outcome decided for it. `bad_input.rs` covers 0/100 channels,
//! sample rate 0, truncated FLAC/WAV, a damaged FLAC frame, empty, text and foreign files;
//! this covers the rest. Every case runs in both decode paths (which must agree), under a
//! time limit that only catches hangs, and (`memory_stays_bounded`) in a child process
//! whose peak memory shows that no number in a header drove a large allocation.
//!
//! | input | outcome |
//! | --- | --- |
//! | WAV declaring 65535 channels / 4294967295 Hz | `InvalidParameters`, naming the number and the limit |
//! | WAV whose data chunk claims 4 GB on a 1 KB file | `Truncated`: decoded 0:00 of 6:45:48 |
//! | WAV whose data chunk claims more than its RIFF chunk | `Malformed` (the chunk exceeds its parent) |
//! | WAV with the "unknown length" sizes of a streamed file (0xFFFFFFFF) | measured to the end of the file, no warning |
//! | float WAV with NaN and ±inf samples | measured; the 4 samples skipped and counted (`nonfinite_samples`), as if silent |
//! | FLAC STREAMINFO: more frames than the stream has | `Truncated`: decoded 0:04 of 0:08 |
//! | FLAC STREAMINFO: fewer frames than the stream has | measured whole, with a warning |
//! | FLAC STREAMINFO: 2^36-1 frames | `Truncated`: decoded 0:04 of 432:51:05 |
//! | FLAC STREAMINFO: 24 bits, frames taking their depth from it | `Corrupt` at 0:00.000 |
//! | FLAC STREAMINFO: 24 bits / 1 channel, frames declaring 16 bits / 2 channels | `Malformed`: the header does not describe the frames |
//! | FLAC frame with a bad CRC-16 (data intact) | `Corrupt` at the frame's time: its frames are missing |
//! | FLAC header alone / cut exactly between two frames | `Truncated` |
//! | FLAC changing channel count or sample rate mid-stream | `StreamChanged` at the change |
//! | MP4 box (mdat, moov, trak) larger than the file or its parent | `Malformed`, naming the box, its offset and size |
//! | MP4 sample table with a 4-billion entry count | `Malformed` |
//! | MP4 tag box (udta) larger than its parent | measured: the audio is intact |
//! | MP3 of ID3 tags only (v2, v2 + v1, v1) | `Unsupported`: tags with no audio |
//! | Ogg Vorbis/Opus with a damaged or missing page | measured, with a warning at the page's time |
//! | Ogg cut in the middle of a page or at a page boundary (no end-of-stream page) | `Truncated` |
//! | MP3 cut short of the frame count of its Info tag | `Truncated`: decoded 0:07 of 0:08 |
//! | MP3 without a tag stating its length, cut inside a frame | measured, with a warning that it may be cut short |
//! | MP3 with a changed byte in its audio or a frame header's channel mode | measured, with a warning that the LAME tag's music CRC fails |
//! | MP3 with a changed byte in its Info frame (side information, encoder padding) | measured, with a warning that the LAME tag fails its CRC |
//! | ALAC in MP4: `stts` against `stsz`, `stsc`/`stco` or `mdhd` | `Malformed`, naming the boxes and their numbers |
//! | AAC in MP4: an edit list past the media's end or leaving more than 1 s of it out | `Malformed`, naming `elst`, `mvhd`, `mdhd` |
//! | AIFF whose SSND chunk id is damaged (the reader measured it as empty) | `Truncated` against COMM's frame count |
//! | FLAC in Matroska with a damaged frame (symphonia's decoder checks no CRC) | `Corrupt`: the frame fails its CRC-16 |
//! | WAV fmt: sample rate against byte rate, block align against channels and bits, valid bits against bits | `InvalidParameters` |
//! | WAV with bytes after its data chunk that are no chunk (a damaged, too small data size) | measured, with a warning naming them |
//! | FLAC with a 4 KB block duplicated | measured (the right numbers), with a warning that damaged data was skipped |
//! | ADTS AAC with a damaged frame | measured, with a warning at the frame's time |

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{
    crc16, crc8, direct_measurement, flac_bytes_and_frame_offsets, pool, signal, wav_bytes, write, BitWriter, FlacSpec,
};
use dr_decode::{Control, DecodeError, DecodeOptions, ErrorKind, MeasuredTrack};

/// Far beyond what any of these small files takes, even in a debug build on a busy
/// machine: only a hang reaches it.
const HANG_LIMIT: Duration = Duration::from_secs(120);

const RATE: u32 = 44_100;
const SECONDS: usize = 4;
const BLOCK: usize = 4096;

/// Measures in a thread and waits at most `HANG_LIMIT`.
fn measure_in_time(path: &Path, options: DecodeOptions) -> Result<MeasuredTrack, DecodeError> {
    let (sender, receiver) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = sender.send(dr_decode::measure_file(&owned, &pool(2), &options, Control::new()));
    });
    receiver
        .recv_timeout(HANG_LIMIT)
        .unwrap_or_else(|_| panic!("{}: no outcome within {HANG_LIMIT:?}: a hang", path.display()))
}

/// Both decode paths end in the same error, of `kind`, naming the file and saying `words`.
fn expect_error(path: &Path, kind: ErrorKind, words: &str) -> DecodeError {
    let outcomes = [
        measure_in_time(path, DecodeOptions::default()),
        measure_in_time(path, common::sequential_options()),
    ];
    let [parallel, sequential] = outcomes.map(|outcome| match outcome {
        Ok(track) => panic!("{}: measured as if whole: {:?}", path.display(), track.result),
        Err(error) => error,
    });
    assert_eq!(parallel.kind(), kind, "{parallel}");
    assert_eq!(
        parallel.to_string(),
        sequential.to_string(),
        "both paths report the same"
    );
    assert_eq!(parallel.path(), path);
    let text = parallel.to_string();
    assert!(text.starts_with(&format!("{}: ", path.display())), "{text}");
    assert!(text.contains(words), "'{text}' should say '{words}'");
    parallel
}

/// Both decode paths measure the file, to the same result and warnings.
fn expect_measured(path: &Path) -> MeasuredTrack {
    let measure = |options| {
        measure_in_time(path, options).unwrap_or_else(|error| panic!("{}: not measured: {error}", path.display()))
    };
    let parallel = measure(DecodeOptions::default());
    let sequential = measure(common::sequential_options());
    assert_eq!(parallel.result, sequential.result, "{}", path.display());
    assert_eq!(parallel.warnings, sequential.warnings, "{}", path.display());
    parallel
}

/// One warning, saying `words`, at `at` (as `m:ss.mmm`).
fn expect_one_warning(track: &MeasuredTrack, at: &str, words: &str) {
    let texts: Vec<String> = track.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].starts_with(&format!("at {at}: ")),
        "{texts:?} should be at {at}"
    );
    assert!(texts[0].contains(words), "{texts:?} should say '{words}'");
}

/// `h:mm:ss` / `m:ss` of whole seconds, written out here rather than borrowed from the crate.
fn clock(frames: u64, rate: u32) -> String {
    // Rounded to nearest, as logs round durations (integer arithmetic: halves up).
    let seconds = (2 * frames + u64::from(rate)) / (2 * u64::from(rate));
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn stereo_signal(seed: u64) -> Vec<i32> {
    signal(RATE as usize * SECONDS, 2, RATE, 16, seed)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures_dir().join("formats").join(name)).expect("fixture")
}

// ---------------------------------------------------------------------------------------
// WAV

#[test]
fn wav_headers_with_impossible_or_lying_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = stereo_signal(1);
    let wav = wav_bytes(&samples, 2, RATE, 16, false);
    let data_at = wav.windows(4).position(|w| w == b"data").expect("data chunk");

    // The fmt chunk follows the 12-byte RIFF header: channels at 22, sample rate at 24.
    let mut channels = wav.clone();
    channels[22..24].copy_from_slice(&u16::MAX.to_le_bytes());
    expect_error(
        &write(dir.path(), "65535-channels.wav", &channels),
        ErrorKind::InvalidParameters,
        &format!(
            "the header declares 65535 channels (at most {} are supported)",
            dr_core::MAX_CHANNELS
        ),
    );
    let mut rate = wav.clone();
    rate[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    expect_error(
        &write(dir.path(), "huge-rate.wav", &rate),
        ErrorKind::InvalidParameters,
        "a sample rate of 4294967295 Hz (at most 768000 Hz is supported)",
    );

    // A 1 KB file whose RIFF and data chunks claim 4 GB, consistently: a cut file.
    let mut four_gb = wav[..1024].to_vec();
    let riff_len = 0xFFFF_FFF0u32;
    let data_len = riff_len - data_at as u32; // RIFF counts from byte 8, the data from data_at + 8
    four_gb[4..8].copy_from_slice(&riff_len.to_le_bytes());
    four_gb[data_at + 4..data_at + 8].copy_from_slice(&data_len.to_le_bytes());
    let decoded = (1024 - data_at as u64 - 8) / 4;
    let declared = u64::from(data_len) / 4;
    expect_error(
        &write(dir.path(), "4gb-data.wav", &four_gb),
        ErrorKind::Truncated,
        &format!(
            "truncated: decoded {} of {}",
            clock(decoded, RATE),
            clock(declared, RATE)
        ),
    );
    // 1073741823 frames / 44100 = 24347.88 s -> 24348 s.
    assert_eq!(clock(declared, RATE), "6:45:48");

    // The data chunk claims more than the RIFF chunk that holds it: the header contradicts itself.
    let mut beyond_parent = four_gb.clone();
    beyond_parent[4..8].copy_from_slice(&(wav.len() as u32 - 8).to_le_bytes());
    expect_error(
        &write(dir.path(), "data-beyond-riff.wav", &beyond_parent),
        ErrorKind::Malformed,
        "malformed WAV file: malformed stream: riff: chunk length exceeds parent",
    );

    // A streamed WAV: 0xFFFFFFFF means "length unknown", the audio runs to the end of the file.
    let mut streamed = four_gb.clone();
    streamed[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    streamed[data_at + 4..data_at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    let track = expect_measured(&write(dir.path(), "streamed.wav", &streamed));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);
    assert_eq!(
        track.result,
        direct_measurement(&samples[..decoded as usize * 2], 2, RATE, 16)
    );
}

#[test]
fn float_wav_with_nan_and_infinity_is_measured_without_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = stereo_signal(2);
    let wav = wav_bytes(&samples, 2, RATE, 16, true);
    let data = wav.len() - samples.len() * 4;
    let hostile = [
        (1_000, f32::NAN),
        (1_001, f32::INFINITY),
        (150_001, f32::NEG_INFINITY),
        (300_000, -f32::NAN),
    ];
    let mut damaged = wav.clone();
    let mut floats: Vec<f32> = samples.iter().map(|&s| s as f32 / 32_768.0).collect();
    for (index, value) in hostile {
        damaged[data + index * 4..data + index * 4 + 4].copy_from_slice(&value.to_le_bytes());
        floats[index] = 0.0; // skipped: adds nothing to any sum or peak
    }
    let track = expect_measured(&write(dir.path(), "nan-inf.wav", &damaged));
    assert_eq!(track.result.nonfinite_samples, hostile.len() as u64);
    assert!(
        track.warnings.is_empty(),
        "the count is the report: {:?}",
        track.warnings
    );
    // Expected: the analyser fed the same floats with silence in their place.
    let mut analyzer = dr_core::Analyzer::new(RATE, 2).expect("analyser");
    analyzer.add_interleaved_f32(&floats).expect("samples");
    let expected = analyzer.finish().expect("result");
    assert_eq!(track.result.channels, expected.channels);
    assert_eq!(track.result.frames, expected.frames);
    assert!(track.result.dr.is_finite() && track.result.dr > 0.0);
}

// ---------------------------------------------------------------------------------------
// FLAC

/// STREAMINFO starts at byte 8: sample rate (20 bits) at 18, channels-1 (3 bits) and
/// bits-1 (5 bits) at 20..21, total frames (36 bits) at 21..26.
fn set_total_frames(flac: &mut [u8], total: u64) {
    flac[21] = (flac[21] & 0xF0) | ((total >> 32) as u8 & 0x0F);
    flac[22..26].copy_from_slice(&(total as u32).to_be_bytes());
}

fn set_bits(flac: &mut [u8], bits: u8) {
    flac[20] = (flac[20] & 0xFE) | ((bits - 1) >> 4);
    flac[21] = (flac[21] & 0x0F) | (((bits - 1) & 0x0F) << 4);
}

fn test_flac(samples: &[i32]) -> (Vec<u8>, Vec<usize>) {
    flac_bytes_and_frame_offsets(
        samples,
        &FlacSpec {
            rate: RATE,
            channels: 2,
            bits: 16,
            block_size: BLOCK,
            comments: vec![],
        },
    )
}

#[test]
fn flac_with_a_lying_streaminfo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = stereo_signal(3);
    let frames = (samples.len() / 2) as u64;
    let (flac, _) = test_flac(&samples);

    let mut more = flac.clone();
    set_total_frames(&mut more, frames * 2);
    expect_error(
        &write(dir.path(), "total-doubled.flac", &more),
        ErrorKind::Truncated,
        "truncated: decoded 0:04 of 0:08",
    );

    let mut huge = flac.clone();
    set_total_frames(&mut huge, (1 << 36) - 1);
    expect_error(
        &write(dir.path(), "total-2^36.flac", &huge),
        ErrorKind::Truncated,
        &format!("truncated: decoded 0:04 of {}", clock((1 << 36) - 1, RATE)),
    );
    // 68719476735 / 44100 = 1558264.78 s -> 1558265 s = 432 h 51 min 5 s.
    assert_eq!(clock((1 << 36) - 1, RATE), "432:51:05");

    // Fewer frames declared than the stream holds, every frame intact: measured whole.
    let mut fewer = flac.clone();
    set_total_frames(&mut fewer, frames / 2);
    let track = expect_measured(&write(dir.path(), "total-halved.flac", &fewer));
    assert_eq!(track.result, direct_measurement(&samples, 2, RATE, 16));
    expect_one_warning(
        &track,
        "0:02.000",
        &format!(
            "the stream holds more audio than its header declares ({frames} frames, not {})",
            frames / 2
        ),
    );

    // 24 bits declared; the frames take their depth from STREAMINFO, so they are read as
    // 24-bit and do not parse.
    let mut bits = flac.clone();
    set_bits(&mut bits, 24);
    expect_error(
        &write(dir.path(), "bits-24.flac", &bits),
        ErrorKind::Corrupt,
        "corrupt FLAC frame at 0:00.000",
    );
}

#[test]
fn flac_frames_that_disagree_with_the_header_or_each_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stereo = stereo_signal(4);
    let mono = signal(RATE as usize * SECONDS, 1, RATE, 16, 5);
    let blocks = 40;
    let stereo_block = |i: usize| &stereo[i * BLOCK * 2..(i + 1) * BLOCK * 2];
    let mono_block = |i: usize| &mono[i * BLOCK..(i + 1) * BLOCK];
    let at_20 = "0:01.857"; // frame 20 starts at 20 * 4096 / 44100 s

    let mut channels = stream_info(2, 16, blocks * BLOCK);
    for i in 0..blocks {
        channels.extend(if i < 20 {
            flac_frame(i, stereo_block(i), 2, 0, 0)
        } else {
            flac_frame(i, mono_block(i), 1, 0, 0)
        });
    }
    expect_error(
        &write(dir.path(), "stereo-then-mono.flac", &channels),
        ErrorKind::StreamChanged,
        &format!("stream changes at {at_20}: channel count changes from 2 to 1"),
    );

    let mut rate = stream_info(2, 16, blocks * BLOCK);
    for i in 0..blocks {
        // Rate code 0: as STREAMINFO; 10: 48 kHz.
        rate.extend(flac_frame(i, stereo_block(i), 2, if i < 20 { 0 } else { 10 }, 0));
    }
    expect_error(
        &write(dir.path(), "44k-then-48k.flac", &rate),
        ErrorKind::StreamChanged,
        &format!("stream changes at {at_20}: sample rate changes from 44100 Hz to 48000 Hz"),
    );

    // A STREAMINFO that describes none of the frames (which state their own format).
    let mut bits = stream_info(2, 24, blocks * BLOCK);
    for i in 0..blocks {
        bits.extend(flac_frame(i, stereo_block(i), 2, 0, 4)); // bits code 4: 16 bits
    }
    expect_error(
        &write(dir.path(), "says-24-bits.flac", &bits),
        ErrorKind::Malformed,
        "malformed FLAC file: its STREAMINFO header declares 24 bits per sample, but its audio frames have 16",
    );
    let mut mono_header = stream_info(1, 16, blocks * BLOCK);
    for i in 0..blocks {
        mono_header.extend(flac_frame(i, stereo_block(i), 2, 0, 0));
    }
    expect_error(
        &write(dir.path(), "says-mono.flac", &mono_header),
        ErrorKind::Malformed,
        "its STREAMINFO header declares 1 channel, but its audio frames have 2",
    );

    // The same frames with an honest header measure exactly.
    let mut honest = stream_info(2, 16, blocks * BLOCK);
    for i in 0..blocks {
        honest.extend(flac_frame(i, stereo_block(i), 2, 0, 4));
    }
    let track = expect_measured(&write(dir.path(), "honest.flac", &honest));
    assert_eq!(
        track.result,
        direct_measurement(&stereo[..blocks * BLOCK * 2], 2, RATE, 16)
    );
    assert!(track.warnings.is_empty());
}

#[test]
fn flac_damaged_or_cut_between_frames() {
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = stereo_signal(6);
    let (flac, frames) = test_flac(&samples);

    // Only the CRC-16 at the end of frame 20 is wrong; its audio is intact but unverifiable.
    let mut crc = flac.clone();
    crc[frames[21] - 1] ^= 0xFF;
    expect_error(
        &write(dir.path(), "bad-crc16.flac", &crc),
        ErrorKind::Corrupt,
        "corrupt FLAC frame at 0:01.857: 4096 frames are missing (a damaged frame was skipped)",
    );

    // The header alone (bad_input.rs allows Truncated or Malformed; it is Truncated).
    expect_error(
        &write(dir.path(), "header-only.flac", &flac[..frames[0]]),
        ErrorKind::Truncated,
        "truncated: decoded 0:00 of 0:04",
    );
    // Cut exactly between frames 22 and 23: no partial frame, the length tells.
    expect_error(
        &write(dir.path(), "cut-between-frames.flac", &flac[..frames[22]]),
        ErrorKind::Truncated,
        &format!("truncated: decoded {} of 0:04", clock(22 * BLOCK as u64, RATE)),
    );
}

/// A STREAMINFO block alone (the last metadata block), 44.1 kHz, fixed 4096-frame blocks.
fn stream_info(channels: usize, bits: u32, total: usize) -> Vec<u8> {
    let mut info = BitWriter::default();
    info.put(BLOCK as u64, 16);
    info.put(BLOCK as u64, 16);
    info.put(0, 48); // frame sizes unknown
    info.put(u64::from(RATE), 20);
    info.put(channels as u64 - 1, 3);
    info.put(u64::from(bits) - 1, 5);
    info.put(total as u64, 36);
    info.put(0, 64);
    info.put(0, 64); // MD5 unknown
    let mut out = b"fLaC\x80\x00\x00\x22".to_vec();
    out.extend(info.finish());
    out
}

/// A FLAC frame of VERBATIM 16-bit subframes whose header states `rate_code` and
/// `bits_code` (0: as STREAMINFO) and its own channel count, frame number `index` < 128.
fn flac_frame(index: usize, block: &[i32], channels: usize, rate_code: u8, bits_code: u8) -> Vec<u8> {
    let mut frame = BitWriter::default();
    frame.put(0x7FFC, 15); // sync code and a reserved 0
    frame.put(0, 1); // fixed block size
    frame.put(0b0111, 4); // block size: 16 bits (n-1) at the header's end
    frame.put(u64::from(rate_code), 4);
    frame.put(channels as u64 - 1, 4); // independent channels
    frame.put(u64::from(bits_code), 3);
    frame.put(0, 1);
    frame.put(index as u64, 8); // frame number, one byte below 128
    frame.put((block.len() / channels) as u64 - 1, 16);
    let header = frame.bytes_so_far();
    frame.put(u64::from(crc8(&header)), 8);
    for channel in 0..channels {
        frame.put(0b0000_0010, 8); // padding, VERBATIM, no wasted bits
        for &sample in block.iter().skip(channel).step_by(channels) {
            frame.put(sample as u16 as u64, 16);
        }
    }
    let mut bytes = frame.finish();
    let crc = crc16(&bytes);
    bytes.extend_from_slice(&crc.to_be_bytes());
    bytes
}

// ---------------------------------------------------------------------------------------
// MP4

/// The offset and size of the first box of type `kind` in `bytes` (found by scanning for
/// the type, then checked to be a box that fits).
fn find_box(bytes: &[u8], kind: &[u8; 4]) -> (usize, usize) {
    let at = bytes.windows(4).position(|w| w == kind).expect("box") - 4;
    let size = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
    assert!(
        size >= 8 && at + size <= bytes.len(),
        "{} is a box",
        String::from_utf8_lossy(kind)
    );
    (at, size)
}

#[test]
fn mp4_boxes_larger_than_what_holds_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    for fixture_name in ["aac-lc.m4a", "alac-16bit.m4a"] {
        let m4a = fixture(fixture_name);
        let len = m4a.len();
        let (mdat_at, _) = find_box(&m4a, b"mdat");
        let (moov_at, moov_size) = find_box(&m4a, b"moov");
        let (trak_at, _) = find_box(&m4a, b"trak");
        assert!(mdat_at < moov_at, "{fixture_name}: the moov box comes last");
        let with_size = |at: usize, size: u32| {
            let mut bytes = m4a.clone();
            bytes[at..at + 4].copy_from_slice(&size.to_be_bytes());
            bytes
        };
        let name = |case: &str| format!("{case}-{fixture_name}");

        expect_error(
            &write(dir.path(), &name("4gb-mdat"), &with_size(mdat_at, 0xFFFF_FFF0)),
            ErrorKind::Malformed,
            &format!(
                "malformed MP4 file: the 'mdat' box at byte {mdat_at} claims 4294967280 bytes, but the file ends {} bytes after its start",
                len - mdat_at
            ),
        );
        expect_error(
            &write(dir.path(), &name("4gb-moov"), &with_size(moov_at, 0xFFFF_FFF0)),
            ErrorKind::Malformed,
            &format!(
                "the 'moov' box at byte {moov_at} claims 4294967280 bytes, but the file ends {} bytes after its start",
                len - moov_at
            ),
        );
        expect_error(
            &write(dir.path(), &name("2gb-trak"), &with_size(trak_at, 0x7FFF_FFF0)),
            ErrorKind::Malformed,
            &format!(
                "the 'trak' box at byte {trak_at} claims 2147483632 bytes, but the 'moov' box holding it has {} left",
                moov_at + moov_size - trak_at
            ),
        );
        // A file cut inside its mdat box loses the moov box after it.
        expect_error(
            &write(dir.path(), &name("cut-in-mdat"), &m4a[..moov_at / 2]),
            ErrorKind::Malformed,
            &format!("the 'mdat' box at byte {mdat_at} claims"),
        );
        // A sample size table claiming ~4 billion entries: read as far as the box goes.
        let (stsz_at, _) = find_box(&m4a, b"stsz");
        let mut count = m4a.clone();
        count[stsz_at + 16..stsz_at + 20].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        expect_error(
            &write(dir.path(), &name("4g-entries"), &count),
            ErrorKind::Malformed,
            "malformed MP4 file",
        );

        // The tag box (the moov box's last child) overruns: the audio is all there.
        let whole = expect_measured(&write(dir.path(), &name("whole"), &m4a));
        let (udta_at, _) = find_box(&m4a[moov_at..], b"udta");
        let tags = expect_measured(&write(
            dir.path(),
            &name("2gb-udta"),
            &with_size(moov_at + udta_at, 0x7FFF_FFF0),
        ));
        assert_eq!(tags.result, whole.result);
    }
}

// ---------------------------------------------------------------------------------------
// MP3 and ID3

#[test]
fn mp3_of_tags_only_is_unsupported() {
    let dir = tempfile::tempdir().expect("temp dir");
    // ID3v2.4, a 2048-byte body (syncsafe 0x10 0x00), all padding.
    let mut id3v2 = b"ID3\x04\x00\x00\x00\x00\x10\x00".to_vec();
    id3v2.resize(10 + 2048, 0);
    let mut id3v1 = b"TAGSome Title".to_vec();
    id3v1.resize(128, b' ');

    expect_error(
        &write(dir.path(), "id3v2.mp3", &id3v2),
        ErrorKind::Unsupported,
        "unsupported format: an ID3 tag with no audio after it",
    );
    expect_error(
        &write(dir.path(), "id3v2-and-v1.mp3", &[&id3v2[..], &id3v1[..]].concat()),
        ErrorKind::Unsupported,
        "unsupported format: ID3 tags with no audio between them",
    );
    expect_error(
        &write(dir.path(), "id3v1.mp3", &id3v1),
        ErrorKind::Unsupported,
        "unsupported format: an ID3v1 tag with no audio before it",
    );
}

#[test]
fn adts_aac_with_a_damaged_frame_is_measured_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let aac = fixture("aac-adts.aac");
    let whole = expect_measured(&write(dir.path(), "whole.aac", &aac));
    let middle = aac.len() / 2;
    let mut damaged = aac.clone();
    for byte in &mut damaged[middle..middle + 200] {
        *byte ^= 0x5A;
    }
    let track = expect_measured(&write(dir.path(), "damaged.aac", &damaged));
    assert!(!track.warnings.is_empty());
    // The decoder refuses the frames whose data is damaged; where a damaged header broke
    // the chain of frame lengths, the reader skipped to the next frame.
    for warning in &track.warnings {
        assert!(
            warning.message.starts_with("skipped a damaged AAC frame")
                || warning.message == "damaged MPEG audio data was skipped: the audio it held is missing",
            "{warning}"
        );
        assert!(warning.at_seconds > 0.0 && warning.at_seconds < whole.result.duration_seconds());
    }
    assert!(track.result.frames < whole.result.frames);
}

// ---------------------------------------------------------------------------------------
// Ogg

/// Each page's offset and granule position (the stream's sample count at its end).
fn ogg_pages(ogg: &[u8]) -> Vec<(usize, i64)> {
    let mut pages = Vec::new();
    let mut at = 0;
    while at + 27 <= ogg.len() {
        assert_eq!(&ogg[at..at + 4], b"OggS", "a page at {at}");
        let granule = i64::from_le_bytes(ogg[at + 6..at + 14].try_into().expect("8 bytes"));
        let segments = usize::from(ogg[at + 26]);
        let body: usize = ogg[at + 27..at + 27 + segments].iter().map(|&l| usize::from(l)).sum();
        pages.push((at, granule));
        at += 27 + segments + body;
    }
    pages
}

fn millis(frames: i64, rate: i64) -> String {
    let ms = frames * 1000 / rate;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

#[test]
fn ogg_with_a_broken_page_is_measured_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, rate) in [("vorbis-q5.ogg", 44_100), ("opus-96k-31s.opus", 48_000)] {
        let ogg = fixture(name);
        let pages = ogg_pages(&ogg);
        let whole = expect_measured(&write(dir.path(), name, &ogg));
        let k = pages.len() / 2;
        let (page, next) = (pages[k].0, pages[k + 1].0);
        // The audio goes missing after the last intact page before the damage.
        let at = millis(pages[k - 1].1, rate);
        let words = "a damaged Ogg page was skipped: the audio it held is missing";

        let mut damaged = ogg.clone();
        damaged[page + (next - page) / 2] ^= 0xFF; // the page's CRC no longer matches
        let track = expect_measured(&write(dir.path(), &format!("bad-crc-{name}"), &damaged));
        expect_one_warning(&track, &at, words);
        assert!(track.result.frames < whole.result.frames);

        let missing = [&ogg[..page], &ogg[next..]].concat();
        let track = expect_measured(&write(dir.path(), &format!("missing-page-{name}"), &missing));
        expect_one_warning(&track, &at, words);

        // Cut in the middle of a page: the stream lacks its end, a cut like any other.
        expect_error(
            &write(dir.path(), &format!("cut-{name}"), &ogg[..page + 100]),
            ErrorKind::Truncated,
            "then the file ends without the Ogg page that ends the stream",
        );
    }
}

// ---------------------------------------------------------------------------------------
// MP3

/// Frame offsets of the MP3 fixture, walked by hand: an ID3v2.3 tag of 10 + 124 bytes, then
/// MPEG 1 Layer III frames at 192 kbit/s and 44.1 kHz: 144 * 192000 / 44100 = 626 bytes,
/// plus the padding bit (header byte 2, bit 1). Every frame holds 1152 samples.
fn mp3_fixture_frames(mp3: &[u8]) -> Vec<usize> {
    let mut at = 10 + 124;
    let mut frames = Vec::new();
    while at + 4 <= mp3.len() && mp3[at] == 0xFF {
        assert_eq!(mp3[at + 1] & 0xFE, 0xFA, "MPEG 1 Layer III at {at}");
        assert_eq!(mp3[at + 2] & 0xFC, 0xB0, "192 kbit/s, 44.1 kHz at {at}");
        frames.push(at);
        at += 626 + usize::from((mp3[at + 2] >> 1) & 1);
    }
    assert_eq!(at, mp3.len(), "the fixture is frames to its end");
    frames
}

#[test]
fn mp3_with_damaged_data_between_frames_is_measured_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mp3 = fixture("mp3-cbr192.mp3");
    let frames = mp3_fixture_frames(&mp3);
    let whole = expect_measured(&write(dir.path(), "whole.mp3", &mp3));
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);
    let words = "damaged MPEG audio data was skipped: the audio it held is missing";
    let k = frames.len() / 2;

    // Junk between frames k - 1 and k: audio goes missing after k frames.
    let junk = [&mp3[..frames[k]], &[0x55; 1000][..], &mp3[frames[k]..]].concat();
    let track = expect_measured(&write(dir.path(), "junk.mp3", &junk));
    expect_one_warning(&track, &millis(k as i64 * 1152, 44_100), words);

    // Byte 300 of frame k to byte 100 of frame k + 2 missing: frame k's header still
    // reads, the next header is not where its length says: missing after k + 1 frames.
    // (A cut of whole frames' length would leave the chain intact: nothing to see.)
    let cut = [&mp3[..frames[k] + 300], &mp3[frames[k + 2] + 100..]].concat();
    let track = expect_measured(&write(dir.path(), "missing.mp3", &cut));
    expect_one_warning(&track, &millis((k as i64 + 1) * 1152, 44_100), words);
    assert!(track.result.frames < whole.result.frames);
}

// ---------------------------------------------------------------------------------------
// Damage that used to pass silently (issue 18): a cut MP3, contradicting MP4 sample tables,
// WAV fmt fields that contradict each other or audio after the data chunk, an Ogg stream
// without its end, a FLAC file with a duplicated block.

#[test]
fn mp3_cut_short_of_its_info_tag_is_truncated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mp3 = fixture("mp3-cbr192.mp3");
    let frames = mp3_fixture_frames(&mp3);
    // The first frame is a LAME "Info" tag (after 4 header and 32 side-information bytes)
    // declaring 308 frames of audio: the fixture's other 308 frames.
    let info = frames[0] + 4 + 32;
    assert_eq!(&mp3[info..info + 4], b"Info");
    let declared = u32::from_be_bytes(mp3[info + 8..info + 12].try_into().expect("4 bytes")) as usize;
    assert_eq!((declared, frames.len()), (308, 309));
    let whole = expect_measured(&write(dir.path(), "whole.mp3", &mp3));

    // Cut to 91 % (inside a frame), and cut at a frame boundary 20 frames short: the 8 s
    // file decodes to 0:07, and is declared 0:08 long.
    let at_91 = mp3.len() * 91 / 100;
    let boundary = frames[frames.len() - 20];
    for (name, cut) in [("91.mp3", at_91), ("boundary.mp3", boundary)] {
        expect_error(
            &write(dir.path(), name, &mp3[..cut]),
            ErrorKind::Truncated,
            "truncated: decoded 0:07 of 0:08",
        );
    }
    // Cut inside the last frame: the frame count shows one missing.
    expect_error(
        &write(dir.path(), "last.mp3", &mp3[..mp3.len() - 100]),
        ErrorKind::Truncated,
        "truncated: decoded ",
    );

    // Without the Info frame nothing states the length: a cut inside a frame is said.
    let untagged = [&mp3[..frames[0]], &mp3[frames[1]..]].concat();
    let untagged_whole = expect_measured(&write(dir.path(), "untagged.mp3", &untagged));
    assert!(untagged_whole.warnings.is_empty(), "{:?}", untagged_whole.warnings);
    let cut = expect_measured(&write(dir.path(), "untagged-91.mp3", &untagged[..at_91]));
    expect_one_warning(
        &cut,
        &millis(cut.info.frames as i64, 44_100),
        "the file ends in the middle of a frame: it may be cut short",
    );
    assert!(cut.info.frames < whole.info.frames);
}

/// CRC-16/ARC (polynomial 0x8005 reflected, initial value 0), a bit at a time: the LAME
/// tag's CRCs.
fn crc16_arc(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
        }
    }
    crc
}

#[test]
fn mp3_damage_only_the_lame_tag_crcs_show_is_said() {
    assert_eq!(crc16_arc(b"123456789"), 0xBB3D, "the catalogue's check value");
    let dir = tempfile::tempdir().expect("temp dir");
    let mp3 = fixture("mp3-cbr192.mp3");
    let frames = mp3_fixture_frames(&mp3);
    // The Info frame, read by hand: "Info" after 4 header and 32 side-information bytes,
    // all four fields (flags 15: 4 + 4 + 4 + 4 + 100 + 4 bytes), then FFmpeg's LAME tag:
    // its music length (28 bytes in) counts from the Info frame's first byte to the end of
    // the file, the music CRC (32) covers the frames after the Info frame, the tag CRC (34)
    // the Info frame's first 190 bytes.
    let info = frames[0];
    let lame = info + 4 + 32 + 120;
    assert_eq!(&mp3[info + 36..info + 40], b"Info");
    assert_eq!(&mp3[lame..lame + 9], b"Lavf lame");
    let be16 = |at: usize| u16::from_be_bytes([mp3[at], mp3[at + 1]]);
    let music_bytes = u32::from_be_bytes(mp3[lame + 28..lame + 32].try_into().expect("4 bytes")) as usize;
    assert_eq!(info + music_bytes, mp3.len());
    assert_eq!(be16(lame + 32), crc16_arc(&mp3[frames[1]..]));
    assert_eq!(be16(lame + 34), crc16_arc(&mp3[info..info + 190]));
    let whole = expect_measured(&write(dir.path(), "whole.mp3", &mp3));
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);

    let music = "the audio data does not match the LAME tag's music CRC: damaged, or changed after encoding";
    let tag = "the LAME tag fails its CRC: the length, encoder delay and padding it states may be wrong";
    let k = frames.len() / 2;
    let cases = [
        // The channel mode of a frame in the middle (joint stereo to stereo): it decodes.
        ("mode.mp3", frames[k] + 3, 0x40, music),
        // A byte of coded audio (main data, after the side information).
        ("audio.mp3", frames[k] + 300, 0x08, music),
        // The encoder padding (the low bits of the delay and padding field, 21 bytes in).
        ("padding.mp3", lame + 23, 0x01, tag),
        // The Info frame's side information.
        ("side-info.mp3", info + 20, 0x01, tag),
        // The "Info" id itself ("Infn"): the frame is no tag to the reader any more.
        (
            "id.mp3",
            info + 39,
            0x01,
            "holds a LAME tag whose Xing/Info id is damaged",
        ),
    ];
    for (name, at, bit, words) in cases {
        let mut damaged = mp3.clone();
        damaged[at] ^= bit;
        let track = expect_measured(&write(dir.path(), name, &damaged));
        let texts: Vec<String> = track.warnings.iter().map(ToString::to_string).collect();
        assert!(
            texts
                .iter()
                .any(|text| text.starts_with("at 0:00.000: ") && text.contains(words)),
            "{name}: {texts:?} should say '{words}'"
        );
    }

    // No LAME tag: none without the Info frame, none with its tag CRC zero (as encoders
    // before LAME 3.90 left it) and its music CRC wrong. Nothing to check, nothing said.
    let untagged = [&mp3[..frames[0]], &mp3[frames[1]..]].concat();
    let track = expect_measured(&write(dir.path(), "untagged.mp3", &untagged));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);
    let mut no_crc = mp3.clone();
    no_crc[lame + 32..lame + 36].fill(0);
    let track = expect_measured(&write(dir.path(), "no-crc.mp3", &no_crc));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);
}

#[test]
fn mp3gain_edits_recorded_in_its_undo_tag_are_not_damage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mp3 = fixture("mp3-cbr192.mp3");
    let frames = mp3_fixture_frames(&mp3);
    let music = "does not match the LAME tag's music CRC";
    // A byte of coded audio changed, as MP3Gain changes each frame's global gain.
    let mut changed = mp3.clone();
    changed[frames[frames.len() / 2] + 300] ^= 0x08;
    let track = expect_measured(&write(dir.path(), "changed.mp3", &changed));
    assert!(
        track.warnings.iter().any(|w| w.to_string().contains(music)),
        "{:?}",
        track.warnings
    );

    // MP3Gain's default record: an APEv2 tag after the audio (header, one item, footer;
    // APEv2 layout: "APETAGEX", version 2000, size of items + footer, item count, flags
    // (bit 31 header present, bit 29 this is the header), 8 reserved bytes; an item is its
    // value's length and flags (little-endian), the key and a NUL, the value).
    let value = b"-002,-002,N";
    let mut item = Vec::new();
    item.extend_from_slice(&(value.len() as u32).to_le_bytes());
    item.extend_from_slice(&0u32.to_le_bytes());
    item.extend_from_slice(b"MP3GAIN_UNDO\0");
    item.extend_from_slice(value);
    let ape_part = |flags: u32| {
        let mut part = b"APETAGEX".to_vec();
        part.extend_from_slice(&2000u32.to_le_bytes());
        part.extend_from_slice(&(item.len() as u32 + 32).to_le_bytes());
        part.extend_from_slice(&1u32.to_le_bytes());
        part.extend_from_slice(&flags.to_le_bytes());
        part.extend_from_slice(&[0; 8]);
        part
    };
    let ape = [ape_part(0xA000_0000), item.clone(), ape_part(0x8000_0000)].concat();
    let with_ape = [changed.clone(), ape.clone()].concat();
    let track = expect_measured(&write(dir.path(), "ape.mp3", &with_ape));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);
    // The same tag on intact audio changes nothing either.
    let track = expect_measured(&write(dir.path(), "intact-ape.mp3", &[mp3.clone(), ape].concat()));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);

    // With `-s i`: a TXXX frame in the ID3v2 tag before the audio. The fixture's tag is
    // ID3v2.3 (frame sizes plain big-endian) of 0x7c bytes after its 10-byte header: four
    // text frames up to byte 0x7c, then 10 bytes of padding; the TXXX goes before them.
    assert_eq!(&mp3[..4], b"ID3\x03");
    assert_eq!(&mp3[6..10], &[0, 0, 0, 0x7c]);
    assert_eq!(&mp3[0x6f..0x73], b"TRCK");
    assert!(mp3[0x7c..0x86].iter().all(|&b| b == 0));
    let body = [&b"\0MP3GAIN_UNDO\0"[..], value].concat();
    let txxx = [&b"TXXX"[..], &(body.len() as u32).to_be_bytes(), &[0, 0], &body].concat();
    let size = 0x7c + txxx.len();
    // The tag size is "syncsafe": 7 bits a byte.
    let syncsafe = [
        (size >> 21) as u8 & 0x7f,
        (size >> 14) as u8 & 0x7f,
        (size >> 7) as u8 & 0x7f,
        size as u8 & 0x7f,
    ];
    let header = [&mp3[..6], &syncsafe].concat();
    let with_id3 = [&header[..], &changed[10..0x7c], &txxx, &changed[0x7c..]].concat();
    let track = expect_measured(&write(dir.path(), "id3.mp3", &with_id3));
    assert!(track.warnings.is_empty(), "{:?}", track.warnings);
}

#[test]
fn alac_mp4_with_contradicting_sample_tables_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let m4a = fixture("alac-16bit.m4a");
    expect_measured(&write(dir.path(), "whole.m4a", &m4a));
    // The fixture's tables, read by hand: stts times 34 packets of 4096 frames and one of
    // 1856 (35 samples, 141120 frames); stsz sizes 35 samples; stsc puts 35 samples in each
    // chunk, and stco lists one chunk; mdhd says 141120 units at 44100 per second.
    let (stts, _) = find_box(&m4a, b"stts");
    let (stsc, _) = find_box(&m4a, b"stsc");
    let (mdhd, _) = find_box(&m4a, b"mdhd");
    let be = |at: usize| u32::from_be_bytes(m4a[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((be(stts + 12), be(stts + 16), be(stts + 20)), (2, 34, 4096));
    assert_eq!((be(stsc + 12), be(stsc + 20)), (1, 35));
    assert_eq!((be(mdhd + 20), be(mdhd + 24)), (44_100, 141_120));

    // One flipped bit in the first stts count: 34 -> 18 packets of 4096.
    let mut stts_count = m4a.clone();
    stts_count[stts + 19] ^= 0x30;
    expect_error(
        &write(dir.path(), "stts.m4a", &stts_count),
        ErrorKind::Malformed,
        "malformed MP4 file: its sample tables disagree: the 'stts' box times 19 samples, the 'stsz' box sizes 35",
    );
    let mut stsc_count = m4a.clone();
    stsc_count[stsc + 23] = 30;
    expect_error(
        &write(dir.path(), "stsc.m4a", &stsc_count),
        ErrorKind::Malformed,
        "the 'stts' box times 35 samples, the 'stsc' and 'stco' boxes place 30",
    );
    let mut duration = m4a.clone();
    duration[mdhd + 24..mdhd + 28].copy_from_slice(&200_000u32.to_be_bytes());
    expect_error(
        &write(dir.path(), "mdhd.m4a", &duration),
        ErrorKind::Malformed,
        "its 'mdhd' box gives the media 200000 units of 1/44100 s, but its 'stts' box times 141120 units",
    );
}

#[test]
fn aac_mp4_edit_list_beyond_or_far_short_of_the_media_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let m4a = fixture("aac-lc.m4a");
    // By hand: mvhd counts 1000 units a second; the edit plays 8000 of them (352800 frames)
    // from media frame 1024; mdhd holds 353824 frames at 44100 a second: the edit ends there.
    let (mvhd, _) = find_box(&m4a, b"mvhd");
    let (elst, _) = find_box(&m4a, b"elst");
    let (mdhd, _) = find_box(&m4a, b"mdhd");
    let be = |at: usize| u32::from_be_bytes(m4a[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((be(mvhd + 20), be(elst + 16), be(elst + 20)), (1000, 8000, 1024));
    assert_eq!((be(mdhd + 20), be(mdhd + 24)), (44_100, 353_824));
    expect_measured(&write(dir.path(), "whole.m4a", &m4a));
    // The movie timescale halved: the edit would play 16 s of an 8 s media; doubled: 4 s,
    // leaving 4 s out.
    for (timescale, end) in [(500u32, 1024 + 705_600), (2000, 1024 + 176_400)] {
        let mut damaged = m4a.clone();
        damaged[mvhd + 20..mvhd + 24].copy_from_slice(&timescale.to_be_bytes());
        expect_error(
            &write(dir.path(), &format!("mvhd-{timescale}.m4a"), &damaged),
            ErrorKind::Malformed,
            &format!(
                "its edit list ('elst', with the 'mvhd' timescale) plays frames 1024 to {end}, \
                 but the media ('mdhd') holds 353824"
            ),
        );
    }
}

#[test]
fn aiff_without_its_sound_chunk_is_truncated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let aiff = fixture("aiff-s16.aiff");
    // By hand: COMM at byte 58 declares 2 channels and 0x5622 = 22050 frames; SSND at 84.
    assert_eq!(&aiff[58..62], b"COMM");
    assert_eq!(&aiff[66..72], &[0, 2, 0, 0, 0x56, 0x22]);
    assert_eq!(&aiff[84..88], b"SSND");
    expect_measured(&write(dir.path(), "whole.aiff", &aiff));
    let mut renamed = aiff.clone();
    renamed[85] ^= 0x20; // "sSND": no sound chunk the reader knows
    expect_error(
        &write(dir.path(), "ssnd.aiff", &renamed),
        ErrorKind::Truncated,
        // 22050 frames at 44.1 kHz are 0.5 s: 0:01 rounded to nearest.
        "truncated: decoded 0:00 of 0:01",
    );
}

#[test]
fn aiff_sound_chunk_larger_than_comm_declares_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let aiff = fixture("aifc-fl32.aifc");
    // By hand: chunks FVER 12, NAME 24, COMM 70 (2 channels, 0x5622 = 22050 frames of two
    // 32-bit floats), SSND 102 with size 0x0002B118 = 176408 = 8 + 22050 x 8, then an
    // 'ID3 ' chunk at 176518.
    assert_eq!(&aiff[70..74], b"COMM");
    assert_eq!(&aiff[78..84], &[0, 2, 0, 0, 0x56, 0x22]);
    assert_eq!(&aiff[102..110], b"SSND\x00\x02\xB1\x18");
    assert_eq!(&aiff[176_518..176_522], b"ID3 ");
    // The SSND size 128 bytes larger: the reader reads 16 frames of the ID3 chunk as audio.
    let mut larger = aiff.clone();
    larger[109] = 0x98;
    let track = expect_measured(&write(dir.path(), "larger.aifc", &larger));
    expect_one_warning(
        &track,
        "0:00.500",
        "the stream holds more audio than its header declares (22066 frames, not 22050)",
    );
}

#[test]
fn aiff_sample_rate_that_is_no_whole_number_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let aiff = fixture("aiff-s16.aiff");
    // By hand: COMM's body starts at 66 (channels 2, frames 4, bits 2), the 80-bit rate at
    // 74: exponent 0x400E (2^15), mantissa 0xAC44 0000 0000 0000 = 44100.
    assert_eq!(&aiff[58..62], b"COMM");
    assert_eq!(&aiff[74..80], &[0x40, 0x0E, 0xAC, 0x44, 0, 0]);
    // One bit of the fraction set (mantissa bit 46: a quarter): 44100.25 Hz.
    let mut quarter = aiff.clone();
    quarter[78] = 0x40;
    expect_error(
        &write(dir.path(), "quarter.aiff", &quarter),
        ErrorKind::InvalidParameters,
        "sample rate of 44100.2500 Hz, not a whole number",
    );
    // A whole rate that is wrong cannot be told (nothing states it twice): 44101 Hz measures.
    let mut other = aiff.clone();
    other[77] = 0x45;
    assert_eq!(
        expect_measured(&write(dir.path(), "other.aiff", &other))
            .result
            .sample_rate,
        44_101
    );
}

#[test]
fn flac_in_matroska_with_a_damaged_frame_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mka = fixture("mka-flac.mka");
    expect_measured(&write(dir.path(), "whole.mka", &mka));
    // A FLAC frame (sync 0xFFF8, as the fixture's fixed-blocksize frames start) in the
    // second half of the file, and a byte in its audio, 100 bytes on.
    let frame = (mka.len() / 2..mka.len() - 1)
        .find(|&at| mka[at] == 0xFF && mka[at + 1] == 0xF8)
        .expect("a FLAC frame");
    let mut damaged = mka.clone();
    damaged[frame + 100] ^= 0x10;
    expect_error(
        &write(dir.path(), "damaged.mka", &damaged),
        ErrorKind::Corrupt,
        "the frame fails its CRC-16 (damaged data)",
    );
}

#[test]
fn wav_fmt_fields_that_contradict_each_other_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = fixture("wav-s16.wav");
    // fmt at byte 12: 2 channels (22), 44100 Hz (24), 176400 bytes/s (28), 4-byte frames
    // (32), 16 bits (34).
    assert_eq!(&wav[12..16], b"fmt ");
    assert_eq!(&wav[22..36], &[2, 0, 0x44, 0xAC, 0, 0, 0x10, 0xB1, 2, 0, 4, 0, 16, 0]);
    let mut rate = wav.clone();
    rate[24..28].copy_from_slice(&44_160u32.to_le_bytes());
    expect_error(
        &write(dir.path(), "rate.wav", &rate),
        ErrorKind::InvalidParameters,
        "the fmt chunk contradicts itself: 44160 Hz of 4-byte frames make 176640 bytes a second, \
         but it declares 176400 (the sample rate cannot be trusted)",
    );
    let mut align = wav.clone();
    align[32] = 6;
    expect_error(
        &write(dir.path(), "align.wav", &align),
        ErrorKind::InvalidParameters,
        "the fmt chunk contradicts itself: 2 channels of 16 bits make 4-byte frames, but it declares a block align of 6 bytes",
    );
    // WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE, a 40-byte fmt): 32 valid bits at byte 38 of the
    // 32-bit fixture; none is no sample at all.
    let extensible = fixture("wav-s32.wav");
    assert_eq!(
        (&extensible[20..22], &extensible[34..36], &extensible[38..40]),
        (&[0xFE, 0xFF][..], &[32, 0][..], &[32, 0][..])
    );
    let mut valid = extensible.clone();
    valid[38] = 0;
    expect_error(
        &write(dir.path(), "valid-bits.wav", &valid),
        ErrorKind::InvalidParameters,
        "the fmt chunk contradicts itself: 0 valid bits in 32-bit samples",
    );
}

#[test]
fn wav_audio_after_its_data_chunk_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = fixture("wav-s16.wav");
    let data_at = wav.windows(4).position(|w| w == b"data").expect("data chunk");
    assert_eq!((data_at, wav.len()), (152, 152 + 8 + 88_200));
    assert!(expect_measured(&write(dir.path(), "whole.wav", &wav))
        .warnings
        .is_empty());
    // One flipped bit in the data size: 88200 (0x15888) -> 22664 bytes, 5666 frames; the
    // 65536 bytes of audio after them are no chunk.
    let mut short = wav.clone();
    short[data_at + 6] ^= 0x01;
    let track = expect_measured(&write(dir.path(), "short.wav", &short));
    assert_eq!(track.info.frames, 5666);
    expect_one_warning(
        &track,
        &millis(5666, 44_100),
        "65536 bytes from byte 22824 after the 'data' chunk are no RIFF chunk and were not measured: \
         if they are audio, the chunk's size (22664 bytes) is wrong",
    );
    // Junk appended to an intact file is said the same way; a LIST chunk is not junk.
    let junk = [&wav[..], &[0x80; 10][..]].concat();
    let track = expect_measured(&write(dir.path(), "junk.wav", &junk));
    expect_one_warning(&track, "0:00.500", "10 bytes from byte 88360 after the 'data' chunk");
    let list = [&wav[..], b"LIST\x04\0\0\0INFO"].concat();
    assert!(expect_measured(&write(dir.path(), "list.wav", &list))
        .warnings
        .is_empty());
}

#[test]
fn ogg_without_its_end_of_stream_page_is_truncated() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, rate) in [("vorbis-q5.ogg", 44_100u32), ("opus-96k-31s.opus", 48_000)] {
        let ogg = fixture(name);
        let pages = ogg_pages(&ogg);
        // The fixture's last page, and only it, is flagged end-of-stream (header byte 5).
        let flags: Vec<u8> = pages.iter().map(|&(at, _)| ogg[at + 5] & 0x04).collect();
        assert_eq!(flags.iter().filter(|&&flag| flag != 0).count(), 1);
        assert_ne!(flags[flags.len() - 1], 0);
        // Cut at the page boundary in the middle: every page intact, the end missing.
        let half = pages[pages.len() / 2].0;
        let error = expect_error(
            &write(dir.path(), &format!("half-{name}"), &ogg[..half]),
            ErrorKind::Truncated,
            "then the file ends without the Ogg page that ends the stream",
        );
        // What decoded is the audio of the pages before the cut: up to the last one's granule
        // position, less at most a tenth of a second (Opus's pre-skip, a packet left open).
        let DecodeError::Truncated { decoded_frames, .. } = error else {
            unreachable!("expect_error checked the kind")
        };
        let granule = pages[pages.len() / 2 - 1].1 as u64;
        assert!(
            decoded_frames <= granule && decoded_frames + u64::from(rate / 10) >= granule,
            "{decoded_frames} frames decoded, the last page ends at {granule}"
        );
    }
}

#[test]
fn flac_with_a_duplicated_block_is_measured_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flac = fixture("flac-mono-16bit-44k.flac");
    let whole = expect_measured(&write(dir.path(), "whole.flac", &flac));
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);
    // 4 KB from the middle of the audio, repeated right after itself: the frame it cuts
    // fails its CRC, the repeated frames are already read; every frame is there once.
    let at = flac.len() / 2;
    let duplicated = [&flac[..at + 4096], &flac[at..]].concat();
    let track = expect_measured(&write(dir.path(), "dup.flac", &duplicated));
    assert_eq!(track.result, whole.result, "the same audio, measured the same");
    expect_one_warning(
        &track,
        &millis(whole.info.frames as i64, 44_100),
        "of damaged or repeated data were skipped; no audio is missing",
    );
}

// ---------------------------------------------------------------------------------------
// Memory and hangs, per file, in a child process.

/// Writes every hostile file of this suite (and bad_input.rs's simplest ones) into `dir`.
fn hostile_files(dir: &Path) -> Vec<PathBuf> {
    let samples = stereo_signal(7);
    let wav = wav_bytes(&samples, 2, RATE, 16, false);
    let data_at = wav.windows(4).position(|w| w == b"data").expect("data chunk");
    let (flac, frames) = test_flac(&samples);
    let mut files = vec![
        write(dir, "empty.flac", b""),
        write(dir, "notes.flac", b"These are my liner notes.\n"),
    ];
    let mut variant = |name: &str, base: &[u8], edits: &[(usize, &[u8])]| {
        let mut bytes = base.to_vec();
        for (at, value) in edits {
            bytes[*at..*at + value.len()].copy_from_slice(value);
        }
        files.push(write(dir, name, &bytes));
    };
    let max = u32::MAX.to_le_bytes();
    variant("0-channels.wav", &wav, &[(22, &[0, 0])]);
    variant("65535-channels.wav", &wav, &[(22, &[0xFF, 0xFF])]);
    variant("0-hz.wav", &wav, &[(24, &[0; 4])]);
    variant("4gb-data.wav", &wav[..1024], &[(4, &max), (data_at + 4, &max)]);
    variant("4gb-data-riff-short.wav", &wav[..1024], &[(data_at + 4, &max)]);
    variant("4gb-fmt.wav", &wav[..1024], &[(16, &max)]);
    let huge_total = [0xFF; 5]; // bits-1 nibble kept at 15, total frames 2^36-1
    variant("total-2^36.flac", &flac, &[(21, &huge_total)]);
    variant("crc.flac", &flac, &[(frames[21] - 1, &[0])]);
    variant("cut.flac", &flac[..frames[10] + 100], &[]);
    variant("block-4gb-metadata.flac", &flac, &[(5, &[0xFF, 0xFF, 0xFF])]);
    for fixture_name in ["aac-lc.m4a", "alac-16bit.m4a"] {
        let m4a = fixture(fixture_name);
        let at = |kind: &[u8; 4]| find_box(&m4a, kind).0;
        let big = 0xFFFF_FFF0u32.to_be_bytes();
        for kind in [b"mdat", b"moov", b"trak", b"stsz", b"stco", b"udta", b"stsd"] {
            variant(
                &format!("big-{}-{fixture_name}", String::from_utf8_lossy(kind)),
                &m4a,
                &[(at(kind), &big)],
            );
        }
        for kind in [b"stsz", b"stco", b"stts", b"stsc"] {
            let count_at = at(kind) + if kind == b"stsz" { 16 } else { 12 };
            variant(
                &format!("count-{}-{fixture_name}", String::from_utf8_lossy(kind)),
                &m4a,
                &[(count_at, &big)],
            );
        }
    }
    let mut id3 = b"ID3\x04\x00\x7F\x7F\x7F\x7F".to_vec(); // a 256 MB tag on a tiny file
    id3.resize(64, 0);
    files.push(write(dir, "id3-256mb.mp3", &id3));
    let ogg = fixture("vorbis-q5.ogg");
    let pages = ogg_pages(&ogg);
    let mut ogg_segments = ogg.clone();
    ogg_segments[pages[3].0 + 26] = 255;
    files.push(write(dir, "segments.ogg", &ogg_segments));
    files.push(write(dir, "cut.ogg", &ogg[..pages[5].0 + 100]));
    files
}

fn status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Run by `memory_stays_bounded` in a child process: measures the file named by
/// `HOSTILE_CHILD_FILE` in both decode paths and prints this process's peak memory.
#[test]
#[ignore = "a helper run in a child process by memory_stays_bounded"]
fn child_measures_one_file() {
    let Some(path) = std::env::var_os("HOSTILE_CHILD_FILE") else {
        return;
    };
    let path = PathBuf::from(path);
    let pool = pool(1);
    for options in [DecodeOptions::default(), common::sequential_options()] {
        let _ = dr_decode::measure_file(&path, &pool, &options, Control::new());
    }
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let peak = status_kib(&status, "VmPeak:").expect("VmPeak");
    let resident = status_kib(&status, "VmHWM:").expect("VmHWM");
    println!("HOSTILE_CHILD_MEMORY {peak} {resident}");
}

/// Peak (virtual, resident) KiB of a child measuring `path`; panics on a hang.
fn child_peak(path: &Path) -> (u64, u64) {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "child_measures_one_file",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HOSTILE_CHILD_FILE", path)
        // One malloc arena: no per-thread 64 MiB reservations blurring the peak.
        .env("MALLOC_ARENA_MAX", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child runs");
    let started = Instant::now();
    while child.try_wait().expect("child status").is_none() {
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            panic!("{}: no outcome within {HANG_LIMIT:?}: a hang", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("child output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|line| line.split("HOSTILE_CHILD_MEMORY ").nth(1))
        .unwrap_or_else(|| panic!("{}: the child crashed or panicked: {stdout}", path.display()));
    let numbers: Vec<u64> = line.split(' ').filter_map(|n| n.parse().ok()).collect();
    (numbers[0], numbers[1])
}

/// No number in a header drives a large allocation: a child process measuring each hostile
/// file peaks within 64 MiB of one measuring a small valid file. Both the peak virtual size
/// (VmPeak: an allocation counts when made, even if never touched, so a `Vec::with_capacity`
/// of a header's 4 GB would show) and the peak resident size (VmHWM) are compared. A
/// process-wide allocator hook would need `unsafe impl GlobalAlloc`, which this project
/// keeps out of its tests; a child process also isolates the number from other tests.
#[test]
fn memory_stays_bounded() {
    const CAP_KIB: u64 = 64 * 1024;
    if !Path::new("/proc/self/status").exists() {
        eprintln!("note: no /proc/self/status on this system: memory_stays_bounded checks nothing");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let samples = stereo_signal(8);
    let baseline_file = write(dir.path(), "valid.wav", &wav_bytes(&samples, 2, RATE, 16, false));
    let (base_peak, base_resident) = child_peak(&baseline_file);
    for path in hostile_files(dir.path()) {
        let (peak, resident) = child_peak(&path);
        println!(
            "{}: peak {peak} KiB virtual, {resident} KiB resident (valid file: {base_peak}, {base_resident})",
            path.file_name().map_or_else(Default::default, |n| n.to_string_lossy())
        );
        assert!(
            peak <= base_peak + CAP_KIB && resident <= base_resident + CAP_KIB,
            "{}: peak {peak} KiB virtual / {resident} KiB resident, a valid file {base_peak} / {base_resident}",
            path.display()
        );
    }
}
