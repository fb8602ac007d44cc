//! Files made in the test (WAV through hound, FLAC through a verbatim encoder): decoding
//! must hand the analyser exactly the samples that were written.

mod common;

use common::{direct_measurement, flac_bytes, pool, signal, wav_bytes, write, FlacSpec};
use dr_decode::{Codec, Container, Control, DecodeOptions};

#[test]
fn integer_wav_measures_exactly_the_written_samples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = pool(2);
    for bits in [8u32, 16, 24, 32] {
        let (rate, channels) = (44_100, 2);
        let samples = signal(rate as usize * 4 + 7, channels, rate, bits, u64::from(bits));
        let path = write(
            dir.path(),
            &format!("s{bits}.wav"),
            &wav_bytes(&samples, channels, rate, bits, false),
        );
        for options in [DecodeOptions::default(), common::sequential_options()] {
            let track = common::measure(&path, &pool, &options);
            assert_eq!(track.info.codec, Codec::Pcm);
            assert_eq!(track.info.container, Container::Wav);
            assert_eq!(track.info.bits_per_sample, Some(bits));
            assert_eq!(track.info.sample_rate, rate);
            assert_eq!(track.info.channels, channels);
            assert_eq!(track.info.frames, (samples.len() / channels) as u64);
            assert_eq!(track.info.bitrate_bps, Some(u64::from(rate * bits) * channels as u64));
            assert!(!track.info.float_samples);
            assert!(track.warnings.is_empty());
            // 8-bit WAV is unsigned on disk; it must come back as v - 128 with 8 bits.
            assert_eq!(
                track.result,
                direct_measurement(&samples, channels, rate, bits),
                "{bits}-bit"
            );
        }
    }
}

#[test]
fn float_wav_measures_as_float() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (rate, channels) = (48_000, 2);
    let samples = signal(rate as usize * 3, channels, rate, 16, 3);
    let path = write(dir.path(), "f32.wav", &wav_bytes(&samples, channels, rate, 16, true));
    let track = common::measure(&path, &pool(2), &DecodeOptions::default());
    assert!(track.info.float_samples);
    assert_eq!(track.info.bits_per_sample, Some(32));
    // Float PCM of 16-bit values gives the same DR as the integers (ALGORITHM.md §9).
    let integer = direct_measurement(&samples, channels, rate, 16);
    for (float, int) in track.result.channels.iter().zip(&integer.channels) {
        assert!((float.dr - int.dr).abs() < 1e-9, "{} vs {}", float.dr, int.dr);
    }
}

#[test]
fn flac_measures_exactly_and_reads_its_tags() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (bits, channels, rate) in [(16u32, 2usize, 44_100u32), (24, 6, 96_000), (12, 1, 8_000)] {
        let samples = signal(rate as usize * 4 + 3, channels, rate, bits, u64::from(bits));
        let spec = FlacSpec {
            rate,
            channels,
            bits,
            block_size: 4096,
            comments: vec![
                "ARTIST=Test Artist".into(),
                "ALBUMARTIST=Various".into(),
                "ALBUM=Test Album".into(),
                "TITLE=Test Title".into(),
                "TRACKNUMBER=7".into(),
                "DISCNUMBER=2".into(),
            ],
        };
        let path = write(dir.path(), &format!("t{bits}.flac"), &flac_bytes(&samples, &spec));
        let track = common::measure(&path, &pool(3), &DecodeOptions::default());
        let info = &track.info;
        assert_eq!(info.codec, Codec::Flac);
        assert_eq!(info.bits_per_sample, Some(bits));
        assert_eq!(info.frames, (samples.len() / channels) as u64);
        assert_eq!(info.declared_frames, Some(info.frames));
        assert_eq!(info.tags.artist.as_deref(), Some("Test Artist"));
        assert_eq!(info.tags.album_artist.as_deref(), Some("Various"));
        assert_eq!(info.tags.album.as_deref(), Some("Test Album"));
        assert_eq!(info.tags.title.as_deref(), Some("Test Title"));
        assert_eq!(info.tags.track_number, Some(7));
        assert_eq!(info.tags.disc_number, Some(2));
        if channels == 6 {
            assert_eq!(
                info.channel_names.as_deref(),
                Some(&["FL", "FR", "FC", "LFE", "BL", "BR"][..])
            );
            assert_eq!(info.lfe_channel, Some(3));
        }
        assert_eq!(
            track.result,
            direct_measurement(&samples, channels, rate, bits),
            "{bits}-bit"
        );
    }
}

#[test]
fn lfe_can_be_left_out_of_the_mean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (rate, channels, bits) = (48_000, 6, 16);
    let samples = signal(rate as usize * 4, channels, rate, bits, 9);
    let spec = FlacSpec {
        rate,
        channels,
        bits,
        block_size: 4096,
        comments: Vec::new(),
    };
    let path = write(dir.path(), "51.flac", &flac_bytes(&samples, &spec));
    let options = DecodeOptions {
        exclude_lfe: true,
        ..DecodeOptions::default()
    };
    let track = common::measure(&path, &pool(2), &options);
    assert_eq!(track.result.excluded_channel, Some(3));
}

#[test]
fn bytes_in_memory_measure_like_the_file() {
    let (rate, channels, bits) = (44_100, 2, 16);
    let samples = signal(rate as usize * 3, channels, rate, bits, 5);
    let bytes = flac_bytes(
        &samples,
        &FlacSpec {
            rate,
            channels,
            bits,
            block_size: 1152,
            comments: vec![],
        },
    );
    let pool = pool(2);
    let track = dr_decode::measure_bytes(&bytes, Some("flac"), &pool, &DecodeOptions::default(), Control::new())
        .expect("measured");
    assert_eq!(track.info.path, std::path::PathBuf::from("<memory>"));
    assert_eq!(track.result, direct_measurement(&samples, channels, rate, bits));
    // The hint is only a hint: content decides.
    let track = dr_decode::measure_bytes(&bytes, Some("mp3"), &pool, &DecodeOptions::default(), Control::new())
        .expect("measured");
    assert_eq!(track.info.codec, Codec::Flac);
}
