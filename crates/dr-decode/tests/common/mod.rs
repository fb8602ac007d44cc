//! Test audio made in the tests: WAV through `hound`, FLAC through a small verbatim
//! encoder (FLAC frames whose subframes store samples as they are, with real CRCs), so the
//! decode paths run on real files without fixtures or external tools.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dr_decode::{Control, DecodeOptions, MeasuredTrack};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn pool(threads: usize) -> rayon::ThreadPool {
    dr_decode::build_thread_pool(threads).expect("thread pool")
}

pub fn sequential_options() -> DecodeOptions {
    DecodeOptions {
        parallel_packets: false,
        ..DecodeOptions::default()
    }
}

pub fn measure(path: &Path, pool: &rayon::ThreadPool, options: &DecodeOptions) -> MeasuredTrack {
    dr_decode::measure_file(path, pool, options, Control::new())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A deterministic, music-like test signal: a few sines whose loudness swells and fades
/// over seconds (so windows differ and the DR is not trivial), plus a little noise.
/// Interleaved, right-justified integers of `bits` bits.
pub fn signal(frames: usize, channels: usize, rate: u32, bits: u32, seed: u64) -> Vec<i32> {
    let full_scale = f64::from((1u32 << (bits - 1)) - 1);
    let mut noise_state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut samples = Vec::with_capacity(frames * channels);
    for frame in 0..frames {
        let t = frame as f64 / f64::from(rate);
        let swell = 0.15 + 0.8 * (0.5 + 0.5 * (t * 0.37 + seed as f64).sin()).powi(3);
        for channel in 0..channels {
            noise_state = noise_state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((noise_state >> 33) as f64 / f64::from(1u32 << 31) - 0.5) * 0.02;
            let tone = (t * 2.0 * std::f64::consts::PI * (220.0 + 55.0 * channel as f64)).sin() * 0.6
                + (t * 2.0 * std::f64::consts::PI * 1375.0).sin() * 0.25;
            let value = (swell * tone * 0.9 + noise).clamp(-1.0, 1.0);
            samples.push((value * full_scale).round() as i32);
        }
    }
    samples
}

/// The same samples measured directly by dr-core: what decoding must reproduce.
pub fn direct_measurement(samples: &[i32], channels: usize, rate: u32, bits: u32) -> dr_core::TrackResult {
    let mut analyzer = dr_core::Analyzer::new(rate, channels).expect("analyser");
    for chunk in samples.chunks(4096 * channels) {
        analyzer.add_interleaved_i32(chunk, bits).expect("samples");
    }
    analyzer.finish().expect("result")
}

/// WAV bytes through hound: integer PCM of 8/16/24/32 bits (8-bit is written unsigned, as
/// WAV requires), or 32-bit float when `float` (samples scaled from `bits`).
pub fn wav_bytes(samples: &[i32], channels: usize, rate: u32, bits: u32, float: bool) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: channels as u16,
        sample_rate: rate,
        bits_per_sample: if float { 32 } else { bits as u16 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("wav writer");
        for &sample in samples {
            if float {
                writer
                    .write_sample(sample as f32 / (1u32 << (bits - 1)) as f32)
                    .expect("write");
            } else if bits == 8 {
                writer.write_sample(sample as i8).expect("write");
            } else {
                writer.write_sample(sample).expect("write");
            }
        }
        writer.finalize().expect("finalize");
    }
    cursor.into_inner()
}

/// Options of the verbatim FLAC encoder.
pub struct FlacSpec {
    pub rate: u32,
    pub channels: usize,
    pub bits: u32,
    pub block_size: usize,
    /// `KEY=value` Vorbis comments.
    pub comments: Vec<String>,
}

/// FLAC bytes with VERBATIM subframes: valid FLAC any decoder reads, made without an encoder.
pub fn flac_bytes(samples: &[i32], spec: &FlacSpec) -> Vec<u8> {
    flac_bytes_and_frame_offsets(samples, spec).0
}

/// FLAC bytes and the byte offset where each frame starts (for tests that damage a frame).
pub fn flac_bytes_and_frame_offsets(samples: &[i32], spec: &FlacSpec) -> (Vec<u8>, Vec<usize>) {
    let mut offsets = Vec::new();
    let channels = spec.channels;
    let frames = samples.len() / channels;
    let mut out = b"fLaC".to_vec();

    // STREAMINFO (last block unless comments follow).
    let mut info = BitWriter::default();
    info.put(spec.block_size as u64, 16);
    info.put(spec.block_size as u64, 16);
    info.put(0, 24); // min frame size unknown
    info.put(0, 24); // max frame size unknown
    info.put(u64::from(spec.rate), 20);
    info.put(channels as u64 - 1, 3);
    info.put(u64::from(spec.bits) - 1, 5);
    info.put(frames as u64, 36);
    for _ in 0..16 {
        info.put(0, 8); // MD5 unknown
    }
    let info = info.finish();
    let last = if spec.comments.is_empty() { 0x80 } else { 0 };
    out.push(last);
    out.extend_from_slice(&(info.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&info);

    if !spec.comments.is_empty() {
        let vendor = b"dr-decode tests";
        let mut block = Vec::new();
        block.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        block.extend_from_slice(vendor);
        block.extend_from_slice(&(spec.comments.len() as u32).to_le_bytes());
        for comment in &spec.comments {
            block.extend_from_slice(&(comment.len() as u32).to_le_bytes());
            block.extend_from_slice(comment.as_bytes());
        }
        out.push(0x80 | 4);
        out.extend_from_slice(&(block.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(&block);
    }

    for (index, block) in samples.chunks(spec.block_size * channels).enumerate() {
        offsets.push(out.len());
        let block_frames = block.len() / channels;
        let mut frame = BitWriter::default();
        frame.put(0x7FFC, 15); // sync code 0b11111111111110 and a reserved 0 bit
        frame.put(0, 1); // fixed block size
        frame.put(0b0111, 4); // block size: 16-bit (n-1) at the header's end
        frame.put(0b0000, 4); // sample rate: from STREAMINFO
        frame.put(channels as u64 - 1, 4); // independent channels
        frame.put(0b000, 3); // bits per sample: from STREAMINFO
        frame.put(0, 1);
        for byte in utf8_number(index as u64) {
            frame.put(u64::from(byte), 8);
        }
        frame.put(block_frames as u64 - 1, 16);
        let header = frame.bytes_so_far();
        frame.put(u64::from(crc8(&header)), 8);
        for channel in 0..channels {
            frame.put(0, 1); // padding bit
            frame.put(0b000001, 6); // VERBATIM
            frame.put(0, 1); // no wasted bits
            for sample in block.iter().skip(channel).step_by(channels) {
                frame.put((*sample as i64 as u64) & ((1u64 << spec.bits) - 1), spec.bits);
            }
        }
        let mut bytes = frame.finish();
        let crc = crc16(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    (out, offsets)
}

/// Writes values of any bit width, most significant bit first (FLAC's bit order).
#[derive(Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    current: u64,
    used: u32,
}

impl BitWriter {
    pub fn put(&mut self, value: u64, bits: u32) {
        for shift in (0..bits).rev() {
            self.current = (self.current << 1) | ((value >> shift) & 1);
            self.used += 1;
            if self.used == 8 {
                self.bytes.push(self.current as u8);
                self.current = 0;
                self.used = 0;
            }
        }
    }

    pub fn bytes_so_far(&self) -> Vec<u8> {
        assert_eq!(self.used, 0, "header ends on a byte boundary");
        self.bytes.clone()
    }

    pub fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            let pad = 8 - self.used;
            self.put(0, pad);
        }
        self.bytes
    }
}

/// FLAC's UTF-8-like coding of frame numbers.
fn utf8_number(value: u64) -> Vec<u8> {
    if value < 0x80 {
        return vec![value as u8];
    }
    let mut continuation = Vec::new();
    let mut rest = value;
    let mut lead_capacity = 6; // payload bits the lead byte holds with 1 continuation byte: 5
    loop {
        continuation.push(0x80 | (rest & 0x3F) as u8);
        rest >>= 6;
        lead_capacity -= 1;
        if rest < (1 << lead_capacity) {
            break;
        }
    }
    let count = continuation.len() + 1;
    let lead = (0xFF00u16 >> count) as u8 | rest as u8;
    let mut bytes = vec![lead];
    bytes.extend(continuation.into_iter().rev());
    bytes
}

/// FLAC's frame header CRC-8 (polynomial 0x07).
pub fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x07 } else { crc << 1 };
        }
    }
    crc
}

/// FLAC's frame CRC-16 (polynomial 0x8005).
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
    }
    crc
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}
