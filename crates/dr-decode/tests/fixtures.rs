//! Every fixture format against the independent Python reference (tests/reference/
//! expected.json, decoded by ffmpeg): properties, tags, and DR — lossless to 1e-9 dB on
//! every channel and every printed channel token equal, lossy within a tolerance
//! (decoders and gapless handling differ).

mod common;

use std::path::Path;

use dr_decode::{Codec, DecodeOptions};
use serde_json::Value;

/// Lossless channel DRs must agree this closely (the spec's bit-exactness target).
const LOSSLESS_DR_TOLERANCE_DB: f64 = 1e-9;
/// Lossy decoders differ slightly between implementations (float rounding, and gapless
/// trimming symphonia lacks: MP4 edit lists, Matroska's DiscardPadding).
const LOSSY_DR_TOLERANCE_DB: f64 = 0.05;

fn reference() -> Option<Value> {
    let path = common::fixtures_dir().join("../reference/expected.json");
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// (fixture, codec, bits, channel names when the container names them)
const EXPECTED_PROPERTIES: &[(&str, Codec, Option<u32>)] = &[
    ("formats/aac-adts.aac", Codec::Aac, None),
    ("formats/aac-lc.m4a", Codec::Aac, None),
    ("formats/aifc-fl32.aifc", Codec::Pcm, Some(32)),
    ("formats/aifc-sowt-s16.aifc", Codec::Pcm, Some(16)),
    ("formats/aiff-s16.aiff", Codec::Pcm, Some(16)),
    ("formats/alac-16bit.m4a", Codec::Alac, Some(16)),
    ("formats/alac-24bit.m4a", Codec::Alac, Some(24)),
    ("formats/caf-alac-16bit.caf", Codec::Alac, Some(16)),
    ("formats/flac-24bit-96k.flac", Codec::Flac, Some(24)),
    ("formats/flac-5.1-24bit-48k.flac", Codec::Flac, Some(24)),
    ("formats/flac-mono-16bit-44k.flac", Codec::Flac, Some(16)),
    ("formats/mka-flac.mka", Codec::Flac, Some(16)),
    ("formats/mp3-cbr192.mp3", Codec::Mp3, None),
    ("formats/opus-96k-31s.opus", Codec::Opus, None),
    ("formats/opus-5.1-256k.opus", Codec::Opus, None),
    ("formats/vorbis-q5.ogg", Codec::Vorbis, None),
    ("formats/wav-ext-5.1-s16-48k.wav", Codec::Pcm, Some(16)),
    ("formats/wav-f32.wav", Codec::Pcm, Some(32)),
    ("formats/wav-f64.wav", Codec::Pcm, Some(64)),
    ("formats/wav-s16.wav", Codec::Pcm, Some(16)),
    ("formats/wav-s24.wav", Codec::Pcm, Some(24)),
    ("formats/wav-s32.wav", Codec::Pcm, Some(32)),
    ("formats/wav-u8.wav", Codec::Pcm, Some(8)),
    ("formats/webm-opus.webm", Codec::Opus, None),
    (
        "album-flac/01 - Variations on an Elvish Theme (excerpt).flac",
        Codec::Flac,
        Some(16),
    ),
    ("album-flac/02 - Heroes Rite (excerpt).flac", Codec::Flac, Some(16)),
    (
        "album-flac/03 - Siege of Laurelmor (excerpt).flac",
        Codec::Flac,
        Some(16),
    ),
];

#[test]
fn every_fixture_matches_the_reference() {
    let Some(reference) = reference() else {
        eprintln!("tests/reference/expected.json not present: fixture comparison skipped");
        return;
    };
    let pool = common::pool(2);
    let mut failures = Vec::new();
    let mut compared = 0;
    for &(name, codec, bits) in EXPECTED_PROPERTIES {
        let path = common::fixtures_dir().join(name);
        if !path.exists() {
            eprintln!("{name}: fixture missing, skipped");
            continue;
        }
        let expected = &reference["files"][name];
        let track = match dr_decode::measure_file(&path, &pool, &DecodeOptions::default(), dr_decode::Control::new()) {
            Ok(track) => track,
            Err(error) => {
                failures.push(format!("{name}: {error}"));
                continue;
            }
        };
        compared += 1;
        let info = &track.info;
        let mut check = |ok: bool, what: String| {
            if !ok {
                failures.push(format!("{name}: {what}"));
            }
        };
        check(info.codec == codec, format!("codec {} expected {codec}", info.codec));
        check(
            info.bits_per_sample == bits,
            format!("bits {:?} expected {bits:?}", info.bits_per_sample),
        );
        check(
            Some(u64::from(info.sample_rate)) == expected["sample_rate"].as_u64(),
            format!("rate {} expected {}", info.sample_rate, expected["sample_rate"]),
        );
        check(
            Some(info.channels as u64) == expected["channels"].as_u64(),
            format!("channels {} expected {}", info.channels, expected["channels"]),
        );
        check(track.warnings.is_empty(), format!("warnings {:?}", track.warnings));
        let lossless = codec.is_lossless();
        if lossless {
            check(
                Some(info.frames) == expected["frames"].as_u64(),
                format!("frames {} expected {}", info.frames, expected["frames"]),
            );
        }
        let tolerance = if lossless {
            LOSSLESS_DR_TOLERANCE_DB
        } else {
            LOSSY_DR_TOLERANCE_DB
        };
        let channels = expected["per_channel"].as_array().cloned().unwrap_or_default();
        check(
            channels.len() == track.result.channels.len(),
            "channel results".to_owned(),
        );
        for (index, (ours, theirs)) in track.result.channels.iter().zip(&channels).enumerate() {
            let dr = theirs["dr"].as_f64().unwrap_or(f64::NAN);
            check(
                (ours.dr_unrounded - dr).abs() <= tolerance,
                format!(
                    "channel {index} DR {} expected {dr} (off {:.3e})",
                    ours.dr_unrounded,
                    ours.dr_unrounded - dr
                ),
            );
            if lossless {
                // The printed tokens of the log: equal, as printed.
                let printed = format!("{:.2}", ours.dr);
                check(
                    theirs["dr_text"].as_str() == Some(printed.as_str()),
                    format!("channel {index} DR prints {printed}, expected {}", theirs["dr_text"]),
                );
                let rms = dr_report::db_text(ours.rms_db());
                check(
                    theirs["rms_text"].as_str() == Some(rms.as_str()),
                    format!("channel {index} RMS prints {rms}, expected {}", theirs["rms_text"]),
                );
            }
        }
        let theirs = expected["official_dr"].as_i64();
        check(
            Some(i64::from(track.result.official_dr)) == theirs,
            format!("official DR {} expected {theirs:?}", track.result.official_dr),
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_tags_are_read() {
    let path = common::fixtures_dir().join("album-flac/02 - Heroes Rite (excerpt).flac");
    if !path.exists() {
        eprintln!("album fixture missing: skipped");
        return;
    }
    let track = common::measure(&path, &common::pool(1), &DecodeOptions::default());
    let tags = &track.info.tags;
    assert_eq!(tags.artist.as_deref(), Some("Doug Kaufman"));
    assert_eq!(tags.album.as_deref(), Some("Excerpts A"));
    assert_eq!(tags.title.as_deref(), Some("Heroes Rite (excerpt)"));
    assert_eq!(tags.track_number, Some(2));
    for name in [
        "formats/mp3-cbr192.mp3",
        "formats/aac-lc.m4a",
        "formats/vorbis-q5.ogg",
        "formats/opus-96k-31s.opus",
    ] {
        let path = common::fixtures_dir().join(name);
        if !Path::new(&path).exists() {
            continue;
        }
        let track = common::measure(&path, &common::pool(1), &DecodeOptions::default());
        assert_eq!(track.info.tags.artist.as_deref(), Some("Matthias Le Bidan"), "{name}");
        assert_eq!(track.info.tags.album.as_deref(), Some("Excerpts B"), "{name}");
        assert_eq!(track.info.tags.track_number, Some(1), "{name}");
        assert!(track.info.bitrate_bps.is_some_and(|bps| bps > 32_000), "{name}");
    }
}

#[test]
fn multichannel_opus_is_named_in_wave_order() {
    // libopus stores 5.1 in Vorbis order (FL FC FR BL BR LFE); it is handed on, and named,
    // in WAVE order as the FLAC it was made from (whose per-channel values the reference
    // comparison above checks, channel by channel, against ffmpeg's 5.1 decode).
    let opus = common::fixtures_dir().join("formats/opus-5.1-256k.opus");
    let flac = common::fixtures_dir().join("formats/flac-5.1-24bit-48k.flac");
    let pool = common::pool(1);
    let opus = common::measure(&opus, &pool, &DecodeOptions::default());
    let flac = common::measure(&flac, &pool, &DecodeOptions::default());
    assert_eq!(
        opus.info.channel_names.as_deref(),
        Some(&["FL", "FR", "FC", "LFE", "BL", "BR"][..])
    );
    assert_eq!(opus.info.channel_names, flac.info.channel_names);
    assert_eq!(opus.info.lfe_channel, Some(3));
    // A lossy copy of the same audio: each channel's RMS within 0.1 dB of the source's.
    for (index, (o, f)) in opus.result.channels.iter().zip(&flac.result.channels).enumerate() {
        let db = |x: f32| 20.0 * f64::from(x).log10();
        assert!(
            (db(o.rms) - db(f.rms)).abs() < 0.1,
            "channel {index}: {} vs {}",
            db(o.rms),
            db(f.rms)
        );
    }
}
