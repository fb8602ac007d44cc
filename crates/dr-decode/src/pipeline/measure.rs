//! One track from input to measurement, and many tracks on one pool.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::budget::{FileNeeds, MemoryBudget};
use super::decoded::Decoded;
use super::open::{open, OpenedTrack};
use super::options::{Control, DecodeOptions};
use super::parallel::{decode_parallel, panic_message};
use super::sequential::decode_sequential;
use crate::container::{DecodedTrack, Input};
use crate::error::{DecodeError, DecodeWarning, TrackContext, MID_FRAME_WARNING};
use crate::track::{Codec, MeasuredTrack};

/// Measures one file on `pool`. Packets of codecs that decode independently are spread
/// over the pool's threads; the call returns when the track is measured.
pub fn measure_file(
    path: &Path,
    pool: &rayon::ThreadPool,
    options: &DecodeOptions,
    control: Control<'_>,
) -> Result<MeasuredTrack, DecodeError> {
    measure_input(Input::Path(path), pool, options, control)
}

/// Measures audio held in memory (a fuzzing and embedding entry point). `extension` is an
/// optional hint such as `"flac"`; the content decides.
pub fn measure_bytes(
    bytes: &[u8],
    extension: Option<&str>,
    pool: &rayon::ThreadPool,
    options: &DecodeOptions,
    control: Control<'_>,
) -> Result<MeasuredTrack, DecodeError> {
    measure_input(Input::Memory { bytes, extension }, pool, options, control)
}

/// One input, counted in the progress, measured on `pool` within its own budget.
fn measure_input(
    input: Input<'_>,
    pool: &rayon::ThreadPool,
    options: &DecodeOptions,
    control: Control<'_>,
) -> Result<MeasuredTrack, DecodeError> {
    if let Some(progress) = control.progress {
        progress.add_files_total(1);
    }
    within_budget(options, control, |control| {
        pool.install(|| measure_in_pool(input, options, control))
    })
}

/// Runs `run` with one byte budget for the data in flight (`options.memory_budget_bytes`),
/// and notes what it saw in the progress.
fn within_budget<T>(options: &DecodeOptions, control: Control<'_>, run: impl FnOnce(Control<'_>) -> T) -> T {
    let budget = MemoryBudget::new(options.effective_memory_budget());
    let result = run(Control {
        memory_budget: Some(&budget),
        ..control
    });
    if let Some(progress) = control.progress {
        progress.note_memory(&budget);
    }
    result
}

/// Measures many files on `pool`, at most `options.parallel_files` at once, and hands each
/// result to `on_result` with the file's index in `paths`, in completion order, from pool
/// threads. Every index is reported exactly once; after a cancellation the files not
/// started are reported as `Cancelled`. Returns when all are reported.
pub fn measure_files<P, F>(
    paths: &[P],
    pool: &rayon::ThreadPool,
    options: &DecodeOptions,
    control: Control<'_>,
    on_result: F,
) where
    P: AsRef<Path> + Sync,
    F: Fn(usize, Result<MeasuredTrack, DecodeError>) + Sync,
{
    if let Some(progress) = control.progress {
        progress.add_files_total(paths.len() as u64);
    }
    within_budget(options, control, |control| {
        pool.install(|| measure_all(paths, options, control, &on_result))
    });
}

fn measure_all<P, F>(paths: &[P], options: &DecodeOptions, control: Control<'_>, on_result: &F)
where
    P: AsRef<Path> + Sync,
    F: Fn(usize, Result<MeasuredTrack, DecodeError>) + Sync,
{
    let max_files = options.effective_parallel_files().min(paths.len()).max(1);
    let files_in_flight = AtomicUsize::new(0);
    // Finished file tasks knock on this channel so an idle driver wakes at once.
    let (finished_sender, finished) = mpsc::channel::<()>();
    rayon::in_place_scope(|scope| {
        for (index, path) in paths.iter().enumerate() {
            let path = path.as_ref();
            if control.is_cancelled() {
                on_result(
                    index,
                    Err(DecodeError::Cancelled {
                        path: path.to_path_buf(),
                    }),
                );
                if let Some(progress) = control.progress {
                    progress.settle_file(0, 0);
                }
                continue;
            }
            // Same waiting discipline as a file's batches: run pool work, never block.
            while files_in_flight.load(Ordering::Acquire) >= max_files {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    let _ = finished.recv_timeout(Duration::from_millis(1));
                }
            }
            files_in_flight.fetch_add(1, Ordering::AcqRel);
            let (files_in_flight, sender) = (&files_in_flight, finished_sender.clone());
            scope.spawn(move |_| {
                let result = measure_in_pool(Input::Path(path), options, control);
                on_result(index, result);
                files_in_flight.fetch_sub(1, Ordering::AcqRel);
                let _ = sender.send(());
            });
        }
    });
}

/// Everything about one track, run on a pool thread. A panic anywhere in a decoder
/// becomes this track's `Internal` error.
pub(crate) fn measure_in_pool(
    input: Input<'_>,
    options: &DecodeOptions,
    control: Control<'_>,
) -> Result<MeasuredTrack, DecodeError> {
    let path = input.display_path();
    let mut declared_frames = 0u64;
    let file_frames = AtomicU64::new(0);
    let file_control = control.for_file(&file_frames);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        measure_track(input, options, file_control, &mut declared_frames)
    }));
    let outcome = outcome.unwrap_or_else(|panic| {
        Err(DecodeError::Internal {
            path,
            reason: format!("the decoder crashed on this data: {}", panic_message(&panic)),
        })
    });
    if let Some(progress) = control.progress {
        progress.settle_file(declared_frames, file_frames.load(Ordering::Relaxed));
    }
    outcome
}

fn measure_track(
    input: Input<'_>,
    options: &DecodeOptions,
    control: Control<'_>,
    declared_for_progress: &mut u64,
) -> Result<MeasuredTrack, DecodeError> {
    let path = input.display_path();
    if control.is_cancelled() {
        return Err(DecodeError::Cancelled { path });
    }
    let mut opened = open(input)?;
    let context = TrackContext {
        path: path.clone(),
        codec: opened.info.codec,
        sample_rate: opened.info.sample_rate,
    };
    if let (Some(progress), Some(frames)) = (control.progress, opened.info.declared_frames) {
        progress.add_frames_expected(frames);
        *declared_for_progress = frames;
    }
    let excluded_channel = if options.exclude_lfe {
        opened.info.lfe_channel
    } else {
        None
    };
    let analyzer_options = dr_core::Options {
        excluded_channel,
        channel_weighting: options.channel_weighting,
    };

    // (FLAC frames in another container are CRC-checked on the sequential path.)
    let parallel = options.parallel_packets
        && !opened.packet_check.flac_crc
        && opened.info.codec.packets_are_independent()
        && opened.integer_samples
        && opened.timestamps_are_frames;
    // The file's floor in the run's budget: one decoder and one packet, so that it can
    // always go on alone once started (see budget.rs).
    let budget = control
        .memory_budget
        .ok_or_else(|| context.internal("measured outside a memory budget"))?;
    let floor = budget
        .take_when_room(FileNeeds::of(&opened).floor(), &control)
        .ok_or_else(|| context.cancelled())?;
    let format = opened.format;
    let decoded = if parallel {
        decode_parallel(&mut opened, &context, analyzer_options, options, control, budget, floor)
    } else {
        decode_sequential(&mut opened, &context, analyzer_options, control, floor)
    }
    .map_err(|error| format.explain_stop(input, &context, error))?;
    // Audio the reader skipped over silently, or a cut it did not see: the container's walks.
    let damage = format.find_damage(
        input,
        &DecodedTrack {
            context: &context,
            track_id: opened.track_id,
            file_bytes: opened.info.file_bytes,
            frames: decoded.frames,
            ended_mid_packet: decoded.ended_mid_packet,
            packet_bytes: decoded.packet_bytes,
        },
    )?;
    let mut decoded = decoded;
    let lost_audio = !damage.lost_audio.is_empty();
    decoded.warnings.extend(damage.lost_audio);
    let complete = check_complete(&opened, &context, &decoded, lost_audio)
        .map_err(|error| format.explain_stop(input, &context, error))?;
    decoded.warnings.extend(complete);
    decoded.warnings.extend(damage.nothing_lost);

    // Tags may also arrive while the stream is read (Ogg comment packets).
    let track_id = opened.track_id;
    opened.info.tags.absorb_reader(opened.reader.as_mut(), track_id);
    let Decoded {
        result,
        frames,
        warnings,
        ..
    } = decoded;
    let mut info = opened.info;
    info.sample_rate = result.sample_rate;
    info.channels = result.channels.len().max(info.channels);
    info.finish(frames);
    Ok(MeasuredTrack { info, result, warnings })
}

/// Lossless audio must decode to the length its header declares; lossy audio may differ
/// by encoder delay and padding, and MP3 lengths without a Xing header are estimates.
/// Returns the warnings a measured track carries: a lossy file that ends in the middle of a
/// frame, a lossless stream longer than its header says.
///
/// `lost_audio`: the shortfall of lossy audio is already explained by warnings (Ogg pages,
/// MPEG data or Matroska structure the reader skipped), so it is not taken for a cut file.
fn check_complete(
    opened: &OpenedTrack<'_>,
    context: &TrackContext,
    decoded: &Decoded,
    lost_audio: bool,
) -> Result<Vec<DecodeWarning>, DecodeError> {
    let codec = opened.info.codec;
    let lossless = codec.is_lossless();
    let frames = decoded.frames;
    // PCM whose header gives no length (a streamed WAV's 0xFFFFFFFF "unknown" data size)
    // ends where the file ends: reaching the end is no sign of a cut.
    let open_ended = codec == Codec::Pcm && opened.info.declared_frames.is_none();
    let ended_mid_packet = decoded.ended_mid_packet && !open_ended;
    let mut warnings = Vec::new();
    if ended_mid_packet && !lossless {
        warnings.push(DecodeWarning {
            at_seconds: context.seconds(frames),
            message: MID_FRAME_WARNING.to_owned(),
        });
    }
    let Some(declared) = opened.info.declared_frames.filter(|&frames| frames > 0) else {
        return if ended_mid_packet && lossless {
            Err(context.truncated(frames, frames))
        } else {
            Ok(warnings)
        };
    };
    let covered = frames.saturating_add(decoded.final_packet_shortfall);
    let short = if lossless {
        covered < declared
    } else if lost_audio {
        false
    } else {
        // A few packets of delay/padding, plus slack for estimated lengths.
        let slack_percent = if matches!(codec, Codec::Mp3 | Codec::Mp2 | Codec::Mp1) {
            10
        } else {
            2
        };
        frames
            .saturating_add(8192)
            .saturating_add(declared / 100 * slack_percent)
            < declared
    };
    if short || (ended_mid_packet && lossless) {
        return Err(context.truncated(frames, declared.max(frames)));
    }
    if lossless && frames > declared {
        // Every frame decoded intact: the header's length is what is wrong. Measured whole.
        warnings.push(DecodeWarning {
            at_seconds: context.seconds(declared),
            message: format!(
                "the stream holds more audio than its header declares ({} frames, not {declared}): all of it was measured",
                frames
            ),
        });
    }
    Ok(warnings)
}
