//! Conformance data for foobar2000's DR Meter 1.0.8 (x64), for the project's tests.
//!
//! - [`cases`] / [`write_wavs`]: 31 synthetic WAV files, generated here from their public
//!   construction recipes (see `recipes.rs`), byte for byte the files real foobar2000 measured
//!   (tests/hashes.rs checks each against its published SHA-256, `data/sha256.tsv`).
//! - [`expected`]: the tokens real foobar2000 2.25.10 x64 / DR Meter 1.0.8 printed for each file
//!   (`data/expected.tsv`), to be matched as printed, no tolerance.
//! - [`REAL_LOG_MONO`] / [`REAL_LOG_MULTICHANNEL`]: two real DR Meter logs, byte for byte (CRLF).
//!
//! Sources and settings: `data/README.md`. This crate is test data, so it depends on none of
//! the project's crates.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

mod recipes;
mod wav;

pub use wav::Wav;

/// How a file stores its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// Unsigned 8-bit PCM.
    U8,
    /// Signed 16-bit PCM.
    S16,
    /// Signed 24-bit PCM.
    S24,
    /// Signed 32-bit PCM.
    S32,
    /// IEEE float, 32 bits.
    F32,
    /// IEEE float, 64 bits.
    F64,
}

impl SampleFormat {
    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::U8 => 8,
            SampleFormat::S16 => 16,
            SampleFormat::S24 => 24,
            SampleFormat::S32 | SampleFormat::F32 => 32,
            SampleFormat::F64 => 64,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, SampleFormat::F32 | SampleFormat::F64)
    }
}

/// One conformance file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The first three characters of the file name; the key of [`expected`] and the hashes.
    pub id: &'static str,
    /// Path relative to the output folder, e.g. `01-core/101_window_minus_one_control.wav`.
    pub file_name: &'static str,
    pub sample_rate: u32,
    pub channels: u16,
    pub format: SampleFormat,
    /// `dwChannelMask` of a WAVE_FORMAT_EXTENSIBLE header; `None` writes a plain header.
    pub channel_mask: Option<u32>,
}

impl Case {
    /// The file name without folder and extension (the title foobar2000 shows).
    pub fn stem(&self) -> &'static str {
        let name = self.file_name.rsplit('/').next().unwrap_or(self.file_name);
        name.strip_suffix(".wav").unwrap_or(name)
    }
}

/// Every conformance file, in the order of the real log (and of `data/expected.tsv`).
pub fn cases() -> Vec<Case> {
    use SampleFormat::*;
    let case = |id, file_name, sample_rate, channels, format, channel_mask| Case {
        id,
        file_name,
        sample_rate,
        channels,
        format,
        channel_mask,
    };
    vec![
        case("101", "01-core/101_window_minus_one_control.wav", 8000, 1, F32, None),
        case("102", "01-core/102_exact_window_control.wav", 8000, 1, F32, None),
        case("103", "01-core/103_tail_pair_base.wav", 8000, 1, F32, None),
        case("104", "01-core/104_tail_pair_plus_one.wav", 8000, 1, F32, None),
        case("105", "01-core/105_negative_dr_fallback.wav", 8000, 1, F32, None),
        case("120", "01-core/120_peak_order_low_then_high.wav", 8000, 1, F32, None),
        case("201", "02-degenerate/201_one_frame_nonzero.wav", 8000, 1, F32, None),
        case("202", "02-degenerate/202_two_frame_constant.wav", 8000, 1, F32, None),
        case("203", "02-degenerate/203_silent_mono.wav", 8000, 1, F32, None),
        case(
            "301",
            "03-multichannel/301_stereo_silent_channel.wav",
            8000,
            2,
            F32,
            None,
        ),
        case(
            "302",
            "03-multichannel/302_three_channel_arithmetic.wav",
            8000,
            3,
            F32,
            Some(0x7),
        ),
        case(
            "303",
            "03-multichannel/303_six_channel_lfe.wav",
            8000,
            6,
            F32,
            Some(0x3F),
        ),
        case("402", "04-numeric/402_loud_target_n9.wav", 8000, 1, F32, None),
        case("410", "04-numeric/410_rms_half_f64_stereo.wav", 8000, 2, F64, None),
        case("411", "04-numeric/411_rms_half_f32_stereo.wav", 8000, 2, F32, None),
        case("420", "04-numeric/420_peak_half_f64_stereo.wav", 8000, 2, F64, None),
        case("421", "04-numeric/421_peak_half_f32_stereo.wav", 8000, 2, F32, None),
        case(
            "501",
            "05-samplerates/501_sr_44100_w_minus_one.wav",
            44100,
            1,
            F32,
            None,
        ),
        case("502", "05-samplerates/502_sr_44100_w_plus_one.wav", 44100, 1, F32, None),
        case(
            "503",
            "05-samplerates/503_sr_48000_w_minus_one.wav",
            48000,
            1,
            F32,
            None,
        ),
        case(
            "601",
            "06-precision-report/601_eight_channel_report_map.wav",
            8000,
            8,
            F32,
            Some(0x63F),
        ),
        case("701", "07-album/701_album_10_49_a.wav", 8000, 1, F32, None),
        case("702", "07-album/702_album_10_49_b.wav", 8000, 1, F32, None),
        case("703", "07-album/703_album_11_49.wav", 8000, 1, F32, None),
        case(
            "610",
            "06-precision-report/610_aggregate_narrow_low.wav",
            8000,
            3,
            F32,
            Some(0x7),
        ),
        case("801", "08-host-decode/801_host_decode_u8.wav", 8000, 1, U8, None),
        case("802", "08-host-decode/802_host_decode_s16.wav", 8000, 1, S16, None),
        case("803", "08-host-decode/803_host_decode_s24.wav", 8000, 1, S24, None),
        case("804", "08-host-decode/804_host_decode_s32.wav", 8000, 1, S32, None),
        case("805", "08-host-decode/805_host_decode_f32.wav", 8000, 1, F32, None),
        case("806", "08-host-decode/806_host_decode_f64.wav", 8000, 1, F64, None),
    ]
}

/// The case with this id.
pub fn case(id: &str) -> Option<Case> {
    cases().into_iter().find(|c| c.id == id)
}

/// The complete WAV file of a case.
pub fn wav(case: &Case) -> Wav {
    let channels = recipes::channels(case.id);
    assert_eq!(channels.len(), usize::from(case.channels), "case {}", case.id);
    wav::encode(case, &channels)
}

/// Writes every case under `dir` (creating its sub-folders); returns each case with its path.
pub fn write_wavs(dir: &Path) -> io::Result<Vec<(Case, PathBuf)>> {
    let mut written = Vec::new();
    for case in cases() {
        let path = dir.join(case.file_name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, wav(&case).bytes)?;
        written.push((case, path));
    }
    Ok(written)
}

/// The published SHA-256 of one file (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedHash {
    pub id: String,
    /// Of the `data` chunk's payload.
    pub data_sha256: String,
    /// Of the whole file.
    pub file_sha256: String,
}

/// `data/sha256.tsv`: the hashes the construction's manifest publishes.
pub fn published_hashes() -> Vec<PublishedHash> {
    tsv_rows(include_str!("../data/sha256.tsv"))
        .map(|f| PublishedHash {
            id: f[0].to_string(),
            data_sha256: f[1].to_string(),
            file_sha256: f[2].to_string(),
        })
        .collect()
}

/// One row of real foobar2000 output, every token as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedRow {
    pub id: String,
    /// `n` of the row's `DR<n>`.
    pub dr: u32,
    /// Track Peak in dBFS as printed (`0.00`, `-6.02`, `-inf`).
    pub peak: String,
    /// Track RMS in dBFS as printed.
    pub rms: String,
    /// Duration as printed (`0:03`).
    pub duration: String,
    /// Per-channel DR in dB as printed, in the log's column order (FL FR FC LFE BL BR SL SR;
    /// mono is FC).
    pub ch_dr: Vec<String>,
    /// Per-channel RMS in dBFS as printed, same order.
    pub ch_rms: Vec<String>,
}

/// A dB value as DR Meter prints it (the rule the tokens of [`expected`] follow): `%.2f`
/// in the C locale, a value strictly between -0.01 and 0.01 as `0.00`, `-inf` for a linear
/// 0 (`None` or -infinity).
pub fn printed_db(db: Option<f64>) -> String {
    match db {
        None => "-inf".to_string(),
        Some(db) if db == f64::NEG_INFINITY => "-inf".to_string(),
        Some(db) if db.abs() < 0.01 => "0.00".to_string(),
        Some(db) => format!("{db:.2}"),
    }
}

/// A duration of whole seconds as DR Meter prints it below an hour: `m:ss` (every
/// conformance file is shorter).
pub fn printed_duration(seconds: u64) -> String {
    assert!(
        seconds < 3600,
        "longer formats are not exercised by the conformance files"
    );
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// `data/expected.tsv`: foobar2000's tokens for every case, in [`cases`] order.
pub fn expected() -> Vec<ExpectedRow> {
    tsv_rows(include_str!("../data/expected.tsv"))
        .map(|f| {
            let list = |s: &str| s.split(',').map(str::to_string).collect();
            ExpectedRow {
                id: f[0].to_string(),
                dr: f[1].parse().expect("data/expected.tsv: DR is an integer"),
                peak: f[2].to_string(),
                rms: f[3].to_string(),
                duration: f[4].to_string(),
                ch_dr: list(f[5]),
                ch_rms: list(f[6]),
            }
        })
        .collect()
}

/// Real log of files 201-203 (mono, no channel columns), foobar2000 2.0 x86, CRLF.
pub const REAL_LOG_MONO: &str = include_str!("../data/logs/x86-run1-02-degenerate.txt");
/// Real log of files 301-303 (2, 3 and 6 channels, with channel columns), CRLF.
pub const REAL_LOG_MULTICHANNEL: &str = include_str!("../data/logs/x86-run1-03-multichannel.txt");

/// The lines of a log that must equal a real log's: all but line 1 (the product line), the
/// `log date:` line and the `Codec:` line (the real logs name the codec in Chinese). Splits
/// on `\n` and drops a `\r` before it, so a CRLF and an LF rendering compare alike.
pub fn comparable_log_lines(log: &str) -> Vec<&str> {
    log.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .filter(|(n, line)| *n != 0 && !line.starts_with("log date: ") && !line.starts_with("Codec:"))
        .map(|(_, line)| line)
        .collect()
}

/// The crate's `data/` folder (for tests outside Rust that want the files themselves).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The tab-separated fields of each line that is not empty or a `#` comment.
fn tsv_rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
}
