//! Decoding one file on many pool threads, for codecs whose packets decode independently
//! (FLAC, ALAC, integer PCM).
//!
//! The file task reads packets in order (demuxing is sequential by nature) and hands
//! batches of `batch_packets` to pool jobs. Each job decodes its packets with its own
//! decoder and turns each packet's samples into a dr-core `Segment` placed by the packet's
//! frame position. Segments carry exact integer sums, so merging them into the track's
//! analyser in whatever order jobs finish gives bit-identical results to a sequential pass.
//!
//! Memory is bounded whatever the file's length: at most `max_batches_in_flight` batches
//! are read or decoding (a batch takes its place before its first packet is read), each
//! holding its packets' compressed bytes and, while it decodes, one decoded packet of
//! samples. Over the files of a run the places come from one shared budget, so the run
//! holds one file's allowance however many files are in flight (`BatchBudget`). Results come back through a channel and are merged at
//! once; a segment is a few windows' sums, small.
//!
//! Waiting never blocks a pool thread in a way that can deadlock, even in a 1-thread
//! pool: while its batches are in flight the file task runs pending pool jobs itself
//! (`rayon::yield_now`, which may be its own batches or another file's work) and only
//! sleeps on the result channel, for at most a millisecond, when no job is runnable.
//!
//! Errors are deterministic: a failure at frame F stops only the batches that start after
//! F; batches before it run to the end, so the earliest failure in the file is reported,
//! as the sequential path would report it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Mutex;
use std::time::Duration;

use dr_core::{Analyzer, Geometry, Segment};
use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::packet::Packet;

use crate::error::DecodeError;
use crate::open::{OpenedTrack, TrackDecoder};
use crate::options::{BatchSlot, Control, DecodeOptions};
use crate::pcm::{I32Layout, PcmConverter};
use crate::sequential::Decoded;
use crate::stream::{NextPacket, PacketStream, TrackContext};

/// How long a waiting file task sleeps on its result channel when no pool job is runnable.
/// Results wake it at once; the timeout only bounds how late it notices new stealable work.
const IDLE_WAIT: Duration = Duration::from_millis(1);

/// No batch is stopped: no failure and no cancellation so far.
const NO_STOP: u64 = u64::MAX;

/// A run of consecutive packets and the track frame its first packet starts at.
struct Batch<'b> {
    first_frame: u64,
    packets: Vec<Packet>,
    /// Holds the stream's last packet, which may decode to fewer frames than it states
    /// (CAF states whole packets; the encoder's last frame is shorter).
    is_final: bool,
    /// The batch's place in the allowance, taken before its first packet is read and
    /// given back with its packets when it has decoded.
    _slot: BatchSlot<'b>,
}

/// What a job sends back.
enum BatchOutcome {
    /// The batch's segments, and how many frames short of its stated duration the stream's
    /// last packet decoded.
    Measured(Vec<Segment>, u64),
    /// The earliest failure in the batch, with its frame position.
    Failed(u64, DecodeError),
    /// Stopped because an earlier failure or a cancellation made its work moot.
    Stopped,
}

/// What every job of a file shares (borrowed for the scope of the file's decode).
struct JobShared<'c> {
    params: AudioCodecParameters,
    geometry: Geometry,
    channels: usize,
    layout: I32Layout,
    context: TrackContext,
    control: Control<'c>,
    /// Batches starting after this frame stop early (set by failures and cancellation).
    stop_after_frame: AtomicU64,
    /// Decoders (with their converters' scratch) returned by finished jobs, reused by the
    /// next ones: buffers are allocated once per worker, not per batch.
    spare_workers: Mutex<Vec<BatchWorker>>,
}

/// What a job decodes a batch with: a decoder and the converter whose scratch holds the
/// integer copy of its output.
struct BatchWorker {
    decoder: Box<dyn AudioDecoder>,
    converter: PcmConverter,
}

impl JobShared<'_> {
    fn take_worker(&self) -> Result<BatchWorker, DecodeError> {
        if let Some(worker) = self.spare_workers.lock().ok().and_then(|mut spare| spare.pop()) {
            return Ok(worker);
        }
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&self.params, &AudioDecoderOptions::default())
            .map_err(|error| self.context.internal(format!("decoder could not start: {error}")))?;
        Ok(self.worker(decoder))
    }

    fn worker(&self, decoder: Box<dyn AudioDecoder>) -> BatchWorker {
        BatchWorker {
            decoder,
            converter: PcmConverter::new(self.layout),
        }
    }

    fn return_worker(&self, worker: BatchWorker) {
        if let Ok(mut spare) = self.spare_workers.lock() {
            spare.push(worker);
        }
    }

    fn stop_after(&self, frame: u64) {
        self.stop_after_frame.fetch_min(frame, Ordering::Relaxed);
    }

    fn should_stop(&self, frame: u64) -> bool {
        self.control.is_cancelled() || frame > self.stop_after_frame.load(Ordering::Relaxed)
    }
}

pub(crate) fn decode_parallel(
    opened: &mut OpenedTrack<'_>,
    context: &TrackContext,
    analyzer_options: dr_core::Options,
    options: &DecodeOptions,
    control: Control<'_>,
) -> Result<Decoded, DecodeError> {
    let mut analyzer = Analyzer::with_options(opened.info.sample_rate, opened.info.channels, analyzer_options)
        .map_err(|error| context.analysis(error))?;
    let shared = JobShared {
        params: opened.params.clone(),
        geometry: analyzer.geometry(),
        channels: opened.info.channels,
        layout: opened.i32_layout,
        context: context.clone(),
        control,
        stop_after_frame: AtomicU64::new(NO_STOP),
        spare_workers: Mutex::new(Vec::new()),
    };
    // The decoder made while opening is the first spare.
    if let TrackDecoder::Symphonia(decoder) = std::mem::replace(&mut opened.decoder, TrackDecoder::Released) {
        shared.return_worker(shared.worker(decoder));
    }

    let batch_packets = batch_size(
        options.effective_batch_packets(),
        opened.info.declared_frames,
        opened.params.max_frames_per_packet,
    );
    let max_in_flight = options.effective_batches_in_flight();
    let mut packets = PacketStream::new(opened.reader.as_mut(), opened.track_id, context.clone(), true);
    let mut failure: Option<(u64, DecodeError)> = None;
    let mut frames = 0u64;
    let mut ended_mid_packet = false;
    let mut final_packet_shortfall = 0;

    let own_slot_free = AtomicBool::new(true);
    rayon::in_place_scope(|scope| {
        let (sender, receiver) = mpsc::channel::<BatchOutcome>();
        let mut merger = Merger {
            analyzer: &mut analyzer,
            failure: &mut failure,
            shared: &shared,
            short_final_frames: 0,
        };
        let mut in_flight = 0usize;
        // The batch being read, if any.
        let mut filling: Option<Batch<'_>> = None;

        loop {
            if shared.control.is_cancelled() {
                merger.record(0, context.cancelled());
                break;
            }
            if merger.failure.is_some() {
                break; // the earliest failure is already behind the packets still unread
            }
            let (incoming, last_batch) = match packets.next() {
                Ok(NextPacket::Packet(packet)) => (Some(packet), false),
                Ok(NextPacket::End) => (None, true),
                Ok(NextPacket::EndMidPacket) => {
                    ended_mid_packet = true;
                    (None, true)
                }
                Err(error) => {
                    merger.record(frames, error);
                    (None, true)
                }
            };
            // A full batch leaves only when the next packet shows it does not hold the
            // stream's last packet (which alone may decode short, see `Batch::is_final`).
            let full = incoming.is_some() && filling.as_ref().is_some_and(|b| b.packets.len() >= batch_packets);
            if full || last_batch {
                if let Some(mut batch) = filling.take() {
                    batch.is_final = last_batch;
                    let sender = sender.clone();
                    let shared = &shared;
                    in_flight += 1;
                    let packets_held = shared.control.hold_packets(batch.packets.len());
                    scope.spawn(move |_| {
                        let first_frame = batch.first_frame;
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_batch(batch, shared)))
                                .unwrap_or_else(|panic| {
                                    BatchOutcome::Failed(
                                        first_frame,
                                        shared.context.internal(format!(
                                            "the decoder crashed on this data: {}",
                                            panic_message(&panic)
                                        )),
                                    )
                                });
                        // `decode_batch` freed the batch's packets and gave back its place:
                        // release their count before reporting.
                        drop(packets_held);
                        // The receiver outlives every job of the scope; a send cannot fail.
                        let _ = sender.send(outcome);
                    });
                }
            }
            if let Some(packet) = incoming {
                let batch = match &mut filling {
                    Some(batch) => batch,
                    None => {
                        // A new batch takes its place before it is read, so packets read
                        // ahead count too: a file may always have one batch (its own
                        // place); each more takes a place in the run's budget, shared by
                        // the files in flight.
                        let slot = loop {
                            if in_flight < max_in_flight {
                                if let Some(slot) = shared.control.take_batch_slot(&own_slot_free) {
                                    break slot;
                                }
                            }
                            in_flight -= merger.wait_for_one(&receiver);
                        };
                        filling.insert(Batch {
                            first_frame: frames,
                            packets: Vec::with_capacity(batch_packets),
                            is_final: false,
                            _slot: slot,
                        })
                    }
                };
                frames = frames.saturating_add(packet.dur.get());
                batch.packets.push(packet);
            }
            if last_batch {
                break;
            }
        }
        while in_flight > 0 {
            in_flight -= merger.wait_for_one(&receiver);
        }
        final_packet_shortfall = merger.short_final_frames.min(frames);
        frames -= final_packet_shortfall;
    });

    if let Some((_, error)) = failure {
        return Err(error);
    }
    let result = analyzer.finish().map_err(|error| context.analysis(error))?;
    Ok(Decoded {
        result,
        frames,
        warnings: Vec::new(),
        ended_mid_packet,
        final_packet_shortfall,
        packet_bytes: packets.bytes_read(),
    })
}

/// Batches per pool thread a file should yield at least, so that a short file still keeps
/// every thread busy (a 7 s FLAC has ~76 packets: one 64-packet batch would leave a 2-thread
/// pool half idle).
const MIN_BATCHES_PER_THREAD: u64 = 4;

/// The configured batch size, made smaller for files too short to fill the pool with it.
/// Any size gives bit-identical results; this only spreads the work.
fn batch_size(configured: usize, declared_frames: Option<u64>, frames_per_packet: Option<u64>) -> usize {
    let (Some(frames), Some(per_packet)) = (declared_frames, frames_per_packet.filter(|&n| n > 0)) else {
        return configured;
    };
    let packets = frames.div_ceil(per_packet);
    let wanted_batches = MIN_BATCHES_PER_THREAD * rayon::current_num_threads().max(1) as u64;
    let fitting = usize::try_from(packets / wanted_batches).unwrap_or(usize::MAX);
    configured.min(fitting).max(1)
}

/// The file task's side: merges what jobs send back and keeps the earliest failure.
struct Merger<'m, 'c> {
    analyzer: &'m mut Analyzer,
    failure: &'m mut Option<(u64, DecodeError)>,
    shared: &'m JobShared<'c>,
    /// Frames the stream's last packet decoded short of its stated duration.
    short_final_frames: u64,
}

impl Merger<'_, '_> {
    fn record(&mut self, at_frame: u64, error: DecodeError) {
        self.shared.stop_after(at_frame);
        let earlier = match self.failure {
            None => true,
            Some((existing, _)) => at_frame < *existing,
        };
        if earlier {
            *self.failure = Some((at_frame, error));
        }
    }

    /// Waits for one job's outcome and merges it; returns 1 (the job count it retired).
    fn wait_for_one(&mut self, receiver: &Receiver<BatchOutcome>) -> usize {
        loop {
            match receiver.try_recv() {
                Ok(outcome) => {
                    self.merge(outcome);
                    return 1;
                }
                // Every job holds a sender clone until it has sent; the file task holds the
                // original, so the channel cannot disconnect while jobs are in flight.
                Err(TryRecvError::Disconnected) => return 1,
                Err(TryRecvError::Empty) => {}
            }
            // Run pending pool work ourselves (our batches, or other files' work) instead of
            // blocking; only when nothing is runnable, sleep on the channel briefly.
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                match receiver.recv_timeout(IDLE_WAIT) {
                    Ok(outcome) => {
                        self.merge(outcome);
                        return 1;
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return 1,
                }
            }
        }
    }

    fn merge(&mut self, outcome: BatchOutcome) {
        match outcome {
            BatchOutcome::Measured(segments, short_frames) => {
                self.short_final_frames += short_frames;
                for segment in segments {
                    if let Err(error) = self.analyzer.merge(segment) {
                        let error = self.shared.context.analysis(error);
                        self.record(0, error);
                        return;
                    }
                }
            }
            BatchOutcome::Failed(at_frame, error) => self.record(at_frame, error),
            BatchOutcome::Stopped => {}
        }
    }
}

/// A pool job: decodes a batch into one segment per packet.
fn decode_batch(batch: Batch<'_>, shared: &JobShared<'_>) -> BatchOutcome {
    if shared.should_stop(batch.first_frame) {
        return BatchOutcome::Stopped;
    }
    let mut worker = match shared.take_worker() {
        Ok(worker) => worker,
        Err(error) => return BatchOutcome::Failed(batch.first_frame, error),
    };
    let outcome = decode_packets(&batch, &mut worker, shared);
    shared.return_worker(worker);
    outcome
}

fn decode_packets(batch: &Batch<'_>, worker: &mut BatchWorker, shared: &JobShared<'_>) -> BatchOutcome {
    let BatchWorker { decoder, converter } = worker;
    let context = &shared.context;
    let channels = shared.channels;
    let mut segments = Vec::with_capacity(batch.packets.len());
    let mut frame = batch.first_frame;
    let mut short_frames = 0;
    let last_index = batch.packets.len().saturating_sub(1);
    // The decoder's output buffer and the converter's copy, counted while the job runs.
    let mut decoded_held = None;
    for (index, packet) in batch.packets.iter().enumerate() {
        if shared.should_stop(frame) {
            return BatchOutcome::Stopped;
        }
        let buffer = match decoder.decode(packet) {
            Ok(buffer) => buffer,
            Err(error) => return BatchOutcome::Failed(frame, context.decode_failure(frame, error)),
        };
        let decoded = buffer.frames() as u64;
        let stated = packet.dur.get();
        if batch.is_final && index == last_index && decoded < stated {
            short_frames = stated - decoded;
        } else if decoded != stated {
            let detail = format!("decoded {decoded} frames where the stream says {}", packet.dur.get());
            return BatchOutcome::Failed(frame, context.corrupt(frame, detail));
        }
        let spec = buffer.spec();
        if spec.rate() != context.sample_rate {
            let detail = format!(
                "sample rate changes from {} Hz to {} Hz",
                context.sample_rate,
                spec.rate()
            );
            return BatchOutcome::Failed(frame, context.changed(frame, detail));
        }
        if buffer.num_planes() != channels {
            let detail = format!("channel count changes from {channels} to {}", buffer.num_planes());
            return BatchOutcome::Failed(frame, context.changed(frame, detail));
        }
        match converter.segment(&buffer, &shared.geometry, frame) {
            Some(Ok(segment)) => segments.push(segment),
            Some(Err(error)) => return BatchOutcome::Failed(frame, context.analysis(error)),
            None => {
                let detail = "float samples from a decoder expected to give integers";
                return BatchOutcome::Failed(frame, context.internal(detail));
            }
        }
        if decoded_held.is_none() {
            let bytes = decoded_buffer_bytes(&buffer) + converter.scratch_bytes();
            decoded_held = Some(shared.control.hold_decoded_bytes(bytes));
        }
        frame += decoded;
        shared.control.frames_done(decoded);
    }
    BatchOutcome::Measured(segments, short_frames)
}

/// Bytes a decoder's output buffer holds (its capacity, not just the frames in use).
pub(crate) fn decoded_buffer_bytes(buffer: &GenericAudioBufferRef<'_>) -> usize {
    buffer.capacity().max(buffer.frames()) * buffer.byte_len_per_frame()
}

/// The text of a caught panic, for the error that replaces it.
pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    }
}
