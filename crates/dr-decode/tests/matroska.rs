//! Damaged copies of the Matroska fixtures (Opus in WebM, FLAC in Matroska), changed at a
//! field found by walking their EBML structure here (a walk of its own, written from the
//! Matroska specification, RFC 9559), each with the outcome decided for it (issue 18):
//!
//! | input | outcome |
//! | --- | --- |
//! | the intact WebM and MKA | measured, no warning |
//! | OpusHead in CodecPrivate: magic damaged, version 16, channels against the track's | `Malformed`, naming CodecPrivate |
//! | OpusHead pre-skip against the track's CodecDelay | `Malformed`, naming both |
//! | a SimpleBlock one byte larger (the next element misplaced) | measured, with a warning naming the byte and the audio skipped |
//! | a SimpleBlock's timecode zeroed | measured, with a warning naming the block (its audio is all there) |

mod common;

use std::path::Path;

use common::{pool, write};
use dr_decode::{Control, DecodeError, DecodeOptions, ErrorKind, MeasuredTrack};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::fixtures_dir().join("formats").join(name)).expect("fixture")
}

fn measure(path: &Path, options: &DecodeOptions) -> Result<MeasuredTrack, DecodeError> {
    dr_decode::measure_file(path, &pool(2), options, Control::new())
}

/// Both decode paths measure the file alike.
fn expect_measured(path: &Path) -> MeasuredTrack {
    let parallel = measure(path, &DecodeOptions::default()).unwrap_or_else(|e| panic!("not measured: {e}"));
    let sequential = measure(path, &common::sequential_options()).unwrap_or_else(|e| panic!("not measured: {e}"));
    assert_eq!(parallel.result, sequential.result);
    assert_eq!(parallel.warnings, sequential.warnings);
    parallel
}

fn expect_error(path: &Path, kind: ErrorKind, words: &[&str]) {
    let error = match measure(path, &DecodeOptions::default()) {
        Ok(track) => panic!("{}: measured: {:?} {:?}", path.display(), track.result, track.warnings),
        Err(error) => error,
    };
    assert_eq!(error.kind(), kind, "{error}");
    let text = error.to_string();
    for word in words {
        assert!(text.contains(word), "'{text}' should say '{word}'");
    }
}

/// An EBML variable-length integer at `at`: its value (marker kept for IDs) and length.
fn vint(bytes: &[u8], at: usize, keep_marker: bool) -> (u64, usize) {
    let len = bytes[at].leading_zeros() as usize + 1;
    let first = if keep_marker {
        bytes[at]
    } else {
        bytes[at] & 0xFFu8.checked_shr(len as u32).unwrap_or(0)
    };
    let value = bytes[at + 1..at + len]
        .iter()
        .fold(u64::from(first), |v, &b| v << 8 | u64::from(b));
    (value, len)
}

/// An element: its ID, where its header starts, where its size field and data start, and
/// its data size.
#[derive(Clone, Copy, Debug)]
struct Element {
    id: u64,
    at: usize,
    size_at: usize,
    data_at: usize,
    size: usize,
}

fn elements(bytes: &[u8], from: usize, to: usize) -> Vec<Element> {
    let mut found = Vec::new();
    let mut at = from;
    while at < to {
        let (id, id_len) = vint(bytes, at, true);
        let (size, size_len) = vint(bytes, at + id_len, false);
        let data_at = at + id_len + size_len;
        found.push(Element {
            id,
            at,
            size_at: at + id_len,
            data_at,
            size: size as usize,
        });
        at = data_at + size as usize;
    }
    assert_eq!(at, to, "the children tile their parent");
    found
}

fn child(bytes: &[u8], parent: &Element, id: u64) -> Option<Element> {
    elements(bytes, parent.data_at, parent.data_at + parent.size)
        .into_iter()
        .find(|e| e.id == id)
}

fn uint(bytes: &[u8], element: &Element) -> u64 {
    bytes[element.data_at..element.data_at + element.size]
        .iter()
        .fold(0, |v, &b| v << 8 | u64::from(b))
}

/// What the tests change: the track entry's fields, and each cluster's timestamp and
/// SimpleBlocks.
struct Layout {
    codec_private: Element,
    codec_delay: Option<Element>,
    clusters: Vec<(u64, Vec<Element>)>,
}

fn layout(bytes: &[u8]) -> Layout {
    let top = elements(bytes, 0, bytes.len());
    assert_eq!(top[0].id, 0x1A45_DFA3, "EBML header");
    let segment = top[1];
    assert_eq!(segment.id, 0x1853_8067, "Segment");
    let children = elements(bytes, segment.data_at, segment.data_at + segment.size);
    // Info's TimestampScale is 1,000,000 ns (the default) in both fixtures: ticks are ms.
    let info = children.iter().find(|e| e.id == 0x1549_A966).expect("Info");
    assert_eq!(
        uint(bytes, &child(bytes, info, 0x2A_D7B1).expect("TimestampScale")),
        1_000_000
    );
    let tracks = children.iter().find(|e| e.id == 0x1654_AE6B).expect("Tracks");
    let entry = child(bytes, tracks, 0xAE).expect("TrackEntry");
    let clusters = children
        .iter()
        .filter(|e| e.id == 0x1F43_B675)
        .map(|cluster| {
            let timestamp = uint(bytes, &child(bytes, cluster, 0xE7).expect("cluster Timestamp"));
            let blocks = elements(bytes, cluster.data_at, cluster.data_at + cluster.size)
                .into_iter()
                .filter(|e| e.id == 0xA3)
                .collect();
            (timestamp, blocks)
        })
        .collect();
    Layout {
        codec_private: child(bytes, &entry, 0x63A2).expect("CodecPrivate"),
        codec_delay: child(bytes, &entry, 0x56AA),
        clusters,
    }
}

/// A block's time in ms (track 1, one-byte track number, ms ticks).
fn block_ms(bytes: &[u8], cluster_ms: u64, block: &Element) -> u64 {
    assert_eq!(bytes[block.data_at], 0x81, "track 1");
    let relative = i16::from_be_bytes([bytes[block.data_at + 1], bytes[block.data_at + 2]]);
    cluster_ms.checked_add_signed(i64::from(relative)).expect("a time")
}

/// An Opus packet's duration in µs from its TOC byte (RFC 6716 §3.1): the configuration
/// (top 5 bits) gives the frame duration, the code (low 2 bits) the frame count.
fn opus_packet_us(packet: &[u8]) -> u64 {
    let config = packet[0] >> 3;
    let frame_us = match config {
        0..=11 => [10_000, 20_000, 40_000, 60_000][usize::from(config % 4)],
        12..=15 => [10_000, 20_000][usize::from(config % 2)],
        _ => [2_500, 5_000, 10_000, 20_000][usize::from(config % 4)],
    };
    let frames = match packet[0] & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(packet[1] & 0x3F),
    };
    frames * frame_us
}

/// `m:ss.mmm` of `ms`, as the warnings place themselves.
fn position(ms: u64) -> String {
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

#[test]
fn intact_matroska_fixtures_measure_without_warnings() {
    for name in ["webm-opus.webm", "mka-flac.mka"] {
        let path = common::fixtures_dir().join("formats").join(name);
        let track = expect_measured(&path);
        assert!(track.warnings.is_empty(), "{name}: {:?}", track.warnings);
    }
}

#[test]
fn a_damaged_opus_head_in_codec_private_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let webm = fixture("webm-opus.webm");
    let private = layout(&webm).codec_private;
    let head = private.data_at;
    // RFC 7845 §5.1: "OpusHead", version 1, 2 channels, pre-skip 312 (LE), 48000 Hz.
    assert_eq!(&webm[head..head + 8], b"OpusHead");
    assert_eq!(&webm[head + 8..head + 12], &[1, 2, 0x38, 0x01]);

    let mut magic = webm.clone();
    magic[head + 5..head + 10].fill(0); // as mutation 57: "ead", version, channels
    expect_error(
        &write(dir.path(), "magic.webm", &magic),
        ErrorKind::Malformed,
        &["CodecPrivate", "not a valid OpusHead"],
    );
    // Version 16: major version 1, an incompatible head (RFC 7845: 0..15 are compatible).
    let mut version = webm.clone();
    version[head + 8] = 16;
    expect_error(
        &write(dir.path(), "version.webm", &version),
        ErrorKind::Malformed,
        &["CodecPrivate", "not a valid OpusHead"],
    );
    // One channel in the head, two in the track's Audio element.
    let mut channels = webm.clone();
    channels[head + 9] = 1;
    expect_error(
        &write(dir.path(), "channels.webm", &channels),
        ErrorKind::Malformed,
        &["CodecPrivate", "1 channels", "the track 2"],
    );
}

#[test]
fn a_pre_skip_against_codec_delay_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let webm = fixture("webm-opus.webm");
    let layout = layout(&webm);
    let delay = layout.codec_delay.expect("CodecDelay");
    // 6,500,000 ns at 48 kHz: 312 samples, the head's pre-skip.
    assert_eq!(uint(&webm, &delay), 6_500_000);
    let pre_skip_at = layout.codec_private.data_at + 10;

    // Pre-skip 360 (7.5 ms) against 6.5 ms.
    let mut pre_skip = webm.clone();
    pre_skip[pre_skip_at..pre_skip_at + 2].copy_from_slice(&360u16.to_le_bytes());
    expect_error(
        &write(dir.path(), "pre-skip.webm", &pre_skip),
        ErrorKind::Malformed,
        &["pre-skip of 360 samples", "CodecDelay 6500000 ns (312 samples"],
    );
    // Pre-skip 313: within the rounding of nanoseconds to samples, measured.
    let mut rounding = webm.clone();
    rounding[pre_skip_at..pre_skip_at + 2].copy_from_slice(&313u16.to_le_bytes());
    expect_measured(&write(dir.path(), "rounding.webm", &rounding));
    // CodecDelay zeroed (3 bytes): 0 ns against pre-skip 312.
    let mut codec_delay = webm.clone();
    codec_delay[delay.data_at..delay.data_at + delay.size].fill(0);
    expect_error(
        &write(dir.path(), "codec-delay.webm", &codec_delay),
        ErrorKind::Malformed,
        &["pre-skip of 312 samples", "CodecDelay 0 ns"],
    );
}

/// The copy of `webm` with `block`'s two-byte size one larger (as mutation 106's).
fn one_byte_larger(webm: &[u8], block: &Element) -> Vec<u8> {
    assert_eq!(block.data_at - block.size_at, 2);
    let mut larger = webm.to_vec();
    let size = u16::from_be_bytes([webm[block.size_at], webm[block.size_at + 1]]) + 1;
    larger[block.size_at..block.size_at + 2].copy_from_slice(&size.to_be_bytes());
    larger
}

#[test]
fn a_block_one_byte_larger_is_measured_with_the_audio_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let webm = fixture("webm-opus.webm");
    let whole = expect_measured(&write(dir.path(), "whole.webm", &webm));
    let layout = layout(&webm);
    assert!(layout.clusters.len() >= 2, "a cluster follows the first");
    let (cluster_ms, blocks) = &layout.clusters[0];
    // The first cluster's last block, one byte larger, runs past its cluster: the reader
    // skips it, to the next cluster. The audio stops where the block before it ends and
    // resumes with the next cluster's first block.
    let k = blocks.len() - 1;
    let (before, block) = (blocks[k - 1], blocks[k]);
    assert_eq!(
        block.data_at + block.size,
        layout_cluster_end(&webm, &block),
        "the cluster's last child"
    );
    let larger = one_byte_larger(&webm, &block);
    let end_us = block_ms(&webm, *cluster_ms, &before) * 1000 + opus_packet_us(&webm[before.data_at + 4..]);
    let (next_cluster_ms, next_blocks) = &layout.clusters[1];
    let resume_ms = block_ms(&webm, *next_cluster_ms, &next_blocks[0]);
    let skipped_ms = (resume_ms * 1000 - end_us) / 1000;

    let track = expect_measured(&write(dir.path(), "larger.webm", &larger));
    let texts: Vec<String> = track.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    let expected = format!(
        "at {}: damaged Matroska data at byte {} (an element running past its Cluster): {skipped_ms} ms of audio skipped",
        position(end_us / 1000),
        block.at
    );
    assert_eq!(texts[0], expected);
    // The block's packet lasts 20 ms (960 frames), as the timestamps say, and is missing
    // from the measurement; less of it where the intact file's end is cut to the length
    // the Segment declares.
    assert_eq!(skipped_ms, 20);
    let missing = whole.result.frames - track.result.frames;
    assert!(missing > 0 && missing <= 960, "{missing} frames missing");
}

/// The end of the cluster holding `block` (a walk from the start).
fn layout_cluster_end(bytes: &[u8], block: &Element) -> usize {
    let segment = elements(bytes, 0, bytes.len())[1];
    elements(bytes, segment.data_at, segment.data_at + segment.size)
        .into_iter()
        .find(|e| e.id == 0x1F43_B675 && e.data_at <= block.at && block.at < e.data_at + e.size)
        .map(|cluster| cluster.data_at + cluster.size)
        .expect("a cluster holds the block")
}

#[test]
fn a_block_one_byte_larger_mid_cluster_is_never_measured_silently() {
    // The next element is read one byte late: the reader either stops on what it reads
    // there (an error) or skips to the cluster's end without a word. Which one depends on
    // the bytes; the last blocks of the last cluster include both (mutation 106 was one).
    let dir = tempfile::tempdir().expect("temp dir");
    let webm = fixture("webm-opus.webm");
    let layout = layout(&webm);
    let blocks = &layout.clusters.last().expect("a cluster").1;
    let mut warned = 0;
    for block in &blocks[blocks.len() - 10..blocks.len() - 1] {
        let path = write(
            dir.path(),
            &format!("larger-{}.webm", block.at),
            &one_byte_larger(&webm, block),
        );
        if let Ok(track) = measure(&path, &DecodeOptions::default()) {
            let texts: Vec<String> = track.warnings.iter().map(ToString::to_string).collect();
            let next = block.data_at + block.size;
            let words = format!("damaged Matroska data at byte {}", next + 1);
            assert!(
                texts.iter().any(|t| t.contains(&words)),
                "{}: {texts:?} should say '{words}'",
                block.at
            );
            warned += 1;
        }
    }
    assert!(warned > 0, "some of these the reader skips");
}

#[test]
fn a_zeroed_block_timecode_is_measured_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let webm = fixture("webm-opus.webm");
    let layout = layout(&webm);
    let (cluster_ms, blocks) = &layout.clusters[0];
    let k = blocks.len() / 2;
    let (previous, block) = (blocks[k - 1], blocks[k]);
    let previous_ms = block_ms(&webm, *cluster_ms, &previous);
    let first_ms = block_ms(&webm, *cluster_ms, &blocks[0]);
    let mut zeroed = webm.clone();
    zeroed[block.data_at + 1..block.data_at + 3].fill(0);
    // Block k now starts at the cluster's start, before block k - 1.
    let track = expect_measured(&write(dir.path(), "timecode.webm", &zeroed));
    let texts: Vec<String> = track.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    // Block k + 1 is where block k - 1 and k's packet say: only k's time is damaged.
    let expected = format!(
        "at {}: damaged Matroska block at byte {}: its time is {} ms before the previous block's, \
         the blocks around it agree: its timestamp is damaged, its audio measured",
        position(previous_ms - first_ms),
        block.at,
        previous_ms - cluster_ms
    );
    assert_eq!(texts[0], expected);
}
